//! Users: the organization's people, their roles and status. The Users page, its list, its
//! filters, its dialogs, and the server functions behind them.

pub mod account;
pub mod actions;
pub mod api;
pub mod dialogs;
pub mod filters;
pub mod list;
pub mod page;
pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
