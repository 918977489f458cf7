//! Sign-in under attack: the per-account lockout (and its race), the per-address limit, the
//! bounded password checks, the client address behind proxies, and what the log keeps.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::server::state::{Lockout, Settings};
use std::time::Duration;

/// Settings where only the lockout limits: the address limit is out of the way.
fn lockout_settings(threshold: i64, duration: Duration) -> Settings {
    Settings {
        lockout: Lockout { threshold, window: Duration::from_secs(900), duration },
        ip_limit: 10_000,
        hash_queue: 1_000,
        ..Settings::default()
    }
}

async fn reasons(app: &TestApp, email: &str) -> Vec<String> {
    on_db!(&app.db, pool => sqlx::query_scalar::<_, Option<String>>(
        "SELECT reason FROM login_attempts WHERE email = $1 ORDER BY created_at, id",
    )
    .bind(email)
    .fetch_all(pool)
    .await)
    .unwrap()
    .into_iter()
    .map(|r| r.unwrap_or_else(|| "Success".into()))
    .collect()
}

async fn acme(settings: Settings) -> (TestApp, String) {
    let app = spawn_app_with(settings).await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "owner@example.com", "Olive Owner", BuiltinRole::Owner).await;
    let ada = app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Member).await;
    (app, ada)
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused_the_same_way() {
    let (app, _) = acme(lockout_settings(5, Duration::from_secs(900))).await;
    let client = browser();
    for _ in 0..5 {
        assert_eq!(app.login(&client, "ada@example.com", "wrong password!").await.status(), 401);
    }
    // Locked: the right password gets the very same answer, and is not even checked.
    let res = app.login(&client, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(session_cookie(&res).is_none());
    assert_eq!(res.json::<AppError>().await.unwrap(), AppError::InvalidCredentials);
    let mut expected = vec!["Wrong password".to_owned(); 5];
    expected.push("Account locked".into());
    assert_eq!(reasons(&app, "ada@example.com").await, expected);

    // The Users list shows the lock, with when it ends.
    let owner = app.signed_in("owner@example.com").await;
    let list: app::users::types::UserList = app.call(&owner, "/api/list_users", &[("search", "ada")]).await.json().await.unwrap();
    let ada = &list.users[0];
    let until = ada.locked_until.expect("Ada is shown as locked");
    assert!(until > list.now + 14 * 60_000 && until <= list.now + 15 * 60_000, "locked for 15 minutes");
}

#[tokio::test]
async fn a_success_before_the_threshold_starts_the_count_again() {
    let (app, _) = acme(lockout_settings(3, Duration::from_secs(900))).await;
    let client = browser();
    for _ in 0..2 {
        app.login(&client, "ada@example.com", "wrong password!").await;
    }
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200);
    for _ in 0..2 {
        app.login(&client, "ada@example.com", "wrong password!").await;
    }
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200, "two failures after a success do not lock");
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_check_at_most_the_threshold() {
    let (app, _) = acme(lockout_settings(5, Duration::from_secs(900))).await;
    let app = std::sync::Arc::new(app);
    let tries: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.login(&browser(), "ada@example.com", "wrong password!").await.status().as_u16() })
        })
        .collect();
    for t in tries {
        assert_eq!(t.await.unwrap(), 401);
    }
    let reasons = reasons(&app, "ada@example.com").await;
    assert_eq!(reasons.len(), 50, "every attempt is recorded");
    let checked = reasons.iter().filter(|r| *r == "Wrong password").count();
    let locked = reasons.iter().filter(|r| *r == "Account locked").count();
    assert_eq!((checked, locked), (5, 45), "exactly the threshold's number of passwords were checked");
}

