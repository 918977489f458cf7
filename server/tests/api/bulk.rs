//! Bulk actions: the preview (selection fixed, grouped by what will happen), the job run in
//! chunks by a worker holding a lease (taken over when its worker dies, never run by two),
//! the rules of single actions on every user, audit events carrying the job, and Undo.

use crate::helpers::*;
use app::auth::server::guard::JobDesk;
use app::auth::types::BuiltinRole;
use app::bulk::server::runner::{Step, Worker};
use app::bulk::types::{BulkJob, BulkPreview, JobState};
use app::server::state::Settings;
use serde_json::{json, Value};

struct Acme {
    app: TestApp,
    /// Ada, an Admin: outranked by the Owner.
    admin: reqwest::Client,
    ada: String,
    owner: String,
    members: Vec<String>,
    inactive: String,
}

/// Acme: Olga (Owner), Ada (Admin), five Members, one of them (Ivan) inactive; and Globex.
async fn acme() -> Acme {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    let owner = app.add_user(&org, "olga@example.com", "Olga Owner", BuiltinRole::Owner).await;
    let ada = app.add_user(&org, "ada@example.com", "Ada Admin", BuiltinRole::Admin).await;
    let mut members = Vec::new();
    for name in ["Bea", "Carl", "Dora", "Emil"] {
        members.push(app.add_user(&org, &format!("{}@example.com", name.to_lowercase()), &format!("{name} Member"), BuiltinRole::Member).await);
    }
    let inactive = app.add_user(&org, "ivan@example.com", "Ivan Inactive", BuiltinRole::Member).await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    let admin = app.signed_in_at("ada@example.com", "acme").await;
    assert_eq!(app.call(&admin, "/api/set_user_active", &[("id", &inactive), ("active", "false")]).await.status(), 200);
    Acme { app, admin, ada, owner, members, inactive }
}

fn worker(app: &TestApp, chunk: i64) -> Worker {
    Worker::with_chunk(JobDesk::new(app.db.clone(), Settings::default()), chunk)
}

async fn preview(app: &TestApp, client: &reqwest::Client, request: Value) -> reqwest::Response {
    app.call_json(client, "/api/preview_bulk_action", &json!({ "request": request })).await
}

async fn previewed(app: &TestApp, client: &reqwest::Client, request: Value) -> BulkPreview {
    let res = preview(app, client, request).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    res.json().await.unwrap()
}

async fn start(app: &TestApp, client: &reqwest::Client, id: &str, confirm: Option<&str>) -> reqwest::Response {
    let mut form = vec![("id", id)];
    form.extend(confirm.map(|c| ("confirm", c)));
    app.call(client, "/api/start_bulk_job", &form).await
}

async fn job(app: &TestApp, client: &reqwest::Client, id: &str) -> BulkJob {
    let res = app.call(client, "/api/get_bulk_job", &[("id", id)]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    app.scalar_text("SELECT status FROM users WHERE id = $1", id).await
}

fn groups(preview: &[app::bulk::types::BulkGroup]) -> Vec<(i64, String)> {
    preview.iter().map(|g| (g.count, g.label.clone())).collect()
}

#[tokio::test]
async fn a_preview_fixes_who_and_says_what_will_happen_and_changes_nothing() {
    let t = acme().await;
    let all = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "role_id": null, "ids": [], "matching": {} })).await;
    assert_eq!(all.title, "Deactivate 7 users");
    assert_eq!(
        groups(&all.groups),
        [
            (4, "will be deactivated".to_owned()),
            (1, "is already inactive".to_owned()),
            (1, "holds a role with permissions you don't have".to_owned()),
            (1, "is you".to_owned()),
        ]
    );
    assert_eq!(all.groups[0].names, ["Bea Member", "Carl Member", "Dora Member"], "a few names each, by name");
    assert_eq!(all.groups[2].names, ["Olga Owner"]);
    assert_eq!(all.changing, 4);
    for id in &t.members {
        assert_eq!(status_of(&t.app, id).await, "active", "a preview changes nothing");
    }

    // The filter is the Users page's: Status, Role, Last login, search.
    let filtered = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": [], "matching": { "search": "member", "status": "active" } })).await;
    assert_eq!(filtered.total, 4);
    let bad = preview(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": [], "matching": { "status": "gone" } })).await;
    assert_eq!(bad.status(), 422, "a bad filter is refused by name");
    assert!(bad.text().await.unwrap().contains("status"));

    // Who matches later is not in it: the selection was fixed at preview.
    let org = app::organizations::server::service::find_by_slug(&app::auth::server::guard::Operator::new(t.app.db.clone()), "acme").await.unwrap().unwrap();
    let late = t.app.add_user(&helpers_org(&org.id), "lena@example.com", "Lena Late", BuiltinRole::Member).await;
    assert_eq!(start(&t.app, &t.admin, &filtered.job_id, None).await.status(), 200);
    worker(&t.app, 3).run_until_idle().await.unwrap();
    let done = job(&t.app, &t.admin, &filtered.job_id).await;
    assert_eq!((done.state, done.changed, done.skipped), (JobState::Done, 4, 0));
    assert_eq!(groups(&done.groups), [(4, "were deactivated".to_owned())]);
    for id in &t.members {
        assert_eq!(status_of(&t.app, id).await, "inactive");
    }
    assert_eq!(status_of(&t.app, &late).await, "active", "Lena started matching after the preview");
}

