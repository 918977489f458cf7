//! One integration-test binary (one link step, shared helpers): the real router on a random
//! port, a fresh database per test. `TEST_DATABASE_URL=postgres://…` runs it on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod helpers;
mod pages;
mod server_functions;
mod sign_in;
mod users_actions;
mod users_list;
