//! Every server function is behind the session and its permission, inside one organization.

use crate::helpers::*;
use app::auth::server::guard::JobDesk;
use app::auth::types::{BuiltinRole, Permission};
use app::bulk::server::runner::Worker;
use app::bulk::types::BulkPreview;
use app::server::state::Settings;
use app::error::AppError;
use app::users::account::{UserEditor, UserUpdate};
use app::users::types::UserList;
use serde_json::json;

/// How a server function lets a caller in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Access {
    /// Anyone: sign-in and what its page needs, and the invitee's page (the link's token is
    /// the credential).
    Public,
    /// Any signed-in user, acting on their own account.
    SignedIn,
    /// A signed-in user whose roles grant this permission.
    Needs(Permission),
}

enum Body {
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

/// One row of the surface: a registered server function, who may call it, and a well-formed
/// request for it naming Acme's records (the last step proves each request is well-formed).
struct Entry {
    path: &'static str,
    access: Access,
    /// What an admin of another organization gets for this very request, which names Acme's
    /// records: 404 for a record, as if it did not exist. `None`: it names none.
    foreign: Option<u16>,
    body: Body,
}

/// Acme's records the requests name.
struct Targets {
    max: String,
    max_session: String,
    invitation: String,
    update: UserUpdate,
    member_role: String,
    /// A bulk deactivation of Pat, previewed by the Owner (to start, then cancel).
    preview: String,
    /// A finished bulk job (Pat made an Admin), to undo.
    finished: String,
}

/// Every server function. A function registered without a row here, or a row without its
/// function, fails the test; so does a guard that lets in someone its row says it refuses.
fn surface(t: &Targets) -> Vec<Entry> {
    use Access::*;
    let id = |v: &str| Body::Form(vec![("id", v.to_owned())]);
    let none = || Body::Form(vec![]);
    let entry = |path, access, foreign, body| Entry { path, access, foreign, body };
    let (no, hidden) = (None, Some(404));
    vec![
        entry("/api/public/login", Public, no, Body::Form(vec![("email", "nobody@example.com".into()), ("password", "not the password".into())])),
        entry("/api/public/login_options", Public, no, none()),
        entry("/api/public/open_invitation", Public, no, Body::Form(vec![("token", "not-a-token".into())])),
        entry("/api/public/accept_invitation", Public, no, Body::Form(vec![("token", "not-a-token".into()), ("name", "Eve".into()), ("password", "a long enough password".into())])),
        entry("/api/public/decline_invitation", Public, no, Body::Form(vec![("token", "not-a-token".into())])),
        entry("/api/current_user", SignedIn, no, none()),
        entry("/api/my_account", SignedIn, no, none()),
        entry("/api/my_sessions", SignedIn, no, none()),
        entry("/api/change_password", SignedIn, no, Body::Json(json!({ "change": { "current_password": PASSWORD, "new_password": "an entirely new passphrase" } }))),
        entry("/api/sign_out_session", SignedIn, hidden, id(&t.max_session)),
        entry("/api/sign_out_other_sessions", SignedIn, no, none()),
        entry("/api/logout", SignedIn, no, none()),
        entry("/api/list_users", Needs(Permission::UsersView), no, none()),
        entry("/api/list_roles", Needs(Permission::UsersView), no, none()),
        entry("/api/get_user", Needs(Permission::UsersEdit), hidden, id(&t.max)),
        entry("/api/update_user", Needs(Permission::UsersEdit), hidden, Body::Json(json!({ "update": t.update }))),
        entry("/api/unlock_user", Needs(Permission::UsersEdit), hidden, id(&t.max)),
        entry("/api/set_user_active", Needs(Permission::UsersDeactivate), hidden, Body::Form(vec![("id", t.max.clone()), ("active", "false".into())])),
        entry("/api/delete_user", Needs(Permission::UsersDelete), hidden, id(&t.max)),
        entry("/api/list_invitations", Needs(Permission::UsersInvite), no, none()),
        entry("/api/invite_roles", Needs(Permission::UsersInvite), no, none()),
        entry(
            "/api/invite_user",
            Needs(Permission::UsersInvite),
            // The invitation would be the caller's own organization's; Acme's role is no role
            // there, said beside the Role field.
            Some(422),
            Body::Json(json!({ "invitation": { "email": "newcomer@example.com", "role_id": t.member_role, "message": "" } })),
        ),
        entry("/api/resend_invitation", Needs(Permission::UsersInvite), hidden, id(&t.invitation)),
        entry("/api/cancel_invitation", Needs(Permission::UsersInvite), hidden, id(&t.invitation)),
        entry("/api/list_sessions", Needs(Permission::SessionsView), no, none()),
        entry("/api/revoke_session", Needs(Permission::SessionsRevoke), hidden, id(&t.max_session)),
        entry("/api/revoke_user_sessions", Needs(Permission::SessionsRevoke), hidden, id(&t.max)),
        entry("/api/list_login_attempts", Needs(Permission::LoginAttemptsView), no, none()),
        // Max's history: another organization's admin is told there is no such person.
        entry("/api/list_audit_events", Needs(Permission::AuditView), hidden, Body::Form(vec![("target", t.max.clone())])),
        // Another organization's admin has no user of Acme to select: said beside the selection.
        entry("/api/preview_bulk_action", Needs(Permission::UsersDeactivate), Some(422), Body::Json(json!({ "request": { "kind": "Deactivate", "ids": [t.max] } }))),
        entry("/api/start_bulk_job", Needs(Permission::UsersDeactivate), hidden, id(&t.preview)),
        entry("/api/cancel_bulk_job", Needs(Permission::UsersDeactivate), hidden, id(&t.preview)),
        entry("/api/get_bulk_job", Needs(Permission::UsersView), hidden, id(&t.finished)),
        entry("/api/latest_bulk_job", Needs(Permission::UsersView), no, none()),
        entry("/api/undo_bulk_job", Needs(Permission::UsersEdit), hidden, id(&t.finished)),
    ]
}

/// How a request says where it comes from.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// Roster's own page, as a browser says (`Sec-Fetch-Site: same-origin`).
    OwnPage,
    CrossSiteFetch,
    ForeignOrigin,
    /// Neither `Origin` nor `Sec-Fetch-Site`: no browser sends a write like this.
    Unattributed,
}

