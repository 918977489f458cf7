//! The audit trail: who did what to whom, and when, for every admin action.

#[cfg(feature = "ssr")]
pub mod server;
