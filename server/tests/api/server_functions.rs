//! Every server function is behind the session and its permission, inside one organization.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::users::types::UserList;

/// Server functions anyone may call: sign-in and what the sign-in page needs, and the
/// invitee's page (the link's token is its credential).
const PUBLIC: &[&str] = &[
    "/api/public/login",
    "/api/public/login_options",
    "/api/public/open_invitation",
    "/api/public/accept_invitation",
    "/api/public/decline_invitation",
];

#[tokio::test]
async fn every_server_function_but_sign_in_refuses_an_anonymous_caller() {
    let app = spawn_app().await;
    let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    assert!(paths.len() >= 8, "the server functions are registered: {paths:?}");

    for path in paths.iter().filter(|p| !PUBLIC.contains(p)) {
        let res = app.call(&browser(), path, &[]).await;
        assert_eq!(res.status(), 401, "{path}");
        assert_eq!(res.json::<AppError>().await.unwrap(), AppError::Unauthenticated, "{path}");
    }
    let mut public: Vec<&str> = paths.iter().copied().filter(|p| p.starts_with("/api/public/")).collect();
    public.sort_unstable();
    let mut expected = PUBLIC.to_vec();
    expected.sort_unstable();
    assert_eq!(public, expected, "the public server functions, exactly");
    for path in PUBLIC {
        assert!(paths.contains(path), "{path} is registered");
        assert!(path.starts_with("/api/public/"));
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
