//! Device cookies: a lockout that stops guessing without stopping the account's owner
//! (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").
//!
//! A browser that signs in to an account receives a random 256-bit token for that account in
//! the `roster_device` cookie (`__Host-roster_device` over https), kept for
//! [`DEVICE_LIFETIME`] and not ended by signing out; the database keeps only its SHA-256, with
//! the account it was issued for. A sign-in attempt that carries a token known for the
//! account it names is a *trusted* attempt: it is counted against that device alone, with the
//! same threshold, window and duration as the account's lockout, and the account's lockout
//! does not stop it. Every other attempt is *untrusted* and counted against the account
//! (`account_lockouts`), as before. A stranger who keeps the account locked from elsewhere
//! therefore locks out strangers only, and someone who steals the cookie gains the threshold's
//! guesses before that device is locked too. A browser may hold tokens for a few accounts
//! ([`KEPT`], newest first).

use super::guard::capability::AuthGate;
use super::repo::{self, AttemptClock};
use super::token::{hash_token, Token};
use crate::server::state::{ms, Settings};
use http::HeaderMap;

/// How long a device stays trusted without signing in from it.
pub const DEVICE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(180 * 86_400);
/// Accounts a browser is remembered for at most (one token each).
pub const KEPT: usize = 5;

fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() { "__Host-roster_device" } else { "roster_device" }
}

/// The device tokens a request carries (at most [`KEPT`]).
pub fn tokens_from_headers(settings: &Settings, headers: &HeaderMap) -> Vec<String> {
    crate::server::respond::cookie(headers, cookie_name(settings))
        .map(|v| v.split('.').filter(|t| !t.is_empty() && t.len() <= 64).take(KEPT).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The `Set-Cookie` value holding `tokens`, newest first.
pub fn set_cookie(settings: &Settings, tokens: &[String]) -> String {
    let secure = if settings.secure_cookies() { "; Secure" } else { "" };
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        cookie_name(settings),
        tokens.join("."),
        DEVICE_LIFETIME.as_secs()
    )
}

/// Counts an attempt on `user_id` against the browser's device, if one of `tokens` was issued
/// for that account, was used within [`DEVICE_LIFETIME`] and is not locked: the token counted
/// against, or `None` (an untrusted attempt, which the caller counts against the account).
pub async fn count_trusted_attempt(gate: &AuthGate, user_id: &str, tokens: &[String], at: &AttemptClock) -> Result<Option<String>, sqlx::Error> {
    let used_since = at.now.saturating_sub(ms(DEVICE_LIFETIME));
    for token in tokens {
        if repo::count_device_attempt(gate, &hash_token(token), user_id, used_since, at).await?.is_some() {
            return Ok(Some(token.clone()));
        }
    }
    Ok(None)
}

/// After a successful sign-in to `user_id`: the device it came through forgets its failures,
/// or, for an untrusted one, a new token is issued for the account. Returns the `Set-Cookie`
/// value the browser keeps (the account's token first, then its others).
pub async fn remember(gate: &AuthGate, user_id: &str, org_id: &str, trusted: Option<&str>, held: &[String], now: i64) -> Result<String, sqlx::Error> {
    let token = match trusted {
        Some(token) => {
            repo::device_signed_in(gate, &hash_token(token), now).await?;
            token.to_owned()
        }
        None => {
            let token = Token::generate();
            repo::insert_device(gate, &token.hash(), user_id, org_id, now).await?;
            token.expose().to_owned()
        }
    };
    let mut kept = vec![token.clone()];
    kept.extend(held.iter().filter(|t| **t != token).take(KEPT - 1).cloned());
    Ok(set_cookie(gate.settings(), &kept))
}

/// Retention: forgets, in batches, the devices nobody signed in from for [`DEVICE_LIFETIME`]
/// (their cookies are no longer trusted anyway); how many.
pub async fn prune(op: &crate::auth::server::guard::capability::Operator, now: i64) -> Result<u64, sqlx::Error> {
    let unused_since = now.saturating_sub(ms(DEVICE_LIFETIME));
    crate::server::batches::delete_in_batches(|batch| repo::prune_devices_batch(op, unused_since, batch)).await
}
