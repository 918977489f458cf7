//! Server half of sessions.

pub mod repo;
