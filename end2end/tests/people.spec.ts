import { type Browser, expect, type Page, test, type TestInfo } from "@playwright/test";
import { allMail, linkIn, mailTo } from "./mailbox";
import { expectNoAxeViolations, isHydratedProject, lookAtBothWidths, waitForHydration } from "./support";

// Getting people in without anyone typing a password for them (issue 27): an invitation by
// email, its page, a used link, "Forgot your password?". The test server sends email through
// maildev, read back through its API.

const DEMO_PASSWORD = "mentoring-demo";

async function ready(page: Page, testInfo: TestInfo) {
  if (isHydratedProject(testInfo)) await waitForHydration(page);
}

/** A unique address for this project and try. */
function unique(testInfo: TestInfo, tag: string) {
  return `${tag}-${testInfo.project.name}-${testInfo.retry}-${Date.now() % 100000}@example.com`;
}

async function signIn(page: Page, testInfo: TestInfo, email: string, password: string) {
  await page.goto("/sign-in");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
  await ready(page, testInfo);
}

/** A browser of its own (its own cookies), with this project's JavaScript setting. */
async function ownBrowser(browser: Browser, testInfo: TestInfo) {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: isHydratedProject(testInfo),
  });
  return { context, page: await context.newPage() };
}

async function setPassword(page: Page, password: string, repeat = password) {
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Repeat the new password", { exact: true }).fill(repeat);
}

