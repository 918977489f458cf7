//! Sessions: who is signed in, from which device and address, since when.

pub mod api;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
