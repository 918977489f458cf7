//! The soak: a realistic mix against the real `roster` process for `--minutes` (default 10)
//! at `--users` people (default 1,000,000): a benchmark program, not a test.
//!
//! `--clients` (default 8) clients send `--rate` (default 50) requests a second in all, each
//! drawn at random: 70 % lists and
//! searches (the Users list's server function with a search, a filter or a sort), 10 % page
//! loads (Users, Invitations, Sessions, server-rendered), 10 % edits and deactivations (Edit's
//! read and save; Deactivate and Activate), 5 % sign-ins (one in five with a wrong password),
//! 5 % invitations, sent through a real SMTP server (aiosmtpd, discarding). The server runs as
//! its own process (the release binary cargo builds with the benchmark), so its memory is its
//! own: sampled every 2 s from /proc. It reports p50 and p99 per kind, the errors (any 5xx, or
//! a status the kind never expects: must be 0), and the server's memory after the first minute
//! (warm-up) in three equal windows: each window's floor, level (mean) and ceiling, the level
//! must plateau (the last at most 10 % above the first), and the trend through every sample.
//!
//! ```text
//! cargo bench -p server --bench soak                         # SQLite
//! cargo bench -p server --bench soak -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```
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

use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The soak: a realistic mix against the real `roster` process (see the file's comment).
#[derive(clap::Parser, Debug)]
struct Options {
    #[command(flatten)]
    common: options::Common,
    /// How long to run.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Requests a second, all clients together: a steady load, as people make, rather than
    /// clients sending as fast as answered (which only measures the queue of a saturated CPU).
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// People in the organization.
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    /// Clients sharing the rate.
    #[arg(long, default_value_t = 8)]
    clients: usize,
}

/// What a client does, and the statuses that are its normal answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    List,
    Page,
    Edit,
    SignIn,
    Invite,
}

impl Kind {
    fn draw(rng: &mut impl Rng) -> Kind {
        match rng.gen_range(0..100) {
            0..70 => Kind::List,
            70..80 => Kind::Page,
            80..90 => Kind::Edit,
            90..95 => Kind::SignIn,
            _ => Kind::Invite,
        }
    }

    /// Sign-in refuses a wrong password or an account that may not sign in (401); an edit may
    /// meet another client's save of the same person (409).
    fn expected(self, status: u16) -> bool {
        match self {
            Kind::SignIn => status == 200 || status == 401,
            Kind::Edit => status == 200 || status == 409,
            _ => status == 200,
        }
    }
}

struct Sample {
    kind: Kind,
    took: Duration,
    status: u16,
}

