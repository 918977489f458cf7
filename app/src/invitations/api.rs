//! Server functions of the Invitations page.

use crate::error::AppError;
use crate::invitations::types::InvitationList;
use leptos::prelude::*;

/// Requires `users.invite`. The organization's newest invitations.
#[server(endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<InvitationList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersInvite, |permit| async move {
        crate::invitations::server::service::list_recent(&permit, 100).await
    })
    .await
}
