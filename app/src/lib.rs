//! Roster's application: pages, components, shared types and server functions.
//!
//! Compiled twice: with `ssr` into the server (where the `server` modules and every
//! `#[cfg(feature = "ssr")]` half exist) and with `hydrate` into the browser's WASM.

pub mod account;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod chunks;
pub mod error;
pub mod help;
pub mod invitations;
pub mod live;
pub mod login_attempts;
pub mod mail;
pub mod organizations;
#[cfg(feature = "ssr")]
pub mod server;
pub mod sessions;
pub mod ui;
pub mod users;

pub use app::{shell, App};
