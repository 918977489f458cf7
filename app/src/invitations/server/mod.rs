//! Server half of invitations: reading them.

pub mod repo;
pub mod service;
