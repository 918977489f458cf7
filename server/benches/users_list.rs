//! The Users, Sessions and Login Attempts lists under load, at a million users: a benchmark
//! program, not a test.
//!
//! Seeds an organization of `--users` people (default 1,000,000), `--sessions` sessions
//! (default 200,000) and `--attempts` sign-in attempts (default 10,000,000) through the real
//! CLI code, starts the real server on loopback, signs in, and drives it with concurrent
//! clients: each server-rendered list page and the server function its hydrated page calls
//! when a filter changes. Users: the first page, each filter, each sort, a deep page and
//! searches (rare, common, every user, two characters). Sessions and Login Attempts: the
//! first page, each filter, search by email (and by IP address, or by the start of a name), a
//! deep page. Then the Last login matrix: each of its choices with every Status and Role
//! (including "all"), through the server function, its worst p99 written per choice. A hello-world axum route measured in the same run is the floor. It prints p50,
//! p99 and requests per second, and writes them to `docs/benchmarks.md`.
//!
//!     cargo bench -p server --bench users_list                                   # SQLite
//!     cargo bench -p server --bench users_list -- --postgres postgres://postgres@127.0.0.1/postgres
//!
//! `-- --help` lists the options (`--only Sessions`, say, runs just those rows).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/client.rs"]
mod client;

#[path = "common/database.rs"]
mod database;

#[path = "common/options.rs"]
mod options;

use app::server::db::Db;
use app::auth::server::guard::AppState;
use app::server::state::Settings;
use app::users::server::repo::list::SortValue;
use app::users::list::thousands;
use app::users::server::service::encode_cursor;
use app::users::types::LastLogin;
use leptos::prelude::LeptosOptions;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Runs `$body` with `$pool` bound to the benchmark database's native pool, for reading the
/// seeded rows it measures with.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

