// Transfer-size budget: what a browser downloads to show the page (html + js + wasm + css),
// gzipped at level 9, must stay at or under 200 KiB. Prints a table; writes artifacts/size.json.
//   node tests/e2e/size.mjs [dist]
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, extname } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = 200 * 1024;
const dist = process.argv[2] || "dist";
const page = readdirSync(dist).filter((f) => f === "index.html" || (/\.(js|wasm|css)$/.test(f) && f !== "embed.js"));
let total = 0;
const rows = page.map((f) => {
  const raw = readFileSync(join(dist, f));
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  return { file: f, kind: extname(f).slice(1), bytes: raw.length, gzip: gz };
});
const embed = gzipSync(readFileSync(join(dist, "embed.js")), { level: 9 }).length;
for (const r of rows) console.log(`${r.file.padEnd(44)} ${String(r.bytes).padStart(8)} B  ${String(r.gzip).padStart(7)} B gzip`);
console.log(`${"total (html+js+wasm+css)".padEnd(44)} ${" ".repeat(10)}  ${String(total).padStart(7)} B gzip = ${(total / 1024).toFixed(1)} KiB (budget 200 KiB)`);
console.log(`${"embed.js (widget hosts load it)".padEnd(44)} ${" ".repeat(10)}  ${String(embed).padStart(7)} B gzip`);
mkdirSync("tests/e2e/artifacts", { recursive: true });
writeFileSync("tests/e2e/artifacts/size.json", JSON.stringify({ date: new Date().toISOString(), total_gzip: total, budget: BUDGET, files: rows, embed_js_gzip: embed }, null, 2));
if (total > BUDGET) {
  console.error(`over budget by ${total - BUDGET} B`);
  process.exit(1);
}
