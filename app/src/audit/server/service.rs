//! Writing audit events, inside the transaction of the change they describe (the event and
//! the change commit together or not at all), and reading them back: the Audit Log's pages,
//! verification of the chain, retention.

use super::chain::{self, Finding, Verifier};
use super::repo::{self, EventRow};
use crate::audit::types::{action_label, AuditActor, AuditEntry, AuditList, AuditQuery, AUDIT_PAGE_SIZE};
use crate::auth::server::guard::capability::{Operator, OrgDb, OrgTx, Permit};
use crate::error::AppError;
use crate::live::types::Topic;
use crate::server::client::ClientInfo;
use crate::server::cursor;
use crate::server::ids::{new_id, now_ms};
use serde_json::Value;

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Person { id: &'a str, email: &'a str, name: &'a str },
    /// A `roster` command on the server, named as typed ("roster user unlock").
    CommandLine(&'static str),
    System,
}

/// One entry of the audit trail. The target's label (an email, say) is kept as text, so the
/// event still says who it was about after the target is deleted.
pub struct AuditEvent<'a> {
    pub actor: Actor<'a>,
    /// Where the actor was: the request's address and device (none from the command line).
    pub client: Option<ClientInfo>,
    /// A key of `audit::types::ACTIONS`: `user.updated`, `user.deactivated`…
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: &'a str,
    pub target_label: &'a str,
    /// What changed, as a JSON object.
    pub details: Value,
}

impl<'a> AuditEvent<'a> {
    /// An event about a user, acted on by the permit's holder from the request being answered.
    /// Within a bulk job, the event carries the job's id (`details.job`) and the address the
    /// job was started from.
    pub fn on_user(permit: &'a Permit, action: &'static str, user_id: &'a str, email: &'a str, mut details: Value) -> Self {
        if let (Some(job), Some(fields)) = (permit.job_id(), details.as_object_mut()) {
            fields.insert("job".into(), Value::String(job.to_owned()));
        }
        AuditEvent {
            actor: Actor::Person { id: permit.user_id(), email: permit.user_email(), name: permit.user_name() },
            client: Some(permit.client()),
            action,
            target_type: "user",
            target_id: user_id,
            target_label: email,
            details,
        }
    }
}

/// Writes `event` in the transaction's organization, as part of the change it records, as the
/// next link of the organization's chain. The transaction's events are gathered and written
/// just before it commits (or a hundred at a time): the head of the chain is read once a
/// transaction, and a bulk job's chunk of two hundred users writes two statements, not six
/// hundred. Nothing in a transaction reads its own events back, so none notices the wait.
pub async fn record(tx: &mut OrgTx, event: AuditEvent<'_>) -> Result<(), sqlx::Error> {
    announce(tx, &event);
    let (kind, actor_id, email, name) = match event.actor {
        Actor::Person { id, email, name } => ("person", Some(id.to_owned()), email.to_owned(), name.to_owned()),
        Actor::CommandLine(command) => ("cli", None, command.to_owned(), "Command line".to_owned()),
        Actor::System => ("system", None, String::new(), "Roster".to_owned()),
    };
    let (last, prev) = match tx.slot::<Gathered>().head.clone() {
        Some(head) => head,
        None => {
            tx.before_commit(|tx| Box::pin(write_gathered(tx)));
            repo::hold_head(tx).await?
        }
    };
    let mut row = EventRow {
        id: new_id(),
        org_id: tx.id().to_owned(),
        seq: last + 1,
        actor_kind: kind.to_owned(),
        actor_id,
        actor_email: email,
        actor_name: name,
        action: event.action.to_owned(),
        target_type: event.target_type.to_owned(),
        target_id: Some(event.target_id.to_owned()),
        target_label: event.target_label.to_owned(),
        details: event.details.to_string(),
        ip_address: event.client.as_ref().map(|c| c.ip_address.clone()),
        device: event.client.as_ref().map(ClientInfo::device),
        created_at: now_ms(),
        prev_hash: Some(prev.clone()),
        hash: None,
    };
    let hash = chain::link_hash(&row, &prev);
    row.hash = Some(hash.clone());
    let gathered = tx.slot::<Gathered>();
    gathered.head = Some((row.seq, hash));
    gathered.rows.push(row);
    if gathered.rows.len() >= repo::INSERT_BATCH {
        let rows = std::mem::take(&mut gathered.rows);
        repo::insert_many(tx, &rows).await?;
    }
    Ok(())
}

