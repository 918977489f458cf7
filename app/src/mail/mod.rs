//! Email: the outbox that invitation mail is written to in the same transaction as the
//! invitation, and the worker that sends it (server only).

#[cfg(feature = "ssr")]
pub mod server;
