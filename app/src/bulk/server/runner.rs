//! The worker that runs bulk jobs, in every server process. It claims a job by a lease (like
//! the outbox's), then goes through its users in id order, a chunk per transaction: each
//! chunk renews the lease, changes its users under the rules of the single actions, records
//! each user's outcome and moves the job's cursor, all in that one transaction. A worker that
//! dies mid-chunk leaves nothing of it (the transaction rolls back) and its lease runs out;
//! the next worker starts after the last chunk that committed: no user is changed twice and
//! none is skipped. Two workers never run one chunk: the second one's lease check fails.

use super::repo::{self, JobRow};
use super::rules::{may, skips_self};
use crate::auth::server::guard::capability::{JobContext, JobDesk, OrgTx, Permit};
use crate::bulk::types::BulkKind;
use crate::error::AppError;
use crate::live::types::Topic;
use crate::server::client::ClientInfo;
use crate::server::ids::{new_id, now_ms};
use crate::users::server::rules::{self, RoleInfo};
use crate::users::server::service as users;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::sync::Notify;

/// A preview not confirmed within this long must be made again (and is forgotten): what it
/// says may be stale.
pub const PREVIEW_LIFETIME_MS: i64 = 60 * 60 * 1000;

/// Users per transaction: short enough that no other writer waits long for one (a chunk takes
/// about an eighth of a second at a million users; a chunk of 400 was slower on Postgres,
/// docs/benchmarks.md).
pub const CHUNK: i64 = 200;
/// How long a worker holds a job without committing a chunk; past it, another may take it.
const LEASE_MS: i64 = 10_000;
/// How often an idle worker looks for jobs started in another process.
const POLL: Duration = Duration::from_secs(1);
/// A job whose chunks keep failing (the database refusing, a bug) stops after this many claims.
const MAX_ATTEMPTS: i64 = 20;

static WAKE: Notify = Notify::const_new();

/// Tells this process's worker that a job is waiting.
pub fn wake() {
    WAKE.notify_one();
}

/// One worker: its name in the leases it takes, and its chunk size.
pub struct Worker {
    desk: JobDesk,
    id: String,
    chunk: i64,
}

/// What one chunk came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// More users to go through.
    More,
    /// The job ended (done, cancelled or failed).
    Ended,
    /// Another worker holds the job now.
    Lost,
}

/// What became of one user.
enum Outcome {
    Changed(Option<i64>),
    Skipped(String),
}

impl Worker {
    pub fn new(desk: JobDesk) -> Worker {
        Worker::with_chunk(desk, CHUNK)
    }

    /// A worker taking `chunk` users per transaction (tests use a small one).
    pub fn with_chunk(desk: JobDesk, chunk: i64) -> Worker {
        Worker { desk, id: new_id(), chunk }
    }

    /// Claims the oldest waiting job (or one whose worker died), if any.
    pub async fn claim(&self) -> Result<Option<JobRow>, sqlx::Error> {
        let now = now_ms();
        repo::claim(&self.desk, &self.id, now, now + LEASE_MS).await
    }

    /// Runs every waiting job to its end; answers how many chunks ran.
    pub async fn run_until_idle(&self) -> Result<usize, AppError> {
        let mut chunks = 0;
        while let Some(job) = self.claim().await? {
            loop {
                chunks += 1;
                if self.chunk_of(&job).await? != Step::More {
                    break;
                }
            }
        }
        Ok(chunks)
    }

