// End-to-end tests of the embeddable widget (issue 5): a host page on another origin (another
// port) with a strict CSP holds two widgets made by dist/embed.js.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { launch, serve, watchErrors, ARTIFACTS, DIST } from "./helpers.mjs";

let browser, app, host;

// The app's own CSP: 'wasm-unsafe-eval' for WebAssembly, and the hash of Trunk's inline loader.
function appCsp() {
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  const hashes = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)]
    .filter((m) => m[1].trim())
    .map((m) => `'sha256-${createHash("sha256").update(m[1]).digest("base64")}'`);
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval' ${hashes.join(" ")}; style-src 'self'; img-src 'self' data:; frame-ancestors *`;
}

function hostPage(appOrigin, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs page</title>
<link rel="stylesheet" href="/host.css"></head>
<body>
<h1>Fine-tuning guide</h1>
${body}
<script src="${appOrigin}/embed.js" defer></script>
</body></html>`;
}

const TWO_WIDGETS = `
<div id="w1" data-lora-vram data-model="meta-llama/Llama-3.1-8B" data-method="qlora" data-seq-len="4096"
     data-lang="en" data-theme="light" data-controls="seq-len,method">
  <a href="https://example.invalid/">Open the LoRA VRAM calculator</a></div>
<p>Some text between the widgets.</p>
<div id="w2" class="themed" data-lora-vram data-model="Qwen/Qwen2.5-7B" data-method="lora" data-seq-len="2048"
     data-lang="zh" data-theme="dark" data-gpus="rtx-4090,a100-80gb,h100-sxm" data-accent="#c2410c" data-radius="2px"
     data-controls="lora-rank,optimizer,batch-size,gradient-checkpointing">
  <a href="https://example.invalid/">Open the LoRA VRAM calculator</a></div>`;

before(async () => {
  app = await serve(DIST, { headers: (path) => (path.endsWith(".html") ? { "content-security-policy": appCsp() } : {}) });
  const strict = (extra = "") => ({
    "content-security-policy": `default-src 'none'; script-src ${app.origin}; frame-src ${app.origin}; style-src 'self'${extra}`,
  });
  host = await serve(DIST, {
    routes: {
      "/host.html": { body: hostPage(app.origin, TWO_WIDGETS), headers: strict() },
      "/fallback.html": { body: hostPage(app.origin.replace(/:\d+$/, ":9"), TWO_WIDGETS), headers: strict() },
      "/host.css": { body: "body{font-family:sans-serif;max-width:760px;margin:1rem auto}.themed{--lora-vram-font:Georgia,serif}", type: "text/css" },
    },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await app?.close();
  await host?.close();
});

async function openHost(path = "/host.html", viewport = { width: 900, height: 900 }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin + path);
  return { ctx, page, errors };
}

async function widget(page, id) {
  const handle = await page.waitForSelector(`#${id} iframe`);
  const frame = await handle.contentFrame();
  await frame.waitForSelector("#total-amount", { timeout: 30000 });
  return { handle, frame };
}

async function heightsMatch(page, handle, frame) {
  // The iframe's height follows the card's (posted by the app, applied by embed.js).
  for (let i = 0; i < 50; i++) {
    const outer = await handle.evaluate((f) => f.getBoundingClientRect().height);
    const inner = await frame.evaluate(() => Math.ceil(document.querySelector(".embed-card").getBoundingClientRect().height));
    if (Math.abs(outer - inner) <= 1) return { outer, inner };
    await page.waitForTimeout(50);
  }
  const outer = await handle.evaluate((f) => f.getBoundingClientRect().height);
  const inner = await frame.evaluate(() => Math.ceil(document.querySelector(".embed-card").getBoundingClientRect().height));
  return { outer, inner };
}

