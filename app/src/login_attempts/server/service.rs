//! Writing and reading the sign-in log.

use super::repo;
use crate::auth::server::guard::capability::{AuthGate, Permit};
use crate::error::AppError;
use crate::login_attempts::types::{FailureReason, LoginAttemptList};
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

/// Writes one attempt. The password is never part of it.
pub async fn record_attempt(gate: &AuthGate, attempt: &NewAttempt<'_>) -> Result<(), AppError> {
    let email: String = attempt.email.chars().take(254).collect();
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
        },
    )
    .await?;
    Ok(())
}

/// The organization's most recent attempts, newest first.
pub async fn list_recent(permit: &Permit, limit: i64) -> Result<LoginAttemptList, AppError> {
    let rows = repo::recent(permit.org(), limit).await?;
    Ok(LoginAttemptList { attempts: rows.into_iter().map(Into::into).collect(), now: now_ms() })
}
