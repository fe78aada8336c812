import { expect, type Page, test, type TestInfo } from "@playwright/test";
import { expectNoAxeViolations, isHydratedProject, ready, saveScreenshot, signInAsAdmin } from "./support";

const ZONE = "America/New_York";

/** A calendar date in the demo program's time zone, `days` from today, as YYYY-MM-DD. */
function programDate(days: number) {
  const instant = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(instant);
}

/** Names and emails no other test (or project) uses. */
function unique(testInfo: TestInfo, what: string) {
  return `${what}-${testInfo.project.name}-${Date.now().toString(36)}`;
}



test("an admin enrols people, matches them and publishes the match on an earlier day", async ({ page }, testInfo) => {
  const mentorName = `Quinn ${unique(testInfo, "mentor")}`;
  const menteeName = `Riley ${unique(testInfo, "mentee")}`;
  const mentorEmail = `${unique(testInfo, "quinn")}@example.com`;
  const menteeEmail = `${unique(testInfo, "riley")}@example.com`;
  await signInAsAdmin(page, testInfo);
  await expect(page.getByRole("link", { name: "Update Program Milestones" }).first()).toBeVisible();
  await saveScreenshot(page, testInfo, "program-admin-panel");
  await expectNoAxeViolations(page, testInfo);

  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Participants" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Participants" })).toBeVisible();
  await ready(page, testInfo);
  const enrol = page.getByRole("region", { name: "Enrol a participant" });
  for (const [name, email, role] of [
    [mentorName, mentorEmail, "mentor"],
    [menteeName, menteeEmail, "mentee"],
  ]) {
    await enrol.getByLabel("Email", { exact: true }).fill(email);
    await enrol.getByLabel("Role", { exact: true }).selectOption(role);
    await enrol.getByLabel("Name", { exact: true }).fill(name);
    await enrol.getByRole("button", { name: "Enrol" }).click();
    await expect(page.getByText(`Enrolled ${name} as a ${role}. An invitation is on its way to ${email}.`)).toBeVisible();
    await ready(page, testInfo);
  }
  // Enrolling the same person again is refused with the reason.
  await enrol.getByLabel("Email", { exact: true }).fill(mentorEmail);
  await enrol.getByLabel("Role", { exact: true }).selectOption("mentor");
  await enrol.getByRole("button", { name: "Enrol" }).click();
  await expect(page.locator(".form-error")).toContainText(`${mentorName} is already enrolled as a mentor.`);
  await ready(page, testInfo);
  await page.getByLabel("Name or email").fill(mentorEmail);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("row", { name: new RegExp(mentorName) })).toBeVisible();
  await expect(page.getByText("1 enrollment")).toBeVisible();
  await saveScreenshot(page, testInfo, "participants");
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);

  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Matches" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Matches" })).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel("Mentor", { exact: true }).selectOption({ label: `${mentorName} (${mentorEmail})` });
  await page.getByLabel("Mentee", { exact: true }).selectOption({ label: `${menteeName} (${menteeEmail})` });
  await page.getByRole("button", { name: "Create match" }).click();
  await expect(page.getByText("Created a pending match.")).toBeVisible();
  await ready(page, testInfo);
  const pair = `${mentorName} with ${menteeName}`;
  const row = page.getByRole("row", { name: new RegExp(mentorName) });
  await expect(row).toContainText("Pending");

  const earlier = programDate(-20);
  await page.getByRole("checkbox", { name: `Select ${pair}` }).check();
  await page.getByLabel("Publish date").fill(earlier);
  await page.getByRole("button", { name: "Publish selected" }).click();
  await expect(page.getByText(`Published 1 match on ${earlier}.`)).toBeVisible();
  await ready(page, testInfo);
  await expect(row).toContainText("Published");
  await expect(row.locator(`time[datetime="${earlier}"]`)).toBeVisible();

  // The list filters by state and still shows the match with its date.
  await page.getByLabel("State").selectOption("published");
  await page.getByLabel("Sort by").selectOption("published");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/state=published/);
  await expect(row.locator(`time[datetime="${earlier}"]`)).toBeVisible();
  await saveScreenshot(page, testInfo, "matches");
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);

  // Retiring someone with a published match is refused, and the page says why.
  await page.goto(`${new URL(page.url()).pathname.replace(/matches$/, "participants")}?search=${encodeURIComponent(mentorEmail)}`);
  await ready(page, testInfo);
  await page.getByRole("button", { name: `Retire ${mentorName} as mentor` }).click();
  await expect(page.getByText(`${mentorName} can't be retired while matched: 1 published match.`, { exact: false })).toBeVisible();
  await ready(page, testInfo);

  // Ending the match asks first, then closes it on today's date.
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Matches" }).click();
  await ready(page, testInfo);
  await page.getByRole("link", { name: `End the match of ${pair}` }).click();
  await expect(page.getByRole("heading", { level: 2, name: `End the match of ${pair}?` })).toBeVisible();
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);
  await page.getByRole("button", { name: "End match", exact: true }).click();
  await expect(page.getByText(/^Ended the match on \d{4}-\d{2}-\d{2}\./)).toBeVisible();
  await ready(page, testInfo);
  const endedRow = page.getByRole("row", { name: new RegExp(mentorName) });
  await expect(endedRow).toContainText("Ended");
  await expect(endedRow.locator(`time[datetime="${programDate(0)}"]`)).toBeVisible();
  await saveScreenshot(page, testInfo, "match-ended");

  // A pending match made by mistake is removed, and leaves the list at once (hydrated, the list
  // reloads after the action; without JavaScript, the page comes back without it).
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Matches" }).click();
  await ready(page, testInfo);
  await page.getByLabel("Mentor", { exact: true }).selectOption({ label: `${mentorName} (${mentorEmail})` });
  await page.getByLabel("Mentee", { exact: true }).selectOption({ label: `${menteeName} (${menteeEmail})` });
  await page.getByRole("button", { name: "Create match" }).click();
  await expect(page.getByText("Created a pending match.")).toBeVisible();
  await ready(page, testInfo);
  const removeButton = page.getByRole("button", { name: `Remove the pending match of ${pair}` });
  await expect(removeButton).toHaveCount(1);
  await removeButton.click();
  await expect(page.getByText(`Removed the pending match of ${mentorName} with ${menteeName}.`)).toBeVisible();
  await ready(page, testInfo);
  await expect(removeButton).toHaveCount(0);
  await expect(page.getByRole("row", { name: new RegExp(mentorName) })).toHaveCount(1);
  await expect(page.getByRole("row", { name: new RegExp(mentorName) })).toContainText("Ended");

  // Now the mentor can be retired.
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Participants" }).click();
  await ready(page, testInfo);
  await page.getByRole("button", { name: `Retire ${mentorName} as mentor` }).click();
  await expect(page.getByText(`Retired ${mentorName} as a mentor.`)).toBeVisible();
});