/// The lists under load at a million users (see the file's comment).
#[derive(clap::Parser, Debug, Clone)]
struct Options {
    #[command(flatten)]
    common: options::Common,
    /// People in the organization.
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    /// Sessions, spread over the people.
    #[arg(long, default_value_t = 200_000)]
    sessions: u64,
    /// Sign-in attempts.
    #[arg(long, default_value_t = 10_000_000)]
    attempts: u64,
    /// How long each scenario runs.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Concurrent clients (one a core).
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Just the rows whose name contains this, say "Sessions", or one of several ("Last
    /// login,Audit"); their table goes into a section of docs/benchmarks.md of its own
    /// ("SQLite: Last login,Audit"), the full run's kept.
    #[arg(long)]
    only: Option<String>,
    /// Audit events (the Audit Log's rows; 0 skips them).
    #[arg(long, default_value_t = 0)]
    audit_events: u64,
    /// How long each of the Last login matrix's 80 combinations runs.
    #[arg(long, default_value_t = 1.0)]
    matrix_seconds: f64,
    /// Run the bulk action rows ("Bulk"): Activate every Inactive user (10 % of them) as a
    /// job, then Undo it (which deactivates the same users), each with the Users list
    /// measured while it runs.
    #[arg(long)]
    bulk: bool,
    /// With --bulk: the list reader's pause between requests, in milliseconds (0: none, a
    /// reader that takes a core of its own; 100: a page every tenth of a second, far more than
    /// people clicking).
    #[arg(long, default_value_t = 0)]
    bulk_reader_pause_ms: u64,
}

struct Scenario {
    name: String,
    /// GET this path, or POST `form` to it.
    path: String,
    form: Option<Vec<(String, String)>>,
}

struct Measured {
    name: String,
    requests: usize,
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

async fn measure(client: &reqwest::Client, base: &str, s: &Scenario, o: &Options) -> Measured {
    let url = format!("{base}{}", s.path);
    let form = s.form.clone();
    let send = move |client: reqwest::Client| {
        let (url, form) = (url.clone(), form.clone());
        async move {
            let started = Instant::now();
            let res = match form {
                Some(form) => client.post(&url).form(&form).send().await,
                None => client.get(&url).send().await,
            }
            .expect("request");
            assert!(res.status().is_success(), "{url}: {}", res.status());
            res.bytes().await.expect("body");
            started.elapsed()
        }
    };
    for _ in 0..10 {
        send(client.clone()).await;
    }
    let until = Instant::now() + Duration::from_secs_f64(o.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..o.clients {
        let client = client.clone();
        let send = send.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < until {
                times.push(send(client.clone()).await);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Measured { name: s.name.clone(), requests: times.len(), p50: at(0.50), p99: at(0.99), per_second: times.len() as f64 / elapsed }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let o = <Options as clap::Parser>::parse();
    let dialect = o.common.dialect();
    let (url, _dir) = database::fresh(o.common.postgres.as_deref(), "roster_bench").await;

    println!("==> {dialect}: seeding {} users, {} sessions, {} login attempts and {} audit events", o.users, o.sessions, o.attempts, o.audit_events);
    let seeding = Instant::now();
    server::cli::org_create(&url, "bench", "Bench Corp").await.unwrap();
    server::cli::user_add(&url, "bench", client::OWNER_EMAIL, "Bench Owner", "Owner", client::OWNER_PASSWORD.into()).await.unwrap();
    server::cli::seed(&url, "bench", server::seed::Plan { users: o.users, sessions: o.sessions, attempts: o.attempts, audit_events: o.audit_events, seed: 1 }).await.unwrap();
    let seeded_in = seeding.elapsed();
    println!("    seeded in {seeded_in:.1?}");
    // The load leaves gigabytes of dirty pages for the OS to write back: flushed now, so that
    // the writeback does not run during (and slow) the first measurements.
    let _ = std::process::Command::new("sync").status();

    let db = server::serve::open_database(&url).await.unwrap();
    // The cursor of a page halfway down the Name sort, and terms to search for.
    let (org_id, deep_key, deep_id, rare): (String, String, String, String) = on_db!(&db, pool => async {
        let org: String = sqlx::query_scalar("SELECT id FROM organizations WHERE slug = 'bench'").fetch_one(pool).await.unwrap();
        let (key, id): (String, String) = sqlx::query_as("SELECT name_key, id FROM users WHERE org_id = $1 ORDER BY name_key, id LIMIT 1 OFFSET $2")
            .bind(&org).bind(i64::try_from(o.users / 2).unwrap()).fetch_one(pool).await.unwrap();
        let email: String = sqlx::query_scalar("SELECT email_key FROM users WHERE org_id = $1 ORDER BY id LIMIT 1 OFFSET $2")
            .bind(&org).bind(i64::try_from(o.users * 7 / 9).unwrap()).fetch_one(pool).await.unwrap();
        (org, key, id, email)
    }.await);
    // The end of the local part, digits included: one user, or a handful.
    let local = rare.split('@').next().unwrap_or_default();
    let rare = local.chars().skip(local.chars().count().saturating_sub(9)).collect::<String>();
    let deep = encode_cursor(&[SortValue::Text(deep_key)], &deep_id);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let options = LeptosOptions::builder().output_name("roster").site_addr(addr).build();
    let state = AppState::new(db.clone(), Settings::default());
    tokio::spawn(server::serve::run(listener, state, options, false, std::future::pending()));
    // As `roster serve` does: the WAL is copied into the file in the background.
    tokio::spawn(db.clone().checkpoints(std::future::pending()));
    let hello = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hello_addr = hello.local_addr().unwrap();
    tokio::spawn(async move {
        let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "Hello, world!" }));
        axum::serve(hello, app).await
    });

    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().cookie_store(true).default_headers(client::same_origin()).timeout(Duration::from_secs(60)).build().unwrap();
    let signed_in = client::sign_in(&client, &base).await;
    assert!(signed_in.status().is_success(), "sign-in: {}", signed_in.status());

    let users: Vec<(String, Vec<(&str, String)>)> = vec![
        ("first page".into(), vec![]),
        ("status = Inactive".into(), vec![("status", "inactive".into())]),
        ("role = Admin (3%)".into(), vec![("role", "Admin".into())]),
        ("role = Owner (0.1%)".into(), vec![("role", "Owner".into())]),
        ("role = Owner, sorted by last login".into(), vec![("role", "Owner".into()), ("sort", "last_login".into()), ("dir", "desc".into())]),
        ("sort by email".into(), vec![("sort", "email".into())]),
        ("sort by status".into(), vec![("sort", "status".into()), ("dir", "desc".into())]),
        ("sort by last login".into(), vec![("sort", "last_login".into()), ("dir", "desc".into())]),
        ("deep page (row 500,000 by name)".into(), vec![("after", deep.clone())]),
        (format!("search, rare ({rare:?})"), vec![("search", rare.clone())]),
        ("search, common (\"son\")".into(), vec![("search", "son".into())]),
        ("search, every user (\"example\")".into(), vec![("search", "example".into())]),
        ("search, two characters (\"ma\")".into(), vec![("search", "ma".into())]),
        ("search + status + role".into(), vec![("search", "son".into()), ("status", "active".into()), ("role", "Member".into())]),
        ("Last login = Not in 90 days (79%)".into(), vec![("last_login", "90d".into())]),
        ("Last login = Never signed in, Active".into(), vec![("last_login", "never".into()), ("status", "active".into())]),
        ("Last login = Not in a year, sorted by last login".into(), vec![("last_login", "1y".into()), ("sort", "last_login".into()), ("dir", "desc".into())]),
    ];
    let mut lists = vec![("Users", "/users", "/api/list_users", users)];
    if o.sessions > 0 {
        lists.push(("Sessions", "/sessions", "/api/list_sessions", session_cases(&db, &org_id, o.sessions).await));
    }
    if o.attempts > 0 {
        lists.push(("Attempts", "/login-attempts", "/api/list_login_attempts", attempt_cases(&db, &org_id, o.attempts).await));
    }
    if o.audit_events > 0 {
        lists.push(("Audit", "/audit", "/api/list_audit_events", audit_cases(&db, &org_id, o.audit_events).await));
    }
    let mut scenarios = vec![];
    for (list, path, endpoint, cases) in &lists {
        for (name, params) in cases {
            scenarios.push(Scenario { name: format!("{list} page: {name}"), path: format!("{path}{}", form_query(params)), form: None });
        }
        for (name, params) in cases {
            let form = params.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
            scenarios.push(Scenario { name: format!("{list} fn: {name}"), path: (*endpoint).to_owned(), form: Some(form) });
        }
    }

    let floor = measure(&reqwest::Client::new(), &format!("http://{hello_addr}"), &Scenario { name: "hello-world axum route".into(), path: "/hello".into(), form: None }, &o).await;
    let mut results = vec![floor];
    let chosen = |name: &str| o.only.as_ref().is_none_or(|only| only.split(',').any(|part| name.contains(part.trim())));
    for s in scenarios.iter().filter(|s| chosen(&s.name)) {
        let m = measure(&client, &base, s, &o).await;
        println!("{:<60} p50 {:>7} ms  p99 {:>7} ms  {:>7.0} req/s", m.name, ms(m.p50), ms(m.p99), m.per_second);
        results.push(m);
    }

    let matrix = if o.only.as_ref().is_none_or(|only| only.split(',').any(|part| "Last login matrix".contains(part.trim()))) {
        Some(last_login_matrix(&client, &base, &o).await)
    } else {
        None
    };

    let bulk = if o.bulk { Some(bulk_jobs(&db, &org_id, &client, &base, o.bulk_reader_pause_ms).await) } else { None };

    let mut table = String::new();
    let _ = writeln!(
        table,
        "### {dialect}{}, {} users, {} sessions, {} login attempts{}\n",
        o.only.as_ref().map(|only| format!(": {only}")).unwrap_or_default(),
        thousands(o.users),
        thousands(o.sessions),
        thousands(o.attempts),
        if o.audit_events > 0 { format!(", {} audit events", thousands(o.audit_events)) } else { String::new() }
    );
    let _ = writeln!(
        table,
        "Seeded in {seeded_in:.1?}. {} concurrent clients for {} s per row, on loopback, {} cores. Times in milliseconds.\n",
        o.clients,
        o.seconds,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let _ = writeln!(table, "| Request | p50 | p99 | req/s | requests |\n|---|---:|---:|---:|---:|");
    for m in &results {
        let _ = writeln!(table, "| {} | {} | {} | {:.0} | {} |", m.name, ms(m.p50), ms(m.p99), m.per_second, m.requests);
    }
    if let Some(matrix) = matrix {
        let _ = writeln!(table, "\n{matrix}");
    }
    if let Some(bulk) = bulk {
        let _ = writeln!(table, "\n{bulk}");
    }
    println!("\n{table}");
    if o.common.write() {
        match &o.only {
            None => write_section(dialect, &table),
            Some(only) => write_section(&format!("{dialect}: {only}"), &table),
        }
    }
    db.close().await;
    if let Some(admin_url) = &o.common.postgres {
        if let Ok(Db::Postgres(admin)) = Db::connect(admin_url).await {
            let name = url.rsplit('/').next().unwrap_or_default();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
        }
    }
}

/// Bulk actions at scale: the Owner previews **Activate** on every Inactive user (the filter
/// `status=inactive`), confirms, and a worker runs the job in chunks while one client reads the
/// Users list's first page as fast as it can; then **Undo** deactivates the same users. A row
/// each: users, time, users a second, and the list's p50/p99 meanwhile.
async fn bulk_jobs(db: &Db, org_id: &str, client: &reqwest::Client, base: &str, pause_ms: u64) -> String {
    use app::auth::server::guard::{JobContext, JobDesk};
    use app::bulk::server::service;
    use app::bulk::types::{BulkKind, BulkRequest};
    let owner: String = on_db!(db, pool => sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(client::OWNER_EMAIL).fetch_one(pool).await).unwrap();
    let desk = JobDesk::new(db.clone(), Settings::default());
    let context = JobContext { id: "bench".into(), client: app::server::client::ClientInfo::default() };
    let permit = desk.permit_for(org_id, &owner, context).await.unwrap().expect("the Owner is active");
    let reading = if pause_ms == 0 { "without pause".to_owned() } else { format!("pausing {pause_ms} ms between requests") };
    let mut table = format!(
        "#### Bulk actions\n\nA job in chunks of {} users a transaction, one worker; meanwhile one client reads the Users list's first page (`list_users`) {reading}. Times in milliseconds.\n\n| Job | users changed | seconds | users/s | list p50 during | list p99 during | list requests |\n|---|---:|---:|---:|---:|---:|---:|\n",
        app::bulk::server::runner::CHUNK
    );
    let request = BulkRequest {
        kind: BulkKind::Activate,
        role_id: None,
        ids: Vec::new(),
        matching: Some(app::users::types::UserListParams { status: Some("inactive".into()), ..Default::default() }),
        invitation_ids: Vec::new(),
    };
    let previewing = Instant::now();
    let preview = service::preview(&permit, &request).await.unwrap();
    println!("    preview of {} users in {:.1?}", preview.total, previewing.elapsed());
    let _ = writeln!(table, "| Preview: Activate, Status = Inactive ({} users) | | {:.1} | | | | |", thousands(u64::try_from(preview.total).unwrap()), previewing.elapsed().as_secs_f64());
    service::start(&permit, &preview.job_id, None).await.unwrap();
    let row = run_job(db, &desk, client, base, "Activate, Status = Inactive", pause_ms).await;
    let _ = writeln!(table, "{row}");
    let undo = service::undo(&permit, &preview.job_id).await.unwrap();
    let row = run_job(db, &desk, client, base, &format!("Undo (deactivates the same {} users)", thousands(u64::try_from(undo.total).unwrap())), pause_ms).await;
    let _ = writeln!(table, "{row}");
    table
}

/// Runs the waiting job to its end with one worker while one client reads the Users list;
/// answers the table row.
async fn run_job(db: &Db, desk: &app::auth::server::guard::JobDesk, client: &reqwest::Client, base: &str, name: &str, pause_ms: u64) -> String {
    use app::bulk::server::runner::Worker;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (client, url, done) = (client.clone(), format!("{base}/api/list_users"), done.clone());
        tokio::spawn(async move {
            let mut times = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let res = client.post(&url).form(&[("size", "50")]).send().await.expect("request");
                assert!(res.status().is_success());
                res.bytes().await.expect("body");
                times.push(started.elapsed());
                if pause_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(pause_ms)).await;
                }
            }
            times
        })
    };
    let started = Instant::now();
    let worker = Worker::new(desk.clone());
    worker.run_until_idle().await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut times = reader.await.unwrap();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let changed: i64 = on_db!(db, pool => sqlx::query_scalar("SELECT changed FROM bulk_jobs ORDER BY created_at DESC LIMIT 1").fetch_one(pool).await).unwrap();
    let row = format!(
        "| {name} | {} | {seconds:.1} | {:.0} | {} | {} | {} |",
        thousands(u64::try_from(changed).unwrap()),
        changed as f64 / seconds,
        ms(at(0.50)),
        ms(at(0.99)),
        times.len()
    );
    println!("{row}");
    row
}

