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

/// `%00` typed inside a JSON string is text, not a NUL: only decoded values are checked.
#[tokio::test]
async fn a_new_password_holding_a_percent_zero_zero_is_text_and_is_accepted() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let here = app.signed_in("max@example.com").await;
    let change = json!({ "change": PasswordChange { current_password: PASSWORD.into(), new_password: "Rabatt%00fuer-alle-2026".into() } });
    let res = here.post(app.url("/api/change_password")).json(&change).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert_eq!(app.login(&browser(), "max@example.com", "Rabatt%00fuer-alle-2026").await.status(), 200);
    // A real NUL, escaped in the JSON, is still refused before anything reads it.
    let nul = json!({ "change": PasswordChange { current_password: "Rabatt%00fuer-alle-2026".into(), new_password: "with a \u{0} inside it".into() } });
    assert_eq!(here.post(app.url("/api/change_password")).json(&nul).send().await.unwrap().status(), 400);
}

/// A session guessing its own account's password goes no faster than a stranger at the
/// sign-in form: each wrong current password is counted toward the lockout before the check
/// and logged with its own reason; once locked, even the right one is refused.
#[tokio::test]
async fn wrong_current_passwords_count_toward_the_lockout_and_are_logged() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Owner", BuiltinRole::Owner).await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let stolen = app.signed_in("max@example.com").await;
    let change = |current: &str| json!({ "change": PasswordChange { current_password: current.into(), new_password: "a brand new passphrase".into() } });
    for guess in 0..5 {
        let res = stolen.post(app.url("/api/change_password")).json(&change(&format!("guess number {guess}"))).send().await.unwrap();
        assert_eq!(res.status(), 422);
    }
    // Locked now: the right password is refused too, and the password is unchanged.
    let res = stolen.post(app.url("/api/change_password")).json(&change(PASSWORD)).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.json::<AppError>().await.unwrap().field_message("current_password").is_some());
    assert_eq!(app.login(&browser(), "max@example.com", "a brand new passphrase").await.status(), 401);
    let logged = app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE reason = $1", "Wrong current password (change password)").await;
    assert_eq!(logged, 5);
    let locked = app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE reason = $1 AND email = 'max@example.com'", "Account locked").await;
    assert!(locked >= 1, "the attempt while locked is logged as such");
    // The Owner sees them on Login Attempts.
    let owner = app.signed_in("ada@example.com").await;
    let res = app.call(&owner, "/api/list_login_attempts", &[("search", "max@example.com")]).await;
    assert!(res.text().await.unwrap().contains("Wrong current password (change password)"));
}
