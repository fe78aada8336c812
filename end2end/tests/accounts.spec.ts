import { expect, type Page, test } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";

const PASSWORD = "mentoring-demo";

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const ROLES = [
  { email: "admin@example.com", landing: /\/programs\/\d+$/, heading: "Leadership Mentoring 2026" },
  { email: "mentor@example.com", landing: /\/quickcliq$/, heading: "QuickcliQ" },
  { email: "mentee@example.com", landing: /\/quickcliq$/, heading: "QuickcliQ" },
];

for (const role of ROLES) {
  test(`${role.email} signs in, lands where they work, and signs out`, async ({ page }, testInfo) => {
    await page.goto("/sign-in");
    if (isHydratedProject(testInfo)) await waitForHydration(page);
    await signIn(page, role.email);
    await expect(page).toHaveURL(role.landing);
    await expect(page.getByRole("heading", { level: 1, name: role.heading })).toBeVisible();
    await saveScreenshot(page, testInfo, `landing-${role.email.split("@")[0]}`);
    if (isHydratedProject(testInfo)) await waitForHydration(page);
    await expectNoAxeViolations(page, testInfo);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    // Signed out for real: the landing page now asks to sign in again.
    await page.goto(role.email.startsWith("admin") ? "/programs" : "/quickcliq");
    await expect(page).toHaveURL(/\/sign-in\?next=/);
  });
}

test("a wrong password gets one message and keeps the email", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await signIn(page, "mentor@example.com", "not the password");
  await expect(page.getByRole("alert")).toHaveText("That email and password do not match an account.");
  await expect(page.getByLabel("Email")).toHaveValue("mentor@example.com");
  await expect(page.getByLabel("Password")).toHaveValue("");
  await saveScreenshot(page, testInfo, "wrong-password");
});

test("a protected page sends you to sign in, then back", async ({ page }, testInfo) => {
  await page.goto("/programs");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fprograms|\/sign-in\?next=\/programs/);
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await signIn(page, "admin@example.com");
  await expect(page).toHaveURL(/\/programs$/);
  await expect(page.getByRole("heading", { level: 1, name: "Programs" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Leadership Mentoring 2026" })).toBeVisible();
});

test("a participant is refused the admin pages", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await signIn(page, "mentee@example.com");
  await expect(page).toHaveURL(/\/quickcliq$/);
  const response = await page.goto("/admin/users");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1, name: "No access" })).toBeVisible();
});

test("a site admin sees the Users page", async ({ page }, testInfo) => {
  await page.goto("/sign-in?next=/admin/users");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await signIn(page, "admin@example.com");
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "mentee@example.com" })).toBeVisible();
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await expectNoAxeViolations(page, testInfo);
  await saveScreenshot(page, testInfo, "users");
});
