//! SQL of bulk jobs: the job and its fixed selection, the preview's groups, and what the
//! worker claims, holds and records. Every statement runs unchanged on SQLite and Postgres.

use crate::auth::server::guard::capability::{JobDesk, OrgDb, OrgTx};
use crate::server::db::Dialect;
use crate::server::sql::Sql;
use sqlx::FromRow;

/// A job as stored.
#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: String,
    pub org_id: String,
    pub kind: String,
    pub role_id: Option<String>,
    pub role_name: Option<String>,
    pub undo_of: Option<String>,
    pub started_by: String,
    pub started_by_name: String,
    pub ip_address: String,
    pub user_agent: String,
    pub state: String,
    pub total: i64,
    pub cursor: String,
    pub changed: i64,
    pub skipped: i64,
    pub cancel_requested: i64,
    pub attempts: i64,
    pub error: Option<String>,
    pub undone_by: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const JOB_COLUMNS: &str = "id, org_id, kind, role_id, role_name, undo_of, started_by, started_by_name, ip_address, user_agent, state, total,
     cursor, changed, skipped, cancel_requested, attempts, error, undone_by, created_at, finished_at";

/// A job to insert, in state `preview`.
pub struct NewJob<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub role_id: Option<&'a str>,
    pub role_name: Option<&'a str>,
    pub undo_of: Option<&'a str>,
    pub started_by: &'a str,
    pub started_by_name: &'a str,
    pub ip_address: &'a str,
    pub user_agent: &'a str,
    pub state: &'a str,
}

pub async fn insert_job(tx: &mut OrgTx, job: &NewJob<'_>, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO bulk_jobs (id, org_id, kind, role_id, role_name, undo_of, started_by, started_by_name, ip_address, user_agent, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(job.id)
    .bind(tx.id())
    .bind(job.kind)
    .bind(job.role_id)
    .bind(job.role_name)
    .bind(job.undo_of)
    .bind(job.started_by)
    .bind(job.started_by_name)
    .bind(job.ip_address)
    .bind(job.user_agent)
    .bind(job.state)
    .bind(now);
    tx.exec().execute(sql).await.map(|_| ())
}

/// The head of the statement that copies users into a job's selection: `SELECT`ed columns
/// `u.id, u.name` follow (see `users::service::copy_matching`).
pub fn copy_head(job_id: &str) -> Sql {
    Sql::new("INSERT INTO bulk_job_items (job_id, user_id, name) SELECT $1, u.id, u.name").bind(job_id)
}

/// Puts the organization's users among `ids` into the job's selection (ids of no one, or of
/// another organization's users, are left out); answers how many.
pub async fn copy_ids(tx: &mut OrgTx, job_id: &str, ids: &[String]) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    for chunk in ids.chunks(500) {
        let mut sql = copy_head(job_id);
        // By id, the organization checked on each (the CAST: see `users::…::load_targets`).
        sql.push(" FROM users u WHERE u.id").push_in(chunk).push(" AND CAST(u.org_id AS TEXT) = ").push_bind(tx.id());
        total += tx.exec().execute(sql).await?;
    }
    Ok(total)
}

/// The invitees of the organization's invitations among `ids` (each once, by email), for
/// Resend and Cancel on the Invitations page; answers how many.
pub async fn copy_invitees(tx: &mut OrgTx, job_id: &str, ids: &[String]) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::new(
        "INSERT INTO bulk_job_items (job_id, user_id, name)
         SELECT DISTINCT $1, u.id, u.email FROM invitations i JOIN users u ON u.id = i.user_id AND u.org_id = i.org_id
         WHERE CAST(i.org_id AS TEXT) = $2 AND i.id",
    )
    .bind(job_id)
    .bind(tx.id());
    sql.push_in(ids);
    tx.exec().execute(sql).await
}

/// An undo's selection: the users job `of` changed, each with the version the change left.
pub async fn copy_changed(tx: &mut OrgTx, job_id: &str, of: &str) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO bulk_job_items (job_id, user_id, name, version)
         SELECT $1, user_id, name, version FROM bulk_job_items WHERE job_id = $2 AND outcome = 'changed'",
    )
    .bind(job_id)
    .bind(of);
    tx.exec().execute(sql).await
}

