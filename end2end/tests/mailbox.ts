import { type APIRequestContext, expect, request } from "@playwright/test";

// maildev's REST API (started by scripts/test.sh or playwright.config.ts).
export const maildevApi = `http://127.0.0.1:${Number(process.env.MAILDEV_WEB_PORT ?? 1180)}`;

export type Mail = {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string; name?: string }[];
};

let api: APIRequestContext | undefined;

async function client(): Promise<APIRequestContext> {
  api ??= await request.newContext();
  return api;
}

/** Every email maildev holds. */
export async function allMail(): Promise<Mail[]> {
  const answer = await (await client()).get(`${maildevApi}/api/email`);
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()) as Mail[];
}

/** How many emails to `address` maildev holds now. */
export async function countMailTo(address: string): Promise<number> {
  return (await allMail()).filter((m) => m.to.some((t) => t.address === address)).length;
}

/** The emails to `address`, once there are `count` of them (the outbox worker sends them). */
export async function mailTo(address: string, count = 1): Promise<Mail[]> {
  let found: Mail[] = [];
  await expect
    .poll(
      async () => {
        found = (await allMail()).filter((m) => m.to.some((t) => t.address === address));
        return found.length;
      },
      { timeout: 20_000, intervals: [100] },
    )
    .toBeGreaterThanOrEqual(count);
  return found;
}

/** The site path of the first link in a text part whose path starts with `prefix`. */
export function linkIn(mail: Mail, prefix: string): string {
  const url = mail.text.split(/\s+/).find((word) => word.includes(prefix));
  expect(url, `a ${prefix} link in: ${mail.text}`).toBeTruthy();
  return new URL(url!).pathname;
}