/// A transaction's events not yet written, and the chain's head after the last of them.
#[derive(Default)]
struct Gathered {
    head: Option<(i64, String)>,
    rows: Vec<EventRow>,
}

/// Writes the transaction's gathered events and moves the chain's head to the last.
async fn write_gathered(tx: &mut OrgTx) -> Result<(), sqlx::Error> {
    let gathered = tx.slot::<Gathered>();
    let rows = std::mem::take(&mut gathered.rows);
    let head = gathered.head.clone();
    repo::insert_many(tx, &rows).await?;
    match head {
        Some((seq, hash)) => repo::set_head(tx, seq, &hash).await,
        None => Ok(()),
    }
}

/// What the change an event records means for the live lists, told once it commits: the Audit
/// Log has a row; a person acted on may have lost a session or a permission (their streams
/// look again); the Sessions and Invitations lists change with their own events.
fn announce(tx: &mut OrgTx, event: &AuditEvent<'_>) {
    tx.announce(Topic::Audit);
    if event.target_type == "user" {
        tx.announce_to(Topic::Account, event.target_id);
    }
    let area = event.action.split('.').next().unwrap_or_default();
    match area {
        "session" | "sessions" => tx.announce(Topic::Sessions),
        "invitation" => tx.announce(Topic::Invitations),
        // Deleting or deactivating someone ends their sessions and cancels their invitation.
        "user" if matches!(event.action, "user.deleted" | "user.deactivated") => {
            tx.announce(Topic::Sessions);
            tx.announce(Topic::Invitations);
        }
        _ => {}
    }
}

