//! Your account: where people without `users.view` land, and Change password.

use crate::helpers::*;
use app::account::types::{AccountDetails, PasswordChange};
use app::auth::types::BuiltinRole;
use app::error::AppError;
use serde_json::json;

#[tokio::test]
async fn a_member_lands_on_their_account_and_an_admin_on_users() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    for (email, home) in [("max@example.com", "/account"), ("ada@example.com", "/users")] {
        let client = app.signed_in(email).await;
        let res = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.status(), 303, "{email}");
        assert_eq!(res.headers()["location"], home, "{email}");
        assert_eq!(client.get(app.url("/account")).send().await.unwrap().status(), 200);
    }
    let member = app.signed_in("max@example.com").await;
    let me: AccountDetails = app.call(&member, "/api/my_account", &[]).await.json().await.unwrap();
    assert_eq!((me.name.as_str(), me.organization.as_str(), me.roles.clone()), ("Max Member", "Acme", vec!["Member".to_owned()]));
    assert_eq!(browser().get(app.url("/account")).send().await.unwrap().headers()["location"], "/login");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_every_other_session() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let here = app.signed_in("max@example.com").await;
    let elsewhere = app.signed_in("max@example.com").await;
    let change = |current: &str, new: &str| json!({ "change": PasswordChange { current_password: current.into(), new_password: new.into() } });

    let res = here.post(app.url("/api/change_password")).json(&change("wrong password!", "a brand new passphrase")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.json::<AppError>().await.unwrap().field_message("current_password").is_some());
    // Too short, among the most common, built on the email or on the organization's name:
    // each refused beside the field, before any hashing.
    for (weak, why) in [("short", "12 characters"), ("password1234", "most common"), ("max-2026-secret", "email"), ("ACME rocks, all year", "organization")] {
        let res = here.post(app.url("/api/change_password")).json(&change(PASSWORD, weak)).send().await.unwrap();
        assert_eq!(res.status(), 422, "{weak}");
        let message = res.json::<AppError>().await.unwrap().field_message("new_password").unwrap();
        assert!(message.contains(why), "{weak}: {message}");
    }
    assert_eq!(app.call(&elsewhere, "/api/current_user", &[]).await.status(), 200, "nothing changed yet");

    let res = here.post(app.url("/api/change_password")).json(&change(PASSWORD, "a brand new passphrase")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<u64>().await.unwrap(), 1);
    assert_eq!(app.call(&here, "/api/current_user", &[]).await.status(), 200, "this session stays");
    assert_eq!(app.call(&elsewhere, "/api/current_user", &[]).await.status(), 401, "the other one ended");
    assert_eq!(app.login(&browser(), "max@example.com", PASSWORD).await.status(), 401);
    assert_eq!(app.login(&browser(), "max@example.com", "a brand new passphrase").await.status(), 200);
}
