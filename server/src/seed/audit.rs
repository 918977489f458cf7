//! `--audit-events N`: a year of the organization's audit trail, for the Audit Log at scale.
//!
//! Spread evenly over the past 365 days, oldest first, so that each event's place in the chain
//! follows its time, as written events' do. The actors are fifty of the organization's Owners
//! and Admins (a few busy admins do most of the work, as in life); the targets any of its
//! people. The actions are the log's own, in the shares a busy directory sees (edits and role
//! changes most, deletions least), with the details each really records, from the office
//! addresses and browsers the sessions seed uses. Each event is linked into the organization's
//! hash chain exactly as `audit::server::service::record` links it, so `roster audit verify`
//! finds a seeded trail intact. One transaction, all or nothing.

use super::bulk::{self, Derived, ROWS_PER_STATEMENT};
use app::audit::server::chain::{link_hash, EventRow};
use app::server::db::{Db, Tx};
use app::server::sql::{Param, Sql};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::Instant;

const DAY_MS: i64 = 24 * 3600 * 1000;
/// (action, weight out of 100).
const ACTIONS: &[(&str, u32)] = &[
    ("user.updated", 30),
    ("user.roles_changed", 15),
    ("invitation.sent", 15),
    ("session.revoked", 10),
    ("user.deactivated", 8),
    ("user.activated", 4),
    ("invitation.resent", 5),
    ("invitation.cancelled", 4),
    ("sessions.revoked_all", 4),
    ("user.unlocked", 3),
    ("user.deleted", 2),
];
const DEVICES: &[&str] = &["Chrome 131 on Windows", "Firefox 133 on Windows", "Safari 18.1 on Mac OS X", "Chrome 131 on Mac OS X", "Edge 131 on Windows"];

/// A person as the trail names them.
struct Person {
    id: String,
    email: String,
    name: String,
}

/// Adds `events` audit events to the organization `org_id`, dropping and rebuilding the
/// indexes given at least `bulk_from` of them.
pub async fn load(db: &Db, org_id: &str, events: u64, seed: u64, now: i64, bulk_from: u64) -> Result<String, String> {
    let started = Instant::now();
    let (people, actors) = people(db, org_id).await.map_err(|e| e.to_string())?;
    if people.is_empty() || actors.is_empty() {
        return Err("The organization needs people, and Owners or Admins among them, to have an audit trail: seed users first (--users N).".into());
    }
    write(db, org_id, events, seed, now, bulk_from, &people, &actors).await.map_err(|e| format!("No audit events were seeded: {e}"))?;
    bulk::settle(db, &["audit_events"]).await.map_err(|e| e.to_string())?;
    Ok(format!("Seeded {events} audit events in {:.1?}.", started.elapsed()))
}

async fn people(db: &Db, org_id: &str) -> Result<(Vec<Person>, Vec<Person>), sqlx::Error> {
    let to_people = |rows: Vec<(String, String, String)>| rows.into_iter().map(|(id, email, name)| Person { id, email, name }).collect::<Vec<_>>();
    let all = Sql::new("SELECT id, email, name FROM users WHERE org_id = $1 ORDER BY id").bind(org_id);
    let admins = Sql::new(
        "SELECT u.id, u.email, u.name FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
         WHERE u.org_id = $1 AND r.org_id = $1 AND r.name IN ('Owner', 'Admin') AND u.status = 'active' ORDER BY u.id LIMIT 50",
    )
    .bind(org_id);
    Ok((to_people(db.exec().fetch_all(all).await?), to_people(db.exec().fetch_all(admins).await?)))
}

