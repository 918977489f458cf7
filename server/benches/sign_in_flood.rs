//! Sign-in under a flood: a benchmark program, not a test.
//!
//! The real server on loopback, an organization of `--users` people (default 10,000):
//!
//! 1. Sign-ins per second: `--clients` (default 2, one a core) clients signing in with the
//!    right password for `--seconds` (default 10), argon2id at OWASP's parameters (19 MiB,
//!    2 iterations, 1 lane).
//! 2. The Users first page (the `list_users` server function the page calls), quiet and then
//!    while `--flood` (default 200) clients send wrong passwords for unknown emails as fast
//!    as they are answered: p50 and p99, what the flood got (401: checked and refused; 503:
//!    turned away by the bounded password checks), and this process's memory (the server and
//!    the clients share it) before and at its peak. The per-address limit is raised for the
//!    run, as if the flood came from many addresses: otherwise it would answer nearly all of
//!    it 429 at once, and this would measure nothing but that.
//! 3. The same page while `--flood` tasks share one signed-in Member's session and call
//!    **Change password** with wrong current passwords as fast as answered (a stolen session
//!    guessing): each check waits for the same bounded limiter as sign-in, so the page and the
//!    memory should fare as under the sign-in flood.
//! 4. Live streams (`/api/live`, one per open tab): `--streams` (default 1,000) opened by the
//!    Owner and left idle, and the memory they take (server and clients together, so an upper
//!    bound of the server's); then, with `--busy-streams` (default 200) of them still open, the
//!    wrong-password flood of phase 2 again, whose every attempt is news for Login Attempts:
//!    the Users page meanwhile, and the events the streams got.
//!
//! ```text
//! cargo bench -p server --bench sign_in_flood                    # SQLite
//! cargo bench -p server --bench sign_in_flood -- --postgres postgres://postgres@127.0.0.1:5432/postgres
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

