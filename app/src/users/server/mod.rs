//! Server half of users.

pub mod provisioning;
pub mod repo;
pub mod service;