#[allow(clippy::too_many_arguments)]
async fn write(db: &Db, org_id: &str, events: u64, seed: u64, now: i64, bulk_from: u64, people: &[Person], actors: &[Person]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let (mut seq, mut prev) = head(&mut tx, org_id).await?;
    let mut rng = StdRng::seed_from_u64(seed ^ 0xa0d1_7e57 ^ u64::try_from(seq).unwrap_or(0));
    let derived = if events >= bulk_from { Some(Derived::drop(&mut tx, db.dialect(), &["audit_events"]).await?) } else { None };
    let span = 365 * DAY_MS;
    let step = (span / i64::try_from(events.max(1)).unwrap_or(i64::MAX)).max(1);
    let total: u32 = ACTIONS.iter().map(|(_, w)| w).sum();
    let started = Instant::now();
    let mut written = 0u64;
    while written < events {
        let n = (events - written).min(ROWS_PER_STATEMENT as u64);
        let mut rows = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        for i in written..written + n {
            seq += 1;
            // The busiest few admins act most: a square pulls the choice towards the first.
            let actor = &actors[((rng.gen::<f64>().powi(2)) * actors.len() as f64) as usize % actors.len()];
            let target = &people[rng.gen_range(0..people.len())];
            let mut pick = rng.gen_range(0..total);
            let action = ACTIONS.iter().find(|(_, w)| if pick < *w { true } else { pick -= w; false }).map_or("user.updated", |(a, _)| a);
            let mut row = EventRow {
                id: format!("seed-audit-{org_id}-{seq:010}"),
                org_id: org_id.to_owned(),
                seq,
                actor_kind: "person".into(),
                actor_id: Some(actor.id.clone()),
                actor_email: actor.email.clone(),
                actor_name: actor.name.clone(),
                action: action.to_owned(),
                target_type: "user".into(),
                target_id: Some(target.id.clone()),
                target_label: target.email.clone(),
                details: details(&mut rng, action, target).to_string(),
                ip_address: Some(format!("192.0.2.{}", rng.gen_range(1..41))),
                device: Some(DEVICES[rng.gen_range(0..DEVICES.len())].to_owned()),
                created_at: now - span + i64::try_from(i).unwrap_or(0) * step + rng.gen_range(0..step),
                prev_hash: Some(prev.clone()),
                hash: None,
            };
            let hash = link_hash(&row, &prev);
            row.hash = Some(hash.clone());
            prev = hash;
            rows.push(row);
        }
        let sql = bulk::insert(
            db.dialect(),
            "audit_events (id, org_id, seq, actor_kind, actor_id, actor_email, actor_name, action, target_type, target_id, target_label, details, ip_address, device, created_at, prev_hash, hash)",
            rows.into_iter().map(|r| {
                [
                    Param::from(r.id),
                    Param::from(r.org_id),
                    Param::from(r.seq),
                    Param::from(r.actor_kind),
                    Param::from(r.actor_id),
                    Param::from(r.actor_email),
                    Param::from(r.actor_name),
                    Param::from(r.action),
                    Param::from(r.target_type),
                    Param::from(r.target_id),
                    Param::from(r.target_label),
                    Param::from(r.details),
                    Param::from(r.ip_address),
                    Param::from(r.device),
                    Param::from(r.created_at),
                    Param::from(r.prev_hash),
                    Param::from(r.hash),
                ]
            }),
        );
        tx.exec().execute(sql).await?;
        written += n;
        if written.is_multiple_of(1_000_000) || written == events {
            let rate = written as f64 / started.elapsed().as_secs_f64().max(0.001);
            println!("seeded {written:>10} / {events} audit events ({rate:.0}/s)");
        }
    }
    let moved = Sql::new("UPDATE audit_chains SET seq = $1, hash = $2 WHERE org_id = $3").bind(seq).bind(prev.as_str()).bind(org_id);
    tx.exec().execute(moved).await?;
    if let Some(derived) = derived {
        derived.rebuild(&mut tx).await?;
    }
    tx.commit().await
}

/// The organization's chain head (made, empty, when it has none yet).
async fn head(tx: &mut Tx, org_id: &str) -> Result<(i64, String), sqlx::Error> {
    let start = Sql::new("INSERT INTO audit_chains (org_id, seq, hash, sealed_from) VALUES ($1, 0, '', 1) ON CONFLICT (org_id) DO NOTHING");
    tx.exec().execute(start.bind(org_id)).await?;
    tx.exec().fetch_one(Sql::new("SELECT seq, hash FROM audit_chains WHERE org_id = $1").bind(org_id)).await
}

fn details(rng: &mut StdRng, action: &str, target: &Person) -> serde_json::Value {
    const ROLES: [&str; 3] = ["Member", "Admin", "Owner"];
    match action {
        "user.updated" => {
            let department = ["Sales", "Engineering", "Support", "Finance"][rng.gen_range(0..4)];
            json!({ "changed": { "department": ["", department] } })
        }
        "user.roles_changed" => {
            let (from, to) = if rng.gen_bool(0.8) { (ROLES[0], ROLES[1]) } else { (ROLES[1], ROLES[0]) };
            json!({ "added": [to], "removed": [from] })
        }
        "invitation.sent" => json!({ "invitation_id": format!("seed-invitation-{}", rng.gen::<u32>()), "role": "Member" }),
        "invitation.resent" | "invitation.cancelled" => json!({ "invitation_id": format!("seed-invitation-{}", rng.gen::<u32>()) }),
        "session.revoked" => json!({ "session_id": format!("seed-session-{}", rng.gen::<u32>()), "device": DEVICES[rng.gen_range(0..DEVICES.len())] }),
        "user.deactivated" => json!({ "status": "inactive", "sessions_ended": rng.gen_range(0..3), "invitations_cancelled": 0 }),
        "user.activated" => json!({ "status": "active" }),
        "sessions.revoked_all" => json!({ "sessions_ended": rng.gen_range(1..4) }),
        "user.deleted" => json!({ "name": target.name, "email": target.email, "status": "inactive" }),
        _ => json!({}),
    }
}
