import { test, expect, type Page } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn, hydrated, expectNoAxeViolations, invitationLinkFor, mailCount } from "./helpers";

// Inviting someone, for real: the dialog on the Users page, the email through the test SMTP
// server, the link opened in a fresh browser, the account made and signed in. Each journey
// invites its own address.

async function openInviteDialog(page: Page) {
  await signIn(page, OWNER);
  await hydrated(page);
  await page.getByRole("button", { name: "Invite User" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite User" });
  await expect(dialog.getByLabel("Email")).toBeFocused();
  return dialog;
}

test("invite from the Users page, accept from the email, and the admin sees them Active", async ({ page, browser }) => {
  const email = "nina.newcomer@example.com";
  const dialog = await openInviteDialog(page);

  // Bad input first: the message beside the field, nothing sent; axe with the errors showing.
  await dialog.getByLabel("Email").fill("nina@");
  await dialog.getByRole("button", { name: "Send Invitation" }).click();
  await expect(dialog.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expectNoAxeViolations(page);

  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: "Member — Uses the organization's apps; manages nothing" });
  await dialog.getByLabel("Message (optional)").fill("Welcome to the team, Nina!");
  await expect(dialog.getByText("26 / 1000")).toBeVisible();
  await dialog.getByRole("button", { name: "Send Invitation" }).click();
  await expect(page.getByRole("status")).toContainText(`Invitation sent to ${email}.`);
  await expect(dialog).toBeHidden();
  const table = page.getByRole("table", { name: "Users" });
  const row = table.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("Pending");
  await expect(row).toContainText("Member");

  const link = await invitationLinkFor(email);
  expect(link.startsWith("http://127.0.0.1:")).toBeTruthy();

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByRole("heading", { name: "Join Acme Corp" })).toBeVisible();
  await expect(invitee.getByText("Welcome to the team, Nina!")).toBeVisible();
  await expectNoAxeViolations(invitee);
  await invitee.getByLabel("Name").fill("Nina Newcomer");
  await invitee.getByLabel("Password").fill("short");
  await invitee.getByRole("button", { name: "Accept invitation" }).click();
  await expect(invitee.getByText("Use at least 12 characters.")).toBeVisible();
  await invitee.getByLabel("Password").fill("nina's own long password");
  await invitee.getByRole("button", { name: "Accept invitation" }).click();
  await invitee.waitForURL("**/account");
  await expect(invitee.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(invitee.getByText("Nina Newcomer").first()).toBeVisible();

  await page.reload();
  await expect(row).toContainText("Active");
  await expect(row).toContainText("Nina Newcomer");
  await expect(row).toContainText("Member");
});

test("Resend from the Invitations page sends a new link, and the old one no longer works", async ({ page, browser }) => {
  const email = "rita.resend@example.com";
  const dialog = await openInviteDialog(page);
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByRole("button", { name: "Send Invitation" }).click();
  await expect(page.getByRole("status")).toContainText(`Invitation sent to ${email}.`);
  const oldLink = await invitationLinkFor(email);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).click();
  const table = page.getByRole("table", { name: "Invitations" });
  const row = table.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("Pending");
  await row.getByRole("button", { name: `Resend the invitation to ${email}` }).click();
  await expect(page.getByRole("status")).toContainText(`Invitation sent again to ${email}.`);
  await expect.poll(() => mailCount(email), { timeout: 15_000 }).toBe(2);
  const newLink = await invitationLinkFor(email);
  expect(newLink).not.toBe(oldLink);

  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(oldLink);
  await expect(stranger.getByRole("alert")).toContainText("no longer valid");
  await stranger.goto(newLink);
  await expect(stranger.getByRole("button", { name: "Accept invitation" })).toBeVisible();

  // The search and status filters live in the URL.
  await page.getByLabel("Search").fill("rita.resend");
  await expect(page).toHaveURL(/search=rita.resend/);
  await page.getByLabel("Status").selectOption("pending");
  await expect(page).toHaveURL(/status=pending/);
  await expect(table.locator("tbody tr")).toHaveCount(1);

  // Cancel asks first; then the link dies and the row says Cancelled.
  await row.getByRole("button", { name: `Actions for the invitation to ${email}` }).click();
  await page.getByRole("menuitem", { name: "Cancel" }).click();
  const confirm = page.getByRole("dialog", { name: `Cancel the invitation to ${email}?` });
  await expectNoAxeViolations(page);
  await confirm.getByRole("button", { name: "Cancel invitation" }).click();
  await expect(page.getByRole("status")).toContainText(`The invitation to ${email} was cancelled.`);
  await page.getByLabel("Status").selectOption("cancelled");
  await expect(row).toContainText("Cancelled");
  await stranger.goto(newLink);
  await expect(stranger.getByRole("alert")).toContainText("cancelled");
});

test("an invitation can be sent with the keyboard alone", async ({ page }) => {
  const email = "kai.keys@example.com";
  await signIn(page, OWNER);
  await hydrated(page);
  await page.getByRole("button", { name: "Invite User" }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Invite User" });
  await expect(dialog.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await expect(dialog.getByLabel("Role")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByLabel("Message (optional)")).toBeFocused();
  await page.keyboard.type("Typed, not clicked.");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText(`Invitation sent to ${email}.`);
  await expect(page.getByRole("button", { name: "Invite User" })).toBeFocused();
  // Escape closes the dialog without sending anything.
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});