/// A page of the organization's events, newest first.
pub async fn list(permit: &Permit, query: &AuditQuery) -> Result<AuditList, AppError> {
    let now = now_ms();
    let spec = repo::PageSpec {
        action: query.action,
        actor: query.actor.as_deref(),
        target: query.target.as_deref(),
        since: query.range.map(|r| now - r.millis()),
        after: query.after.as_deref().map(|c| cursor::decode("after", c)).transpose()?,
        before: query.before.as_deref().map(|c| cursor::decode("before", c)).transpose()?,
        limit: i64::try_from(AUDIT_PAGE_SIZE + 1).unwrap_or(i64::MAX),
    };
    let rows = repo::page(permit.org(), &spec).await?;
    let page = cursor::page(rows, AUDIT_PAGE_SIZE, spec.after.is_some(), spec.before.is_some(), |r: &EventRow| cursor::encode(&(r.created_at, &r.id)));
    // A person neither the organization nor its log knows is nobody here: 404, as for any
    // record of another organization.
    let subject = match query.actor.as_deref().or(query.target.as_deref()) {
        Some(id) => Some(repo::person_name(permit.org(), id).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    Ok(AuditList { events: page.rows.into_iter().map(entry).collect(), next_cursor: page.next, prev_cursor: page.prev, subject, now })
}

fn entry(row: EventRow) -> AuditEntry {
    let details: Value = serde_json::from_str(&row.details).unwrap_or(Value::Null);
    let mut changes = changes(&row.action, &details);
    // A change a bulk job made for its starter says so (the job's own event names it).
    if details.get("job").is_some() {
        changes.push("In a bulk action".to_owned());
    }
    AuditEntry {
        changes,
        action_label: action_label(&row.action),
        actor: match (row.actor_kind.as_str(), row.actor_id) {
            ("cli", _) => AuditActor::CommandLine(row.actor_email),
            ("system", _) => AuditActor::System,
            (_, id) => AuditActor::Person { id: id.unwrap_or_default(), name: row.actor_name, email: row.actor_email },
        },
        id: row.id,
        at: row.created_at,
        action: row.action,
        target_id: row.target_id,
        target_label: row.target_label,
        ip_address: row.ip_address,
        device: row.device,
    }
}

/// What an event's details say changed, a readable line each ("Role: Member → Admin").
pub fn changes(action: &str, details: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) if s.is_empty() => "(none)".to_owned(),
        Value::String(s) => s.clone(),
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    };
    let names = |v: &Value| v.as_array().map(|a| a.iter().map(text).collect::<Vec<_>>()).unwrap_or_default();
    let count = |key: &str, label: &str| details.get(key).and_then(Value::as_i64).filter(|n| *n > 0).map(|n| format!("{label}: {n}"));
    let status = |key: &str| details.get(key).map(|s| capitalized(&text(s)));
    match action {
        "user.updated" => details
            .get("changed")
            .and_then(Value::as_object)
            .map(|fields| {
                fields
                    .iter()
                    .map(|(field, pair)| {
                        let (old, new) = (pair.get(0).map(text).unwrap_or_default(), pair.get(1).map(text).unwrap_or_default());
                        format!("{}: {old} → {new}", field_label(field))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        "user.roles_changed" => {
            let (added, removed) = (names(details.get("added").unwrap_or(&Value::Null)), names(details.get("removed").unwrap_or(&Value::Null)));
            match (added.as_slice(), removed.as_slice()) {
                ([to], [from]) => vec![format!("Role: {from} → {to}")],
                _ => [("Roles added", added), ("Roles removed", removed)]
                    .into_iter()
                    .filter(|(_, r)| !r.is_empty())
                    .map(|(label, r)| format!("{label}: {}", r.join(", ")))
                    .collect(),
            }
        }
        "user.deactivated" => ["Status: Active → Inactive".to_owned()]
            .into_iter()
            .chain(count("sessions_ended", "Sessions ended"))
            .chain(count("invitations_cancelled", "Invitations cancelled"))
            .collect(),
        "user.activated" => status("status").map(|s| format!("Status: Inactive → {s}")).into_iter().collect(),
        "user.deleted" => status("status").map(|s| format!("Status was {s}")).into_iter().collect(),
        "user.unlocked" => vec!["Lock lifted".to_owned()],
        "bulk.started" => details.get("title").map(text).into_iter().collect(),
        "invitation.sent" | "invitation.accepted" => details.get("role").map(|r| format!("Role: {}", text(r))).into_iter().collect(),
        "invitation.cancelled" => details.get("reason").map(|r| format!("Reason: {}", text(r))).into_iter().collect(),
        "session.revoked" => details.get("device").map(|d| format!("Device: {}", text(d))).into_iter().collect(),
        "user.password_changed" | "sessions.revoked_all" | "sessions.signed_out_elsewhere" => count("sessions_ended", "Sessions ended").into_iter().collect(),
        _ => Vec::new(),
    }
}

fn field_label(field: &str) -> String {
    match field {
        "job_title" => "Job title".into(),
        "time_zone" => "Time zone".into(),
        other => capitalized(other),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Walks the organization's chain from its start (or where retention pruned it to), a batch
/// at a time, and says whether every link holds or where the first one breaks.
pub async fn verify(org: &OrgDb) -> Result<(Finding, u64), sqlx::Error> {
    const BATCH: i64 = 5_000;
    let Some(head) = repo::chain_head(org).await? else {
        return Ok((Finding::Intact { events: 0, head: String::new() }, 0));
    };
    let mut after = head.pruned_to;
    let mut verifier = Verifier::new(head);
    loop {
        let rows = repo::events_after(org, after, BATCH).await?;
        verifier.check(&rows);
        match rows.last() {
            Some(last) if !verifier.is_broken() && rows.len() as i64 == BATCH => after = last.seq,
            _ => break,
        }
    }
    let unsealed = verifier.unsealed;
    Ok((verifier.finish(), unsealed))
}

/// Retention: deletes, in batches, each organization's events written before `cutoff`,
/// oldest first; answers how many.
pub async fn prune(op: &Operator, cutoff: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    for org_id in repo::chained_orgs(op).await? {
        let org = op.org(&org_id);
        total += crate::server::batches::delete_in_batches(|batch| repo::prune_batch(&org, cutoff, batch)).await?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_as_sentences() {
        let edit = json!({ "changed": { "name": ["Ana", "Ana María"], "job_title": ["", "Engineer"] } });
        assert_eq!(changes("user.updated", &edit), ["Job title: (none) → Engineer", "Name: Ana → Ana María"]);
        assert_eq!(changes("user.roles_changed", &json!({ "added": ["Admin"], "removed": ["Member"] })), ["Role: Member → Admin"]);
        assert_eq!(changes("user.roles_changed", &json!({ "added": ["Admin", "Owner"], "removed": [] })), ["Roles added: Admin, Owner"]);
        let off = json!({ "status": "inactive", "sessions_ended": 2, "invitations_cancelled": 0 });
        assert_eq!(changes("user.deactivated", &off), ["Status: Active → Inactive", "Sessions ended: 2"]);
        assert_eq!(changes("user.activated", &json!({ "status": "pending" })), ["Status: Inactive → Pending"]);
        assert!(changes("user.teleported", &json!({ "x": 1 })).is_empty());
    }
}
