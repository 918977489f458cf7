//! Login attempts: every sign-in, successful or not, with where it came from and why it failed.

pub mod api;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
