//! The Audit Log: what each change records and how the page reads it, its filters and their
//! guard, and the hash chain that shows a changed, removed or inserted event.

use crate::helpers::*;
use app::audit::types::{AuditActor, AuditList};
use app::auth::types::BuiltinRole;
use app::server::state::Settings;
use std::time::Duration;

struct Acme {
    app: TestApp,
    owner: reqwest::Client,
    ada: String,
    alan: String,
}

/// Ada (Owner) deactivates Alan, makes Grace an Admin, and renames her.
async fn acme_with(settings: Settings) -> Acme {
    let app = spawn_app_with(settings).await;
    let org = app.create_org("acme", "Acme").await;
    let ada = app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let alan = app.add_user(&org, "alan@example.com", "Alan Turing", BuiltinRole::Member).await;
    let grace = app.add_user(&org, "grace@example.com", "Grace Hopper", BuiltinRole::Member).await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    let owner = app.signed_in_at("ada@example.com", "acme").await;
    assert_eq!(app.call(&owner, "/api/set_user_active", &[("id", &alan), ("active", "false")]).await.status(), 200);
    let editor: app::users::account::UserEditor = app.call(&owner, "/api/get_user", &[("id", &grace)]).await.json().await.unwrap();
    let admin = editor.roles.iter().find(|r| r.name == "Admin").unwrap().id.clone();
    let update = app::users::account::UserUpdate { name: "Grace B. Hopper".into(), role_ids: vec![admin], ..update_of(&editor) };
    assert_eq!(app.call_json(&owner, "/api/update_user", &serde_json::json!({ "update": update })).await.status(), 200);
    Acme { app, owner, ada, alan }
}

async fn log(app: &TestApp, client: &reqwest::Client, params: &[(&str, &str)]) -> AuditList {
    let res = app.call(client, "/api/list_audit_events", params).await;
    assert_eq!(res.status(), 200, "{params:?}");
    res.json().await.unwrap()
}

fn actions(list: &AuditList) -> Vec<&str> {
    list.events.iter().map(|e| e.action_label.as_str()).collect()
}

#[tokio::test]
async fn the_log_says_who_did_what_to_whom_from_where_newest_first() {
    let t = acme_with(Settings::default()).await;
    let all = log(&t.app, &t.owner, &[]).await;
    assert_eq!(actions(&all), ["Changed roles", "Edited user", "Deactivated user"]);
    let roles = &all.events[0];
    assert_eq!(roles.actor, AuditActor::Person { id: t.ada.clone(), name: "Ada Lovelace".into(), email: "ada@example.com".into() });
    assert_eq!(roles.target_label, "grace@example.com");
    assert_eq!(roles.changes, ["Role: Member → Admin"]);
    assert_eq!(all.events[1].changes, ["Name: Grace Hopper → Grace B. Hopper"]);
    assert_eq!(all.events[2].changes, ["Status: Active → Inactive"]);
    assert_eq!(roles.ip_address.as_deref(), Some("127.0.0.1"), "the actor's address, from now on");
    assert!(roles.device.as_deref().is_some_and(|d| d.contains("Firefox") || d.contains("Chrome")), "{:?}", roles.device);
}

#[tokio::test]
async fn filters_narrow_the_log_and_a_person_is_named_above_it() {
    let t = acme_with(Settings::default()).await;
    let about_alan = log(&t.app, &t.owner, &[("target", &t.alan)]).await;
    assert_eq!(actions(&about_alan), ["Deactivated user"]);
    assert_eq!(about_alan.subject.as_deref(), Some("Alan Turing"));
    let by_ada = log(&t.app, &t.owner, &[("actor", &t.ada)]).await;
    assert_eq!(by_ada.events.len(), 3);
    assert!(log(&t.app, &t.owner, &[("actor", &t.alan)]).await.events.is_empty(), "Alan did nothing");
    let roles = log(&t.app, &t.owner, &[("action", "user.roles_changed"), ("range", "1h")]).await;
    assert_eq!(actions(&roles), ["Changed roles"]);

    // A deleted person's history stays, under the name the log knew them by.
    assert_eq!(t.app.call(&t.owner, "/api/delete_user", &[("id", &t.alan)]).await.status(), 200);
    let gone = log(&t.app, &t.owner, &[("target", &t.alan)]).await;
    assert_eq!(actions(&gone), ["Deleted user", "Deactivated user"]);
    assert_eq!(gone.subject.as_deref(), Some("alan@example.com"));

    // Bad filters are refused by name; someone no event names is no one here.
    for (param, value) in [("action", "user.flew"), ("range", "1y"), ("after", "garbage")] {
        let res = t.app.call(&t.owner, "/api/list_audit_events", &[(param, value)]).await;
        assert_eq!(res.status(), 422, "{param}");
    }
    assert_eq!(t.app.call(&t.owner, "/api/list_audit_events", &[("target", "no-such-user")]).await.status(), 404);
}

