//! Writing audit events, inside the transaction of the change they describe: the event and
//! the change commit together or not at all.

use crate::auth::server::guard::capability::{OrgTx, Permit};
use crate::server::ids::{new_id, now_ms};
use crate::server::sql::Sql;

/// One entry of the audit trail. The target's label (an email, say) is kept as text, so the
/// event still says who it was about after the target is deleted.
pub struct AuditEvent<'a> {
    pub actor_id: &'a str,
    pub actor_email: &'a str,
    /// `user.updated`, `user.roles_changed`, `user.deactivated`, `user.activated`, `user.deleted`…
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: &'a str,
    pub target_label: &'a str,
    /// What changed, as a JSON object.
    pub details: serde_json::Value,
}

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
    let sql = Sql::new(
        "INSERT INTO audit_events
             (id, org_id, actor_id, actor_email, action, target_type, target_id, target_label, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(tx.id())
    .bind(event.actor_id)
    .bind(event.actor_email)
    .bind(event.action)
    .bind(event.target_type)
    .bind(event.target_id)
    .bind(event.target_label)
    .bind(event.details.to_string())
    .bind(now_ms());
    tx.exec().execute(sql).await.map(|_| ())
}