pub async fn set_total(tx: &mut OrgTx, job_id: &str, total: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE bulk_jobs SET total = $1 WHERE id = $2 AND org_id = $3").bind(total).bind(job_id).bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// The organization's job `id`.
pub async fn find(org: &OrgDb, id: &str) -> Result<Option<JobRow>, sqlx::Error> {
    let sql = Sql::new(format!("SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE id = $1 AND org_id = $2")).bind(id).bind(org.id());
    org.exec().fetch_optional(sql).await
}

/// The job inside a transaction, its row locked on Postgres (SQLite's write transaction holds
/// the whole database).
pub async fn find_for_update(tx: &mut OrgTx, id: &str, dialect: Dialect) -> Result<Option<JobRow>, sqlx::Error> {
    let lock = if dialect == Dialect::Postgres { " FOR UPDATE" } else { "" };
    let sql = Sql::new(format!("SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE id = $1 AND org_id = $2{lock}")).bind(id).bind(tx.id());
    tx.exec().fetch_optional(sql).await
}

/// `user_id`'s latest started job (not a preview).
pub async fn latest_of(org: &OrgDb, user_id: &str) -> Result<Option<JobRow>, sqlx::Error> {
    let sql = Sql::new(format!(
        "SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE org_id = $1 AND started_by = $2 AND state <> 'preview' ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(org.id())
    .bind(user_id);
    org.exec().fetch_optional(sql).await
}

/// Confirms a preview: the job waits for a worker. False when it is no longer a preview.
pub async fn queue(tx: &mut OrgTx, id: &str) -> Result<bool, sqlx::Error> {
    let sql = Sql::new("UPDATE bulk_jobs SET state = 'queued' WHERE id = $1 AND org_id = $2 AND state = 'preview'").bind(id).bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

pub async fn request_cancel(org: &OrgDb, id: &str) -> Result<bool, sqlx::Error> {
    let sql = Sql::new("UPDATE bulk_jobs SET cancel_requested = 1 WHERE id = $1 AND org_id = $2 AND state IN ('queued', 'running')").bind(id).bind(org.id());
    Ok(org.exec().execute(sql).await? == 1)
}

pub async fn mark_undone(tx: &mut OrgTx, id: &str, by_job: &str) -> Result<bool, sqlx::Error> {
    let sql = Sql::new("UPDATE bulk_jobs SET undone_by = $1 WHERE id = $2 AND org_id = $3 AND undone_by IS NULL").bind(by_job).bind(id).bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

/// A group of a job's selection: how many, and the first few names (by name).
#[derive(Debug, Clone, FromRow)]
pub struct GroupCount {
    pub grp: String,
    pub n: i64,
}

/// The job's selection grouped by `category`, a SQL expression over `i` (the item) and `u`
/// (the user) that names each user's group.
pub async fn count_by(org: &OrgDb, job_id: &str, category: &Sql) -> Result<Vec<GroupCount>, sqlx::Error> {
    let mut sql = Sql::new("SELECT grp, COUNT(*) AS n FROM (SELECT ");
    sql.push_sql(category);
    sql.push(" AS grp FROM bulk_job_items i JOIN users u ON u.id = i.user_id WHERE i.job_id = ").push_bind(job_id);
    sql.push(" AND u.org_id = ").push_bind(org.id()).push(") g GROUP BY grp");
    org.exec().fetch_all(sql).await
}

/// A few names of the selection's group `group` (see [`count_by`]).
pub async fn names_in(org: &OrgDb, job_id: &str, category: &Sql, group: &str, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut sql = Sql::new("SELECT i.name FROM bulk_job_items i JOIN users u ON u.id = i.user_id WHERE i.job_id = ");
    sql.push_bind(job_id).push(" AND u.org_id = ").push_bind(org.id()).push(" AND ");
    sql.push_sql(category);
    sql.push(" = ").push_bind(group).push(" ORDER BY i.name LIMIT ").push_bind(limit);
    org.exec().scalars(sql).await
}

/// A finished job's outcome: (outcome, reason, count), one row per skip reason.
#[derive(Debug, Clone, FromRow)]
pub struct OutcomeCount {
    pub outcome: String,
    pub reason: Option<String>,
    pub n: i64,
}

pub async fn outcomes(org: &OrgDb, job_id: &str) -> Result<Vec<OutcomeCount>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT outcome, reason, COUNT(*) AS n FROM bulk_job_items WHERE job_id = $1 AND outcome IS NOT NULL
           AND EXISTS (SELECT 1 FROM bulk_jobs WHERE id = $1 AND org_id = $2)
         GROUP BY outcome, reason ORDER BY outcome, n DESC",
    )
    .bind(job_id)
    .bind(org.id());
    org.exec().fetch_all(sql).await
}

pub async fn outcome_names(org: &OrgDb, job_id: &str, outcome: &str, reason: Option<&str>, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT name FROM bulk_job_items WHERE job_id = $1 AND outcome = $2 AND ($3 IS NULL OR reason = $3)
           AND EXISTS (SELECT 1 FROM bulk_jobs WHERE id = $1 AND org_id = $4)
         ORDER BY name LIMIT $5",
    )
    .bind(job_id)
    .bind(outcome)
    .bind(reason)
    .bind(org.id())
    .bind(limit);
    org.exec().scalars(sql).await
}

// The worker's side.

/// Takes the oldest job that is waiting, or whose worker's lease ran out, for `worker` until
/// `lease_until`; each job is held by one worker at a time.
pub async fn claim(desk: &JobDesk, worker: &str, now: i64, lease_until: i64) -> Result<Option<JobRow>, sqlx::Error> {
    let skip_locked = if desk.dialect() == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = Sql::new(format!(
        "UPDATE bulk_jobs SET state = 'running', lease_owner = $1, lease_until = $2, started_at = COALESCE(started_at, $3), attempts = attempts + 1
         WHERE id = (SELECT id FROM bulk_jobs WHERE state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $3)
                     ORDER BY created_at LIMIT 1{skip_locked})
           AND state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $3)
         RETURNING {JOB_COLUMNS}"
    ))
    .bind(worker)
    .bind(lease_until)
    .bind(now);
    desk.exec().fetch_optional(sql).await
}

