import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

// Every page of the app, for each kind of person, on two phones (issue 14): nothing scrolls
// sideways (admin tables scroll inside their own keyboard-reachable region), every Mark button
// is inside the screen and a 44 px tap, the header folds into a Menu, axe-core finds nothing.

const PASSWORD = "mentoring-demo";
const PHONES: [number, number][] = [
  [390, 844],
  [360, 740],
];

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

async function signIn(page: Page, testInfo: TestInfo, email: string) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
  await ready(page, testInfo);
}

/** Checks the page as it stands at `width` and keeps a screenshot of it. */
async function checkFits(page: Page, testInfo: TestInfo, width: number, name: string) {
  await ready(page, testInfo);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect.soft(scrollWidth, `${name} scrolls sideways at ${width}px`).toBeLessThanOrEqual(width);
  const marks = page.getByRole("button", { name: /^Mark .+ complete$/ });
  for (const box of await marks.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
    expect(box.left, `${name}: a Mark button starts on screen`).toBeGreaterThanOrEqual(0);
    expect(box.right, `${name}: a Mark button ends on screen`).toBeLessThanOrEqual(width);
    expect(box.height, `${name}: a Mark button is a 44px tap`).toBeGreaterThanOrEqual(44);
  }
  // A table wider than the screen scrolls inside a region that a keyboard can reach and that
  // is named for screen readers.
  const wide = await page.locator("table").evaluateAll((tables) =>
    tables
      .filter((t) => t.getBoundingClientRect().width > document.documentElement.clientWidth)
      .map((t) => {
        const region = t.closest(".table-scroll");
        return {
          table: t.className || "(table)",
          region: !!region,
          focusable: region?.getAttribute("tabindex") === "0",
          named: !!(region?.getAttribute("aria-label") || region?.getAttribute("aria-labelledby")),
        };
      }),
  );
  for (const t of wide) {
    expect.soft(t, `${name}: the wide table ${t.table} scrolls in a named, focusable region`).toEqual({
      table: t.table,
      region: true,
      focusable: true,
      named: true,
    });
  }
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, `${width}-${name}`);
}

/** The header on a phone: one Menu, which opens (by keyboard) onto full-width links. */
async function checkMenu(page: Page, width: number, link: string) {
  const menu = page.locator("details.nav-menu");
  await expect(menu).toBeVisible();
  await expect(page.locator("nav.nav-wide")).toBeHidden();
  await menu.locator("summary").focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("open", "");
  const target = menu.getByRole("link", { name: link, exact: false }).first();
  await expect(target).toBeVisible();
  const box = await target.boundingBox();
  expect(box, "the link has a box").not.toBeNull();
  if (box) {
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
  }
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, "the open menu fits").toBeLessThanOrEqual(width);
  await target.click();
  // The page that opens has the menu folded again.
  await expect(page.locator("details.nav-menu")).not.toHaveAttribute("open", "");
}

/** Fails the test on any error the page throws (a hydration mismatch, for one). */
function watchErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return errors;
}

for (const [width, height] of PHONES) {
  test(`at ${width}px the signed-out pages fit`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    for (const path of ["/sign-in", "/due-dates", `/unsubscribe/${"ab".repeat(32)}`]) {
      await page.goto(path);
      await checkFits(page, testInfo, width, path.slice(1));
    }
  });

  test(`at ${width}px every participant page fits and the header folds into a Menu`, async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    const errors = watchErrors(page);
    await page.setViewportSize({ width, height });
    // Mentor 3's milestones stay open through the other journeys: Mark buttons to check.
    await signIn(page, testInfo, "mentor3@example.com");
    for (const path of ["/quickcliq", "/profile", "/account", "/due-dates"]) {
      await page.goto(path);
      await checkFits(page, testInfo, width, path.slice(1));
    }
    await page.goto("/quickcliq");
    await ready(page, testInfo);
    // The counts show on the folded header.
    await expect(page.locator("details.nav-menu summary")).toContainText(/overdue|due soon/);
    await checkMenu(page, width, "Profile");
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
    expect(errors, "errors in the page").toEqual([]);
  });

  test(`at ${width}px every admin page fits`, async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await page.setViewportSize({ width, height });
    await signIn(page, testInfo, "admin@example.com");
    await expect(page).toHaveURL(/\/programs\/\d+$/);
    const program = new URL(page.url()).pathname;
    await page.goto(`${program}/matches`);
    const matchPage = await page
      .locator(`a[href^="${program}/matches/"]`)
      .first()
      .getAttribute("href");
    expect(matchPage, "a match to open").toBeTruthy();
    await page.goto(`${program}/milestones`);
    const milestoneEdit = await page.locator('a[href$="/edit"][href*="/milestones/"]').first().getAttribute("href");
    expect(milestoneEdit, "a milestone to edit").toBeTruthy();
    // An import preview to look at (never confirmed).
    await page.goto(`${program}/import`);
    await ready(page, testInfo);
    await page.getByLabel("Participants").check();
    await page.getByLabel("CSV text").fill("email,role\nmentor2@example.com,mentor\nnobody-phone@example.com,mentee\n");
    await page.getByRole("button", { name: "Preview import" }).click();
    await expect(page).toHaveURL(/\/import\/\d+$/);
    const preview = new URL(page.url()).pathname;
    // Someone whose digest preview to look at.
    await page.goto(`${program}/reminders`);
    const previewPerson = await page.locator("#preview-person option").first().getAttribute("value");
    for (const path of [
      "/programs",
      "/programs/new",
      program,
      `${program}/edit`,
      `${program}/duplicate`,
      `${program}/participants`,
      `${program}/matches`,
      matchPage as string,
      `${program}/import`,
      preview,
      `${program}/milestones`,
      `${program}/milestones/new`,
      `${program}/milestones/copy`,
      milestoneEdit as string,
      `${program}/resources`,
      `${program}/report`,
      `${program}/reminders`,
      `${program}/reminders?preview=${previewPerson}`,
      "/admin/users",
      "/account",
      "/due-dates",
    ]) {
      await page.goto(path);
      await checkFits(page, testInfo, width, path.slice(1).replaceAll("/", "-"));
    }
    await page.goto(program);
    await ready(page, testInfo);
    await checkMenu(page, width, "Users");
    await expect(page).toHaveURL(/\/admin\/users$/);
    expect(errors, "errors in the page").toEqual([]);
  });
}
