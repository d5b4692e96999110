/*! lora-vram embed.js: turns every [data-lora-vram] element into the calculator's compact card.
 *
 *   <div data-lora-vram data-model="meta-llama/Llama-3.1-8B" data-method="qlora" data-seq-len="4096"
 *        data-lang="en" data-theme="auto"><a href="https://HOST/PATH/">LoRA VRAM calculator</a></div>
 *   <script src="https://HOST/PATH/embed.js" defer></script>
 *
 * Every data-* attribute is passed to the iframe as a query parameter of the same kebab-case name
 * (scenario fields such as data-seq-len, data-lora-rank; and data-controls, data-gpus, data-lang,
 * data-accent, data-font, data-radius, data-bg). The iframe reports its height with postMessage;
 * only well-formed messages from the iframe's own origin AND window are accepted.
 *
 * Colour scheme: data-theme="light" or "dark" fixes it; "auto" (the default) follows the host
 * page's own theme switch (MkDocs Material, Docusaurus, VitePress, …) and else the OS. Changes are
 * posted to each card, at the calculator's origin only. A host can also post
 * {type: "lora-vram:theme", theme: "light" | "dark" | "auto"} to its own window.
 *
 * Plain JavaScript, no dependencies. Safe to load any number of times, for example from a router
 * hook: one copy listens, the others only re-scan. Elements added later (client-side navigation)
 * are found by themselves; window.loraVram.scan() scans at once. That is its only global.
 */
