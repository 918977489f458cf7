//! The outbox: mail is queued in the transaction of the change that causes it, and a worker in
//! every server process sends what is due. A worker holds a message by a lease while it sends;
//! one that dies mid-send leaves its lease to run out, and another worker sends the message
//! again: a crash can cause one duplicate, never a loss. Failed attempts are retried with
//! exponential backoff for about a day.

use super::repo::{self, ClaimedMail, NewMail};
use super::transport::Transport;
use crate::auth::server::guard::capability::{Mailroom, OrgTx};
use crate::server::ids::{new_id, now_ms};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

pub use super::message::{invitation, InvitationMail, Rendered};

use super::message::{escape_html, LINK_MARKER};
use crate::invitations::server::service::mint::mint_link;

/// How long a worker holds a message it is sending; past it, another may take it.
const LEASE: Duration = Duration::from_secs(120);
/// Messages claimed and sent at once.
const BATCH: i64 = 20;
/// How often an idle worker looks for due mail queued by another process.
const POLL: Duration = Duration::from_secs(1);
/// The first retry comes this long after a failure; each next one twice as long.
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LONGEST_RETRY: Duration = Duration::from_secs(4 * 3600);
/// No attempt is made later than this after the message was queued.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Wakes this process's worker: mail was just committed.
static WAKE: Notify = Notify::const_new();

/// A message for `to` caused by `sent_by`, about an invitation.
pub struct Outgoing<'a> {
    pub invitation_id: &'a str,
    pub sent_by: &'a str,
    pub to: &'a str,
    pub rendered: &'a Rendered,
}

/// Queues `mail` in the organization's transaction. Call [`wake`] once it commits.
pub async fn enqueue(tx: &mut OrgTx, mail: &Outgoing<'_>) -> Result<(), sqlx::Error> {
    let id = new_id();
    let row = NewMail {
        id: &id,
        invitation_id: Some(mail.invitation_id),
        sent_by: Some(mail.sent_by),
        to_address: mail.to,
        subject: &mail.rendered.subject,
        body_text: &mail.rendered.text,
        body_html: &mail.rendered.html,
    };
    repo::enqueue(tx, &row, now_ms()).await
}

pub use repo::{cancel_for_invitation, count_by_sender_since, count_to_recipient_since};

/// Tells this process's worker that mail is waiting.
pub fn wake() {
    WAKE.notify_one();
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The wait before the next attempt, after `attempts` failed ones: 30 s, 1 min, 2 min, … up to
/// 4 h.
pub fn retry_delay(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY.saturating_mul(2u32.saturating_pow(doublings)).min(LONGEST_RETRY)
}

/// When to try again after `attempts` failed ones, or `None` once that would be more than a day
/// after the message was queued.
pub fn next_attempt(created_at: i64, attempts: i64, now: i64) -> Option<i64> {
    let at = now.saturating_add(ms(retry_delay(attempts)));
    (at <= created_at.saturating_add(ms(GIVE_UP_AFTER))).then_some(at)
}

/// Claims one batch of due mail and sends it; returns how many messages it took.
pub async fn send_due(room: &Mailroom, transport: &Arc<Transport>) -> Result<usize, sqlx::Error> {
    send_due_until(room, transport, std::future::pending()).await
}

/// [`send_due`], cut short when `cut` completes: the sends still in flight are dropped and
/// their messages released (see [`repo::release`]).
pub async fn send_due_until(room: &Mailroom, transport: &Arc<Transport>, cut: impl Future<Output = ()>) -> Result<usize, sqlx::Error> {
    let now = now_ms();
    let claimed = repo::claim_due(room, now, now + ms(LEASE), BATCH).await?;
    let count = claimed.len();
    let mut sending = tokio::task::JoinSet::new();
    // Claims held and not yet settled: what a cut releases.
    let mut unsettled: Vec<(String, i64)> = Vec::new();
    // Every send finishes and is recorded, even when preparing or recording another fails:
    // returning early would drop the set and abort sends in flight. A message that could not
    // be prepared keeps its claim, whose lease runs out: it is tried again, later.
    let mut failure = None;
    for mut mail in claimed {
        match prepare(room, &mut mail).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(err) => {
                tracing::error!(mail = %mail.id, %err, "could not prepare a message; its lease will run out and it is tried again");
                failure = Some(err);
                continue;
            }
        }
        unsettled.push((mail.id.clone(), mail.lease_until));
        let transport = Arc::clone(transport);
        sending.spawn(async move {
            let result = transport.send(&mail).await;
            (mail, result)
        });
    }
    tokio::pin!(cut);
    loop {
        let joined = tokio::select! {
            biased;
            joined = sending.join_next() => joined,
            () = &mut cut => {
                sending.abort_all();
                release(room, &unsettled).await;
                break;
            }
        };
        let Some(joined) = joined else { break };
        let Ok((mail, result)) = joined else { continue };
        unsettled.retain(|(id, _)| *id != mail.id);
        if let Err(err) = settle(room, &mail, result).await {
            tracing::error!(mail = %mail.id, %err, "could not record what became of a message; its lease will run out and it is sent again");
            failure = Some(err);
        }
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(count),
    }
}

