import { test, expect } from "@playwright/test";
import { OWNER, MEMBER } from "../playwright.config";
import { signIn, hydrated, expectNoAxeViolations } from "./helpers";

test("a new user is sent to sign in, signs in and sees the owner in the Users table", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, OWNER);

  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  const table = page.getByRole("table", { name: "Users" });
  for (const column of ["Name", "Email", "Role", "Status", "Last Login"]) {
    await expect(table.getByRole("columnheader", { name: column })).toBeVisible();
  }
  const owner = table.getByRole("row").filter({ hasText: OWNER.email });
  await expect(owner).toContainText(OWNER.name);
  await expect(owner).toContainText("Owner");
  await expect(owner).toContainText("Active");
  await expect(page.getByRole("complementary")).toContainText("Acme Corp");
});

test("a wrong password says only that the email or password is invalid", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  await expect(page).toHaveURL(/\/login/);
});

test("empty fields get a message beside each field", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter your email.");
  await expect(page.locator("#password-error")).toHaveText("Enter your password.");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
});

test("the sidebar navigates on the client once hydrated, without reloading the page", async ({ page }) => {
  await signIn(page, OWNER);
  await hydrated(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" }).click();

  await expect(page).toHaveURL(/\/sessions$/);
  await expect(page.getByRole("heading", { level: 1, name: "Sessions" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Sessions" })).toContainText("This device");
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test("the sidebar works with the keyboard alone and marks the current page", async ({ page }) => {
  await signIn(page, OWNER);
  await hydrated(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Users" })).toHaveAttribute("aria-current", "page");

  // Tab from the top of the page until the Invitations link has focus, then press Enter.
  await page.locator("body").focus();
  const invitations = nav.getByRole("link", { name: "Invitations" });
  for (let i = 0; i < 15 && !(await invitations.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(invitations).toBeFocused();
  await page.keyboard.press("Enter");

  await expect(page).toHaveURL(/\/invitations$/);
  await expect(invitations).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Users" })).not.toHaveAttribute("aria-current", "page");
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Sessions" })).toBeFocused();
});

test("on a narrow screen the Menu button opens the sidebar drawer", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await signIn(page, OWNER);
  await hydrated(page);
  const menu = page.getByRole("button", { name: "Menu" });
  const loginAttempts = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Login Attempts" });
  await expect(loginAttempts).toBeHidden();

  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(loginAttempts).toBeVisible();
  await loginAttempts.focus();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();
  await expect(loginAttempts).toBeHidden();

  await menu.click();
  await loginAttempts.click();

  await expect(page).toHaveURL(/\/login-attempts$/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByRole("table", { name: "Login attempts" })).toContainText("Success");
});

test("sign out ends the session: the app then asks to sign in again", async ({ page }) => {
  await signIn(page, OWNER);
  await hydrated(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/users");
  await expect(page).toHaveURL(/\/login$/);
});

test("when the session has ended, the hydrated client goes to sign-in on its next server call", async ({ page, context }) => {
  await signIn(page, OWNER);
  await hydrated(page);
  await context.clearCookies();

  // Client-side navigation: the page's data comes from a server function, which now answers 401.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Login Attempts" }).click();

  await expect(page).toHaveURL(/\/login\?session=ended$/);
  await expect(page.getByRole("alert")).toHaveText("Your session has ended. Please sign in again.");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("a member lands on Your account, sees only the pages they may open, and is refused the rest clearly", async ({ page }) => {
  await signIn(page, MEMBER, "**/account");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveCount(0);
  await page.goto("/users");
  await expect(page.getByRole("alert")).toHaveText("You don't have permission to manage users. Contact your administrator.");
  await expect(page.getByText(OWNER.email)).toHaveCount(0);
});

test.describe("accessibility (axe-core)", () => {
  test("the sign-in page has no violations", async ({ page }) => {
    await page.goto("/login");
    await hydrated(page);
    await expectNoAxeViolations(page);
  });

  for (const path of ["/users", "/invitations", "/sessions", "/login-attempts", "/user-management", "/account"]) {
    test(`${path} has no violations`, async ({ page }) => {
      await signIn(page, OWNER);
      await page.goto(path);
      await hydrated(page);
      await expect(page.locator("h1")).toBeVisible();
      await expectNoAxeViolations(page);
    });
  }

  test("the open drawer on a narrow screen has no violations", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 800 });
    await signIn(page, OWNER);
    await hydrated(page);
    await page.getByRole("button", { name: "Menu" }).click();
    await expectNoAxeViolations(page);
  });
});
