import { expect, test, type Page } from "@playwright/test";
import {
  expectNoAxeViolations,
  isHydratedProject,
  saveScreenshot,
  waitForHydration,
} from "./support";

test("the shell is rendered by the server, then hydrated", async ({ page }, testInfo) => {
  // Hold the WebAssembly back so the page can be seen exactly as the server sent it.
  let releaseWasm: () => void = () => {};
  const wasmHeld = new Promise<void>((resolve) => (releaseWasm = resolve));
  await page.route("**/*.wasm", async (route) => {
    await wasmHeld;
    await route.continue();
  });

  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("link", { name: "Mentoring Milestones" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Sign in" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Demo accounts" })).toBeVisible();
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
  await saveScreenshot(page, testInfo, "sign-in-before-hydration");

  releaseWasm();
  if (!isHydratedProject(testInfo)) {
    // With JavaScript off the page stays exactly as served, and stays complete.
    await page.waitForTimeout(500);
    await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
    await expect(page.getByRole("heading", { name: "Demo accounts" })).toBeVisible();
    return;
  }
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Demo accounts" })).toBeVisible();
  // After hydration, navigation happens in the browser without a page load.
  await nav.getByRole("link", { name: "Due dates" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "How due dates work" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Due dates" })).toHaveAttribute("aria-current", "page");
  await saveScreenshot(page, testInfo, "due-dates-after-hydration");
});

test("the due date follows the inputs, with the month-end note", async ({ page }, testInfo) => {
  await page.goto("/due-dates");
  const result = page.locator("output.result");
  const publishDate = page.getByLabel("Preview publish date");
  const amount = page.getByLabel("Number of days, weeks or months");
  const unit = page.getByLabel("Unit");

  if (isHydratedProject(testInfo)) {
    await waitForHydration(page);
    const url = page.url();
    await publishDate.fill("2026-01-31");
    await amount.fill("1");
    await unit.selectOption("months");
    // Computed in the browser by the shared due-date code: no request, no page load.
    await expect(result.locator("time.due")).toHaveAttribute("datetime", "2026-02-28");
    await expect(result).toContainText("February 2026 has no day 31");
    await amount.fill("6");
    await unit.selectOption("weeks");
    await expect(result.locator("time.due")).toHaveAttribute("datetime", "2026-03-14");
    await expect(result.locator(".clamp-note")).toHaveCount(0);
    await amount.fill("1000");
    await expect(page.locator("#amount-error")).toHaveText("Enter a number from 0 to 999.");
    await expect(amount).toHaveAttribute("aria-invalid", "true");
    expect(page.url()).toBe(url);
  } else {
    await publishDate.fill("2026-01-31");
    await amount.fill("1");
    await unit.selectOption("months");
    await page.getByRole("button", { name: "Calculate" }).click();
    await expect(result.locator("time.due")).toHaveAttribute("datetime", "2026-02-28");
    await expect(result).toContainText("February 2026 has no day 31");
    // The answer page keeps what was typed.
    await expect(publishDate).toHaveValue("2026-01-31");
    await expect(amount).toHaveValue("1");
    await amount.fill("1000");
    await page.getByRole("button", { name: "Calculate" }).click();
    await expect(page.locator("#amount-error")).toHaveText("Enter a number from 0 to 999.");
    await expect(amount).toHaveValue("1000");
  }
  await saveScreenshot(page, testInfo, "due-dates");
});

test("an unknown address shows the not-found page with status 404", async ({ page }, testInfo) => {
  const response = await page.goto("/programs/none/such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to your start page" })).toBeVisible();
  if (isHydratedProject(testInfo)) {
    await waitForHydration(page);
  }
  await expectNoAxeViolations(page, testInfo);
});

for (const path of ["/sign-in", "/due-dates"]) {
  test(`axe-core finds no WCAG 2.2 AA violations on ${path}`, async ({ page }, testInfo) => {
    await page.goto(path);
    if (isHydratedProject(testInfo)) {
      await waitForHydration(page);
    }
    await expectNoAxeViolations(page, testInfo);
  });
}

