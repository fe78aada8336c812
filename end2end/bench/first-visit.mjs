// First visits in Chromium: for each page, a fresh browser profile (nothing cached) opens it,
// waits until it is interactive (hydrated), and counts the bytes of WebAssembly and JavaScript
// that went over the network (encoded, as transferred); then opens it again in the same
// profile and counts again (a second visit should download no WebAssembly).
//
//   node bench/first-visit.mjs --base http://127.0.0.1:3000 [--budget 232000] [--baseline B] [--phone]
//
// --phone: 4x CPU slowdown and a 9 Mbit/s, 170 ms network; prints the time until the first
// "Mark … complete" button of the QuickcliQ is hydrated. --budget: exit status 1 when a
// participant page downloads more (wasm + JS, gzip or brotli as sent).
import { chromium } from "@playwright/test";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const base = option("base", "http://127.0.0.1:3000");
const budget = Number(option("budget", "0"));
// The bare Leptos app's wasm + JS (brotli), built beside the product: each page's ratio to it.
const baseline = Number(option("baseline", "0"));
const phone = args.includes("--phone");
const password = "mentoring-demo";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});

async function signedInContext(email) {
  const context = await browser.newContext({ baseURL: base, viewport: phone ? { width: 390, height: 844 } : undefined });
  if (email) {
    const answer = await context.request.post("/sign-in", {
      form: { email, password, next: "" },
      maxRedirects: 0,
    });
    if (answer.status() !== 303) throw new Error(`${email} could not sign in: ${answer.status()}`);
  }
  return context;
}

/** Opens `path` in `page`, counting transferred bytes by kind until the page is hydrated. */
async function visit(page, path, until) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  if (phone) {
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 170,
      downloadThroughput: (9_000_000 / 8) * 0.9,
      uploadThroughput: (9_000_000 / 8) * 0.9,
    });
  }
  const kinds = new Map();
  const bytes = { wasm: 0, js: 0, css: 0, html: 0, other: 0 };
  cdp.on("Network.responseReceived", (e) => {
    const url = e.response.url;
    const kind = /\.wasm(\?|$)/.test(url)
      ? "wasm"
      : /\.js(\?|$)/.test(url)
        ? "js"
        : /\.css(\?|$)/.test(url)
          ? "css"
          : e.type === "Document"
            ? "html"
            : "other";
    kinds.set(e.requestId, kind);
  });
  cdp.on("Network.loadingFinished", (e) => {
    const kind = kinds.get(e.requestId);
    if (kind) bytes[kind] += e.encodedDataLength;
  });
  const started = Date.now();
  await page.goto(path, { waitUntil: "commit" });
  await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 120_000 });
  if (until) await page.locator(until).first().waitFor({ state: "visible", timeout: 120_000 });
  const interactive = Date.now() - started;
  // Let late requests finish before counting.
  await page.waitForLoadState("networkidle");
  await cdp.detach();
  return { bytes, interactive };
}

const pages = [
  { group: "participant", path: "/sign-in", email: null },
  { group: "participant", path: "/quickcliq", email: "mentor3@example.com", until: 'button:has-text("Mark ")' },
  { group: "participant", path: "/profile", email: "mentor3@example.com" },
  { group: "participant", path: `/check-in/${"ab".repeat(32)}`, email: null },
  { group: "admin", path: "/programs/1", email: "admin@example.com" },
  { group: "admin", path: "/programs/1/milestones/new", email: "admin@example.com" },
  { group: "admin", path: "/programs/1/report", email: "admin@example.com" },
];

let over = false;
console.log(
  `${"group".padEnd(12)} ${"page".padEnd(28)} ${"wasm B".padStart(9)} ${"js B".padStart(8)} ${"wasm+js B".padStart(10)} ${"again wasm B".padStart(13)} ${"interactive ms".padStart(15)}${baseline > 0 ? " × bare".padStart(8) : ""}`,
);
for (const { group, path, email, until } of phone ? pages.filter((p) => p.until) : pages) {
  const context = await signedInContext(email);
  const page = await context.newPage();
  const first = await visit(page, path, until);
  const again = await visit(page, path, until);
  const total = first.bytes.wasm + first.bytes.js;
  const shown = path.length > 28 ? `${path.slice(0, 25)}...` : path;
  console.log(
    `${group.padEnd(12)} ${shown.padEnd(28)} ${String(first.bytes.wasm).padStart(9)} ${String(first.bytes.js).padStart(8)} ${String(total).padStart(10)} ${String(again.bytes.wasm).padStart(13)} ${String(first.interactive).padStart(15)}${baseline > 0 ? (total / baseline).toFixed(2).padStart(8) : ""}`,
  );
  if (budget > 0 && group === "participant" && total > budget) over = true;
  await context.close();
}
await browser.close();
if (budget > 0) {
  console.log(over ? `OVER BUDGET: a participant page downloads more than ${budget} bytes of wasm + JS` : `within budget (${budget} bytes of wasm + JS per participant page)`);
  process.exit(over ? 1 : 0);
}
