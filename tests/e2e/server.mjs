// A small static file server for the built page (dist/) and for test host pages. No dependencies.
//   node tests/e2e/server.mjs [dir=dist] [port=8080] [host=127.0.0.1]
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

/**
 * Serves `root` on 127.0.0.1. `routes` maps a path to {body, type, headers} (for host pages);
 * `headers(path)` adds headers to every file response (for a CSP).
 * Resolves to {url, origin, port, close()}.
 */
export function serve(root, { port = 0, host = "127.0.0.1", routes = {}, headers = () => ({}) } = {}) {
  const base = resolve(root);
  // Addresses up to 4 MB: the hostile-link tests send 100 KB values and 100,000 keys (issue 10,
  // item 9); Node's default (16 KB) would refuse them before the page sees them.
  const server = createServer({ maxHeaderSize: 4 << 20 }, async (req, res) => {
    const url = new URL(req.url, "http://x");
    let path = decodeURIComponent(url.pathname);
    const route = routes[path];
    if (route) {
      res.writeHead(200, { "content-type": route.type || TYPES[".html"], "cache-control": "no-store", ...(route.headers || {}) });
      res.end(route.body);
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    try {
      const s = await stat(file);
      if (!s.isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] || "application/octet-stream",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        ...headers(path),
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const p = server.address().port;
      const origin = `http://${host}:${p}`;
      ok({ url: origin + "/", origin, port: p, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir = "dist", port = "8080", host = "127.0.0.1"] = process.argv.slice(2);
  const s = await serve(dir, { port: Number(port), host });
  console.log(`Serving ${resolve(dir)} at ${s.url}  (Ctrl-C to stop)`);
}
