//! Bulk actions on Users: an action on many users at once (the ticked rows, or every user
//! matching the filters), previewed before anything changes, run as a job in chunks that
//! survives a restart, and undone within 15 minutes. The selection bar and its dialogs live
//! in `bar`, loaded with the Users page's chunk.

pub mod api;
pub mod bar;
#[cfg(feature = "ssr")]
pub mod server;
pub mod types;
