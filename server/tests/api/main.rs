//! One integration-test binary (one link step, shared helpers): the real router on a random
//! port, a fresh database per test. `TEST_DATABASE_URL=postgres://…` runs it on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Runs `$body` with `$pool` bound to the test database's native pool, for the raw checks a
/// test makes behind the app's back (the app itself queries only through its capabilities).
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            app::server::db::Db::Sqlite($pool) => $body,
            app::server::db::Db::Postgres($pool) => $body,
        }
    };
}

mod account;
mod audit;
mod bulk;
mod canary;
mod cli;
mod helpers;
mod inputs;
mod invitations;
mod live;
mod login_attempts;
mod metrics;
mod migrations;
mod outage;
mod pages;
mod plain_forms;
pub mod reliability;
mod server_functions;
mod sessions;
mod sign_in;
mod sign_in_protection;
mod smtp;
mod users_actions;
mod users_list;
