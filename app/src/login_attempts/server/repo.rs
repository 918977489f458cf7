//! SQL for the sign-in log.

use crate::auth::server::guard::capability::{AuthGate, OrgDb};
use crate::login_attempts::types::LoginAttempt;
use crate::server::sql::Sql;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub id: String,
    pub org_id: Option<String>,
    pub user_id: Option<String>,
    pub email: String,
    pub email_key: String,
    pub ip_address: String,
    pub user_agent: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

impl From<AttemptRow> for LoginAttempt {
    fn from(row: AttemptRow) -> Self {
        LoginAttempt {
            id: row.id,
            at: row.created_at,
            email: row.email,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            success: row.status == "success",
            reason: row.reason,
        }
    }
}

/// Written through the sign-in gate: an attempt may name no organization.
pub async fn insert(gate: &AuthGate, row: &AttemptRow) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO login_attempts
             (id, org_id, user_id, email, email_key, ip_address, user_agent, status, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.org_id)
    .bind(&row.user_id)
    .bind(&row.email)
    .bind(&row.email_key)
    .bind(&row.ip_address)
    .bind(&row.user_agent)
    .bind(&row.status)
    .bind(&row.reason)
    .bind(row.created_at);
    gate.exec().execute(sql).await.map(|_| ())
}

pub async fn recent(org: &OrgDb, limit: i64) -> Result<Vec<AttemptRow>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT id, org_id, user_id, email, email_key, ip_address, user_agent, status, reason, created_at
         FROM login_attempts WHERE org_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2",
    );
    org.exec().fetch_all(sql.bind(org.id()).bind(limit)).await
}