async fn send(app: &TestApp, cookie: Option<&str>, via: Via, entry: &Entry) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(app.url(entry.path)).header("user-agent", BROWSER_UA);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req = match via {
        Via::OwnPage => req.header("sec-fetch-site", "same-origin"),
        Via::CrossSiteFetch => req.header("sec-fetch-site", "cross-site"),
        Via::ForeignOrigin => req.header("origin", "https://evil.example"),
        Via::Unattributed => req,
    };
    match &entry.body {
        Body::Form(form) => req.form(form),
        Body::Json(value) => req.json(value),
    }
    .send()
    .await
    .unwrap()
}

/// What any of the server functions could change, row by row.
async fn state_of(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT id || ' ' || status || ' ' || name || ' ' || email || ' ' || CAST(version AS TEXT) || ' ' || COALESCE(password_hash, '') FROM users",
        "SELECT user_id || ' ' || role_id FROM user_roles",
        "SELECT id || ' ' || COALESCE(end_reason, 'live') FROM sessions",
        "SELECT id || ' ' || status || ' ' || token_hash FROM invitations",
        "SELECT id FROM email_outbox",
        "SELECT id FROM audit_events",
        "SELECT user_id || ' ' || CAST(failures AS TEXT) FROM account_lockouts",
        "SELECT id FROM login_attempts",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let mut found: Vec<String> = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await).unwrap();
        found.sort_unstable();
        rows.push(format!("{sql}: {found:?}"));
    }
    rows
}

