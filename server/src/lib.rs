//! The `roster` server: configuration, router, middleware, first start and the admin CLI.
//! Integration tests use this library to start the real app on a random port.

pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod mail;
pub mod metrics;
pub mod retention;
pub mod middleware;
pub mod router;
pub mod seed;
pub mod serve;

/// Every binary built on this crate (the server, its tests, the benchmark) allocates with
/// mimalloc: see the note in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
