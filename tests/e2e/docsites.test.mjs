// The widget inside real documentation sites (issue 10, item 11): MkDocs Material, VitePress and
// Docusaurus sites built from tests/docsites/ with docs/embedding.md's recipes, served here, with
// the calculator (dist/) at https://lora-vram.test by route interception. For each: the widget
// renders once, nothing logs an error (React's #418 included), the site's own theme switch
// recolours the card, and client-side navigation adds no script, listener or iframe.
// scripts/test-docsites installs the generators and builds the sites, then runs this file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, watchErrors, ARTIFACTS, ROOT } from "./helpers.mjs";
import { APP_ORIGIN, PLACEHOLDER, guideBlocks, routeHosts, embedState, cardScheme, waitScheme } from "./docsites-lib.mjs";

const SITES = ROOT + "/tests/docsites";
/** Where the sites are served (their configs name it: Material's instant navigation needs it). */
const DOCS_ORIGIN = "https://docs.test";

/** Each site: where its build lands, how to read its own theme, and how to flip it. */
const GENERATORS = [
  {
    name: "mkdocs",
    out: "mkdocs/site",
    hostScheme: () => (document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "light"),
    toggle: (page) => page.locator('label.md-header__button[title^="Switch to"]:visible').click(),
  },
  {
    name: "vitepress",
    out: "vitepress/docs/.vitepress/dist",
    hostScheme: () => (document.documentElement.classList.contains("dark") ? "dark" : "light"),
    toggle: (page) => page.locator(".VPNavBar button.VPSwitchAppearance:visible").click(),
  },
  {
    name: "docusaurus",
    out: "docusaurus/build",
    hostScheme: () => document.documentElement.getAttribute("data-theme"),
    toggle: (page) => page.getByRole("button", { name: /dark and light mode/ }).click(),
  },
];

/** The widget's card once it has rendered and embed.js has sized its iframe (so that nothing below it moves). */
async function card(page) {
  const frame = await (await page.waitForSelector("[data-lora-vram] iframe")).contentFrame();
  await frame.waitForSelector("#total-amount", { timeout: 30000 });
  const h = await frame.evaluate(() => Math.ceil(document.querySelector(".embed-card").getBoundingClientRect().height));
  await page.waitForFunction((h) => Math.abs(parseFloat(document.querySelector("[data-lora-vram] iframe").style.height) - h) <= 1, h);
  return frame;
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("the recipes in docs/embedding.md are the ones the test sites use", () => {
  // A block that starts with a comment naming a file is a recipe: its lines stand in that file.
  let checked = 0;
  for (const { text } of guideBlocks()) {
    const m = text.match(/^(?:\/\/|#) ([\w./-]+\.(?:js|ts|mts|yml))\b/);
    if (!m) continue;
    const files = [join(SITES, "mkdocs", m[1]), join(SITES, "docusaurus", m[1]), join(SITES, "vitepress/docs", m[1])].filter(existsSync);
    assert.equal(files.length, 1, `${m[1]}: no test site has it`);
    const body = text.split("\n").slice(1).join("\n").replaceAll(PLACEHOLDER, APP_ORIGIN + "/");
    assert.ok(readFileSync(files[0], "utf8").includes(body), `${files[0]} does not hold docs/embedding.md's block:\n${body}`);
    checked++;
  }
  assert.equal(checked, 4, "mkdocs.yml, the client module, docusaurus.config.js, the VitePress theme");
});

for (const g of GENERATORS) {
  const root = join(SITES, g.out);
  const built = existsSync(join(root, "index.html"));
  test(`${g.name}: one widget, no errors, it follows the site's theme, and navigation adds nothing`, { skip: !built && !process.env.CI && `${g.out} is not built: run scripts/test-docsites` }, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 1400 }, colorScheme: "light" });
    try {
      const { requests, stray } = await routeHosts(ctx, { [DOCS_ORIGIN]: root });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      const cards = () => requests.filter((u) => u.startsWith(APP_ORIGIN + "/embed/?")).length;
      await page.goto(DOCS_ORIGIN + "/");
      const frame = await card(page);
      assert.deepEqual(await embedState(page), { scripts: 1, listeners: 1, iframesPerWidget: [1] });
      assert.equal(cards(), 1, "the card loads once");
      assert.equal(await frame.locator(".embed-notice").count(), 0, "the documented model is a preset");

      // The site's own switch: the card follows both ways.
      assert.equal(await cardScheme(frame), await page.evaluate(g.hostScheme));
      await page.locator("[data-lora-vram]").screenshot({ path: join(ARTIFACTS, `docsite-${g.name}-light.png`) });
      for (const want of ["dark", "light"]) {
        for (let i = 0; i < 3 && (await page.evaluate(g.hostScheme)) !== want; i++) await g.toggle(page);
        assert.equal(await page.evaluate(g.hostScheme), want, "the site's switch");
        assert.equal(await waitScheme(frame, want), want, `the card after the site switched to ${want}`);
        if (want === "dark") await page.screenshot({ path: join(ARTIFACTS, `docsite-${g.name}-dark.png`) });
      }

      // Client-side navigation, away and back, six times.
      await page.evaluate(() => (window.__sameDocument = true));
      for (let i = 0; i < 6; i++) {
        await page.getByRole("link", { name: "other page", exact: true }).click();
        await page.waitForFunction(() => location.pathname.includes("other"));
        await page.getByRole("link", { name: "widget", exact: true }).click();
        await page.waitForFunction(() => !location.pathname.includes("other"));
        await card(page);
      }
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "navigation stayed client-side");
      assert.deepEqual(await embedState(page), { scripts: 1, listeners: 1, iframesPerWidget: [1] });
      assert.equal(cards(), 7, "one card load per visit");
      await page.screenshot({ path: join(ARTIFACTS, `docsite-${g.name}-after-navigation.png`) });
      assert.deepEqual(errors, [], "no console errors");
      assert.deepEqual(stray, [], "no request left the test hosts");
    } finally {
      await ctx.close();
    }
  });
}