/// The raw `Cookie` header of a new session for `email` in the organization `slug`.
async fn cookie_of(app: &TestApp, email: &str, slug: &str) -> String {
    let res = browser()
        .post(app.url("/api/public/login"))
        .form(&[("email", email), ("password", PASSWORD), ("organization", slug)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "sign-in as {email}");
    session_cookie(&res).unwrap().split(';').next().unwrap().to_owned()
}

/// Gives `user_id` a role holding every permission but `missing`.
async fn grant_all_but(app: &TestApp, org: &Org, user_id: &str, missing: Permission) {
    let role = uuid::Uuid::new_v4().to_string();
    let granted: Vec<&str> = Permission::ALL.into_iter().filter(|p| *p != missing).map(Permission::key).collect();
    on_db!(&app.db, pool => async {
        sqlx::query("INSERT INTO roles (id, org_id, name, description, builtin, created_at) VALUES ($1, $2, $3, '', FALSE, 0)")
            .bind(&role).bind(&org.id).bind(format!("All but {}", missing.key())).execute(pool).await?;
        for permission in &granted {
            sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)").bind(&role).bind(permission).execute(pool).await?;
        }
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)").bind(user_id).bind(&role).execute(pool).await?;
        Ok::<(), sqlx::Error>(())
    }.await)
    .unwrap();
}

