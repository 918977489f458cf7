import { test, expect, type Page, type Locator } from "@playwright/test";
import { MEMBER, OWNER, PEOPLE } from "../playwright.config";
import { signIn, hydrated, expectNoAxeViolations } from "./helpers";

// The Users page as an admin uses it: search, filters, sort, pages, the ⋮ menu and its
// dialogs, with the mouse and with the keyboard alone. One shared server and database for
// the run: each journey acts on its own person (see PEOPLE in the config).

async function usersPage(page: Page, query = "") {
  await signIn(page, OWNER);
  if (query) await page.goto(`/users${query}`);
  await hydrated(page);
  return page.getByRole("table", { name: "Users" });
}

function row(table: Locator, email: string) {
  return table.getByRole("row").filter({ hasText: email });
}

/** The cells of the `index`th column of the help page's (Name is 1): the Owner's table has the
 * selection's checkboxes before them. */
function cells(table: Locator, index: number) {
  return table.locator(`tbody tr td:nth-child(${index + 1})`);
}

async function columnTexts(table: Locator, index: number) {
  return cells(table, index).allInnerTexts();
}

test("search narrows the list as you type, lives in the URL, and survives a reload", async ({ page }) => {
  const table = await usersPage(page);
  await page.getByLabel("Search").fill("EDDIE");
  await expect(page).toHaveURL(/search=EDDIE/);
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(row(table, PEOPLE.edit.email)).toBeVisible();

  await page.reload();
  await expect(page.getByLabel("Search")).toHaveValue("EDDIE");
  await expect(table.locator("tbody tr")).toHaveCount(1);

  await page.getByLabel("Search").fill("no one is called this");
  await expect(page.getByText("No users match these filters")).toBeVisible();
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByLabel("Search")).toHaveValue("");
  await expect(row(table, OWNER.email)).toBeVisible();
});

test("the Status and Role selects filter the list", async ({ page }) => {
  const table = await usersPage(page);
  // Each step first waits for a row that only the new list can show or hide (the rows of
  // the list before stay on screen until the new ones arrive), then checks every cell with a
  // retrying assertion.
  await page.getByLabel("Role").selectOption("Owner");
  await expect(page).toHaveURL(/role=Owner/);
  await expect(row(table, MEMBER.email)).toHaveCount(0);
  await expect(row(table, OWNER.email)).toBeVisible();
  await expect(cells(table, 3).filter({ hasNotText: "Owner" })).toHaveCount(0);

  await page.getByLabel("Role").selectOption("");
  await page.getByLabel("Status").selectOption("active");
  await expect(page).toHaveURL(/status=active/);
  await expect(row(table, MEMBER.email)).toBeVisible();
  await expect(cells(table, 4).filter({ hasNotText: /^Active$/ })).toHaveCount(0);

  // Stale accounts: the owner signed in just now, so is in none of the Last login choices.
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Last login").selectOption({ label: "Never signed in" });
  await expect(page).toHaveURL(/last_login=never/);
  await expect(row(table, OWNER.email)).toHaveCount(0);
  await expect(cells(table, 5).first()).toHaveText("Never");
  await expect(cells(table, 5).filter({ hasNotText: /^Never$/ })).toHaveCount(0);
  await page.getByLabel("Last login").selectOption({ label: "Not in 30 days" });
  await expect(page).toHaveURL(/last_login=30d/);
  await expect(row(table, OWNER.email)).toHaveCount(0);
});

test("a column header sorts, and a second click reverses it", async ({ page }) => {
  const table = await usersPage(page);
  const email = table.getByRole("columnheader", { name: "Email" });
  await expect(table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "ascending");

  await email.getByRole("link").click();
  await expect(email).toHaveAttribute("aria-sort", "ascending");
  const ascending = await columnTexts(table, 2);
  expect(ascending).toEqual([...ascending].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));

  await email.getByRole("link").click();
  await expect(email).toHaveAttribute("aria-sort", "descending");
  await expect(page).toHaveURL(/sort=email&dir=desc/);
  const descending = await columnTexts(table, 2);
  expect(descending[0]).toBe(ascending[ascending.length - 1]);
});

