//! Server half of invitations.

pub mod repo;
