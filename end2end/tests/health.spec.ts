import { execFileSync } from "node:child_process";
import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { serverBinary } from "./binary";
import { mailTo } from "./mailbox";
import { expectNoAxeViolations, lookAtBothWidths, ready, signInAsAdmin } from "./support";

// The test server's database and binary (see playwright.config.ts).
const DATABASE = ".run/e2e.db";
const SERVER = serverBinary(process.env.E2E_PROFILE ?? "debug");
const ADMIN = "admin@example.com";



test("the admin sees the stuck matches at a glance and gets them by email once a week", async ({ page }, testInfo) => {
  await signInAsAdmin(page, testInfo);
  const program = new URL(page.url()).pathname;
  // The demo's match published 100 days ago has its Mid-Cycle Check-In overdue and nothing
  // completed since its tenth day.
  const health = page.getByRole("region", { name: "Match health" });
  await expect(health).toBeVisible();
  await expect(health.getByRole("link", { name: /Needs attention/ })).toBeVisible();
  await health.getByRole("link", { name: /Needs attention/ }).click();
  await expect(page).toHaveURL(/health=attention/);
  await expect(page.getByRole("heading", { level: 1, name: "Matches" })).toBeVisible();
  await ready(page, testInfo);
  await expect(page.getByLabel("Health", { exact: true })).toHaveValue("attention");
  const rows = page.getByRole("table").locator("tbody tr");
  expect(await rows.count()).toBeGreaterThan(0);
  for (const row of await rows.all()) {
    await expect(row.locator(".badge.health-attention")).toHaveText("Needs attention");
  }
  await expect(page.locator(".health-reasons").first()).toContainText(/overdue|Nothing completed/);
  await page.getByText("How match health is decided").click();
  await expect(page.getByText("Needs attention: an item overdue by more than 7 days")).toBeVisible();
  await lookAtBothWidths(page, testInfo, "matches-needing-attention");
  await expectNoAxeViolations(page, testInfo);

  // The weekly summary, turned on from the Reminder emails page.
  await page.goto(`${program}/reminders`);
  await ready(page, testInfo);
  const summary = page.getByRole("region", { name: "Weekly match health summary" });
  if (await summary.getByRole("button", { name: "Turn off the weekly summary" }).isVisible()) {
    await summary.getByRole("button", { name: "Turn off the weekly summary" }).click();
    await expect(summary.getByText("You no longer get the weekly summary.")).toBeVisible();
    await ready(page, testInfo);
  }
  await summary.getByRole("button", { name: "Turn on the weekly summary" }).click();
  await expect(summary.getByText(`Each week you get the matches that need attention, at ${ADMIN}.`)).toBeVisible();
  await expect(summary.getByRole("button", { name: "Turn off the weekly summary" })).toBeVisible();
  await lookAtBothWidths(page, testInfo, "weekly-summary-on");
  await expectNoAxeViolations(page, testInfo);

  // One summary a week: the other project's run of this journey sent this week's already, so
  // it is taken out of the outbox first (the test database is shared by both projects).
  execFileSync("python3", [
    "-c",
    `import sqlite3\ndb = sqlite3.connect("${DATABASE}")\ndb.execute("DELETE FROM outbox WHERE kind = 'health_summary'")\ndb.commit()`,
  ]);
  const before = (await mailTo(ADMIN, 0)).filter((m) => /needs? attention$/.test(m.subject)).length;
  const run = () =>
    execFileSync(SERVER, ["send-reminders", "--as-of", new Date().toISOString().slice(0, 10)], {
      env: { ...process.env, DATABASE_URL: `sqlite:${DATABASE}`, PUBLIC_URL: new URL(page.url()).origin, RUST_LOG: "warn" },
    }).toString();
  expect(run()).toContain("1 weekly match-health summaries queued");
  expect(run(), "not twice in a week").toContain("0 weekly match-health summaries queued");
  let mail: { subject: string; text: string; html: string } | undefined;
  await expect
    .poll(
      async () => {
        const found = (await mailTo(ADMIN, 1)).filter((m) => /needs? attention$/.test(m.subject));
        mail = found[found.length - 1];
        return found.length;
      },
      { timeout: 20_000 },
    )
    .toBeGreaterThan(before);
  expect(mail!.subject).toMatch(/^Leadership Mentoring 2026: \d+ match(es)? needs? attention$/);
  expect(mail!.text).toMatch(/overdue|Nothing completed/);
  expect(mail!.text).toContain(`${program}/matches?health=attention`);
});
