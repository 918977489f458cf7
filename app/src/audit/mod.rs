//! The audit trail: who did what to whom, and when, for every admin action, and the Audit Log
//! page that reads it.

pub mod api;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
