//! Sign-in, sign-out and sessions, with every attempt recorded.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use sha2::Digest as _;

async fn attempt(app: &TestApp, email: &str) -> (String, Option<String>, String, String) {
    let row = on_db!(&app.db, pool => sqlx::query_as::<_, (String, Option<String>, String, String)>(
        "SELECT status, reason, ip_address, user_agent FROM login_attempts WHERE email = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(pool)
    .await);
    row.expect("an attempt was recorded")
}

async fn assert_refused(res: reqwest::Response) {
    assert_eq!(res.status(), 401);
    assert!(session_cookie(&res).is_none(), "a failed sign-in must not set a session cookie");
    let err: AppError = res.json().await.expect("error body");
    assert_eq!(err, AppError::InvalidCredentials);
    assert_eq!(err.to_string(), "Invalid email or password");
}

#[tokio::test]
async fn signing_in_starts_a_session_and_records_a_success() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = browser();

    let res = app.login(&client, "Ada@Example.com ", PASSWORD).await;

    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert_eq!(cookie_value(&cookie).len(), 43, "256-bit token, base64url");
    let token = cookie_value(&cookie);
    let raw = app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE token_hash = $1", &token).await;
    assert_eq!(raw, 0, "the raw token is never stored");
    let sha256: String = sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let hashed = app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE token_hash = $1 AND ended_at IS NULL", &sha256).await;
    assert_eq!(hashed, 1, "the session is stored under the token's SHA-256");

    let me: app::auth::types::SignedInUser = app.call(&client, "/api/current_user", &[]).await.json().await.unwrap();
    assert_eq!((me.email.as_str(), me.org_name.as_str()), ("ada@example.com", "Acme"));

    let (status, reason, ip, ua) = attempt(&app, "Ada@Example.com").await;
    assert_eq!((status.as_str(), reason, ip.as_str(), ua.as_str()), ("success", None, "127.0.0.1", BROWSER_UA));
    let last_login = app.scalar_i64("SELECT COUNT(*) FROM users WHERE email = $1 AND last_login_at IS NOT NULL", "ada@example.com").await;
    assert_eq!(last_login, 1);
}

#[tokio::test]
async fn a_wrong_password_is_refused_generically_and_recorded() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;

    assert_refused(app.login(&browser(), "ada@example.com", "not the password").await).await;

    let (status, reason, _, _) = attempt(&app, "ada@example.com").await;
    assert_eq!((status.as_str(), reason.as_deref()), ("failed", Some("Wrong password")));
}

#[tokio::test]
async fn an_unknown_email_is_refused_the_same_way_and_recorded() {
    let app = spawn_app().await;
    app.create_org("acme", "Acme").await;

    assert_refused(app.login(&browser(), "nobody@example.com", PASSWORD).await).await;

    let (status, reason, _, _) = attempt(&app, "nobody@example.com").await;
    assert_eq!((status.as_str(), reason.as_deref()), ("failed", Some("Unknown account")));
}

#[tokio::test]
async fn a_deactivated_account_cannot_sign_in_even_with_the_right_password() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.execute("UPDATE users SET status = 'inactive' WHERE email = $1", "ada@example.com").await;

    assert_refused(app.login(&browser(), "ada@example.com", PASSWORD).await).await;

    let (_, reason, _, _) = attempt(&app, "ada@example.com").await;
    assert_eq!(reason.as_deref(), Some("Account deactivated"));
}

#[tokio::test]
async fn a_pending_invitee_cannot_sign_in() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Member).await;
    app.execute("UPDATE users SET status = 'pending', password_hash = NULL WHERE email = $1", "ada@example.com").await;

    assert_refused(app.login(&browser(), "ada@example.com", PASSWORD).await).await;

    let (_, reason, _, _) = attempt(&app, "ada@example.com").await;
    assert_eq!(reason.as_deref(), Some("Account pending (invitation not accepted)"));
}

#[tokio::test]
async fn blank_fields_get_messages_beside_them_and_are_not_an_attempt() {
    let app = spawn_app().await;
    app.create_org("acme", "Acme").await;

    let res = app.login(&browser(), "  ", "").await;

    assert_eq!(res.status(), 422);
    let err: AppError = res.json().await.unwrap();
    assert_eq!(err.field_message("email").as_deref(), Some("Enter your email."));
    assert_eq!(err.field_message("password").as_deref(), Some("Enter your password."));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE email_key = $1", "").await, 0);
}

