//! SQL for invitations: the organization's list and changes (through its capability), and the
//! invitee's side, which finds an invitation by its token's hash alone (through the
//! [`InviteGate`]).

use crate::auth::server::guard::capability::{InviteGate, OrgDb, OrgTx};
use crate::invitations::types::InvitationStatus;
use crate::server::db::Tx;
use crate::server::ids::key;
use crate::server::sql::{like_pattern, Sql};
use sqlx::FromRow;

/// One row of the Invitations list.
#[derive(Debug, Clone, FromRow)]
pub struct ListRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub inviter: Option<String>,
    pub delivery_status: String,
    pub delivery_error: Option<String>,
    pub end_reason: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A page of the list: newest first, after (older than) or before (newer than) a row.
pub struct PageSpec<'a> {
    pub search: &'a str,
    pub status: Option<InvitationStatus>,
    /// `(created_at, id)` of the row the page starts after…
    pub after: Option<(i64, String)>,
    /// …or ends before (read upwards, returned newest first by the caller).
    pub before: Option<(i64, String)>,
    pub limit: i64,
    pub now: i64,
}

/// Appends the status filter, with Pending and Expired read from the clock.
fn push_status(sql: &mut Sql, status: InvitationStatus, now: i64) {
    match status {
        InvitationStatus::Pending => {
            sql.push(" AND i.status = 'pending' AND i.expires_at > ").push_bind(now);
        }
        InvitationStatus::Expired => {
            sql.push(" AND (i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= ").push_bind(now).push("))");
        }
        other => {
            sql.push(" AND i.status = ").push_bind(other.key());
        }
    }
}

pub async fn list_page(org: &OrgDb, spec: &PageSpec<'_>) -> Result<Vec<ListRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT i.id, i.email, r.name AS role, i.status, u.name AS inviter, i.delivery_status, i.delivery_error,
                i.end_reason, i.created_at, i.expires_at
         FROM invitations i
         JOIN roles r ON r.id = i.role_id
         LEFT JOIN users u ON u.id = i.invited_by
         WHERE i.org_id = $1",
    )
    .bind(org.id());
    if let Some(status) = spec.status {
        push_status(&mut sql, status, spec.now);
    }
    if !spec.search.is_empty() {
        sql.push(" AND i.email_key LIKE ").push_bind(like_pattern(&key(spec.search))).push(" ESCAPE '\\'");
    }
    let descending = spec.before.is_none();
    if let Some((at, id)) = spec.after.as_ref().or(spec.before.as_ref()) {
        let op = if descending { "<" } else { ">" };
        sql.push(format!(" AND (i.created_at {op} ")).push_bind(*at);
        sql.push(" OR (i.created_at = ").push_bind(*at).push(format!(" AND i.id {op} ")).push_bind(id).push("))");
    }
    let dir = if descending { "DESC" } else { "ASC" };
    sql.push(format!(" ORDER BY i.created_at {dir}, i.id {dir} LIMIT ")).push_bind(spec.limit);
    org.exec().fetch_all(sql).await
}

/// An invitation as a change needs it.
#[derive(Debug, Clone, FromRow)]
pub struct InvitationRecord {
    pub id: String,
    pub email: String,
    pub role_id: String,
    pub role: String,
    pub message: Option<String>,
    pub user_id: Option<String>,
    pub status: String,
    pub expires_at: i64,
}

const SELECT_RECORD: &str = "SELECT i.id, i.email, i.role_id, r.name AS role, i.message, i.user_id, i.status, i.expires_at
     FROM invitations i JOIN roles r ON r.id = i.role_id";

/// The organization's invitation `id`, read inside the transaction.
pub async fn load(tx: &mut OrgTx, id: &str) -> Result<Option<InvitationRecord>, sqlx::Error> {
    let sql = Sql::new(format!("{SELECT_RECORD} WHERE i.id = $1 AND i.org_id = $2")).bind(id).bind(tx.id());
    tx.exec().fetch_optional(sql).await
}

/// The newest invitation standing for the organization's pending user `user_id`.
pub async fn latest_for_user(tx: &mut OrgTx, user_id: &str) -> Result<Option<InvitationRecord>, sqlx::Error> {
    let sql = Sql::new(format!("{SELECT_RECORD} WHERE i.user_id = $1 AND i.org_id = $2 ORDER BY i.created_at DESC, i.id DESC LIMIT 1"))
        .bind(user_id)
        .bind(tx.id());
    tx.exec().fetch_optional(sql).await
}

pub struct NewRow<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub role_id: &'a str,
    pub message: Option<&'a str>,
    pub invited_by: &'a str,
    pub user_id: &'a str,
    pub token_hash: &'a str,
    pub expires_at: i64,
}

pub async fn insert(tx: &mut OrgTx, row: &NewRow<'_>, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO invitations (id, org_id, email, email_key, role_id, message, invited_by, user_id, token_hash,
                                  status, delivery_status, expires_at, created_at, updated_at)
         SELECT $1, $2, $3, $4, r.id, $6, $7, $8, $9, 'pending', 'queued', $10, $11, $11
         FROM roles r WHERE r.id = $5 AND r.org_id = $2",
    )
    .bind(row.id)
    .bind(tx.id())
    .bind(row.email)
    .bind(key(row.email))
    .bind(row.role_id)
    .bind(row.message)
    .bind(row.invited_by)
    .bind(row.user_id)
    .bind(row.token_hash)
    .bind(row.expires_at)
    .bind(now);
    tx.exec().execute(sql).await.map(|_| ())
}

