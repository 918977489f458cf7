//! Edit, role changes, deactivate, activate and delete through their server functions: the
//! permission matrix, tenant isolation, escalation, the last Owner, concurrent edits, and what
//! each leaves behind (sessions, sign-in, audit trail).

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::users::account::{UserEditor, UserUpdate};
use app::users::types::UserStatus;
use serde_json::json;

struct Team {
    app: TestApp,
    owner: reqwest::Client,
    owner_id: String,
    admin_id: String,
    member_id: String,
}

/// Acme: Ada (Owner), Grace (Admin), Alan (Member); Globex: Hank (Owner). Ada is signed in.
async fn team() -> Team {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    let owner_id = app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let admin_id = app.add_user(&acme, "grace@example.com", "Grace Hopper", BuiltinRole::Admin).await;
    let member_id = app.add_user(&acme, "alan@example.com", "Alan Turing", BuiltinRole::Member).await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    let owner = app.signed_in_at("ada@example.com", "acme").await;
    Team { app, owner, owner_id, admin_id, member_id }
}

impl Team {
    async fn editor(&self, client: &reqwest::Client, id: &str) -> UserEditor {
        let res = self.app.call(client, "/api/get_user", &[("id", id)]).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    fn role_id(editor: &UserEditor, name: &str) -> String {
        editor.roles.iter().find(|r| r.name == name).map(|r| r.id.clone()).unwrap()
    }

    async fn save(&self, client: &reqwest::Client, update: &UserUpdate) -> reqwest::Response {
        client.post(self.app.url("/api/update_user")).json(&json!({ "update": update })).send().await.unwrap()
    }

    async fn set_active(&self, client: &reqwest::Client, id: &str, active: bool) -> reqwest::Response {
        self.app.call(client, "/api/set_user_active", &[("id", id), ("active", if active { "true" } else { "false" })]).await
    }

    async fn delete(&self, client: &reqwest::Client, id: &str) -> reqwest::Response {
        self.app.call(client, "/api/delete_user", &[("id", id)]).await
    }

    async fn status_of(&self, id: &str) -> String {
        on_db!(&self.app.db, pool => sqlx::query_scalar::<_, String>("SELECT status FROM users WHERE id = $1")
            .bind(id).fetch_one(pool).await).unwrap()
    }

    async fn audit_actions(&self, target: &str) -> Vec<String> {
        on_db!(&self.app.db, pool => sqlx::query_scalar::<_, String>(
            "SELECT action FROM audit_events WHERE target_id = $1 ORDER BY created_at, id")
            .bind(target).fetch_all(pool).await).unwrap()
    }
}

async fn error_of(res: reqwest::Response) -> (u16, AppError) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn an_edit_saves_every_field_and_records_what_changed() {
    let t = team().await;
    let editor = t.editor(&t.owner, &t.member_id).await;
    let mut update = update_of(&editor);
    update.name = "Alan M. Turing".into();
    update.email = "Alan@Bletchley.example".into();
    update.profile.phone = "+44 20 7946 0958".into();
    update.profile.job_title = "Cryptanalyst".into();
    update.profile.department = "Hut 8".into();
    update.profile.location = "Bletchley Park".into();
    update.profile.time_zone = "Europe/London".into();

    assert_eq!(t.save(&t.owner, &update).await.status(), 200);

    let after = t.editor(&t.owner, &t.member_id).await;
    assert_eq!((after.user.name.as_str(), after.user.email.as_str()), ("Alan M. Turing", "Alan@Bletchley.example"));
    assert_eq!(after.user.profile.job_title, "Cryptanalyst");
    assert_eq!(after.user.version, editor.user.version + 1);
    assert_eq!(t.audit_actions(&t.member_id).await, ["user.updated"]);
    let details: String = on_db!(&t.app.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT details FROM audit_events WHERE target_id = $1").bind(&t.member_id).fetch_one(pool).await).unwrap();
    assert!(details.contains("Hut 8") && details.contains("alan@example.com"), "old and new values: {details}");
    // The new email signs in; search finds the new name.
    assert_eq!(t.app.login(&browser(), "alan@bletchley.example", PASSWORD).await.status(), 200);
    let found: app::users::types::UserList =
        t.app.call(&t.owner, "/api/list_users", &[("search", "m. tur")]).await.json().await.unwrap();
    assert_eq!(found.users.len(), 1);
}

#[tokio::test]
async fn bad_fields_come_back_one_message_each_and_change_nothing() {
    let t = team().await;
    let editor = t.editor(&t.owner, &t.member_id).await;
    let mut update = update_of(&editor);
    update.name = "  ".into();
    update.email = "not-an-email".into();
    update.profile.time_zone = "Mars".into();
    update.role_ids.clear();

    let (status, error) = error_of(t.save(&t.owner, &update).await).await;
    assert_eq!(status, 422);
    for field in ["name", "email", "time_zone", "roles"] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    let mut taken = update_of(&editor);
    taken.email = "GRACE@example.com".into();
    let (status, error) = error_of(t.save(&t.owner, &taken).await).await;
    assert_eq!((status, error.field_message("email").is_some()), (422, true), "an email already in the organization");

    assert_eq!(t.editor(&t.owner, &t.member_id).await.user, editor.user, "nothing changed");
    assert!(t.audit_actions(&t.member_id).await.is_empty());
}

#[tokio::test]
async fn a_save_over_someone_elses_newer_save_is_refused() {
    let t = team().await;
    let grace = t.app.signed_in_at("grace@example.com", "acme").await;
    let seen_by_ada = t.editor(&t.owner, &t.member_id).await;
    let seen_by_grace = t.editor(&grace, &t.member_id).await;

    let mut first = update_of(&seen_by_grace);
    first.profile.department = "Research".into();
    assert_eq!(t.save(&grace, &first).await.status(), 200);

    let mut second = update_of(&seen_by_ada);
    second.profile.department = "Sales".into();
    let (status, error) = error_of(t.save(&t.owner, &second).await).await;
    assert_eq!(status, 409);
    assert!(error.to_string().contains("Someone else changed this user"), "{error}");
    assert_eq!(t.editor(&t.owner, &t.member_id).await.user.profile.department, "Research", "the first save stands");
}

#[tokio::test]
async fn a_role_granted_takes_effect_on_the_users_very_next_request() {
    let t = team().await;
    let alan = t.app.signed_in_at("alan@example.com", "acme").await;
    assert_eq!(t.app.call(&alan, "/api/list_users", &[]).await.status(), 403);

    let editor = t.editor(&t.owner, &t.member_id).await;
    let mut update = update_of(&editor);
    update.role_ids.push(Team::role_id(&editor, "Admin"));
    assert_eq!(t.save(&t.owner, &update).await.status(), 200);

    assert_eq!(t.app.call(&alan, "/api/list_users", &[]).await.status(), 200);
    assert_eq!(t.audit_actions(&t.member_id).await, ["user.roles_changed"]);
}

#[tokio::test]
async fn an_admin_cannot_grant_owner_nor_touch_an_owner() {
    let t = team().await;
    let grace = t.app.signed_in_at("grace@example.com", "acme").await;
    let editor = t.editor(&grace, &t.member_id).await;
    let owner_role = Team::role_id(&editor, "Owner");
    assert!(!editor.roles.iter().find(|r| r.id == owner_role).unwrap().grantable, "the dialog offers no Owner to an Admin");

    let mut escalate = update_of(&editor);
    escalate.role_ids.push(owner_role.clone());
    assert_eq!(error_of(t.save(&grace, &escalate).await).await, (403, AppError::Forbidden));

    // An Admin may grant Admin.
    let mut promote = update_of(&editor);
    promote.role_ids.push(Team::role_id(&editor, "Admin"));
    assert_eq!(t.save(&grace, &promote).await.status(), 200);

    // The Owner is out of an Admin's reach: no edit, no deactivation, no deletion.
    let ada = t.editor(&grace, &t.owner_id).await;
    assert!(ada.read_only_reason.is_some() && !ada.can_assign_roles);
    let mut rename = update_of(&ada);
    rename.email = "grace-owns-this@example.com".into();
    assert_eq!(t.save(&grace, &rename).await.status(), 403);
    assert_eq!(t.set_active(&grace, &t.owner_id, false).await.status(), 403);
    assert_eq!(t.delete(&grace, &t.owner_id).await.status(), 403);
    assert_eq!(t.status_of(&t.owner_id).await, "active");
}

#[tokio::test]
async fn nobody_demotes_deactivates_or_deletes_themselves() {
    let t = team().await;
    let me = t.editor(&t.owner, &t.owner_id).await;
    let mut demote = update_of(&me);
    demote.role_ids = vec![Team::role_id(&me, "Admin")];
    let (status, error) = error_of(t.save(&t.owner, &demote).await).await;
    assert_eq!(status, 422);
    assert!(error.field_message("roles").is_some_and(|m| m.contains("yourself")));

    let (status, error) = error_of(t.set_active(&t.owner, &t.owner_id, false).await).await;
    assert_eq!((status, error.to_string()), (409, "You can't deactivate your own account.".to_owned()));
    let (status, error) = error_of(t.delete(&t.owner, &t.owner_id).await).await;
    assert_eq!((status, error.to_string()), (409, "You can't delete your own account.".to_owned()));
    assert_eq!(t.status_of(&t.owner_id).await, "active");
}

#[tokio::test]
async fn the_organization_always_keeps_an_active_owner() {
    let t = team().await;
    // A custom role with every permission, but not Owner: the only way to reach the last Owner.
    let org_id: String = on_db!(&t.app.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT org_id FROM users WHERE id = $1").bind(&t.admin_id).fetch_one(pool).await).unwrap();
    on_db!(&t.app.db, pool => async {
        sqlx::query("INSERT INTO roles (id, org_id, name, description, builtin, created_at) VALUES ('super', $1, 'Superadmin', '', FALSE, 0)")
            .bind(&org_id).execute(pool).await.unwrap();
        sqlx::query("INSERT INTO role_permissions (role_id, permission) SELECT 'super', key FROM permissions").execute(pool).await.unwrap();
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, 'super')").bind(&t.admin_id).execute(pool).await.unwrap();
    }.await);
    let grace = t.app.signed_in_at("grace@example.com", "acme").await;

    let (status, error) = error_of(t.set_active(&grace, &t.owner_id, false).await).await;
    assert_eq!(status, 409);
    assert!(error.to_string().contains("last active Owner"), "{error}");
    assert_eq!(t.delete(&grace, &t.owner_id).await.status(), 409);
    let ada = t.editor(&grace, &t.owner_id).await;
    let mut demote = update_of(&ada);
    demote.role_ids = vec![Team::role_id(&ada, "Admin")];
    assert_eq!(t.save(&grace, &demote).await.status(), 409);
    assert_eq!(t.status_of(&t.owner_id).await, "active");

    // With a second Owner, the first can go.
    let alan = t.editor(&grace, &t.member_id).await;
    let mut promote = update_of(&alan);
    promote.role_ids = vec![Team::role_id(&alan, "Owner")];
    assert_eq!(t.save(&grace, &promote).await.status(), 200);
    assert_eq!(t.set_active(&grace, &t.owner_id, false).await.status(), 200);
}

#[tokio::test]
async fn deactivation_ends_every_session_and_blocks_sign_in_until_activated() {
    let t = team().await;
    let laptop = t.app.signed_in_at("alan@example.com", "acme").await;
    let phone = t.app.signed_in_at("alan@example.com", "acme").await;

    let res = t.set_active(&t.owner, &t.member_id, false).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<(String, UserStatus)>().await.unwrap(), ("Alan Turing".to_owned(), UserStatus::Inactive));
    for client in [&laptop, &phone] {
        assert_eq!(t.app.call(client, "/api/current_user", &[]).await.status(), 401);
    }
    assert_eq!(
        t.app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND end_reason = 'deactivated'", &t.member_id).await,
        2
    );
    assert_eq!(t.app.login(&browser(), "alan@example.com", PASSWORD).await.status(), 401);
    let reason: String = on_db!(&t.app.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT reason FROM login_attempts WHERE email = 'alan@example.com' ORDER BY created_at DESC, id DESC LIMIT 1")
        .fetch_one(pool).await).unwrap();
    assert_eq!(reason, "Account deactivated");

    assert_eq!(t.set_active(&t.owner, &t.member_id, true).await.status(), 200);
    assert_eq!(t.status_of(&t.member_id).await, "active");
    assert_eq!(t.app.login(&browser(), "alan@example.com", PASSWORD).await.status(), 200);
    assert_eq!(t.audit_actions(&t.member_id).await, ["user.deactivated", "user.activated"]);
}

#[tokio::test]
async fn deleting_removes_the_account_and_sessions_but_the_records_keep_the_email() {
    let t = team().await;
    let alan = t.app.signed_in_at("alan@example.com", "acme").await;

    let res = t.delete(&t.owner, &t.member_id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "Alan Turing");
    assert_eq!(t.app.call(&alan, "/api/current_user", &[]).await.status(), 401);
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM users WHERE id = $1", &t.member_id).await, 0);
    assert_eq!(t.app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE user_id = $1", &t.member_id).await, 0);
    assert!(t.app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE email = $1", "alan@example.com").await >= 1);
    assert_eq!(
        t.app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = 'user.deleted' AND target_label = $1", "alan@example.com").await,
        1
    );
    assert_eq!(t.delete(&t.owner, &t.member_id).await.status(), 404, "gone is gone");
}

#[tokio::test]
async fn a_member_may_do_none_of_it() {
    let t = team().await;
    let alan = t.app.signed_in_at("alan@example.com", "acme").await;
    let editor = t.editor(&t.owner, &t.admin_id).await;

    assert_eq!(error_of(t.app.call(&alan, "/api/get_user", &[("id", &t.admin_id)]).await).await, (403, AppError::Forbidden));
    assert_eq!(error_of(t.app.call(&alan, "/api/list_roles", &[]).await).await, (403, AppError::Forbidden));
    assert_eq!(t.save(&alan, &update_of(&editor)).await.status(), 403);
    assert_eq!(t.set_active(&alan, &t.admin_id, false).await.status(), 403);
    assert_eq!(t.delete(&alan, &t.admin_id).await.status(), 403);
    assert_eq!(t.status_of(&t.admin_id).await, "active");
}

#[tokio::test]
async fn another_organizations_user_is_answered_as_missing() {
    let t = team().await;
    let hank = t.app.signed_in_at("hank@globex.example", "globex").await;
    let editor = t.editor(&t.owner, &t.member_id).await;

    assert_eq!(error_of(t.app.call(&hank, "/api/get_user", &[("id", &t.member_id)]).await).await, (404, AppError::NotFound));
    assert_eq!(error_of(t.app.call(&hank, "/api/get_user", &[("id", "no-such-id")]).await).await, (404, AppError::NotFound));
    let mut update = update_of(&editor);
    update.name = "Hacked".into();
    update.role_ids.clear();
    update.role_ids.push(Team::role_id(&editor, "Member"));
    assert_eq!(t.save(&hank, &update).await.status(), 404);
    assert_eq!(t.set_active(&hank, &t.member_id, false).await.status(), 404);
    assert_eq!(t.delete(&hank, &t.member_id).await.status(), 404);
    assert_eq!(t.editor(&t.owner, &t.member_id).await.user, editor.user, "untouched");
}

#[tokio::test]
async fn the_role_filter_lists_the_organizations_roles_strongest_first() {
    let t = team().await;
    let roles: Vec<app::users::account::RoleOption> = t.app.call(&t.owner, "/api/list_roles", &[]).await.json().await.unwrap();
    let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Owner", "Admin", "Member"]);
}