(function () {
  "use strict";

  var API = "loraVram";
  var running = window[API];
  if (running && typeof running.scan === "function") {
    running.scan();
    return;
  }

  var script = document.currentScript ||
    (function () {
      var all = document.querySelectorAll("script[src]");
      for (var i = all.length - 1; i >= 0; i--) {
        if (/(^|\/)embed\.js(\?|#|$)/.test(all[i].getAttribute("src"))) return all[i];
      }
      return null;
    })();
  if (!script) return;

  var appUrl = new URL(script.getAttribute("data-app") || "./", script.src);
  var appOrigin = appUrl.origin;
  var SELECTOR = "[data-lora-vram]";
  var MARK = "loraVramReady";
  // Attributes of the element that are not passed on as they are.
  var SKIP = { loraVram: 1, loraVramReady: 1, app: 1, title: 1, theme: 1 };
  var THEMES = { light: 1, dark: 1, auto: 1 };
  // Where hosts say which theme the reader picked (and Docusaurus, whether it has hydrated).
  var HOST_ATTRS = ["class", "data-theme", "data-md-color-scheme", "data-has-hydrated"];
  var MAX_HEIGHT = 20000;
  var counter = 0;
  var frames = []; // [{el, iframe, id, theme (last sent, or in the URL), ready}]
  var pageTheme = null; // posted by the host page; null: follow its attributes
  var sawDarkClass = false;

  // CSS variables a host can set on the element (or inherit) to theme the card.
  var CSS_VARS = { accent: "--lora-vram-accent", font: "--lora-vram-font", radius: "--lora-vram-radius", bg: "--lora-vram-bg" };

  function toKebab(camel) {
    return camel.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
  }

  /** The theme the host page shows, or null when it says nothing. */
  function hostTheme() {
    var html = document.documentElement;
    var body = document.body;
    var attr = function (name) {
      return (body && body.getAttribute(name)) || html.getAttribute(name);
    };
    // MkDocs Material: data-md-color-scheme="slate" (its dark scheme) or "default" on <body>.
    var md = attr("data-md-color-scheme");
    if (md) return md === "slate" ? "dark" : "light";
    // Docusaurus, Starlight, pydata-sphinx-theme (<html>), Furo (<body>): data-theme.
    var dt = html.getAttribute("data-theme") || (body && body.getAttribute("data-theme"));
    if (dt === "dark" || dt === "light") return dt;
    // VitePress and Tailwind-style sites: class="dark" on <html>, and no class when light.
    if (html.classList.contains("dark")) {
      sawDarkClass = true;
      return "dark";
    }
    if (html.classList.contains("light") || sawDarkClass ||
        document.querySelector('meta[name="generator"][content^="VitePress"]')) return "light";
    return null;
  }

  function themeFor(el) {
    var own = el.getAttribute("data-theme");
    if (own === "light" || own === "dark") return own;
    return pageTheme || hostTheme() || "auto";
  }

  /** Posts the element's theme to its card when it changed (or always, with `force`). */
  function sendTheme(f, force) {
    var t = themeFor(f.el);
    if (t === f.theme && !force) return;
    f.theme = t;
    // Until the card has said it is up (its first height message), the theme waits here.
    if (f.ready && f.iframe.contentWindow) {
      f.iframe.contentWindow.postMessage("lora-vram:theme:" + t, appOrigin);
    }
  }

  function sync() {
    frames = frames.filter(function (f) { return f.iframe.isConnected; });
    for (var i = 0; i < frames.length; i++) sendTheme(frames[i], false);
  }

  function build(el) {
    if (el.dataset[MARK]) return;
    el.dataset[MARK] = "1";
    var id = "lv" + (++counter) + "-" + Math.random().toString(36).slice(2, 8);
    var params = new URLSearchParams();
    params.set("embed", "1");
    params.set("id", id);
    params.set("host", location.origin);
    Object.keys(el.dataset).forEach(function (key) {
      if (!SKIP[key]) params.set(toKebab(key), el.dataset[key]);
    });
    var style = getComputedStyle(el);
    Object.keys(CSS_VARS).forEach(function (k) {
      if (params.has(k)) return;
      var v = style.getPropertyValue(CSS_VARS[k]).trim();
      if (v) params.set(k, v);
    });
    var theme = themeFor(el);
    params.set("theme", theme);

    var iframe = document.createElement("iframe");
    // The card is a page of its own, embed/ beside the calculator (scripts/build-web).
    iframe.src = new URL("embed/", appUrl.href.split("?")[0].split("#")[0]).href + "?" + params.toString();
    iframe.title = el.getAttribute("data-title") || (params.get("lang") === "zh" ? "LoRA 显存计算器" : "LoRA VRAM calculator");
    iframe.loading = "lazy";
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox");
    iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    // CSSOM, not a style attribute: allowed under a strict style-src.
    iframe.style.width = "100%";
    iframe.style.height = "420px";
    iframe.style.border = "0";
    iframe.style.display = "block";
    iframe.style.colorScheme = "normal";

    // The fallback link is for when this script does not run; the card replaces it.
    while (el.firstChild) el.removeChild(el.firstChild);
    el.appendChild(iframe);
    frames.push({ el: el, iframe: iframe, id: id, theme: theme, ready: false });
    themeObserver.observe(el, { attributes: true, attributeFilter: ["data-theme"] });
  }

  function onMessage(event) {
    var d = event.data;
    if (!d || typeof d !== "object") return;
    if (d.type === "lora-vram:theme") {
      // From the host page itself: a theme for every card that does not fix its own.
      if (event.source !== window || event.origin !== location.origin || !THEMES[d.theme]) return;
      pageTheme = d.theme === "auto" ? null : d.theme;
      sync();
      return;
    }
    if (event.origin !== appOrigin || d.type !== "lora-vram:height") return;
    if (typeof d.id !== "string" || typeof d.height !== "number" || !isFinite(d.height)) return;
    if (d.height <= 0 || d.height > MAX_HEIGHT) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (f.id === d.id && f.iframe.contentWindow === event.source) {
        f.iframe.style.height = Math.ceil(d.height) + "px";
        if (!f.ready) {
          f.ready = true;
          sendTheme(f, true);
        }
        return;
      }
    }
  }

  var observedBody = null;
  function scan() {
    // Docusaurus marks its server-rendered page until React has hydrated it; changing the DOM
    // before then breaks hydration (React error #418). The attribute's change calls scan again.
    if (document.documentElement.getAttribute("data-has-hydrated") === "false") return;
    var els = document.querySelectorAll(SELECTOR);
    for (var i = 0; i < els.length; i++) build(els[i]);
    // A site that swaps <body> (Turbo) gets its new one watched.
    if (document.body && document.body !== observedBody) {
      observedBody = document.body;
      themeObserver.observe(observedBody, { attributes: true, attributeFilter: HOST_ATTRS });
    }
    sync();
  }

  // The host's theme switch and hydration: attributes of <html>, <body> and each widget element.
  var themeObserver = new MutationObserver(function () { scan(); });
  // Client-side navigation: elements added later are built as they arrive.
  var childObserver = new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var nodes = records[i].addedNodes;
      for (var j = 0; j < nodes.length; j++) {
        var n = nodes[j];
        if (n.nodeType === 1 && (n.matches(SELECTOR) || n.querySelector(SELECTOR))) {
          scan();
          return;
        }
      }
    }
  });

  function start() {
    scan();
    // Only once the document is parsed: an element seen mid-parse may not have its children yet.
    childObserver.observe(document.documentElement, { childList: true, subtree: true });
  }

  window[API] = { scan: scan };
  window.addEventListener("message", onMessage);
  themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: HOST_ATTRS });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
