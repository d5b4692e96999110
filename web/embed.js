/*! lora-vram embed.js: turns every [data-lora-vram] element into the calculator's compact card.
 *
 *   <div data-lora-vram data-model="meta-llama/Llama-3.1-8B" data-method="qlora" data-seq-len="4096"
 *        data-lang="en" data-theme="auto"><a href="https://HOST/PATH/">LoRA VRAM calculator</a></div>
 *   <script src="https://HOST/PATH/embed.js" defer></script>
 *
 * Every data-* attribute is passed to the iframe as a query parameter of the same kebab-case name
 * (scenario fields such as data-seq-len, data-lora-rank; and data-controls, data-gpus, data-lang,
 * data-theme, data-accent, data-font, data-radius, data-bg). The iframe reports its height with
 * postMessage; only well-formed messages from the iframe's own origin AND window are accepted.
 * Plain JavaScript, no dependencies, no globals. Safe to load more than once.
 */
(function () {
  "use strict";

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
  var MARK = "loraVramReady";
  var MAX_HEIGHT = 20000;
  var counter = 0;
  var frames = []; // [{iframe, id}]

  // CSS variables a host can set on the element (or inherit) to theme the card.
  var CSS_VARS = { accent: "--lora-vram-accent", font: "--lora-vram-font", radius: "--lora-vram-radius", bg: "--lora-vram-bg" };

  function toKebab(camel) {
    return camel.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
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
      if (key === "loraVram" || key === MARK || key === "app") return;
      params.set(toKebab(key), el.dataset[key]);
    });
    var style = getComputedStyle(el);
    Object.keys(CSS_VARS).forEach(function (k) {
      if (params.has(k)) return;
      var v = style.getPropertyValue(CSS_VARS[k]).trim();
      if (v) params.set(k, v);
    });

    var iframe = document.createElement("iframe");
    iframe.src = appUrl.href.split("?")[0].split("#")[0] + "?" + params.toString();
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
    frames.push({ iframe: iframe, id: id });
  }

  function onMessage(event) {
    if (event.origin !== appOrigin) return;
    var d = event.data;
    if (!d || typeof d !== "object" || d.type !== "lora-vram:height") return;
    if (typeof d.id !== "string" || typeof d.height !== "number" || !isFinite(d.height)) return;
    if (d.height <= 0 || d.height > MAX_HEIGHT) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (f.id === d.id && f.iframe.contentWindow === event.source) {
        f.iframe.style.height = Math.ceil(d.height) + "px";
        return;
      }
    }
  }

  function scan() {
    var els = document.querySelectorAll("[data-lora-vram]");
    for (var i = 0; i < els.length; i++) build(els[i]);
  }

  window.addEventListener("message", onMessage);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
