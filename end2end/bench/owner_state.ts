import type { Browser } from "@playwright/test";
import { OWNER } from "../playwright.config";
import { signIn } from "../tests/helpers";

/** Where the owner's signed-in cookies are kept for the benchmarks' fresh contexts. */
export const OWNER_STATE = ".tmp/owner-state.json";

/** Signs the owner in once and saves the cookies, so each measured load starts signed in
 * with an empty cache. */
export async function saveOwnerState(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, OWNER);
  await context.storageState({ path: OWNER_STATE });
  await context.close();
}
