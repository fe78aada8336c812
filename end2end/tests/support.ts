import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";

/** WCAG 2.2 AA and everything below it. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

export function isHydratedProject(testInfo: TestInfo) {
  return testInfo.project.name === "hydrated";
}

/**
 * Runs axe-core on the page as it stands. axe needs script in the page, so for the no-JavaScript
 * project the same address is opened in a second context whose app scripts are blocked: the
 * document checked is exactly the one the server sends, never hydrated.
 */
export async function expectNoAxeViolations(page: Page, testInfo: TestInfo) {
  let target = page;
  let extra: { close(): Promise<void> } | undefined;
  if (!isHydratedProject(testInfo)) {
    const browser = page.context().browser();
    if (!browser) throw new Error("no browser for the axe-core context");
    // Same cookies, so a signed-in page is checked as the signed-in person sees it.
    const context = await browser.newContext({
      javaScriptEnabled: true,
      storageState: await page.context().storageState(),
    });
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    target = await context.newPage();
    await target.goto(page.url());
    expect(target.url(), "axe-core checks the same page").toBe(page.url());
    extra = context;
  }
  try {
    const results = await new AxeBuilder({ page: target }).withTags(WCAG_TAGS).analyze();
    const summary = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
    expect(summary, "axe-core violations").toEqual([]);
    expect(results.passes.length, "axe-core ran its checks").toBeGreaterThan(0);
  } finally {
    await extra?.close();
  }
}

/** Waits until the WebAssembly has hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Saves a full-page screenshot as an artifact of the test. */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/**
 * Looks at the page at a phone's width (390 px: nothing may be wider than the screen) and at a
 * desktop's, keeping a screenshot of each.
 */
export async function lookAtBothWidths(page: Page, testInfo: TestInfo, name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "nothing wider than the phone").toBeLessThanOrEqual(0);
  await saveScreenshot(page, testInfo, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await saveScreenshot(page, testInfo, `${name}-desktop`);
}

/** Waits for hydration in the hydrated project; nothing to wait for without JavaScript. */
export async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

/** Signs in as the demo's site admin, who lands on the demo program's Program Admin Panel. */
export async function signInAsAdmin(page: Page, testInfo: TestInfo) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/programs\/\d+$/);
  await ready(page, testInfo);
}
