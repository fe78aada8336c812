import { defineConfig } from "@playwright/test";
import { serverBinary } from "./tests/binary";

// The server under test: the binary `cargo leptos build` made, on its own port, with a fresh
// SQLite database and the demo data. Set E2E_PORT to move it.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const profile = process.env.E2E_PROFILE ?? "debug";
// maildev (npm, 3.x): the SMTP server the app sends through in these tests, read back through
// its REST API. scripts/test.sh starts it; Playwright starts it when it is not running.
const maildevSmtpPort = Number(process.env.MAILDEV_SMTP_PORT ?? 1125);
const maildevApi = `http://127.0.0.1:${Number(process.env.MAILDEV_WEB_PORT ?? 1180)}`;
// A second app server for the identity-provider journeys (its own database and settings), and
// the provider itself: the npm package oidc-provider (end2end/oidc/provider.mjs).
export const oidcAppPort = Number(process.env.E2E_OIDC_APP_PORT ?? port + 1);
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? port + 2);

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  // One retry in CI, reported as "flaky" in the list: an intermittent empty server render (seen once in
  // about 150 runs, issue 14 closing note) must not hide a real failure, which fails twice.
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-js", use: { javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: `exec ./node_modules/.bin/maildev --smtp ${maildevSmtpPort} --web ${new URL(maildevApi).port} --ip 127.0.0.1 --web-ip 127.0.0.1`,
      url: `${maildevApi}/api/healthz`,
      reuseExistingServer: true,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: `rm -rf .run && mkdir -p .run && exec ${serverBinary(profile)}`,
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        DATABASE_URL: "sqlite:.run/e2e.db",
        CREATE_DATABASE: "true",
        DEMO: "true",
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_SITE_ROOT: "../target/site",
        RUST_LOG: "warn",
        PUBLIC_URL: baseURL,
        SMTP_URL: `smtp://127.0.0.1:${maildevSmtpPort}`,
        MAIL_FROM: "Mentoring Milestones <no-reply@milestones.test>",
        MAIL_POLL_MS: "300",
        // The journeys choose the day: `server send-reminders --as-of`.
        SCHEDULE_REMINDERS: "false",
      },
    },
    {
      command: "exec node oidc/provider.mjs",
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        OIDC_PORT: String(oidcPort),
        OIDC_APP_URL: `http://127.0.0.1:${oidcAppPort}`,
        OIDC_CLIENT_ID: "milestones-e2e",
        OIDC_CLIENT_SECRET: "e2e-secret",
      },
    },
    {
      command: `rm -rf .run-oidc && mkdir -p .run-oidc && exec ${serverBinary(profile)}`,
      url: `http://127.0.0.1:${oidcAppPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        DATABASE_URL: "sqlite:.run-oidc/e2e.db",
        CREATE_DATABASE: "true",
        DEMO: "true",
        LEPTOS_SITE_ADDR: `127.0.0.1:${oidcAppPort}`,
        LEPTOS_SITE_ROOT: "../target/site",
        RUST_LOG: "warn",
        PUBLIC_URL: `http://127.0.0.1:${oidcAppPort}`,
        SMTP_URL: `smtp://127.0.0.1:${maildevSmtpPort}`,
        MAIL_FROM: "Mentoring Milestones <no-reply@milestones.test>",
        MAIL_POLL_MS: "300",
        SCHEDULE_REMINDERS: "false",
        OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
        OIDC_CLIENT_ID: "milestones-e2e",
        OIDC_CLIENT_SECRET: "e2e-secret",
        OIDC_NAME: "Test Login",
        OIDC_ALLOWED_DOMAINS: "allowed.example",
      },
    },
  ],
});
