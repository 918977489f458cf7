//! Live lists: what changes in an organization reaches the pages that show it as it happens.
//! The server sends each tab one stream of server-sent events (`server::stream`), naming only
//! which of the lists the viewer may see has news (never its rows: the page asks its own
//! server function again, through the guard); `listen` is the browser's end of it, with the
//! clock that makes relative times tick and the "N new" notice of a list.

pub mod listen;
#[cfg(feature = "ssr")]
pub mod server;
pub mod types;
