import DefaultTheme from "vitepress/theme";
import { inBrowser, type Theme } from "vitepress";

export default {
  extends: DefaultTheme,
  enhanceApp({ router }) {
    if (!inBrowser) return; // the build renders pages in Node, where there is no document
    // Called once each page has loaded, the first one included.
    const previous = router.onAfterRouteChange;
    router.onAfterRouteChange = async (to) => {
      await previous?.(to);
      if (document.getElementById("lora-vram-embed")) return; // loaded: it finds new widgets itself
      const s = document.createElement("script");
      s.id = "lora-vram-embed";
      s.src = "https://lora-vram.test/embed.js";
      document.head.appendChild(s);
    };
  },
} satisfies Theme;
