//! The Sessions list and revoking: reading the organization's sessions by keyset pages, and
//! ending one or all of a user's, each in one transaction with its audit event. A revoked
//! session is refused on its very next request, since every request resolves its session
//! afresh (see `auth::server::session::resolve`).

use super::repo::{self, PageSpec, SessionListRow};
use crate::audit::server::service::{self as audit, AuditEvent};
use crate::auth::server::guard::capability::{Operator, OrgTx, Permit};
use crate::auth::types::Permission;
use crate::error::AppError;
use crate::server::batches::delete_in_batches;
use crate::server::cursor;
use crate::server::ids::{key, now_ms};
use crate::sessions::types::{EndReason, RevokedSession, SessionList, SessionQuery, SessionState, SessionSummary, SESSION_PAGE_SIZE};
use crate::users::server::service as users;
use serde_json::json;
use std::collections::HashSet;

fn to_summary(row: SessionListRow, permit: &Permit, outranking: &HashSet<String>, now: i64, idle_ms: i64) -> SessionSummary {
    // A session nobody ended stops at its absolute expiry or after the idle timeout.
    let stopped = row.expires_at.min(row.last_active_at.saturating_add(idle_ms));
    let ended = match row.ended_at {
        Some(at) => Some((at, EndReason::from_key(row.end_reason.as_deref()))),
        None if stopped <= now => Some((stopped, EndReason::Expired)),
        None => None,
    };
    SessionSummary {
        revocable: permit.can(Permission::SessionsRevoke) && !outranking.contains(&row.user_id),
        current: row.id == permit.session_id(),
        id: row.id,
        user_id: row.user_id,
        user_name: row.user_name,
        user_email: row.user_email,
        device: row.device,
        ip_address: row.ip_address,
        started_at: row.created_at,
        last_active_at: row.last_active_at,
        ended,
    }
}

