//! Server half of users.

pub mod account_repo;
pub mod admin;
pub mod provisioning;
pub mod repo;
pub mod rules;
pub mod service;
