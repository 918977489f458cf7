import { test, expect, type Browser, type Page } from "@playwright/test";
import { hydrated } from "../tests/helpers";
import { OWNER_STATE, saveOwnerState } from "./owner_state";

// What the browser downloads to run each page: the JavaScript and WebAssembly under /pkg, in
// bytes on the wire (Chromium's network log: bodies as transferred, brotli from the server)
// and decoded. Every cold load starts from an empty cache; in-app moves continue one page.
// Bytes are deterministic for a build, so the budget is checked here, not timed.
const BUDGET = 250 * 1024;

type Weight = { files: number; wire: number; raw: number };

/** Collects /pkg JS and WASM from now on; `done()` waits for them and sums. */
function record(page: Page) {
  const pending: Promise<{ wire: number; raw: number }>[] = [];
  page.on("requestfinished", (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith("/pkg/") || !/\.(js|wasm)$/.test(url.pathname)) return;
    pending.push(
      (async () => {
        const sizes = await request.sizes();
        const body = await (await request.response())!.body();
        return { wire: sizes.responseBodySize, raw: body.length };
      })(),
    );
  });
  return async (): Promise<Weight> => {
    await page.waitForLoadState("networkidle");
    const all = await Promise.all(pending);
    pending.length = 0;
    return { files: all.length, wire: all.reduce((s, f) => s + f.wire, 0), raw: all.reduce((s, f) => s + f.raw, 0) };
  };
}

async function coldLoad(browser: Browser, path: string, signedIn: boolean): Promise<Weight> {
  const context = await browser.newContext(signedIn ? { storageState: OWNER_STATE } : {});
  const page = await context.newPage();
  const done = record(page);
  await page.goto(path);
  await hydrated(page);
  const weight = await done();
  await context.close();
  return weight;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const row = (what: string, w: Weight) => `| ${what} | ${w.files} | ${kb(w.wire)} | ${kb(w.raw)} |`;

test("client weight per route", async ({ browser }) => {
  await saveOwnerState(browser);
  const lines = ["| cold load of | files | transferred (JS + WASM) | decoded |", "|---|---:|---:|---:|"];
  const cold: [string, boolean][] = [
    ["/login", false],
    ["/invitation?token=no-such-link", false],
    ["/users", true],
    ["/invitations", true],
    ["/sessions", true],
    ["/login-attempts", true],
    ["/account", true],
    ["/user-management", true],
  ];
  const over: string[] = [];
  for (const [path, signedIn] of cold) {
    const w = await coldLoad(browser, path, signedIn);
    lines.push(row(`\`${path}\``, w));
    if (w.wire > BUDGET) over.push(`${path}: ${kb(w.wire)}`);
  }

  // Moving in the app: what each step adds to what the page already has.
  const context = await browser.newContext({ storageState: OWNER_STATE });
  const page = await context.newPage();
  let done = record(page);
  await page.goto("/users");
  await hydrated(page);
  await done();
  lines.push("", "| in the app, from a loaded `/users` | files | transferred | decoded |", "|---|---:|---:|---:|");
  done = record(page);
  await page.getByRole("button", { name: "Invite User" }).click();
  await expect(page.getByRole("button", { name: "Send Invitation" })).toBeVisible();
  lines.push(row("open **Invite User**", await done()));
  await page.keyboard.press("Escape");
  done = record(page);
  const member = page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: "member@example.com" });
  await member.getByRole("button", { name: /Actions for/ }).click();
  await page.getByRole("menuitem", { name: "Edit" }).click();
  await expect(page.getByRole("button", { name: "Save Changes" })).toBeVisible();
  lines.push(row("open **Edit**", await done()));
  await page.keyboard.press("Escape");
  for (const [link, heading] of [["Sessions", "Sessions"], ["Login Attempts", "Login Attempts"], ["Invitations", "Invitations"], ["Users", "Users"]]) {
    done = record(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    lines.push(row(`then **${link}**`, await done()));
  }
  done = record(page);
  await page.getByRole("link", { name: "Help", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "User Management" })).toBeVisible();
  lines.push(row("then **Help** (Your account's group)", await done()));
  await context.close();

  console.log(`\n${lines.join("\n")}\n`);
  expect(over, `cold loads over the ${kb(BUDGET)} budget`).toEqual([]);
});
