import { test, expect, type Page } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn, hydrated } from "./helpers";

// The Content-Security-Policy in a real browser: every page loads and hydrates under it with no
// violation, and what an injected bit of markup would run is refused.

/** Collects every CSP violation the page reports, from the browser's own event. */
async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.text().startsWith("csp-violation:")) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.log(`csp-violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  return violations;
}

/** The page's policy, checked: a nonce, no 'unsafe-inline'. */
async function expectStrictPolicy(page: Page, path: string) {
  const res = await page.goto(path);
  const policy = (await res!.headerValue("content-security-policy")) ?? "";
  expect(policy, path).toMatch(/script-src 'nonce-[A-Za-z0-9+/=_-]{16,}' 'strict-dynamic' 'wasm-unsafe-eval'/);
  expect(policy, path).not.toContain("unsafe-inline");
  await hydrated(page);
}

test("every page loads and hydrates under the strict policy with no violation", async ({ page }) => {
  const violations = await recordViolations(page);
  await expectStrictPolicy(page, "/login");
  await expectStrictPolicy(page, "/invitation?token=nonsense");
  await signIn(page, OWNER);
  for (const path of ["/users", "/invitations", "/sessions", "/login-attempts", "/user-management", "/account"]) {
    await expectStrictPolicy(page, path);
    await expect(page.locator("h1")).toBeVisible();
  }
  // The client at work: navigation without a reload, a server function, a dialog.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("table", { name: "Users" })).toBeVisible();
  await page.getByLabel("Search").fill("owner");
  await expect(page).toHaveURL(/search=owner/);
  await page.getByRole("button", { name: "Invite User" }).click();
  await expect(page.getByRole("dialog", { name: "Invite User" })).toBeVisible();
  await page.keyboard.press("Escape");
  expect(violations).toEqual([]);
});

/** Injects what a stored cross-site-scripting payload could be, had escaping ever failed:
 * markup, as an attacker without script can only write; answers what it managed to run. (A
 * script made by running code is out of scope: 'strict-dynamic' trusts what trusted script
 * creates, and that attacker already runs code.) */
async function injectMarkup(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    const box = document.createElement("div");
    box.innerHTML = `
      <img src="/favicon.svg?x" onload="(window.pwned ||= []).push('event handler')">
      <iframe srcdoc="<script>(parent.pwned ||= []).push('srcdoc script')</script>"></iframe>
      <a id="pwn" href="javascript:void((window.pwned ||= []).push('javascript: URL'))">link</a>`;
    document.body.append(box);
  });
  await page.locator("#pwn").click();
  await page.waitForTimeout(500);
  return page.evaluate(() => ((window as unknown as { pwned?: string[] }).pwned ?? []).sort());
}

test("markup injected into a page cannot run script", async ({ page, browser }) => {
  // The control: with the policy switched off, the same markup does run.
  const unprotected = await (await browser.newContext({ bypassCSP: true })).newPage();
  await signIn(unprotected, OWNER);
  await hydrated(unprotected);
  expect(await injectMarkup(unprotected)).toEqual(["event handler", "javascript: URL", "srcdoc script"]);

  const violations = await recordViolations(page);
  await signIn(page, OWNER);
  await hydrated(page);
  expect(await injectMarkup(page)).toEqual([]);
  await expect.poll(() => violations.length).toBeGreaterThanOrEqual(3);
  for (const violation of violations) expect(violation).toMatch(/^csp-violation: script-src/);
});