/// Puts a fresh link into an invitation's message (true), or records it cancelled when its
/// invitation ended or a resend replaced it (false: not to be sent).
async fn prepare(room: &Mailroom, mail: &mut ClaimedMail) -> Result<bool, sqlx::Error> {
    let Some(invitation_id) = mail.invitation_id.clone() else { return Ok(true) };
    match mint_link(room, &invitation_id, mail.created_at).await? {
        Some(link) => {
            mail.body_text = mail.body_text.replace(LINK_MARKER, &link);
            mail.body_html = mail.body_html.replace(LINK_MARKER, &escape_html(&link));
            Ok(true)
        }
        None => {
            repo::mark_cancelled(room, mail).await?;
            Ok(false)
        }
    }
}

/// Lets go of claims whose sends were cut. One that cannot be released (the database is down)
/// keeps its lease, which runs out: the message is still sent, later.
async fn release(room: &Mailroom, claims: &[(String, i64)]) {
    for (id, lease_until) in claims {
        match repo::release(room, id, *lease_until).await {
            Ok(()) => tracing::warn!(mail = %id, "stopping: released a message not yet sent, for another worker or the next start"),
            Err(err) => tracing::error!(mail = %id, %err, "stopping: could not release a message; it is sent once its lease runs out"),
        }
    }
}

async fn settle(room: &Mailroom, mail: &ClaimedMail, result: Result<(), super::transport::SendError>) -> Result<(), sqlx::Error> {
    let now = now_ms();
    match result {
        Ok(()) => {
            metrics::counter!("roster_mail_sent_total").increment(1);
            tracing::info!(mail = %mail.id, attempts = mail.attempts, "mail sent");
            repo::mark_sent(room, mail, now).await
        }
        Err(error) => {
            let retry_at = if error.permanent { None } else { next_attempt(mail.created_at, mail.attempts, now) };
            let message: String = error.message.chars().take(500).collect();
            metrics::counter!("roster_mail_send_failures_total", "permanent" => if error.permanent { "true" } else { "false" }).increment(1);
            tracing::warn!(mail = %mail.id, attempts = mail.attempts, error = %message, retry = retry_at.is_some(), "mail not sent");
            repo::mark_failed_attempt(room, mail, &message, retry_at, now).await
        }
    }
}

/// What waits in the outbox: how many messages, and how long the oldest has waited.
pub struct Queue {
    pub depth: i64,
    pub oldest_age_ms: i64,
}

pub async fn queue(room: &Mailroom) -> Result<Queue, sqlx::Error> {
    let (depth, oldest) = repo::queued(room).await?;
    Ok(Queue { depth, oldest_age_ms: oldest.map_or(0, |created| (now_ms() - created).max(0)) })
}

/// The worker: sends due mail until `shutdown` completes. It wakes when this process queues
/// mail, and otherwise looks every second for mail queued elsewhere or due for a retry. A
/// database error is logged and waited out. Once `shutdown` completes it claims nothing more:
/// the batch in hand has `grace` to go out, and what has not gone by then is released, for
/// another worker or the next start to send at once rather than when its lease runs out.
pub async fn run(room: Mailroom, transport: Transport, shutdown: impl Future<Output = ()>, grace: Duration) {
    let transport = Arc::new(transport);
    let (stop, stopping) = watch::channel(false);
    let stopped = || {
        let mut stopping = stopping.clone();
        async move {
            // Err only if `stop` is dropped, which outlives this.
            let _ = stopping.wait_for(|stopped| *stopped).await;
        }
    };
    let worker = async {
        while !*stopping.borrow() {
            let cut = async {
                stopped().await;
                tokio::time::sleep(grace).await;
            };
            let busy = match send_due_until(&room, &transport, cut).await {
                Ok(n) => n > 0,
                Err(err) => {
                    tracing::error!(%err, "outbox worker: database error");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                () = stopped() => {}
                () = WAKE.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    };
    let signal = async {
        shutdown.await;
        let _ = stop.send(true);
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = worker => {}
        () = signal => {}
    }
    tracing::info!("outbox worker stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_thirty_seconds_and_stop_after_a_day() {
        assert_eq!(retry_delay(1), Duration::from_secs(30));
        assert_eq!(retry_delay(2), Duration::from_secs(60));
        assert_eq!(retry_delay(5), Duration::from_secs(480));
        assert_eq!(retry_delay(40), LONGEST_RETRY);
        let day = ms(GIVE_UP_AFTER);
        assert_eq!(next_attempt(0, 1, 0), Some(30_000));
        assert_eq!(next_attempt(0, 12, day - ms(LONGEST_RETRY)), Some(day));
        assert_eq!(next_attempt(0, 12, day - ms(LONGEST_RETRY) + 1), None);
        // How many attempts a day holds: about fourteen.
        let (mut now, mut attempts) = (0, 1);
        while let Some(at) = next_attempt(0, attempts, now) {
            now = at;
            attempts += 1;
        }
        assert!((12..=16).contains(&attempts), "{attempts}");
    }
}
