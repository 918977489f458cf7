//! SQL for sign-in and sessions, through the sign-in gate: the statements that find an account
//! by email or a session by its token's hash, across organizations. Every statement runs
//! unchanged on SQLite and Postgres.

use super::guard::capability::{AuthGate, Operator};
use crate::server::db::Exec;
use crate::server::sql::Sql;
use sqlx::FromRow;

/// A live session joined with its user and organization.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub org_id: String,
    pub last_active_at: i64,
    pub user_name: String,
    pub user_email: String,
    pub org_name: String,
}

/// The account a sign-in names, with what deciding the outcome needs.
#[derive(Debug, Clone, FromRow)]
pub struct CredentialRow {
    pub user_id: String,
    pub org_id: String,
    pub password_hash: Option<String>,
    pub status: String,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub org_id: &'a str,
    pub ip_address: &'a str,
    pub user_agent: &'a str,
    pub device: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// The session whose token hashes to `token_hash`, if it is neither ended, expired, idle past
/// `idle_since`, nor held by a user who is no longer active.
pub async fn find_live_session(
    gate: &AuthGate,
    token_hash: &str,
    now: i64,
    idle_since: i64,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT s.id, s.user_id, s.org_id, s.last_active_at,
                u.name AS user_name, u.email AS user_email, o.name AS org_name
         FROM sessions s
         JOIN users u ON u.id = s.user_id AND u.org_id = s.org_id
         JOIN organizations o ON o.id = s.org_id
         WHERE s.token_hash = $1 AND s.ended_at IS NULL
           AND s.expires_at > $2 AND s.last_active_at > $3
           AND u.status = 'active'",
    );
    gate.exec().fetch_optional(sql.bind(token_hash).bind(now).bind(idle_since)).await
}

/// Replaces a user's password hash with a stronger hash of the same password, unless it
/// changed meanwhile (a password change between the check and this wins).
pub async fn renew_password_hash(gate: &AuthGate, user_id: &str, old_hash: &str, new_hash: &str) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3");
    gate.exec().execute(sql.bind(new_hash).bind(user_id).bind(old_hash)).await.map(|_| ())
}

pub async fn touch_session(gate: &AuthGate, session_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE sessions SET last_active_at = $1 WHERE id = $2 AND ended_at IS NULL");
    gate.exec().execute(sql.bind(now).bind(session_id)).await.map(|_| ())
}

pub async fn insert_session(exec: Exec<'_>, s: &NewSession<'_>) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO sessions (id, token_hash, user_id, org_id, ip_address, user_agent, device,
                               created_at, last_active_at, expires_at, name_key, email_key)
         SELECT $1, $2, u.id, $4, $5, $6, $7, $8, $8, $9, u.name_key, u.email_key FROM users u WHERE u.id = $3",
    )
    .bind(s.id)
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(s.org_id)
    .bind(s.ip_address)
    .bind(s.user_agent)
    .bind(s.device)
    .bind(s.now)
    .bind(s.expires_at);
    exec.execute(sql).await.map(|_| ())
}

/// Ends the session with this token hash, if live; `reason` is kept for the record.
pub async fn end_session_by_hash(gate: &AuthGate, token_hash: &str, reason: &str, now: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    let sql = Sql::new("UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE token_hash = $3 AND ended_at IS NULL RETURNING org_id, user_id");
    gate.exec().fetch_optional(sql.bind(now).bind(reason).bind(token_hash)).await
}

/// Accounts with this email, in the organization named by `org_slug` or in any.
pub async fn find_credentials(
    gate: &AuthGate,
    email_key: &str,
    org_slug: Option<&str>,
) -> Result<Vec<CredentialRow>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT u.id AS user_id, u.org_id, u.password_hash, u.status
         FROM users u JOIN organizations o ON o.id = u.org_id
         WHERE u.email_key = $1 AND ($2 IS NULL OR o.slug = $2)
         LIMIT 2",
    );
    gate.exec().fetch_all(sql.bind(email_key).bind(org_slug)).await
}

/// Counts one sign-in attempt against the account before its password is checked, in one
/// statement that the database serializes per account: a new window when the last one is
/// over (`window_start <= window_cutoff`), and a lock until `lock_until` once the count
/// reaches `threshold`. Answers the attempts counted in the window, or `None` when the account
/// is locked (nothing is counted, and the caller must not check the password). Because each
/// attempt is counted before its check, parallel attempts can never check more passwords than
/// the threshold: the race that counted failures only after checking is closed.
pub async fn count_attempt(gate: &AuthGate, user_id: &str, org_id: &str, at: &AttemptClock) -> Result<Option<i64>, sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO account_lockouts (user_id, org_id, failures, window_start, locked_until)
         VALUES ($1, $2, 1, $3, CASE WHEN 1 >= $5 THEN $6 ELSE NULL END)
         ON CONFLICT (user_id) DO UPDATE SET
             failures = CASE WHEN account_lockouts.window_start > $4 THEN account_lockouts.failures + 1 ELSE 1 END,
             window_start = CASE WHEN account_lockouts.window_start > $4 THEN account_lockouts.window_start ELSE $3 END,
             locked_until = CASE
                 WHEN (CASE WHEN account_lockouts.window_start > $4 THEN account_lockouts.failures + 1 ELSE 1 END) >= $5 THEN $6
                 ELSE NULL END
         WHERE account_lockouts.locked_until IS NULL OR account_lockouts.locked_until <= $3
         RETURNING failures",
    )
    .bind(user_id)
    .bind(org_id)
    .bind(at.now)
    .bind(at.window_cutoff)
    .bind(at.threshold)
    .bind(at.lock_until);
    gate.exec().optional_scalar(sql).await
}