test("an admin enrols someone new; the invitation email's link sets their password and opens their QuickcliQ", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(90_000);
  const email = unique(testInfo, "invitee");
  const name = "Zoë O'Hara";
  await signIn(page, testInfo, "admin@example.com", DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/programs\/\d+$/);
  const participants = `${new URL(page.url()).pathname}/participants`;
  await page.goto(participants);
  await ready(page, testInfo);
  const enrol = page.getByRole("region", { name: "Enrol a participant" });
  await expect(enrol.getByLabel("Password")).toHaveCount(0);
  await enrol.getByLabel("Email", { exact: true }).fill(email);
  await enrol.getByLabel("Role", { exact: true }).selectOption("mentee");
  await enrol.getByLabel("Name", { exact: true }).fill(name);
  const clicked = Date.now();
  await enrol.getByRole("button", { name: "Enrol" }).click();
  await expect(page.getByText(`Enrolled ${name} as a mentee. An invitation is on its way to ${email}.`)).toBeVisible();
  const [invitation] = await mailTo(email);
  // From the admin's click to the email in the mail server (polled every 100 ms).
  const delivered = Date.now() - clicked;
  console.log(`invitation delivered ${delivered} ms after the Enrol click (${testInfo.project.name})`);
  testInfo.annotations.push({ type: "invitation delivered after enrol (ms)", description: String(delivered) });
  await ready(page, testInfo);
  await page.goto(`${participants}?search=${encodeURIComponent(email)}`);
  await ready(page, testInfo);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row.getByText("Invited")).toBeVisible();
  await expect(row.getByText(/\(sent \w{3} \d+ \w{3} \d{4}\)/)).toBeVisible();
  await expect(row.getByRole("button", { name: `Resend invitation: ${name}` })).toBeVisible();
  await expectNoAxeViolations(page, testInfo);
  await lookAtBothWidths(page, testInfo, "participants-invited");
  // Resend: a second email, with a link of its own; both work until one is used.
  await row.getByRole("button", { name: `Resend invitation: ${name}` }).click();
  await expect(page.getByText(`An invitation is on its way to ${email}.`)).toBeVisible();
  await ready(page, testInfo);
  const resent = await mailTo(email, 2);
  expect(new Set(resent.map((m) => linkIn(m, "/welcome/"))).size).toBe(2);
  await page.goto(`${participants}?search=${encodeURIComponent(email)}`);
  await ready(page, testInfo);

  expect(invitation.subject).toBe("You are invited to Leadership Mentoring 2026");
  expect(invitation.text).toContain("invited you to take part in Leadership Mentoring 2026 as a mentee.");
  expect(invitation.html).toContain(">Set your password</a>");
  const welcome = linkIn(invitation, "/welcome/");

  const invitee = await ownBrowser(browser, testInfo);
  await invitee.page.goto(welcome);
  await ready(invitee.page, testInfo);
  await expect(invitee.page.getByRole("heading", { level: 1, name: "Set your password" })).toBeVisible();
  await expect(invitee.page.getByText(`Welcome, ${name}.`)).toBeVisible();
  await expectNoAxeViolations(invitee.page, testInfo);
  await lookAtBothWidths(invitee.page, testInfo, "welcome");
  // A mistake is shown beside its field; nothing is set.
  await setPassword(invitee.page, "a long new password", "a long new passw0rd");
  await invitee.page.getByRole("button", { name: "Set your password" }).click();
  await expect(invitee.page.locator("#confirm-password-error")).toHaveText("This is not the same as the new password.");
  await expect(invitee.page.getByLabel("Repeat the new password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await lookAtBothWidths(invitee.page, testInfo, "welcome-error");
  await setPassword(invitee.page, "a long new password");
  await invitee.page.getByRole("button", { name: "Set your password" }).click();
  await expect(invitee.page).toHaveURL(/\/quickcliq$/);
  await expect(invitee.page.getByRole("heading", { level: 1, name: "QuickcliQ" })).toBeVisible();

  // The admin's list says Active now.
  await page.reload();
  await ready(page, testInfo);
  await expect(page.getByRole("row", { name: new RegExp(name) }).getByText("Active").first()).toBeVisible();
  await expect(page.getByRole("button", { name: `Resend invitation: ${name}` })).toHaveCount(0);

  // The link worked once; opened again it says so and sends a new link on request.
  const stranger = await ownBrowser(browser, testInfo);
  await stranger.page.goto(welcome);
  await ready(stranger.page, testInfo);
  await expect(stranger.page.getByText("This invitation link has been used already: each link works once.")).toBeVisible();
  await expectNoAxeViolations(stranger.page, testInfo);
  await stranger.page.getByRole("button", { name: "Send me a new link" }).click();
  await expect(stranger.page.getByText("We have sent a new link to the address this one went to.")).toBeVisible();
  await lookAtBothWidths(stranger.page, testInfo, "welcome-used");
  const mails = await mailTo(email, 3);
  expect(mails.some((m) => m.text.includes("/reset-password/"))).toBeTruthy();
  // A forged link says it is not valid, and offers nothing to send.
  await stranger.page.goto(`/welcome/${"0f".repeat(32)}`);
  await expect(stranger.page.getByText("This link is not valid.")).toBeVisible();
  await expect(stranger.page.getByRole("button", { name: "Send me a new link" })).toHaveCount(0);
  await stranger.context.close();
  await invitee.context.close();
});

