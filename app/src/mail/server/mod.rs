//! Server half of email: rendering, the outbox's SQL, the sending worker and its transports.

pub mod message;
pub mod repo;
pub mod service;
pub mod transport;
