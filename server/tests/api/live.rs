//! Live lists: the stream a tab reads (`/api/live`), who hears what, and when it ends.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use std::time::Duration;

/// A stream's events as they arrive (their names: `login_attempts`, `ended`…).
struct Events {
    res: reqwest::Response,
    buf: String,
}

impl Events {
    async fn open(app: &TestApp, client: &reqwest::Client) -> Events {
        let res = client.get(format!("{}/api/live", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut events = Events { res, buf: String::new() };
        assert_eq!(events.next(Duration::from_secs(5)).await.as_deref(), Some("ready"));
        events
    }

    /// The next event's name within `wait`; `None` when none came or the stream ended.
    async fn next(&mut self, wait: Duration) -> Option<String> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(name) = block.lines().find_map(|l| l.strip_prefix("event: ").or_else(|| l.strip_prefix("event:"))) {
                    return Some(name.trim().to_owned());
                }
                continue;
            }
            match tokio::time::timeout_at(until, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Waits for `name`, passing over others.
    async fn expect(&mut self, name: &str) {
        let until = tokio::time::Instant::now() + Duration::from_secs(8);
        while tokio::time::Instant::now() < until {
            match self.next(until - tokio::time::Instant::now()).await {
                Some(got) if got == name => return,
                Some(_) => {}
                None => break,
            }
        }
        panic!("no `{name}` event on the stream");
    }

    /// Whether the stream ended (the server closed it) within `wait`.
    async fn ended(&mut self, wait: Duration) -> bool {
        let until = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(until, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None) | Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

#[tokio::test]
async fn a_failed_sign_in_reaches_those_who_may_see_it_in_its_organization_only() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    let globex = app.create_org("globex", "Globex").await;
    app.add_user(&acme, "owner@acme.test", "Olive Owner", BuiltinRole::Owner).await;
    app.add_user(&acme, "max@acme.test", "Max Member", BuiltinRole::Member).await;
    app.add_user(&globex, "owner@globex.test", "Gil Owner", BuiltinRole::Owner).await;
    let mut owner = Events::open(&app, &app.signed_in("owner@acme.test").await).await;
    let mut member = Events::open(&app, &app.signed_in("max@acme.test").await).await;
    let mut other = Events::open(&app, &app.signed_in("owner@globex.test").await).await;
    // The sign-ins above are news too: let them pass.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while owner.next(Duration::from_millis(200)).await.is_some() {}
    while other.next(Duration::from_millis(200)).await.is_some() {}

    app.login(&browser(), "max@acme.test", "not the password").await;
    owner.expect("login_attempts").await;
    // The others would have heard it by now: the hub hands news to every stream at once.
    assert_eq!(member.next(Duration::from_millis(1500)).await, None, "a member may not see Login Attempts");
    assert_eq!(other.next(Duration::from_millis(200)).await, None, "another organization's stream hears nothing of it");
}

#[tokio::test]
async fn signed_out_the_stream_is_refused() {
    let app = spawn_app().await;
    let res = browser().get(format!("{}/api/live", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_revoked_sessions_stream_ends_at_once() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "owner@acme.test", "Olive Owner", BuiltinRole::Owner).await;
    let ada_id = app.add_user(&acme, "ada@acme.test", "Ada Admin", BuiltinRole::Admin).await;
    let owner = app.signed_in("owner@acme.test").await;
    let ada = app.signed_in("ada@acme.test").await;
    let mut stream = Events::open(&app, &ada).await;
    let res = app.call(&owner, "/api/revoke_user_sessions", &[("id", &ada_id)]).await;
    assert_eq!(res.status(), 200);
    stream.expect("ended").await;
    assert!(stream.ended(Duration::from_secs(2)).await, "the server closes the stream");
    let again = ada.get(format!("{}/api/live", app.base)).send().await.unwrap();
    assert_eq!(again.status(), 401, "and a new one is refused");
}

#[tokio::test]
async fn a_lost_permission_stops_the_news() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "owner@acme.test", "Olive Owner", BuiltinRole::Owner).await;
    let ada_id = app.add_user(&acme, "ada@acme.test", "Ada Admin", BuiltinRole::Admin).await;
    let owner = app.signed_in("owner@acme.test").await;
    let mut stream = Events::open(&app, &app.signed_in("ada@acme.test").await).await;
    app.login(&browser(), "owner@acme.test", "not the password").await;
    stream.expect("login_attempts").await;
    let res = app.call(&owner, "/api/get_user", &[("id", &ada_id)]).await;
    let editor: app::users::account::UserEditor = res.json().await.unwrap();
    let mut update = update_of(&editor);
    update.role_ids = editor.roles.iter().filter(|r| r.name == "Member").map(|r| r.id.clone()).collect();
    let res = owner.post(app.url("/api/update_user")).json(&serde_json::json!({ "update": update })).send().await.unwrap();
    assert!(res.status().is_success(), "{:?}", res.text().await);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while stream.next(Duration::from_millis(300)).await.is_some() {}
    app.login(&browser(), "owner@acme.test", "not the password again").await;
    assert_eq!(stream.next(Duration::from_millis(2500)).await, None, "a Member sees no Login Attempts");
}

#[tokio::test]
async fn an_open_stream_is_not_activity() {
    let app = spawn_app().await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "owner@acme.test", "Olive Owner", BuiltinRole::Owner).await;
    let owner = app.signed_in("owner@acme.test").await;
    let before = app::server::ids::now_ms() - 10 * 60_000;
    app.execute(&format!("UPDATE sessions SET last_active_at = {before} WHERE user_id IN (SELECT id FROM users WHERE email = $1)"), "owner@acme.test").await;
    let _stream = Events::open(&app, &owner).await;
    let after = app.scalar_i64("SELECT last_active_at FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = $1)", "owner@acme.test").await;
    assert_eq!(after, before, "a tab left open does not keep its session from going idle");
}

#[tokio::test]
async fn on_postgres_news_reaches_the_streams_of_every_process() {
    if postgres_url().is_none() {
        return; // SQLite has one process per database.
    }
    let first = spawn_app().await;
    let second = spawn_app_on(&first.db_url).await;
    let acme = first.create_org("acme", "Acme").await;
    first.add_user(&acme, "owner@acme.test", "Olive Owner", BuiltinRole::Owner).await;
    let mut stream = Events::open(&second, &second.signed_in("owner@acme.test").await).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while stream.next(Duration::from_millis(200)).await.is_some() {}
    first.login(&browser(), "owner@acme.test", "not the password").await;
    stream.expect("login_attempts").await;
}