#[tokio::test]
async fn every_server_function_is_guarded_scoped_to_its_organization_and_same_origin_only() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let max = app.add_user(&acme, "max@example.com", "Max Member", BuiltinRole::Member).await;
    app.add_user(&globex, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    let owner = cookie_of(&app, "ada@example.com", "acme").await;
    let member = cookie_of(&app, "max@example.com", "acme").await;
    let stranger = cookie_of(&app, "hank@globex.example", "globex").await;

    // Acme's records: Max, his session, a pending invitation, Member's role id.
    let as_owner = |path: &'static str, body: Body| {
        let entry = Entry { path, access: Access::Public, foreign: None, body };
        let app = &app;
        let owner = owner.clone();
        async move { send(app, Some(&owner), Via::OwnPage, &entry).await }
    };
    let editor: UserEditor = as_owner("/api/get_user", Body::Form(vec![("id", max.clone())])).await.json().await.unwrap();
    let member_role = editor.roles.iter().find(|r| r.name == "Member").unwrap().id.clone();
    let invite = json!({ "invitation": { "email": "ivy@example.com", "role_id": member_role, "message": "" } });
    let invited = as_owner("/api/invite_user", Body::Json(invite)).await;
    assert_eq!(invited.status(), 200);
    let invitation = app.scalar_text("SELECT id FROM invitations WHERE email = $1", "ivy@example.com").await;
    let max_session = app.scalar_text("SELECT id FROM sessions WHERE user_id = $1", &max).await;
    let update = UserUpdate { name: "Max Renamed".into(), ..update_of(&editor) };
    // Bulk jobs on Pat: one finished (made an Admin), one previewed.
    let pat = app.add_user(&acme, "pat@example.com", "Pat Member", BuiltinRole::Member).await;
    let admin_role = editor.roles.iter().find(|r| r.name == "Admin").unwrap().id.clone();
    let bulk = |request: serde_json::Value| as_owner("/api/preview_bulk_action", Body::Json(json!({ "request": request })));
    let finished: BulkPreview = bulk(json!({ "kind": "AddRole", "role_id": admin_role, "ids": [pat] })).await.json().await.unwrap();
    let started = as_owner("/api/start_bulk_job", Body::Form(vec![("id", finished.job_id.clone())])).await;
    assert_eq!(started.status(), 200);
    Worker::new(JobDesk::new(app.db.clone(), Settings::default())).run_until_idle().await.unwrap();
    let preview: BulkPreview = bulk(json!({ "kind": "Deactivate", "ids": [pat] })).await.json().await.unwrap();
    let targets = Targets { max: max.clone(), max_session, invitation, update, member_role, preview: preview.job_id, finished: finished.job_id };
    let surface = surface(&targets);

    // The table is the registry, exactly.
    let mut registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    registered.sort_unstable();
    let mut listed: Vec<&str> = surface.iter().map(|e| e.path).collect();
    listed.sort_unstable();
    assert_eq!(registered, listed, "every registered server function has a row, and every row a function");
    for entry in &surface {
        assert_eq!(entry.path.starts_with("/api/public/"), entry.access == Access::Public, "{}: public exactly under /api/public/", entry.path);
    }

    // A user per permission, holding every other one.
    let mut without = Vec::new();
    for permission in Permission::ALL {
        if surface.iter().any(|e| e.access == Access::Needs(permission)) {
            let email = format!("without.{}@example.com", permission.key().replace('.', "-"));
            let id = app.add_user(&acme, &email, "Almost Everything", BuiltinRole::Member).await;
            grant_all_but(&app, &acme, &id, permission).await;
            without.push((permission, cookie_of(&app, &email, "acme").await));
        }
    }

    let before = state_of(&app).await;
    for entry in &surface {
        let path = entry.path;
        if entry.access != Access::Public {
            let res = send(&app, None, Via::OwnPage, entry).await;
            assert_eq!(res.status(), 401, "{path}: anonymous");
            assert_eq!(res.json::<AppError>().await.unwrap(), AppError::Unauthenticated, "{path}: anonymous");
        }
        if let Access::Needs(permission) = entry.access {
            let (_, lacking) = without.iter().find(|(p, _)| *p == permission).unwrap();
            for (who, cookie) in [("without the permission", lacking), ("a member", &member)] {
                let res = send(&app, Some(cookie), Via::OwnPage, entry).await;
                assert_eq!(res.status(), 403, "{path}: {who}");
                assert_eq!(res.json::<AppError>().await.unwrap(), AppError::Forbidden, "{path}: {who}");
            }
        }
        if let Some(status) = entry.foreign {
            let res = send(&app, Some(&stranger), Via::OwnPage, entry).await;
            assert_eq!(res.status(), status, "{path}: another organization's admin");
        }
        for via in [Via::CrossSiteFetch, Via::ForeignOrigin, Via::Unattributed] {
            let res = send(&app, Some(&owner), via, entry).await;
            assert_eq!(res.status(), 403, "{path}: {via:?}");
        }
        // No GET changes anything: a server function answers only POST.
        let res = reqwest::Client::new().get(app.url(path)).header("cookie", &owner).header("sec-fetch-site", "same-origin").send().await.unwrap();
        assert!(!res.status().is_success(), "{path}: GET answered {}", res.status());
        assert_eq!(state_of(&app).await, before, "{path}: nothing changed");
    }
    for page in ["/", "/users", "/invitations", "/sessions", "/login-attempts", "/user-management", "/account", "/login", "/invitation"] {
        let res = reqwest::Client::new().get(app.url(page)).header("cookie", &owner).send().await.unwrap();
        assert!(res.status().as_u16() < 500, "{page}");
    }
    assert_eq!(state_of(&app).await, before, "loading every page changed nothing");

    // The same requests from Roster's own page, by Acme's Owner, do what they say: the refusals
    // above were the guards', not a malformed request's. What ends sessions or Max comes last.
    let last = ["/api/revoke_session", "/api/revoke_user_sessions", "/api/set_user_active", "/api/delete_user", "/api/sign_out_other_sessions", "/api/logout"];
    let mut order: Vec<&Entry> = surface.iter().filter(|e| e.access != Access::Public && !last.contains(&e.path)).collect();
    order.extend(last.iter().filter_map(|path| surface.iter().find(|e| e.path == *path)));
    for entry in order {
        let res = if entry.path == "/api/sign_out_session" {
            // Max signs out of another session of his own.
            let again = cookie_of(&app, "max@example.com", "acme").await;
            let sql = format!("SELECT id FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND id <> '{}'", targets.max_session);
            let id = app.scalar_text(&sql, &max).await;
            let own = Entry { path: entry.path, access: entry.access, foreign: None, body: Body::Form(vec![("id", id)]) };
            send(&app, Some(&again), Via::OwnPage, &own).await
        } else {
            send(&app, Some(&owner), Via::OwnPage, entry).await
        };
        let status = res.status();
        assert!(status.is_success(), "{}: {status} {}", entry.path, res.text().await.unwrap_or_default());
    }
}

#[tokio::test]
async fn a_member_without_permissions_gets_403_and_no_data() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let member = app.signed_in("max@example.com").await;

    for path in ["/api/list_users", "/api/list_invitations", "/api/list_sessions", "/api/list_login_attempts"] {
        let res = app.call(&member, path, &[]).await;
        assert_eq!(res.status(), 403, "{path}");
        assert_eq!(res.json::<AppError>().await.unwrap(), AppError::Forbidden, "{path}");
    }
    // A member still knows who they are and can sign out.
    assert_eq!(app.call(&member, "/api/current_user", &[]).await.status(), 200);

    let page = member.get(app.url("/users")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You don&#x27;t have permission to manage users. Contact your administrator.")
        || page.contains("You don't have permission to manage users. Contact your administrator."));
    assert!(!page.contains("ada@example.com"), "no data for a member");
}

