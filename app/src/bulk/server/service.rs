//! The rules of bulk actions: what each may do and who may start it, the preview (the
//! selection fixed, grouped by what will happen to each user), confirming, cancelling and
//! undoing. The work itself is the runner's (`runner.rs`), a chunk of users per transaction.

use super::repo::{self, JobRow, NewJob};
use super::rules::{may, skips_self};
use super::runner::{self, PREVIEW_LIFETIME_MS};
use crate::audit::server::service::{self as audit, Actor, AuditEvent};
use crate::auth::server::guard::capability::{OrgTx, Permit};
use crate::bulk::types::{count_text, BulkGroup, BulkJob, BulkKind, BulkPreview, BulkRequest, JobState, GROUP_NAMES, UNDO_WINDOW_MS};
use crate::error::AppError;
use crate::server::ids::{new_id, now_ms};
use crate::server::sql::Sql;
use crate::users::server::rules;
use crate::users::server::service as users;
use crate::users::types::UserQuery;
use serde_json::json;

/// Users a selection of ticked rows may name (a page holds at most 100).
const MAX_IDS: usize = 1_000;

fn users_text(n: i64) -> String {
    format!("{} {}", count_text(n), if n == 1 { "user" } else { "users" })
}

/// "Deactivate 12,345 users", "Add the role Admin to 40 users".
pub fn title(kind: BulkKind, role: Option<&str>, total: i64) -> String {
    let role = role.unwrap_or("");
    let users = users_text(total);
    match kind {
        BulkKind::AddRole => format!("Add the role {role} to {users}"),
        BulkKind::RemoveRole => format!("Remove the role {role} from {users}"),
        BulkKind::RevokeSessions => format!("Revoke the sessions of {users}"),
        BulkKind::ResendInvitation | BulkKind::CancelInvitation => {
            format!("{} {} invitation{}", if kind == BulkKind::ResendInvitation { "Resend" } else { "Cancel" }, count_text(total), if total == 1 { "" } else { "s" })
        }
        BulkKind::Undo => format!("Undo: {users}"),
        other => format!("{} {users}", other.label()),
    }
}

/// What happens, or happened, to the users of a group of a preview.
fn change_label(kind: BulkKind, role: &str, one: bool, done: bool) -> String {
    let (will, were) = if one { ("will", "was") } else { ("will", "were") };
    let verb = match kind {
        BulkKind::Deactivate => "deactivated",
        BulkKind::Activate => "activated",
        BulkKind::Delete => "deleted",
        BulkKind::Undo => "put back as they were",
        BulkKind::AddRole => return if done { format!("got the role {role}") } else { format!("will get the role {role}") },
        BulkKind::RemoveRole => return if done { format!("lost the role {role}") } else { format!("will lose the role {role}") },
        BulkKind::RevokeSessions => return if done { "had their sessions ended".into() } else { "will have their sessions ended".into() },
        BulkKind::ResendInvitation => return if done { format!("{were} sent a new invitation") } else { "will be sent a new invitation".into() },
        BulkKind::CancelInvitation => "cancelled",
    };
    if done { format!("{were} {verb}") } else { format!("{will} be {verb}") }
}

fn unchanged_label(kind: BulkKind, one: bool) -> &'static str {
    match (kind, one) {
        (BulkKind::Deactivate, true) => "is already inactive",
        (BulkKind::Deactivate, false) => "are already inactive",
        (BulkKind::Activate, true) => "is already active or pending",
        (BulkKind::Activate, false) => "are already active or pending",
        (BulkKind::AddRole, true) => "already has the role",
        (BulkKind::AddRole, false) => "already have the role",
        (BulkKind::RemoveRole, true) => "doesn't have the role",
        (BulkKind::RemoveRole, false) => "don't have the role",
        (BulkKind::ResendInvitation | BulkKind::CancelInvitation, true) => "is not a pending invitee",
        (BulkKind::ResendInvitation | BulkKind::CancelInvitation, false) => "are not pending invitees",
        (_, true) => "has no active sessions",
        (_, false) => "have no active sessions",
    }
}

