// What the widget's end-to-end tests share (embed.test.mjs, docsites.test.mjs): the CSPs and
// recipes exactly as docs/embedding.md documents them, the built page served at a made-up
// calculator origin, and counts of what embed.js left in a host page.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { extname, join, normalize, sep } from "node:path";
import { DIST, ROOT } from "./helpers.mjs";

export const GUIDE = readFileSync(join(ROOT, "docs/embedding.md"), "utf8");
/** The placeholder the guide writes for wherever dist/ is hosted. */
export const PLACEHOLDER = "https://YOUR-HOST/PATH/";
/** The calculator's origin in the docs-site tests: served by route interception, never the network. */
export const APP_ORIGIN = "https://lora-vram.test";

/** The fenced code blocks of the guide: [{lang, text}]. */
export function guideBlocks() {
  return [...GUIDE.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2] }));
}

/** A `Content-Security-Policy:` block of the guide, as one header value, the first whose text has `marker`. */
function guideCsp(marker) {
  const block = guideBlocks().find((b) => b.text.startsWith("Content-Security-Policy:") && b.text.includes(marker));
  if (!block) throw new Error(`docs/embedding.md has no CSP block with ${marker}`);
  return block.text.replace(/^Content-Security-Policy:/, "").replace(/\s+/g, " ").trim();
}

/** The hashes of the inline scripts (Trunk's loaders) of the three pages, the calculator, the
 *  embed card and the export page, as CSP sources. */
function loaderHashes() {
  return ["index.html", "embed/index.html", "export/index.html"]
    .map((page) => readFileSync(join(DIST, page), "utf8"))
    .flatMap((html) => [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)])
    .filter((m) => m[1].trim())
    .map((m) => `'sha256-${createHash("sha256").update(m[1]).digest("base64")}'`)
    .join(" ");
}

/** The CSP the guide documents for the calculator's own origin, with this build's loader hash. */
export function appCsp() {
  return guideCsp("wasm-unsafe-eval").replace(/'sha256-<[^>]*>'/, loaderHashes());
}

/** The CSP the guide documents for a host page, with `origin` for YOUR-HOST. */
export function hostCsp(origin) {
  return guideCsp("frame-src").replaceAll("https://YOUR-HOST", origin);
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".xml": "application/xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/**
 * Serves made-up origins from folders in this browser context, by route interception: dist/ at
 * APP_ORIGIN with the guide's CSP on HTML, and each of `sites` ({origin: folder}). `requests`
 * records every URL asked of APP_ORIGIN; a request to any other origin is aborted and recorded
 * in `stray`.
 */
export async function routeHosts(ctx, sites = {}) {
  const requests = [];
  const stray = [];
  const csp = appCsp();
  const roots = { ...sites, [APP_ORIGIN]: DIST };
  await ctx.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    const root = roots[url.origin];
    if (!root) {
      stray.push(url.href);
      return route.abort();
    }
    if (url.origin === APP_ORIGIN) requests.push(url.href);
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) return route.fulfill({ status: 403 });
    try {
      const body = await readFile(file);
      const type = TYPES[extname(file)] || "application/octet-stream";
      const app = url.origin === APP_ORIGIN && type.startsWith("text/html");
      return route.fulfill({ status: 200, body, contentType: type, headers: app ? { "content-security-policy": csp } : {} });
    } catch {
      return route.fulfill({ status: 404, body: "not found" });
    }
  });
  return { requests, stray };
}

/** The page's `message` listeners that embed.js added, counted through the DevTools protocol. */
export async function embedListeners(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    // Which script added each listener: the debugger names every script the page has parsed.
    const urls = new Map();
    cdp.on("Debugger.scriptParsed", (e) => urls.set(e.scriptId, e.url));
    await cdp.send("Debugger.enable");
    const { result } = await cdp.send("Runtime.evaluate", { expression: "window" });
    const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: result.objectId });
    return listeners.filter((l) => l.type === "message" && /\/embed\.js(\?|$)/.test(urls.get(l.scriptId) ?? "")).length;
  } finally {
    await cdp.detach();
  }
}

/** What embed.js left: its script tags, its listeners, and the iframes in each widget element. */
export async function embedState(page) {
  const dom = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script[src*="embed.js"]').length,
    iframesPerWidget: [...document.querySelectorAll("[data-lora-vram]")].map((e) => e.querySelectorAll("iframe").length),
  }));
  return { ...dom, listeners: await embedListeners(page) };
}

/** The card's colour scheme, from its background's luminance: "dark" or "light". */
function schemeOf() {
  const [r, g, b] = getComputedStyle(document.querySelector(".embed-card")).backgroundColor.match(/\d+(\.\d+)?/g).map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light";
}

export const cardScheme = (frame) => frame.evaluate(schemeOf);

/** Waits (on the card's DOM) until it shows `scheme`; returns what it shows then. */
export async function waitScheme(frame, scheme, timeout = 5000) {
  await frame
    .waitForFunction(`(${schemeOf})() === ${JSON.stringify(scheme)}`, null, { timeout })
    .catch(() => {});
  return cardScheme(frame);
}