test("two widgets on a cross-origin host page with a strict CSP render their own scenarios", async () => {
  const { ctx, page, errors } = await openHost();
  const a = await widget(page, "w1");
  const b = await widget(page, "w2");
  assert.match(await a.frame.textContent(".embed-head"), /Llama 3\.1 8B · QLoRA/);
  assert.match(await b.frame.textContent(".embed-head"), /Qwen2\.5 7B · LoRA/);
  assert.equal(await b.frame.getAttribute("html", "lang"), "zh-CN");
  assert.equal(await b.frame.getAttribute("html", "data-theme"), "dark");
  assert.equal(await a.frame.locator(".embed-gpus li").count() >= 3, true, "popular GPUs by default");
  assert.deepEqual(await b.frame.$$eval(".embed-gpus li", (l) => l.map((x) => x.dataset.gpu)), ["rtx-4090", "a100-80gb", "h100-sxm"]);
  assert.equal(await a.frame.locator("#c-seq-len").count(), 1);
  assert.equal(await a.frame.locator("#c-optimizer").count(), 0, "only the controls asked for");
  assert.equal(await b.frame.locator("#c-optimizer").count(), 1);
  // Theming through data attributes and inherited CSS variables.
  assert.equal(await b.frame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim()), "#c2410c");
  assert.match(await b.frame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--font")), /Georgia/);
  // The fallback links are gone; the full-calculator link carries the scenario.
  assert.equal(await page.locator("#w1 > a").count(), 0);
  const href = await a.frame.getAttribute(".embed-open", "href");
  assert.ok(href.startsWith(app.origin) && href.includes("seq-len=4096"), href);
  for (const w of [a, b]) {
    const { outer, inner } = await heightsMatch(page, w.handle, w.frame);
    assert.ok(Math.abs(outer - inner) <= 1, `iframe ${outer}px vs content ${inner}px`);
  }
  await page.screenshot({ path: join(ARTIFACTS, "embed-host.png"), fullPage: true });
  assert.deepEqual(errors, [], "no console errors on the host page");
  await ctx.close();
});

test("changing an input inside a widget updates it and its height", async () => {
  const { ctx, page, errors } = await openHost();
  const { handle, frame } = await widget(page, "w1");
  const before = await frame.getAttribute(".total-value", "data-bytes");
  await frame.fill("#c-seq-len-num", "16384");
  await frame.waitForFunction((b) => document.querySelector(".total-value").dataset.bytes !== b, before);
  assert.ok(Number(await frame.getAttribute(".total-value", "data-bytes")) > Number(before));
  // A narrower host makes the card taller; the iframe follows.
  const h0 = (await heightsMatch(page, handle, frame)).outer;
  await page.setViewportSize({ width: 380, height: 900 });
  const { outer, inner } = await heightsMatch(page, handle, frame);
  assert.ok(Math.abs(outer - inner) <= 1 && outer > h0, `${h0} -> ${outer} (content ${inner})`);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("height messages from the wrong origin or the wrong window are ignored", async () => {
  const { ctx, page } = await openHost();
  const a = await widget(page, "w1");
  const b = await widget(page, "w2");
  await heightsMatch(page, a.handle, a.frame);
  const h = await a.handle.evaluate((f) => f.style.height);
  const id = await a.handle.evaluate((f) => new URL(f.src).searchParams.get("id"));
  // Wrong origin: the host page itself posts a well-formed message with widget 1's id.
  await page.evaluate((id) => window.postMessage({ type: "lora-vram:height", id, height: 5 }, "*"), id);
  // Right origin, wrong window: widget 2 claims to be widget 1.
  await b.frame.evaluate((id) => parent.postMessage({ type: "lora-vram:height", id, height: 7 }, "*"), id);
  // Malformed messages from the right window.
  await a.frame.evaluate(() => {
    parent.postMessage({ type: "lora-vram:height", id: "x", height: "100px" }, "*");
    parent.postMessage("lora-vram:height", "*");
    parent.postMessage({ type: "lora-vram:height", id: "x", height: 1e9 }, "*");
  });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
  assert.equal(await a.handle.evaluate((f) => f.style.height), h);
  await ctx.close();
});

test("when the script cannot load, the element keeps a readable fallback link", async () => {
  const { ctx, page } = await openHost("/fallback.html");
  await page.waitForLoadState("load");
  assert.equal(await page.locator("#w1 iframe").count(), 0);
  assert.match(await page.textContent("#w1 a"), /Open the LoRA VRAM calculator/);
  await ctx.close();
});

test("the app itself runs under a strict CSP with 'wasm-unsafe-eval'", async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(app.url + "?seq-len=4096");
  await page.waitForSelector("#total-amount");
  assert.deepEqual(errors, []);
  await ctx.close();
});