/// The SQL expression naming each selected user's group at preview: `self`, `outranked`
/// (their roles carry a permission the viewer lacks), `unchanged` (nothing to do), `change`.
fn category(permit: &Permit, kind: BulkKind, role_id: Option<&str>, outranking: &[String]) -> Sql {
    let mut sql = Sql::new("CASE");
    if skips_self(kind) {
        sql.push(" WHEN i.user_id = ").push_bind(permit.user_id()).push(" THEN 'self'");
    }
    if !outranking.is_empty() {
        sql.push(" WHEN EXISTS (SELECT 1 FROM user_roles o WHERE o.user_id = i.user_id AND o.role_id IN (");
        for (i, id) in outranking.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " }).push_bind(id);
        }
        sql.push(")) THEN 'outranked'");
    }
    let holds = |sql: &mut Sql| {
        sql.push("EXISTS (SELECT 1 FROM user_roles h WHERE h.user_id = i.user_id AND h.role_id = ").push_bind(role_id.unwrap_or("")).push(")");
    };
    match kind {
        BulkKind::Deactivate => {
            sql.push(" WHEN u.status = 'inactive' THEN 'unchanged'");
        }
        BulkKind::Activate => {
            sql.push(" WHEN u.status <> 'inactive' THEN 'unchanged'");
        }
        BulkKind::AddRole => {
            sql.push(" WHEN ");
            holds(&mut sql);
            sql.push(" THEN 'unchanged'");
        }
        BulkKind::RemoveRole => {
            sql.push(" WHEN NOT ");
            holds(&mut sql);
            sql.push(" THEN 'unchanged'");
        }
        BulkKind::RevokeSessions => {
            let now = now_ms();
            let idle_since = now.saturating_sub(permit.settings().session_idle_ms());
            sql.push(" WHEN NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = i.user_id AND s.ended_at IS NULL AND s.expires_at > ");
            sql.push_bind(now).push(" AND s.last_active_at > ").push_bind(idle_since).push(") THEN 'unchanged'");
        }
        BulkKind::ResendInvitation | BulkKind::CancelInvitation => {
            sql.push(" WHEN u.status <> 'pending' THEN 'unchanged'");
        }
        BulkKind::Delete | BulkKind::Undo => {}
    }
    sql.push(" ELSE 'change' END");
    sql
}

/// Checks the request, fixes its selection as a job in preview (nothing changes yet) and says
/// what confirming it will do, group by group.
pub async fn preview(permit: &Permit, request: &BulkRequest) -> Result<BulkPreview, AppError> {
    let kind = request.kind;
    if kind == BulkKind::Undo || !may(permit, kind) {
        return Err(AppError::Forbidden);
    }
    let roles = users::role_infos(permit).await?;
    let role = match (kind.takes_role(), request.role_id.as_deref()) {
        (false, _) => None,
        (true, None | Some("")) => return Err(AppError::validation("role", "Choose a role.")),
        (true, Some(id)) => {
            let role = roles.iter().find(|r| r.id == id).ok_or_else(|| AppError::validation("role", "This role no longer exists. Choose another."))?;
            if !rules::can_grant(permit.permissions(), role) {
                return Err(AppError::validation("role", format!("You can't grant or remove {}: it has permissions you don't have.", role.name)));
            }
            Some(role)
        }
    };
    let invitations = !request.invitation_ids.is_empty();
    if kind == BulkKind::CancelInvitation && !invitations {
        return Err(AppError::BadRequest("Cancel acts on invitations: name them.".into()));
    }
    if invitations && !matches!(kind, BulkKind::ResendInvitation | BulkKind::CancelInvitation) {
        return Err(AppError::BadRequest("Invitations can only be resent or cancelled.".into()));
    }
    let query = match &request.matching {
        Some(params) => Some(UserQuery::from_params(params).map_err(|(field, message)| AppError::validation(&field, message))?),
        None if request.ids.is_empty() && !invitations => return Err(AppError::validation("selection", "Select at least one user.")),
        None if request.ids.len().max(request.invitation_ids.len()) > MAX_IDS => {
            return Err(AppError::BadRequest(format!("At most {MAX_IDS} can be named; select all matching instead.")))
        }
        None => None,
    };
    let id = new_id();
    let client = permit.client();
    let mut tx = permit.org().begin_write().await?;
    let job = NewJob {
        id: &id,
        kind: kind.key(),
        role_id: role.map(|r| r.id.as_str()),
        role_name: role.map(|r| r.name.as_str()),
        undo_of: None,
        started_by: permit.user_id(),
        started_by_name: permit.user_name(),
        ip_address: &client.ip_address,
        user_agent: &client.user_agent,
        state: "preview",
    };
    repo::insert_job(&mut tx, &job, now_ms()).await?;
    let total = match &query {
        Some(query) => users::copy_matching(&mut tx, permit, query, repo::copy_head(&id)).await?,
        None if invitations => repo::copy_invitees(&mut tx, &id, &request.invitation_ids).await?,
        None => {
            let mut ids = request.ids.clone();
            ids.sort();
            ids.dedup();
            repo::copy_ids(&mut tx, &id, &ids).await?
        }
    };
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    if total == 0 {
        return Err(AppError::validation("selection", "No users match this selection any more."));
    }
    repo::set_total(&mut tx, &id, total).await?;
    tx.commit().await?;

    let outranking: Vec<String> = rules::outranking_roles(permit.permissions(), &roles).into_iter().map(|r| r.id.clone()).collect();
    let category = category(permit, kind, role.map(|r| r.id.as_str()), &outranking);
    let counts = repo::count_by(permit.org(), &id, &category).await?;
    let role_name = role.map_or("", |r| r.name.as_str());
    let mut groups = Vec::new();
    let mut changing = 0;
    for group in ["change", "unchanged", "outranked", "self"] {
        let Some(n) = counts.iter().find(|c| c.grp == group).map(|c| c.n).filter(|n| *n > 0) else { continue };
        let one = n == 1;
        let label = match group {
            "change" => change_label(kind, role_name, one, false),
            "unchanged" => unchanged_label(kind, one).to_owned(),
            "outranked" => if one { "holds a role with permissions you don't have" } else { "hold a role with permissions you don't have" }.to_owned(),
            _ => "is you".to_owned(),
        };
        if group == "change" {
            changing = n;
        }
        let names = repo::names_in(permit.org(), &id, &category, group, GROUP_NAMES as i64).await?;
        groups.push(BulkGroup { count: n, label, names, changes: group == "change" });
    }
    Ok(BulkPreview { job_id: id, kind, title: title(kind, role.map(|r| r.name.as_str()), total), total, groups, changing })
}