test("a CSV import previews each row, rejects a bad one with its reason, and imports only when clean", async ({ page }, testInfo) => {
  const stranger = `${unique(testInfo, "nobody")}@example.com`;
  await signInAsAdmin(page, testInfo);
  await page.getByRole("navigation", { name: /areas/ }).getByRole("link", { name: "Import CSV" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Import CSV" })).toBeVisible();
  await ready(page, testInfo);
  await saveScreenshot(page, testInfo, "import-form");
  await expectNoAxeViolations(page, testInfo);

  await page.getByLabel("Participants").check();
  await page
    .getByLabel("CSV text")
    .fill(`email,role\nmentor2@example.com,mentor\n${stranger},mentee\nmentee3@example.com,mentee\n`);
  await page.getByRole("button", { name: "Preview import" }).click();
  await expect(page).toHaveURL(/\/import\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Import preview: Participants" })).toBeVisible();
  await ready(page, testInfo);
  const bad = page.getByRole("row", { name: new RegExp(stranger) });
  await expect(bad).toContainText("Rejected");
  await expect(bad).toContainText(`Unknown email: no account has ${stranger}.`);
  await expect(page.getByRole("row", { name: /mentor2@example.com/ })).toContainText("Already there");
  await expect(page.getByText("3 rows: 0 to create, 2 already there, 1 rejected.")).toBeVisible();
  await expect(page.getByRole("button", { name: /Confirm import/ })).toHaveCount(0);
  await saveScreenshot(page, testInfo, "import-preview-rejected");
  await expectNoAxeViolations(page, testInfo);

  // A clean matches file: previewed, confirmed, then the same file again creates nothing.
  const earlier = programDate(-3);
  const csv = `mentor_email,mentee_email,publish_date\nmentor3@example.com,mentee2@example.com,${earlier}\n`;
  await page.getByRole("link", { name: "Import another file" }).click();
  await ready(page, testInfo);
  await page.getByLabel("Matches").check();
  if (isHydratedProject(testInfo)) {
    // Once interactive, a chosen file fills the text box.
    await page.getByLabel("CSV file").setInputFiles({ name: "cohort.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(page.getByLabel("CSV text")).toHaveValue(csv);
  } else {
    await expect(page.getByLabel("CSV file")).toHaveCount(0);
    await page.getByLabel("CSV text").fill(csv);
  }
  await page.getByRole("button", { name: "Preview import" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Import preview: Matches" })).toBeVisible();
  await ready(page, testInfo);
  // The projects share one server: the first to run creates the match, the other finds it.
  const confirm = page.getByRole("button", { name: /Confirm import/ });
  await expect(confirm).toBeVisible();
  const expectCreate = (await page.getByText("1 to create").count()) > 0;
  await confirm.click();
  await expect(page.locator(".success").first()).toContainText(
    expectCreate ? "Imported: 1 match created." : "Imported: 1 already there",
  );
  await ready(page, testInfo);
  await expect(page.getByRole("button", { name: /Confirm import/ })).toHaveCount(0);
  await saveScreenshot(page, testInfo, "import-confirmed");

  await page.getByRole("link", { name: "Import another file" }).click();
  await ready(page, testInfo);
  await page.getByLabel("Matches").check();
  await page.getByLabel("CSV text").fill(csv);
  await page.getByRole("button", { name: "Preview import" }).click();
  await expect(page.getByText("1 rows: 0 to create, 1 already there, 0 rejected.")).toBeVisible();
});

test("a site admin creates a program, with the time zone checked next to its field", async ({ page }, testInfo) => {
  const name = `Cohort ${unique(testInfo, "program")}`;
  await signInAsAdmin(page, testInfo);
  await page.goto("/programs");
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Create a program" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create a program" })).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel("Program name").fill(name);
  await page.getByLabel("Description").fill("Engineers mentoring engineers.");
  await page.getByLabel("Time zone").fill("Mars/Olympus_Mons");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#program-time-zone-error")).toContainText("is not a time zone we know");
  await expect(page.getByLabel("Time zone")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Program name")).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Program name")).toHaveValue(name);
  await saveScreenshot(page, testInfo, "program-form-error");
  await ready(page, testInfo);
  await expectNoAxeViolations(page, testInfo);
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByText(`Created the program ${name}.`)).toBeVisible();
  await expect(page.getByText("Today in Europe/Berlin")).toBeVisible();
});
