// A small Docusaurus site with lora-vram widgets, built by scripts/test-docsites. The client
// module is docs/embedding.md's recipe, with YOUR-HOST/PATH set to the test host.
module.exports = {
  title: "lora-vram widget on Docusaurus",
  url: "https://docs.test",
  baseUrl: "/",
  trailingSlash: true,
  onBrokenLinks: "throw",
  presets: [["classic", { docs: { routeBasePath: "/", sidebarPath: false }, blog: false, pages: false }]],
  themeConfig: {
    navbar: {
      title: "lora-vram",
      items: [
        { to: "/", label: "Widget", position: "left" },
        { to: "/other/", label: "Other page", position: "left" },
      ],
    },
  },
  // recipe
  clientModules: [require.resolve("./src/clientModules/loraVram.js")],
  // end recipe
};
