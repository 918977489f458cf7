//! Inviting, resending and cancelling. Each runs in one write transaction with its audit event
//! and its email, so an invitation never exists without its mail, nor a mail without its
//! invitation; the worker is woken once the transaction commits.

use crate::audit::server::service::{self as audit, AuditEvent};
use crate::auth::server::guard::capability::{OrgTx, Permit};
use crate::auth::server::token::Token;
use crate::error::{AppError, FieldError};
use crate::invitations::server::repo::{self, InvitationRecord, NewRow};
use crate::invitations::types::{InvitationStatus, Invited, NewInvitation, PENDING_INVITATION_FIELD};
use crate::mail::server::message::LINK_MARKER;
use crate::mail::server::service::{self as mail, InvitationMail, Outgoing};
use crate::server::db::is_unique_violation;
use crate::server::ids::{new_id, now_ms};
use crate::users::account::RoleOption;
use crate::users::server::rules::{self, RoleInfo};
use crate::users::server::service::invitee;
use serde_json::json;
use std::collections::HashMap;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The roles the Invite dialog offers: those the inviter holds every permission of.
pub async fn invite_roles(permit: &Permit) -> Result<Vec<RoleOption>, AppError> {
    let roles = invitee::roles(permit.org()).await?;
    Ok(roles
        .into_iter()
        .filter(|r| rules::can_grant(permit.permissions(), r))
        .map(|r| RoleOption { id: r.id, name: r.name, description: r.description, grantable: true })
        .collect())
}

/// The role `role_id` of the organization, if the inviter may grant it (the same rule as Edit:
/// only roles whose every permission the inviter holds).
async fn grantable_role(permit: &Permit, role_id: &str) -> Result<RoleInfo, AppError> {
    let roles = invitee::roles(permit.org()).await?;
    let role = roles
        .into_iter()
        .find(|r| r.id == role_id)
        .ok_or_else(|| AppError::validation("role", "This role no longer exists. Choose another."))?;
    if !rules::can_grant(permit.permissions(), &role) {
        return Err(AppError::Forbidden);
    }
    Ok(role)
}

/// The two flood limits: invitations one person sends an hour, and emails one address
/// receives a day (counted from the outbox, inside the write transaction).
async fn check_limits(tx: &mut OrgTx, permit: &Permit, email: &str, now: i64) -> Result<(), AppError> {
    let settings = permit.settings();
    let sent = mail::count_by_sender_since(tx, permit.user_id(), now - HOUR_MS).await?;
    if sent >= settings.invites_per_hour {
        return Err(AppError::RateLimited(format!(
            "You have sent {sent} invitations in the last hour, the most allowed. Try again later."
        )));
    }
    let received = mail::count_to_recipient_since(tx, email, now - DAY_MS).await?;
    if received >= settings.invites_per_recipient_day {
        return Err(AppError::validation(
            "email",
            format!("{email} was sent {received} invitation emails in the last 24 hours, the most allowed. Try again tomorrow."),
        ));
    }
    Ok(())
}

/// Renders the email and queues it in the transaction, with a marker where the link goes: the
/// worker makes the link's token when it sends (`super::mint`).
async fn queue_email(tx: &mut OrgTx, permit: &Permit, invitation: &InvitationRecord, expires_at: i64) -> Result<(), AppError> {
    let me = permit.current_user();
    let rendered = mail::invitation(&InvitationMail {
        org_name: &me.org_name,
        inviter_name: &me.name,
        role: &invitation.role,
        message: invitation.message.as_deref(),
        link: LINK_MARKER,
        expires_at,
    });
    let outgoing = Outgoing { invitation_id: &invitation.id, sent_by: permit.user_id(), to: &invitation.email, rendered: &rendered };
    mail::enqueue(tx, &outgoing).await?;
    Ok(())
}

