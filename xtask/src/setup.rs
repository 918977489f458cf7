//! Installing what is missing, each step said aloud and skipped when already done.

use crate::{run, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned: cargo-leptos 0.3.11 is the release known to work with Leptos 0.8 here.
const CARGO_LEPTOS: &str = "0.3.11";
/// Must equal the `wasm-bindgen` crate version in Cargo.toml exactly.
const WASM_BINDGEN: &str = "0.2.130";

pub fn all(root: &Path, browser: bool) -> Result<(), String> {
    wasm_target(root)?;
    cargo_leptos()?;
    wasm_bindgen()?;
    npm_packages(root)?;
    smtp_server()?;
    if browser {
        chromium()?;
    }
    Ok(())
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wasm_target(root: &Path) -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    say("Adding the wasm32-unknown-unknown target");
    run(root, "rustup", &["target", "add", "wasm32-unknown-unknown"], &[])
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// cargo-leptos 0.3.11's own lockfile needs rustc 1.96 (cargo-util-schemas 0.14.2), so
/// `cargo install --locked` fails on this toolchain. The recipe from STACK.md: take the crate
/// source that the failed install leaves in the registry, pin cargo-util-schemas to 0.14.1, and
/// install from that path. About 13 minutes on 2 cores, once.
fn cargo_leptos() -> Result<(), String> {
    let version = output("cargo", &["leptos", "--version"]).unwrap_or_default();
    if version.contains(CARGO_LEPTOS) {
        return Ok(());
    }
    say(&format!("Installing cargo-leptos {CARGO_LEPTOS} (about 13 minutes, once)"));
    let tmp = std::env::temp_dir();
    // Expected to fail at compile time; it downloads and unpacks the source first.
    let _ = Command::new("cargo")
        .args(["install", "cargo-leptos", "--version", CARGO_LEPTOS, "--locked"])
        .current_dir(&tmp)
        .status();
    let registry = cargo_home().join("registry").join("src");
    let source = std::fs::read_dir(&registry)
        .map_err(|e| format!("cannot read {}: {e}", registry.display()))?
        .filter_map(Result::ok)
        .map(|index| index.path().join(format!("cargo-leptos-{CARGO_LEPTOS}")))
        .find(|p| p.join("Cargo.toml").exists())
        .ok_or_else(|| format!("the cargo-leptos {CARGO_LEPTOS} source did not arrive under {}", registry.display()))?;
    let work = tmp.join(format!("roster-cargo-leptos-{CARGO_LEPTOS}"));
    let _ = std::fs::remove_dir_all(&work);
    run(&tmp, "cp", &["-r", &source.to_string_lossy(), &work.to_string_lossy()], &[])?;
    run(&work, "cargo", &["update", "-p", "cargo-util-schemas", "--precise", "0.14.1"], &[])?;
    run(&work, "cargo", &["install", "--path", ".", "--locked"], &[])?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn wasm_bindgen() -> Result<(), String> {
    let version = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(WASM_BINDGEN) {
        return Ok(());
    }
    say(&format!("Installing wasm-bindgen-cli {WASM_BINDGEN} (about 4 minutes, once)"));
    // Not --locked: its lockfile names a webpki-roots version the registry no longer has.
    run(&std::env::temp_dir(), "cargo", &["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN], &[])
}

/// wasm-opt (npm `binaryen`; never Debian's, whose output breaks event handlers), Playwright
/// and axe-core, from the root package.json and its lockfile.
fn npm_packages(root: &Path) -> Result<(), String> {
    if output("npm", &["--version"]).is_none() {
        say("Installing Node.js and npm (Debian packages)");
        apt_install(&["nodejs", "npm"])?;
    }
    let marker = root.join("node_modules").join(".package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker).and_then(|m| m.modified()), std::fs::metadata(&lock).and_then(|m| m.modified())) {
        (Ok(installed), Ok(locked)) => installed >= locked,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    say("Installing npm packages (binaryen for wasm-opt, Playwright, axe-core)");
    run(root, "npm", &["ci", "--no-audit", "--no-fund"], &[("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")])
}

fn chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    say("Installing Chromium for the browser tests (Debian package)");
    apt_install(&["chromium"])
}

/// The SMTP server the tests start (aiosmtpd: STACK.md, "SMTP for tests"): the Debian package.
fn smtp_server() -> Result<(), String> {
    // Debian's Python, which the tests use (a pyenv `python3` earlier on PATH may differ).
    let python = if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    if Command::new(python).args(["-c", "import aiosmtpd"]).output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    say("Installing aiosmtpd, the SMTP server the tests send invitation email to (Debian package)");
    apt_install(&["python3-aiosmtpd"])
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    let root_user = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    let (program, prefix): (&str, &[&str]) = if root_user { ("apt-get", &[]) } else { ("sudo", &["apt-get"]) };
    let mut update = prefix.to_vec();
    update.push("update");
    run(Path::new("/"), program, &update, &[])?;
    let mut install = prefix.to_vec();
    install.extend(["install", "-y", "--no-install-recommends"]);
    install.extend(packages);
    run(Path::new("/"), program, &install, &[("DEBIAN_FRONTEND", "noninteractive")])
}