test("pages of 25 go forward and back with a count", async ({ page }) => {
  await usersPage(page);
  const pager = page.getByRole("navigation", { name: "Pages" });
  // 42 seeded people, and whoever the journeys of other files added or removed (files run in
  // any order): the count is read, never assumed.
  const total = Number((await pager.locator(".pager-count").innerText()).match(/of (\d+)/)?.[1]);
  expect(total).toBeGreaterThanOrEqual(42);
  await pager.getByLabel("Rows per page").selectOption("25");
  await expect(pager).toContainText(`1–25 of ${total}`);
  await expect(pager.getByText("Previous")).toHaveAttribute("aria-disabled", "true");

  const secondEnd = Math.min(50, total);
  await pager.getByRole("link", { name: "Next" }).click();
  await expect(pager).toContainText(`26–${secondEnd} of ${total}`);
  await expect(page.getByRole("table", { name: "Users" }).locator("tbody tr")).toHaveCount(secondEnd - 25);

  await pager.getByRole("link", { name: "Previous" }).click();
  await expect(pager).toContainText(`1–25 of ${total}`);
});

test("Edit changes roles, which take effect for that user at once", async ({ page, browser }) => {
  const person = PEOPLE.edit;
  const theirs = await browser.newPage();
  await signIn(theirs, person, "**/account");
  await theirs.goto("/users");
  await expect(theirs.getByRole("alert")).toHaveText("You don't have permission to manage users. Contact your administrator.");

  const table = await usersPage(page, "?search=eddie");
  await table.getByRole("button", { name: `Actions for ${person.name}` }).click();
  await page.getByRole("menuitem", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: `Edit ${person.name}` });
  await expect(dialog.getByLabel("Email")).toHaveValue(person.email);
  await dialog.getByLabel("Job title").fill("Support lead");
  await dialog.getByRole("checkbox", { name: /Admin/ }).check();
  await dialog.getByRole("button", { name: "Save Changes" }).click();

  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`Saved changes to ${person.name}.`);
  await expect(row(table, person.email)).toContainText("Admin");

  await theirs.reload();
  await expect(theirs.getByRole("table", { name: "Users" })).toBeVisible();
  await theirs.close();
});