/// Invites `input.email` with a role, as a pending account of the organization, and queues the
/// email. Refused, changing nothing, when a field is bad, the role is above the inviter's, the
/// person is already a member or already invited (the refusal names that invitation, for
/// **Resend**), or a limit is reached.
pub async fn invite(permit: &Permit, input: &NewInvitation) -> Result<Invited, AppError> {
    let valid = input.validate().map_err(AppError::Validation)?;
    let role = grantable_role(permit, &valid.role_id).await?;
    let email = valid.email.as_str();
    let now = now_ms();
    let mut tx = permit.org().begin_write().await?;
    if let Some((user_id, status)) = invitee::existing(&mut tx, email).await? {
        if status == "pending" {
            let waiting = repo::latest_for_user(&mut tx, &user_id).await?;
            let expired = waiting.as_ref().is_some_and(|w| InvitationStatus::at(&w.status, w.expires_at, now) == InvitationStatus::Expired);
            let message = if expired {
                "This person's invitation has expired. Resend it to give them a new link."
            } else {
                "This person is already invited and waiting to accept."
            };
            let mut errors = vec![FieldError { field: "email".into(), message: message.into() }];
            if let Some(waiting) = waiting {
                errors.push(FieldError { field: PENDING_INVITATION_FIELD.into(), message: waiting.id });
            }
            return Err(AppError::Validation(errors));
        }
        return Err(AppError::validation("email", "This person is already a member of this organization."));
    }
    check_limits(&mut tx, permit, email, now).await?;

    let user_id = new_id();
    invitee::add(&mut tx, &user_id, email, &role.id, now).await.map_err(|e| {
        if is_unique_violation(&e) {
            AppError::validation("email", "This person is already a member of this organization.")
        } else {
            AppError::from(e)
        }
    })?;
    // A hash of a token nobody holds: the link works once the worker mints its token.
    let unusable = Token::generate().hash();
    let expires_at = now.saturating_add(permit.settings().invitation_ttl_ms());
    let id = new_id();
    let row = NewRow {
        id: &id,
        email,
        role_id: &role.id,
        message: valid.message.as_deref(),
        invited_by: permit.user_id(),
        user_id: &user_id,
        token_hash: &unusable,
        expires_at,
    };
    repo::insert(&mut tx, &row, now).await?;
    let record = InvitationRecord {
        id: id.clone(),
        email: email.to_owned(),
        role_id: role.id.clone(),
        role: role.name.clone(),
        message: valid.message.clone(),
        user_id: Some(user_id.clone()),
        status: "pending".into(),
        expires_at,
    };
    queue_email(&mut tx, permit, &record, expires_at).await?;
    let details = json!({ "invitation_id": id, "role": role.name });
    audit::record(&mut tx, AuditEvent::on_user(permit, "invitation.sent", &user_id, email, details)).await?;
    tx.commit().await?;
    mail::wake();
    Ok(Invited { invitation_id: id, email: email.to_owned() })
}

/// The invitation `id` of the organization, read in the transaction, if the actor may manage
/// it (its role is one they could grant) and it is still Pending or Expired.
async fn open_pending(tx: &mut OrgTx, permit: &Permit, id: &str, verb: &str, now: i64) -> Result<InvitationRecord, AppError> {
    let invitation = repo::load(tx, id).await?.ok_or(AppError::NotFound)?;
    let roles = invitee::roles(permit.org()).await?;
    // The invited role, and whatever roles the pending account holds now (an Owner may have
    // edited them since): an actor they outrank may not resend or cancel.
    let mut role_ids = vec![invitation.role_id.clone()];
    if let Some(user_id) = &invitation.user_id {
        role_ids.extend(invitee::role_ids(tx, user_id).await?);
    }
    rules::check_outranks(permit.permissions(), &roles, &role_ids)?;
    let status = InvitationStatus::at(&invitation.status, invitation.expires_at, now);
    if !matches!(status, InvitationStatus::Pending | InvitationStatus::Expired) {
        return Err(AppError::Conflict(format!(
            "This invitation was {}, so it can't be {verb}.",
            status.label().to_lowercase()
        )));
    }
    Ok(invitation)
}

