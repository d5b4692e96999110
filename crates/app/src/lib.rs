//! # lora-vram-app
//!
//! The lora-vram web page: a Yew single-page calculator over the [`lora_vram`] estimator, and its
//! compact embed mode (`?embed=1`, driven by `web/embed.js`).
//!
//! The app formats and lays out; the estimator decides. State is an [`state::Action`] enum with a
//! pure reducer; the URL query and localStorage follow it from effects in [`app`]; the estimate is
//! computed during render with `use_memo`. Every string is in [`i18n`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod components;
pub mod format;
pub mod hub;
pub mod i18n;
pub mod platform;
pub mod query;
pub mod state;

pub use app::{App, AppProps, Boot};

/// Renders the page into `<body>`, reading the browser's URL, storage and languages. An old
/// widget's address (`?embed=1`, before the card had a page of its own) goes to `embed/`.
pub fn start() {
    let boot = std::rc::Rc::new(Boot::from_browser(true));
    if query::get(&query::parse(&boot.query), "embed").is_some_and(|v| v != "0") {
        platform::go(&format!("embed/{}", boot.query));
        return;
    }
    yew::Renderer::<App>::with_props(AppProps { boot }).render();
}

/// Renders the export page (`export/`, the `export` binary).
pub fn start_export() {
    let boot = std::rc::Rc::new(Boot::from_browser(false));
    yew::Renderer::<components::export_page::ExportApp>::with_props(components::export_page::ExportAppProps { boot })
        .render();
}

/// Renders the embed card (`embed/`, the `embed` binary).
pub fn start_embed() {
    let boot = std::rc::Rc::new(Boot::from_browser(false));
    yew::Renderer::<components::embed::EmbedApp>::with_props(components::embed::EmbedAppProps { boot }).render();
}
