//! Server half of organizations.

pub mod repo;
pub mod service;
