import { test, expect, type Page } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn, hydrated } from "./helpers";

// Live lists: what happens in another browser reaches an open page without a reload.

test("a failed sign-in in another browser appears at the top of an open Login Attempts page", async ({ page, browser }) => {
  const stranger = `live-${Date.now()}@example.com`;
  await signIn(page, OWNER);
  await page.goto("/login-attempts");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Login attempts" });
  await expect(table.getByRole("row").filter({ hasText: stranger })).toHaveCount(0);

  // Someone else, in a browser of their own, gets the password wrong.
  const elsewhere = await browser.newContext();
  const theirs = await elsewhere.newPage();
  await theirs.goto("/login");
  await hydrated(theirs);
  await theirs.getByLabel("Email").fill(stranger);
  await theirs.getByLabel("Password").fill("not the password at all");
  await theirs.getByRole("button", { name: "Sign in" }).click();
  await expect(theirs.getByRole("alert")).toHaveText("Invalid email or password");
  await elsewhere.close();

  // No reload: the row arrives at the top, and screen readers hear one polite summary.
  const row = table.getByRole("row").nth(1);
  await expect(row).toContainText(stranger, { timeout: 10_000 });
  await expect(row).toContainText("Failed");
  await expect(page.locator(".live-said[aria-live=polite]")).toHaveText(/^\d+ new failed sign-ins?$/);
});

// Server functions called as another tab would (same origin, the owner's cookie).
async function call(page: Page, path: string, body: object, json = false) {
  return page.evaluate(
    async ([path, body, json]) => {
      const res = await fetch(path as string, {
        method: "POST",
        headers: { "content-type": json ? "application/json" : "application/x-www-form-urlencoded" },
        body: json ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
      });
      return { status: res.status, body: await res.json() };
    },
    [path, body, json] as const,
  );
}

test("on a later page the rows stay put, and a link offers what is new", async ({ page }) => {
  await signIn(page, OWNER);
  // A person of this test's own with two pages of history: invited, then renamed 50 times.
  const email = `live-pages-${Date.now()}@example.com`;
  const roles = await call(page, "/api/invite_roles", {});
  const member = roles.body.find((r: { name: string }) => r.name === "Member");
  expect((await call(page, "/api/invite_user", { invitation: { email, role_id: member.id, message: "" } }, true)).status).toBe(200);
  const found = await call(page, "/api/list_users", { search: email });
  const id: string = found.body.users[0].id;
  const rename = async (name: string) => {
    const editor = (await call(page, "/api/get_user", { id })).body.user;
    const update = { id, version: editor.version, name, email: editor.email, profile: editor.profile, role_ids: editor.role_ids };
    expect((await call(page, "/api/update_user", { update }, true)).status).toBe(200);
  };
  for (let i = 1; i <= 50; i++) await rename(`Paige Pages ${i}`);

  await page.goto(`/audit?target=${id}`);
  await hydrated(page);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/after=/);
  const table = page.getByRole("table", { name: "Audit log" });
  const firstRow = table.locator("tbody tr").first();
  const before = await firstRow.textContent();

  await rename("Paige Pages, renamed while you read");
  const show = page.getByRole("link", { name: "1 new — Show" });
  await expect(show).toBeVisible({ timeout: 10_000 });
  await expect(page.locator(".live-said[aria-live=polite]")).toHaveText("1 new event");
  await expect(firstRow).toHaveText(before ?? "");
  await show.click();
  await expect(page).not.toHaveURL(/after=/);
  await expect(table.locator("tbody tr").first()).toContainText("renamed while you read");
});

test("relative times tick while the page stays open", async ({ page }) => {
  await page.clock.install();
  await signIn(page, OWNER);
  await page.goto("/sessions?status=active");
  await hydrated(page);
  // The owner's own session, just started: "just now", from the server's HTML on.
  const mine = page.getByRole("row").filter({ hasText: "This device" });
  await expect(mine.locator("time").first()).toHaveText("just now");
  // Three minutes later, with no reload and no request, it says so.
  await page.clock.fastForward("03:00");
  await expect(mine.locator("time").first()).toHaveText("3 min ago");
});
