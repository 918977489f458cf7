import { test, expect, type Page } from "@playwright/test";
import { OWNER, PEOPLE } from "../playwright.config";
import { signIn, hydrated, expectNoAxeViolations } from "./helpers";

// Bulk actions on Users: tick people (by mouse and by keyboard), preview what will happen,
// confirm, watch the job, and undo it. It acts on the three "Bulk" people alone.

const bulk = [PEOPLE.bulkA, PEOPLE.bulkB, PEOPLE.bulkC];

async function bulkPeople(page: Page) {
  await signIn(page, OWNER);
  await page.goto("/users?search=bulk");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Users" });
  await expect(table.locator("tbody tr")).toHaveCount(3);
  return table;
}

test("select every user matching a filter from a full page, and clear it", async ({ page }) => {
  await signIn(page, OWNER);
  await hydrated(page);
  await page.getByLabel("Rows per page").selectOption("25");
  await expect(page.getByRole("table", { name: "Users" }).locator("tbody tr")).toHaveCount(25);
  await page.getByRole("checkbox", { name: "Select all users on this page" }).check();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("25 selected");
  await bar.getByRole("button", { name: /^Select all \d+ users matching this filter$/ }).click();
  await expect(bar).toContainText(/All \d+ users matching this filter are selected\./);
  // Every row shows ticked; unticking one leaves the rest of the page.
  await page.getByRole("table", { name: "Users" }).locator("tbody tr").first().getByRole("checkbox").uncheck();
  await expect(bar).toContainText("24 selected");
  await bar.getByRole("button", { name: "Clear selection" }).click();
  await expect(bar).toBeHidden();
});

test("deactivate three people after a preview, watch it finish, and undo it", async ({ page }) => {
  const table = await bulkPeople(page);
  await page.getByRole("checkbox", { name: "Select all users on this page" }).check();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("3 selected");
  await expectNoAxeViolations(page);
  await bar.getByRole("button", { name: "Deactivate" }).click();

  const dialog = page.getByRole("dialog", { name: "Deactivate: preview" });
  await expect(dialog).toContainText("3 will be deactivated: Bay Bulk, Bo Bulk, Bree Bulk");
  await expect(dialog).toContainText("Only these 3 are included: any that match the filter later are not.");
  await expectNoAxeViolations(page);
  // Nothing has changed yet.
  await expect(table.getByText("Inactive")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Deactivate 3 users" }).click();
  await expect(dialog).toBeHidden();

  const panel = page.getByRole("region", { name: "Deactivate 3 users" });
  await expect(panel.locator(".bulk-job-status")).toHaveText("Done.", { timeout: 15_000 });
  await expect(panel).toContainText("3 were deactivated");
  for (const person of bulk) {
    await expect(table.getByRole("row").filter({ hasText: person.email })).toContainText("Inactive");
  }
  await expect(bar).toBeHidden();

  await panel.getByRole("button", { name: "Undo" }).click();
  const undo = page.getByRole("region", { name: "Undo: 3 users" });
  await expect(undo.locator(".bulk-job-status")).toHaveText("Done.", { timeout: 15_000 });
  await expect(undo).toContainText("3 were put back as they were");
  for (const person of bulk) {
    await expect(table.getByRole("row").filter({ hasText: person.email })).toContainText("Active");
  }
  await undo.getByRole("button", { name: "Dismiss" }).click();
  await expect(undo).toBeHidden();
});

test("add a role to one person with the keyboard alone, then undo it", async ({ page }) => {
  const person = PEOPLE.bulkB;
  const table = await bulkPeople(page);
  const box = page.getByRole("checkbox", { name: `Select ${person.name}` });
  await box.focus();
  await page.keyboard.press("Space");
  await expect(box).toBeChecked();
  const bar = page.getByRole("region", { name: "Selected users" });
  await expect(bar).toContainText("1 selected");
  const addRole = bar.getByRole("button", { name: "Add role" });
  await addRole.focus();
  await page.keyboard.press("Enter");

  const dialog = page.getByRole("dialog", { name: "Add role: preview" });
  await dialog.getByLabel("Role").focus();
  await dialog.getByLabel("Role").selectOption({ label: "Admin" });
  await dialog.getByRole("button", { name: "Preview" }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog).toContainText("1 will get the role Admin: Bo Bulk");
  // Cancel has the focus first; Tab reaches the action.
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Add role 1 user" })).toBeFocused();
  await page.keyboard.press("Enter");

  const panel = page.getByRole("region", { name: "Add the role Admin to 1 user" });
  await expect(panel.locator(".bulk-job-status")).toHaveText("Done.", { timeout: 15_000 });
  const row = table.getByRole("row").filter({ hasText: person.email });
  await expect(row).toContainText("Admin");
  await panel.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("region", { name: "Undo: 1 user" }).locator(".bulk-job-status")).toHaveText("Done.", { timeout: 15_000 });
  await expect(row).not.toContainText("Admin");
});

test("a preview refuses what the viewer may not do, beside the field", async ({ page }) => {
  await bulkPeople(page);
  await page.getByRole("checkbox", { name: "Select all users on this page" }).check();
  await page.getByRole("region", { name: "Selected users" }).getByRole("button", { name: "Add role" }).click();
  const dialog = page.getByRole("dialog", { name: "Add role: preview" });
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.locator("#bulk-role-error")).toHaveText("Choose a role.");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});

test("cancel two invitations ticked on the Invitations page", async ({ page }) => {
  await signIn(page, OWNER);
  await hydrated(page);
  const emails = ["ina.bulkinvite@example.com", "ole.bulkinvite@example.com"];
  for (const email of emails) {
    await page.getByRole("button", { name: "Invite User" }).click();
    const dialog = page.getByRole("dialog", { name: "Invite User" });
    await dialog.getByLabel("Email").fill(email);
    await dialog.getByRole("button", { name: "Send Invitation" }).click();
    await expect(dialog).toBeHidden();
  }
  await page.goto("/invitations?search=bulkinvite");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Invitations" });
  await expect(table.locator("tbody tr")).toHaveCount(2);
  await page.getByRole("checkbox", { name: "Select all invitations on this page" }).check();
  const bar = page.getByRole("region", { name: "Selected invitations" });
  await expect(bar).toContainText("2 selected");
  await bar.getByRole("button", { name: "Cancel", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel invitation: preview" });
  await expect(dialog).toContainText(`2 will be cancelled: ${emails.join(", ")}`);
  await expect(dialog).toContainText("This can't be undone.");
  await expectNoAxeViolations(page);
  await dialog.getByRole("button", { name: "Cancel 2 invitations" }).click();
  const panel = page.getByRole("region", { name: "Cancel 2 invitations" });
  await expect(panel.locator(".bulk-job-status")).toHaveText("Done.", { timeout: 15_000 });
  for (const email of emails) {
    await expect(table.getByRole("row").filter({ hasText: email })).toContainText("Cancelled");
  }
});
