//! Signing in and out: the rules, with every attempt written to the login attempts log.

use super::device;
use super::guard::capability::{AuthGate, SIGN_IN_WINDOW_MS};
use super::guard::capability::Permit;
use super::password::{HashTurn, REFUSAL_PAUSE};
use super::repo;
use super::session;
use super::token::Token;
use crate::auth::types::MAX_PASSWORD_CHARS;
use crate::error::AppError;
use crate::login_attempts::server::service::{record_attempt, record_refusal, NewAttempt};
use crate::login_attempts::types::FailureReason;
use crate::server::client::{throttle_key, ClientInfo};
use crate::server::ids::{key, now_ms};
use crate::server::respond;
use crate::server::state::ms;

/// What a person typed into the sign-in form.
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// The organization's slug; only asked when more than one organization lives here.
    pub organization: Option<String>,
    /// The device tokens the browser holds (see [`super::device`]).
    pub devices: Vec<String>,
}

/// A sign-in that worked: the new session's token, and the device cookie to set.
pub struct SignedIn {
    pub token: Token,
    pub device_cookie: String,
}

/// Checks the credentials and starts a session. Every failure answers the same
/// `InvalidCredentials` and costs one argon2 verification, so neither the message nor the
/// timing tells a known email from an unknown or a locked one; the real reason goes to the
/// login attempts log. In order: the address's limit (429), a turn to check a password (503
/// when the queue is full; nothing counted), the lockout (the device's for a browser trusted
/// with the account, the account's for any other: see [`super::device`]), then the password.
pub async fn sign_in(gate: &AuthGate, client: &ClientInfo, creds: Credentials) -> Result<SignedIn, AppError> {
    let mut errors = Vec::new();
    if creds.email.trim().is_empty() {
        errors.push(crate::error::FieldError { field: "email".into(), message: "Enter your email.".into() });
    }
    if creds.password.is_empty() {
        errors.push(crate::error::FieldError { field: "password".into(), message: "Enter your password.".into() });
    } else if creds.password.chars().count() > MAX_PASSWORD_CHARS {
        // No password is longer: refused before any hashing, counting or logging.
        let message = format!("Passwords are at most {MAX_PASSWORD_CHARS} characters.");
        errors.push(crate::error::FieldError { field: "password".into(), message });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let now = now_ms();
    if let Err(wait_ms) = gate.sign_in_ips().try_hit(&throttle_key(&client.ip_address), now) {
        // Paused like a refused password check (see `REFUSAL_PAUSE`): answered at once, one
        // address's connections could come straight back for thousands of refusals, and as
        // many rows in the log, a second.
        tokio::time::sleep(REFUSAL_PAUSE).await;
        let who = identify(gate, &creds).await?;
        // One row a window for the address, counting its refusals (see `record_refusal`).
        let window_start = now.saturating_sub(SIGN_IN_WINDOW_MS.saturating_sub(wait_ms));
        record_refusal(gate, &who.attempt(&creds.email, client, Some(FailureReason::TooManyFromAddress)), window_start).await?;
        respond::retry_after(wait_ms);
        let seconds = (wait_ms + 999) / 1000;
        return Err(AppError::RateLimited(format!(
            "Too many sign-in attempts from your network. Try again in {seconds} seconds."
        )));
    }
    // Before anything touches the database: under a flood, turning a sign-in away costs
    // nothing but this. (Not logged one by one: a flood would fill the log.)
    let turn = gate.hashing().turn().await.inspect_err(|_| respond::retry_after(ms(REFUSAL_PAUSE)))?;
    let who = identify(gate, &creds).await?;
    let Identified { account, ambiguous, .. } = &who;
    let clock = attempt_clock(gate, now);
    let (trusted, locked) = match account {
        Some(a) => match device::count_trusted_attempt(gate, &a.user_id, &creds.devices, &clock).await? {
            Some(token) => (Some(token), false),
            None => match repo::count_attempt(gate, &a.user_id, &a.org_id, &clock).await? {
                None => (None, true),
                Some(counted) => {
                    if counted == clock.threshold {
                        metrics::counter!("roster_lockouts_total").increment(1);
                    }
                    (None, false)
                }
            },
        },
        None => (None, false),
    };
    // A locked account's password is not checked: the dummy takes the same time.
    let stored = account.as_ref().filter(|_| !locked).and_then(|a| a.password_hash.clone());
    let (matched, renewed) = turn.verify_and_renew(creds.password, stored).await;

    let failure = match account {
        None if *ambiguous => Some(FailureReason::OrganizationRequired),
        None => Some(FailureReason::UnknownAccount),
        Some(_) if locked => Some(FailureReason::AccountLocked),
        Some(a) if a.status == "inactive" => Some(FailureReason::AccountDeactivated),
        Some(a) if a.status == "pending" => Some(FailureReason::AccountPending),
        Some(_) if !matched => Some(FailureReason::WrongPassword),
        Some(_) => None,
    };
    record_attempt(gate, &who.attempt(&creds.email, client, failure)).await?;

    let Some(account) = who.account.filter(|_| failure.is_none()) else {
        return Err(AppError::InvalidCredentials);
    };
    // A trusted device's success forgets that device's failures only: the account's count of
    // untrusted attempts (a stranger's) stays, or each of its owner's sign-ins would hand the
    // stranger a fresh set of guesses.
    if trusted.is_none() {
        repo::clear_failures(gate, &account.user_id).await?;
    }
    let device_cookie = device::remember(gate, &account.user_id, &account.org_id, trusted.as_deref(), &creds.devices, now_ms()).await?;
    if let (Some(new_hash), Some(old_hash)) = (renewed, account.password_hash.as_deref()) {
        repo::renew_password_hash(gate, &account.user_id, old_hash, &new_hash).await?;
    }
    let token = session::start(gate, &account.user_id, &account.org_id, client).await?;
    repo::record_sign_in(gate, &account.user_id, now_ms()).await?;
    Ok(SignedIn { token, device_cookie })
}

/// **Change password**'s check of the current password, held to sign-in's rules: a turn of the
/// same limiter (503 with `Retry-After` when it is full), the attempt counted toward the
/// account's lockout before the check (a locked account's password is not checked), and a
/// wrong one written to Login Attempts as "Wrong current password (change password)". A
/// stolen session therefore guesses no faster than a stranger at the sign-in form. A match
/// forgets the count, as a sign-in does. Returns the turn (for the new hash) on a match.
pub async fn check_current_password(permit: &Permit, client: &ClientInfo, password: String) -> Result<Option<HashTurn>, AppError> {
    let gate = super::guard::auth_gate()?;
    let turn = gate.hashing().turn().await.inspect_err(|_| respond::retry_after(ms(REFUSAL_PAUSE)))?;
    let now = now_ms();
    let locked = repo::count_attempt(&gate, permit.user_id(), permit.org().id(), &attempt_clock(&gate, now)).await?.is_none();
    let stored = if locked { None } else { repo::password_hash_of(&gate, permit.user_id()).await? };
    // The new password's hash takes a turn of its own: a flood of changes never runs more
    // argon2 jobs at once than the limiter allows.
    if turn.verify(password, stored).await {
        repo::clear_failures(&gate, permit.user_id()).await?;
        let next = gate.hashing().turn().await.inspect_err(|_| respond::retry_after(ms(REFUSAL_PAUSE)))?;
        return Ok(Some(next));
    }
    let failure = if locked { FailureReason::AccountLocked } else { FailureReason::WrongCurrentPassword };
    let attempt = NewAttempt { org_id: Some(permit.org().id()), user_id: Some(permit.user_id()), email: permit.user_email(), client, failure: Some(failure) };
    record_attempt(&gate, &attempt).await?;
    Ok(None)
}

/// Whose account a sign-in names, and which organization its attempt is shown to.
struct Identified {
    account: Option<repo::CredentialRow>,
    /// The email exists in several organizations and none was named.
    ambiguous: bool,
    org_id: Option<String>,
}

impl Identified {
    fn attempt<'a>(&'a self, email: &'a str, client: &'a ClientInfo, failure: Option<FailureReason>) -> NewAttempt<'a> {
        NewAttempt {
            org_id: self.org_id.as_deref(),
            user_id: self.account.as_ref().map(|a| a.user_id.as_str()),
            email,
            client,
            failure,
        }
    }
}

async fn identify(gate: &AuthGate, creds: &Credentials) -> Result<Identified, AppError> {
    let org_slug = creds.organization.as_deref().map(key).filter(|s| !s.is_empty());
    let candidates = repo::find_credentials(gate, &key(&creds.email), org_slug.as_deref()).await?;
    let ambiguous = candidates.len() > 1;
    let account = if ambiguous { None } else { candidates.into_iter().next() };
    let org_id = match &account {
        Some(a) => Some(a.org_id.clone()),
        None => repo::organization_of_unknown(gate, org_slug.as_deref()).await?,
    };
    Ok(Identified { account, ambiguous, org_id })
}

fn attempt_clock(gate: &AuthGate, now: i64) -> repo::AttemptClock {
    let lockout = gate.settings().lockout;
    repo::AttemptClock {
        now,
        window_cutoff: now.saturating_sub(ms(lockout.window)),
        threshold: lockout.threshold,
        lock_until: now.saturating_add(ms(lockout.duration)),
    }
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