/// The viewer's job `id` as its page shows it.
async fn job_of(permit: &Permit, id: &str) -> Result<JobRow, AppError> {
    repo::find(permit.org(), id).await?.ok_or(AppError::NotFound)
}

fn kind_of(row: &JobRow) -> BulkKind {
    BulkKind::from_key(&row.kind).unwrap_or(BulkKind::Undo)
}

/// The kind whose permissions a job needs: Undo needs those of what it reverses.
async fn acting_kind(permit: &Permit, row: &JobRow) -> Result<BulkKind, AppError> {
    match (kind_of(row), row.undo_of.as_deref()) {
        (BulkKind::Undo, Some(of)) => Ok(kind_of(&job_of(permit, of).await?)),
        (kind, _) => Ok(kind),
    }
}

/// Records the job's own audit event: who started what on how many users.
async fn record_started(tx: &mut OrgTx, permit: &Permit, id: &str, title: &str, total: i64, undo_of: Option<&str>) -> Result<(), AppError> {
    let event = AuditEvent {
        actor: Actor::Person { id: permit.user_id(), email: permit.user_email(), name: permit.user_name() },
        client: Some(permit.client()),
        action: "bulk.started",
        target_type: "job",
        target_id: id,
        target_label: title,
        details: json!({ "title": title, "users": total, "undo_of": undo_of }),
    };
    audit::record(tx, event).await?;
    Ok(())
}

/// Confirms the viewer's preview `id`: the job is queued for a worker. A Delete needs the
/// number of users typed as `confirm`.
pub async fn start(permit: &Permit, id: &str, confirm: Option<&str>) -> Result<BulkJob, AppError> {
    let row = job_of(permit, id).await?;
    let kind = kind_of(&row);
    if !may(permit, kind) {
        return Err(AppError::Forbidden);
    }
    if row.started_by != permit.user_id() {
        return Err(AppError::NotFound);
    }
    if row.state != "preview" {
        return Err(AppError::Conflict("This action was already started.".into()));
    }
    if now_ms() - row.created_at > PREVIEW_LIFETIME_MS {
        return Err(AppError::Conflict("This preview is more than an hour old. Close it and preview again.".into()));
    }
    if kind == BulkKind::Delete {
        let typed: String = confirm.unwrap_or("").chars().filter(|c| !c.is_whitespace() && *c != ',').collect();
        if typed != row.total.to_string() {
            return Err(AppError::validation("confirm", format!("Type {} to confirm.", row.total)));
        }
    }
    let mut tx = permit.org().begin_write().await?;
    if !repo::queue(&mut tx, id).await? {
        return Err(AppError::Conflict("This action was already started.".into()));
    }
    record_started(&mut tx, permit, id, &title(kind, row.role_name.as_deref(), row.total), row.total, None).await?;
    tx.commit().await?;
    runner::wake();
    view(permit, id).await
}

/// Asks the job to stop after the chunk it is in; what it changed so far stays (and can be
/// undone).
pub async fn cancel(permit: &Permit, id: &str) -> Result<BulkJob, AppError> {
    let row = job_of(permit, id).await?;
    if !may(permit, acting_kind(permit, &row).await?) {
        return Err(AppError::Forbidden);
    }
    repo::request_cancel(permit.org(), id).await?;
    view(permit, id).await
}

