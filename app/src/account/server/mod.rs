//! Server half of Your account.

pub mod repo;
pub mod service;