/// Inside a chunk's transaction: renews `worker`'s lease on the job and answers its cursor and
/// whether a cancel was asked for; `None` when another worker holds it now (this one's lease
/// ran out), and the chunk must not run.
pub async fn hold(tx: &mut OrgTx, job_id: &str, worker: &str, lease_until: i64) -> Result<Option<(String, i64)>, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE bulk_jobs SET lease_until = $1 WHERE id = $2 AND org_id = $3 AND lease_owner = $4 AND state = 'running'
         RETURNING cursor, cancel_requested",
    )
    .bind(lease_until)
    .bind(job_id)
    .bind(tx.id())
    .bind(worker);
    tx.exec().fetch_optional(sql).await
}

/// The next `limit` users of the job after `cursor`, in id order, with the version an undo
/// expects.
pub async fn next_items(tx: &mut OrgTx, job_id: &str, cursor: &str, limit: i64) -> Result<Vec<(String, Option<i64>)>, sqlx::Error> {
    let sql = Sql::new("SELECT user_id, version FROM bulk_job_items WHERE job_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3")
        .bind(job_id)
        .bind(cursor)
        .bind(limit);
    tx.exec().fetch_all(sql).await
}

/// What became of one user of a job.
pub struct ItemOutcome {
    pub user_id: String,
    /// `changed` or `skipped`.
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub version: Option<i64>,
}

/// Records a chunk's outcomes, a statement per hundred users (`UPDATE … FROM (VALUES …)`, whose
/// columns both databases name `column1`…).
pub async fn record_items(tx: &mut OrgTx, job_id: &str, outcomes: &[ItemOutcome]) -> Result<(), sqlx::Error> {
    for part in outcomes.chunks(100) {
        let mut sql = Sql::new("UPDATE bulk_job_items SET outcome = v.column2, reason = v.column3, version = v.column4 FROM (VALUES ").bind(job_id);
        for (i, o) in part.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.push_bind(o.user_id.as_str()).push(", ").push_bind(o.outcome).push(", ").push_bind(o.reason.as_deref()).push(", ").push_bind(o.version).push(")");
        }
        sql.push(") AS v WHERE bulk_job_items.job_id = $1 AND bulk_job_items.user_id = v.column1");
        tx.exec().execute(sql).await?;
    }
    Ok(())
}

/// Moves the job past a chunk: its cursor and counts, and its end (`finished` with that state).
pub async fn advance(tx: &mut OrgTx, job_id: &str, cursor: &str, changed: i64, skipped: i64, finished: Option<&str>, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "UPDATE bulk_jobs SET cursor = $1, changed = changed + $2, skipped = skipped + $3,
             state = COALESCE($4, state), finished_at = CASE WHEN $4 IS NULL THEN NULL ELSE $5 END,
             lease_owner = CASE WHEN $4 IS NULL THEN lease_owner ELSE NULL END,
             lease_until = CASE WHEN $4 IS NULL THEN lease_until ELSE NULL END
         WHERE id = $6 AND org_id = $7",
    )
    .bind(cursor)
    .bind(changed)
    .bind(skipped)
    .bind(finished)
    .bind(now)
    .bind(job_id)
    .bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// Ends the job as failed, saying why (outside any chunk).
pub async fn fail(desk: &JobDesk, job_id: &str, error: &str, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "UPDATE bulk_jobs SET state = 'failed', error = $1, finished_at = $2, lease_owner = NULL, lease_until = NULL
         WHERE id = $3 AND state IN ('queued', 'running')",
    )
    .bind(error)
    .bind(now)
    .bind(job_id);
    desk.exec().execute(sql).await.map(|_| ())
}

/// Lets go of a job (shutting down): another worker, or the next start, takes it at once.
pub async fn release(desk: &JobDesk, job_id: &str, worker: &str) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE bulk_jobs SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2").bind(job_id).bind(worker);
    desk.exec().execute(sql).await.map(|_| ())
}

/// Forgets previews nobody confirmed, made before `cutoff`.
pub async fn prune_previews(desk: &JobDesk, cutoff: i64) -> Result<u64, sqlx::Error> {
    let sql = Sql::new("DELETE FROM bulk_jobs WHERE state = 'preview' AND created_at < $1").bind(cutoff);
    desk.exec().execute(sql).await
}
