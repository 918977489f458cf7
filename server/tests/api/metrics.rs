//! `/metrics`: the Prometheus text on its own listener, with what happened (requests by route
//! and status, sign-ins by outcome, lockouts) and what is (the outbox, the pool); never on the
//! public address. Run against the real `roster` binary started with `ROSTER_METRICS_ADDR`, in
//! a process of its own, so each counter moves by exactly what the test did.

use crate::helpers::*;
use crate::reliability::Process;

/// The value of the sample `name` (labels and all, as Prometheus writes it), if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.trim().parse().ok()))
}

#[tokio::test]
async fn metrics_count_exactly_what_happened_and_are_served_only_on_their_own_listener() {
    let app = spawn_app().await;
    let process = Process::start_with(&app.db_url, &[("ROSTER_METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics = process.metrics.clone().expect("the metrics address it announced");
    let url = |path: &str| format!("{}{path}", process.base);

    // Exactly: one sign-in, three list calls, five wrong passwords (the fifth locks), one more
    // attempt while locked.
    let owner = browser();
    assert_eq!(owner.post(url("/api/public/login")).form(&[("email", "ada@example.com"), ("password", PASSWORD)]).send().await.unwrap().status(), 200);
    for _ in 0..3 {
        assert_eq!(owner.post(url("/api/list_users")).form(&[("size", "25")]).send().await.unwrap().status(), 200);
    }
    for _ in 0..5 {
        let res = browser().post(url("/api/public/login")).form(&[("email", "ada@example.com"), ("password", "not her password")]).send().await.unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = browser().post(url("/api/public/login")).form(&[("email", "ada@example.com"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(res.status(), 401, "locked");

    let res = reqwest::get(format!("{metrics}/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let expect = |name: &str, value: f64| assert_eq!(sample(&text, name), Some(value), "{name} in:\n{text}");
    expect(r#"roster_http_requests_total{route="/api/list_users",method="POST",status="200"}"#, 3.0);
    expect(r#"roster_http_request_duration_seconds_count{route="/api/list_users",method="POST",status="200"}"#, 3.0);
    expect(r#"roster_http_requests_total{route="/api/public/login",method="POST",status="401"}"#, 6.0);
    expect(r#"roster_sign_ins_total{outcome="success"}"#, 1.0);
    expect(r#"roster_sign_ins_total{outcome="wrong_password"}"#, 5.0);
    expect(r#"roster_sign_ins_total{outcome="account_locked"}"#, 1.0);
    expect("roster_lockouts_total", 1.0);
    expect("roster_outbox_queued", 0.0);
    for gauge in ["roster_outbox_oldest_queued_age_seconds", "roster_db_pool_connections", "roster_db_pool_idle_connections"] {
        assert!(sample(&text, gauge).is_some(), "{gauge} in:\n{text}");
    }

    // The public address has no such page, signed in or not.
    for client in [browser(), owner] {
        let page = client.get(url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("roster_http_requests_total"), "the public address serves no metrics");
    }
}
