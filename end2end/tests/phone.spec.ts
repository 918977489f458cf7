import { test, expect } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn, hydrated, expectNoAxeViolations } from "./helpers";

// The lists on a phone (390 × 844, an iPhone 14's viewport): each row a compact block, nothing
// scrolling sideways, the row's actions in reach, and no accessibility violation at that size.

test.use({ viewport: { width: 390, height: 844 } });

for (const [path, table] of [
  ["/users", "Users"],
  ["/invitations", "Invitations"],
  ["/sessions", "Sessions"],
  ["/login-attempts", "Login attempts"],
] as const) {
  test(`${path} reads without sideways scrolling on a phone`, async ({ page }) => {
    await signIn(page, OWNER, "**/users");
    await page.goto(path);
    await hydrated(page);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(widths[0], "the page is no wider than the screen").toBeLessThanOrEqual(widths[1]);
    const rows = page.getByRole("table", { name: table }).locator("tbody tr");
    await expect(rows.first()).toBeVisible();
    // Every cell of the first rows lies within the screen.
    for (const row of (await rows.all()).slice(0, 3)) {
      for (const cell of await row.locator("td").all()) {
        const box = await cell.boundingBox();
        if (box) expect(box.x + box.width, "a cell within the screen").toBeLessThanOrEqual(390 + 0.5);
      }
    }
    await expectNoAxeViolations(page);
  });
}

test("a Users row's actions open within the screen on a phone", async ({ page }) => {
  await signIn(page, OWNER, "**/users");
  await hydrated(page);
  const table = page.getByRole("table", { name: "Users" });
  const row = table.getByRole("row").filter({ hasText: "member@example.com" });
  const button = row.getByRole("button", { name: /Actions for/ });
  // Within the screen's width where it is laid out, not off to the side of a scrolling table.
  const at = await button.boundingBox();
  expect(at && at.x + at.width <= 390 + 0.5, "the ⋮ of a row within the screen's width").toBeTruthy();
  await button.scrollIntoViewIfNeeded();
  await button.click();
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  const box = await menu.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 390 + 0.5, "the menu within the screen").toBeTruthy();
  await expect(menu.getByRole("menuitem", { name: "Edit" })).toBeVisible();
});
