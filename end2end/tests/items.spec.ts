import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

async function signIn(page: Page, testInfo: TestInfo, email: string) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/quickcliq$/);
  await ready(page, testInfo);
}

test("one click completes a milestone at once, Undo reopens it, and the mentee sees it read-only", async ({ page }, testInfo) => {
  test.skip(!isHydratedProject(testInfo), "the optimistic row needs the page to be interactive");
  await signIn(page, testInfo, "mentor@example.com");
  await expect(page.getByRole("heading", { level: 1, name: "QuickcliQ" })).toBeVisible();
  const button = page.getByRole("button", { name: "Mark Mid-Cycle Check-In complete" });
  await expect(button).toBeVisible();
  await expectNoAxeViolations(page, testInfo);
  const row = page.getByRole("row", { name: /Mid-Cycle Check-In/ });

  // Hold the server's answer back: the row must change before it arrives.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/items/complete", async (route) => {
    await held;
    await route.continue();
  });
  const clicked = Date.now();
  await button.click();
  await expect(row.locator(".badge.status")).toHaveText("Completed", { timeout: 1000 });
  const visibleAfter = Date.now() - clicked;
  release();
  await expect(page.getByRole("status")).toContainText("Mid-Cycle Check-In marked complete.");
  console.log(`optimistic row change visible after ${visibleAfter} ms (server answer held back)`);
  await page.unroute("**/api/items/complete");
  await saveScreenshot(page, testInfo, "quickcliq-completed");

  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status")).toContainText("Mid-Cycle Check-In is open again.");
  await expect(page.getByRole("button", { name: "Mark Mid-Cycle Check-In complete" })).toBeVisible();

  // From the keyboard: Tab to the button, Enter; then Undo again.
  await page.getByRole("heading", { level: 2, name: "Open milestones" }).click();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? "");
    if (focused === "Mark Mid-Cycle Check-In complete") break;
  }
  await page.keyboard.press("Enter");
  await expect(row.locator(".badge.status")).toHaveText("Completed");
  await expect(page.getByRole("status")).toContainText("marked complete");
  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status")).toContainText("is open again");

  // A double click completes once and never undoes its own first click.
  await page.getByRole("button", { name: "Mark Mid-Cycle Check-In complete" }).dblclick();
  await expect(row.locator(".badge.status")).toHaveText("Completed");
  await expect(page.getByRole("status")).toContainText("marked complete");
  await page.reload();
  await ready(page, testInfo);
  await expect(page.getByRole("button", { name: "Mark Mid-Cycle Check-In complete" })).toHaveCount(0);
  await page.goto("/profile");
  await ready(page, testInfo);
  await expect(page.getByRole("row", { name: /Mid-Cycle Check-In/ }).locator(".badge.status")).toHaveText(/Completed/);
  await expectNoAxeViolations(page, testInfo);

  // The mentee sees it on their Profile, without a button.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, testInfo, "mentee@example.com");
  await page.goto("/profile");
  await ready(page, testInfo);
  const theirs = page.getByRole("row", { name: /Mid-Cycle Check-In/ });
  await expect(theirs.locator(".badge.status")).toHaveText(/Completed/);
  await expect(theirs.getByRole("button")).toHaveCount(0);
  await saveScreenshot(page, testInfo, "mentee-profile");
});

test("a plain form post completes a milestone and offers Undo", async ({ page }, testInfo) => {
  test.skip(isHydratedProject(testInfo), "the JavaScript-off path");
  await signIn(page, testInfo, "mentor2@example.com");
  const first = page.getByRole("button", { name: /^Mark .+ complete$/ }).first();
  const label = (await first.textContent()) ?? "";
  const name = label.replace(/^Mark /, "").replace(/ complete$/, "");
  await first.click();
  await expect(page).toHaveURL(/\/quickcliq$/);
  await expect(page.getByRole("status")).toContainText(`${name} marked complete.`);
  await expect(page.getByRole("button", { name: label })).toHaveCount(0);
  await expectNoAxeViolations(page, testInfo);
  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status")).toContainText(`${name} is open again.`);
  await expect(page.getByRole("button", { name: label })).toBeVisible();
});

test("an admin sees a match's milestones and completes one on a participant's behalf", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/programs\/\d+$/);
  await ready(page, testInfo);
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Matches" }).click();
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Milestones of Chen Wei with Noah Kim" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Milestones of Chen Wei with Noah Kim" })).toBeVisible();
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);
  const first = page.getByRole("button", { name: /^Mark .+ complete$/ }).first();
  const label = (await first.textContent()) ?? "";
  const name = label.replace(/^Mark /, "").replace(/ complete$/, "");
  await first.click();
  await expect(page.getByRole("status")).toContainText(`${name} marked complete on the participant's behalf.`);
  await saveScreenshot(page, testInfo, "admin-match-items");
});

test("a participant reads what a milestone asks and follows its resource link", async ({ page }, testInfo) => {
  // Mentor 3: their milestones with Mentee 3 are left open by the other journeys.
  await signIn(page, testInfo, "mentor3@example.com");
  // The QuickcliQ: each open milestone's first line, and its Details, opened by keyboard.
  await page.goto("/quickcliq");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  const first = page.locator("details.item-details").first();
  await expect(first.locator(".description")).toBeHidden();
  await first.locator("summary").focus();
  await page.keyboard.press("Enter");
  await expect(first).toHaveAttribute("open", "");
  await expect(first.locator(".description")).toBeVisible();
  await expectNoAxeViolations(page, testInfo);
  // The Profile lists every milestone: the Mid-Cycle Check-In links the Check-In video.
  await page.goto("/profile");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  // (Other journeys add milestones of similar names: this one is the demo's, by its text.)
  const details = page
    .locator("details.item-details")
    .filter({ hasText: "Meet to review progress against the agreement." })
    .first();
  await expect(details.locator("summary")).toContainText("Watch the Check-In video first.");
  await details.locator("summary").focus();
  await page.keyboard.press("Enter");
  await expect(details).toHaveAttribute("open", "");
  const listed = details.getByRole("list", { name: "Resources" });
  await expect(listed.getByRole("listitem")).toHaveText(/Check-In video \(opens in a new tab\)\s*Video/);
  await expect(listed.getByRole("link", { name: /Check-In video/ })).toHaveAttribute(
    "href",
    "https://example.com/resources/check-in-video",
  );
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "milestone-details");
});

for (const [width, height] of [
  [390, 844],
  [360, 740],
]) {
  test(`on a ${width}px phone the participant pages fit and each Mark button is a full-width tap`, async ({
    page,
  }, testInfo) => {
    await page.setViewportSize({ width, height });
    // Mentor 3's milestones with Mentee 3 are left open by the other journeys.
    await signIn(page, testInfo, "mentor3@example.com");
    for (const path of ["/quickcliq", "/profile"]) {
      await page.goto(path);
      if (isHydratedProject(testInfo)) await waitForHydration(page);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth, `${path} scrolls sideways`).toBeLessThanOrEqual(width);
      const buttons = page.getByRole("button", { name: /^Mark .+ complete$/ });
      expect(await buttons.count(), `${path} has a Mark button`).toBeGreaterThan(0);
      for (const box of await buttons.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(width);
        expect(box.height).toBeGreaterThanOrEqual(44);
      }
      await expectNoAxeViolations(page, testInfo);
      await saveScreenshot(page, testInfo, `phone-${width}${path.replace("/", "-")}`);
    }
  });
}
