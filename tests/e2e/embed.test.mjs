// End-to-end tests of the embeddable widget (issues 5 and 10): a host page on another origin
// (another port) with a strict CSP holds widgets made by dist/embed.js; the app is served with the
// CSP that docs/embedding.md documents.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, serve, watchErrors, ARTIFACTS, DIST, ROOT } from "./helpers.mjs";
import { appCsp, embedState, cardScheme, waitScheme } from "./docsites-lib.mjs";

let browser, app, host;

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

const HOST_CSS = `body{font-family:sans-serif;max-width:760px;margin:1rem auto}.themed{--lora-vram-font:Georgia,serif}
#v1{--lora-vram-bg:url(v.png)}
.w{margin:0 0 12px}${[460, 480, 500, 640, 680, 720, 780].map((w) => `#width-${w}{width:${w}px}`).join("")}`;

// Theming values that would load something (issue 10, item 10), each beside a harmless one.
const SECURITY_WIDGETS = `
<div id="s1" data-lora-vram data-bg="url(x.png)" data-accent="url(y.png)" data-radius="calc(1px + 2px)"
     data-font="x, url(z.woff)" data-controls="method" data-lang="en" data-theme="light"></div>
<div id="v1" data-lora-vram data-controls="method" data-lang="en" data-theme="light"></div>
<div id="s2" data-lora-vram data-bg="rgb(250 245 235)" data-accent="rebeccapurple" data-radius=".5rem"
     data-font='"Source Serif 4", Georgia, serif' data-controls="method" data-lang="en" data-theme="light"></div>`;

// The VitePress example of the old guide (issue 10, item 11): not a preset id.
const UNKNOWN_MODEL = `
<div id="u1" data-lora-vram data-model="mistralai/Mistral-7B-v0.1" data-method="qlora" data-seq-len="8192"
     data-title="Mistral" data-lang="en" data-theme="light"></div>
<div id="u2" data-lora-vram data-model="mistralai/Mistral-7B-v0.3" data-lang="en" data-theme="light"></div>`;

const THEME_WIDGETS = `
<div id="t1" data-lora-vram data-lang="en" data-theme="auto" data-controls="method"></div>
<div id="t2" data-lora-vram data-lang="en" data-theme="light" data-controls="method"></div>`;

// Card widths where the slider used to shrink to its knob (680–780, 460–500) or the method wrapped (640).
const WIDTHS = [460, 480, 500, 640, 680, 720, 780];
const widthWidget = (w) => `<div class="w" id="width-${w}" data-lora-vram data-model="meta-llama/Llama-3.1-8B"
  data-method="qlora" data-lang="en" data-theme="light"></div>`;