/// Sends the invitation again: a new link (the old one dies at once), a new expiry, a new email.
/// Returns the invitee's email.
pub async fn resend(permit: &Permit, id: &str) -> Result<String, AppError> {
    let mut tx = permit.org().begin_write().await?;
    let email = resend_in(&mut tx, permit, id).await?;
    tx.commit().await?;
    mail::wake();
    Ok(email)
}

/// Resends the newest invitation of the pending user `user_id` inside `tx` (a bulk job's
/// chunk; wake the outbox once it commits). `None` when they have none standing.
pub async fn resend_for_user(tx: &mut OrgTx, permit: &Permit, user_id: &str) -> Result<Option<String>, AppError> {
    match standing_for_user(tx, user_id).await? {
        Some(id) => resend_in(tx, permit, &id).await.map(Some),
        None => Ok(None),
    }
}

/// The newest invitation of the pending user `user_id`, if it is Pending or Expired (one that
/// can be resent or cancelled).
async fn standing_for_user(tx: &mut OrgTx, user_id: &str) -> Result<Option<String>, AppError> {
    let Some(invitation) = repo::latest_for_user(tx, user_id).await? else { return Ok(None) };
    let status = InvitationStatus::at(&invitation.status, invitation.expires_at, now_ms());
    Ok(matches!(status, InvitationStatus::Pending | InvitationStatus::Expired).then_some(invitation.id))
}

async fn resend_in(tx: &mut OrgTx, permit: &Permit, id: &str) -> Result<String, AppError> {
    let now = now_ms();
    let invitation = open_pending(tx, permit, id, "resent", now).await?;
    let still_invited = match (&invitation.user_id, invitee::existing(tx, &invitation.email).await?) {
        (Some(user_id), Some((existing, status))) => *user_id == existing && status == "pending",
        _ => false,
    };
    if !still_invited {
        return Err(AppError::Conflict(
            "The invitee's pending account was deactivated or deleted. Send a new invitation from the Users page.".into(),
        ));
    }
    check_limits(tx, permit, &invitation.email, now).await?;
    // The old link dies now; the new one works once the worker mints its token.
    let unusable = Token::generate().hash();
    let expires_at = now.saturating_add(permit.settings().invitation_ttl_ms());
    if !repo::renew(tx, &invitation.id, &unusable, expires_at, now).await? {
        return Err(AppError::Conflict("This invitation changed meanwhile. Reload to see it.".into()));
    }
    mail::cancel_for_invitation(tx, &invitation.id).await?;
    queue_email(tx, permit, &invitation, expires_at).await?;
    let target = invitation.user_id.clone().unwrap_or_default();
    let details = json!({ "invitation_id": invitation.id });
    audit::record(tx, AuditEvent::on_user(permit, "invitation.resent", &target, &invitation.email, details)).await?;
    Ok(invitation.email)
}

/// Cancels the invitation: its link dies, unsent mail is dropped, and the pending account
/// leaves the Users list. Returns the invitee's email.
pub async fn cancel(permit: &Permit, id: &str) -> Result<String, AppError> {
    let mut tx = permit.org().begin_write().await?;
    let email = cancel_in(&mut tx, permit, id).await?;
    tx.commit().await?;
    Ok(email)
}

/// Cancels the newest invitation of the pending user `user_id` inside `tx` (a bulk job's
/// chunk). `None` when they have none standing.
pub async fn cancel_for_user(tx: &mut OrgTx, permit: &Permit, user_id: &str) -> Result<Option<String>, AppError> {
    match standing_for_user(tx, user_id).await? {
        Some(id) => cancel_in(tx, permit, &id).await.map(Some),
        None => Ok(None),
    }
}