#[tokio::test]
async fn a_lock_ends_by_itself_and_unlock_ends_it_at_once_with_an_audit_event() {
    let (app, ada) = acme(lockout_settings(2, Duration::from_secs(900))).await;
    for _ in 0..2 {
        app.login(&browser(), "ada@example.com", "wrong password!").await;
    }
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 401);
    // Fifteen minutes pass, without waiting for them: the lock's stored end is moved into the
    // past, as the clock would have overtaken it (no sleep racing a 1 s lock).
    let until = app.scalar_i64("SELECT locked_until FROM account_lockouts WHERE user_id = $1", &ada).await;
    assert!(until > app::server::ids::now_ms() + 890_000, "locked for the configured 15 minutes");
    app.execute("UPDATE account_lockouts SET locked_until = locked_until - 900001, window_start = window_start - 900001 WHERE user_id = $1", &ada).await;
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200, "the lock ran out");

    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM account_lockouts WHERE user_id = $1", &ada).await, 0, "a sign-in forgets the failures");

    // Locked for long this time: Unlock lifts it.
    let (app, ada2) = acme(lockout_settings(2, Duration::from_secs(900))).await;
    for _ in 0..2 {
        app.login(&browser(), "ada@example.com", "wrong password!").await;
    }
    let owner = app.signed_in("owner@example.com").await;
    let res = app.call(&owner, "/api/unlock_user", &[("id", &ada2)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "Ada Lovelace");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = $1", "user.unlocked").await, 1);
    let list: app::users::types::UserList = app.call(&owner, "/api/list_users", &[("search", "ada")]).await.json().await.unwrap();
    assert_eq!(list.users[0].locked_until, None);
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn unlock_needs_users_edit_and_an_account_of_ones_own_organization() {
    let (app, ada) = acme(lockout_settings(2, Duration::from_secs(900))).await;
    let acme_org: String = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT id FROM organizations WHERE slug = 'acme'").fetch_one(pool).await).unwrap();
    app.add_user(&Org { id: acme_org }, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.com", "Hank Scorpio", BuiltinRole::Owner).await;
    for _ in 0..2 {
        app.login(&browser(), "ada@example.com", "wrong password!").await;
    }
    let hank = app.signed_in_at("hank@globex.com", "globex").await;
    assert_eq!(app.call(&hank, "/api/unlock_user", &[("id", &ada)]).await.status(), 404, "another organization's user does not exist here");
    let member = app.signed_in_at("max@example.com", "acme").await;
    assert_eq!(app.call(&member, "/api/unlock_user", &[("id", &ada)]).await.status(), 403);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM account_lockouts WHERE user_id = $1 AND locked_until IS NOT NULL", &ada).await, 1, "still locked");
}

#[tokio::test]
async fn too_many_attempts_from_one_address_answer_429_with_retry_after() {
    let settings = Settings { ip_limit: 3, ..Settings::default() };
    let (app, _) = acme(settings).await;
    for _ in 0..3 {
        assert_eq!(app.login(&browser(), "nobody@example.com", "whatever it is").await.status(), 401);
    }
    let res = app.login(&browser(), "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(matches!(res.json::<AppError>().await.unwrap(), AppError::RateLimited(m) if m.contains("Too many sign-in attempts")));
    assert_eq!(reasons(&app, "ada@example.com").await, ["Too many attempts from this address"]);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "").await, 0);

    // More refusals in the same window write no row of their own: the row counts them.
    for _ in 0..4 {
        assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 429);
    }
    let refused = "Too many attempts from this address";
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE reason = $1", refused).await, 1, "one row for the window");
    assert_eq!(app.scalar_i64("SELECT repeats FROM login_attempts WHERE reason = $1", refused).await, 5, "counting every refusal");
}

