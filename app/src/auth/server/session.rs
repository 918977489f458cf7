//! Server-side sessions: the cookie that names one, resolving it on each request, starting and
//! ending one. The cookie holds a 256-bit random token; the database holds only its SHA-256.

use super::guard::capability::{permissions_of, AuthGate, Authenticated};
use super::repo::{self, NewSession};
use super::token::{hash_token, Token};
use crate::live::types::Topic;
use crate::server::client::ClientInfo;
use crate::server::db::Exec;
use crate::server::ids::{new_id, now_ms};
use crate::server::state::Settings;
use http::HeaderMap;

/// `last_active_at` is written at most this often per session, not on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The session token in a request's `Cookie` headers, if any: only under the name these
/// settings give it (over HTTPS a cookie without the `__Host-` prefix is not the session's).
pub fn token_from_headers(settings: &Settings, headers: &HeaderMap) -> Option<String> {
    crate::server::respond::cookie(headers, settings.session_cookie()).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The `Set-Cookie` value that hands the browser its session token.
pub fn set_cookie(settings: &Settings, token: &Token) -> String {
    let secure = if settings.secure_cookies() { "; Secure" } else { "" };
    let max_age = settings.session_absolute.as_secs();
    format!("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", settings.session_cookie(), token.expose())
}

/// The `Set-Cookie` value that makes the browser forget its session token.
pub fn clear_cookie(settings: &Settings) -> String {
    let secure = if settings.secure_cookies() { "; Secure" } else { "" };
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}", settings.session_cookie())
}

/// The live session named by `token`, with its user's current permissions; the request counts
/// as the session's activity.
pub async fn resolve(gate: &AuthGate, token: &str) -> Result<Option<Authenticated>, sqlx::Error> {
    resolve_with(gate, token, true).await
}

/// The same, without counting as activity: a tab's live stream, open while nobody is at the
/// keyboard, must not keep its session from going idle.
pub async fn resolve_quietly(gate: &AuthGate, token: &str) -> Result<Option<Authenticated>, sqlx::Error> {
    resolve_with(gate, token, false).await
}

async fn resolve_with(gate: &AuthGate, token: &str, activity: bool) -> Result<Option<Authenticated>, sqlx::Error> {
    let now = now_ms();
    let idle_since = now.saturating_sub(gate.settings().session_idle_ms());
    let Some(row) = repo::find_live_session(gate, &hash_token(token), now, idle_since).await? else {
        return Ok(None);
    };
    if activity && now - row.last_active_at > TOUCH_EVERY_MS {
        repo::touch_session(gate, &row.id, now).await?;
    }
    let permissions = permissions_of(gate.exec(), &row.user_id).await?;
    Ok(Some(Authenticated::of_live_session(
        row.id,
        row.user_id,
        row.org_id,
        row.user_name,
        row.user_email,
        row.org_name,
        permissions,
    )))
}

/// Starts a session for `user_id` and returns its token (to be set as the cookie).
pub async fn start(gate: &AuthGate, user_id: &str, org_id: &str, client: &ClientInfo) -> Result<Token, sqlx::Error> {
    let token = start_with(gate.exec(), gate.settings(), user_id, org_id, client).await?;
    gate.live().announce(org_id, Topic::Sessions);
    Ok(token)
}

/// Starts a session through `exec`: the transaction of the change that signs someone in (an
/// accepted invitation), so the two commit together.
pub async fn start_with(exec: Exec<'_>, settings: &Settings, user_id: &str, org_id: &str, client: &ClientInfo) -> Result<Token, sqlx::Error> {
    let token = Token::generate();
    let now = now_ms();
    let absolute_ms = i64::try_from(settings.session_absolute.as_millis()).unwrap_or(i64::MAX);
    repo::insert_session(
        exec,
        &NewSession {
            id: &new_id(),
            token_hash: &token.hash(),
            user_id,
            org_id,
            ip_address: &client.ip_address,
            user_agent: &client.user_agent,
            device: &client.device(),
            now,
            expires_at: now.saturating_add(absolute_ms),
        },
    )
    .await?;
    Ok(token)
}

/// Ends the session named by `token` (sign-out, or replaced at sign-in).
pub async fn end(gate: &AuthGate, token: &str, reason: &str) -> Result<(), sqlx::Error> {
    if let Some((org_id, user_id)) = repo::end_session_by_hash(gate, &hash_token(token), reason, now_ms()).await? {
        gate.live().announce(&org_id, Topic::Sessions);
        // The browser's other tabs share the cookie: their streams end too.
        gate.live().announce_to(&org_id, Topic::Account, &user_id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let http = Settings::default();
        let mut headers = HeaderMap::new();
        headers.append(http::header::COOKIE, HeaderValue::from_static("theme=dark; roster_session=abc123; x=1"));
        assert_eq!(token_from_headers(&http, &headers).as_deref(), Some("abc123"));
        let mut empty = HeaderMap::new();
        empty.append(http::header::COOKIE, HeaderValue::from_static("roster_session="));
        assert_eq!(token_from_headers(&http, &empty), None);
        assert_eq!(token_from_headers(&http, &HeaderMap::new()), None);
    }

    #[test]
    fn over_https_the_cookie_is_the_host_prefixed_one_only() {
        let https = Settings { public_url: "https://roster.example.com".into(), ..Settings::default() };
        let token = Token::generate();
        let set = set_cookie(&https, &token);
        assert!(set.starts_with("__Host-roster_session=") && set.contains("; Path=/;") && set.ends_with("; Secure") && !set.contains("Domain"), "{set}");
        let mut planted = HeaderMap::new();
        planted.append(http::header::COOKIE, HeaderValue::from_static("roster_session=planted"));
        assert_eq!(token_from_headers(&https, &planted), None, "a cookie another site could have set is not the session's");
        let mut real = HeaderMap::new();
        real.append(http::header::COOKIE, HeaderValue::from_static("roster_session=planted; __Host-roster_session=real"));
        assert_eq!(token_from_headers(&https, &real).as_deref(), Some("real"));
    }
}
