//! Writing audit events, inside the transaction of the change they describe: the event and
//! the change commit together or not at all.

pub use super::repo::AuditEvent;

use super::repo;
use crate::auth::server::guard::capability::{OrgTx, Permit};
use crate::server::ids::{new_id, now_ms};

impl<'a> AuditEvent<'a> {
    /// An event about a user, acted on by the permit's holder.
    pub fn on_user(permit: &'a Permit, action: &'static str, user_id: &'a str, email: &'a str, details: serde_json::Value) -> Self {
        AuditEvent {
            actor_id: permit.user_id(),
            actor_email: permit.user_email(),
            action,
            target_type: "user",
            target_id: user_id,
            target_label: email,
            details,
        }
    }
}

/// Writes `event` in the transaction's organization, as part of the change it records.
pub async fn record(tx: &mut OrgTx, event: AuditEvent<'_>) -> Result<(), sqlx::Error> {
    repo::insert(tx, &event, &new_id(), now_ms()).await
}