    /// One chunk of `job`, claimed by this worker.
    pub async fn chunk_of(&self, job: &JobRow) -> Result<Step, AppError> {
        let kind = BulkKind::from_key(&job.kind).unwrap_or(BulkKind::Undo);
        if job.attempts > MAX_ATTEMPTS {
            return self.fail(job, "It failed too many times; the users it changed so far are listed.").await;
        }
        let context = JobContext { id: job.id.clone(), client: ClientInfo { ip_address: job.ip_address.clone(), user_agent: job.user_agent.clone() } };
        let Some(permit) = self.desk.permit_for(&job.org_id, &job.started_by, context).await? else {
            return self.fail(job, &format!("{} is no longer an active member of the organization.", job.started_by_name)).await;
        };
        // An undo reverses another job: it needs that job's permissions and acts by its kind.
        let (acting, undoing) = match (kind, job.undo_of.as_deref()) {
            (BulkKind::Undo, Some(of)) => match repo::find(permit.org(), of).await? {
                Some(original) => (BulkKind::from_key(&original.kind).unwrap_or(BulkKind::Undo), true),
                None => return self.fail(job, "The action it reverses no longer exists.").await,
            },
            (kind, _) => (kind, false),
        };
        if acting == BulkKind::Undo || !may(&permit, acting) {
            return self.fail(job, &format!("{} no longer has permission to do this.", job.started_by_name)).await;
        }
        let roles = users::role_infos(&permit).await?;
        let mut tx = permit.org().begin_write().await?;
        users::lock_for_changes(&mut tx).await?;
        let Some((cursor, cancel)) = repo::hold(&mut tx, &job.id, &self.id, now_ms() + LEASE_MS).await? else {
            return Ok(Step::Lost);
        };
        // The starter's page shows the job's progress as each chunk commits.
        tx.announce_to(Topic::Bulk, &job.started_by);
        if cancel != 0 {
            repo::advance(&mut tx, &job.id, &cursor, 0, 0, Some("cancelled"), now_ms()).await?;
            tx.commit().await?;
            return Ok(Step::Ended);
        }
        let items = repo::next_items(&mut tx, &job.id, &cursor, self.chunk).await?;
        // The chunk's users and their roles, read at once (the invitation kinds read their own).
        let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
        let mut loaded: HashMap<String, Found> = if matches!(acting, BulkKind::ResendInvitation | BulkKind::CancelInvitation) {
            HashMap::new()
        } else {
            users::load_changeable_many(&mut tx, &permit, &roles, &ids).await?
        };
        let (mut changed, mut skipped) = (0, 0);
        let last = items.last().map_or(cursor, |(id, _)| id.clone());
        let plan = Plan { kind: acting, undoing, role_id: job.role_id.as_deref() };
        let results = apply_chunk(&mut tx, &permit, &roles, plan, &items, &mut loaded).await?;
        let mut outcomes = Vec::with_capacity(items.len());
        for ((user_id, expected), outcome) in items.iter().zip(results) {
            outcomes.push(match outcome {
                Outcome::Changed(version) => {
                    changed += 1;
                    repo::ItemOutcome { user_id: user_id.clone(), outcome: "changed", reason: None, version }
                }
                Outcome::Skipped(reason) => {
                    skipped += 1;
                    repo::ItemOutcome { user_id: user_id.clone(), outcome: "skipped", reason: Some(reason), version: *expected }
                }
            });
        }
        repo::record_items(&mut tx, &job.id, &outcomes).await?;
        let ended = i64::try_from(items.len()).unwrap_or(0) < self.chunk;
        repo::advance(&mut tx, &job.id, &last, changed, skipped, ended.then_some("done"), now_ms()).await?;
        tx.commit().await?;
        if acting == BulkKind::ResendInvitation && changed > 0 {
            crate::mail::server::service::wake();
        }
        metrics::counter!("roster_bulk_users_total", "outcome" => "changed").increment(u64::try_from(changed).unwrap_or(0));
        metrics::counter!("roster_bulk_users_total", "outcome" => "skipped").increment(u64::try_from(skipped).unwrap_or(0));
        Ok(if ended { Step::Ended } else { Step::More })
    }

    async fn fail(&self, job: &JobRow, why: &str) -> Result<Step, AppError> {
        tracing::warn!(job = %job.id, why, "bulk job failed");
        repo::fail(&self.desk, &job.id, why, now_ms()).await?;
        self.desk.live().announce_to(&job.org_id, Topic::Bulk, &job.started_by);
        Ok(Step::Ended)
    }

    /// Lets go of `job` for another worker (this one is stopping).
    pub async fn release(&self, job: &JobRow) {
        if let Err(err) = repo::release(&self.desk, &job.id, &self.id).await {
            tracing::error!(job = %job.id, %err, "stopping: could not release a bulk job; another worker takes it once its lease runs out");
        }
    }
}

/// The reason a user was skipped, for a refusal of the rules; `None` for a fault (the chunk
/// rolls back and runs again).
fn refusal(err: &AppError) -> Option<String> {
    match err {
        AppError::NotFound => Some("no longer exists".into()),
        AppError::Outranked(_) => Some("holds a role with permissions you don't have".into()),
        AppError::Forbidden => Some("you may not grant or remove this role".into()),
        AppError::Conflict(message) if message.contains(rules::LAST_OWNER) => Some("the organization's last active Owner".into()),
        AppError::Conflict(message) => Some(message.clone()),
        AppError::Validation(errors) => Some(errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ")),
        AppError::RateLimited(message) => Some(message.clone()),
        _ => None,
    }
}

/// What a job does to each of its users: `kind`, or (`undoing`) its reverse.
#[derive(Clone, Copy)]
struct Plan<'a> {
    kind: BulkKind,
    undoing: bool,
    role_id: Option<&'a str>,
}