test("forgot password: one answer for every address; the emailed link sets a new password and ends the other sessions", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(90_000);
  // A fresh account (the demo accounts keep their password for the other tests).
  const email = unique(testInfo, "forgetful");
  const name = `Forgetful ${testInfo.project.name}`;
  await signIn(page, testInfo, "admin@example.com", DEMO_PASSWORD);
  await page.goto("/admin/users");
  await ready(page, testInfo);
  const create = page.getByRole("region", { name: "Create a user" });
  await create.getByLabel("Email").fill(email);
  await create.getByLabel("Name").fill(name);
  await create.getByRole("button", { name: "Create user" }).click();
  await expect(create.getByText(`An invitation is on its way to ${email}.`)).toBeVisible();
  await ready(page, testInfo);
  // Emptied for the next person.
  await expect(create.getByLabel("Email")).toHaveValue("");
  await expect(create.getByLabel("Name")).toHaveValue("");
  await expect(page.getByRole("row", { name: new RegExp(name) }).getByText("Invited")).toBeVisible();
  await lookAtBothWidths(page, testInfo, "users-invited");
  const [invitation] = await mailTo(email);
  const first = await ownBrowser(browser, testInfo);
  await first.page.goto(linkIn(invitation, "/welcome/"));
  await setPassword(first.page, "the first password");
  await first.page.getByRole("button", { name: "Set your password" }).click();
  await expect(first.page).toHaveURL(/\/quickcliq$/);

  // Another browser: Forgot your password? from the sign-in page.
  const second = await ownBrowser(browser, testInfo);
  await second.page.goto("/sign-in");
  await ready(second.page, testInfo);
  await second.page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(second.page.getByRole("heading", { level: 1, name: "Forgot your password?" })).toBeVisible();
  await expectNoAxeViolations(second.page, testInfo);
  const answer = "If an account exists for that address, we have sent it a link.";
  const unknown = unique(testInfo, "nobody");
  for (const address of [unknown, email]) {
    await second.page.getByLabel("Email").fill(address);
    await second.page.getByRole("button", { name: "Send me a link" }).click();
    await expect(second.page.getByRole("status")).toHaveText(answer);
  }
  await lookAtBothWidths(second.page, testInfo, "forgot-password");
  const mails = await mailTo(email, 2);
  const reset = mails.find((m) => m.text.includes("/reset-password/"));
  expect(reset?.subject).toBe("Choose a new Mentoring Milestones password");
  expect((await allMail()).filter((m) => m.to.some((t) => t.address === unknown))).toHaveLength(0);

  await second.page.goto(linkIn(reset!, "/reset-password/"));
  await ready(second.page, testInfo);
  await expect(second.page.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
  await expectNoAxeViolations(second.page, testInfo);
  await lookAtBothWidths(second.page, testInfo, "reset-password");
  await setPassword(second.page, "the second password");
  await second.page.getByRole("button", { name: "Set the new password" }).click();
  await expect(second.page).toHaveURL(/\/quickcliq$/);
  // The first browser's session has ended; the new password is the one that works.
  await first.page.goto("/quickcliq");
  await expect(first.page).toHaveURL(/\/sign-in\?next=/);
  await signIn(first.page, testInfo, email, "the second password");
  await expect(first.page).toHaveURL(/\/quickcliq$/);
  await first.context.close();
  await second.context.close();
});

test("a CSV of new people previews them as created and invited; confirming sends each an invitation", async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  const first = unique(testInfo, "imported-a");
  const second = unique(testInfo, "imported-b");
  await signIn(page, testInfo, "admin@example.com", DEMO_PASSWORD);
  const panel = new URL(page.url()).pathname;
  await page.goto(`${panel}/import`);
  await ready(page, testInfo);
  await page.getByLabel("Participants").check();
  await page
    .getByLabel("CSV text")
    .fill(`email,name,role\n${first},Ana Imported,mentee\n${second},Ben Imported,mentor\nmentor2@example.com,,mentor\n`);
  await page.getByRole("button", { name: "Preview import" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Import preview: Participants" })).toBeVisible();
  await ready(page, testInfo);
  const row = page.getByRole("row", { name: new RegExp(first) });
  await expect(row).toContainText("Will be created and invited");
  await expect(row).toContainText("Create an account for Ana Imported, invite them and enrol them as a mentee.");
  await expect(page.getByText("3 rows: 2 to create (2 new people, created and invited), 1 already there, 0 rejected.")).toBeVisible();
  await expectNoAxeViolations(page, testInfo);
  await lookAtBothWidths(page, testInfo, "import-preview-invite");
  await page.getByRole("button", { name: /Confirm import/ }).click();
  await expect(page.locator(".success").first()).toContainText("Imported: 2 created and invited, 1 already there");
  // Each new person has their invitation; one follows it in.
  const [ana] = await mailTo(first);
  await mailTo(second);
  expect(ana.text).toContain("invited you to take part in Leadership Mentoring 2026 as a mentee.");
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: isHydratedProject(testInfo) });
  const theirs = await context.newPage();
  await theirs.goto(linkIn(ana, "/welcome/"));
  await setPassword(theirs, "ana's long password");
  await theirs.getByRole("button", { name: "Set your password" }).click();
  await expect(theirs).toHaveURL(/\/quickcliq$/);
  await context.close();
});