/// Each Last login choice with every Status and Role, "all" included (80 combinations),
/// through the server function the filters call: a table of the worst p99 of each choice and
/// the combination it was met at (every row is printed as it is measured).
async fn last_login_matrix(client: &reqwest::Client, base: &str, o: &Options) -> String {
    let statuses = ["", "active", "inactive", "pending"];
    let roles = ["", "Owner", "Admin", "Member"];
    let short = Options { seconds: o.matrix_seconds, ..o.clone() };
    let mut table = format!(
        "#### Last login with every Status and Role ({} users)\n\n{} concurrent clients for {} s per combination, `list_users` (the server function a filter change calls), sorted by name. Times in milliseconds.\n\n| Last login | combinations | worst p99 | at | median p99 |\n|---|---:|---:|---|---:|\n",
        thousands(o.users),
        o.clients,
        o.matrix_seconds
    );
    for choice in LastLogin::ALL {
        let mut measured = Vec::new();
        for status in statuses {
            for role in roles {
                let form: Vec<(String, String)> = [("last_login", choice.key()), ("status", status), ("role", role)]
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                let at = format!("Status {}, Role {}", if status.is_empty() { "all" } else { status }, if role.is_empty() { "all" } else { role });
                let s = Scenario { name: format!("Last login matrix: {}, {at}", choice.label()), path: "/api/list_users".into(), form: Some(form) };
                let m = measure(client, base, &s, &short).await;
                println!("{:<60} p50 {:>7} ms  p99 {:>7} ms  {:>7.0} req/s", m.name, ms(m.p50), ms(m.p99), m.per_second);
                measured.push((m.p99, at));
            }
        }
        measured.sort();
        let (worst, at) = measured.last().cloned().unwrap();
        let median = measured[measured.len() / 2].0;
        let _ = writeln!(table, "| {} | {} | {} | {at} | {} |", choice.label(), measured.len(), ms(worst), ms(median));
    }
    table
}

