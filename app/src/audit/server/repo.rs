//! SQL for the audit trail: writing an event onto its organization's chain, the Audit Log's
//! pages, and the walks of verification and retention.

use crate::auth::server::guard::capability::{Operator, OrgDb, OrgTx};
use crate::server::db::Dialect;
use crate::server::sql::Sql;

pub use super::chain::{ChainHead, EventRow};

const COLUMNS: &str = "id, org_id, seq, actor_kind, actor_id, actor_email, actor_name, action, target_type, target_id, \
                       target_label, details, ip_address, device, created_at, prev_hash, hash";

/// Holds the head of the transaction's organization's chain: the number and hash of its last
/// event. Its row stays locked until the transaction ends, so the organization's events are
/// chained one transaction at a time, in the order they commit.
pub async fn hold_head(tx: &mut OrgTx) -> Result<(i64, String), sqlx::Error> {
    let org_id = tx.id().to_owned();
    let take = || Sql::new("UPDATE audit_chains SET seq = seq WHERE org_id = $1 RETURNING seq, hash").bind(org_id.as_str());
    if let Some(head) = tx.exec().fetch_optional::<(i64, String)>(take()).await? {
        return Ok(head);
    }
    // The organization's first event since the chain began (organizations made later have no
    // head yet); another transaction may be making it at the same time.
    let start = Sql::new("INSERT INTO audit_chains (org_id, seq, hash, sealed_from) VALUES ($1, 0, '', 1) ON CONFLICT (org_id) DO NOTHING");
    tx.exec().execute(start.bind(org_id.as_str())).await?;
    tx.exec().fetch_one(take()).await
}

/// Events written by one statement at most (17 values each, far under either database's
/// limit on bound values).
pub const INSERT_BATCH: usize = 100;

/// Writes `rows` (their chain fields set, in order) in statements of [`INSERT_BATCH`].
pub async fn insert_many(tx: &mut OrgTx, rows: &[EventRow]) -> Result<(), sqlx::Error> {
    for batch in rows.chunks(INSERT_BATCH) {
        let mut sql = Sql::new(format!("INSERT INTO audit_events ({COLUMNS}) VALUES "));
        for (i, row) in batch.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.push_bind(row.id.as_str()).push(", ").push_bind(row.org_id.as_str()).push(", ").push_bind(row.seq).push(", ");
            sql.push_bind(row.actor_kind.as_str()).push(", ").push_bind(row.actor_id.clone()).push(", ");
            sql.push_bind(row.actor_email.as_str()).push(", ").push_bind(row.actor_name.as_str()).push(", ");
            sql.push_bind(row.action.as_str()).push(", ").push_bind(row.target_type.as_str()).push(", ");
            sql.push_bind(row.target_id.clone()).push(", ").push_bind(row.target_label.as_str()).push(", ");
            sql.push_bind(row.details.as_str()).push(", ").push_bind(row.ip_address.clone()).push(", ");
            sql.push_bind(row.device.clone()).push(", ").push_bind(row.created_at).push(", ");
            sql.push_bind(row.prev_hash.clone()).push(", ").push_bind(row.hash.clone()).push(")");
        }
        tx.exec().execute(sql).await?;
    }
    Ok(())
}

/// Moves the chain's head to the event `seq` whose hash is `hash`.
pub async fn set_head(tx: &mut OrgTx, seq: i64, hash: &str) -> Result<(), sqlx::Error> {
    let sql = Sql::new("UPDATE audit_chains SET seq = $1, hash = $2 WHERE org_id = $3").bind(seq).bind(hash).bind(tx.id());
    tx.exec().execute(sql).await.map(|_| ())
}

/// What a page of the Audit Log asks for.
pub struct PageSpec<'a> {
    pub action: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub target: Option<&'a str>,
    /// Only events at or after this time.
    pub since: Option<i64>,
    /// (time, id) of the row the page starts after, newest first…
    pub after: Option<(i64, String)>,
    /// …or ends before (read oldest first, then turned round).
    pub before: Option<(i64, String)>,
    pub limit: i64,
}