#[tokio::test]
async fn a_flood_beyond_the_password_check_queue_is_turned_away_with_503() {
    let settings = Settings { ip_limit: 10_000, hash_concurrency: 1, hash_queue: 1, ..Settings::default() };
    let (app, _) = acme(settings).await;
    let app = std::sync::Arc::new(app);
    let tries: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let res = app.login(&browser(), "nobody@example.com", "whatever it is").await;
                (res.status().as_u16(), res.headers().get("retry-after").is_some())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tries {
        answers.push(t.await.unwrap());
    }
    let busy = answers.iter().filter(|(s, retry)| *s == 503 && *retry).count();
    let refused = answers.iter().filter(|(s, _)| *s == 401).count();
    assert_eq!(busy + refused, 20, "{answers:?}");
    assert!(busy > 0 && refused >= 1, "some were checked, the rest turned away: {answers:?}");
    // Turned away before anything was counted or checked: no attempt recorded for them.
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE email = $1", "nobody@example.com").await, i64::try_from(refused).unwrap());
    // The flood over, sign-in works.
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_client_address_is_believed_from_x_forwarded_for_only_through_a_trusted_proxy() {
    let spoof = |client: &reqwest::Client, app: &TestApp| {
        client
            .post(app.url("/api/public/login"))
            .header("x-forwarded-for", "6.6.6.6, 198.51.100.4")
            .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
            .send()
    };
    let ip = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            on_db!(&db, pool => sqlx::query_scalar::<_, String>("SELECT ip_address FROM login_attempts ORDER BY created_at DESC, id DESC LIMIT 1").fetch_one(pool).await).unwrap()
        }
    };
    // No trusted proxy: whatever the client writes is ignored.
    let (app, _) = acme(Settings::default()).await;
    assert_eq!(spoof(&browser(), &app).await.unwrap().status(), 200);
    assert_eq!(ip(&app).await, "127.0.0.1");
    let session_ip = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT ip_address FROM sessions").fetch_one(pool).await).unwrap();
    assert_eq!(session_ip, "127.0.0.1");

    // Through a trusted proxy: the right-most address the proxy vouches for.
    let (app, _) = acme(Settings { trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..Settings::default() }).await;
    assert_eq!(spoof(&browser(), &app).await.unwrap().status(), 200);
    assert_eq!(ip(&app).await, "198.51.100.4");
}

#[tokio::test]
async fn an_identifier_that_is_not_an_email_is_logged_masked() {
    let (app, _) = acme(Settings::default()).await;
    assert_eq!(app.login(&browser(), "Tr0ub4dor&3-secret", "whatever it is").await.status(), 401);
    let logged: Vec<String> = on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT email FROM login_attempts").fetch_all(pool).await).unwrap();
    assert_eq!(logged, ["T••••• (not an email address)"]);
    let owner = app.signed_in("owner@example.com").await;
    let list = app.call(&owner, "/api/list_login_attempts", &[]).await.text().await.unwrap();
    assert!(!list.contains("Tr0ub4dor"), "{list}");
}

#[tokio::test]
async fn an_unknown_email_is_shown_to_the_only_organization_there_is() {
    let (app, _) = acme(Settings::default()).await;
    app.login(&browser(), "stranger@example.com", "whatever it is").await;
    let owner = app.signed_in("owner@example.com").await;
    let list: app::login_attempts::types::LoginAttemptList = app.call(&owner, "/api/list_login_attempts", &[("status", "failed")]).await.json().await.unwrap();
    assert_eq!(list.attempts.iter().map(|a| (a.email.as_str(), a.reason.as_deref())).collect::<Vec<_>>(), [("stranger@example.com", Some("Unknown account"))]);

    // With two organizations, nobody can tell whose it was: nobody sees it.
    app.create_org("globex", "Globex").await;
    app.login(&browser(), "another.stranger@example.com", "whatever it is").await;
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE email = $1 AND org_id IS NULL", "another.stranger@example.com").await, 1);
}

#[tokio::test]
async fn a_password_longer_than_any_allowed_is_refused_beside_its_field_before_any_work() {
    let (app, _) = acme(Settings::default()).await;
    let too_long = "correct horse ".repeat(10);
    assert!(too_long.chars().count() > app::auth::types::MAX_PASSWORD_CHARS);
    let res = app.login(&browser(), "ada@example.com", &too_long).await;
    assert_eq!(res.status(), 422);
    let error: app::error::AppError = res.json().await.unwrap();
    assert_eq!(error.field_message("password").as_deref(), Some("Passwords are at most 128 characters."));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM login_attempts WHERE email = $1", "ada@example.com").await, 0, "nothing counted or logged");
    // The longest allowed is checked like any other.
    let longest = "x".repeat(127) + "y";
    assert_eq!(app.login(&browser(), "ada@example.com", &longest).await.status(), 401);
}

