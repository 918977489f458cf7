//! Server half of users: `service` (the rules; what `api.rs` calls), `repo` (the SQL), and
//! `rules` (the checks of who may change whom, free of any database).

pub mod repo;
pub mod rules;
pub mod service;