test("Edit shows each field's problem beside it and saves nothing", async ({ page }) => {
  const table = await usersPage(page, "?search=eddie");
  await row(table, PEOPLE.edit.email).getByRole("cell", { name: PEOPLE.edit.name, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Edit ${PEOPLE.edit.name}` });
  await dialog.getByLabel("Name").fill("");
  await dialog.getByLabel("Time zone").fill("Mars");
  await dialog.getByRole("button", { name: "Save Changes" }).click();
  await expect(dialog.locator("#edit-name-error")).toHaveText("Enter a name.");
  await expect(dialog.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.locator("#edit-time-zone-error")).toContainText("Europe/Paris");
  await expectNoAxeViolations(page);

  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(row(table, PEOPLE.edit.email)).toContainText(PEOPLE.edit.name);
});

test("Deactivate asks first, ends the user's sessions, and Activate brings them back", async ({ page, browser }) => {
  const person = PEOPLE.deactivate;
  const theirs = await browser.newPage();
  await signIn(theirs, person, "**/account");

  const table = await usersPage(page, "?search=dana");
  const actions = table.getByRole("button", { name: `Actions for ${person.name}` });
  await actions.click();
  await expect(page.getByRole("menu")).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole("menuitem", { name: "Deactivate" }).click();
  const dialog = page.getByRole("dialog", { name: `Deactivate ${person.name}?` });
  await expect(dialog).toContainText(person.email);
  await expectNoAxeViolations(page);
  await dialog.getByRole("button", { name: "Deactivate" }).click();

  await expect(page.getByRole("status")).toContainText(`${person.name} was deactivated`);
  await expect(row(table, person.email)).toContainText("Inactive");
  await expect(actions).toBeFocused();

  await theirs.reload();
  await expect(theirs).toHaveURL(/\/login\?session=ended$/);
  await hydrated(theirs);
  await theirs.getByLabel("Email").fill(person.email);
  await theirs.getByLabel("Password").fill(person.password);
  await theirs.getByRole("button", { name: "Sign in" }).click();
  await expect(theirs.getByRole("alert")).toHaveText("Invalid email or password");
  await theirs.close();

  await actions.click();
  await page.getByRole("menuitem", { name: "Activate" }).click();
  await expect(page.getByRole("status")).toContainText(`${person.name} was activated.`);
  await expect(row(table, person.email)).toContainText("Active");

  // History: the Audit Log about them, newest first, with who did it and what changed.
  await actions.click();
  await page.getByRole("menuitem", { name: "History" }).click();
  await expect(page).toHaveURL(/\/audit\?target=/);
  await expect(page.getByRole("heading", { level: 1, name: "Audit Log" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: `Events about ${person.name}.` })).toBeVisible();
  const log = page.getByRole("table", { name: "Audit log" });
  await expect(log.locator("tbody tr")).toHaveCount(2);
  await expect(log.locator("tbody tr").nth(0)).toContainText("Activated user");
  await expect(log.locator("tbody tr").nth(0)).toContainText(OWNER.name);
  await expect(log.locator("tbody tr").nth(1)).toContainText("Deactivated user");
  await expect(log.locator("tbody tr").nth(1)).toContainText("Status: Active → Inactive");
  await expectNoAxeViolations(page);
  // The other way round: nothing by them.
  await page.getByRole("link", { name: "Show events by them" }).click();
  await expect(page).toHaveURL(/\/audit\?actor=/);
  await expect(page.getByText("No events match these filters")).toBeVisible();
});

test("Delete names the user, Escape changes nothing, confirming removes them", async ({ page }) => {
  const person = PEOPLE.remove;
  const table = await usersPage(page, "?search=dora");
  const actions = table.getByRole("button", { name: `Actions for ${person.name}` });

  await actions.click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: `Delete ${person.name}?` });
  await expect(dialog).toContainText(person.email);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(actions).toBeFocused();
  await expect(row(table, person.email)).toBeVisible();

  await actions.click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toContainText(`${person.name} was deleted.`);
  await expect(page.getByText("No users match these filters")).toBeVisible();
});

test("the whole round trip works with the keyboard alone", async ({ page }) => {
  const person = PEOPLE.keyboard;
  const table = await usersPage(page);
  await page.getByLabel("Search").focus();
  await page.keyboard.type("kim keyb");
  await expect(table.locator("tbody tr")).toHaveCount(1);

  const actions = table.getByRole("button", { name: `Actions for ${person.name}` });
  await actions.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitem", { name: "Edit" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Deactivate" })).toBeFocused();
  await page.keyboard.press("End");
  await expect(page.getByRole("menuitem", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Edit" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toBeHidden();
  await expect(actions).toBeFocused();

  // Edit: Enter opens the menu on Edit, Enter chooses it; the dialog takes focus.
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitem", { name: "Edit" })).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Edit ${person.name}` });
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(dialog.getByLabel("Phone")).toBeFocused();
  await page.keyboard.type("+1 555 010 0199");
  // The focus stays inside the dialog: Save Changes is reachable, the page behind is not.
  for (let i = 0; i < 12; i++) {
    if (await dialog.getByRole("button", { name: "Save Changes" }).evaluate((el) => el === document.activeElement)) break;
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText(`Saved changes to ${person.name}.`);
  await expect(actions).toBeFocused();

  // Deactivate with the keyboard: Cancel has the focus first, Tab reaches Deactivate.
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Edit" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Deactivate" })).toBeFocused();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("dialog", { name: `Deactivate ${person.name}?` });
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(row(table, person.email)).toContainText("Inactive");
  await expect(actions).toBeFocused();
});