fn helpers_org(id: &str) -> Org {
    Org { id: id.to_owned() }
}

#[tokio::test]
async fn each_user_is_checked_by_the_single_action_rules_and_audited_with_the_job() {
    let t = acme().await;
    let mut ids = t.members.clone();
    ids.extend([t.owner.clone(), t.ada.clone(), t.inactive.clone()]);
    let p = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": ids })).await;
    assert_eq!(p.total, 7);
    assert_eq!(start(&t.app, &t.admin, &p.job_id, None).await.status(), 200);
    assert_eq!(worker(&t.app, 2).run_until_idle().await.unwrap(), 4, "7 users, 2 a chunk");
    let done = job(&t.app, &t.admin, &p.job_id).await;
    assert_eq!((done.changed, done.skipped), (4, 3));
    let mut outcome = groups(&done.groups);
    outcome.sort();
    assert_eq!(
        outcome,
        [
            (1, "skipped: already inactive".to_owned()),
            (1, "skipped: holds a role with permissions you don't have".to_owned()),
            (1, "skipped: this is you".to_owned()),
            (4, "were deactivated".to_owned()),
        ]
    );
    assert_eq!(status_of(&t.app, &t.owner).await, "active");
    // One event per user changed, carrying the job's id, and one for the job.
    let events = t.app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = 'user.deactivated' AND details LIKE '%' || $1 || '%'", &p.job_id).await;
    assert_eq!(events, 4);
    let started = t.app.scalar_text("SELECT target_label FROM audit_events WHERE action = 'bulk.started' AND target_id = $1", &p.job_id).await;
    assert_eq!(started, "Deactivate 7 users");
    // The Audit Log says which changes a bulk action made, and the job's own event.
    let owner = t.app.signed_in_at("olga@example.com", "acme").await;
    let log: app::audit::types::AuditList = t.app.call(&owner, "/api/list_audit_events", &[("target", &t.members[0])]).await.json().await.unwrap();
    assert_eq!(log.events[0].changes, ["Status: Active → Inactive", "In a bulk action"]);
    let log: app::audit::types::AuditList = t.app.call(&owner, "/api/list_audit_events", &[("action", "bulk.started")]).await.json().await.unwrap();
    assert_eq!((log.events[0].action_label.as_str(), log.events[0].changes.as_slice()), ("Started bulk action", ["Deactivate 7 users".to_owned()].as_slice()));
}

#[tokio::test]
async fn the_last_active_owner_is_kept_whatever_the_selection() {
    let t = acme().await;
    let owner = t.app.signed_in_at("olga@example.com", "acme").await;
    // Olga makes Ada an Owner too, then Ada removes the Owner role from both Owners.
    let roles: Vec<app::users::account::RoleOption> = t.app.call(&owner, "/api/list_roles", &[]).await.json().await.unwrap();
    let owner_role = roles.iter().find(|r| r.name == "Owner").unwrap().id.clone();
    let p = previewed(&t.app, &owner, json!({ "kind": "AddRole", "role_id": owner_role, "ids": [t.ada] })).await;
    assert_eq!(groups(&p.groups), [(1, "will get the role Owner".to_owned())]);
    start(&t.app, &owner, &p.job_id, None).await;
    worker(&t.app, 10).run_until_idle().await.unwrap();
    let ada = t.app.signed_in_at("ada@example.com", "acme").await;
    let p = previewed(&t.app, &ada, json!({ "kind": "Deactivate", "ids": [t.owner] })).await;
    start(&t.app, &ada, &p.job_id, None).await;
    worker(&t.app, 10).run_until_idle().await.unwrap();
    assert_eq!(status_of(&t.app, &t.owner).await, "inactive", "Ada is an active Owner still");
    // Now Olga is inactive; Ada cannot lose Owner: she is the last one.
    let p = previewed(&t.app, &ada, json!({ "kind": "RemoveRole", "role_id": owner_role, "ids": [t.owner, t.ada] })).await;
    assert_eq!(groups(&p.groups), [(1, "will lose the role Owner".to_owned()), (1, "is you".to_owned())]);
    start(&t.app, &ada, &p.job_id, None).await;
    worker(&t.app, 10).run_until_idle().await.unwrap();
    let done = job(&t.app, &ada, &p.job_id).await;
    assert_eq!((done.changed, done.skipped), (1, 1), "Olga (inactive) lost it; Ada kept hers");
}

