// A small VitePress site with lora-vram widgets, built by scripts/test-docsites.
export default {
  title: "lora-vram widget on VitePress",
  themeConfig: {
    nav: [
      { text: "Widget", link: "/" },
      { text: "Other page", link: "/other" },
    ],
  },
};
