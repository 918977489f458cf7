import { test, expect, type Page, type Browser } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn, hydrated, invitationLinkFor } from "./helpers";

// The invitee's page before (or without) its script: a slow phone clicks before the WASM has
// run, which is what a browser with JavaScript off does every time. The forms post themselves
// (with `Origin: null`, the page sends no referrer), and the outcomes, messages and session are
// those of the hydrated page.

async function invite(page: Page, email: string) {
  if (!page.url().includes("/users")) {
    await signIn(page, OWNER);
    await hydrated(page);
  }
  await page.getByRole("button", { name: "Invite User" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite User" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByRole("button", { name: "Send Invitation" }).click();
  await expect(page.getByRole("status")).toContainText(`Invitation sent to ${email}.`);
  return invitationLinkFor(email);
}

async function withoutScript(browser: Browser) {
  return (await browser.newContext({ javaScriptEnabled: false })).newPage();
}

test("accept with JavaScript off: the message beside the field, then signed in", async ({ page, browser }) => {
  const link = await invite(page, "noah.noscript@example.com");
  const invitee = await withoutScript(browser);
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "Join Acme Corp" })).toBeVisible();
  await invitee.getByLabel("Name").fill("Noah Noscript");
  await invitee.getByLabel("Password").fill("short");
  await invitee.getByRole("button", { name: "Accept invitation" }).click();
  // Back on the invitation page, with the server's message beside the field and the name kept.
  await expect(invitee.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(invitee.getByLabel("Name")).toHaveValue("Noah Noscript");
  await expect(invitee.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await invitee.getByLabel("Password").fill("noah's own long passphrase");
  await invitee.getByRole("button", { name: "Accept invitation" }).click();
  await invitee.waitForURL("**/account");
  await expect(invitee.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(invitee.getByText("Noah Noscript").first()).toBeVisible();
  // Reloading the invitation page now: the link was used.
  await invitee.goto(link);
  await expect(invitee.getByRole("alert")).toContainText("already been used");
});

test("decline with JavaScript off: asked first, then declined", async ({ page, browser }) => {
  const link = await invite(page, "dina.declines@example.com");
  const invitee = await withoutScript(browser);
  await invitee.goto(link);
  await invitee.getByRole("link", { name: "Decline" }).click();
  await expect(invitee.getByText("Decline the invitation to join Acme Corp? This link will stop working.")).toBeVisible();
  // Keep it goes back to the form.
  await invitee.getByRole("link", { name: "Keep it" }).click();
  await expect(invitee.getByRole("button", { name: "Accept invitation" })).toBeVisible();
  await invitee.getByRole("link", { name: "Decline" }).click();
  await invitee.getByRole("button", { name: "Decline invitation" }).click();
  await expect(invitee.getByRole("heading", { name: "Invitation declined" })).toBeVisible();
  await expect(invitee.getByRole("status")).toContainText("You declined this invitation.");
  // The admin's list no longer has them.
  await page.goto("/users?search=dina.declines");
  await expect(page.getByRole("table", { name: "Users" }).locator("tbody tr", { hasText: "dina.declines" })).toHaveCount(0);
});

test("decline with the script: the same question and the same outcome", async ({ page, browser }) => {
  const link = await invite(page, "dora.declines.too@example.com");
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await hydrated(invitee);
  await invitee.getByRole("link", { name: "Decline" }).click();
  await invitee.getByRole("button", { name: "Decline invitation" }).click();
  await expect(invitee.getByRole("heading", { name: "Invitation declined" })).toBeVisible();
  await expect(invitee.getByRole("status")).toContainText("You declined this invitation.");
});

test("accept clicked the instant the form appears, before the WASM has loaded", async ({ page, browser }) => {
  for (const [i, slowWasm] of [true, false, false, false].entries()) {
    const email = `quick.clicker.${i}@example.com`;
    const link = await invite(page, email);
    const context = await browser.newContext();
    const invitee = await context.newPage();
    if (slowWasm) {
      // Certainly before hydration: the WASM arrives only after the click.
      await invitee.route("**/pkg/*.wasm", async (route) => {
        await new Promise((r) => setTimeout(r, 3_000));
        await route.continue();
      });
    }
    await invitee.goto(link, { waitUntil: "commit" });
    await invitee.getByLabel("Name").fill(`Quick Clicker ${i}`);
    await invitee.getByLabel("Password").fill("clicked before anything loaded");
    await invitee.getByRole("button", { name: "Accept invitation" }).click();
    await invitee.waitForURL("**/account");
    await expect(invitee.getByRole("heading", { name: "Your account" })).toBeVisible();
    await context.close();
  }
});
