//! SQL for the signed-in user's own account, scoped to their organization.

use crate::auth::server::guard::capability::{OrgDb, OrgTx};
use crate::server::sql::Sql;

pub async fn role_names(org: &OrgDb, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
         WHERE ur.user_id = $1 AND r.org_id = $2 ORDER BY r.name",
    )
    .bind(user_id)
    .bind(org.id());
    org.exec().scalars(sql).await
}

pub async fn set_password(tx: &mut OrgTx, user_id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND org_id = $4")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// Ends the user's live sessions except `keep` (the one changing the password).
pub async fn end_other_sessions(tx: &mut OrgTx, user_id: &str, keep: &str, now: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE sessions SET ended_at = $1, end_reason = 'password_changed'
         WHERE user_id = $2 AND org_id = $3 AND id <> $4 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(tx.id())
    .bind(keep);
    tx.exec().execute(sql).await
}