before(async () => {
  app = await serve(DIST, { headers: (path) => (path.endsWith(".html") ? { "content-security-policy": appCsp() } : {}) });
  const strict = (extra = "") => ({
    "content-security-policy": `default-src 'none'; script-src ${app.origin}; frame-src ${app.origin}; style-src 'self'${extra}`,
  });
  host = await serve(DIST, {
    routes: {
      "/host.html": { body: hostPage(app.origin, TWO_WIDGETS), headers: strict() },
      "/fallback.html": { body: hostPage(app.origin.replace(/:\d+$/, ":9"), TWO_WIDGETS), headers: strict() },
      "/host.css": { body: HOST_CSS, type: "text/css" },
      "/security.html": { body: hostPage(app.origin, SECURITY_WIDGETS), headers: strict() },
      "/unknown.html": { body: hostPage(app.origin, UNKNOWN_MODEL), headers: strict() },
      "/theme.html": { body: hostPage(app.origin, THEME_WIDGETS), headers: strict() },
      "/widths.html": { body: hostPage(app.origin, WIDTHS.map(widthWidget).join("\n")), headers: strict() },
      "/spa.html": { body: hostPage(app.origin, `<main id="main"></main>`), headers: strict() },
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
  await handle.scrollIntoViewIfNeeded(); // iframes load lazily
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

// See: issue 10, item 10: the documented CSP had no connect-src for the Hub, so every import failed.
test("the app runs under the CSP docs/embedding.md documents, and imports from the Hub under it", async () => {
  const ctx = await browser.newContext();
  const hub = [];
  await ctx.route("https://huggingface.co/**", (route) => {
    hub.push(route.request().url());
    const url = route.request().url();
    const body = url.endsWith("/config.json")
      ? readFileSync(join(ROOT, "tests/fixtures/configs/Qwen__Qwen2.5-7B.json"), "utf8")
      : JSON.stringify({ id: "Qwen/Qwen2.5-7B", safetensors: { parameters: { BF16: 7615616512 }, total: 7615616512 } });
    return route.fulfill({ status: 200, contentType: "application/json", headers: { "access-control-allow-origin": "*" }, body });
  });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  // A fine-tune's id (a preset's id loads the preset without asking the Hub).
  await page.goto(app.url + "?hf=acme/qwen2.5-7b-sft&seq-len=4096");
  await page.waitForSelector("#total-amount");
  await page.waitForFunction(() => document.querySelector("#hf-status")?.textContent.includes("7.62 B parameters"), null, { timeout: 15000 });
  assert.ok(hub.length >= 1, "the import reached the (stubbed) Hub");
  // And a widget's data-hf, in the card.
  await page.goto(app.url + "embed/?embed=1&id=w&hf=acme/qwen2.5-7b-sft&lang=en");
  await page.waitForFunction(() => document.querySelector(".embed-head")?.textContent.includes("acme/qwen2.5-7b-sft"), null, { timeout: 15000 });
  assert.deepEqual(errors, [], "no CSP violation, no error");
  await ctx.close();
});

// See: issue 10, item 10: `data-bg="url(x.png)"` made the card fetch /x.png.
test("theming values that could load a resource are refused; colours, fonts and lengths are applied", async () => {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 1400 } });
  const fetched = [];
  ctx.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin + "/security.html");
  const vars = async (id) => {
    const { frame } = await widget(page, id);
    return frame.evaluate(() => {
      const s = getComputedStyle(document.documentElement);
      return Object.fromEntries(["--card", "--accent", "--radius", "--font"].map((v) => [v, s.getPropertyValue(v).trim()]));
    });
  };
  const bad = await vars("s1");
  const fromCss = await vars("v1");
  const good = await vars("s2");
  for (const v of [bad, fromCss]) {
    for (const [k, value] of Object.entries(v)) assert.doesNotMatch(value, /url|calc/, `${k}: ${value}`);
  }
  assert.equal(good["--card"], "rgb(250 245 235)");
  assert.equal(good["--accent"], "rebeccapurple");
  assert.equal(good["--radius"], ".5rem");
  assert.match(good["--font"], /Source Serif 4/);
  // Let anything the bad values could have started arrive.
  await page.waitForLoadState("networkidle");
  assert.deepEqual(fetched.filter((p) => /\/(x|y|v)\.png$|\/z\.woff$/.test(p)), [], "nothing fetched for a theming value");
  await page.screenshot({ path: join(ARTIFACTS, "embed-theming.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await ctx.close();
});

// See: issue 10, item 11, "Unknown models": the card quietly showed Llama 3.1 8B.
test("an unknown data-model is a visible, readable notice in the card", async () => {
  const { ctx, page, errors } = await openHost("/unknown.html");
  const { handle, frame } = await widget(page, "u1");
  const notice = frame.locator(".embed-notice");
  await notice.waitFor();
  const text = await notice.textContent();
  assert.match(text, /data-model/);
  assert.match(text, /mistralai\/Mistral-7B-v0\.1/);
  assert.equal(await frame.locator(".embed-notice li").count(), 1, "only the model: data-title and the page's own keys are not scenario fields");
  // Readable: inside the iframe's visible height, a normal size, and contrast of at least 4.5:1.
  const { outer } = await heightsMatch(page, handle, frame);
  const box = await notice.boundingBox();
  const style = await notice.evaluate((el) => {
    const rgb = (c) => c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05;
    };
    const s = getComputedStyle(el);
    const [a, b] = [lum(s.color), lum(s.backgroundColor)];
    return { size: parseFloat(s.fontSize), contrast: Math.max(a, b) / Math.min(a, b) };
  });
  assert.ok(box.height > 20 && box.y + box.height <= outer, `notice at ${box.y}+${box.height} in a ${outer}px iframe`);
  assert.ok(style.size >= 12, `font-size ${style.size}px`);
  assert.ok(style.contrast >= 4.5, `contrast ${style.contrast.toFixed(2)}:1`);
  await page.locator("#u1").screenshot({ path: join(ARTIFACTS, "embed-unknown-model.png") });
  // A preset id gives no notice.
  const ok = await widget(page, "u2");
  assert.equal(await ok.frame.locator(".embed-notice").count(), 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

// See: issue 10, item 11, "Dark mode": data-theme="auto" followed only the OS.
test("the card follows the host page's theme, and the host can set it afterwards", async () => {
  const { ctx, page, errors } = await openHost("/theme.html");
  const auto = (await widget(page, "t1")).frame;
  const fixed = (await widget(page, "t2")).frame;
  const onHost = (f) => page.evaluate(f);
  const expect = async (want, why, frame = auto) => assert.equal(await waitScheme(frame, want), want, why);
  await expect("light", "no host theme, a light OS");
  await onHost(() => (document.documentElement.dataset.theme = "dark"));
  await expect("dark", "Docusaurus: <html data-theme=dark>");
  assert.equal(await cardScheme(fixed), "light", "data-theme=light fixes the card");
  await onHost(() => delete document.documentElement.dataset.theme);
  await onHost(() => document.documentElement.classList.add("dark"));
  await expect("dark", "VitePress: <html class=dark>");
  await page.locator("#t1").screenshot({ path: join(ARTIFACTS, "embed-theme-host-dark.png") });
  await onHost(() => document.documentElement.classList.remove("dark"));
  await expect("light", "VitePress: the class removed");
  await onHost(() => (document.body.dataset.mdColorScheme = "slate"));
  await expect("dark", "MkDocs Material: <body data-md-color-scheme=slate>");
  await onHost(() => (document.body.dataset.mdColorScheme = "default"));
  await expect("light", "MkDocs Material: default");
  // The host's own choices: a message to its window, and the element's attribute.
  await onHost(() => window.postMessage({ type: "lora-vram:theme", theme: "dark" }, location.origin));
  await expect("dark", "posted dark");
  await expect("light", "a posted theme leaves a fixed card alone", fixed);
  await onHost(() => window.postMessage({ type: "lora-vram:theme", theme: "auto" }, location.origin));
  await expect("light", "posted auto: back to the host's attributes");
  await onHost(() => (document.getElementById("t2").dataset.theme = "dark"));
  await expect("dark", "data-theme changed on the element", fixed);
  // Only the parent may set a card's theme: another card (same app origin, another window) can't.
  await fixed.evaluate(() => parent.frames[0].postMessage("lora-vram:theme:dark", "*"));
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
  assert.equal(await cardScheme(auto), "light", "a sibling frame's theme message is ignored");
  assert.deepEqual(errors, []);
  await ctx.close();

  // A dark OS: the host's light theme wins; with no host theme the OS does.
  const dark = await browser.newContext({ colorScheme: "dark" });
  const p2 = await dark.newPage();
  await p2.goto(host.origin + "/theme.html");
  const f2 = (await widget(p2, "t1")).frame;
  assert.equal(await waitScheme(f2, "dark"), "dark", "no host theme: the OS");
  await p2.evaluate(() => (document.documentElement.dataset.theme = "light"));
  assert.equal(await waitScheme(f2, "light"), "light", "the host's light theme over a dark OS");
  await dark.close();
});

// See: issue 10, item 11, "Width": the slider shrank to its knob at 680–780 and 460–500 px, and
// the method control wrapped at about 640 px.
test("at every card width the slider keeps a usable track and the method stays on one line", async () => {
  const { ctx, page, errors } = await openHost("/widths.html", { width: 1000, height: 1200 });
  for (const w of WIDTHS) {
    const { frame } = await widget(page, `width-${w}`);
    const m = await frame.evaluate(() => {
      const card = document.querySelector(".embed-card");
      const seg = document.querySelector(".embed-controls .seg");
      const item = seg.querySelector(".seg-item");
      return {
        card: card.getBoundingClientRect().width,
        track: document.querySelector("#c-seq-len").getBoundingClientRect().width,
        segLines: Math.round(seg.getBoundingClientRect().height / item.getBoundingClientRect().height),
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    assert.equal(Math.round(m.card), w, "the card is as wide as its element");
    assert.ok(m.track >= 120, `${w}px: slider track ${m.track}px`);
    assert.equal(m.segLines, 1, `${w}px: the method control wraps`);
    assert.ok(m.overflow <= 0, `${w}px: ${m.overflow}px overflow`);
    await page.locator(`#width-${w}`).screenshot({ path: join(ARTIFACTS, `embed-width-${w}.png`) });
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});

// See: issue 10, item 11, "Client-side navigation": 15 listeners after 12 navigations.
test("client-side navigation: widgets appear once each, with one script run's listener", async () => {
  const { ctx, page, errors } = await openHost("/spa.html");
  // A router swapping pages, the way the old recipes did it: the script injected again each time.
  const navigate = (i, reinject) =>
    page.evaluate(
      ({ i, reinject, src }) => {
        document.getElementById("main").innerHTML = i % 2
          ? "<p>No widget on this page.</p>"
          : `<div class="w" data-lora-vram data-seq-len="${1024 * (i + 2)}" data-lang="en" data-theme="light"><a href="#">fallback</a></div>`;
        if (reinject) {
          const s = document.createElement("script");
          s.src = src;
          document.body.appendChild(s);
        }
      },
      { i, reinject, src: app.origin + "/embed.js" },
    );
  for (let i = 0; i <= 12; i++) {
    await navigate(i, true);
    if (i % 2 === 0) await widget(page, "main .w");
  }
  let state = await embedState(page);
  assert.equal(state.listeners, 1, "one message listener, however often the script runs");
  assert.deepEqual(state.iframesPerWidget, [1]);
  // The documented way: the script once; new widgets are found by themselves.
  for (let i = 13; i <= 18; i++) {
    await navigate(i, false);
    if (i % 2 === 0) await widget(page, "main .w");
  }
  state = await embedState(page);
  assert.deepEqual({ listeners: state.listeners, iframesPerWidget: state.iframesPerWidget }, { listeners: 1, iframesPerWidget: [1] });
  // Its one global re-scans on demand, and builds nothing twice.
  await page.evaluate(() => window.loraVram.scan());
  assert.deepEqual((await embedState(page)).iframesPerWidget, [1]);
  const { frame } = await widget(page, "main .w");
  assert.equal(await frame.inputValue("#c-seq-len-num"), String(1024 * 20));
  assert.deepEqual(errors, []);
  await ctx.close();
});
