//! Spawning the real app on a random port against a fresh database, and acting on it as a
//! browser would. SQLite by default; Postgres (a database per test) when TEST_DATABASE_URL is
//! a postgres:// URL.

use app::auth::types::BuiltinRole;
use app::auth::server::guard::{AppState, Operator};
use app::organizations::server::service::create_organization;
use app::organizations::types::OrgSlug;
use app::server::db::Db;
use app::server::state::Settings;
use app::users::server::service::{add_account, NewAccount};
use app::users::types::{DisplayName, Email};
use leptos::prelude::LeptosOptions;
use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE, USER_AGENT};
use std::net::SocketAddr;

pub const PASSWORD: &str = "correct horse battery";
pub const BROWSER_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The test database's URL, for a second connection (as the CLI would open).
    pub db_url: String,
    cleanup: Cleanup,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
    /// Another app's database: that app removes it.
    Borrowed,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop the per-test database from a thread with its own runtime (Drop is sync).
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async move {
                    if let Ok(Db::Postgres(pool)) = Db::connect(&admin_url).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

/// A fresh, migrated database: its URL and what removes it afterwards.
async fn fresh_database() -> (String, Cleanup) {
    match postgres_url() {
        Some(admin_url) => {
            let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
            let Ok(Db::Postgres(admin)) = Db::connect(&admin_url).await else {
                panic!("cannot connect to TEST_DATABASE_URL {admin_url}");
            };
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create test database");
            admin.close().await;
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin_url.clone());
            (format!("{base}/{name}"), Cleanup::Postgres { admin_url, name })
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/roster.db", dir.path().display());
            (url, Cleanup::Sqlite(dir))
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let (url, cleanup) = fresh_database().await;
    serve_on(url, cleanup, settings, None).await
}

/// A server whose static files (`/pkg/…`) come from `site_root`.
pub async fn spawn_app_serving(site_root: &str) -> TestApp {
    let (url, cleanup) = fresh_database().await;
    serve_on(url, cleanup, Settings::default(), Some(site_root)).await
}

/// A second server on `url`, a database another `TestApp` made (and removes).
pub async fn spawn_app_on(url: &str) -> TestApp {
    serve_on(url.to_owned(), Cleanup::Borrowed, Settings::default(), None).await
}

async fn serve_on(url: String, cleanup: Cleanup, settings: Settings, site_root: Option<&str>) -> TestApp {
    let db = server::serve::open_database(&url).await.expect("open test database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let options = LeptosOptions::builder().output_name("roster").site_addr(addr);
    let options = match site_root {
        Some(root) => options.site_root(root).build(),
        None => options.build(),
    };
    let state = AppState::new(db.clone(), settings);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve::run(listener, state, options, false, async move {
        let _ = rx.await;
    }));
    TestApp { base: format!("http://{addr}"), db, db_url: url, cleanup, shutdown: Some(tx) }
}

/// A client that keeps cookies like a browser but does not follow redirects, so tests can
/// see them.
pub fn browser() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(USER_AGENT, HeaderValue::from_static(BROWSER_UA));
    // As a browser says of a request from the app's own page.
    headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        // A response that never ends is a failure to report, not a reason to hang CI.
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client")
}

pub struct Org {
    pub id: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn create_org(&self, slug: &str, name: &str) -> Org {
        let org = create_organization(&Operator::new(self.db.clone()), &OrgSlug::parse(slug).expect("slug"), name).await.expect("create org");
        Org { id: org.id }
    }

    pub async fn add_user(&self, org: &Org, email: &str, name: &str, role: BuiltinRole) -> String {
        add_account(
            &Operator::new(self.db.clone()),
            NewAccount {
                org_id: org.id.clone(),
                email: Email::parse(email).expect("email"),
                name: DisplayName::parse(name).expect("name"),
                role,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("add user")
    }

    /// Posts the sign-in form the way the hydrated client does.
    pub async fn login(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        client
            .post(self.url("/api/public/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("login request")
    }

    /// A signed-in browser for `email`.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = browser();
        let res = self.login(&client, email, PASSWORD).await;
        assert_eq!(res.status(), 200, "sign-in as {email} failed: {}", res.text().await.unwrap_or_default());
        client
    }

    /// A signed-in browser for `email` in the organization `slug` (sign-in asks for it when
    /// more than one organization exists).
    pub async fn signed_in_at(&self, email: &str, slug: &str) -> reqwest::Client {
        let client = browser();
        let res = client
            .post(self.url("/api/public/login"))
            .form(&[("email", email), ("password", PASSWORD), ("organization", slug)])
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "sign-in as {email} at {slug} failed");
        client
    }

    /// Calls a server function with a form body, as the Leptos client does.
    pub async fn call(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(path)).form(form).send().await.expect("server fn request")
    }

    /// Calls a server function that takes JSON.
    pub async fn call_json(&self, client: &reqwest::Client, path: &str, body: &serde_json::Value) -> reqwest::Response {
        client.post(self.url(path)).json(body).send().await.expect("server fn request")
    }

    pub async fn scalar_i64(&self, sql: &str, bind: &str) -> i64 {
        on_db!(&self.db, pool => sqlx::query_scalar::<_, i64>(sql).bind(bind).fetch_one(pool).await).expect("scalar")
    }

    pub async fn scalar_text(&self, sql: &str, bind: &str) -> String {
        on_db!(&self.db, pool => sqlx::query_scalar::<_, String>(sql).bind(bind).fetch_one(pool).await).expect("scalar")
    }

    pub async fn execute(&self, sql: &str, bind: &str) {
        on_db!(&self.db, pool => sqlx::query(sql).bind(bind).execute(pool).await.map(|_| ())).expect("execute");
    }
}

/// The session token a response set, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("roster_session=") || v.starts_with("__Host-roster_session="))
        .map(str::to_owned)
}

pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split_once('=').map_or("", |(_, rest)| rest).split(';').next().unwrap_or("").to_owned()
}

/// The Edit dialog's current values as an update, for a test to change.
pub fn update_of(editor: &app::users::account::UserEditor) -> app::users::account::UserUpdate {
    app::users::account::UserUpdate {
        id: editor.user.id.clone(),
        version: editor.user.version,
        name: editor.user.name.clone(),
        email: editor.user.email.clone(),
        profile: editor.user.profile.clone(),
        role_ids: editor.user.role_ids.clone(),
    }
}
