//! Server functions of invitations: the Invitations page and the Invite User dialog (each
//! requires `users.invite`), and the invitee's page, public under `/api/public/` (the link's
//! token is the only credential; it travels in the request body, never in a logged path).

use crate::error::AppError;
use crate::invitations::types::{Acceptance, InvitationLink, InvitationList, Invited, NewInvitation};
use crate::users::account::RoleOption;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Requires `users.invite`. One page of the organization's invitations, newest first: any part
/// of the email (`search`), `status`, after the cursor `after` or before `before`.
#[server(endpoint = "list_invitations")]
pub async fn list_invitations(
    search: Option<String>,
    status: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<InvitationList, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    use crate::invitations::types::{InvitationListParams, InvitationQuery};
    let params = InvitationListParams { search, status, after, before };
    with_permission(Permission::UsersInvite, |permit| async move {
        let query = InvitationQuery::from_params(&params).map_err(|e| AppError::Validation(vec![e]))?;
        crate::invitations::server::service::list(&permit, &query).await
    })
    .await
}

/// Requires `users.invite`. The roles the viewer may invite people with.
#[server(endpoint = "invite_roles")]
pub async fn invite_roles() -> Result<Vec<RoleOption>, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersInvite, |permit| async move { crate::invitations::server::service::invite_roles(&permit).await }).await
}

/// Requires `users.invite`. **Send Invitation**: a pending account with the role, and the email.
#[server(endpoint = "invite_user", input = Json)]
pub async fn invite_user(invitation: NewInvitation) -> Result<Invited, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersInvite, |permit| async move { crate::invitations::server::service::invite(&permit, &invitation).await }).await
}

/// Requires `users.invite`. **Resend**: a new link and email; returns the invitee's email.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(id: String) -> Result<String, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersInvite, |permit| async move { crate::invitations::server::service::resend(&permit, &id).await }).await
}

/// Requires `users.invite`. **Cancel**: the link dies and the pending account goes; returns the
/// invitee's email.
#[server(endpoint = "cancel_invitation")]
pub async fn cancel_invitation(id: String) -> Result<String, AppError> {
    use crate::auth::server::guard::with_permission;
    use crate::auth::types::Permission;
    with_permission(Permission::UsersInvite, |permit| async move { crate::invitations::server::service::cancel(&permit, &id).await }).await
}

/// Public. What the invitation link `token` leads to.
#[server(prefix = "/api/public", endpoint = "open_invitation")]
pub async fn open_invitation(token: String) -> Result<InvitationLink, AppError> {
    use crate::auth::server::guard;
    use crate::server::client::ClientInfo;
    use crate::server::respond;
    let gate = guard::invite_gate()?;
    let client = ClientInfo::of_request(gate.settings());
    crate::invitations::server::service::open_link(&gate, &client, &token).await.or_else(respond::fail)
}

/// Public. **Accept invitation**: the account becomes Active, and this browser is signed in to
/// it with a fresh session (any session it held before ends).
#[server(prefix = "/api/public", endpoint = "accept_invitation", input = Json)]
pub async fn accept_invitation(acceptance: Acceptance) -> Result<(), AppError> {
    use crate::auth::server::{guard, service as auth};
    use crate::server::client::ClientInfo;
    use crate::server::respond;
    let gate = guard::invite_gate()?;
    let client = ClientInfo::of_request(gate.settings());
    let result = async {
        let token = crate::invitations::server::service::accept(&gate, &client, acceptance).await?;
        auth::hand_over_session(gate.settings(), &token).await
    };
    result.await.or_else(respond::fail)
}

/// Public. **Decline**: the invitation ends and the pending account goes.
#[server(prefix = "/api/public", endpoint = "decline_invitation")]
pub async fn decline_invitation(token: String) -> Result<(), AppError> {
    use crate::auth::server::guard;
    use crate::server::client::ClientInfo;
    use crate::server::respond;
    let gate = guard::invite_gate()?;
    let client = ClientInfo::of_request(gate.settings());
    crate::invitations::server::service::decline(&gate, &client, &token).await.or_else(respond::fail)
}
