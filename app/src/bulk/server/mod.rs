//! The server side of bulk actions: `service` (rules, preview, confirm, cancel, undo),
//! `runner` (the worker that does the work, a chunk per transaction) and `repo` (SQL).

pub mod repo;
pub mod rules;
pub mod runner;
pub mod service;
