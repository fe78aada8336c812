import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

test("a participant copies their calendar address, subscribes, and resets it", async ({ page, context }, testInfo) => {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill("mentee2@example.com");
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/quickcliq$/);
  await page.goto("/profile");
  await ready(page, testInfo);

  const card = page.getByRole("region", { name: "Your calendar" });
  const address = card.getByLabel("Calendar address");
  const first = await address.inputValue();
  expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/calendar\/[0-9a-f]{64}\.ics$/);

  // What a calendar app gets: iCalendar with the participant's open milestones.
  const feed = await page.request.get(first);
  expect(feed.status()).toBe(200);
  expect(feed.headers()["content-type"]).toContain("text/calendar");
  const text = await feed.text();
  expect(text).toContain("BEGIN:VCALENDAR");
  expect(text).toMatch(/DTSTART;VALUE=DATE:\d{8}/);

  if (isHydratedProject(testInfo)) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await card.getByRole("button", { name: "Copy" }).click();
    await expect(card.getByRole("status")).toHaveText("Copied the address.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
  } else {
    // Without JavaScript there is nothing to click: the address is there to select.
    await expect(card.getByRole("button", { name: "Copy" })).toBeHidden();
  }
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "calendar-card");

  await card.getByRole("button", { name: "Reset address" }).click();
  await expect(card.getByText("Your calendar address was reset: the old one no longer works.")).toBeVisible();
  await expect(address).not.toHaveValue(first);
  const second = await address.inputValue();
  expect(second).toMatch(/\/calendar\/[0-9a-f]{64}\.ics$/);
  expect((await page.request.get(first)).status()).toBe(404);
  expect((await page.request.get(second)).status()).toBe(200);
});
