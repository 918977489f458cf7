//! SQL for the Sessions list.

use crate::auth::server::guard::capability::OrgDb;
use crate::server::sql::Sql;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct SessionListRow {
    pub id: String,
    pub user_name: String,
    pub user_email: String,
    pub device: String,
    pub ip_address: String,
    pub created_at: i64,
    pub last_active_at: i64,
}

/// The organization's live sessions, most recently active first.
pub async fn live(org: &OrgDb, now: i64, idle_since: i64, limit: i64) -> Result<Vec<SessionListRow>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT s.id, u.name AS user_name, u.email AS user_email, s.device, s.ip_address, s.created_at, s.last_active_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.org_id = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND s.last_active_at > $3
         ORDER BY s.last_active_at DESC, s.id DESC LIMIT $4",
    );
    org.exec().fetch_all(sql.bind(org.id()).bind(now).bind(idle_since).bind(limit)).await
}
