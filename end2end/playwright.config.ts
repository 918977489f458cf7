import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";

// Browser tests against the release client (some WASM breakage shows only after wasm-opt).
// `cargo xtask e2e` builds it; this config starts the built server on a fresh SQLite database,
// seeded through the CLI, and drives Debian's Chromium (no browser download).
// No fixed ports: the SMTP sink and the server each bind port 0 and say which port they got,
// and Playwright hands it on through the environment (`webServer.wait`, named groups): the
// server's command reads the sink's, and the test workers, which load this file again once
// both are up, read the server's.
export const baseURL = `http://127.0.0.1:${process.env.ROSTER_E2E_PORT ?? 0}`;
// Debian's Python, where python3-aiosmtpd is installed (a pyenv python3 on PATH may lack it).
const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
export const OWNER = { email: "owner@example.com", password: "e2e-passphrase-no-1", name: "Olivia Owner" };
export const MEMBER = { email: "member@example.com", password: "e2e-passphrase-no-2", name: "Max Member" };
/** People the Users journeys act on, one per journey, so that the journeys stay independent. */
export const PEOPLE = {
  edit: { email: "eddie@example.com", password: "e2e-passphrase-no-3", name: "Eddie Edit" },
  deactivate: { email: "dana@example.com", password: "e2e-passphrase-no-4", name: "Dana Deactivate" },
  remove: { email: "dora@example.com", password: "e2e-passphrase-no-5", name: "Dora Delete" },
  keyboard: { email: "kim@example.com", password: "e2e-passphrase-no-6", name: "Kim Keyboard" },
  revoke: { email: "rita@example.com", password: "e2e-passphrase-no-7", name: "Rita Revoke" },
  revokeByKeyboard: { email: "kai@example.com", password: "e2e-passphrase-no-8", name: "Kai Keys" },
  locked: { email: "lou@example.com", password: "e2e-passphrase-no-9", name: "Lou Locked" },
  // The bulk actions journey acts on these three at once (found by searching "bulk").
  bulkA: { email: "bay@example.com", password: "e2e-passphrase-no-10", name: "Bay Bulk" },
  bulkB: { email: "bo@example.com", password: "e2e-passphrase-no-11", name: "Bo Bulk" },
  bulkC: { email: "bree@example.com", password: "e2e-passphrase-no-12", name: "Bree Bulk" },
};

// The server: the release build by default; `cargo xtask e2e` runs the debug build the Rust tests
// made instead (ROSTER_BIN), with the release client's hash file (LEPTOS_HASH_FILE_NAME, an
// absolute path, read from the environment like every variable not set below).
const roster = process.env.ROSTER_BIN ?? "../target/release/roster";
const seed = [
  "rm -rf .tmp",
  `${roster} org create acme --name "Acme Corp"`,
  `ROSTER_PASSWORD=${OWNER.password} ${roster} user add --org acme --email ${OWNER.email} --name "${OWNER.name}" --role Owner`,
  `ROSTER_PASSWORD=${MEMBER.password} ${roster} user add --org acme --email ${MEMBER.email} --name "${MEMBER.name}" --role Member`,
  ...Object.values(PEOPLE).map(
    (p) => `ROSTER_PASSWORD=${p.password} ${roster} user add --org acme --email ${p.email} --name "${p.name}" --role Member`,
  ),
  // 30 more realistic people: 42 in all, so that 25 a page makes two pages and 50 one.
  `${roster} seed --org acme --users 30 --seed 7`,
  `ROSTER_SMTP_URL=smtp://127.0.0.1:$ROSTER_E2E_SMTP_PORT exec ${roster}`,
].join(" && ");

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [{
    // The SMTP server invitation email goes to: aiosmtpd writes each message into a Maildir
    // that the tests read (helpers.ts, `mailbox`); it makes the folder itself (and would not
    // make its new/ cur/ tmp/ inside an existing one). It prints the port it bound.
    command: `rm -rf .mailbox && exec ${python} ../scripts/smtp_sink.py .mailbox 0`,
    wait: { stdout: /^(?<roster_e2e_smtp_port>\d+)\s*$/m },
    reuseExistingServer: false,
    timeout: 30_000,
  }, {
    command: seed,
    // Ready once it says where it listens (it has migrated and bound by then).
    wait: { stdout: /listening on http:\/\/127\.0\.0\.1:(?<roster_e2e_port>\d+)/ },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: "sqlite://.tmp/e2e.db",
      LEPTOS_SITE_ROOT: "../target/site",
      LEPTOS_SITE_ADDR: "127.0.0.1:0",
      LEPTOS_ENV: "PROD",
      LEPTOS_OUTPUT_NAME: "roster",
      LEPTOS_HASH_FILES: process.env.LEPTOS_HASH_FILES ?? "true",
      // ROSTER_PUBLIC_URL is left to default to the address bound; ROSTER_SMTP_URL is set in
      // the command, from the sink's port.
      ROSTER_MAIL_FROM: "Roster <roster@example.com>",
      // `roster=info` for the line that says where it listens; NO_COLOR keeps it plain.
      RUST_LOG: "warn,roster=info",
      NO_COLOR: "1",
      // Every journey signs in from 127.0.0.1: the per-address limit (30 a minute by default,
      // proven by the API tests) would refuse the suite itself.
      ROSTER_IP_LIMIT: "1000",
    },
  }],
});
