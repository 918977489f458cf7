//! `cargo xtask dev` and `cargo xtask test`: the two commands of the README.
//!
//! Each first installs what a fresh machine of this project's kind lacks (the wasm32 target,
//! cargo-leptos and wasm-bindgen-cli at pinned versions, the npm packages, Chromium for the
//! browser tests), saying what it does, and skips what is already there. Standard library
//! only, so this crate builds in seconds.

mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev(&root),
        Some("test") => test(&root, &args[1..]),
        Some("e2e") => e2e(&root),
        Some("setup") => setup::all(&root, true),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  dev     install what is missing, then run `cargo leptos watch` on SQLite\n  test    install what is missing, then run every test (SQLite, Postgres, faults, browser);\n          Postgres is TEST_DATABASE_URL or this machine's on 127.0.0.1:5432, and without one the\n          command fails unless given --sqlite-only\n  e2e     only the browser tests, with the client as released\n  setup   only install what is missing"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

pub fn say(message: &str) {
    println!("\x1b[1m==> {message}\x1b[0m");
}

/// Runs a command in `dir`, echoing it, failing with its name when it fails.
pub fn run(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    println!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn dev(root: &Path) -> Result<(), String> {
    setup::all(root, false)?;
    say("Starting `cargo leptos watch` (SQLite in ./data/roster.db)");
    println!(
        "    Open http://127.0.0.1:3000 once it says it is listening.\n    \
         First start on an empty database: the server prints the owner's email and a one-time\n    \
         random password (or set ROSTER_OWNER_EMAIL / ROSTER_OWNER_PASSWORD in .env beforehand).\n"
    );
    run(root, "cargo", &["leptos", "watch", "--split"], &[])
}

/// The Postgres the tests use: `TEST_DATABASE_URL` when it names one, else this machine's own
/// (the one this project's machines start, as `.ci/run` uses it) when it answers.
fn postgres_url() -> Option<String> {
    if let Some(url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
        return Some(url);
    }
    let answers = Command::new("pg_isready").args(["-q", "-h", "127.0.0.1", "-p", "5432"]).status().is_ok_and(|s| s.success());
    answers.then(|| MACHINE_POSTGRES.to_owned())
}

const MACHINE_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn test(root: &Path, args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let sqlite_only = args.iter().any(|a| a == "--sqlite-only");
    setup::all(root, true)?;

    say("Structure: no import cycles, no feature using another's repository; new Postgres indexes built concurrently");
    run(root, "python3", &["scripts/check_structure.py"], &[])?;
    run(root, "python3", &["scripts/check_migrations.py"], &[])?;
    // …and that both catch what they look for, on fixtures that must fail.
    run(root, "python3", &["-m", "unittest", "discover", "-q", "-s", "scripts/tests"], &[])?;

    say("Unit and integration tests on SQLite (doc tests checking their compile_fail error codes)");
    let rustdoc = root.join("scripts/rustdoc_checking_error_codes.sh");
    let rustdoc = rustdoc.to_string_lossy();
    run(root, "cargo", &["test", "--workspace", "--exclude", "frontend"], &[("TEST_DATABASE_URL", ""), ("RUSTDOC", &rustdoc)])?;

    say("The benchmark programs still build (they are run by hand, optimised: docs/benchmarks.md)");
    // The dev profile: it reuses what the tests built; the bench profile would rebuild it all.
    run(root, "cargo", &["build", "--workspace", "--exclude", "frontend", "--benches", "--profile", "dev"], &[])?;

    // The client build needs both cores for two minutes; the Postgres run and the fault scripts
    // mostly wait (on databases, on a stopped server). So it runs beside them, at the lowest
    // CPU priority, taking only what they leave.
    let niced: Vec<&str> = ["-n", "19", "cargo"].into_iter().chain(CLIENT_BUILD).collect();
    let client = Background::start(root, "the client build (release, split, precompressed)", "nice", &niced)?;
    let postgres = if sqlite_only { None } else { postgres_url() };
    match &postgres {
        Some(url) => {
            say(&format!("The same integration tests on Postgres ({})", url.split('@').next_back().unwrap_or(url)));
            // Same package selection as the SQLite run, so no dependency is rebuilt.
            run(root, "cargo", &["test", "--workspace", "--exclude", "frontend", "--test", "api"], &[("TEST_DATABASE_URL", url)])?;
        }
        None => say("No Postgres: SKIPPING the Postgres run and its fault scripts"),
    }
    faults(root, postgres.as_deref())?;

    client.finish()?;
    browser_tests(root)?;
    let took = started.elapsed();
    match postgres {
        Some(_) => say(&format!("All tests passed in {took:.0?}: SQLite, Postgres, faults, browser")),
        None if sqlite_only => say(&format!("Tests passed on SQLite only (--sqlite-only) in {took:.0?}: Postgres was NOT tested")),
        None => {
            return Err(format!(
                "tests passed on SQLite, but Postgres was NOT tested: no TEST_DATABASE_URL and nothing answers on 127.0.0.1:5432 \
                 (start one, set TEST_DATABASE_URL=postgres://…, or pass --sqlite-only to accept SQLite alone); {took:.0?}"
            ))
        }
    }
    Ok(())
}

/// The fault scripts of docs/reliability.md, shortened, against the debug `roster` the tests
/// built: kill -9 during writes (3 rounds a database), kill -9 in the middle of a bulk job,
/// and a real Postgres stopped for 10 s.
fn faults(root: &Path, postgres: Option<&str>) -> Result<(), String> {
    say("Faults: kill -9 during writes, 3 rounds on SQLite; kill -9 in the middle of a bulk job");
    run(root, "python3", &["scripts/faults/kill9.py", "--rounds", "3"], &[])?;
    run(root, "python3", &["scripts/faults/bulk_kill9.py"], &[])?;
    if let Some(url) = postgres {
        say("Faults: kill -9 during writes, 3 rounds on Postgres; kill -9 in a bulk job; Postgres stopped for 10 s under traffic");
        run(root, "python3", &["scripts/faults/kill9.py", "--rounds", "3", "--postgres", url], &[])?;
        run(root, "python3", &["scripts/faults/bulk_kill9.py", "--postgres", url], &[])?;
        run(root, "python3", &["scripts/faults/postgres_stop.py", "--down", "10"], &[])?;
    }
    Ok(())
}

/// The client as it ships: release profile (opt-level z, fat LTO, one codegen unit), wasm-opt,
/// `--split` into a chunk for each `#[lazy]` page and dialog (without it the split functions'
/// imports stay unresolved and the client does not start), and `--precompress`, which writes
/// `.br` and `.gz` beside every file of `target/site` for the server to send as they are.
const CLIENT_BUILD: [&str; 6] = ["leptos", "build", "--release", "--frontend-only", "--split", "--precompress"];

/// A command running while other steps do, its output kept in a file under target/ and shown
/// only when it fails. Killed if it is dropped unfinished (a step before it failed).
struct Background {
    what: &'static str,
    child: std::process::Child,
    log: PathBuf,
}

impl Background {
    fn start(root: &Path, what: &'static str, program: &str, args: &[&str]) -> Result<Self, String> {
        let log = root.join("target/background-build.log");
        let _ = std::fs::create_dir_all(root.join("target"));
        let out = std::fs::File::create(&log).map_err(|e| format!("could not write {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        say(&format!("Starting {what} in the background (output in {})", log.display()));
        println!("$ {program} {}", args.join(" "));
        let child = Command::new(program).args(args).current_dir(root).stdout(out).stderr(err).spawn().map_err(|e| format!("could not start {program}: {e}"))?;
        Ok(Self { what, child, log })
    }

    fn finish(mut self) -> Result<(), String> {
        say(&format!("Waiting for {}", self.what));
        let status = self.child.wait().map_err(|e| e.to_string())?;
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        if status.success() {
            return Ok(());
        }
        let tail: Vec<&str> = output.lines().rev().take(60).collect();
        println!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        Err(format!("{} failed ({status}); its output is in {}", self.what, self.log.display()))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `cargo xtask e2e`: the client as released, then the browser tests.
fn e2e(root: &Path) -> Result<(), String> {
    setup::all(root, true)?;
    say("The server for the browser tests: the debug build of the Rust tests (nothing to do after them)");
    run(root, "cargo", &["test", "--workspace", "--exclude", "frontend", "--no-run"], &[])?;
    say("The client as released: split into chunks, wasm-opt, precompressed");
    run(root, "cargo", &CLIENT_BUILD, &[])?;
    browser_tests(root)
}

/// The browser tests: the client exactly as released, served by the debug `roster` the Rust
/// tests built. The release-only breakage seen so far is all in the WASM (wasm-opt), which is
/// the shipped build here; the server's optimisation changes no behaviour it renders, and a
/// release build of it would cost minutes of every run. `cargo leptos build --release` and the
/// benchmarks keep the real release server.
fn browser_tests(root: &Path) -> Result<(), String> {
    say("Browser tests (Playwright driving /usr/bin/chromium)");
    let hash_file = root.join("target/release/hash.txt");
    let server = root.join("target/debug/roster");
    let (hash_file, server) = (hash_file.to_string_lossy(), server.to_string_lossy());
    run(&root.join("end2end"), "npx", &["playwright", "test"], &[("ROSTER_BIN", &server), ("LEPTOS_HASH_FILE_NAME", &hash_file)])
}
