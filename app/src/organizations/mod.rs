//! Organizations (tenants) and their roles. Created from the command line or at first start;
//! every other feature is scoped to one.

pub mod types;
#[cfg(feature = "ssr")]
pub mod server;
