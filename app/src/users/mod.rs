//! Users: the organization's people, their roles and status. The Users page and its list.

pub mod api;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