/// The times and threshold one attempt is counted with.
pub struct AttemptClock {
    pub now: i64,
    /// A window that started at or before this is over.
    pub window_cutoff: i64,
    pub threshold: i64,
    pub lock_until: i64,
}

/// The password hash of the user `user_id`, if they have one.
pub async fn password_hash_of(gate: &AuthGate, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = Sql::new("SELECT password_hash FROM users WHERE id = $1").bind(user_id);
    Ok(gate.exec().optional_scalar::<Option<String>>(sql).await?.flatten())
}

/// Forgets the account's failures and lock: it just signed in.
pub async fn clear_failures(gate: &AuthGate, user_id: &str) -> Result<(), sqlx::Error> {
    let sql = Sql::new("DELETE FROM account_lockouts WHERE user_id = $1");
    gate.exec().execute(sql.bind(user_id)).await.map(|_| ())
}

/// The organization an attempt on an unknown email belongs to, when that is knowable: the one
/// named at sign-in, or the only one there is.
pub async fn organization_of_unknown(gate: &AuthGate, org_slug: Option<&str>) -> Result<Option<String>, sqlx::Error> {
    let sql = Sql::new("SELECT id FROM organizations WHERE ($1 IS NULL OR slug = $1) ORDER BY id LIMIT 2");
    let ids: Vec<String> = gate.exec().scalars(sql.bind(org_slug)).await?;
    Ok(match ids.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    })
}

pub async fn record_sign_in(gate: &AuthGate, user_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE users SET last_login_at = $1 WHERE id = $2");
    gate.exec().execute(sql.bind(now).bind(user_id)).await.map(|_| ())
}

pub async fn organization_count(gate: &AuthGate) -> Result<i64, sqlx::Error> {
    gate.exec().scalar(Sql::new("SELECT COUNT(*) FROM organizations")).await
}

/// Counts one attempt against the device whose token hashes to `token_hash`, issued for
/// `user_id` and used to sign in since `used_since`, unless it is locked: the same statement
/// as [`count_attempt`], per device. The attempts counted, or `None` (no such device for this
/// account, or locked: the attempt is untrusted).
pub async fn count_device_attempt(gate: &AuthGate, token_hash: &str, user_id: &str, used_since: i64, at: &AttemptClock) -> Result<Option<i64>, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE trusted_devices SET
             failures = CASE WHEN window_start > $1 THEN failures + 1 ELSE 1 END,
             window_start = CASE WHEN window_start > $1 THEN window_start ELSE $2 END,
             locked_until = CASE WHEN (CASE WHEN window_start > $1 THEN failures + 1 ELSE 1 END) >= $3 THEN $4 ELSE NULL END
         WHERE token_hash = $5 AND user_id = $6 AND last_used_at > $7
           AND (locked_until IS NULL OR locked_until <= $2)
         RETURNING failures",
    )
    .bind(at.window_cutoff)
    .bind(at.now)
    .bind(at.threshold)
    .bind(at.lock_until)
    .bind(token_hash)
    .bind(user_id)
    .bind(used_since);
    gate.exec().optional_scalar(sql).await
}

/// The device signed in: it forgets its failures and counts as used now.
pub async fn device_signed_in(gate: &AuthGate, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE trusted_devices SET failures = 0, locked_until = NULL, last_used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash);
    gate.exec().execute(sql).await.map(|_| ())
}

pub async fn insert_device(gate: &AuthGate, token_hash: &str, user_id: &str, org_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("INSERT INTO trusted_devices (token_hash, user_id, org_id, created_at, last_used_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(org_id)
        .bind(now);
    gate.exec().execute(sql).await.map(|_| ())
}

/// Retention: deletes up to `batch` devices not used to sign in since `unused_since`.
pub async fn prune_devices_batch(op: &Operator, unused_since: i64, batch: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "DELETE FROM trusted_devices WHERE token_hash IN
             (SELECT token_hash FROM trusted_devices WHERE last_used_at < $1 ORDER BY last_used_at LIMIT $2)",
    );
    op.exec().execute(sql.bind(unused_since).bind(batch)).await
}
