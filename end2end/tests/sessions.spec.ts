import { test, expect, type Page } from "@playwright/test";
import { OWNER, PEOPLE } from "../playwright.config";
import { signIn, hydrated, expectNoAxeViolations } from "./helpers";

// Sessions and Login Attempts as an admin investigates: revoke someone's session from the
// Sessions page while they are signed in elsewhere, with the mouse and with the keyboard
// alone, and read the sign-in log by its filters. Each journey acts on its own person.

async function sessionsOf(page: Page, email: string) {
  await signIn(page, OWNER);
  await page.goto(`/sessions?status=active&search=${encodeURIComponent(email)}`);
  await hydrated(page);
  return page.getByRole("table", { name: "Sessions" });
}

test("an admin revokes a session; its browser lands on sign-in at its next page load", async ({ page, browser }) => {
  const person = PEOPLE.revoke;
  const theirs = await browser.newPage();
  await signIn(theirs, person, "**/account");

  const table = await sessionsOf(page, person.email);
  const row = table.getByRole("row").filter({ hasText: person.email });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(person.name);
  await expect(row).toContainText("Chrom");
  await expect(row).toContainText("127.0.0.1");
  await row.getByRole("button", { name: `Revoke the session of ${person.name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke the session of ${person.name}?` });
  await expect(dialog).toContainText(person.email);
  await expectNoAxeViolations(page);
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status")).toContainText(`The session of ${person.name} on`);
  await expect(row).toHaveCount(0);

  await theirs.reload();
  await expect(theirs).toHaveURL(/\/login\?session=ended$/);
  await expect(theirs.getByRole("alert")).toHaveText("Your session has ended. Please sign in again.");
  await theirs.close();

  // Ended sessions say why.
  await page.getByLabel("Status").selectOption("ended");
  await expect(page).toHaveURL(/status=ended/);
  await expect(table.getByRole("row").filter({ hasText: person.email }).first()).toContainText("Revoked");
});

test("a session can be revoked with the keyboard alone", async ({ page, browser }) => {
  const person = PEOPLE.revokeByKeyboard;
  const theirs = await browser.newPage();
  await signIn(theirs, person, "**/account");

  const table = await sessionsOf(page, person.email);
  const revoke = table.getByRole("button", { name: `Revoke the session of ${person.name}` });
  await revoke.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Revoke the session of ${person.name}?` });
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Revoke" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText(`The session of ${person.name} on`);

  await theirs.reload();
  await expect(theirs).toHaveURL(/\/login\?session=ended$/);
  await theirs.close();
});

test("Login Attempts filter by Failed and by an email, in the URL", async ({ page, browser }) => {
  const person = PEOPLE.locked;
  // One failure and one success of theirs, from another browser.
  const theirs = await browser.newPage();
  await theirs.goto("/login");
  await hydrated(theirs);
  await theirs.getByLabel("Email").fill(person.email);
  await theirs.getByLabel("Password").fill("not the password at all");
  await theirs.getByRole("button", { name: "Sign in" }).click();
  await expect(theirs.getByRole("alert")).toHaveText("Invalid email or password");
  await signIn(theirs, person, "**/account");
  await theirs.close();

  await signIn(page, OWNER);
  await page.goto("/login-attempts");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Login attempts" });
  await page.getByLabel("Search").fill(person.email);
  await expect(page).toHaveURL(new RegExp(`search=${encodeURIComponent(person.email).replace(/\./g, "\\.")}`));
  await expect(table.getByRole("row").filter({ hasText: person.email })).toHaveCount(2);
  await page.getByLabel("Status").selectOption("failed");
  await expect(page).toHaveURL(/status=failed/);
  const rows = table.getByRole("row").filter({ hasText: person.email });
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("Failed");
  await expect(rows).toContainText("Wrong password");
  await expectNoAxeViolations(page);

  // The filters survive a reload (they are the URL).
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Status")).toHaveValue("failed");
  await expect(table.getByRole("row").filter({ hasText: person.email })).toHaveCount(1);
});

test("a user's ⋮ menu leads to their sessions", async ({ page }) => {
  await signIn(page, OWNER);
  await page.goto(`/users?search=${encodeURIComponent(OWNER.email)}`);
  await hydrated(page);
  await page.getByRole("button", { name: `Actions for ${OWNER.name}` }).click();
  await page.getByRole("menuitem", { name: "View sessions" }).click();
  await expect(page).toHaveURL(/\/sessions\?user=/);
  await expect(page.getByRole("status").filter({ hasText: `Sessions of ${OWNER.name}.` })).toBeVisible();
  await expect(page.getByRole("table", { name: "Sessions" })).toContainText("This device");
});
