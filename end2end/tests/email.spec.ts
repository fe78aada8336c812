import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { type APIRequestContext, type Browser, expect, type Page, request, test, type TestInfo } from "@playwright/test";
import { serverBinary } from "./binary";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

// The test server's database and binary (see playwright.config.ts).
const DATABASE = ".run/e2e.db";
const SERVER = serverBinary(process.env.E2E_PROFILE ?? "debug");
// maildev's REST API (started by scripts/test.sh or playwright.config.ts).
const maildevApi = `http://127.0.0.1:${Number(process.env.MAILDEV_WEB_PORT ?? 1180)}`;

type Mail = {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string; name?: string }[];
};

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

/** A fresh browser, signed in as nobody, with this project's JavaScript setting. */
async function freshPage(browser: Browser, testInfo: TestInfo) {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
  });
  return context.newPage();
}

async function signIn(page: Page, testInfo: TestInfo, email: string) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
  await ready(page, testInfo);
}

/** `server send-reminders --as-of day` against the test server's database, as an operator runs it. */
function sendReminders(day: string, baseURL: string): string {
  return execFileSync(SERVER, ["send-reminders", "--as-of", day], {
    env: { ...process.env, DATABASE_URL: `sqlite:${DATABASE}`, PUBLIC_URL: baseURL, RUST_LOG: "warn" },
  }).toString();
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** How the app writes a date: "Sat 28 Feb 2026". */
function readable(iso: string): string {
  const date = new Date(`${iso}T00:00:00Z`);
  const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${weekdays[date.getUTCDay()]} ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

async function mails(api: APIRequestContext): Promise<Mail[]> {
  const answer = await api.get(`${maildevApi}/api/email`);
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()) as Mail[];
}

/** The day's digests, once the server's outbox worker has sent them. */
async function digestsOf(api: APIRequestContext, day: string, expected: number): Promise<Mail[]> {
  const asOf = `(as of ${readable(day)})`;
  let found: Mail[] = [];
  await expect
    .poll(
      async () => {
        found = (await mails(api)).filter((m) => m.text.includes(asOf));
        return found.length;
      },
      { timeout: 20_000 },
    )
    .toBe(expected);
  return found;
}

/** Runs a python snippet against the test database; returns its output. */
function sql(script: string, ...args: string[]): string {
  return execFileSync("python3", ["-c", `import sqlite3, sys\ndb = sqlite3.connect("${DATABASE}")\n${script}`, ...args])
    .toString()
    .trim();
}

test("reminders on, a day's digests arrive, one click completes from the email, unsubscribe stops them", async ({
  page,
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(120_000);
  const api = await request.newContext();
  // An empty mailbox: only this run's emails to read.
  expect((await api.delete(`${maildevApi}/api/email/all`)).ok()).toBeTruthy();
  const programId = sql(`print(db.execute("SELECT MIN(id) FROM programs").fetchone()[0])`);

  // The admin turns reminders on, due soon 30 days ahead.
  await signIn(page, testInfo, "admin@example.com");
  await page.goto(`/programs/${programId}/reminders`);
  await ready(page, testInfo);
  await expect(page.getByRole("heading", { level: 1, name: "Reminder emails" })).toBeVisible();
  await expect(page.getByText("Sending is on: through smtp://127.0.0.1:")).toBeVisible();
  await page.getByLabel("Send reminder emails to this program's participants").check();
  await page.getByLabel("Days before the due date (due soon reminder)").fill("30");
  await page.getByLabel("Remind about overdue milestones").check();
  await page.getByLabel("Days between overdue reminders").fill("7");
  await page.getByLabel("Overdue reminders per milestone").fill("3");
  await page.getByRole("button", { name: "Save reminders" }).click();
  await expect(page.getByText("Saved. Reminders are on")).toBeVisible();
  await expect(page.getByLabel("Send reminder emails to this program's participants")).toBeChecked();
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "reminders");

  // One scheduling pass for a chosen day, months ahead, when most demo participants have
  // milestones overdue or due soon; each project and retry its own day.
  // 150, 210 days ahead (and 270, 330 for retries): over a week apart, so an overdue item's
  // next reminder (every 7 days) is due again on the next one.
  const run = (isHydratedProject(testInfo) ? 0 : 1) + 2 * testInfo.retry;
  const offset = 150 + 60 * run;
  const day = isoDay(new Date(Date.now() + offset * 86_400_000));
  const summary = sendReminders(day, baseURL!);
  const queued = Number(/(\d+) digests queued/.exec(summary)?.[1]);
  expect(queued, summary).toBeGreaterThan(0);
  const digests = await digestsOf(api, day, queued);
  // Again for the same day: nothing more.
  expect(sendReminders(day, baseURL!)).toContain("0 digests queued");

  // Each digest lists its person's items, each with its due date and its own link, as the
  // database recorded them.
  for (const mail of digests) {
    const recipient = mail.to[0].address;
    const listed = sql(
      `import json
rows = db.execute("""SELECT ms.name, r.kind FROM reminders_sent r JOIN outbox o ON o.id = r.outbox_id
  JOIN milestones ms ON ms.id = r.milestone_id JOIN users u ON u.id = r.user_id
  WHERE u.email = ? AND o.digest_day = ?""", (sys.argv[1], sys.argv[2])).fetchall()
print(json.dumps(rows))`,
      recipient,
      day,
    );
    const items = JSON.parse(listed) as [string, string][];
    expect(items.length).toBeGreaterThan(0);
    expect(mail.text.match(/\/check-in\/[0-9a-f]{64}/g)?.length).toBe(items.length);
    for (const [name] of items) {
      expect(mail.html).toContain(`>Mark ${name} complete</a>`);
    }
    expect(mail.text).toMatch(/: \w{3} \d{1,2} \w{3} \d{4} \((due today|due tomorrow|due in \d+ days|\d+ days? overdue)\)/);
  }

  // The first link of one participant's digest (one whose milestones no other journey needs
  // open), in a fresh browser that never signed in: one button.
  const recipient = "mentee3@example.com";
  const mail = digests.find((m) => m.to[0].address === recipient);
  expect(mail, `a digest to ${recipient} among ${digests.map((m) => m.to[0].address)}`).toBeTruthy();
  if (!mail) return;
  const link = /http:\/\/[^\s]+\/check-in\/[0-9a-f]{64}/.exec(mail.text)![0];
  const name = /Mark (.+?) complete<\/a>/.exec(mail.html)![1];
  const visitor = await freshPage(browser, testInfo);
  await visitor.goto(link);
  await ready(visitor, testInfo);
  const button = visitor.getByRole("button", { name: `Mark ${name} complete` });
  await expect(button).toHaveCount(1);
  await expectNoAxeViolations(visitor, testInfo);
  await button.click();
  await expect(visitor.getByText(`${name} is already completed.`)).toBeVisible();
  // The link again: already completed.
  await visitor.goto(link);
  await ready(visitor, testInfo);
  await expect(visitor.getByText(`${name} is already completed.`)).toBeVisible();
  await expect(visitor.getByRole("button", { name: /^Mark / })).toHaveCount(0);
  await visitor.context().close();

  // The participant sees it completed; the report counts it under Email.
  const participant = await freshPage(browser, testInfo);
  await signIn(participant, testInfo, recipient);
  await participant.goto("/profile");
  await ready(participant, testInfo);
  await expect(participant.getByRole("row", { name: new RegExp(name) }).first()).toContainText("Completed");
  await participant.context().close();
  await page.goto(`/programs/${programId}/report`);
  await ready(page, testInfo);
  await expect(page.locator('[data-source="email"]')).not.toHaveText("0");
  await expect(
    page.getByRole("region", { name: "Completion history" }).getByRole("row", { name: new RegExp(`${name}.*Email`) }).first(),
  ).toBeVisible();

  // Another link of the digests, once expired, and a forged one: refused, with a way to sign in.
  const other = [...digests.map((m) => m.text).join("\n").matchAll(/\/check-in\/([0-9a-f]{64})/g)]
    .map((m) => m[1])
    .find((token) => !link.endsWith(token));
  const expiring = other ?? /\/check-in\/([0-9a-f]{64})/.exec(mail.text)![1];
  sql(
    `db.execute("UPDATE check_in_tokens SET expires_at = '2000-01-01T00:00:00+00:00' WHERE token_hash = ?", (sys.argv[1],))
db.commit()`,
    createHash("sha256").update(expiring).digest("hex"),
  );
  const refusedPage = await freshPage(browser, testInfo);
  for (const [address, heading] of [
    [`/check-in/${expiring}`, "This link has expired"],
    [`/check-in/${"cd".repeat(32)}`, "This link does not work"],
  ]) {
    await refusedPage.goto(address);
    await ready(refusedPage, testInfo);
    await expect(refusedPage.getByRole("heading", { level: 2, name: heading })).toBeVisible();
    await expect(refusedPage.getByRole("button", { name: /^Mark / })).toHaveCount(0);
  }

  // Unsubscribe: the page first (opening it changes nothing), then its button.
  const source = await (await api.get(`${maildevApi}/api/email/${mail.id}/source`)).text();
  const unsubscribe = /List-Unsubscribe: <([^>]+)>/.exec(source)![1];
  expect(source).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  expect(mail.text).toContain(unsubscribe);
  await refusedPage.goto(unsubscribe);
  await ready(refusedPage, testInfo);
  await expectNoAxeViolations(refusedPage, testInfo);
  await refusedPage.getByRole("button", { name: "Unsubscribe from reminder emails" }).click();
  await expect(refusedPage.getByText("You are unsubscribed")).toBeVisible();
  await saveScreenshot(refusedPage, testInfo, "unsubscribed");
  await refusedPage.context().close();
  // The Profile's switch turns them back on.
  const profile = await freshPage(browser, testInfo);
  await signIn(profile, testInfo, recipient);
  await profile.goto("/profile");
  await ready(profile, testInfo);
  await profile.getByRole("button", { name: "Turn reminder emails on" }).click();
  await expect(profile.getByText("Reminder emails are on")).toBeVisible();
  await expect(profile.getByRole("button", { name: "Turn reminder emails off" })).toBeVisible();
  // The one-click header, as a mail app posts it: no cookie, no page, from elsewhere.
  const answer = await api.post(unsubscribe, { form: { "List-Unsubscribe": "One-Click" } });
  expect(answer.status()).toBe(200);

  // The next pass, a week later: nothing for the one who unsubscribed.
  const nextDay = isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + 7 * 86_400_000));
  const next = sendReminders(nextDay, baseURL!);
  const nextQueued = Number(/(\d+) digests queued/.exec(next)?.[1]);
  const nextDigests = nextQueued > 0 ? await digestsOf(api, nextDay, nextQueued) : [];
  expect(nextDigests.map((m) => m.to[0].address)).not.toContain(recipient);
  // On again from the Profile, for the journeys after this one.
  await profile.goto("/profile");
  await ready(profile, testInfo);
  await profile.getByRole("button", { name: "Turn reminder emails on" }).click();
  await expect(profile.getByRole("button", { name: "Turn reminder emails off" })).toBeVisible();
  await profile.context().close();
  await api.dispose();
});