/// A new link for the invitation: the old token's hash is replaced (its link dies with it), a
/// new expiry set, and the email queued again.
/// False when it is no longer pending (accepted, declined or cancelled meanwhile: on Postgres a
/// concurrent accept may commit between our read and this write).
pub async fn renew(tx: &mut OrgTx, id: &str, token_hash: &str, expires_at: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE invitations SET token_hash = $1, expires_at = $2, status = 'pending', delivery_status = 'queued',
             delivery_error = NULL, updated_at = $3
         WHERE id = $4 AND org_id = $5 AND status = 'pending'",
    )
    .bind(token_hash)
    .bind(expires_at)
    .bind(now)
    .bind(id)
    .bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

/// Ends a pending invitation (`cancelled`, `declined` or `accepted`); false when it was no
/// longer pending (someone else ended it first).
pub async fn end(tx: &mut OrgTx, id: &str, status: InvitationStatus, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new("UPDATE invitations SET status = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND status = 'pending'")
        .bind(status.key())
        .bind(now)
        .bind(id)
        .bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

/// An invitation found by its link, with what the invitee's page shows.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    pub id: String,
    pub org_id: String,
    pub organization: String,
    pub inviter: Option<String>,
    pub email: String,
    pub role: String,
    pub message: Option<String>,
    pub user_id: Option<String>,
    /// The pending account's status now (`None` once it is deleted).
    pub invitee_status: Option<String>,
    pub status: String,
    pub expires_at: i64,
}

/// The invitation whose token hashes to `token_hash`, in whichever organization holds it.
pub async fn find_by_token(gate: &InviteGate, token_hash: &str) -> Result<Option<LinkRow>, sqlx::Error> {
    let sql = Sql::new(
        "SELECT i.id, i.org_id, o.name AS organization, u.name AS inviter, i.email, r.name AS role, i.message,
                i.user_id, iu.status AS invitee_status, i.status, i.expires_at
         FROM invitations i
         JOIN organizations o ON o.id = i.org_id
         JOIN roles r ON r.id = i.role_id
         LEFT JOIN users u ON u.id = i.invited_by
         LEFT JOIN users iu ON iu.id = i.user_id AND iu.org_id = i.org_id
         WHERE i.token_hash = $1",
    )
    .bind(token_hash);
    gate.exec().fetch_optional(sql).await
}

/// Ends the pending, unexpired invitation whose token hashes to `token_hash` (`accepted` or
/// `declined`); false when another request ended it, or a resend replaced the token, first.
/// Of two requests with one link, exactly one gets true.
pub async fn settle_link(tx: &mut OrgTx, token_hash: &str, status: InvitationStatus, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE invitations SET status = $1, updated_at = $2
         WHERE token_hash = $3 AND org_id = $4 AND status = 'pending' AND expires_at > $2",
    )
    .bind(status.key())
    .bind(now)
    .bind(token_hash)
    .bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

/// Cancels the pending invitations standing for the organization's user `user_id`; returns
/// their ids.
pub async fn cancel_for_user(tx: &mut OrgTx, user_id: &str, now: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE invitations SET status = 'cancelled', updated_at = $1
         WHERE user_id = $2 AND org_id = $3 AND status = 'pending' RETURNING id",
    )
    .bind(now)
    .bind(user_id)
    .bind(tx.id());
    tx.exec().scalars(sql).await
}

/// A pending invitation sent by someone, as ending it for its inviter needs it.
#[derive(Debug, Clone, FromRow)]
pub struct SentRow {
    pub id: String,
    pub invited_by: String,
    pub email: String,
    pub role_id: String,
    pub user_id: Option<String>,
}

/// The pending invitations (expired ones too) that the organization's users `inviter_ids`
/// sent, oldest first (found by the partial index `invitations_by_inviter`).
pub async fn pending_sent_by(tx: &mut OrgTx, inviter_ids: &[String]) -> Result<Vec<SentRow>, sqlx::Error> {
    if inviter_ids.is_empty() {
        return Ok(Vec::new());
    }
    // The CAST keeps SQLite's planner (no statistics) on the inviter index rather than on the
    // organization's pending invitations (see `users::…::load_targets`).
    let mut sql = Sql::new("SELECT id, invited_by, email, role_id, user_id FROM invitations WHERE CAST(org_id AS TEXT) = $1 AND status = 'pending' AND invited_by").bind(tx.id());
    sql.push_in(inviter_ids).push(" ORDER BY created_at, id");
    tx.exec().fetch_all(sql).await
}

/// Cancels the pending invitation `id`, saying why (`end_reason`); false when it had ended.
pub async fn cancel_with_reason(tx: &mut OrgTx, id: &str, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE invitations SET status = 'cancelled', end_reason = $1, updated_at = $2
         WHERE id = $3 AND org_id = $4 AND status = 'pending'",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(tx.id());
    Ok(tx.exec().execute(sql).await? == 1)
}

/// Gives the pending invitation `id` the token hash of the link its email is about to carry,
/// unless a newer email (a resend) replaced the one queued at `mail_created_at`. False when
/// the email should not go.
pub async fn mint(tx: &mut Tx, id: &str, token_hash: &str, mail_created_at: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE invitations SET token_hash = $1, updated_at = $2
         WHERE id = $3 AND status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.invitation_id = $3 AND o.created_at > $4)",
    )
    .bind(token_hash)
    .bind(now)
    .bind(id)
    .bind(mail_created_at);
    Ok(tx.exec().execute(sql).await? == 1)
}
