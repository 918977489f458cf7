//! Signing in and out, the signed-in user, and the permission model.

pub mod api;
pub mod login_page;
pub mod refused_page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