/// Starts the job that reverses job `id`: within [`UNDO_WINDOW_MS`] of its end, once, for an
/// undoable action; each user is put back only if nobody changed them since.
pub async fn undo(permit: &Permit, id: &str) -> Result<BulkJob, AppError> {
    let row = job_of(permit, id).await?;
    let kind = kind_of(&row);
    if !kind.undoable() {
        return Err(AppError::Conflict("This action cannot be undone.".into()));
    }
    if !may(permit, kind) {
        return Err(AppError::Forbidden);
    }
    if undo_until(&row, kind).is_none_or(|until| until < now_ms()) {
        return Err(AppError::Conflict("This action can no longer be undone: Undo is offered for 15 minutes after it ends.".into()));
    }
    let undo_id = new_id();
    let client = permit.client();
    let mut tx = permit.org().begin_write().await?;
    if !repo::mark_undone(&mut tx, id, &undo_id).await? {
        return Err(AppError::Conflict("This action was already undone.".into()));
    }
    let job = NewJob {
        id: &undo_id,
        kind: BulkKind::Undo.key(),
        role_id: row.role_id.as_deref(),
        role_name: row.role_name.as_deref(),
        undo_of: Some(id),
        started_by: permit.user_id(),
        started_by_name: permit.user_name(),
        ip_address: &client.ip_address,
        user_agent: &client.user_agent,
        state: "queued",
    };
    repo::insert_job(&mut tx, &job, now_ms()).await?;
    let total = i64::try_from(repo::copy_changed(&mut tx, &undo_id, id).await?).unwrap_or(i64::MAX);
    repo::set_total(&mut tx, &undo_id, total).await?;
    record_started(&mut tx, permit, &undo_id, &title(BulkKind::Undo, None, total), total, Some(id)).await?;
    tx.commit().await?;
    runner::wake();
    view(permit, &undo_id).await
}

/// When **Undo** stops being offered for a job that ended, if it is undoable and not undone.
fn undo_until(row: &JobRow, kind: BulkKind) -> Option<i64> {
    let ended = matches!(row.state.as_str(), "done" | "cancelled");
    (kind.undoable() && ended && row.undone_by.is_none() && row.changed > 0).then_some(row.finished_at? + UNDO_WINDOW_MS)
}

/// The job `id` of the organization: progress, and once it ended, its outcome.
pub async fn view(permit: &Permit, id: &str) -> Result<BulkJob, AppError> {
    let row = job_of(permit, id).await?;
    if row.state == "preview" {
        return Err(AppError::NotFound);
    }
    describe(permit, row).await
}

/// The viewer's latest job, if it is still running or ended less than [`UNDO_WINDOW_MS`] ago:
/// the Users page shows it again after a reload.
pub async fn latest(permit: &Permit) -> Result<Option<BulkJob>, AppError> {
    let Some(row) = repo::latest_of(permit.org(), permit.user_id()).await? else { return Ok(None) };
    let recent = row.finished_at.is_none_or(|at| now_ms() - at < UNDO_WINDOW_MS);
    if !recent {
        return Ok(None);
    }
    describe(permit, row).await.map(Some)
}

async fn describe(permit: &Permit, row: JobRow) -> Result<BulkJob, AppError> {
    let kind = kind_of(&row);
    let state = JobState::from_key(&row.state).unwrap_or(JobState::Failed);
    let mut groups = Vec::new();
    if !state.is_live() {
        let role = row.role_name.as_deref().unwrap_or("");
        for outcome in repo::outcomes(permit.org(), &row.id).await? {
            let changes = outcome.outcome == "changed";
            let label = match &outcome.reason {
                Some(reason) => format!("skipped: {reason}"),
                None => change_label(kind, role, outcome.n == 1, true),
            };
            let names = repo::outcome_names(permit.org(), &row.id, &outcome.outcome, outcome.reason.as_deref(), GROUP_NAMES as i64).await?;
            groups.push(BulkGroup { count: outcome.n, label, names, changes });
        }
        let untouched = row.total - row.changed - row.skipped;
        if untouched > 0 {
            let label = if state == JobState::Cancelled { "not reached before it was cancelled" } else { "not reached" };
            groups.push(BulkGroup { count: untouched, label: label.into(), names: Vec::new(), changes: false });
        }
    }
    let undo_until = if may(permit, kind) { undo_until(&row, kind).filter(|until| *until > now_ms()) } else { None };
    Ok(BulkJob {
        title: title(kind, row.role_name.as_deref(), row.total),
        state,
        total: row.total,
        changed: row.changed,
        skipped: row.skipped,
        groups,
        error: row.error,
        undo_until,
        now: now_ms(),
        kind,
        id: row.id,
    })
}
