//! Writing and reading the sign-in log.

use super::repo;
use crate::auth::server::guard::capability::{AuthGate, Operator, Permit};
use crate::error::AppError;
use crate::live::types::Topic;
use crate::login_attempts::types::{loggable_identifier, AttemptQuery, FailureReason, LoginAttemptList, ATTEMPT_PAGE_SIZE};
use crate::server::batches::delete_in_batches;
use crate::server::cursor;
use crate::server::client::ClientInfo;
use crate::server::ids::{key, new_id, now_ms};

pub struct NewAttempt<'a> {
    pub org_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub email: &'a str,
    pub client: &'a ClientInfo,
    /// `None` for a successful sign-in.
    pub failure: Option<FailureReason>,
}

/// Writes one attempt. The password is never part of it, nor is an identifier that is not an
/// email address (see [`loggable_identifier`]).
pub async fn record_attempt(gate: &AuthGate, attempt: &NewAttempt<'_>) -> Result<(), AppError> {
    metrics::counter!("roster_sign_ins_total", "outcome" => attempt.failure.map_or("success", |r| r.key())).increment(1);
    let email: String = loggable_identifier(attempt.email).chars().take(254).collect();
    repo::insert(
        gate,
        &repo::AttemptRow {
            id: new_id(),
            org_id: attempt.org_id.map(str::to_owned),
            user_id: attempt.user_id.map(str::to_owned),
            email_key: key(&email),
            email,
            ip_address: attempt.client.ip_address.clone(),
            user_agent: attempt.client.user_agent.clone(),
            status: if attempt.failure.is_none() { "success" } else { "failed" }.to_owned(),
            reason: attempt.failure.map(|r| r.label().to_owned()),
            created_at: now_ms(),
            repeats: 1,
        },
    )
    .await?;
    if let Some(org_id) = attempt.org_id {
        gate.live().announce(org_id, Topic::LoginAttempts);
    }
    Ok(())
}

/// Writes a refusal of the per-address limit: counted on the row this address already has
/// for its organization in the current window (which began at `window_start`), or a new row
/// when it has none. An address over its limit thus writes a row a window, not a row a try.
pub async fn record_refusal(gate: &AuthGate, attempt: &NewAttempt<'_>, window_start: i64) -> Result<(), AppError> {
    let reason = attempt.failure.map(|r| r.label()).unwrap_or_default();
    if repo::add_repeat(gate, attempt.org_id, &attempt.client.ip_address, reason, window_start).await? {
        metrics::counter!("roster_sign_ins_total", "outcome" => attempt.failure.map_or("success", |r| r.key())).increment(1);
        if let Some(org_id) = attempt.org_id {
            gate.live().announce(org_id, Topic::LoginAttempts);
        }
        return Ok(());
    }
    record_attempt(gate, attempt).await
}

/// A page of the organization's attempts, newest first.
pub async fn list(permit: &Permit, query: &AttemptQuery) -> Result<LoginAttemptList, AppError> {
    let now = now_ms();
    let spec = repo::PageSpec {
        search: query.search.as_ref(),
        outcome: query.outcome,
        since: query.range.map(|r| now - r.millis()),
        after: query.after.as_deref().map(|c| cursor::decode("after", c)).transpose()?,
        before: query.before.as_deref().map(|c| cursor::decode("before", c)).transpose()?,
        limit: i64::try_from(ATTEMPT_PAGE_SIZE + 1).unwrap_or(i64::MAX),
    };
    let rows = repo::page(permit.org(), &spec).await?;
    let page = cursor::page(rows, ATTEMPT_PAGE_SIZE, spec.after.is_some(), spec.before.is_some(), |r: &repo::AttemptRow| {
        cursor::encode(&(r.created_at, &r.id))
    });
    Ok(LoginAttemptList {
        attempts: page.rows.into_iter().map(Into::into).collect(),
        next_cursor: page.next,
        prev_cursor: page.prev,
        now,
    })
}

/// Retention: deletes, in batches, the attempts made before `cutoff`, across organizations;
/// answers how many.
pub async fn prune(op: &Operator, cutoff: i64) -> Result<u64, sqlx::Error> {
    delete_in_batches(|batch| repo::prune_batch(op, cutoff, batch)).await
}
