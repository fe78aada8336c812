import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

async function openMilestones(page: Page, testInfo: TestInfo) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/programs\/\d+$/);
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Update Program Milestones" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Program milestones" })).toBeVisible();
  await ready(page, testInfo);
}

test("an admin adds a milestone with a live preview, edits it, and a javascript: link stays text", async ({ page }, testInfo) => {
  test.skip(!isHydratedProject(testInfo), "the live preview needs the page to be interactive");
  const name = `Mid-Cycle Check-In ${Date.now().toString(36)}`;
  await openMilestones(page, testInfo);
  await expectNoAxeViolations(page, testInfo);
  await page.getByRole("link", { name: "Add Milestone" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create Milestone" })).toBeVisible();
  await ready(page, testInfo);

  // Saving an empty name shows its message at once.
  await page.getByLabel("Milestone Name").fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#milestone-name-error")).toHaveText("Enter a name for the milestone.");
  await page.getByLabel("Milestone Name").fill(name);
  await expect(page.locator("#milestone-name-error")).toHaveText("");
  await page.getByLabel("Relationship milestone").check();
  await page.getByLabel("Mentor", { exact: true }).check();
  await page.getByLabel("Number of days, weeks or months").fill("1");
  await page.getByLabel("Unit").selectOption("months");
  await page.getByLabel("Preview publish date").fill("2026-01-31");
  const preview = page.getByRole("complementary", { name: "Preview" });
  await expect(preview.locator('time[datetime="2026-02-28"]')).toBeVisible();
  await expect(preview.locator(".clamp-note")).toContainText("last day");
  await expect(preview.getByText(/would already be overdue/)).toBeVisible();

  // A message next to the field as the admin types, gone once fixed.
  await page.getByLabel("Number of days, weeks or months").fill("1.5");
  await expect(page.locator("#milestone-offset-error")).toHaveText("Enter a whole number from 0 to 999.");
  await page.getByLabel("Number of days, weeks or months").fill("1");
  await expect(page.locator("#milestone-offset-error")).toHaveText("");

  await page
    .getByLabel("Description")
    .fill("Meet halfway. [click](javascript:alert(1)) and read [the guide](https://example.com/guide).");
  const rendered = preview.locator(".description-preview");
  await expect(rendered.getByRole("link", { name: /the guide/ })).toHaveAttribute("href", "https://example.com/guide");
  await expect(rendered.getByRole("link", { name: /the guide/ })).toHaveAttribute("rel", "noopener noreferrer");
  await expect(rendered).toContainText("[click](javascript:alert(1))");
  await expect(rendered.locator('a[href^="javascript"]')).toHaveCount(0);
  await saveScreenshot(page, testInfo, "create-milestone");
  await expectNoAxeViolations(page, testInfo);

  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Program milestones" })).toBeVisible();
  await expect(page.getByText(`Added ${name}.`)).toBeVisible();
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("Relationship milestone");
  await expect(row).toContainText("1 Month after the match is published");
  await ready(page, testInfo);
  await saveScreenshot(page, testInfo, "milestones-list");

  await row.getByRole("link", { name: `Edit ${name}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit Milestone" })).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel("Number of days, weeks or months").fill("6");
  await page.getByLabel("Unit").selectOption("weeks");
  await page.getByLabel("Preview publish date").fill("2026-01-31");
  await expect(preview.locator('time[datetime="2026-03-14"]')).toBeVisible();
  await expect(preview.locator(".clamp-note")).toHaveCount(0);
  await expect(preview.getByText(/Saving moves the due dates of \d+ open items?/)).toBeVisible();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Saved ${name}.`)).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("6 Weeks after the match is published");

  // Reorder from the keyboard: the new milestone is last; move it up one place.
  await ready(page, testInfo);
  const up = page.getByRole("button", { name: `Move ${name} up` });
  await up.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText(new RegExp(`Moved ${name} up`))).toBeVisible();
});

test("the milestone form saves and refuses by plain form posts", async ({ page }, testInfo) => {
  const name = `Closure Survey ${testInfo.project.name} ${Date.now().toString(36)}`;
  await openMilestones(page, testInfo);
  await page.getByRole("link", { name: "Add Milestone" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create Milestone" })).toBeVisible();
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);

  // A rejected save: the message is next to its field and nothing typed is lost.
  await page.getByLabel("Milestone Name").fill(name);
  await page.getByLabel("Program milestone").check();
  await page.getByLabel("Both").check();
  await page.getByLabel("Number of days, weeks or months").fill("1000");
  await page.getByLabel("Description").fill("Fill in https://example.com/survey by the end.");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#milestone-offset-error")).toHaveText("Enter a number from 0 to 999.");
  await expect(page.getByLabel("Milestone Name")).toHaveValue(name);
  await expect(page.getByLabel("Description")).toHaveValue("Fill in https://example.com/survey by the end.");
  await expect(page.getByLabel("Both")).toBeChecked();
  await saveScreenshot(page, testInfo, "milestone-refused");

  await page.getByLabel("Number of days, weeks or months").fill("7");
  await page.getByLabel("Unit").selectOption("months");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Added ${name} twice, once for mentors and once for mentees.`)).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(2);
  await ready(page, testInfo);

  // Archive one; it leaves the list until archived ones are shown, and can be restored.
  await page.getByRole("button", { name: `Archive ${name}` }).first().click();
  await expect(page.getByText(new RegExp(`Archived ${name}`))).toBeVisible();
  await ready(page, testInfo);
  await expect(page.getByRole("button", { name: `Restore ${name}` })).toBeVisible();
  await page.getByRole("button", { name: `Restore ${name}` }).click();
  await expect(page.getByText(`Restored ${name}. Participants see it again.`)).toBeVisible();
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);
});

test("an admin keeps a Resource Library and links a milestone to it", async ({ page }, testInfo) => {
  const title = `Check-In guide ${testInfo.project.name} ${Date.now().toString(36)}`;
  await openMilestones(page, testInfo);
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Resource Library" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Resource Library" })).toBeVisible();
  await ready(page, testInfo);
  // A non-web address is refused next to its field, with the title kept.
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Address").fill("javascript:alert(1)");
  await page.getByRole("button", { name: "Add resource" }).click();
  await expect(page.locator("#resource-url-error")).toContainText("starting with https://");
  await expect(page.getByLabel("Title")).toHaveValue(title);
  await ready(page, testInfo);
  await page.getByLabel("Address").fill("https://example.com/check-in-guide");
  await page.getByLabel("Kind").selectOption("video");
  await page.getByRole("button", { name: "Add resource" }).click();
  await expect(page.getByText(`Added ${title} to the Resource Library.`)).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(title) })).toContainText("Video");
  await ready(page, testInfo);
  await saveScreenshot(page, testInfo, "resource-library");
  await expectNoAxeViolations(page, testInfo);

  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Update Program Milestones" }).click();
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Add Milestone" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create Milestone" })).toBeVisible();
  await ready(page, testInfo);
  const link = `[${title}](https://example.com/check-in-guide)`;
  if (isHydratedProject(testInfo)) {
    await page.getByLabel("Description").fill("Before the meeting, watch");
    await page.getByLabel("Resource", { exact: true }).selectOption({ label: `${title} (Video)` });
    await page.getByRole("button", { name: "Insert resource link" }).click();
    await expect(page.getByLabel("Description")).toHaveValue(`Before the meeting, watch ${link}`);
    const rendered = page.getByRole("complementary", { name: "Preview" }).locator(".description-preview");
    await expect(rendered.getByRole("link", { name: new RegExp(title) })).toHaveAttribute(
      "href",
      "https://example.com/check-in-guide",
    );
  } else {
    await page.getByText("Resource links to copy into the description").click();
    await expect(page.getByText(link)).toBeVisible();
  }
  await expectNoAxeViolations(page, testInfo);
});
