import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

// The test server's database (see playwright.config.ts).
const DATABASE = ".run/e2e.db";

/**
 * Issues a check-in token, as a reminder email will, for a relationship milestone of the demo's
 * second pair (mentor2 and mentee2, whose items no other journey completes) that is still open;
 * `expiresInDays` below zero makes an expired one (for any of their items). Returns the token
 * and the milestone's name.
 */
function issueToken(expiresInDays: number): { token: string; name: string } {
  const token = randomBytes(32).toString("hex");
  const hash = createHash("sha256").update(token).digest("hex");
  const script = `
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1])
open_only = int(sys.argv[3]) > 0
row = db.execute("""
  SELECT ms.id, ms.name, m.id, e.id, e.user_id FROM matches m
  JOIN milestones ms ON ms.program_id = m.program_id AND ms.category = 'relationship'
   AND ms.archived = 0
  JOIN enrollments e ON (e.id = m.mentor_enrollment_id AND ms.role = 'mentor')
   OR (e.id = m.mentee_enrollment_id AND ms.role = 'mentee')
  JOIN users u ON u.id = e.user_id
  WHERE u.email IN ('mentor2@example.com', 'mentee2@example.com') AND m.state = 'published'
   AND (? = 0 OR NOT EXISTS
     (SELECT 1 FROM completions c WHERE c.milestone_id = ms.id AND c.match_id = m.id))
  ORDER BY ms.position, ms.id LIMIT 1""", (1 if open_only else 0,)).fetchone()
milestone_id, name, match_id, enrollment_id, user_id = row
now = datetime.datetime.now(datetime.timezone.utc)
expires = now + datetime.timedelta(days=int(sys.argv[3]))
db.execute("INSERT INTO check_in_tokens (token_hash, user_id, milestone_id, enrollment_id, match_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  (sys.argv[2], user_id, milestone_id, enrollment_id, match_id, now.isoformat(), expires.isoformat()))
db.commit()
print(name)
`;
  const name = execFileSync("python3", ["-c", script, DATABASE, hash, String(expiresInDays)]).toString().trim();
  return { token, name };
}

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

test("a check-in link completes its milestone in one click, without signing in", async ({ page }, testInfo) => {
  const { token, name } = issueToken(30);
  await page.goto(`/check-in/${token}`);
  await ready(page, testInfo);
  await expect(page.getByRole("heading", { level: 1, name: "Check in" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name })).toBeVisible();
  const button = page.getByRole("button", { name: `Mark ${name} complete` });
  await expect(button).toHaveCount(1);
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "check-in");

  await button.click();
  await expect(page.getByRole("status")).toContainText(`${name} marked complete.`);
  await expect(page.getByText(`${name} is already completed.`)).toBeVisible();
  await expect(page.getByRole("button", { name: /^Mark / })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Undo" })).toBeVisible();
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "check-in-done");

  if (isHydratedProject(testInfo)) {
    // Undo, within its 8 seconds: the milestone is open again.
    await page.getByRole("button", { name: "Undo" }).click();
    await expect(page.getByRole("status")).toContainText(`${name} is open again.`);
    await expect(page.getByRole("button", { name: `Mark ${name} complete` })).toBeVisible();
  } else {
    // The link again: already completed, and the Undo offer is gone.
    await page.goto(`/check-in/${token}`);
    await expect(page.getByText(`${name} is already completed.`)).toBeVisible();
    await expect(page.getByRole("button", { name: "Undo" })).toHaveCount(0);
  }
  // Never signed in by the link.
  await page.goto("/quickcliq");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("expired and forged check-in links say so and offer to sign in", async ({ page }, testInfo) => {
  const { token } = issueToken(-1);
  for (const [address, heading] of [
    [`/check-in/${token}`, "This link has expired"],
    [`/check-in/${"ab".repeat(32)}`, "This link does not work"],
  ]) {
    await page.goto(address);
    await ready(page, testInfo);
    await expect(page.getByRole("heading", { level: 2, name: heading })).toBeVisible();
    await expect(page.getByRole("button", { name: /^Mark / })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Sign in" }).last()).toHaveAttribute("href", "/sign-in?next=/quickcliq");
    await expectNoAxeViolations(page, testInfo);
  }
});
