//! SQL for the email outbox. Tenant code queues and cancels mail through its organization's
//! transaction; the worker claims and settles it through the [`Mailroom`].

use crate::auth::server::guard::capability::{Mailroom, OrgTx};
use crate::live::types::Topic;
use crate::server::db::Dialect;
use crate::server::ids::key;
use crate::server::sql::Sql;
use sqlx::FromRow;

/// A message to queue, already rendered.
pub struct NewMail<'a> {
    pub id: &'a str,
    pub invitation_id: Option<&'a str>,
    pub sent_by: Option<&'a str>,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
}

/// A message a worker holds: what sending it needs.
#[derive(Debug, Clone, FromRow)]
pub struct ClaimedMail {
    pub id: String,
    pub org_id: String,
    pub invitation_id: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i64,
    pub created_at: i64,
    /// The lease this claim holds: settling checks it is still ours.
    pub lease_until: i64,
}

/// Queues a message in the organization's transaction: it exists if and only if that commits.
pub async fn enqueue(tx: &mut OrgTx, mail: &NewMail<'_>, now: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "INSERT INTO email_outbox (id, org_id, invitation_id, sent_by, to_address, to_key, subject, body_text, body_html,
                                   status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $10)",
    )
    .bind(mail.id)
    .bind(tx.id())
    .bind(mail.invitation_id)
    .bind(mail.sent_by)
    .bind(mail.to_address)
    .bind(key(mail.to_address))
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(mail.body_html)
    .bind(now);
    tx.exec().execute(sql).await.map(|_| ())
}

/// Cancels the invitation's mail not sent yet, and forgets its bodies (they hold a dead link).
pub async fn cancel_for_invitation(tx: &mut OrgTx, invitation_id: &str) -> Result<u64, sqlx::Error> {
    let sql = Sql::new(
        "UPDATE email_outbox SET status = 'cancelled', body_text = '', body_html = '', lease_until = NULL
         WHERE invitation_id = $1 AND org_id = $2 AND status = 'queued'",
    )
    .bind(invitation_id)
    .bind(tx.id());
    tx.exec().execute(sql).await
}

/// Messages queued to this address in the organization since `since` (sent or not).
pub async fn count_to_recipient_since(tx: &mut OrgTx, address: &str, since: i64) -> Result<i64, sqlx::Error> {
    let sql = Sql::new("SELECT COUNT(*) FROM email_outbox WHERE org_id = $1 AND to_key = $2 AND created_at > $3")
        .bind(tx.id())
        .bind(key(address))
        .bind(since);
    tx.exec().scalar(sql).await
}

/// Messages this user caused in the organization since `since`.
pub async fn count_by_sender_since(tx: &mut OrgTx, user_id: &str, since: i64) -> Result<i64, sqlx::Error> {
    let sql = Sql::new("SELECT COUNT(*) FROM email_outbox WHERE sent_by = $1 AND org_id = $2 AND created_at > $3")
        .bind(user_id)
        .bind(tx.id())
        .bind(since);
    tx.exec().scalar(sql).await
}

/// How many messages are queued, and when the oldest of them was.
pub async fn queued(room: &Mailroom) -> Result<(i64, Option<i64>), sqlx::Error> {
    let sql = Sql::new("SELECT COUNT(*), MIN(created_at) FROM email_outbox WHERE status = 'queued'");
    let row: (i64, Option<i64>) = room.exec().fetch_one(sql).await?;
    Ok(row)
}

/// Takes up to `limit` due messages that no live lease holds, holding each until
/// `lease_until` and counting the attempt. On Postgres, rows another worker is claiming at this
/// moment are skipped (`FOR UPDATE SKIP LOCKED`); on SQLite the statement runs in a write
/// transaction, which no other writer shares, so its check and its update are one step.
pub async fn claim_due(room: &Mailroom, now: i64, lease_until: i64, limit: i64) -> Result<Vec<ClaimedMail>, sqlx::Error> {
    let lock = match room.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let mut sql = Sql::new(
        "UPDATE email_outbox SET lease_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM email_outbox
                      WHERE status = 'queued' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
                      ORDER BY next_attempt_at LIMIT $3",
    )
    .bind(lease_until)
    .bind(now)
    .bind(limit);
    sql.push(lock);
    sql.push(
        ") AND status = 'queued' AND (lease_until IS NULL OR lease_until <= $2)
         RETURNING id, org_id, invitation_id, to_address, subject, body_text, body_html, attempts, created_at, lease_until",
    );
    let mut tx = room.begin_write().await?;
    let claimed = tx.exec().fetch_all(sql).await?;
    tx.commit().await?;
    Ok(claimed)
}