/// A page of the organization's sessions, most recent activity first, the viewer's marked.
pub async fn list(permit: &Permit, query: &SessionQuery) -> Result<SessionList, AppError> {
    let now = now_ms();
    let idle_ms = permit.settings().session_idle_ms();
    let after: Option<(i64, String)> = query.after.as_deref().map(|c| cursor::decode("after", c)).transpose()?;
    let before: Option<(i64, String)> = query.before.as_deref().map(|c| cursor::decode("before", c)).transpose()?;
    let prefix = (!query.search.is_empty()).then(|| key(&query.search));
    let spec = PageSpec {
        prefix: prefix.as_deref(),
        state: query.state,
        user_id: query.user_id.as_deref(),
        after,
        before,
        limit: i64::try_from(SESSION_PAGE_SIZE + 1).unwrap_or(i64::MAX),
        now,
        idle_since: now.saturating_sub(idle_ms),
    };
    let rows = repo::page(permit.org(), &spec).await?;
    let page = cursor::page(rows, SESSION_PAGE_SIZE, spec.after.is_some(), spec.before.is_some(), |r: &SessionListRow| {
        cursor::encode(&(r.last_active_at, &r.id))
    });
    let user_name = match &query.user_id {
        Some(id) => Some(repo::user_name(permit.org(), id).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let user_ids: Vec<String> = page.rows.iter().map(|r| r.user_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let outranking = users::outranking_among(permit, &user_ids).await?;
    Ok(SessionList {
        sessions: page.rows.into_iter().map(|r| to_summary(r, permit, &outranking, now, idle_ms)).collect(),
        next_cursor: page.next,
        prev_cursor: page.prev,
        can_revoke: permit.can(Permission::SessionsRevoke),
        user_name,
        now,
    })
}

/// Ends the session `session_id` (404 when it is not the organization's). Revoking one that
/// already ended changes nothing and succeeds: the person wanted it ended, and it is.
pub async fn revoke(permit: &Permit, session_id: &str) -> Result<RevokedSession, AppError> {
    let now = now_ms();
    let idle_since = now.saturating_sub(permit.settings().session_idle_ms());
    let mut tx = permit.org().begin_write().await?;
    let target = repo::find_target(&mut tx, session_id, now, idle_since).await?.ok_or(AppError::NotFound)?;
    users::check_may_act_on(&mut tx, permit, &target.user_id, &target.user_name, "end their sessions").await?;
    if target.live && repo::end(&mut tx, &target.id, None, "revoked", permit.user_id(), now).await? == 1 {
        let details = json!({ "session_id": target.id, "device": target.device });
        audit::record(&mut tx, AuditEvent::on_user(permit, "session.revoked", &target.user_id, &target.user_email, details)).await?;
    }
    tx.commit().await?;
    Ok(RevokedSession { own: target.id == permit.session_id(), user_name: target.user_name, device: target.device })
}

/// Ends every live session of `user_id` (404 when not the organization's user); the viewer's
/// own current session is kept when they revoke their own. Answers the name and how many
/// ended.
pub async fn revoke_all(permit: &Permit, user_id: &str) -> Result<(String, u64), AppError> {
    let mut tx = permit.org().begin_write().await?;
    let (name, email) = repo::find_user(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    users::check_may_act_on(&mut tx, permit, user_id, &name, "end their sessions").await?;
    let ended = end_all_in(&mut tx, permit, user_id, &email).await?;
    tx.commit().await?;
    Ok((name, ended))
}

/// Ends every live session of `user_id`, whom the viewer may act on, inside `tx` (the
/// viewer's own current session is kept); audited when any ended. Answers how many.
pub async fn end_all_in(tx: &mut OrgTx, permit: &Permit, user_id: &str, email: &str) -> Result<u64, AppError> {
    let now = now_ms();
    let idle_since = now.saturating_sub(permit.settings().session_idle_ms());
    let keep = (user_id == permit.user_id()).then(|| permit.session_id());
    let ended = repo::end_all(tx, user_id, keep, "revoked", permit.user_id(), now, idle_since).await?;
    if ended > 0 {
        audit::record(tx, AuditEvent::on_user(permit, "sessions.revoked_all", user_id, email, json!({ "sessions_ended": ended }))).await?;
    }
    Ok(ended)
}

/// The viewer's own live sessions, most recent activity first (Your account).
pub async fn list_own(permit: &Permit) -> Result<SessionList, AppError> {
    let query = SessionQuery { user_id: Some(permit.user_id().to_owned()), state: Some(SessionState::Active), ..SessionQuery::default() };
    let list = list(permit, &query).await?;
    Ok(SessionList { can_revoke: true, user_name: None, ..list })
}

/// Signs the viewer out of one of their own sessions (404 for anyone else's); whether it was
/// the current one.
pub async fn end_own(permit: &Permit, session_id: &str) -> Result<bool, AppError> {
    let now = now_ms();
    let mut tx = permit.org().begin_write().await?;
    let ended = repo::end(&mut tx, session_id, Some(permit.user_id()), "signed_out", permit.user_id(), now).await?;
    if ended == 0 {
        // Not theirs, or already ended: theirs and ended is not an error.
        let idle_since = now.saturating_sub(permit.settings().session_idle_ms());
        let target = repo::find_target(&mut tx, session_id, now, idle_since).await?;
        if target.is_none_or(|t| t.user_id != permit.user_id()) {
            return Err(AppError::NotFound);
        }
    } else {
        let details = json!({ "session_id": session_id });
        audit::record(&mut tx, AuditEvent::on_user(permit, "session.signed_out", permit.user_id(), permit.user_email(), details)).await?;
    }
    tx.commit().await?;
    Ok(session_id == permit.session_id())
}

/// **Sign out everywhere else**: ends every session of the viewer's but this one; how many.
pub async fn end_own_others(permit: &Permit) -> Result<u64, AppError> {
    let now = now_ms();
    let idle_since = now.saturating_sub(permit.settings().session_idle_ms());
    let mut tx = permit.org().begin_write().await?;
    let ended = repo::end_all(&mut tx, permit.user_id(), Some(permit.session_id()), "signed_out", permit.user_id(), now, idle_since).await?;
    if ended > 0 {
        let details = json!({ "sessions_ended": ended });
        audit::record(&mut tx, AuditEvent::on_user(permit, "sessions.signed_out_elsewhere", permit.user_id(), permit.user_email(), details)).await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// Retention: deletes, in batches, the sessions that ended (or stopped being accepted) before
/// `cutoff`, across organizations; answers how many.
pub async fn prune(op: &Operator, cutoff: i64) -> Result<u64, sqlx::Error> {
    delete_in_batches(|batch| repo::prune_batch(op, cutoff, batch)).await
}
