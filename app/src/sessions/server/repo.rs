//! SQL for the Sessions list and for revoking. Every statement is scoped by the
//! organization's capability and runs unchanged on SQLite and Postgres.

use crate::auth::server::guard::capability::{Operator, OrgDb, OrgTx};
use crate::server::db::Dialect;
use crate::server::sql::{count_starting, Sql};
use crate::sessions::types::SessionState;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct SessionListRow {
    pub id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub device: String,
    pub ip_address: String,
    pub created_at: i64,
    pub last_active_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

/// What a page of the Sessions list asks for.
pub struct PageSpec<'a> {
    /// The start of a name or an email, lower-cased.
    pub prefix: Option<&'a str>,
    pub state: Option<SessionState>,
    pub user_id: Option<&'a str>,
    /// (last active, id) of the row the page starts after, newest first…
    pub after: Option<(i64, String)>,
    /// …or ends before (read oldest first, then turned round).
    pub before: Option<(i64, String)>,
    pub limit: i64,
    pub now: i64,
    /// Sessions idle since before this have ended.
    pub idle_since: i64,
}

/// A search that starts at most this many names and emails of sessions is read from the key
/// indexes and sorted; one that starts more is found by walking the activity order, where on
/// average at least one row in `2 × sessions / FEW` matches (a session counts twice when its
/// name and email both start so). Measured at 200,000 sessions, either way a page takes a few
/// milliseconds (`cargo bench -p server --bench users_list`).
const FEW: i64 = 2_500;

/// A page of the organization's sessions, most recent activity first, by keyset on
/// (last_active_at, id): the index `sessions_by_org_activity`, or `sessions_by_user_activity`
/// for one user's. Active sessions are all within the idle timeout of now, so the Active
/// filter reads only that end of the index. A search reads sessions' copies of their user's
/// keys (migration 0006): few matches from the key indexes, many in activity order.
pub async fn page(org: &OrgDb, spec: &PageSpec<'_>) -> Result<Vec<SessionListRow>, sqlx::Error> {
    let search = match (spec.prefix, spec.user_id) {
        (Some(prefix), None) => {
            let mut starts = 0;
            for column in ["name_key", "email_key"] {
                starts += org.exec().scalar::<i64>(count_starting("sessions", column, org.id(), prefix, FEW)).await?;
            }
            Some((prefix, starts <= FEW))
        }
        (Some(prefix), Some(_)) => Some((prefix, false)),
        (None, _) => None,
    };
    let sqlite = org.dialect() == Dialect::Sqlite;
    let mut sql = Sql::new(
        "SELECT s.id, s.user_id, u.name AS user_name, u.email AS user_email, s.device, s.ip_address,
                s.created_at, s.last_active_at, s.expires_at, s.ended_at, s.end_reason
         FROM ",
    );
    match search {
        // The few: their ids from the two key ranges drive, each session then found by its id
        // (SQLite's CROSS JOIN keeps them the outer loop: its planner, without statistics,
        // would walk every session in activity order and look each up in the set).
        Some((prefix, true)) => {
            for (i, column) in ["name_key", "email_key"].into_iter().enumerate() {
                sql.push(if i == 0 { "(" } else { " UNION " });
                sql.push("SELECT id FROM sessions WHERE org_id = ").push_bind(org.id()).push(" AND ").push_starts(column, prefix);
            }
            sql.push(if sqlite { ") m CROSS JOIN sessions s ON s.id = m.id " } else { ") m JOIN sessions s ON s.id = m.id " });
        }
        // The many, walked in activity order: SQLite would read them from the key indexes too,
        // and sort tens of thousands of rows.
        Some((_, false)) if spec.user_id.is_none() && sqlite => {
            sql.push("sessions s INDEXED BY sessions_by_org_activity ");
        }
        _ => {
            sql.push("sessions s ");
        }
    }
    sql.push("JOIN users u ON u.id = s.user_id WHERE s.org_id = ").push_bind(org.id());
    if let Some(user_id) = spec.user_id {
        sql.push(" AND s.user_id = ").push_bind(user_id);
    }
    match spec.state {
        Some(SessionState::Active) => {
            sql.push(" AND s.ended_at IS NULL AND s.expires_at > ").push_bind(spec.now);
            sql.push(" AND s.last_active_at > ").push_bind(spec.idle_since);
        }
        Some(SessionState::Ended) => {
            sql.push(" AND (s.ended_at IS NOT NULL OR s.expires_at <= ").push_bind(spec.now);
            sql.push(" OR s.last_active_at <= ").push_bind(spec.idle_since).push(")");
        }
        None => {}
    }
    if let Some((prefix, false)) = search {
        sql.push(" AND (").push_starts("s.name_key", prefix).push(" OR ").push_starts("s.email_key", prefix).push(")");
    }
    let descending = spec.before.is_none();
    if let Some((at, id)) = &spec.after {
        sql.push(" AND (s.last_active_at, s.id) < (").push_bind(*at).push(", ").push_bind(id).push(")");
    }
    if let Some((at, id)) = &spec.before {
        sql.push(" AND (s.last_active_at, s.id) > (").push_bind(*at).push(", ").push_bind(id).push(")");
    }
    let order = if descending { "DESC" } else { "ASC" };
    sql.push(format!(" ORDER BY s.last_active_at {order}, s.id {order} LIMIT ")).push_bind(spec.limit);
    org.exec().fetch_all(sql).await
}

