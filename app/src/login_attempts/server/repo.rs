//! SQL for the sign-in log.

use crate::auth::server::guard::capability::{AuthGate, Operator, OrgDb};
use crate::login_attempts::types::{AttemptOutcome, AttemptSearch, LoginAttempt};
use crate::server::db::Dialect;
use crate::server::sql::Sql;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub id: String,
    pub org_id: Option<String>,
    pub user_id: Option<String>,
    pub email: String,
    pub email_key: String,
    pub ip_address: String,
    pub user_agent: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: i64,
    /// How many refusals this row stands for (the per-address limit's, aggregated).
    pub repeats: i64,
}

impl From<AttemptRow> for LoginAttempt {
    fn from(row: AttemptRow) -> Self {
        LoginAttempt {
            id: row.id,
            at: row.created_at,
            email: row.email,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            success: row.status == "success",
            reason: row.reason,
            repeats: row.repeats,
        }
    }
}

/// Written through the sign-in gate: an attempt may name no organization.
pub async fn insert(gate: &AuthGate, row: &AttemptRow) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO login_attempts
             (id, org_id, user_id, email, email_key, ip_address, user_agent, status, reason, created_at, repeats)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&row.id)
    .bind(&row.org_id)
    .bind(&row.user_id)
    .bind(&row.email)
    .bind(&row.email_key)
    .bind(&row.ip_address)
    .bind(&row.user_agent)
    .bind(&row.status)
    .bind(&row.reason)
    .bind(row.created_at)
    .bind(row.repeats);
    gate.exec().execute(sql).await.map(|_| ())
}

/// Counts one more refusal on the row already written for this address, organization and
/// reason since `since` (the address's window); false when there is none yet.
pub async fn add_repeat(gate: &AuthGate, org_id: Option<&str>, ip_address: &str, reason: &str, since: i64) -> Result<bool, sqlx::Error> {
    let mut sql = Sql::new("UPDATE login_attempts SET repeats = repeats + 1 WHERE ");
    match org_id {
        Some(org_id) => sql.push("org_id = ").push_bind(org_id),
        None => sql.push("org_id IS NULL"),
    };
    sql.push(" AND ip_address = ").push_bind(ip_address);
    sql.push(" AND reason = ").push_bind(reason);
    sql.push(" AND created_at >= ").push_bind(since);
    Ok(gate.exec().execute(sql).await? > 0)
}

/// What a page of the Login Attempts list asks for.
pub struct PageSpec<'a> {
    pub search: Option<&'a AttemptSearch>,
    pub outcome: Option<AttemptOutcome>,
    /// Only attempts at or after this time.
    pub since: Option<i64>,
    /// (time, id) of the row the page starts after, newest first…
    pub after: Option<(i64, String)>,
    /// …or ends before (read oldest first, then turned round).
    pub before: Option<(i64, String)>,
    pub limit: i64,
}

/// A page of the organization's attempts, newest first, by keyset on (created_at, id). Each
/// filter has an index that leads with the organization and ends with the keyset's columns
/// (`login_attempts_by_org`, `…_by_org_status`, `…_by_org_email`, `…_by_org_ip`), so a page
/// is one index range however many millions of rows the log holds.
pub async fn page(org: &OrgDb, spec: &PageSpec<'_>) -> Result<Vec<AttemptRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, org_id, user_id, email, email_key, ip_address, user_agent, status, reason, created_at, repeats
         FROM login_attempts ",
    );
    // SQLite keeps no statistics: with a status and a time range too, it would take the
    // status index (two equalities and a range) over the search's (two equalities), and read
    // every failure of the week to find one person's.
    if org.dialect() == Dialect::Sqlite {
        match spec.search {
            Some(AttemptSearch::Email(_)) => sql.push("INDEXED BY login_attempts_by_org_email "),
            Some(AttemptSearch::Ip(_)) => sql.push("INDEXED BY login_attempts_by_org_ip "),
            None => &mut sql,
        };
    }
    sql.push("WHERE org_id = ").push_bind(org.id());
    match spec.search {
        Some(AttemptSearch::Email(key)) => sql.push(" AND email_key = ").push_bind(key.as_str()),
        Some(AttemptSearch::Ip(ip)) => sql.push(" AND ip_address = ").push_bind(ip.as_str()),
        None => &mut sql,
    };
    if let Some(outcome) = spec.outcome {
        sql.push(" AND status = ").push_bind(outcome.key());
    }
    if let Some(since) = spec.since {
        sql.push(" AND created_at >= ").push_bind(since);
    }
    sql.push_newest_first("created_at", spec.after.as_ref(), spec.before.as_ref(), spec.limit);
    org.exec().fetch_all(sql).await
}

/// Retention: deletes up to `batch` attempts made before `cutoff`, oldest first, across
/// organizations (the server's pruning task).
pub async fn prune_batch(op: &Operator, cutoff: i64, batch: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new("DELETE FROM login_attempts WHERE id IN (SELECT id FROM login_attempts WHERE created_at < $1 ORDER BY created_at LIMIT $2)");
    op.exec().execute(sql.bind(cutoff).bind(batch)).await
}