/// The Audit Log's requests: the first page, each filter, a person's history (an admin's
/// events by them, a person's about them), an action over a week, and a deep page.
async fn audit_cases(db: &Db, org_id: &str, events: u64) -> Vec<(String, Vec<(&'static str, String)>)> {
    let middle = i64::try_from(events / 2).unwrap();
    let (at, id, actor, target): (i64, String, String, String) = on_db!(db, pool => sqlx::query_as(
        "SELECT created_at, id, actor_id, target_id FROM audit_events WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2",
    )
    .bind(org_id).bind(middle).fetch_one(pool).await.unwrap());
    let deep = app::server::cursor::encode(&(at, &id));
    vec![
        ("first page".into(), vec![]),
        ("action = Deleted user (2%)".into(), vec![("action", "user.deleted".into())]),
        ("action = Edited user, last 7 days".into(), vec![("action", "user.updated".into()), ("range", "7d".into())]),
        ("last 24 hours".into(), vec![("range", "24h".into())]),
        ("a person's history (History on Users)".into(), vec![("target", target.clone())]),
        ("a person's history, one action".into(), vec![("target", target), ("action", "user.roles_changed".into())]),
        ("an admin's actions (events by them)".into(), vec![("actor", actor)]),
        (format!("deep page (row {})", thousands(events / 2)), vec![("after", deep)]),
    ]
}

/// The Sessions list's requests: the first page, each status, a user's sessions (from the
/// Users page's menu), searches by the start of a name and by an email, and a deep page.
async fn session_cases(db: &Db, org_id: &str, sessions: u64) -> Vec<(String, Vec<(&'static str, String)>)> {
    let middle = i64::try_from(sessions / 2).unwrap();
    let (at, id, user_id, email): (i64, String, String, String) = on_db!(db, pool => sqlx::query_as(
        "SELECT s.last_active_at, s.id, s.user_id, u.email FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.org_id = $1 ORDER BY s.last_active_at DESC, s.id DESC LIMIT 1 OFFSET $2",
    )
    .bind(org_id).bind(middle).fetch_one(pool).await.unwrap());
    let deep = app::server::cursor::encode(&(at, &id));
    vec![
        ("first page".into(), vec![]),
        ("status = Active".into(), vec![("status", "active".into())]),
        ("status = Ended".into(), vec![("status", "ended".into())]),
        ("one user's (View sessions)".into(), vec![("user", user_id)]),
        ("search, a name's start (\"nora\")".into(), vec![("search", "nora".into())]),
        ("search, one letter (\"m\")".into(), vec![("search", "m".into())]),
        ("search, an email".into(), vec![("search", email)]),
        ("search, nobody (\"qqq\")".into(), vec![("search", "qqq".into())]),
        ("status = Ended + search (\"nora\")".into(), vec![("status", "ended".into()), ("search", "nora".into())]),
        (format!("deep page (row {})", thousands(sessions / 2)), vec![("after", deep)]),
    ]
}

/// The Login Attempts list's requests: the first page, each status, each time range, searches
/// by email and by IP address (an office's, many; an attacker's), and a deep page.
async fn attempt_cases(db: &Db, org_id: &str, attempts: u64) -> Vec<(String, Vec<(&'static str, String)>)> {
    let middle = i64::try_from(attempts / 2).unwrap();
    let (at, id): (i64, String) = on_db!(db, pool => sqlx::query_as(
        "SELECT created_at, id FROM login_attempts WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2",
    )
    .bind(org_id).bind(middle).fetch_one(pool).await.unwrap());
    let email: String = on_db!(db, pool => sqlx::query_scalar(
        "SELECT email FROM login_attempts WHERE org_id = $1 AND user_id IS NOT NULL ORDER BY created_at DESC LIMIT 1 OFFSET 1000",
    )
    .bind(org_id).fetch_one(pool).await.unwrap());
    let deep = app::server::cursor::encode(&(at, &id));
    vec![
        ("first page".into(), vec![]),
        ("status = Failed".into(), vec![("status", "failed".into())]),
        ("status = Success".into(), vec![("status", "success".into())]),
        ("last hour".into(), vec![("range", "1h".into())]),
        ("last 24 hours, Failed".into(), vec![("range", "24h".into()), ("status", "failed".into())]),
        ("last 30 days".into(), vec![("range", "30d".into())]),
        ("search, an email".into(), vec![("search", email.clone())]),
        ("search, an email, Failed, last 7 days".into(), vec![("search", email), ("status", "failed".into()), ("range", "7d".into())]),
        ("search, an office's IP (1 in 160 rows)".into(), vec![("search", "203.0.113.17".into())]),
        ("search, an attacker's IP, Failed".into(), vec![("search", "198.51.100.42".into()), ("status", "failed".into())]),
        ("search, nobody's email".into(), vec![("search", "nobody@nowhere.example".into())]),
        (format!("deep page (row {})", thousands(attempts / 2)), vec![("after", deep)]),
    ]
}

fn form_query(params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    format!("?{}", s.finish())
}

/// Replaces this database's section of docs/benchmarks.md, keeping the other's.
fn write_section(dialect: &str, table: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let (start, end) = (format!("<!-- {dialect} -->"), format!("<!-- /{dialect} -->"));
    let section = format!("{start}\n{table}{end}");
    let updated = match (existing.find(&start), existing.find(&end)) {
        (Some(a), Some(b)) if b > a => format!("{}{section}{}", &existing[..a], &existing[b + end.len()..]),
        _ if existing.is_empty() => format!("{}\n{section}\n", HEADER),
        _ => format!("{}\n{section}\n", existing.trim_end()),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create docs/");
    }
    std::fs::write(&path, updated).expect("write docs/benchmarks.md");
    println!("==> wrote {}", path.display());
}

const HEADER: &str = "# Benchmarks: the lists at a million users

Written by `server/benches/users_list.rs`. To reproduce (release build, about 15 minutes each):

    cargo bench -p server --bench users_list
    cargo bench -p server --bench users_list -- --postgres postgres://postgres@127.0.0.1:5432/postgres

Each row is one request the Users, Sessions or Login Attempts page makes, measured with
concurrent clients on loopback against the real server (sessions, permissions, SSR or the
server function, the database), in one organization of 1,000,000 users, 200,000 sessions and
10,000,000 login attempts (`roster seed`). \"page\" is the server-rendered HTML (`/users`,
`/sessions`, `/login-attempts`); \"fn\" is the server function the hydrated page calls when a
filter changes (`list_users`, `list_sessions`, `list_login_attempts`). The hello-world axum
route in the same run is the floor the machine sets. Targets (2 cores): p99 at most 20 ms for
every list and search request, at most 100 ms for a very common Users substring.
";