impl Plan<'_> {
    /// Whether the change makes users Active (`Some(true)`) or Inactive (`Some(false)`): the
    /// kinds a chunk writes in a few statements for all its users.
    fn activates(self) -> Option<bool> {
        match (self.kind, self.undoing) {
            (BulkKind::Deactivate, false) | (BulkKind::Activate, true) => Some(false),
            (BulkKind::Activate, false) | (BulkKind::Deactivate, true) => Some(true),
            _ => None,
        }
    }
}

/// A user as the chunk read them, with their role ids, or why they cannot be changed.
type Found = Result<(users::TargetRow, Vec<String>), AppError>;

/// Does `plan` to each of `items` (a user and, for an undo, the version the job left them at)
/// inside the chunk's transaction; each one's outcome, in order. Activate and Deactivate check
/// the single actions' rules in Rust and write the whole chunk at once
/// (`users::activate_many_in`, `users::deactivate_many_in`); the other kinds go user by user.
async fn apply_chunk(tx: &mut OrgTx, permit: &Permit, roles: &[RoleInfo], plan: Plan<'_>, items: &[(String, Option<i64>)], loaded: &mut HashMap<String, Found>) -> Result<Vec<Outcome>, AppError> {
    let Some(activate) = plan.activates() else {
        let mut outcomes = Vec::with_capacity(items.len());
        for (user_id, expected) in items {
            outcomes.push(apply(tx, permit, roles, plan, user_id, *expected, loaded.remove(user_id)).await?);
        }
        return Ok(outcomes);
    };
    // Each user's own refusals first (an outcome now), then the changes of those left, at once.
    let mut early = Vec::with_capacity(items.len());
    let mut eligible = Vec::new();
    for (user_id, expected) in items {
        match ready(tx, permit, roles, plan, user_id, *expected, loaded.remove(user_id)).await? {
            Ok((before, _)) => {
                eligible.push(before);
                early.push(None);
            }
            Err(outcome) => early.push(Some(outcome)),
        }
    }
    let befores: Vec<&users::TargetRow> = eligible.iter().collect();
    let answers = if activate { users::activate_many_in(tx, permit, &befores).await? } else { users::deactivate_many_in(tx, permit, &befores).await? };
    let mut answers = eligible.iter().zip(answers);
    let mut outcomes = Vec::with_capacity(items.len());
    for early in early {
        outcomes.push(match early {
            Some(outcome) => outcome,
            None => match answers.next() {
                Some((before, answer)) => outcome_of(plan, before, answer.map(|status| status.is_some()))?,
                None => unreachable!("an answer for each eligible user"),
            },
        });
    }
    Ok(outcomes)
}

/// The refusals that come before any change to a user: oneself (for the kinds that skip the
/// starter), a user who is gone or outranks the starter, and for an undo a user changed since
/// the job. The user as read (`loaded` by the chunk, or now) when none applies; an error for
/// a fault (the chunk rolls back and runs again).
async fn ready(tx: &mut OrgTx, permit: &Permit, roles: &[RoleInfo], plan: Plan<'_>, user_id: &str, expected: Option<i64>, loaded: Option<Found>) -> Result<Result<(users::TargetRow, Vec<String>), Outcome>, AppError> {
    if !plan.undoing && skips_self(plan.kind) && user_id == permit.user_id() {
        return Ok(Err(Outcome::Skipped("this is you".into())));
    }
    let found = match loaded {
        Some(found) => found,
        None => users::load_changeable(tx, permit, roles, user_id).await,
    };
    match found {
        Ok((before, _)) if plan.undoing && expected != Some(before.version) => Ok(Err(Outcome::Skipped("changed since, so left as they are".into()))),
        Ok(found) => Ok(Ok(found)),
        Err(err) => skipped(err).map(Err),
    }
}

