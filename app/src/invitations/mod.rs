//! Invitations: who was asked to join, with which role, and what became of it.

pub mod accept_page;
pub mod api;
pub mod invite_dialog;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
