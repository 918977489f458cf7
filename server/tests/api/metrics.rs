//! `/metrics`: the Prometheus text on its own listener, with what happened (requests by route
//! and status, sign-ins by outcome, lockouts) and what is (the outbox, the pool); never on the
//! public address.

use crate::helpers::*;
use app::auth::server::guard::Mailroom;
use app::auth::types::BuiltinRole;

#[tokio::test]
async fn metrics_count_what_happened_and_are_served_only_on_their_own_listener() {
    // The recorder first: the facade drops what is recorded before one is installed.
    server::metrics::handle();
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let owner = app.signed_in("ada@example.com").await;
    assert_eq!(app.call(&owner, "/api/list_users", &[]).await.status(), 200);
    for _ in 0..5 {
        assert_eq!(app.login(&browser(), "max@example.com", "not his password at all").await.status(), 401);
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = server::metrics::router(app.db.clone(), Mailroom::new(app.db.clone(), "http://127.0.0.1"));
    tokio::spawn(async move { axum::serve(listener, metrics).await });
    let res = reqwest::get(format!("http://{addr}/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    for expected in [
        r#"roster_http_requests_total{route="/api/list_users",method="POST",status="200"}"#,
        r#"roster_http_request_duration_seconds_bucket{route="/api/list_users",method="POST",status="200",le="0.005"}"#,
        r#"roster_sign_ins_total{outcome="success"}"#,
        r#"roster_sign_ins_total{outcome="wrong_password"}"#,
        "roster_lockouts_total ",
        "roster_outbox_queued ",
        "roster_outbox_oldest_queued_age_seconds ",
        "roster_db_pool_connections ",
        "roster_db_pool_idle_connections ",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }

    // The public address has no such page, signed in or not.
    for client in [browser(), owner] {
        let page = client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("roster_http_requests_total"), "the public address serves no metrics");
    }
}