use app::auth::server::guard::AppState;
use app::server::state::Settings;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sign-in throughput, and the Users list while a flood of wrong passwords goes on (see the
/// file's comment).
#[derive(clap::Parser, Debug)]
struct Options {
    #[command(flatten)]
    common: options::Common,
    /// People in the organization.
    #[arg(long, default_value_t = 10_000)]
    users: u64,
    /// How long each phase runs.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Clients signing in with the right password (one a core).
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Clients sending wrong passwords as fast as answered.
    #[arg(long, default_value_t = 200)]
    flood: usize,
    /// Password checks at once (`ROSTER_HASH_CONCURRENCY`); the server's default otherwise.
    #[arg(long)]
    hash_concurrency: Option<usize>,
    /// Live streams opened and left idle (phase 4).
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Live streams kept open during phase 4's flood.
    #[arg(long, default_value_t = 200)]
    busy_streams: usize,
}

/// Opens a live stream for `client` and waits for its first event; the response, to read on.
async fn open_stream(client: &reqwest::Client, base: &str) -> reqwest::Response {
    let mut res = client.get(format!("{base}/api/live")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let first = res.chunk().await.unwrap().unwrap_or_default();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"), "{first:?}");
    res
}

/// This process's resident memory now and at its peak, in MiB (Linux).
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

/// Starts the peak resident size (`VmHWM`) again from now (Linux: `/proc/self/clear_refs`).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The Member whose session floods Change password in phase 3.
const MEMBER_EMAIL: &str = "member@bench.example";
const MEMBER_PASSWORD: &str = "a long passphrase for benching";

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// What the Users page and a flood got while the flood lasted.
struct Flooded {
    /// The page's sorted latencies.
    page: Vec<Duration>,
    /// Flood requests answered `refused_status` (checked and refused), a second.
    refused: f64,
    /// Flood requests answered 503 (turned away by the bounded password checks), a second.
    turned_away: f64,
    /// Anything else, in all.
    other: u64,
}

/// `tasks` tasks send `request(task, n)` as fast as they are answered while the Users first
/// page is timed (after a second for the flood to build up), then stop.
async fn page_under_flood(
    admin: &reqwest::Client,
    base: &str,
    window: Duration,
    tasks: usize,
    refused_status: u16,
    request: impl Fn(usize, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> Flooded {
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let (refused, turned_away, other) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let flooders: Vec<_> = (0..tasks)
        .map(|i| {
            let (request, stop) = (request.clone(), stop.clone());
            let (refused, turned_away, other) = (refused.clone(), turned_away.clone(), other.clone());
            tokio::spawn(async move {
                let mut n = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    match request(i, n).send().await {
                        Ok(res) if res.status() == refused_status => refused.fetch_add(1, Ordering::Relaxed),
                        Ok(res) if res.status() == 503 => turned_away.fetch_add(1, Ordering::Relaxed),
                        _ => other.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let (refused_before, turned_away_before) = (refused.load(Ordering::Relaxed), turned_away.load(Ordering::Relaxed));
    let page = users_page(admin, base, window).await;
    let elapsed = started.elapsed().as_secs_f64();
    let per_second = |now: u64, then: u64| (now - then) as f64 / elapsed;
    let refused = per_second(refused.load(Ordering::Relaxed), refused_before);
    let turned_away = per_second(turned_away.load(Ordering::Relaxed), turned_away_before);
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        f.await.unwrap();
    }
    Flooded { page, refused, turned_away, other: other.load(Ordering::Relaxed) }
}

/// The Users first page, called back to back for `for_how_long`: sorted latencies.
async fn users_page(client: &reqwest::Client, base: &str, for_how_long: Duration) -> Vec<Duration> {
    let mut times = Vec::new();
    let started = Instant::now();
    while started.elapsed() < for_how_long {
        let t = Instant::now();
        let res = client.post(format!("{base}/api/list_users")).form(&[("size", "50")]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    times
}

#[tokio::main]
async fn main() {
    let Options { common, users, seconds, clients, flood, hash_concurrency, streams, busy_streams } = clap::Parser::parse();
    let dialect = common.dialect();
    let window = Duration::from_secs_f64(seconds);
    let (url, _dir) = database::fresh(common.postgres.as_deref(), "roster_bench_flood").await;
    server::cli::org_create(&url, "bench", "Bench Corp").await.unwrap();
    server::cli::user_add(&url, "bench", client::OWNER_EMAIL, "Bench Owner", "Owner", client::OWNER_PASSWORD.into()).await.unwrap();
    server::cli::user_add(&url, "bench", MEMBER_EMAIL, "Bench Member", "Member", MEMBER_PASSWORD.into()).await.unwrap();
    server::cli::seed(&url, "bench", server::seed::Plan { users, seed: 7, ..Default::default() }).await.unwrap();
    let db = server::serve::open_database(&url).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let options = LeptosOptions::builder().output_name("roster").site_addr(addr).build();
    let defaults = Settings::default();
    let settings = Settings { ip_limit: u32::MAX, hash_concurrency: hash_concurrency.unwrap_or(defaults.hash_concurrency), ..defaults };
    let (hash_concurrency, hash_queue) = (settings.hash_concurrency, settings.hash_queue);
    tokio::spawn(server::serve::run(listener, AppState::new(db.clone(), settings), options, false, std::future::pending()));
    let base = format!("http://{addr}");

    // 1. Sign-ins per second, right password.
    println!("==> {dialect}: {clients} clients signing in for {seconds} s");
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (base, done) = (base.clone(), done.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
                while started.elapsed() < window {
                    let res = client::sign_in(&client, &base).await;
                    assert!(res.status().is_success(), "{}", res.status());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let sign_ins = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("    {sign_ins:.1} sign-ins a second");

    // 2. The Users first page, quiet, then under the flood.
    let admin = reqwest::Client::builder().cookie_store(true).default_headers(client::same_origin()).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client::sign_in(&admin, &base).await;
    assert!(res.status().is_success());
    let quiet = users_page(&admin, &base, window).await;
    let (rss_before, _) = memory();
    println!("    Users first page, quiet: p50 {:.1?}, p99 {:.1?}; memory {rss_before:.0} MiB", quantile(&quiet, 0.5), quantile(&quiet, 0.99));

    println!("==> {dialect}: {flood} clients sending wrong passwords for {seconds} s");
    let base_for_flood = base.clone();
    let attacker = reqwest::Client::builder().pool_max_idle_per_host(flood).build().unwrap();
    let Flooded { page: loaded, refused: r401, turned_away: r503, other: errors } = page_under_flood(&admin, &base, window, flood, 401, move |i, n| {
        let email = format!("victim{i}-{n}@bench.example");
        attacker.post(format!("{base_for_flood}/api/public/login")).form(&[("email", email.as_str()), ("password", "Winter2026!")])
    })
    .await;
    // The peak resident size since the process started: the flood's, if above the quiet one.
    let (_, peak) = memory();
    println!(
        "    Users first page under the flood: p50 {:.1?}, p99 {:.1?}; flood answered {r401:.0}/s 401, {r503:.0}/s 503, {errors} other; memory peak {peak:.0} MiB",
        quantile(&loaded, 0.5),
        quantile(&loaded, 0.99)
    );

    // 3. The same page while one Member's session floods Change password.
    let member = reqwest::Client::builder().cookie_store(true).default_headers(client::same_origin()).pool_max_idle_per_host(flood).build().unwrap();
    let res = member.post(format!("{base}/api/public/login")).form(&[("email", MEMBER_EMAIL), ("password", MEMBER_PASSWORD)]).send().await.unwrap();
    assert!(res.status().is_success(), "the member signs in: {}", res.status());
    reset_peak_memory();
    let (rss_before_change, _) = memory();
    println!("==> {dialect}: {flood} tasks of one Member's session calling Change password for {seconds} s");
    let base_for_guesses = base.clone();
    let Flooded { page: guessed, refused: g422, turned_away: g503, other: change_errors } = page_under_flood(&admin, &base, window, flood, 422, move |i, n| {
        let change = serde_json::json!({ "change": { "current_password": format!("guess {i} {n}"), "new_password": "a new passphrase of theirs" } });
        member.post(format!("{base_for_guesses}/api/change_password")).json(&change)
    })
    .await;
    let (_, change_peak) = memory();
    println!(
        "    Users first page under the Change password flood: p50 {:.1?}, p99 {:.1?}; answered {g422:.0}/s 422, {g503:.0}/s 503, {change_errors} other; memory {rss_before_change:.0} MiB before, peak {change_peak:.0} MiB",
        quantile(&guessed, 0.5),
        quantile(&guessed, 0.99)
    );

    // 4. Live streams, idle, then during the flood.
    println!("==> {dialect}: {streams} live streams open, idle");
    let (rss_no_streams, _) = memory();
    let mut open = Vec::with_capacity(streams);
    for _ in 0..streams {
        open.push(open_stream(&admin, &base).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_streams, _) = memory();
    let per_stream_kib = (rss_streams - rss_no_streams).max(0.0) * 1024.0 / streams.max(1) as f64;
    println!("    memory {rss_no_streams:.0} MiB before, {rss_streams:.0} MiB with {streams} streams: {per_stream_kib:.1} KiB a stream");
    open.truncate(busy_streams);
    let events = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = open
        .into_iter()
        .map(|mut res| {
            let events = events.clone();
            tokio::spawn(async move {
                while let Ok(Some(chunk)) = res.chunk().await {
                    events.fetch_add(String::from_utf8_lossy(&chunk).matches("event: login_attempts").count() as u64, Ordering::Relaxed);
                }
            })
        })
        .collect();
    println!("==> {dialect}: {flood} clients sending wrong passwords for {seconds} s, {busy_streams} live streams open");
    let base_for_live = base.clone();
    let attacker = reqwest::Client::builder().pool_max_idle_per_host(flood).build().unwrap();
    let Flooded { page: live_loaded, refused: l401, turned_away: l503, other: live_errors } = page_under_flood(&admin, &base, window, flood, 401, move |i, n| {
        let email = format!("live{i}-{n}@bench.example");
        attacker.post(format!("{base_for_live}/api/public/login")).form(&[("email", email.as_str()), ("password", "Winter2026!")])
    })
    .await;
    let heard = events.load(Ordering::Relaxed) as f64 / busy_streams.max(1) as f64;
    for r in readers {
        r.abort();
    }
    println!(
        "    Users first page: p50 {:.1?}, p99 {:.1?}; flood answered {l401:.0}/s 401, {l503:.0}/s 503, {live_errors} other; each stream heard {heard:.1} Login Attempts events",
        quantile(&live_loaded, 0.5),
        quantile(&live_loaded, 0.99)
    );

    if common.write() {
        let rows = format!(
            "| {dialect} | Sign-ins per second, right password, {clients} clients | {sign_ins:.1} / s |\n\
             | {dialect} | Users first page, quiet | p50 {:.1?}, p99 {:.1?} |\n\
             | {dialect} | Users first page while {flood} clients send wrong passwords | p50 {:.1?}, p99 {:.1?} |\n\
             | {dialect} | The flood's answers meanwhile | {r401:.0} / s checked and refused (401), {r503:.0} / s turned away (503), {errors} other |\n\
             | {dialect} | Memory of the process (server and clients) | {rss_before:.0} MiB quiet, {peak:.0} MiB at the flood's peak |\n\
             | {dialect} | Users first page while {flood} calls at once of one Member's session send Change password with wrong current passwords | p50 {:.1?}, p99 {:.1?} |\n\
             | {dialect} | Those calls' answers meanwhile | {g422:.0} / s checked and refused (422), {g503:.0} / s turned away (503), {change_errors} other |\n\
             | {dialect} | Memory during them (peak reset before) | {rss_before_change:.0} MiB before, {change_peak:.0} MiB at their peak |\n\
             | {dialect} | {streams} idle live streams (server and clients) | {rss_no_streams:.0} MiB before, {rss_streams:.0} MiB open: {per_stream_kib:.1} KiB a stream |\n\
             | {dialect} | Users first page while {flood} clients send wrong passwords and {busy_streams} live streams are open | p50 {:.1?}, p99 {:.1?}; each stream heard {heard:.1} Login Attempts events in {seconds} s |\n",
            quantile(&quiet, 0.5),
            quantile(&quiet, 0.99),
            quantile(&loaded, 0.5),
            quantile(&loaded, 0.99),
            quantile(&guessed, 0.5),
            quantile(&guessed, 0.99),
            quantile(&live_loaded, 0.5),
            quantile(&live_loaded, 0.99),
        );
        let section = report::Section {
            name: "Flood",
            heading: "Sign-in under a flood",
            intro: &format!(
                "Written by `server/benches/sign_in_flood.rs` (`cargo bench -p server --bench sign_in_flood [-- --postgres URL]`):\n\
                 the real server on loopback, {users} users, 2 cores; password checks at once: {hash_concurrency}, waiting at most: {hash_queue}\n\
                 (the defaults here). The per-address limit is raised for the run, as if the flood came from many addresses."
            ),
            header: "| Database | What | Result |\n|---|---|---|",
        };
        report::write_section(&section, dialect, &rows);
    }
}
