//! The invitee's side: what a link shows, accepting (the account becomes Active with the
//! invited role, and a fresh session starts, in one transaction) and declining (the pending
//! account goes). A link works once: of two requests with it, exactly one wins.

use crate::audit::server::service::{self as audit, Actor, AuditEvent};
use crate::auth::server::guard::capability::InviteGate;
use crate::auth::server::new_password::{self, Holder};
use crate::auth::server::password::REFUSAL_PAUSE;
use crate::server::respond;
use crate::server::state::ms;
use crate::auth::server::session;
use crate::auth::server::token::{hash_token, Token};
use crate::auth::types::check_password_policy;
use crate::error::{AppError, FieldError};
use crate::invitations::server::repo::{self, LinkRow};
use crate::invitations::types::{Acceptance, InvitationDetails, InvitationLink, InvitationStatus};
use crate::live::types::Topic;
use crate::server::client::{throttle_key, ClientInfo};
use crate::server::ids::now_ms;
use crate::users::server::service::invitee;
use crate::users::types::DisplayName;
use serde_json::json;

/// The longest token accepted: ours are 43 characters; anything far longer is not one.
const TOKEN_MAX: usize = 128;

async fn find(gate: &InviteGate, client: &ClientInfo, token: &str) -> Result<(InvitationLink, Option<LinkRow>), AppError> {
    let now = now_ms();
    if gate.link_guesses().is_blocked(&throttle_key(&client.ip_address), now) {
        return Ok((InvitationLink::Throttled, None));
    }
    let row = if token.is_empty() || token.len() > TOKEN_MAX { None } else { repo::find_by_token(gate, &hash_token(token)).await? };
    let Some(row) = row else {
        gate.link_guesses().hit(&throttle_key(&client.ip_address), now);
        return Ok((InvitationLink::Unknown, None));
    };
    let link = match InvitationStatus::at(&row.status, row.expires_at, now) {
        InvitationStatus::Pending if row.invitee_status.as_deref() == Some("pending") => InvitationLink::Valid(InvitationDetails {
            organization: row.organization.clone(),
            invited_by: row.inviter.clone(),
            email: row.email.clone(),
            role: row.role.clone(),
            message: row.message.clone(),
            expires_at: row.expires_at,
        }),
        // The pending account was deleted or deactivated: nothing is left to accept.
        InvitationStatus::Pending | InvitationStatus::Cancelled => InvitationLink::Cancelled,
        InvitationStatus::Accepted => InvitationLink::Used,
        InvitationStatus::Declined => InvitationLink::Declined,
        InvitationStatus::Expired => InvitationLink::Expired,
    };
    Ok((link, Some(row)))
}

/// What the link `token` leads to.
pub async fn open_link(gate: &InviteGate, client: &ClientInfo, token: &str) -> Result<InvitationLink, AppError> {
    Ok(find(gate, client, token).await?.0)
}

/// The working link's invitation, or a `Conflict` saying why it does not work.
async fn usable(gate: &InviteGate, client: &ClientInfo, token: &str) -> Result<(LinkRow, String), AppError> {
    match find(gate, client, token).await? {
        (InvitationLink::Valid(_), Some(row)) => match row.user_id.clone() {
            Some(user_id) => Ok((row, user_id)),
            None => Err(AppError::Conflict(InvitationLink::Cancelled.problem().into())),
        },
        (link, _) => Err(AppError::Conflict(link.problem().into())),
    }
}

fn gone() -> AppError {
    AppError::Conflict(InvitationLink::Unknown.problem().into())
}

/// Accepts the invitation with the invitee's name and password; returns the token of the
/// session it starts.
pub async fn accept(gate: &InviteGate, client: &ClientInfo, input: Acceptance) -> Result<Token, AppError> {
    let mut errors = Vec::new();
    let name = DisplayName::parse(&input.name).map_err(|m| errors.push(FieldError { field: "name".into(), message: m })).ok();
    if let Err(m) = check_password_policy(&input.password) {
        errors.push(FieldError { field: "password".into(), message: m });
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let token_hash = hash_token(&input.token);
    let Some(_claim) = gate.accepting().claim(&token_hash) else {
        return Err(AppError::Conflict("This invitation is being accepted already. Wait a moment, then reload the page.".into()));
    };
    let (row, user_id) = usable(gate, client, &input.token).await?;
    // The length rule answered above without a lookup; what the password may not be built on
    // needs the invitation's email and organization.
    let holder = Holder { email: &row.email, organization: &row.organization };
    new_password::check(&input.password, &holder).map_err(|m| AppError::validation("password", m))?;
    let turn = gate.hashing().turn().await.inspect_err(|_| respond::retry_after(ms(REFUSAL_PAUSE)))?;
    let hash = turn.hash(input.password).await?;
    let now = now_ms();
    let mut tx = gate.begin_write_for_link(&token_hash).await?.ok_or_else(gone)?;
    if !repo::settle_link(&mut tx, &token_hash, InvitationStatus::Accepted, now).await? {
        return Err(gone());
    }
    if !invitee::activate(&mut tx, &user_id, name.as_str(), &hash, now).await? {
        return Err(AppError::Conflict(InvitationLink::Cancelled.problem().into()));
    }
    let token = session::start_with(tx.exec(), gate.settings(), &user_id, &row.org_id, client).await?;
    tx.announce(Topic::Sessions);
    let event = AuditEvent {
        actor: Actor::Person { id: &user_id, email: &row.email, name: name.as_str() },
        client: Some(client.clone()),
        action: "invitation.accepted",
        target_type: "user",
        target_id: &user_id,
        target_label: &row.email,
        details: json!({ "invitation_id": row.id, "role": row.role }),
    };
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(token)
}

/// Declines the invitation: it ends, and the pending account leaves the Users list.
pub async fn decline(gate: &InviteGate, client: &ClientInfo, token: &str) -> Result<(), AppError> {
    let (row, user_id) = usable(gate, client, token).await?;
    let now = now_ms();
    let token_hash = hash_token(token);
    let mut tx = gate.begin_write_for_link(&token_hash).await?.ok_or_else(gone)?;
    if !repo::settle_link(&mut tx, &token_hash, InvitationStatus::Declined, now).await? {
        return Err(gone());
    }
    let event = AuditEvent {
        actor: Actor::Person { id: &user_id, email: &row.email, name: "" },
        client: Some(client.clone()),
        action: "invitation.declined",
        target_type: "user",
        target_id: &user_id,
        target_label: &row.email,
        details: json!({ "invitation_id": row.id }),
    };
    audit::record(&mut tx, event).await?;
    invitee::remove(&mut tx, &user_id).await?;
    tx.commit().await?;
    Ok(())
}
