//! Server functions of the Invitations page.

use crate::error::AppError;
use crate::invitations::types::InvitationList;
use leptos::prelude::*;

/// Requires `users.invite`. The organization's newest invitations.
#[server(endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<InvitationList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::server::ids::now_ms;
    with_permission(Permission::UsersInvite, |permit| async move {
        let now = now_ms();
        let rows = crate::invitations::server::repo::recent(permit.db(), permit.org_id(), 100).await?;
        Ok(InvitationList { invitations: rows.into_iter().map(|r| r.into_invitation(now)).collect(), now })
    })
    .await
}
