//! Server functions of invitations: the Invitations page and the Invite User dialog (each
//! requires `users.invite`), and the invitee's page, public under `/api/public/` (the link's
//! token is the only credential; it travels in the request body, never in a logged path).

use crate::error::AppError;
use crate::invitations::types::{InvitationLink, InvitationList, Invited, NewInvitation};
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
/// it with a fresh session (any session it held before ends). A plain form post (no WASM yet)
/// is sent on to `/` when it worked, and back to the invitation page when it did not.
#[server(prefix = "/api/public", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String, name: String, password: String) -> Result<(), AppError> {
    use crate::auth::server::{guard, service as auth};
    use crate::invitations::types::Acceptance;
    use crate::server::client::ClientInfo;
    use crate::server::respond;
    use crate::ui::form_outcome;
    let gate = guard::invite_gate()?;
    let client = ClientInfo::of_request(gate.settings());
    let plain = respond::is_plain_form_post();
    let back_to = crate::invitations::types::link_path(&token);
    let kept = vec![("name".to_owned(), name.clone())];
    let result = async {
        let token = crate::invitations::server::service::accept(&gate, &client, Acceptance { token, name, password }).await?;
        auth::hand_over_session(gate.settings(), &token).await
    };
    match result.await {
        Ok(()) if plain => {
            leptos_axum::redirect("/");
            Ok(())
        }
        Ok(()) => Ok(()),
        Err(err) if plain => form_outcome::keep(ACCEPT_FORM, &back_to, err, kept),
        Err(err) => respond::fail(err),
    }
}

/// The name the invitation page's Accept form keeps its plain-post outcome under.
pub const ACCEPT_FORM: &str = "accept_invitation";

/// Public. **Decline**: the invitation ends and the pending account goes. A plain form post is
/// sent back to the invitation page, which then says it was declined.
#[server(prefix = "/api/public", endpoint = "decline_invitation")]
pub async fn decline_invitation(token: String) -> Result<(), AppError> {
    use crate::auth::server::guard;
    use crate::server::client::ClientInfo;
    use crate::server::respond;
    use crate::ui::form_outcome;
    let gate = guard::invite_gate()?;
    let client = ClientInfo::of_request(gate.settings());
    let plain = respond::is_plain_form_post();
    let back_to = crate::invitations::types::link_path(&token);
    match crate::invitations::server::service::decline(&gate, &client, &token).await {
        Ok(()) if plain => {
            leptos_axum::redirect(&back_to);
            Ok(())
        }
        Ok(()) => Ok(()),
        Err(err) if plain => form_outcome::keep(DECLINE_FORM, &back_to, err, Vec::new()),
        Err(err) => respond::fail(err),
    }
}

/// The name the invitation page's Decline form keeps its plain-post outcome under.
pub const DECLINE_FORM: &str = "decline_invitation";
