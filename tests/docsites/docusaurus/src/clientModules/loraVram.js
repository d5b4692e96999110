// Runs in the browser only, after React has rendered the route, the first one included: embed.js
// changes the DOM, so it must not run before React has hydrated the page.
export function onRouteDidUpdate() {
  if (document.getElementById("lora-vram-embed")) return; // loaded: it finds new widgets itself
  const s = document.createElement("script");
  s.id = "lora-vram-embed";
  s.src = "https://lora-vram.test/embed.js";
  document.head.appendChild(s);
}