/// The server's own memory in MiB: its resident anonymous pages (`RssAnon`: heap, caches),
/// not the pages of the files it maps (the binary, a memory-mapped SQLite file), which are the
/// kernel's cache.
fn memory_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status.lines().find(|l| l.starts_with("RssAnon:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    kib / 1024.0
}

/// One request of `kind`: its status.
async fn act(kind: Kind, rng: &mut rand::rngs::StdRng, owner: &reqwest::Client, base: &str, people: &[(String, String)], n: &mut u64) -> u16 {
    let call = |path: &str, form: Vec<(&'static str, String)>| owner.post(format!("{base}{path}")).form(&form).send();
    let status = |res: reqwest::Result<reqwest::Response>| res.map_or(599, |r| r.status().as_u16());
    let (id, email) = &people[rng.gen_range(0..people.len())];
    match kind {
        Kind::List => {
            let prefixes = ["son", "mar", "li", "and", "jo", "kim", "ber", "an"];
            let form = match rng.gen_range(0..5) {
                0 => vec![],
                1 => vec![("search", prefixes[rng.gen_range(0..prefixes.len())].to_owned())],
                2 => vec![("status", "inactive".to_owned())],
                3 => vec![("role", "Admin".to_owned())],
                _ => vec![("sort", "email".to_owned()), ("dir", "desc".to_owned())],
            };
            status(call("/api/list_users", form).await)
        }
        Kind::Page => {
            let page = ["/users", "/invitations", "/sessions"][rng.gen_range(0..3)];
            status(owner.get(format!("{base}{page}")).send().await)
        }
        Kind::Edit => {
            if rng.gen_bool(0.5) {
                let active = if rng.gen_bool(0.5) { "true" } else { "false" };
                return status(call("/api/set_user_active", vec![("id", id.clone()), ("active", active.to_owned())]).await);
            }
            let Ok(res) = call("/api/get_user", vec![("id", id.clone())]).await else { return 599 };
            if res.status() != 200 {
                return res.status().as_u16();
            }
            let mut editor: serde_json::Value = res.json().await.unwrap_or_default();
            let user = editor["user"].take();
            *n += 1;
            let update = serde_json::json!({ "update": {
                "id": id, "version": user["version"], "name": format!("Soaked Person {n}"), "email": user["email"],
                "profile": user["profile"], "role_ids": user["role_ids"],
            }});
            status(owner.post(format!("{base}/api/update_user")).json(&update).send().await)
        }
        Kind::SignIn => {
            let password = if rng.gen_range(0..5) == 0 { "not the seeded password" } else { "seeded-password" };
            let fresh = reqwest::Client::builder().default_headers(client::same_origin()).build().unwrap();
            status(fresh.post(format!("{base}/api/public/login")).form(&[("email", email.as_str()), ("password", password)]).send().await)
        }
        Kind::Invite => {
            *n += 1;
            let email = format!("soak-{}-{n}-{}@invited.example", std::process::id(), rng.gen::<u32>());
            let roles: Vec<serde_json::Value> = match call("/api/invite_roles", vec![]).await {
                Ok(r) => r.json().await.unwrap_or_default(),
                Err(_) => return 599,
            };
            let member = roles.iter().find(|r| r["name"] == "Member").map(|r| r["id"].clone()).unwrap_or_default();
            let invitation = serde_json::json!({ "invitation": { "email": email, "role_id": member, "message": "" } });
            status(owner.post(format!("{base}/api/invite_user")).json(&invitation).send().await)
        }
    }
}

/// Whether memory levels off after warm-up. A single sample says little: every sign-in hashes
/// with argon2's 19 MiB buffer, which the allocator (mimalloc) keeps a while or hands back, so
/// samples a few seconds apart differ by tens of MiB. So the samples after warm-up are cut into three equal
/// windows, and each window's floor (lowest), level (mean) and ceiling (highest) are kept: a
/// leak lifts all three, window after window; the buffers only spread them apart. The trend
/// is the least-squares slope through every sample.
struct Plateau {
    /// The server's own memory (`RssAnon`: not the pages of files it maps, which are the
    /// kernel's cache) in MiB, for each window: (floor, level, ceiling).
    windows: [(f64, f64, f64); 3],
    /// MiB per hour.
    trend: f64,
}

impl Plateau {
    fn of(samples: &[(Duration, f64)], warm_up: Duration) -> Plateau {
        let after: Vec<(f64, f64)> = samples.iter().filter(|(at, _)| *at >= warm_up).map(|(at, own)| (at.as_secs_f64(), *own)).collect();
        let (first, last) = (after.first().map_or(0.0, |s| s.0), after.last().map_or(1.0, |s| s.0));
        let mut windows: [(f64, f64, f64); 3] = [(f64::MAX, 0.0, 0.0); 3];
        let mut counts = [0.0; 3];
        for (at, mib) in &after {
            let third = (((at - first) / (last - first).max(1.0)) * 3.0).floor().clamp(0.0, 2.0) as usize;
            let w = &mut windows[third];
            *w = (w.0.min(*mib), w.1 + mib, w.2.max(*mib));
            counts[third] += 1.0;
        }
        for (w, n) in windows.iter_mut().zip(counts) {
            w.1 /= f64::max(n, 1.0);
        }
        let n = after.len().max(1) as f64;
        let (mean_t, mean_m) = (after.iter().map(|s| s.0).sum::<f64>() / n, after.iter().map(|s| s.1).sum::<f64>() / n);
        let covariance: f64 = after.iter().map(|s| (s.0 - mean_t) * (s.1 - mean_m)).sum();
        let variance: f64 = after.iter().map(|s| (s.0 - mean_t).powi(2)).sum();
        Plateau { windows, trend: if variance > 0.0 { covariance / variance * 3600.0 } else { 0.0 } }
    }

    /// The last window's level over the first's, in per cent.
    fn growth(&self) -> f64 {
        (self.windows[2].1 / self.windows[0].1 - 1.0) * 100.0
    }

    fn describe(&self) -> String {
        let w: Vec<String> = self.windows.iter().map(|(floor, level, ceiling)| format!("{floor:.0} / {level:.0} / {ceiling:.0}")).collect();
        format!("{} | level {:+.1} % from the first third to the last; trend {:+.1} MiB an hour", w.join(" | "), self.growth(), self.trend)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let o = <Options as clap::Parser>::parse();
    let dialect = o.common.dialect();
    let (url, _dir) = database::fresh(o.common.postgres.as_deref(), "roster_soak").await;
    println!("==> {dialect}: seeding {} users", o.users);
    server::cli::org_create(&url, "bench", "Bench Corp").await.unwrap();
    server::cli::user_add(&url, "bench", client::OWNER_EMAIL, "Bench Owner", "Owner", client::OWNER_PASSWORD.into()).await.unwrap();
    server::cli::seed(&url, "bench", server::seed::Plan { users: o.users, seed: 7, ..Default::default() }).await.unwrap();
    let _ = Command::new("sync").status();
    // People to edit and sign in as: a spread of the seeded ones.
    let db = server::serve::open_database(&url).await.unwrap();
    let people: Vec<(String, String)> = match &db {
        app::server::db::Db::Sqlite(pool) => sqlx::query_as("SELECT id, email FROM users WHERE email <> $1 ORDER BY id LIMIT 2000").bind(client::OWNER_EMAIL).fetch_all(pool).await.unwrap(),
        app::server::db::Db::Postgres(pool) => sqlx::query_as("SELECT id, email FROM users WHERE email <> $1 ORDER BY id LIMIT 2000").bind(client::OWNER_EMAIL).fetch_all(pool).await.unwrap(),
    };
    db.close().await;

    // A real SMTP server that keeps nothing, and the server as its own process.
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let mut smtp = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{smtp_port}"), "-c", "aiosmtpd.handlers.Sink"])
        .spawn()
        .expect("aiosmtpd (python3-aiosmtpd)");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut roster = Command::new(env!("CARGO_BIN_EXE_roster"))
        .env("DATABASE_URL", &url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "roster")
        .env("LEPTOS_ENV", "PROD")
        .env("ROSTER_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("ROSTER_MAIL_FROM", "Roster <roster@bench.example>")
        // One address sends everything here; these limits are for people, not for this.
        .env("ROSTER_IP_LIMIT", "100000000")
        .env("ROSTER_INVITES_PER_HOUR", "100000000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("the roster binary");
    let pid = roster.id();
    let base = format!("http://127.0.0.1:{port}");
    while reqwest::get(format!("{base}/readyz")).await.map(|r| r.status()).ok() != Some(reqwest::StatusCode::OK) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let owner = reqwest::Client::builder().cookie_store(true).default_headers(client::same_origin()).timeout(Duration::from_secs(30)).build().unwrap();
    assert!(client::sign_in(&owner, &base).await.status().is_success());

    let length = Duration::from_secs_f64(o.minutes * 60.0);
    println!("==> {dialect}: {} clients, {} requests a second in all, for {:.0} minutes", o.clients, o.rate, o.minutes);
    let started = Instant::now();
    let until = started + length;
    let memory: Arc<Mutex<Vec<(Duration, f64)>>> = Arc::default();
    let sampler = {
        let memory = Arc::clone(&memory);
        tokio::spawn(async move {
            while Instant::now() < until {
                memory.lock().unwrap().push((started.elapsed(), memory_mib(pid)));
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        })
    };
    let people = Arc::new(people);
    let mut clients = Vec::new();
    let (clients_n, rate) = (o.clients, o.rate);
    for c in 0..o.clients {
        let (owner, base, people) = (owner.clone(), base.clone(), Arc::clone(&people));
        clients.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let (mut samples, mut n) = (Vec::new(), c as u64 * 1_000_000_000);
            let mut pace = tokio::time::interval(Duration::from_secs_f64(clients_n as f64 / rate));
            pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while Instant::now() < until {
                pace.tick().await;
                let kind = Kind::draw(&mut rng);
                let t = Instant::now();
                let status = act(kind, &mut rng, &owner, &base, &people, &mut n).await;
                samples.push(Sample { kind, took: t.elapsed(), status });
            }
            samples
        }));
    }
    let mut by_kind: BTreeMap<Kind, Vec<Sample>> = BTreeMap::new();
    for c in clients {
        for s in c.await.unwrap() {
            by_kind.entry(s.kind).or_default().push(s);
        }
    }
    sampler.await.unwrap();
    let _ = roster.kill();
    let _ = roster.wait();
    let _ = smtp.kill();
    let _ = smtp.wait();

    let mut rows = String::new();
    let mut errors_total = 0;
    for (kind, samples) in &mut by_kind {
        samples.sort_by_key(|s| s.took);
        let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)].took;
        let errors = samples.iter().filter(|s| !kind.expected(s.status)).count();
        errors_total += errors;
        let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
        for s in samples.iter() {
            *statuses.entry(s.status).or_default() += 1;
        }
        println!("{kind:?}: {} requests, p50 {} ms, p99 {} ms, errors {errors}, statuses {statuses:?}", samples.len(), ms(at(0.5)), ms(at(0.99)));
        let _ = writeln!(rows, "| {kind:?} | {} | {} | {} | {errors} |", samples.len(), ms(at(0.5)), ms(at(0.99)));
    }
    let memory = memory.lock().unwrap();
    let plateau = Plateau::of(&memory, Duration::from_secs(60).min(length / 4));
    println!("server's own memory in MiB, floor / level / ceiling in each third after warm-up: {}", plateau.describe());
    let _ = writeln!(rows, "| server's own memory (RssAnon) in MiB, floor / level / ceiling, each third after warm-up | {} |", plateau.describe());
    if o.common.write() {
        let section = report::Section {
            name: "Soak",
            heading: "Soak: a realistic mix at a million users",
            intro: "`cargo bench -p server --bench soak` (see the file): the release server as its own process, 1,000,000 users, 8 clients sending 50 requests a second in all on 2 cores, \
                    70 % lists and searches, 10 % page loads, 10 % edits and deactivations, 5 % sign-ins (one in five wrong), 5 % invitations through a \
                    real SMTP server. Errors are 5xx answers or statuses the kind never expects.",
            header: "| Kind | Requests | p50 ms | p99 ms | Errors |\n|---|---|---|---|---|",
        };
        report::write_section(&section, dialect, &format!("| **{dialect}**, {:.0} min at {} requests/s | | | | |\n{rows}", o.minutes, o.rate));
    }
    assert_eq!(errors_total, 0, "the soak had errors");
    assert!(plateau.growth() <= 10.0, "memory grew {:.1} % after warm-up", plateau.growth());
}
