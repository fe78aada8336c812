import { type Browser, expect, type Page, test, type TestInfo } from "@playwright/test";
import { countMailTo, mailTo } from "./mailbox";
import { expectNoAxeViolations, isHydratedProject, lookAtBothWidths, waitForHydration } from "./support";

// Sign-in through the organisation's identity provider (issue 27), against a real provider
// (oidc-provider, started by playwright.config.ts) and a second app server configured for it
// (OIDC_ISSUER, OIDC_NAME "Test Login", OIDC_ALLOWED_DOMAINS allowed.example).

const appPort = Number(process.env.E2E_OIDC_APP_PORT ?? Number(process.env.E2E_PORT ?? 3100) + 1);
const appUrl = `http://127.0.0.1:${appPort}`;

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

/** A browser of its own on the provider-enabled app, with this project's JavaScript setting. */
async function ownBrowser(browser: Browser, testInfo: TestInfo) {
  const context = await browser.newContext({ baseURL: appUrl, javaScriptEnabled: isHydratedProject(testInfo) });
  return { context, page: await context.newPage() };
}

/** This project's and try's own login name at the provider for a kind of person. */
function login(testInfo: TestInfo, kind: "ola" | "una" | "nia" | "sam") {
  return `${kind}-${testInfo.project.name}-${testInfo.retry}`;
}

/** Sign in with Test Login on the sign-in page, then the provider's own login page. */
async function throughTheProvider(page: Page, testInfo: TestInfo, name: string) {
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Sign in with Test Login" }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill(name);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  // The provider asks once to share the profile with this client.
  const consent = page.getByRole("button", { name: "Continue" });
  await expect(consent.or(page.locator("main#main"))).toBeVisible();
  if (await consent.isVisible()) await consent.click();
  await expect(page).toHaveURL(new RegExp(`^${appUrl}/`));
}

test("an invited person signs in through the identity provider and lands on their QuickcliQ", async ({ browser }, testInfo) => {
  test.setTimeout(90_000);
  const name = login(testInfo, "ola");
  const email = `${name}@example.com`;
  // The admin invites them: the email leads to the sign-in page, not to a password.
  const admin = await ownBrowser(browser, testInfo);
  await admin.page.goto("/sign-in");
  await ready(admin.page, testInfo);
  await admin.page.getByLabel("Email").fill("admin@example.com");
  await admin.page.getByLabel("Password").fill("mentoring-demo");
  await admin.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(admin.page).toHaveURL(/\/programs\/\d+$/);
  const before = await countMailTo(email);
  await admin.page.goto(`${new URL(admin.page.url()).pathname}/participants`);
  await ready(admin.page, testInfo);
  const enrol = admin.page.getByRole("region", { name: "Enrol a participant" });
  await enrol.getByLabel("Email", { exact: true }).fill(email);
  await enrol.getByLabel("Name", { exact: true }).fill("Ola Oidc");
  await enrol.getByRole("button", { name: "Enrol" }).click();
  await expect(admin.page.getByText(`An invitation is on its way to ${email}.`)).toBeVisible();
  const invitation = (await mailTo(email, before + 1)).at(-1)!;
  expect(invitation.text).toContain("Sign in with Test Login");
  expect(invitation.text).not.toContain("/welcome/");
  const signIn = invitation.text.split(/\s+/).find((w) => w.endsWith("/sign-in"));
  expect(signIn).toBe(`${appUrl}/sign-in`);
  await admin.context.close();

  const invitee = await ownBrowser(browser, testInfo);
  await invitee.page.goto(signIn!);
  await ready(invitee.page, testInfo);
  await expectNoAxeViolations(invitee.page, testInfo);
  await lookAtBothWidths(invitee.page, testInfo, "sign-in-with-provider");
  await throughTheProvider(invitee.page, testInfo, name);
  await expect(invitee.page).toHaveURL(/\/quickcliq$/);
  await expect(invitee.page.getByRole("heading", { level: 1, name: "QuickcliQ" })).toBeVisible();
  await invitee.context.close();
});

test("the provider's unverified, unknown and allowed-domain people", async ({ browser }, testInfo) => {
  test.setTimeout(90_000);
  // Unverified email: not matched to the demo account that has it.
  const unverified = await ownBrowser(browser, testInfo);
  await unverified.page.goto("/sign-in");
  await throughTheProvider(unverified.page, testInfo, login(testInfo, "una"));
  await expect(unverified.page.getByRole("alert")).toContainText(
    "Test Login has not confirmed that mentor2@example.com is yours",
  );
  await unverified.page.goto("/quickcliq");
  await expect(unverified.page).toHaveURL(/\/sign-in\?next=/);
  await unverified.context.close();

  // Unknown: the sentence, and no session.
  const stranger = await ownBrowser(browser, testInfo);
  await stranger.page.goto("/sign-in");
  const sam = login(testInfo, "sam");
  await throughTheProvider(stranger.page, testInfo, sam);
  await expect(stranger.page.getByRole("alert")).toHaveText(
    `${sam}@elsewhere.example is not part of any program here. Ask your program admin to add you.`,
  );
  await expectNoAxeViolations(stranger.page, testInfo);
  await lookAtBothWidths(stranger.page, testInfo, "provider-unknown-person");
  await stranger.page.goto("/quickcliq");
  await expect(stranger.page).toHaveURL(/\/sign-in\?next=/);
  await stranger.context.close();

  // An allowed domain: an account (without rights) at the first sign-in.
  const newcomer = await ownBrowser(browser, testInfo);
  await newcomer.page.goto("/sign-in");
  await throughTheProvider(newcomer.page, testInfo, login(testInfo, "nia"));
  await expect(newcomer.page).toHaveURL(/\/quickcliq$/);
  await expect(newcomer.page.getByRole("heading", { level: 1, name: "QuickcliQ" })).toBeVisible();
  await newcomer.context.close();
});
