//! Sessions as the Sessions page shows them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: String,
    pub user_name: String,
    pub user_email: String,
    pub device: String,
    pub ip_address: String,
    pub started_at: i64,
    pub last_active_at: i64,
    /// The session this list was requested from.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionSummary>,
    pub now: i64,
}
