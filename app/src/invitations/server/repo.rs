//! SQL for invitations.

use crate::invitations::types::{Invitation, InvitationStatus};
use crate::auth::server::guard::capability::OrgDb;
use crate::server::sql::Sql;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub message: Option<String>,
    pub status: String,
    pub expires_at: i64,
}

impl InvitationRow {
    /// A pending invitation past its expiry reads as Expired, whether or not a sweep has run.
    pub fn into_invitation(self, now: i64) -> Invitation {
        let status = match InvitationStatus::from_key(&self.status).unwrap_or(InvitationStatus::Expired) {
            InvitationStatus::Pending if self.expires_at <= now => InvitationStatus::Expired,
            other => other,
        };
        Invitation { id: self.id, email: self.email, role: self.role, message: self.message, status, expires_at: self.expires_at }
    }
}

/// The organization's newest invitations.
pub async fn recent(org: &OrgDb, limit: i64) -> Result<Vec<InvitationRow>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT i.id, i.email, r.name AS role, i.message, i.status, i.expires_at
         FROM invitations i JOIN roles r ON r.id = i.role_id
         WHERE i.org_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT $2",
    );
    org.exec().fetch_all(sql.bind(org.id()).bind(limit)).await
}
