//! Signing in and out: the rules, with every attempt written to the login attempts log.

use super::guard::capability::AuthGate;
use super::password;
use super::repo;
use super::session;
use super::token::Token;
use crate::error::AppError;
use crate::login_attempts::server::service::{record_attempt, NewAttempt};
use crate::login_attempts::types::FailureReason;
use crate::server::client::ClientInfo;
use crate::server::ids::{key, now_ms};

/// What a person typed into the sign-in form.
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// The organization's slug; only asked when more than one organization lives here.
    pub organization: Option<String>,
}

/// Checks the credentials and starts a session. Every failure answers the same
/// `InvalidCredentials` and costs one argon2 verification, so neither the message nor the
/// timing tells a known email from an unknown one; the real reason goes to the log.
pub async fn sign_in(gate: &AuthGate, client: &ClientInfo, creds: Credentials) -> Result<Token, AppError> {
    let mut errors = Vec::new();
    if creds.email.trim().is_empty() {
        errors.push(crate::error::FieldError { field: "email".into(), message: "Enter your email.".into() });
    }
    if creds.password.is_empty() {
        errors.push(crate::error::FieldError { field: "password".into(), message: "Enter your password.".into() });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let email_key = key(&creds.email);
    let org_slug = creds.organization.as_deref().map(key).filter(|s| !s.is_empty());
    let candidates = repo::find_credentials(gate, &email_key, org_slug.as_deref()).await?;
    let ambiguous = candidates.len() > 1;
    let account = if ambiguous { None } else { candidates.into_iter().next() };
    let matched = password::verify(creds.password, account.as_ref().and_then(|a| a.password_hash.clone())).await;

    let failure = match &account {
        None if ambiguous => Some(FailureReason::OrganizationRequired),
        None => Some(FailureReason::UnknownAccount),
        Some(a) if a.status == "inactive" => Some(FailureReason::AccountDeactivated),
        Some(a) if a.status == "pending" => Some(FailureReason::InvitationNotAccepted),
        Some(_) if !matched => Some(FailureReason::WrongPassword),
        Some(_) => None,
    };
    let attempt = NewAttempt {
        org_id: account.as_ref().map(|a| a.org_id.as_str()),
        user_id: account.as_ref().map(|a| a.user_id.as_str()),
        email: creds.email.trim(),
        client,
        failure,
    };
    record_attempt(gate, &attempt).await?;

    let Some(account) = account.filter(|_| failure.is_none()) else {
        return Err(AppError::InvalidCredentials);
    };
    let token = session::start(gate, &account.user_id, &account.org_id, client).await?;
    repo::record_sign_in(gate, &account.user_id, now_ms()).await?;
    Ok(token)
}

/// Ends the session named by `token`, if it is live: signed out, or `replaced` by a new
/// sign-in in the same browser.
pub async fn end_session(gate: &AuthGate, token: &str, reason: &str) -> Result<(), AppError> {
    session::end(gate, token, reason).await?;
    Ok(())
}

/// Hands this browser the session `token` started elsewhere (an accepted invitation): sets the
/// cookie, and ends the session the browser held before, if any, as `replaced`.
pub async fn hand_over_session(settings: &crate::server::state::Settings, token: &Token) -> Result<(), AppError> {
    if let Some(previous) = super::guard::request_token() {
        end_session(&super::guard::auth_gate()?, &previous, "replaced").await?;
    }
    crate::server::respond::set_cookie_header(&session::set_cookie(settings, token));
    Ok(())
}

/// Whether sign-in must ask for the organization (only when more than one exists).
pub async fn must_ask_organization(gate: &AuthGate) -> Result<bool, AppError> {
    Ok(repo::organization_count(gate).await? > 1)
}
