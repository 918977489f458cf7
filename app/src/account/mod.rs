//! Your account: every signed-in user's own page (name, email, roles) with **Change password**.
//! A user without `users.view` lands here after signing in or accepting an invitation.

pub mod api;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
