import { test, expect } from "@playwright/test";
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
  await expect(page.getByRole("status").filter({ hasText: /new failed sign-in/ })).toHaveCount(1);
});

test("on a later page the rows stay put, and a link offers what is new", async ({ page }) => {
  await signIn(page, OWNER);
  await page.goto("/audit");
  await hydrated(page);
  const next = page.getByRole("link", { name: "Next" });
  test.skip((await next.count()) === 0, "the Audit Log has one page in this run");
  await next.click();
  await expect(page).toHaveURL(/after=/);
  const table = page.getByRole("table", { name: "Audit log" });
  const firstRow = table.getByRole("row").nth(1);
  const before = await firstRow.textContent();

  // An audited change made meanwhile (through the server functions, as another tab would).
  const invitee = `live-${Date.now()}@example.com`;
  const status = await page.evaluate(async (email) => {
    const roles = await (await fetch("/api/invite_roles", { method: "POST" })).json();
    const member = roles.find((r: { name: string }) => r.name === "Member");
    const res = await fetch("/api/invite_user", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitation: { email, role_id: member.id, message: "" } }),
    });
    return res.status;
  }, invitee);
  expect(status).toBe(200);

  const show = page.getByRole("link", { name: /^\d+ new — Show$/ });
  await expect(show).toBeVisible({ timeout: 10_000 });
  await expect(firstRow).toHaveText(before ?? "");
  await show.click();
  await expect(page).not.toHaveURL(/after=/);
  await expect(table.getByRole("row").filter({ hasText: invitee }).first()).toContainText("Sent invitation");
});