#[tokio::test]
async fn members_and_other_organizations_see_none_of_it() {
    let t = acme_with(Settings::default()).await;
    let org = t.app.create_org("initech", "Initech").await;
    t.app.add_user(&org, "peter@initech.example", "Peter Gibbons", BuiltinRole::Member).await;
    let member = t.app.signed_in_at("grace@example.com", "acme").await;
    // Grace is an Admin now (audit.view); Peter, a Member elsewhere, holds nothing.
    assert_eq!(t.app.call(&member, "/api/list_audit_events", &[]).await.status(), 200);
    let peter = t.app.signed_in_at("peter@initech.example", "initech").await;
    assert_eq!(t.app.call(&peter, "/api/list_audit_events", &[]).await.status(), 403);
    let hank = t.app.signed_in_at("hank@globex.example", "globex").await;
    let theirs = log(&t.app, &hank, &[]).await;
    assert!(theirs.events.is_empty(), "Globex's log holds none of Acme's events");
    assert_eq!(t.app.call(&hank, "/api/list_audit_events", &[("target", &t.alan)]).await.status(), 404);
}

async fn verify(app: &TestApp) -> Result<String, String> {
    server::cli::audit_verify(&app.db_url, "acme").await
}

/// Tampering as someone with the database's password would: on Postgres the trigger that
/// refuses updates must be set aside first (it refuses the application's own statements).
async fn tamper(app: &TestApp, sql: &str) {
    on_db!(&app.db, pool => async {
        if matches!(app.db, app::server::db::Db::Postgres(_)) {
            sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").execute(pool).await?;
        }
        sqlx::query(sql).execute(pool).await?;
        Ok::<(), sqlx::Error>(())
    }.await)
    .unwrap();
}

#[tokio::test]
async fn the_chain_shows_a_changed_a_removed_and_an_inserted_event() {
    let t = acme_with(Settings::default()).await;
    let intact = verify(&t.app).await.unwrap();
    assert!(intact.contains("is intact, 3 events"), "{intact}");

    // Changed: Alan's deactivation (event 1) said to be someone else's.
    tamper(&t.app, "UPDATE audit_events SET target_label = 'nobody@example.com' WHERE seq = 1").await;
    let changed = verify(&t.app).await.unwrap_err();
    assert!(changed.contains("broken at event 1: its content was changed"), "{changed}");
    tamper(&t.app, "UPDATE audit_events SET target_label = 'alan@example.com' WHERE seq = 1").await;
    assert!(verify(&t.app).await.is_ok(), "put back, it holds again");

    // Inserted: a copy of event 3 slipped in as event 4 (the head still names event 3).
    tamper(&t.app, "INSERT INTO audit_events (id, org_id, seq, actor_kind, actor_id, actor_email, actor_name, action, target_type, target_id, target_label, details, ip_address, device, created_at, prev_hash, hash)
                    SELECT 'forged', org_id, 4, actor_kind, actor_id, actor_email, actor_name, action, target_type, target_id, target_label, details, ip_address, device, created_at + 1, hash, hash
                    FROM audit_events WHERE seq = 3").await;
    let inserted = verify(&t.app).await.unwrap_err();
    assert!(inserted.contains("broken at event 4"), "{inserted}");
    tamper(&t.app, "DELETE FROM audit_events WHERE id = 'forged'").await;

    // Removed: the role change in the middle.
    tamper(&t.app, "DELETE FROM audit_events WHERE seq = 2").await;
    let removed = verify(&t.app).await.unwrap_err();
    assert!(removed.contains("broken at event 2: event 2 is missing (removed)"), "{removed}");
}

#[tokio::test]
async fn the_application_never_updates_an_event_on_postgres() {
    let t = acme_with(Settings::default()).await;
    if !matches!(t.app.db, app::server::db::Db::Postgres(_)) {
        return;
    }
    let refused = on_db!(&t.app.db, pool => sqlx::query("UPDATE audit_events SET action = 'user.activated'").execute(pool).await.map(|_| ()));
    assert!(refused.unwrap_err().to_string().contains("audit events are never updated"));
}

#[tokio::test]
async fn retention_prunes_the_oldest_and_the_rest_still_verifies() {
    let t = acme_with(Settings { audit_retention: Some(Duration::from_secs(3600)), ..Settings::default() }).await;
    // Pruned as if an hour had passed: all three go, in small batches, from the oldest.
    let op = app::auth::server::guard::Operator::new(t.app.db.clone());
    let now = app::server::ids::now_ms();
    let pruned = app::audit::server::service::prune(&op, now + 1).await.unwrap();
    assert_eq!(pruned, 3, "everything before the cutoff goes");
    let after = verify(&t.app).await.unwrap();
    assert!(after.contains("is intact, 0 events"), "{after}");
    // New events chain on from the pruned head.
    assert_eq!(t.app.call(&t.owner, "/api/set_user_active", &[("id", &t.alan), ("active", "true")]).await.status(), 200);
    let resumed = verify(&t.app).await.unwrap();
    assert!(resumed.contains("is intact, 1 event."), "{resumed}");
    assert_eq!(log(&t.app, &t.owner, &[]).await.events.len(), 1);
}
