//! Invitations: who was asked to join, with which role, and what became of it.

pub mod api;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