test("an admin sends a test email, previews tomorrow's digest and sees the outbox", async ({ page }, testInfo) => {
  const api = await request.newContext();
  const programId = sql(`print(db.execute("SELECT MIN(id) FROM programs").fetchone()[0])`);
  await signIn(page, testInfo, "admin@example.com");
  await page.goto(`/programs/${programId}/reminders`);
  await ready(page, testInfo);
  const before = (await mails(api)).filter((m) => m.subject === "Test email from Mentoring Milestones").length;
  await page.getByRole("button", { name: "Send a test email to me" }).click();
  await expect(page.getByText("Queued a test email to admin@example.com")).toBeVisible();
  await expect
    .poll(async () => (await mails(api)).filter((m) => m.subject === "Test email from Mentoring Milestones").length, {
      timeout: 20_000,
    })
    .toBe(before + 1);
  // The outbox shows it sent.
  await page.goto(`/programs/${programId}/reminders`);
  await ready(page, testInfo);
  const outbox = page.getByRole("region", { name: "Outbox" });
  await expect(outbox.getByRole("row", { name: /Test email/ }).first()).toContainText("Sent");

  // Tomorrow's digest of a participant, and the outbox filtered to one person.
  await page.getByLabel("Participant", { exact: true }).selectOption({ index: 0 });
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByRole("region", { name: /Digest preview for / })).toBeVisible();
  await page.getByLabel("Person", { exact: true }).selectOption({ label: "Jordan Ellis" });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/person=\d+/);
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "outbox");
  await api.dispose();
});