/// The message went out: record it, forget its bodies, and mark its invitation Sent. Only while
/// this claim's lease still holds it: a worker that outlived its lease (another may have taken
/// the message since) changes nothing.
pub async fn mark_sent(room: &Mailroom, mail: &ClaimedMail, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = room.begin_write().await?;
    let sql = Sql::new(
        "UPDATE email_outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL,
             body_text = '', body_html = ''
         WHERE id = $2 AND status = 'queued' AND lease_until = $3",
    )
    .bind(now)
    .bind(&mail.id)
    .bind(mail.lease_until);
    let changed = tx.exec().execute(sql).await?;
    if changed > 0 {
        set_invitation_delivery(&mut tx, mail, "sent", None, now).await?;
    }
    tx.commit().await?;
    announce_delivery(room, mail, changed);
    Ok(())
}

/// An invitation's delivery changed: its list shows it.
fn announce_delivery(room: &Mailroom, mail: &ClaimedMail, changed: u64) {
    if changed > 0 && mail.invitation_id.is_some() {
        room.live().announce(&mail.org_id, Topic::Invitations);
    }
}

/// The attempt failed: try again at `retry_at`, or (`None`) give up, forget the bodies and
/// mark the invitation Failed. The error is kept either way.
pub async fn mark_failed_attempt(room: &Mailroom, mail: &ClaimedMail, error: &str, retry_at: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = room.begin_write().await?;
    let sql = match retry_at {
        Some(at) => Sql::new(
            "UPDATE email_outbox SET next_attempt_at = $1, lease_until = NULL, last_error = $2
             WHERE id = $3 AND status = 'queued' AND lease_until = $4",
        )
        .bind(at)
        .bind(error)
        .bind(&mail.id)
        .bind(mail.lease_until),
        None => Sql::new(
            "UPDATE email_outbox SET status = 'failed', lease_until = NULL, last_error = $1, body_text = '', body_html = ''
             WHERE id = $2 AND status = 'queued' AND lease_until = $3",
        )
        .bind(error)
        .bind(&mail.id)
        .bind(mail.lease_until),
    };
    let changed = tx.exec().execute(sql).await?;
    if changed > 0 {
        let status = if retry_at.is_some() { "queued" } else { "failed" };
        set_invitation_delivery(&mut tx, mail, status, Some(error), now).await?;
    }
    tx.commit().await?;
    announce_delivery(room, mail, changed);
    Ok(())
}

/// A claimed message that must not go (its invitation ended, or a resend replaced it):
/// cancelled, its bodies forgotten.
pub async fn mark_cancelled(room: &Mailroom, mail: &ClaimedMail) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "UPDATE email_outbox SET status = 'cancelled', lease_until = NULL, body_text = '', body_html = ''
         WHERE id = $1 AND status = 'queued' AND lease_until = $2",
    )
    .bind(&mail.id)
    .bind(mail.lease_until);
    room.exec().execute(sql).await.map(|_| ())
}

/// A claimed message this worker will not finish sending (it is shutting down): let go of it
/// now, so that another worker, or this server's next start, sends it at once instead of when
/// its lease runs out. The cut attempt is not counted.
pub async fn release(room: &Mailroom, id: &str, lease_until: i64) -> Result<(), sqlx::Error> {
    let sql = Sql::new(
        "UPDATE email_outbox SET lease_until = NULL, attempts = attempts - 1
         WHERE id = $1 AND status = 'queued' AND lease_until = $2",
    )
    .bind(id)
    .bind(lease_until);
    room.exec().execute(sql).await.map(|_| ())
}

/// Writes the invitation's delivery state, unless a newer message (a resend) has replaced
/// this one since.
async fn set_invitation_delivery(
    tx: &mut crate::server::db::Tx,
    mail: &ClaimedMail,
    status: &str,
    error: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(invitation_id) = &mail.invitation_id else { return Ok(()) };
    let sql = Sql::new(
        "UPDATE invitations SET delivery_status = $1, delivery_error = $2, updated_at = $3
         WHERE id = $4 AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.invitation_id = $4 AND o.created_at > $5)",
    )
    .bind(status)
    .bind(error)
    .bind(now)
    .bind(invitation_id.as_str())
    .bind(mail.created_at);
    tx.exec().execute(sql).await.map(|_| ())
}
