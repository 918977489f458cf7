//! Server half of login attempts: recording them and reading them back.

pub mod repo;
pub mod service;