test("participant pages load the main code only; admin pages load their own file when opened", async ({
  page,
}, testInfo) => {
  test.skip(!isHydratedProject(testInfo), "WebAssembly is only fetched with JavaScript on");
  const wasm: string[] = [];
  page.on("request", (request) => {
    const name = new URL(request.url()).pathname.split("/").pop() ?? "";
    if (name.endsWith(".wasm")) wasm.push(name);
  });
  const pageFiles = () => wasm.filter((name) => name.startsWith("split_"));

  await page.goto("/sign-in");
  await waitForHydration(page);
  expect(wasm.filter((name) => /^milestones\..*\.wasm$/.test(name))).toHaveLength(1);
  expect(pageFiles()).toEqual([]);
  await expect(page.locator('head link[rel="preload"][href*="/split_"]')).toHaveCount(0);

  // An admin page opened from the address bar: the server names its file in the <head>, the
  // browser fetches it, and the page becomes interactive (a link followed in the browser).
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/programs\/\d+$/);
  await page.goto(page.url());
  await expect(page.locator('head link[rel="preload"][href*="/split_program_panel_page."]')).toHaveCount(1);
  await waitForHydration(page);
  expect(pageFiles().some((name) => name.startsWith("split_program_panel_page."))).toBe(true);
  expect(pageFiles().some((name) => name.startsWith("split_report_page."))).toBe(false);

  // Another admin page followed from there: its own file is fetched then, without a page load.
  const loads: string[] = [];
  page.on("load", () => loads.push(page.url()));
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Activity Report" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Activity Report" })).toBeVisible();
  expect(pageFiles().some((name) => name.startsWith("split_report_page."))).toBe(true);
  expect(loads).toEqual([]);
  await saveScreenshot(page, testInfo, "report-opened-in-the-browser");
});

/** Signs the demo admin in from a hydrated sign-in page; gives the address of their panel. */
async function adminOnTheirPanel(page: Page): Promise<string> {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("mentoring-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/programs\/\d+$/);
  return page.url();
}

test("a page whose file cannot be fetched is loaded from the server instead", async ({
  page,
}, testInfo) => {
  test.skip(!isHydratedProject(testInfo), "WebAssembly is only fetched with JavaScript on");
  // As a tab left open across a deploy finds it: the running app's page files are gone.
  const panel = await adminOnTheirPanel(page);
  await page.goto(panel);
  await waitForHydration(page);

  const refused: string[] = [];
  const pageFiles = /\/pkg\/(split_|chunk_)[^/]*\.wasm$/;
  // The first file asked for is gone from the server (404); the network fails for the rest.
  await page.route(pageFiles, (route) => {
    refused.push(new URL(route.request().url()).pathname);
    return refused.length === 1
      ? route.fulfill({ status: 404, contentType: "text/plain", body: "Not found" })
      : route.abort("failed");
  });
  // The deploy is done once the browser asks the server for a whole page: let files through.
  page.on("request", (request) => {
    if (request.isNavigationRequest()) void page.unroute(pageFiles);
  });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const loads: string[] = [];
  page.on("load", () => loads.push(page.url()));

  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Activity Report" }).click();
  await expect(page).toHaveURL(/\/programs\/\d+\/report$/);
  await expect(page.getByRole("heading", { level: 1, name: "Activity Report" })).toBeVisible();
  await waitForHydration(page);
  expect(refused.some((path) => path.includes("/split_report_page."))).toBe(true);
  expect(loads.some((url) => /\/programs\/\d+\/report$/.test(url))).toBe(true);
  // The split loader's own script reports each refused fetch ("Failed to fetch"); nothing else
  // (a panic of the WebAssembly would show here as "unreachable").
  expect(errors.filter((message) => message !== "Failed to fetch")).toEqual([]);

  // The page works: a link followed in the browser from here opens without a page load.
  const before = loads.length;
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Participants" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Participants" })).toBeVisible();
  expect(loads.length).toBe(before);
});

test("a first page whose file fails is loaded once more, and not again and again", async ({
  page,
}, testInfo) => {
  test.skip(!isHydratedProject(testInfo), "WebAssembly is only fetched with JavaScript on");
  const report = `${await adminOnTheirPanel(page)}/report`;

  // A network hiccup: the report's file fails once, on the page opened from the address bar.
  const reportFile = /\/pkg\/split_report_page\.[^/]*\.wasm$/;
  let refused = 0;
  await page.route(reportFile, (route) => {
    refused += 1;
    return refused === 1 ? route.abort("failed") : route.continue();
  });
  const loads: string[] = [];
  page.on("load", () => loads.push(page.url()));
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(report);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Activity Report" })).toBeVisible();
  expect(refused).toBe(2);
  expect(loads).toEqual([report, report]);
  expect(errors.filter((message) => message !== "Failed to fetch")).toEqual([]);

  // A lasting failure: loaded once more, then the server's page stays, shown whole, as it is
  // without JavaScript, and nothing loops.
  await page.unroute(reportFile);
  await page.route(reportFile, (route) => route.abort("failed"));
  loads.length = 0;
  await page.goto(report);
  await expect.poll(() => loads.length).toBe(2);
  await page.waitForTimeout(1500);
  expect(loads).toEqual([report, report]);
  await expect(page.getByRole("heading", { level: 1, name: "Activity Report" })).toBeVisible();
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
  expect(errors.filter((message) => message !== "Failed to fetch")).toEqual([]);
});
