//! The Login Attempts list: filters in the URL, keyset pages, newest first.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use app::login_attempts::types::LoginAttemptList;

async fn attempts(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> LoginAttemptList {
    let res = app.call(client, "/api/list_login_attempts", form).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn attempts_filter_by_status_email_address_and_time_and_page_newest_first() {
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "owner@example.com", "Olive Owner", BuiltinRole::Owner).await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Member).await;
    let owner = app.signed_in("owner@example.com").await;
    app.login(&browser(), "Ada@example.com", "wrong password!").await;
    app.signed_in("ada@example.com").await;
    // Seventy old failures from another address, two days ago.
    let now = app::server::ids::now_ms();
    for i in 0..70_i64 {
        on_db!(&app.db, pool => sqlx::query(
            "INSERT INTO login_attempts (id, org_id, email, email_key, ip_address, user_agent, status, reason, created_at)
             VALUES ($1, $2, 'max@example.com', 'max@example.com', '203.0.113.7', '', 'failed', 'Unknown account', $3)",
        ).bind(format!("old-{i:02}")).bind(&org.id).bind(now - 2 * 86_400_000 + i).execute(pool).await.map(|_| ())).unwrap();
    }

    let ada = attempts(&app, &owner, &[("search", "ADA@example.com")]).await;
    assert_eq!(ada.attempts.iter().map(|a| (a.success, a.reason.as_deref())).collect::<Vec<_>>(), [(true, None), (false, Some("Wrong password"))]);
    let failed_ada = attempts(&app, &owner, &[("search", "ada@example.com"), ("status", "failed")]).await;
    assert_eq!(failed_ada.attempts.len(), 1);
    let successes = attempts(&app, &owner, &[("status", "success")]).await;
    assert_eq!(successes.attempts.len(), 2, "the owner's and Ada's");
    let recent = attempts(&app, &owner, &[("range", "1h")]).await;
    assert_eq!(recent.attempts.len(), 3);
    assert!(recent.attempts.iter().all(|a| a.ip_address == "127.0.0.1"));

    let by_ip = attempts(&app, &owner, &[("search", "203.0.113.7")]).await;
    assert_eq!(by_ip.attempts.len(), 50);
    assert_eq!(by_ip.attempts[0].id, "old-69", "newest first");
    let second = attempts(&app, &owner, &[("search", "203.0.113.7"), ("after", &by_ip.next_cursor.clone().unwrap())]).await;
    assert_eq!(second.attempts.len(), 20);
    assert_eq!(second.attempts.last().map(|a| a.id.as_str()), Some("old-00"));
    assert!(second.next_cursor.is_none());
    let back = attempts(&app, &owner, &[("search", "203.0.113.7"), ("before", &second.prev_cursor.clone().unwrap())]).await;
    assert_eq!(back.attempts, by_ip.attempts);
    assert_eq!(attempts(&app, &owner, &[("search", "203.0.113.7"), ("range", "24h")]).await.attempts.len(), 0);

    for (name, value) in [("status", "maybe"), ("range", "1y"), ("before", "garbage!")] {
        let res = app.call(&owner, "/api/list_login_attempts", &[(name, value)]).await;
        assert_eq!(res.status(), 422, "{name}");
        assert!(res.json::<AppError>().await.unwrap().field_message(name).is_some(), "the message names {name}");
    }
}

#[tokio::test]
async fn another_organizations_attempts_are_never_shown() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "owner@example.com", "Olive Owner", BuiltinRole::Owner).await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&globex, "hank@globex.com", "Hank Scorpio", BuiltinRole::Owner).await;
    let owner = app.signed_in_at("owner@example.com", "acme").await;
    let hank = app.signed_in_at("hank@globex.com", "globex").await;
    let seen = attempts(&app, &hank, &[("search", "owner@example.com")]).await;
    assert!(seen.attempts.is_empty());
    let own = attempts(&app, &owner, &[]).await;
    assert!(own.attempts.iter().all(|a| a.email == "owner@example.com"));
}
