import { type Browser, expect, type Page, test, type TestInfo } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

async function signIn(page: Page, testInfo: TestInfo, email: string, landing: RegExp) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(landing);
  await ready(page, testInfo);
}

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The cells (not the row header) of the milestone's row in the By milestone table. A milestone
 * made with Program Role "Both" is two milestones of one name, so the role picks the row.
 */
async function milestoneRow(page: Page, name: string, role: string) {
  const table = page.getByRole("table", { name: "Milestone items by milestone" });
  const row = table.getByRole("row", { name: new RegExp(`^${escape(name)} (Program|Relationship) milestone ${role} `) });
  await expect(row).toHaveCount(1);
  return (await row.getByRole("cell").allTextContents()).map((t) => t.trim());
}

/** Completed on time + completed late, as the page shows them. */
async function completed(page: Page, name: string, role: string) {
  const cells = await milestoneRow(page, name, role);
  return Number(cells[5]) + Number(cells[6]);
}

async function openReport(page: Page, testInfo: TestInfo) {
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Activity Report" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Activity Report" })).toBeVisible();
  await ready(page, testInfo);
}

/** A participant who still has an open milestone (other journeys complete some), signed in. */
async function participantWithOpenItem(browser: Browser, testInfo: TestInfo) {
  // Mentors first (the journey); mentees when the mentors have nothing open left.
  for (const email of [
    "mentor@example.com",
    "mentor3@example.com",
    "mentor2@example.com",
    "mentee3@example.com",
    "mentee2@example.com",
  ]) {
    const context = await browser.newContext({ javaScriptEnabled: isHydratedProject(testInfo) });
    const page = await context.newPage();
    await signIn(page, testInfo, email, /\/quickcliq$/);
    const button = page.getByRole("button", { name: /^Mark .+ complete$/ }).first();
    const role = email.startsWith("mentor") ? "Mentor" : "Mentee";
    if ((await button.count()) > 0) return { context, page, button, role };
    await context.close();
  }
  throw new Error("no demo participant has an open milestone left");
}

test("the admin's report counts a milestone a participant just completed, charts it and downloads the same figures", async ({
  page,
  browser,
}, testInfo) => {
  await signIn(page, testInfo, "admin@example.com", /\/programs\/\d+$/);
  await openReport(page, testInfo);

  // A participant's first open milestone, and its tally before the click.
  const mentor = await participantWithOpenItem(browser, testInfo);
  const button = mentor.button;
  const label = (await button.getAttribute("aria-label")) ?? (await button.textContent()) ?? "";
  const name = label.replace(/^Mark /, "").replace(/ complete$/, "").trim();
  const role = mentor.role;
  const before = await completed(page, name, role);
  await button.click();
  await expect(mentor.page.getByRole("status")).toContainText(`${name} marked complete.`);
  await mentor.context.close();

  await page.reload();
  await ready(page, testInfo);
  expect(await completed(page, name, role), `${name}: completed on time + late`).toBe(before + 1);
  // And the history says who did it and from where.
  const history = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Where" }) });
  await expect(history.getByRole("row").nth(1)).toContainText(name);
  await expect(history.getByRole("row").nth(1)).toContainText("QuickcliQ");

  // The chart is an image whose text alternative states the milestone's figures.
  const chart = page.getByRole("img", { name: /^Milestone items by status/ });
  await expect(chart).toBeVisible();
  const description = (await page.locator("#chart-desc").textContent()) ?? "";
  const cells = await milestoneRow(page, name, role);
  expect(description).toContain(
    `${name}: ${cells[3]} items, ${cells[5]} completed on time, ${cells[6]} completed late, ${cells[7]} overdue, ${cells[8]} upcoming, ${cells[9]} closed.`,
  );

  // The CSV holds exactly the page's figures.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download CSV (by milestone)" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^program-\d+-report-milestones-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile((await download.path()) ?? "", "utf8");
  // Every cell is quoted; these hold no commas or quotes of their own.
  const rows = csv.split("\r\n").map((l) => l.split(",").map((c) => c.replace(/^"|"$/g, "")));
  const row = rows.find((r) => r[0] === name && r[2] === role);
  expect(row, `a CSV row for ${name}`).toBeTruthy();
  const fields = row ?? [];
  // items, due so far, on time, late, overdue, upcoming, closed, rate.
  expect([fields[4], fields[5], fields[7], fields[8], fields[9], fields[10], fields[11], fields[12]]).toEqual(
    cells.slice(3, 11),
  );

  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "activity-report");
});

test("the report filters by category and looks back to an earlier day, with errors next to the field", async ({
  page,
}, testInfo) => {
  await signIn(page, testInfo, "admin@example.com", /\/programs\/\d+$/);
  await openReport(page, testInfo);
  await page.getByLabel("Category").selectOption("relationship");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/category=relationship/);
  await ready(page, testInfo);
  const categories = page
    .getByRole("table", { name: "Milestone items by milestone" })
    .locator("tbody td:nth-of-type(1)");
  await expect(categories.first()).toHaveText("Relationship milestone");
  expect(new Set(await categories.allTextContents())).toEqual(new Set(["Relationship milestone"]));
  const matchesTable = page.getByRole("table", { name: "Progress of each match" });
  await expect(matchesTable.getByRole("link", { name: /^Milestones of / }).first()).toBeVisible();

  // A day in the future is refused next to the As of field, keeping the other filters.
  const url = new URL(page.url());
  url.searchParams.set("as_of", "2999-01-01");
  await page.goto(url.toString());
  await ready(page, testInfo);
  const asOf = page.getByLabel("As of");
  await expect(asOf).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#report-as_of-error")).toContainText("the report can look back, not ahead");
  await expect(page.getByLabel("Category")).toHaveValue("relationship");
  await expectNoAxeViolations(page, testInfo);

  // Far enough back, before any match was published, nothing is counted.
  url.searchParams.set("as_of", "2000-01-01");
  await page.goto(url.toString());
  await ready(page, testInfo);
  await expect(page.getByText("As it stood at the end of")).toBeVisible();
  await expect(page.locator('[data-figure="items"]')).toHaveText("0");
  await expect(page.getByText("No published or ended match fits these filters.")).toBeVisible();
});
