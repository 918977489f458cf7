//! Reading the organization's invitations.

use super::repo;
use crate::auth::server::guard::capability::Permit;
use crate::error::AppError;
use crate::invitations::types::InvitationList;
use crate::server::ids::now_ms;

/// The organization's newest invitations, each with the status the clock gives it.
pub async fn list_recent(permit: &Permit, limit: i64) -> Result<InvitationList, AppError> {
    let now = now_ms();
    let rows = repo::recent(permit.org(), limit).await?;
    Ok(InvitationList { invitations: rows.into_iter().map(|r| r.into_invitation(now)).collect(), now })
}