async fn cancel_in(tx: &mut OrgTx, permit: &Permit, id: &str) -> Result<String, AppError> {
    let now = now_ms();
    let invitation = open_pending(tx, permit, id, "cancelled", now).await?;
    if !repo::end(tx, &invitation.id, InvitationStatus::Cancelled, now).await? {
        return Err(AppError::Conflict("This invitation changed meanwhile. Reload to see it.".into()));
    }
    mail::cancel_for_invitation(tx, &invitation.id).await?;
    let target = invitation.user_id.clone().unwrap_or_default();
    let details = json!({ "invitation_id": invitation.id });
    audit::record(tx, AuditEvent::on_user(permit, "invitation.cancelled", &target, &invitation.email, details)).await?;
    if let Some(user_id) = &invitation.user_id {
        invitee::remove(tx, user_id).await?;
    }
    Ok(invitation.email)
}

/// A pending account is being deleted, inside that change's transaction: its invitations end
/// as Cancelled (their links already lead nowhere) and their unsent mail is dropped, so the
/// Invitations list does not show someone waiting who is gone.
pub async fn end_for_deleted_user(tx: &mut OrgTx, user_id: &str) -> Result<(), sqlx::Error> {
    for id in repo::cancel_for_user(tx, user_id, now_ms()).await? {
        mail::cancel_for_invitation(tx, &id).await?;
    }
    Ok(())
}

/// Why an inviter's pending invitations end without anyone choosing to end them: the
/// invitation is only as good as its inviter's authority, so it ends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviterChange {
    Deactivated,
    Deleted,
    /// Their roles changed: the invitations whose role they can no longer grant (all of them
    /// without `users.invite`) end.
    RolesChanged,
}

impl InviterChange {
    fn reason(self) -> &'static str {
        match self {
            InviterChange::Deactivated => "inviter_deactivated",
            InviterChange::Deleted => "inviter_deleted",
            InviterChange::RolesChanged => "inviter_lost_authority",
        }
    }
}

/// The inviter `inviter_id` was deactivated, deleted or lost roles, inside that change's
/// transaction: each of their pending invitations they could no longer send (`still_allowed`
/// says, given its role id) is cancelled with the reason, its unsent mail dropped, its pending
/// account removed and an audit event written, as a Cancel would. Returns how many ended.
pub async fn end_for_inviter(
    tx: &mut OrgTx,
    permit: &Permit,
    inviter_id: &str,
    change: InviterChange,
    still_allowed: impl Fn(&str) -> bool,
) -> Result<u64, AppError> {
    let ended = end_for_inviters(tx, permit, &[inviter_id.to_owned()], change, still_allowed).await?;
    Ok(ended.get(inviter_id).copied().unwrap_or(0))
}

/// [`end_for_inviter`] for many inviters at once (a bulk job's chunk): their invitations are
/// found in one statement (most people have none); how many ended for each inviter who had any.
pub async fn end_for_inviters(
    tx: &mut OrgTx,
    permit: &Permit,
    inviter_ids: &[String],
    change: InviterChange,
    still_allowed: impl Fn(&str) -> bool,
) -> Result<HashMap<String, u64>, AppError> {
    let now = now_ms();
    let mut ended = HashMap::new();
    for invitation in repo::pending_sent_by(tx, inviter_ids).await? {
        if still_allowed(&invitation.role_id) || !repo::cancel_with_reason(tx, &invitation.id, change.reason(), now).await? {
            continue;
        }
        mail::cancel_for_invitation(tx, &invitation.id).await?;
        let target = invitation.user_id.clone().unwrap_or_default();
        let details = json!({ "invitation_id": invitation.id, "reason": change.reason() });
        audit::record(tx, AuditEvent::on_user(permit, "invitation.cancelled", &target, &invitation.email, details)).await?;
        if let Some(user_id) = &invitation.user_id {
            invitee::remove(tx, user_id).await?;
        }
        *ended.entry(invitation.invited_by).or_default() += 1;
    }
    Ok(ended)
}
