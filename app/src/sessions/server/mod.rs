//! Server half of sessions: reading the organization's sessions.

pub mod repo;
pub mod service;
