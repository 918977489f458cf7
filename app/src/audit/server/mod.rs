//! Server half of the audit trail: `service` records an event inside the change's
//! transaction and reads the log back, `chain` links and verifies the events, `repo` is the SQL.

pub mod chain;
pub mod repo;
pub mod service;
