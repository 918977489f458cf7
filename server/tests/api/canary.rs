//! The canary: passwords carrying a unique marker and every token the app hands out are looked
//! for, after a whole journey, in every table of the database, in everything the server logged
//! and in every response body. They must be nowhere: passwords live only as argon2 hashes,
//! tokens only as SHA-256 hashes.

use crate::helpers::*;
use crate::smtp::SmtpServer;
use app::auth::server::guard::Mailroom;
use app::auth::types::BuiltinRole;
use app::mail::server::service::send_due;
use app::mail::server::transport::Transport;
use app::server::db::Db;
use app::server::state::Settings;
use serde_json::json;
use std::sync::{Arc, Mutex, OnceLock};

const MARKER: &str = "Cnry7Q9Zmarker";
const PUBLIC_URL: &str = "https://roster.example.test";

/// Everything the process logs from the first call on, every level, every target but the
/// transport's own chatter.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let filter = "trace,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,tower=info,mio=info,tokio=info,runtime=info,want=info";
        let subscriber = tracing_subscriber::fmt().with_writer(logs.clone()).with_ansi(false).with_env_filter(filter).finish();
        tracing::subscriber::set_global_default(subscriber).expect("the canary test owns the process's subscriber");
        logs
    })
}

/// Every row of every table, as text.
async fn every_row(db: &Db) -> String {
    let mut all = String::new();
    match db {
        Db::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(pool).await.unwrap();
            for table in tables {
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1)").bind(&table).fetch_all(pool).await.unwrap();
                if columns.is_empty() {
                    continue;
                }
                let row = columns.iter().map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '')")).collect::<Vec<_>>().join(" || ' ' || ");
                // As bytes: the full-text index's own tables hold binary pages.
                let sql = format!("SELECT CAST(COALESCE(group_concat({row}, char(10)), '') AS BLOB) FROM \"{table}\"");
                let bytes: Vec<u8> = sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap();
                all.push_str(&format!("{table}:\n{}\n", String::from_utf8_lossy(&bytes)));
            }
        }
        Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let sql = format!("SELECT COALESCE(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t");
                let text: String = sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap();
                all.push_str(&format!("{table}:\n{text}\n"));
            }
        }
    }
    all
}

/// The session token a response set.
fn token_set_by(res: &reqwest::Response) -> String {
    cookie_value(&session_cookie(res).expect("a session cookie"))
}

/// The device token a sign-in's response set (see `auth::server::device`).
fn device_token_set_by(res: &reqwest::Response) -> String {
    let cookie = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("roster_device=") || v.starts_with("__Host-roster_device="))
        .expect("a device cookie");
    cookie_value(cookie).split('.').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn passwords_and_tokens_appear_nowhere_but_in_their_hashes() {
    let logs = captured_logs();
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(Settings { public_url: PUBLIC_URL.into(), ..Settings::default() }).await;
    let acme = app.create_org("acme", "Acme").await;
    app.add_user(&acme, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let mut bodies: Vec<String> = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let first = format!("the first {MARKER} passphrase");
    let second = format!("a second {MARKER} passphrase");

    // Sign-in gone wrong twice: a wrong password, and a password typed into the email field.
    let owner = browser();
    for (email, password) in [("ada@example.com", format!("wrong {MARKER} guess")), (MARKER, "whatever".to_owned())] {
        let res = owner.post(app.url("/api/public/login")).form(&[("email", email), ("password", password.as_str())]).send().await.unwrap();
        assert!(res.status().is_client_error());
        bodies.push(res.text().await.unwrap());
    }
    let res = app.login(&owner, "ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    tokens.push(token_set_by(&res));
    tokens.push(device_token_set_by(&res));

    // Invite Ivy; the email goes out through SMTP, with the link's token.
    let roles = app.call(&owner, "/api/invite_roles", &[]).await.text().await.unwrap();
    let member_role = serde_json::from_str::<Vec<app::users::account::RoleOption>>(&roles).unwrap().into_iter().find(|r| r.name == "Member").unwrap().id;
    bodies.push(roles);
    let invitation = json!({ "invitation": { "email": "ivy@example.com", "role_id": member_role, "message": "" } });
    let res = owner.post(app.url("/api/invite_user")).json(&invitation).send().await.unwrap();
    assert_eq!(res.status(), 200);
    bodies.push(res.text().await.unwrap());
    let transport = Arc::new(Transport::smtp(&smtp.url(), "Roster <roster@example.test>").unwrap());
    assert_eq!(send_due(&Mailroom::new(app.db.clone(), PUBLIC_URL), &transport).await.unwrap(), 1);
    smtp.wait_for(1).await;
    let link_token = smtp.tokens_to("ivy@example.com").pop().expect("the invitation's token");
    tokens.push(link_token.clone());

    // Ivy opens the link, accepts with a password, changes it, signs out and in again.
    let ivy = browser();
    let res = app.call(&ivy, "/api/public/open_invitation", &[("token", &link_token)]).await;
    bodies.push(res.text().await.unwrap());
    let page = ivy.get(app.url(&format!("/invitation?token={link_token}"))).send().await.unwrap().text().await.unwrap();
    // The link's own page carries its token where its forms need it without a script (the
    // hidden field Accept and Decline post, the link to the Decline question), and nowhere else.
    let (field, question) = (format!("name=\"token\" value=\"{link_token}\""), format!("/invitation?token={link_token}&amp;decline=1"));
    assert!(page.contains(&field), "the form carries its token");
    bodies.push(page.replace(&field, "").replace(&question, ""));
    let res = app.call(&ivy, "/api/public/accept_invitation", &[("token", &link_token), ("name", "Ivy Invitee"), ("password", &first)]).await;
    assert_eq!(res.status(), 200);
    tokens.push(token_set_by(&res));
    bodies.push(res.text().await.unwrap());
    let change = json!({ "change": { "current_password": first, "new_password": second } });
    let res = ivy.post(app.url("/api/change_password")).json(&change).send().await.unwrap();
    assert_eq!(res.status(), 200);
    bodies.push(res.text().await.unwrap());
    for path in ["/account", "/users"] {
        bodies.push(ivy.get(app.url(path)).send().await.unwrap().text().await.unwrap());
    }
    assert_eq!(app.call(&ivy, "/api/logout", &[]).await.status(), 200);
    let res = app.login(&browser(), "ivy@example.com", &second).await;
    assert_eq!(res.status(), 200);
    tokens.push(token_set_by(&res));

    // The owner's views of it all.
    for path in ["/api/list_users", "/api/list_invitations", "/api/list_sessions", "/api/list_login_attempts"] {
        bodies.push(app.call(&owner, path, &[]).await.text().await.unwrap());
    }
    for path in ["/users", "/invitations", "/sessions", "/login-attempts"] {
        bodies.push(owner.get(app.url(path)).send().await.unwrap().text().await.unwrap());
    }

    let rows = every_row(&app.db).await;
    assert!(rows.contains("ivy@example.com") && rows.contains("$argon2id$"), "the search reads the data");
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("request"), "the logs were captured");
    assert!(bodies.iter().any(|b| b.contains("Ivy Invitee")), "the responses were read");
    let secrets = [MARKER.to_owned()].into_iter().chain(tokens.iter().cloned());
    for secret in secrets {
        assert!(secret.len() >= 14, "{secret}: long enough to be unique");
        assert!(!rows.contains(&secret), "{secret} in the database:\n{rows}");
        assert!(!logged.contains(&secret), "{secret} in the logs");
        for body in &bodies {
            assert!(!body.contains(&secret), "{secret} in a response body:\n{body}");
        }
    }
}