#[tokio::test]
async fn a_job_whose_worker_died_is_finished_by_another_with_no_user_changed_twice() {
    let t = acme().await;
    let p = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": t.members })).await;
    start(&t.app, &t.admin, &p.job_id, None).await;
    let first = worker(&t.app, 2);
    let claimed = first.claim().await.unwrap().expect("a job waits");
    assert_eq!(first.chunk_of(&claimed).await.unwrap(), Step::More);
    // The first worker dies here (no release): its lease holds the job meanwhile.
    let second = worker(&t.app, 2);
    assert!(second.claim().await.unwrap().is_none(), "held by a live lease");
    assert_eq!(second.chunk_of(&claimed).await.unwrap(), Step::Lost, "a chunk runs only under its worker's lease");
    let running = job(&t.app, &t.admin, &p.job_id).await;
    assert_eq!((running.state, running.changed), (JobState::Running, 2));
    // The lease runs out; the second worker takes the job from where it stopped.
    t.app.execute("UPDATE bulk_jobs SET lease_until = 0 WHERE id = $1", &p.job_id).await;
    second.run_until_idle().await.unwrap();
    assert_eq!(first.chunk_of(&claimed).await.unwrap(), Step::Lost, "the dead worker, back, runs nothing");
    let done = job(&t.app, &t.admin, &p.job_id).await;
    assert_eq!((done.state, done.changed, done.skipped), (JobState::Done, 4, 0));
    let events = t.app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = 'user.deactivated' AND details LIKE '%' || $1 || '%'", &p.job_id).await;
    assert_eq!(events, 4, "each user changed once");
}

#[tokio::test]
async fn cancel_stops_after_the_chunk_in_hand_and_says_who_was_not_reached() {
    let t = acme().await;
    let p = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": t.members })).await;
    start(&t.app, &t.admin, &p.job_id, None).await;
    let w = worker(&t.app, 1);
    let claimed = w.claim().await.unwrap().unwrap();
    w.chunk_of(&claimed).await.unwrap();
    assert_eq!(t.app.call(&t.admin, "/api/cancel_bulk_job", &[("id", &p.job_id)]).await.status(), 200);
    assert_eq!(w.chunk_of(&claimed).await.unwrap(), Step::Ended);
    let done = job(&t.app, &t.admin, &p.job_id).await;
    assert_eq!(done.state, JobState::Cancelled);
    assert_eq!(groups(&done.groups), [(1, "was deactivated".to_owned()), (3, "not reached before it was cancelled".to_owned())]);
    assert!(done.undo_until.is_some(), "what it changed can be undone");
}