/// Does `plan` to `user_id` inside the chunk's transaction: the kinds done user by user.
async fn apply(tx: &mut OrgTx, permit: &Permit, roles: &[RoleInfo], plan: Plan<'_>, user_id: &str, expected: Option<i64>, loaded: Option<Found>) -> Result<Outcome, AppError> {
    let Plan { kind, undoing, role_id } = plan;
    if matches!(kind, BulkKind::ResendInvitation | BulkKind::CancelInvitation) {
        // The invitation's own rules (outranking included, over its role too).
        use crate::invitations::server::service as invitations;
        let done = if kind == BulkKind::ResendInvitation { invitations::resend_for_user(tx, permit, user_id).await } else { invitations::cancel_for_user(tx, permit, user_id).await };
        return match done {
            Ok(Some(_)) => Ok(Outcome::Changed(None)),
            Ok(None) => Ok(Outcome::Skipped("not a pending invitee".into())),
            Err(err) => skipped(err),
        };
    }
    let (before, current) = match ready(tx, permit, roles, plan, user_id, expected, loaded).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let role = role_id.unwrap_or("");
    // Undo does the reverse: a role added is removed.
    let changed = match (kind, undoing) {
        (BulkKind::AddRole, false) | (BulkKind::RemoveRole, true) => users::set_role_in(tx, permit, roles, &before, &current, role, true).await,
        (BulkKind::RemoveRole, false) | (BulkKind::AddRole, true) => users::set_role_in(tx, permit, roles, &before, &current, role, false).await,
        (BulkKind::RevokeSessions, _) => crate::sessions::server::service::end_all_in(tx, permit, &before.id, &before.email).await.map(|ended| ended > 0),
        (BulkKind::Delete, _) => users::delete_in(tx, permit, &before).await.map(|()| true),
        // Written a chunk at a time (`apply_chunk`), or not a change to users.
        (BulkKind::Deactivate | BulkKind::Activate | BulkKind::Undo | BulkKind::ResendInvitation | BulkKind::CancelInvitation, _) => Ok(false),
    };
    outcome_of(plan, &before, changed)
}

/// What a change to `before` (`Ok(true)`: made; `Ok(false)`: nothing to do) means for the job.
fn outcome_of(plan: Plan<'_>, before: &users::TargetRow, changed: Result<bool, AppError>) -> Result<Outcome, AppError> {
    match changed {
        // A deleted user has no version left to undo to.
        Ok(true) if plan.kind == BulkKind::Delete => Ok(Outcome::Changed(None)),
        // Each change moves the user's version on by exactly one (`bump_version`, the status
        // updates): the version an undo expects, without reading it back.
        Ok(true) => Ok(Outcome::Changed(Some(before.version + 1))),
        Ok(false) => Ok(Outcome::Skipped(unchanged_reason(plan.kind, plan.undoing).into())),
        Err(err) => skipped(err),
    }
}

/// A user skipped for a refusal of the rules, with its reason; a fault stays an error (the
/// chunk rolls back and runs again).
fn skipped(err: AppError) -> Result<Outcome, AppError> {
    refusal(&err).map(Outcome::Skipped).ok_or(err)
}

fn unchanged_reason(kind: BulkKind, undoing: bool) -> &'static str {
    match (kind, undoing) {
        (BulkKind::Deactivate, false) | (BulkKind::Activate, true) => "already inactive",
        (BulkKind::Activate, false) | (BulkKind::Deactivate, true) => "already active or pending",
        (BulkKind::AddRole, false) | (BulkKind::RemoveRole, true) => "already had the role",
        (BulkKind::RemoveRole, false) | (BulkKind::AddRole, true) => "didn't have the role",
        _ => "no active sessions",
    }
}

/// The worker: runs jobs until `shutdown` completes. It wakes when this process starts a job
/// and otherwise looks every second for jobs started elsewhere or left by a worker that died.
/// On shutdown it finishes the chunk in hand (a transaction of a few hundred users) and lets
/// go of the job, which the next start (or another process) takes at once.
pub async fn run(desk: JobDesk, shutdown: impl Future<Output = ()>) {
    let worker = Worker::new(desk.clone());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let work = async {
        let mut last_prune = 0;
        while !*stopping.borrow() {
            if now_ms() - last_prune > 60_000 {
                last_prune = now_ms();
                if let Err(err) = repo::prune_previews(&desk, last_prune - PREVIEW_LIFETIME_MS).await {
                    tracing::warn!(%err, "bulk worker: could not forget old previews");
                }
            }
            let job = match worker.claim().await {
                Ok(job) => job,
                Err(err) => {
                    tracing::error!(%err, "bulk worker: database error");
                    None
                }
            };
            let Some(job) = job else {
                tokio::select! {
                    () = WAKE.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
                continue;
            };
            tracing::info!(job = %job.id, kind = %job.kind, total = job.total, "bulk job claimed");
            loop {
                if *stopping.borrow() {
                    worker.release(&job).await;
                    break;
                }
                match worker.chunk_of(&job).await {
                    Ok(Step::More) => {}
                    Ok(step) => {
                        tracing::info!(job = %job.id, ?step, "bulk job left");
                        break;
                    }
                    Err(err) => {
                        // The chunk rolled back; its lease runs out and it is tried again.
                        tracing::error!(job = %job.id, %err, "bulk job chunk failed; it is tried again");
                        tokio::time::sleep(POLL).await;
                        break;
                    }
                }
            }
        }
    };
    let signal = async {
        shutdown.await;
        let _ = stop.send(true);
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = work => {}
        () = signal => {}
    }
    tracing::info!("bulk worker stopped");
}