#[tokio::test]
async fn without_javascript_a_failed_sign_in_returns_to_the_form_with_the_message() {
    let app = spawn_app().await;
    app.create_org("acme", "Acme").await;

    let res = browser()
        .post(app.url("/api/public/login"))
        .header("accept", "text/html")
        .header("referer", app.url("/login"))
        .form(&[("email", "nobody@example.com"), ("password", "whatever")])
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?error=invalid");
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_id() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = browser();

    let first = cookie_value(&session_cookie(&app.login(&client, "ada@example.com", PASSWORD).await).unwrap());
    let second = cookie_value(&session_cookie(&app.login(&client, "ada@example.com", PASSWORD).await).unwrap());

    assert_ne!(first, second);
    let old = app.call(&with_cookie(&first), "/api/current_user", &[]).await;
    assert_eq!(old.status(), 401, "the session held before signing in again has ended");
}

fn with_cookie(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", format!("roster_session={token}").parse().unwrap());
    headers.insert("sec-fetch-site", "same-origin".parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = browser();
    let token = cookie_value(&session_cookie(&app.login(&client, "ada@example.com", PASSWORD).await).unwrap());

    let res = app.call(&client, "/api/logout", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(session_cookie(&res).is_some_and(|c| c.contains("Max-Age=0")), "the browser is told to forget the cookie");

    // Replaying the old cookie (as a stolen copy would) no longer works.
    let replay = with_cookie(&token);
    assert_eq!(app.call(&replay, "/api/current_user", &[]).await.status(), 401);
    let page = replay.get(app.url("/users")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?session=ended", "with a message that the session ended");
}

#[tokio::test]
async fn an_expired_session_sends_the_browser_to_sign_in() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    app.execute("UPDATE sessions SET expires_at = 0 WHERE user_id IN (SELECT id FROM users WHERE email = $1)", "ada@example.com").await;

    assert_eq!(app.call(&client, "/api/current_user", &[]).await.status(), 401);
    assert_eq!(client.get(app.url("/users")).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn a_session_idle_too_long_has_ended() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    app.execute("UPDATE sessions SET last_active_at = 0 WHERE user_id IN (SELECT id FROM users WHERE email = $1)", "ada@example.com").await;

    assert_eq!(app.call(&client, "/api/current_user", &[]).await.status(), 401);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_session_on_the_next_request() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    app.execute("UPDATE users SET status = 'inactive' WHERE email = $1", "ada@example.com").await;

    assert_eq!(app.call(&client, "/api/current_user", &[]).await.status(), 401);
}

#[tokio::test]
async fn a_signed_in_browser_visiting_the_sign_in_page_goes_home() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let client = app.signed_in("ada@example.com").await;

    let res = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    // Home is Users for those who may see it (Your account for the others: account.rs).
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/users");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_never_fail_with_a_locked_database() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;

    // Each sign-in writes a session, an attempt and the last-login time.
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let url = app.url("/api/public/login");
            tokio::spawn(async move {
                browser().post(url).form(&[("email", "ada@example.com"), ("password", PASSWORD)]).send().await.map(|r| r.status().as_u16())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE org_id = $1", &org.id).await, 24);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_a_bare_one_is_not_the_session() {
    let app = spawn_app_with(app::server::state::Settings { public_url: "https://roster.example".into(), ..Default::default() }).await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let res = app.login(&browser(), "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).expect("a session cookie");
    assert!(cookie.starts_with("__Host-roster_session=") && cookie.contains("; Path=/;") && cookie.contains("; Secure"), "{cookie}");
    let token = cookie_value(&cookie);
    let with = |name: &str| browser().get(app.url("/users")).header("cookie", format!("{name}={token}")).send();
    assert_eq!(with("__Host-roster_session").await.unwrap().status(), 200);
    let planted = with("roster_session").await.unwrap();
    assert_eq!((planted.status().as_u16(), planted.headers()["location"].to_str().unwrap()), (303, "/login"), "not under another name");
}

#[tokio::test]
async fn a_password_hash_made_with_weaker_settings_is_renewed_at_the_next_sign_in() {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let weak = argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, argon2::Params::new(4096, 1, 1, None).unwrap());
    let old = weak.hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng)).unwrap().to_string();
    on_db!(&app.db, pool => sqlx::query("UPDATE users SET password_hash = $1 WHERE email = 'ada@example.com'").bind(&old).execute(pool).await.map(|_| ())).unwrap();
    let stored = || async {
        on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE email = 'ada@example.com'").fetch_one(pool).await).unwrap()
    };

    assert_eq!(app.login(&browser(), "ada@example.com", "not the password at all").await.status(), 401);
    assert_eq!(stored().await, old, "a wrong password renews nothing");
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200);
    let renewed = stored().await;
    assert!(renewed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{renewed}");
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200, "the same password, now under the new hash");
    assert_eq!(stored().await, renewed, "a current hash is kept");
}