/// Device cookies: a stranger who keeps the account locked from elsewhere does not lock its
/// owner out of the browser they signed in from; that browser's own wrong guesses lock it
/// alone; and a trusted sign-in does not hand the stranger fresh guesses.
#[tokio::test]
async fn a_stranger_locking_the_account_does_not_lock_its_owner_out_of_their_own_browser() {
    let (app, _) = acme(lockout_settings(5, Duration::from_secs(900))).await;
    // Ada signed in here once, and signed out: the browser keeps its device cookie.
    let own = browser();
    assert_eq!(app.login(&own, "ada@example.com", PASSWORD).await.status(), 200);
    assert_eq!(app.call(&own, "/api/logout", &[]).await.status(), 200);

    // A stranger locks the account.
    let stranger = browser();
    for _ in 0..5 {
        assert_eq!(app.login(&stranger, "ada@example.com", "a stranger's guess").await.status(), 401);
    }
    assert_eq!(app.login(&stranger, "ada@example.com", PASSWORD).await.status(), 401, "locked for strangers, even with the password");
    assert_eq!(app.login(&browser(), "ada@example.com", PASSWORD).await.status(), 401, "and for any other new browser");

    // Ada, in her own browser: signed in, while the lock on strangers stays.
    let res = app.login(&own, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200, "her own browser is not locked out");
    assert_eq!(app.login(&stranger, "ada@example.com", PASSWORD).await.status(), 401, "her sign-in freed no guesses");
    assert_eq!(app.call(&own, "/api/logout", &[]).await.status(), 200);

    // Her browser's own wrong guesses lock that browser, as anyone's would.
    for _ in 0..5 {
        assert_eq!(app.login(&own, "ada@example.com", "ada mistyping again").await.status(), 401);
    }
    assert_eq!(app.login(&own, "ada@example.com", PASSWORD).await.status(), 401, "a device locked by its own failures");
    let reasons = reasons(&app, "ada@example.com").await;
    assert_eq!(reasons.iter().filter(|r| *r == "Account locked").count(), 4, "{reasons:?}");
}

/// `roster user unlock` lifts the lock for when every Owner is locked out, and one Owner may
/// unlock another from Users.
#[tokio::test]
async fn an_owner_locked_out_is_freed_by_the_command_line_or_by_another_owner() {
    let (app, _) = acme(lockout_settings(3, Duration::from_secs(900))).await;
    let org = Org { id: app.scalar_text("SELECT org_id FROM users WHERE email = $1", "owner@example.com").await };
    let second = app.add_user(&org, "otto@example.com", "Otto Owner", BuiltinRole::Owner).await;
    for who in ["owner@example.com", "otto@example.com"] {
        for _ in 0..3 {
            assert_eq!(app.login(&browser(), who, "a stranger's guess").await.status(), 401);
        }
        assert_eq!(app.login(&browser(), who, PASSWORD).await.status(), 401, "{who} locked");
    }
    {
        let said = server::cli::user_unlock(&app.db_url, "acme", "owner@example.com").await.unwrap();
        assert!(said.starts_with("Unlocked owner@example.com"), "{said}");
        let again = server::cli::user_unlock(&app.db_url, "acme", "owner@example.com").await.unwrap();
        assert!(again.contains("was not locked"), "{again}");
        assert!(server::cli::user_unlock(&app.db_url, "acme", "nobody@example.com").await.unwrap_err().contains("has no user"));
    }
    let olive = app.signed_in("owner@example.com").await;
    assert_eq!(app.call(&olive, "/api/unlock_user", &[("id", &second)]).await.status(), 200, "an Owner unlocks another");
    assert_eq!(app.login(&browser(), "otto@example.com", PASSWORD).await.status(), 200);
    let audited = app.scalar_i64("SELECT COUNT(*) FROM audit_events WHERE action = $1", "user.unlocked").await;
    assert_eq!(audited, 2, "both unlocks are audited");
}