#[tokio::test]
async fn an_admin_sees_only_their_own_organization() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Admin).await;
    app.add_user(&globex, "hank@globex.example", "Hank Scorpio", BuiltinRole::Owner).await;
    app.signed_in("hank@globex.example").await;
    let client = app.signed_in_at("ada@example.com", "acme").await;

    let users: UserList = app.call(&client, "/api/list_users", &[]).await.json().await.unwrap();
    assert_eq!(users.users.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["ada@example.com"]);
    assert_eq!(users.total, app::users::types::Total::Exact(1));

    // Both organizations have a live session and a sign-in attempt; Acme's admin sees Acme's
    // alone, and does see it (an empty list would hide nothing).
    let sessions: app::sessions::types::SessionList = app.call(&client, "/api/list_sessions", &[]).await.json().await.unwrap();
    let holders: Vec<&str> = sessions.sessions.iter().map(|s| s.user_email.as_str()).collect();
    assert_eq!(holders, ["ada@example.com"]);
    let attempts: app::login_attempts::types::LoginAttemptList =
        app.call(&client, "/api/list_login_attempts", &[]).await.json().await.unwrap();
    let tried: Vec<&str> = attempts.attempts.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(tried, ["ada@example.com"]);
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_very_next_request() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let max = app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let client = app.signed_in("max@example.com").await;
    assert_eq!(app.call(&client, "/api/list_users", &[]).await.status(), 403);

    app.execute(
        "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u JOIN roles r ON r.org_id = u.org_id AND r.name = 'Admin' WHERE u.id = $1",
        &max,
    )
    .await;

    assert_eq!(app.call(&client, "/api/list_users", &[]).await.status(), 200);
}

#[tokio::test]
async fn the_users_list_carries_roles_status_and_last_login() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "bob@example.com", "bob Builder", BuiltinRole::Member).await;
    let client = app.signed_in("ada@example.com").await;

    let list: UserList = app.call(&client, "/api/list_users", &[]).await.json().await.unwrap();

    let names: Vec<&str> = list.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "bob Builder"], "sorted by name, ignoring case");
    assert_eq!(list.users[0].roles, ["Owner"]);
    assert!(list.users[0].last_login_at.is_some());
    assert_eq!(list.users[1].last_login_at, None);
    assert_eq!(list.users[1].status, app::users::types::UserStatus::Active);
}

#[tokio::test]
async fn malformed_arguments_are_refused_with_400_and_a_message_never_500() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let max = app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let owner = app.signed_in("ada@example.com").await;
    // What no form of Roster sends: 400, with what could not be read.
    let unreadable: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("a boolean that is not one", owner.post(app.url("/api/set_user_active")).form(&[("id", max.as_str()), ("active", "maybe")])),
        ("a missing argument", owner.post(app.url("/api/delete_user")).form(&[("who", max.as_str())])),
        ("not JSON", owner.post(app.url("/api/update_user")).header("content-type", "application/json").body("{nope")),
        (
            "an unknown field",
            owner.post(app.url("/api/invite_user")).json(&json!({ "invitation": { "email": "x@example.com", "role_id": "r", "message": "", "is_owner": true } })),
        ),
    ];
    for (what, req) in unreadable {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 400, "{what}");
        assert!(matches!(res.json::<AppError>().await.unwrap(), AppError::BadRequest(m) if !m.is_empty()), "{what}");
    }
    // A list's URL parameters, edited by hand: 422 with the parameter named.
    for (param, value) in [("size", "lots"), ("after", "tampered"), ("sort", "password_hash"), ("status", "sleeping")] {
        let res = owner.post(app.url("/api/list_users")).form(&[(param, value)]).send().await.unwrap();
        assert_eq!(res.status(), 422, "{param}={value}");
        assert!(res.json::<AppError>().await.unwrap().field_message(param).is_some(), "{param}={value}: the message names it");
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM users WHERE status = 'active'", "").await, 2, "nothing changed");
}
