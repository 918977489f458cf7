//! Server half of the audit trail: `service` records an event inside the change's
//! transaction, `repo` writes it.

pub mod repo;
pub mod service;
