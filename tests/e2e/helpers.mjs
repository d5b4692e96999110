// Shared set-up for the end-to-end tests: Debian's Chromium through playwright-core, the built
// page served on 127.0.0.1, console-error collection, and the artifacts folder.
import { mkdirSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { before, after } from "node:test";
import { serve } from "./server.mjs";

const require = createRequire(import.meta.url);
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = process.env.LORA_VRAM_DIST || join(ROOT, "dist");
export const ARTIFACTS = join(ROOT, "tests/e2e/artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

export const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-sandbox",
];

export async function launch() {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`${DIST}/index.html is missing: run \`trunk build --release\` first (scripts/test-web does)`);
  }
  const { chromium } = require("playwright-core");
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

export { serve };

/** Collects console errors and uncaught exceptions of a page (and its frames). */
export function watchErrors(page) {
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Waits until the app has rendered a result. */
export async function ready(page) {
  await page.waitForSelector("#total-amount", { timeout: 30000 });
}

export async function totalBytes(page) {
  return Number(await page.getAttribute(".total-value", "data-bytes"));
}

export const axeSource = () => require("fs").readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core on the page; returns violations of serious or critical impact. */
export async function axe(page) {
  await page.addScriptTag({ content: axeSource() });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Starts the page's server and Chromium before a test file's tests and stops them after;
 *  the returned object's `browser` and `server` are set once `before` has run. */
export function useBrowserAndServer() {
  const env = { browser: null, server: null };
  before(async () => {
    env.server = await serve(DIST);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Runs a binary of the workspace with `args`, building it first (`cargo build -q BUILD...`) if
 *  it is missing: its stdout. */
function runBuilt(bin, build, args) {
  if (!existsSync(bin)) execFileSync("cargo", ["build", "-q", ...build], { cwd: ROOT, stdio: "inherit" });
  return execFileSync(bin, args, { encoding: "utf8" });
}

/** Runs the CLI (built first if missing; `LORA_VRAM_CLI` names another binary) with `args`: its
 *  stdout without the final newline. For the byte-agreement tests. */
export function cli(args) {
  const bin = process.env.LORA_VRAM_CLI || join(ROOT, "target/debug/lora-vram");
  return runBuilt(bin, ["-p", "lora-vram-cli"], args).replace(/\n$/, "");
}

/** The calculator's default page as static HTML (Yew's server-side rendering, the app crate's
 *  `prerender` example, built first if missing): the content the app's first render creates. */
export function prerenderedPage() {
  return runBuilt(join(ROOT, "target/debug/examples/prerender"), ["-p", "lora-vram-app", "--example", "prerender"], []);
}

/** `lora-vram estimate --json` of a scenario given as JSON text. */
export function cliScenario(json) {
  const file = join(mkdtempSync(join(tmpdir(), "lora-vram-")), "scenario.json");
  writeFileSync(file, json);
  return cli(["estimate", "--json", file]);
}

/** The scenario and report JSON that the export page shows for the page's own share query
 *  (`#export-link`): `{scenario, report}`. */
export async function pageJson(page) {
  await page.waitForSelector("#export-link");
  const href = await page.getAttribute("#export-link", "href");
  const p = await page.context().newPage();
  await p.goto(new URL(href, page.url()).href);
  await p.waitForSelector("#report-json", { timeout: 30000 });
  const out = { scenario: await p.textContent("#scenario-json"), report: await p.textContent("#report-json") };
  await p.close();
  return out;
}