/// A page of the organization's events, newest first, by keyset on (created_at, id). Each
/// filter has an index that leads with the organization and ends with the keyset's columns
/// (`audit_events_by_org`, `…_by_target`, `…_by_actor`, `…_by_action`): a page is one index
/// range, at ten million events as at ten.
pub async fn page(org: &OrgDb, spec: &PageSpec<'_>) -> Result<Vec<EventRow>, sqlx::Error> {
    let mut sql = Sql::new(format!("SELECT {COLUMNS} FROM audit_events "));
    // SQLite keeps no statistics: a person's history is the narrow range, whatever the action
    // filter says (an action's range can be most of the log).
    if org.dialect() == Dialect::Sqlite {
        match (spec.target, spec.actor) {
            (Some(_), _) => sql.push("INDEXED BY audit_events_by_target "),
            (None, Some(_)) => sql.push("INDEXED BY audit_events_by_actor "),
            (None, None) => &mut sql,
        };
    }
    sql.push("WHERE org_id = ").push_bind(org.id());
    if let Some(target) = spec.target {
        sql.push(" AND target_id = ").push_bind(target);
    }
    if let Some(actor) = spec.actor {
        sql.push(" AND actor_id = ").push_bind(actor);
    }
    if let Some(action) = spec.action {
        sql.push(" AND action = ").push_bind(action);
    }
    if let Some(since) = spec.since {
        sql.push(" AND created_at >= ").push_bind(since);
    }
    sql.push_newest_first("created_at", spec.after.as_ref(), spec.before.as_ref(), spec.limit);
    org.exec().fetch_all(sql).await
}

/// The name the log shows for a person filtered by: theirs now, or, once deleted, the label
/// of the latest event about them (or by them).
pub async fn person_name(org: &OrgDb, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = Sql::new("SELECT name FROM users WHERE org_id = $1 AND id = $2").bind(org.id()).bind(user_id);
    if let Some(name) = org.exec().optional_scalar::<String>(sql).await? {
        return Ok(Some(name));
    }
    for column in ["target", "actor"] {
        let (label, id) = if column == "target" { ("target_label", "target_id") } else { ("actor_name", "actor_id") };
        let sql = Sql::new(format!("SELECT {label} FROM audit_events WHERE org_id = $1 AND {id} = $2 ORDER BY created_at DESC, id DESC LIMIT 1"));
        if let Some(name) = org.exec().optional_scalar::<String>(sql.bind(org.id()).bind(user_id)).await? {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

pub async fn chain_head(org: &OrgDb) -> Result<Option<ChainHead>, sqlx::Error> {
    let sql = Sql::new("SELECT seq, hash, sealed_from, pruned_to, pruned_hash FROM audit_chains WHERE org_id = $1").bind(org.id());
    org.exec().fetch_optional(sql).await
}

/// Up to `limit` of the organization's events after place `after`, in chain order.
pub async fn events_after(org: &OrgDb, after: i64, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let sql = Sql::new(format!("SELECT {COLUMNS} FROM audit_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"));
    org.exec().fetch_all(sql.bind(org.id()).bind(after).bind(limit)).await
}

/// The organizations whose chains retention may shorten.
pub async fn chained_orgs(op: &Operator) -> Result<Vec<String>, sqlx::Error> {
    op.exec().scalars(Sql::new("SELECT org_id FROM audit_chains ORDER BY org_id")).await
}

/// Retention: deletes up to `batch` of the organization's oldest events written before
/// `cutoff`, in chain order, and records on the head the place and hash of the last one
/// deleted, so that verification still starts from a known link. How many were deleted.
pub async fn prune_batch(org: &OrgDb, cutoff: i64, batch: i64) -> Result<u64, sqlx::Error> {
    let mut tx = org.begin_write().await?;
    let head = Sql::new("SELECT pruned_to FROM audit_chains WHERE org_id = $1").bind(org.id());
    let Some(pruned_to) = tx.exec().optional_scalar::<i64>(head).await? else { return Ok(0) };
    let oldest = Sql::new("SELECT seq, created_at, hash FROM audit_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
    let rows: Vec<(i64, i64, Option<String>)> = tx.exec().fetch_all(oldest.bind(org.id()).bind(pruned_to).bind(batch)).await?;
    // The oldest run written before the cutoff; the first newer event ends it.
    let Some((last, _, hash)) = rows.iter().take_while(|(_, at, _)| *at < cutoff).last().cloned() else { return Ok(0) };
    let delete = Sql::new("DELETE FROM audit_events WHERE org_id = $1 AND seq > $2 AND seq <= $3");
    let deleted = tx.exec().execute(delete.bind(org.id()).bind(pruned_to).bind(last)).await?;
    let record = Sql::new("UPDATE audit_chains SET pruned_to = $1, pruned_hash = $2 WHERE org_id = $3");
    tx.exec().execute(record.bind(last).bind(hash.unwrap_or_default()).bind(org.id())).await?;
    tx.commit().await?;
    Ok(deleted)
}
