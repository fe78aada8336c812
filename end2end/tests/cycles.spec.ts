import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, lookAtBothWidths, ready, signInAsAdmin } from "./support";

const SOURCE = "Leadership Mentoring 2026";

function unique(testInfo: TestInfo, what: string) {
  return `${what} ${testInfo.project.name} ${Date.now().toString(36)}`;
}



/** The milestone names of the list on the page, in order. */
async function milestoneNames(page: Page) {
  await expect(page.getByRole("heading", { level: 1, name: "Program milestones" })).toBeVisible();
  await expect(page.locator("table.milestones")).toBeVisible();
  return page.locator("table.milestones tbody tr:not(.archived) th[scope=row]").allInnerTexts();
}

test("an admin duplicates a program and its next cycle has the milestones", async ({ page }, testInfo) => {
  const name = unique(testInfo, "Autumn cohort");
  await signInAsAdmin(page, testInfo);
  await expect(page.getByRole("heading", { level: 1, name: SOURCE })).toBeVisible();
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Update Program Milestones" }).click();
  await ready(page, testInfo);
  const sourceNames = await milestoneNames(page);
  expect(sourceNames.length).toBeGreaterThan(0);
  await page.goBack();
  await ready(page, testInfo);

  await page.getByRole("link", { name: "Duplicate program" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Duplicate program" })).toBeVisible();
  await ready(page, testInfo);
  await expect(page.getByLabel("Name of the new program")).toHaveValue(`${SOURCE} (copy)`);
  await expect(page.getByText(/No participants, matches or completions are copied/)).toBeVisible();
  await lookAtBothWidths(page, testInfo, "duplicate-program");
  await expectNoAxeViolations(page, testInfo);

  // A wrong time zone is said beside its field; the name typed stays.
  await page.getByLabel("Name of the new program").fill(name);
  await page.getByLabel("Time zone").fill("Atlantis/Lost");
  await page.getByRole("button", { name: "Duplicate program" }).click();
  await expect(page.locator("#program-time-zone-error")).toContainText("is not a time zone we know");
  await expect(page.getByLabel("Name of the new program")).toHaveValue(name);
  await ready(page, testInfo);
  await page.getByLabel("Time zone").fill("Europe/Madrid");
  await page.getByRole("button", { name: "Duplicate program" }).click();

  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByText(`Created ${name} from ${SOURCE}`)).toBeVisible();
  await expect(page.getByText("Today in Europe/Madrid")).toBeVisible();
  await ready(page, testInfo);
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Update Program Milestones" }).click();
  await ready(page, testInfo);
  expect(await milestoneNames(page)).toEqual(sourceNames);
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Participants" }).click();
  await expect(page.getByText("No one is enrolled yet.")).toBeVisible();
});

test("an admin copies milestones from another program, and what is here is skipped", async ({ page }, testInfo) => {
  const name = unique(testInfo, "Pilot");
  await signInAsAdmin(page, testInfo);
  await page.goto("/programs/new");
  await ready(page, testInfo);
  await page.getByLabel("Program name").fill(name);
  await page.getByLabel("Time zone").fill("UTC");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await ready(page, testInfo);
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Update Program Milestones" }).click();
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Copy milestones from another program" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Copy milestones from another program" })).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel("Copy from", { exact: true }).selectOption({ label: SOURCE });
  await page.getByRole("button", { name: "See its milestones" }).click();
  await expect(page.getByRole("heading", { level: 2, name: `Milestones of ${SOURCE}` })).toBeVisible();
  await ready(page, testInfo);
  const toAdd = await page.getByRole("cell", { name: "Will be added" }).count();
  expect(toAdd).toBeGreaterThan(0);
  await lookAtBothWidths(page, testInfo, "copy-milestones");
  await expectNoAxeViolations(page, testInfo);
  await page.getByRole("button", { name: `Copy ${toAdd} milestones` }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Program milestones" })).toBeVisible();
  await expect(page.getByText(`Added ${toAdd} milestones from ${SOURCE}.`)).toBeVisible();
  await ready(page, testInfo);
  expect((await milestoneNames(page)).length).toBe(toAdd);

  // Again: every one is here already, marked and skipped, and nothing can be confirmed.
  await page.getByRole("link", { name: "Copy milestones from another program" }).click();
  await ready(page, testInfo);
  await page.getByLabel("Copy from", { exact: true }).selectOption({ label: SOURCE });
  await page.getByRole("button", { name: "See its milestones" }).click();
  await expect(page.getByText(`Every milestone of ${SOURCE} is here already: nothing to add.`)).toBeVisible();
  await expect(page.getByRole("cell", { name: "Already here: skipped" })).toHaveCount(toAdd);
  await expect(page.getByRole("button", { name: /^Copy \d+ milestone/ })).toHaveCount(0);
});