/// The name of one of the organization's users.
pub async fn user_name(org: &OrgDb, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = Sql::new("SELECT name FROM users WHERE id = $1 AND org_id = $2").bind(user_id).bind(org.id());
    org.exec().optional_scalar(sql).await
}

/// A session of the organization, with whose it is, for revoking it.
#[derive(Debug, Clone, FromRow)]
pub struct SessionTarget {
    pub id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub device: String,
    pub live: bool,
}

pub async fn find_target(tx: &mut OrgTx, session_id: &str, now: i64, idle_since: i64) -> Result<Option<SessionTarget>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT s.id, s.user_id, u.name AS user_name, u.email AS user_email, s.device,
                (s.ended_at IS NULL AND s.expires_at > $1 AND s.last_active_at > $2) AS live
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $3 AND s.org_id = $4",
    )
    .bind(now)
    .bind(idle_since)
    .bind(session_id)
    .bind(tx.id());
    tx.exec().fetch_optional(sql).await
}

/// Ends the session `session_id`, if it has not ended (and, with `owner`, only if it is
/// theirs), for `reason` (`revoked`, `signed_out`), by `actor_id`. Answers 1 if it ended.
pub async fn end(tx: &mut OrgTx, session_id: &str, owner: Option<&str>, reason: &str, actor_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE sessions SET ended_at = $1, end_reason = $2, revoked_by = $3
         WHERE id = $4 AND org_id = $5 AND ended_at IS NULL AND ($6 IS NULL OR user_id = $6)",
    )
    .bind(now)
    .bind(reason)
    .bind(actor_id)
    .bind(session_id)
    .bind(tx.id())
    .bind(owner);
    tx.exec().execute(sql).await
}

/// Ends every live session of `user_id` but `keep` (the viewer's own current one), for
/// `reason`, by `actor_id`; answers how many ended.
pub async fn end_all(tx: &mut OrgTx, user_id: &str, keep: Option<&str>, reason: &str, actor_id: &str, now: i64, idle_since: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE sessions SET ended_at = $1, end_reason = $2, revoked_by = $3
         WHERE user_id = $4 AND org_id = $5 AND ended_at IS NULL
           AND expires_at > $1 AND last_active_at > $6 AND ($7 IS NULL OR id <> $7)",
    )
    .bind(now)
    .bind(reason)
    .bind(actor_id)
    .bind(user_id)
    .bind(tx.id())
    .bind(idle_since)
    .bind(keep);
    tx.exec().execute(sql).await
}

/// The user `user_id` of the organization, by name and email, if there is one.
pub async fn find_user(tx: &mut OrgTx, user_id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let sql = Sql::new("SELECT name, email FROM users WHERE id = $1 AND org_id = $2").bind(user_id).bind(tx.id());
    tx.exec().fetch_optional(sql).await
}

/// Retention: deletes up to `batch` sessions that ended (or stopped being accepted) before
/// `cutoff`, oldest first, across organizations (the server's pruning task).
pub async fn prune_batch(op: &Operator, cutoff: i64, batch: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "DELETE FROM sessions WHERE id IN (
             SELECT id FROM sessions
             WHERE last_active_at < $1 AND (ended_at IS NULL OR ended_at < $1)
             ORDER BY last_active_at LIMIT $2)",
    );
    op.exec().execute(sql.bind(cutoff).bind(batch)).await
}

