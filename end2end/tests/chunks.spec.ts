import { test, expect, type Page } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn, hydrated } from "./helpers";

// The client is split (`cargo leptos build --split`, app/src/chunks.rs): a main bundle, a chunk
// for each group of pages (sign-in, the four lists, Your account with Help), and one for each
// of the Edit and Invite forms. A page's chunk comes with its cold load; moving to a page of
// another group fetches only that group's; a dialog's comes the first time it opens. A chunk
// that cannot be loaded (a deploy replaced the files under an open tab) reloads the page once,
// and says so if that fails too.

/** The WASM files the page fetches from now on. */
function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/pkg/") && path.endsWith(".wasm")) seen.push(path);
  });
  return seen;
}

/** Signs in, then loads /users afresh; the WASM files it fetched, and fetches from then on. */
async function coldUsers(page: Page): Promise<string[]> {
  await signIn(page, OWNER);
  const loaded = wasmRequests(page);
  await page.goto("/users");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  return loaded;
}

/** Help is in another group than the lists: its chunk is not loaded with /users. */
async function goToHelp(page: Page) {
  await page.getByRole("link", { name: "Help", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "User Management" })).toBeVisible();
}

test("a page's chunk comes with it, another group's page brings only its own, a dialog's on first open", async ({ page }) => {
  // A cold load of /users: the HTML preloads the main bundle and the lists' chunk.
  const loaded = await coldUsers(page);
  expect(loaded.length, `main bundle and the Users chunk: ${loaded}`).toBeGreaterThanOrEqual(2);
  const main = await page.locator('link[rel="preload"][as="fetch"]').first().getAttribute("href");
  expect(loaded).toContain(main);

  // Sessions shares the lists' chunk: nothing to fetch.
  const before = loaded.length;
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sessions" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(loaded.slice(before), "Sessions came with the lists' chunk").toEqual([]);

  // Help: its group's chunk only, not the main bundle again.
  await goToHelp(page);
  const added = loaded.slice(before);
  expect(added.length, "Help brings its group's chunk").toBeGreaterThanOrEqual(1);
  for (const file of added) expect(loaded.slice(0, before), `${file} was already loaded`).not.toContain(file);

  // Back to Users (already loaded: nothing new); the Edit form's chunk on its first opening only.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  const beforeEdit = loaded.length;
  const member = page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: "member@example.com" });
  for (const opening of [1, 2]) {
    await member.getByRole("button", { name: /Actions for/ }).click();
    await page.getByRole("menuitem", { name: "Edit" }).click();
    await expect(page.getByRole("button", { name: "Save Changes" })).toBeVisible();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByRole("dialog")).toBeHidden();
    if (opening === 1) expect(loaded.length, "the Edit form's chunk on first opening").toBeGreaterThan(beforeEdit);
  }
  const afterEdit = loaded.slice(beforeEdit);
  expect(new Set(afterEdit).size, `each fetched once: ${afterEdit}`).toBe(afterEdit.length);
});

/** Answers 404 for WASM files the page has not loaded yet, as after a deploy that replaced
 * them, `times` times each. */
async function deleteNewChunks(page: Page, loaded: string[], times: number) {
  const refused = new Map<string, number>();
  await page.route("**/pkg/*.wasm", async (route) => {
    const path = new URL(route.request().url()).pathname;
    const count = refused.get(path) ?? 0;
    if (loaded.includes(path) || count >= times) return route.continue();
    refused.set(path, count + 1);
    await route.fulfill({ status: 404, body: "gone" });
  });
  return refused;
}

test("a chunk deleted under an open page reloads it once, onto a working page", async ({ page }) => {
  const loaded = await coldUsers(page);
  const refused = await deleteNewChunks(page, [...loaded], 1);
  await page.evaluate(() => ((window as unknown as { before: boolean }).before = true));

  await page.getByRole("link", { name: "Help", exact: true }).click();
  // The page reloaded itself (the marker is gone with the old document) and works again.
  // (Asked while the reload is under way, the old document may be gone: ask again.)
  const marked = () => page.evaluate(() => (window as unknown as { before?: boolean }).before ?? false).catch(() => true);
  await expect.poll(marked).toBe(false);
  await hydrated(page);
  expect(refused.size, "a chunk was refused").toBeGreaterThanOrEqual(1);
  await expect(page.getByRole("alert").filter({ hasText: "could not load" })).toHaveCount(0);
  if (!page.url().endsWith("/user-management")) await goToHelp(page);
  await expect(page.getByRole("heading", { level: 1, name: "User Management" })).toBeVisible();
});

test("a chunk that still fails after the reload says so, with a Reload link", async ({ page }) => {
  const loaded = await coldUsers(page);
  await deleteNewChunks(page, [...loaded], 1_000);

  await page.getByRole("link", { name: "Help", exact: true }).click();
  const notice = page.getByRole("alert").filter({ hasText: "Roster could not load part of this page" });
  // After its one reload the page either fails again at once (it reloaded onto Help) or on
  // the next try.
  await page.waitForLoadState("load");
  if (!(await notice.isVisible())) await page.getByRole("link", { name: "Help", exact: true }).click();
  await expect(notice).toBeVisible();
  await expect(notice.getByRole("link", { name: "Reload" })).toHaveAttribute("href", /\/(users|user-management)/);
  await expect(notice.getByRole("link", { name: "Reload" }), "the keyboard lands on Reload").toBeFocused();
});
