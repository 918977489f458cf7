//! Invitation email through the outbox, measured: a benchmark program, not a test.
//!
//! 1. Latency: the real server and its outbox worker, a real SMTP server (aiosmtpd) on
//!    loopback. An Owner clicks **Send Invitation** (the `invite_user` server function) `--runs`
//!    times; each run is timed from the request until the message is a file in the SMTP
//!    server's Maildir.
//! 2. Throughput: `--messages` queued invitation emails (default 10,000) drained by one
//!    worker, minting each link's token as it sends.
//!
//! Run it with:
//!
//!     cargo bench -p server --bench outbox                     # SQLite
//!     cargo bench -p server --bench outbox -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//!
//! `-- --help` lists the options. Results go to docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/client.rs"]
mod client;

#[path = "common/database.rs"]
mod database;

#[path = "common/options.rs"]
mod options;

#[path = "common/report.rs"]
mod report;

use app::auth::server::guard::{AppState, Mailroom};
use app::mail::server::message::LINK_MARKER;
use app::mail::server::service::{run, send_due};
use app::mail::server::transport::Transport;
use app::server::db::Db;
use app::server::state::Settings;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

/// The outbox's latency and throughput (see the file's comment).
#[derive(clap::Parser, Debug)]
struct Options {
    #[command(flatten)]
    common: options::Common,
    /// Queued invitation emails one worker drains.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Invitations sent one at a time, for the latency.
    #[arg(long, default_value_t = 50)]
    runs: usize,
}

fn delivered(maildir: &Path) -> usize {
    std::fs::read_dir(maildir.join("new")).map(|d| d.count()).unwrap_or(0)
}

async fn wait_for(maildir: &Path, n: usize) {
    while delivered(maildir) < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::main]
async fn main() {
    let Options { common, messages, runs } = clap::Parser::parse();
    let dialect = common.dialect();
    let (url, _database_dir) = database::fresh(common.postgres.as_deref(), "roster_bench_outbox").await;
    let dir = tempfile::tempdir().unwrap();
    server::cli::org_create(&url, "bench", "Bench Corp").await.unwrap();
    server::cli::user_add(&url, "bench", client::OWNER_EMAIL, "Bench Owner", "Owner", client::OWNER_PASSWORD.into()).await.unwrap();
    let db = server::serve::open_database(&url).await.unwrap();

    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let maildir = dir.path().join("mail");
    // Debian's Python, where python3-aiosmtpd lives (a pyenv python3 on PATH may lack it).
    let python = if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let mut smtp = std::process::Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{smtp_port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .spawn()
        .expect("aiosmtpd (python3-aiosmtpd)");
    while tokio::net::TcpStream::connect(("127.0.0.1", smtp_port)).await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let transport = || Transport::smtp(&smtp_url, "Roster <roster@bench.example>").unwrap();

    // 2 first (no worker running yet): queue the messages in one transaction, then drain.
    println!("==> {dialect}: queueing {messages} messages");
    // Each message belongs to a pending invitation, so the drain mints a token per message as
    // it does for real invitation email.
    on_db!(&db, pool => async {
        let org: String = sqlx::query_scalar("SELECT id FROM organizations WHERE slug = 'bench'").fetch_one(pool).await.unwrap();
        let role: String = sqlx::query_scalar("SELECT id FROM roles WHERE org_id = $1 AND name = 'Member'").bind(&org).fetch_one(pool).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        for i in 0..messages {
            let (invitation, email) = (format!("bench-invitation-{i:06}"), format!("person{i}@bench.example"));
            sqlx::query(
                "INSERT INTO invitations (id, org_id, email, email_key, role_id, token_hash, status, delivery_status, expires_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $3, $4, $5, 'pending', 'queued', $6, 0, 0)",
            )
            .bind(&invitation)
            .bind(&org)
            .bind(&email)
            .bind(&role)
            .bind(format!("unusable-{i}"))
            .bind(i64::MAX / 2)
            .execute(&mut *tx)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO email_outbox (id, org_id, invitation_id, to_address, to_key, subject, body_text, body_html, status, attempts, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $4, 'Bench invitation', $5, $6, 'queued', 0, 0, 0)",
            )
            .bind(format!("bench-{i:06}"))
            .bind(&org)
            .bind(&invitation)
            .bind(&email)
            .bind(format!("Hello person {i}.\n\nAccept here: {LINK_MARKER}\n"))
            .bind(format!("<p>Hello person {i}.</p><p><a href=\"{LINK_MARKER}\">Accept</a></p>"))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }.await);
    let room = Mailroom::new(db.clone(), "http://127.0.0.1");
    let drain = Arc::new(transport());
    let started = Instant::now();
    while send_due(&room, &drain).await.unwrap() > 0 {}
    wait_for(&maildir, messages).await;
    let drained = started.elapsed();
    let per_second = messages as f64 / drained.as_secs_f64();
    println!("    {messages} messages in {drained:.1?}: {per_second:.0} a second");

    // 1: the server with its worker, and Send Invitation.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let options = LeptosOptions::builder().output_name("roster").site_addr(addr).build();
    let settings = Settings { invites_per_hour: 1_000_000, ..Settings::default() };
    tokio::spawn(server::serve::run(listener, AppState::new(db.clone(), settings), options, false, std::future::pending()));
    tokio::spawn(run(Mailroom::new(db.clone(), "http://127.0.0.1"), transport(), std::future::pending(), std::time::Duration::ZERO));
    let client = reqwest::Client::builder().cookie_store(true).default_headers(client::same_origin()).build().unwrap();
    let base = format!("http://{addr}");
    let res = client::sign_in(&client, &base).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let roles: Vec<app::users::account::RoleOption> = client.post(format!("{base}/api/invite_roles")).send().await.unwrap().json().await.unwrap();
    let member = roles.iter().find(|r| r.name == "Member").unwrap().id.clone();
    let mut times = Vec::new();
    for i in 0..runs {
        let before = delivered(&maildir);
        let started = Instant::now();
        let body = serde_json::json!({ "invitation": { "email": format!("new{i}@bench.example"), "role_id": member, "message": "" } });
        let res = client.post(format!("{base}/api/invite_user")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        wait_for(&maildir, before + 1).await;
        times.push(started.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    let (p50, p99, max) = (at(0.5), at(0.99), times[times.len() - 1]);
    println!("    Send Invitation → in the SMTP server's mailbox, {runs} runs: p50 {p50:.1?}, p99 {p99:.1?}, max {max:.1?}");
    let _ = smtp.kill();
    let _ = smtp.wait();

    if common.write() {
        let table = format!(
            "| {dialect} | {messages} queued invitation emails, one worker | {drained:.1?} | {per_second:.0} / s |\n| {dialect} | Send Invitation → SMTP mailbox ({runs} runs) | p50 {p50:.1?} | p99 {p99:.1?} |\n"
        );
        let section = report::Section {
            name: "Outbox",
            heading: "Outbox: invitation email",
            intro: "Written by `server/benches/outbox.rs` (`cargo bench -p server --bench outbox [-- --postgres URL]`): a real\nserver and worker, aiosmtpd on loopback, 2 cores.",
            header: "| Database | What | Time | Rate / spread |\n|---|---|---|---|",
        };
        report::write_section(&section, dialect, &table);
    }
}