#[tokio::test]
async fn undo_puts_back_who_nobody_changed_since_once_and_within_fifteen_minutes() {
    let t = acme().await;
    let p = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": t.members })).await;
    start(&t.app, &t.admin, &p.job_id, None).await;
    worker(&t.app, 3).run_until_idle().await.unwrap();
    // Someone activates Bea and deactivates her again meanwhile: her version moved on.
    let bea = &t.members[0];
    t.app.call(&t.admin, "/api/set_user_active", &[("id", bea), ("active", "true")]).await;
    t.app.call(&t.admin, "/api/set_user_active", &[("id", bea), ("active", "false")]).await;
    let res = t.app.call(&t.admin, "/api/undo_bulk_job", &[("id", &p.job_id)]).await;
    assert_eq!(res.status(), 200);
    let undo: BulkJob = res.json().await.unwrap();
    worker(&t.app, 3).run_until_idle().await.unwrap();
    let undone = job(&t.app, &t.admin, &undo.id).await;
    assert_eq!((undone.changed, undone.skipped), (3, 1));
    assert!(undone.groups.iter().any(|g| g.label == "skipped: changed since, so left as they are" && g.names == ["Bea Member"]), "{:?}", undone.groups);
    assert_eq!(status_of(&t.app, bea).await, "inactive");
    for id in &t.members[1..] {
        assert_eq!(status_of(&t.app, id).await, "active");
    }
    assert!(undone.undo_until.is_none(), "an undo is not undone");
    assert_eq!(t.app.call(&t.admin, "/api/undo_bulk_job", &[("id", &p.job_id)]).await.status(), 409, "once");

    // Fifteen minutes after a job ends, Undo is gone.
    let p = previewed(&t.app, &t.admin, json!({ "kind": "Activate", "ids": [bea] })).await;
    start(&t.app, &t.admin, &p.job_id, None).await;
    worker(&t.app, 3).run_until_idle().await.unwrap();
    t.app.execute("UPDATE bulk_jobs SET finished_at = finished_at - 15 * 60 * 1000 - 1 WHERE id = $1", &p.job_id).await;
    assert!(job(&t.app, &t.admin, &p.job_id).await.undo_until.is_none());
    assert_eq!(t.app.call(&t.admin, "/api/undo_bulk_job", &[("id", &p.job_id)]).await.status(), 409);
}

#[tokio::test]
async fn delete_asks_for_the_number_and_cannot_be_undone() {
    let t = acme().await;
    let owner = t.app.signed_in_at("olga@example.com", "acme").await;
    let p = previewed(&t.app, &owner, json!({ "kind": "Delete", "ids": t.members })).await;
    let wrong = start(&t.app, &owner, &p.job_id, Some("3")).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("Type 4 to confirm."));
    assert_eq!(start(&t.app, &owner, &p.job_id, Some("4")).await.status(), 200);
    assert_eq!(start(&t.app, &owner, &p.job_id, Some("4")).await.status(), 409, "started once");
    worker(&t.app, 3).run_until_idle().await.unwrap();
    let done = job(&t.app, &owner, &p.job_id).await;
    assert_eq!(groups(&done.groups), [(4, "were deleted".to_owned())]);
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM users WHERE id = $1", &t.members[0]).await, 0);
    assert!(done.undo_until.is_none());
    assert_eq!(t.app.call(&owner, "/api/undo_bulk_job", &[("id", &p.job_id)]).await.status(), 409);
}

