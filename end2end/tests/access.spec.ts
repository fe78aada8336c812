import { type Browser, expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, saveScreenshot, waitForHydration } from "./support";
import { countMailTo, linkIn, mailTo } from "./mailbox";

// Access that can be taken back: each test creates its own account (the demo accounts stay as
// they are for the other tests), then signs it in from two browsers.

const DEMO_PASSWORD = "mentoring-demo";
const FIRST_PASSWORD = "a first long password";

async function signIn(page: Page, testInfo: TestInfo, email: string, password: string) {
  await page.goto("/sign-in");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * A new account made by the site admin on the Users page (an invitation), its owner setting
 * FIRST_PASSWORD from the emailed link in a browser of their own; the admin stays signed in.
 */
async function createAccount(page: Page, testInfo: TestInfo, tag: string) {
  const email = `${tag}-${testInfo.project.name}@example.com`;
  const name = `${tag[0].toUpperCase()}${tag.slice(1)} ${testInfo.project.name}`;
  await signIn(page, testInfo, "admin@example.com", DEMO_PASSWORD);
  await page.goto("/admin/users");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  const create = page.getByRole("region", { name: "Create a user" });
  const before = await countMailTo(email);
  await create.getByLabel("Email").fill(email);
  await create.getByLabel("Name").fill(name);
  await create.getByRole("button", { name: "Create user" }).click();
  await expect(create.getByText(`Created an account for ${name} (${email}). An invitation is on its way to ${email}.`)).toBeVisible();
  // The newest: a mailbox kept across local runs holds older invitations to the same address.
  const invitation = (await mailTo(email, before + 1)).at(-1)!;
  const owner = await page.context().browser()!.newContext({ javaScriptEnabled: isHydratedProject(testInfo) });
  const theirs = await owner.newPage();
  await theirs.goto(new URL(linkIn(invitation, "/welcome/"), page.url()).toString());
  await theirs.getByLabel("New password", { exact: true }).fill(FIRST_PASSWORD);
  await theirs.getByLabel("Repeat the new password", { exact: true }).fill(FIRST_PASSWORD);
  await theirs.getByRole("button", { name: "Set your password" }).click();
  await expect(theirs).toHaveURL(/\/quickcliq$/);
  // Signed out again, so the tests below count only the sessions they open.
  await theirs.getByRole("button", { name: "Sign out" }).click();
  await expect(theirs).toHaveURL(/\/sign-in$/);
  await owner.close();
  return { email, name };
}

/** A second browser, with its own cookies, signed in as `email`. */
async function secondBrowser(browser: Browser, testInfo: TestInfo, email: string, password: string) {
  const context = await browser.newContext({ javaScriptEnabled: isHydratedProject(testInfo) });
  const page = await context.newPage();
  await signIn(page, testInfo, email, password);
  await expect(page).toHaveURL(/\/quickcliq$/);
  return { context, page };
}

async function expectSignedOut(page: Page) {
  await page.goto("/quickcliq");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
}

test("changing the password signs out the other browsers", async ({ page, browser }, testInfo) => {
  const { email } = await createAccount(page, testInfo, "changer");
  await page.getByRole("button", { name: "Sign out" }).click();
  const other = await secondBrowser(browser, testInfo, email, FIRST_PASSWORD);
  await signIn(page, testInfo, email, FIRST_PASSWORD);
  await expect(page).toHaveURL(/\/quickcliq$/);
  await page.getByRole("link", { name: /^Changer / }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
  if (isHydratedProject(testInfo)) await waitForHydration(page);

  // A wrong current password is refused next to its field; nothing changes.
  await page.getByLabel("Current password", { exact: true }).fill("not my password");
  await page.getByLabel("New password", { exact: true }).fill("a second long password");
  await page.getByLabel("Repeat the new password", { exact: true }).fill("a second long password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current-password-error")).toHaveText("This is not your current password.");
  await expect(page.getByLabel("Current password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expectNoAxeViolations(page, testInfo);

  await page.getByLabel("Current password", { exact: true }).fill(FIRST_PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill("a second long password");
  await page.getByLabel("Repeat the new password", { exact: true }).fill("a second long password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password was changed. Your 1 other session has ended.")).toBeVisible();
  await saveScreenshot(page, testInfo, "password-changed");

  // This browser stays signed in; the other one is signed out.
  await page.goto("/quickcliq");
  await expect(page).toHaveURL(/\/quickcliq$/);
  await expectSignedOut(other.page);
  // The new password is the one that works.
  await signIn(other.page, testInfo, email, FIRST_PASSWORD);
  await expect(other.page.getByRole("alert")).toHaveText("That email and password do not match an account.");
  await signIn(other.page, testInfo, email, "a second long password");
  await expect(other.page).toHaveURL(/\/quickcliq$/);
  await other.context.close();
});

test("a disabled account cannot sign in until it is enabled", async ({ page, browser }, testInfo) => {
  const { email, name } = await createAccount(page, testInfo, "leaver");
  const theirs = await secondBrowser(browser, testInfo, email, FIRST_PASSWORD);

  await page.goto("/admin/users");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await page.getByRole("button", { name: `Disable account: ${name}` }).click();
  await expect(page.getByText("The account is disabled: its sessions have ended")).toBeVisible();
  await expect(page.getByRole("button", { name: `Enable account: ${name}` })).toBeVisible();
  await saveScreenshot(page, testInfo, "account-disabled");
  await expectNoAxeViolations(page, testInfo);

  await expectSignedOut(theirs.page);
  await signIn(theirs.page, testInfo, email, FIRST_PASSWORD);
  await expect(theirs.page.getByRole("alert")).toHaveText(
    "This account is disabled. Ask a site admin of your mentoring program to enable it.",
  );

  await page.getByRole("button", { name: `Enable account: ${name}` }).click();
  await expect(page.getByText("The account is enabled: its owner can sign in again.")).toBeVisible();
  await signIn(theirs.page, testInfo, email, FIRST_PASSWORD);
  await expect(theirs.page).toHaveURL(/\/quickcliq$/);
  await theirs.context.close();
});

test("sign out everywhere ends every session of the account", async ({ page, browser }, testInfo) => {
  const { email } = await createAccount(page, testInfo, "traveller");
  await page.getByRole("button", { name: "Sign out" }).click();
  const other = await secondBrowser(browser, testInfo, email, FIRST_PASSWORD);
  await signIn(page, testInfo, email, FIRST_PASSWORD);
  await page.goto("/account");
  if (isHydratedProject(testInfo)) await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expectSignedOut(page);
  await expectSignedOut(other.page);
  await other.context.close();
});
