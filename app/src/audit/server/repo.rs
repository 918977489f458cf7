//! SQL for the audit trail.

use crate::auth::server::guard::capability::OrgTx;
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

/// Inserts one event of the transaction's organization.
pub async fn insert(tx: &mut OrgTx, event: &AuditEvent<'_>, id: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO audit_events
             (id, org_id, actor_id, actor_email, action, target_type, target_id, target_label, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(tx.id())
    .bind(event.actor_id)
    .bind(event.actor_email)
    .bind(event.action)
    .bind(event.target_type)
    .bind(event.target_id)
    .bind(event.target_label)
    .bind(event.details.to_string())
    .bind(now);
    tx.exec().execute(sql).await.map(|_| ())
}