#[tokio::test]
async fn the_guard_and_the_organization_bound_every_bulk_action() {
    let t = acme().await;
    let member = t.app.signed_in_at("bea@example.com", "acme").await;
    let res = preview(&t.app, &member, json!({ "kind": "Deactivate", "ids": [t.members[1]] })).await;
    assert_eq!(res.status(), 403, "a Member may not deactivate anyone");
    // An Admin may not grant the Owner role, in bulk as alone.
    let roles: Vec<app::users::account::RoleOption> = t.app.call(&t.admin, "/api/list_roles", &[]).await.json().await.unwrap();
    let owner_role = roles.iter().find(|r| r.name == "Owner").unwrap().id.clone();
    let res = preview(&t.app, &t.admin, json!({ "kind": "AddRole", "role_id": owner_role, "ids": [t.members[1]] })).await;
    assert_eq!(res.status(), 422);
    let res = preview(&t.app, &t.admin, json!({ "kind": "AddRole", "ids": [t.members[1]] })).await;
    assert!(res.text().await.unwrap().contains("Choose a role."));
    assert_eq!(preview(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": [] })).await.status(), 422);
    // Another organization's users are not in anyone's selection, and its jobs are not found.
    let hank = t.app.scalar_text("SELECT id FROM users WHERE email = $1", "hank@globex.example").await;
    let res = preview(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": [hank] })).await;
    assert_eq!(res.status(), 422, "no users of Acme in it");
    assert_eq!(status_of(&t.app, &hank).await, "active");
    let p = previewed(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": [t.members[1]] })).await;
    let hank_client = t.app.signed_in_at("hank@globex.example", "globex").await;
    assert_eq!(start(&t.app, &hank_client, &p.job_id, None).await.status(), 404);
    assert_eq!(t.app.call(&hank_client, "/api/get_bulk_job", &[("id", &p.job_id)]).await.status(), 404);
    // Only who previewed confirms.
    let owner = t.app.signed_in_at("olga@example.com", "acme").await;
    assert_eq!(start(&t.app, &owner, &p.job_id, None).await.status(), 404);
    // A starter who loses the permission: the job stops, saying why.
    assert_eq!(start(&t.app, &t.admin, &p.job_id, None).await.status(), 200);
    let member_role = roles.iter().find(|r| r.name == "Member").unwrap().id.clone();
    let editor: app::users::account::UserEditor = t.app.call(&owner, "/api/get_user", &[("id", &t.ada)]).await.json().await.unwrap();
    let update = app::users::account::UserUpdate { role_ids: vec![member_role], ..update_of(&editor) };
    assert_eq!(t.app.call_json(&owner, "/api/update_user", &json!({ "update": update })).await.status(), 200);
    worker(&t.app, 3).run_until_idle().await.unwrap();
    let failed = job(&t.app, &owner, &p.job_id).await;
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.error.as_deref(), Some("Ada Admin no longer has permission to do this."));
    assert_eq!(status_of(&t.app, &t.members[1]).await, "active");
}

#[tokio::test]
async fn resend_invitation_sends_pending_invitees_a_new_link_and_skips_everyone_else() {
    let t = acme().await;
    let roles: Vec<app::users::account::RoleOption> = t.app.call(&t.admin, "/api/list_roles", &[]).await.json().await.unwrap();
    let member_role = roles.iter().find(|r| r.name == "Member").unwrap().id.clone();
    let invite = json!({ "invitation": { "email": "ivy@example.com", "role_id": member_role, "message": "" } });
    assert_eq!(t.app.call_json(&t.admin, "/api/invite_user", &invite).await.status(), 200);
    let ivy = t.app.scalar_text("SELECT id FROM users WHERE email = $1", "ivy@example.com").await;
    let first_link = t.app.scalar_text("SELECT token_hash FROM invitations WHERE user_id = $1", &ivy).await;
    let p = previewed(&t.app, &t.admin, json!({ "kind": "ResendInvitation", "ids": [ivy, t.members[0]] })).await;
    assert_eq!(groups(&p.groups), [(1, "will be sent a new invitation".to_owned()), (1, "is not a pending invitee".to_owned())]);
    start(&t.app, &t.admin, &p.job_id, None).await;
    worker(&t.app, 10).run_until_idle().await.unwrap();
    let done = job(&t.app, &t.admin, &p.job_id).await;
    assert_eq!((done.changed, done.skipped), (1, 1));
    assert_ne!(t.app.scalar_text("SELECT token_hash FROM invitations WHERE user_id = $1", &ivy).await, first_link, "the old link died");
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM email_outbox WHERE to_address = $1", "ivy@example.com").await, 2, "a second email");
    assert!(done.undo_until.is_none(), "mail sent cannot be unsent");
    // Without users.invite, no Resend: a Member may not.
    let member = t.app.signed_in_at("bea@example.com", "acme").await;
    assert_eq!(preview(&t.app, &member, json!({ "kind": "ResendInvitation", "ids": [ivy] })).await.status(), 403);
}

#[tokio::test]
async fn the_invitations_page_cancels_ticked_invitations_of_its_own_organization_only() {
    let t = acme().await;
    let roles: Vec<app::users::account::RoleOption> = t.app.call(&t.admin, "/api/list_roles", &[]).await.json().await.unwrap();
    let member_role = roles.iter().find(|r| r.name == "Member").unwrap().id.clone();
    for email in ["ivy@example.com", "jon@example.com"] {
        let invite = json!({ "invitation": { "email": email, "role_id": member_role, "message": "" } });
        assert_eq!(t.app.call_json(&t.admin, "/api/invite_user", &invite).await.status(), 200);
    }
    let ivy = t.app.scalar_text("SELECT id FROM invitations WHERE email = $1", "ivy@example.com").await;
    let jon = t.app.scalar_text("SELECT id FROM invitations WHERE email = $1", "jon@example.com").await;
    // Invitations are only resent or cancelled; Cancel names invitations.
    assert_eq!(preview(&t.app, &t.admin, json!({ "kind": "Deactivate", "ids": [], "invitation_ids": [ivy] })).await.status(), 400);
    assert_eq!(preview(&t.app, &t.admin, json!({ "kind": "CancelInvitation", "ids": [t.members[0]] })).await.status(), 400);
    let p = previewed(&t.app, &t.admin, json!({ "kind": "CancelInvitation", "ids": [], "invitation_ids": [ivy, jon] })).await;
    assert_eq!(p.title, "Cancel 2 invitations");
    assert_eq!(groups(&p.groups), [(2, "will be cancelled".to_owned())]);
    assert_eq!(p.groups[0].names, ["ivy@example.com", "jon@example.com"]);
    // Another organization's admin names them in vain.
    let hank = t.app.signed_in_at("hank@globex.example", "globex").await;
    assert_eq!(preview(&t.app, &hank, json!({ "kind": "CancelInvitation", "ids": [], "invitation_ids": [ivy] })).await.status(), 422);
    start(&t.app, &t.admin, &p.job_id, None).await;
    worker(&t.app, 10).run_until_idle().await.unwrap();
    let done = job(&t.app, &t.admin, &p.job_id).await;
    assert_eq!(groups(&done.groups), [(2, "were cancelled".to_owned())]);
    assert_eq!(t.app.scalar_text("SELECT status FROM invitations WHERE id = $1", &ivy).await, "cancelled");
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM users WHERE email = $1", "jon@example.com").await, 0, "the pending account is gone");
}

#[tokio::test]
async fn a_chunk_deactivated_at_once_ends_each_ones_sessions_and_invitations_and_audits_each() {
    let t = acme().await;
    // Ada (signed in twice) invited Ivy; Bea is signed in once; Ivan is inactive already.
    let roles: Vec<app::users::account::RoleOption> = t.app.call(&t.admin, "/api/list_roles", &[]).await.json().await.unwrap();
    let member_role = roles.iter().find(|r| r.name == "Member").unwrap().id.clone();
    let invite = json!({ "invitation": { "email": "ivy@example.com", "role_id": member_role, "message": "" } });
    assert_eq!(t.app.call_json(&t.admin, "/api/invite_user", &invite).await.status(), 200);
    t.app.signed_in_at("ada@example.com", "acme").await;
    let bea = t.app.signed_in_at("bea@example.com", "acme").await;
    let owner = t.app.signed_in_at("olga@example.com", "acme").await;
    let ids = [t.ada.clone(), t.members[0].clone(), t.members[1].clone(), t.inactive.clone(), t.owner.clone()];
    let p = previewed(&t.app, &owner, json!({ "kind": "Deactivate", "ids": ids })).await;
    start(&t.app, &owner, &p.job_id, None).await;
    assert_eq!(worker(&t.app, 10).run_until_idle().await.unwrap(), 1, "one chunk");
    let done = job(&t.app, &owner, &p.job_id).await;
    let mut outcome = groups(&done.groups);
    outcome.sort();
    assert_eq!(outcome, [(1, "skipped: already inactive".to_owned()), (1, "skipped: this is you".to_owned()), (3, "were deactivated".to_owned())]);
    for id in [&t.ada, &t.members[0], &t.members[1]] {
        assert_eq!(status_of(&t.app, id).await, "inactive");
    }
    // Each one's own sessions and invitations, counted in their own event.
    let details = |id: &str| {
        let (app, id) = (&t.app, id.to_owned());
        async move { serde_json::from_str::<Value>(&app.scalar_text("SELECT details FROM audit_events WHERE action = 'user.deactivated' AND target_id = $1", &id).await).unwrap() }
    };
    let ada = details(&t.ada).await;
    assert_eq!((ada["sessions_ended"].as_i64(), ada["invitations_cancelled"].as_i64()), (Some(2), Some(1)), "{ada}");
    let bea_details = details(&t.members[0]).await;
    assert_eq!((bea_details["sessions_ended"].as_i64(), bea_details["invitations_cancelled"].as_i64()), (Some(1), Some(0)));
    assert_eq!(details(&t.members[1]).await["sessions_ended"].as_i64(), Some(0));
    assert_eq!(t.app.scalar_text("SELECT status FROM invitations WHERE email = $1", "ivy@example.com").await, "cancelled");
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM users WHERE email = $1", "ivy@example.com").await, 0, "her pending account went with it");
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL", &t.ada).await, 0);
    assert_eq!(t.app.call(&bea, "/api/list_users", &[]).await.status(), 401, "Bea's session ended with her account");
    // Undo brings back the three, and only them.
    assert_eq!(t.app.call(&owner, "/api/undo_bulk_job", &[("id", &p.job_id)]).await.status(), 200);
    worker(&t.app, 10).run_until_idle().await.unwrap();
    for id in [&t.ada, &t.members[0], &t.members[1]] {
        assert_eq!(status_of(&t.app, id).await, "active");
    }
    assert_eq!(status_of(&t.app, &t.inactive).await, "inactive");
}
