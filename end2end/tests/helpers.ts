import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import * as fs from "node:fs";
import * as path from "node:path";

/** Signs in; an admin lands on Users, someone without `users.view` on Your account. */
export async function signIn(page: Page, who: { email: string; password: string }, landing = "**/users") {
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(landing);
  // The hydrated sign-in moves in the app: the URL changes before the page's chunk and data
  // have arrived. Its heading is there once they have.
  await expect(page.locator("#main h1")).toBeVisible();
}

/** The invitation emails the test SMTP server (aiosmtpd, see playwright.config.ts) received, oldest first. */
export function mailbox(): string[] {
  const dir = path.join(__dirname, "..", ".mailbox", "new");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort((a, b) => arrival(a) - arrival(b))
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
}

/** Python's Maildir names a message `<secs>.M<micros>P<pid>Q<n>.<host>`, where `n` counts the
 * messages that one server process delivered. Sorting the names as text is wrong within a second
 * (`M99999` sorts after `M123456`), which once made Resend's new link look like the old one. */
function arrival(name: string): number {
  const n = /Q(\d+)\./.exec(name);
  if (!n) throw new Error(`unexpected Maildir file name ${name}`);
  return Number(n[1]);
}

/** The invitation link in the newest email to `to`, once it has arrived. */
export async function invitationLinkFor(to: string): Promise<string> {
  let link = "";
  await expect
    .poll(() => {
      const mail = mailbox()
        .map((m) => m.replace(/=\r?\n/g, "").replace(/=3D/g, "="))
        .filter((m) => m.toLowerCase().includes(`to: ${to.toLowerCase()}`))
        .pop();
      link = mail?.match(/https?:\/\/[^\s"<>]+\/invitation\?token=[A-Za-z0-9_-]+/)?.[0] ?? "";
      return link;
    }, { timeout: 15_000 })
    .not.toBe("");
  return link;
}

/** How many emails to `to` have arrived. */
export function mailCount(to: string): number {
  return mailbox().filter((m) => m.toLowerCase().includes(`to: ${to.toLowerCase()}`)).length;
}

/** Resolves once the WASM client has taken over the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

export async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(summary).toEqual([]);
}
