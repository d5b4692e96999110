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

/// Renders the app into `<body>`, reading the browser's URL, storage and languages.
pub fn start() {
    let boot = std::rc::Rc::new(Boot::from_browser());
    yew::Renderer::<App>::with_props(AppProps { boot }).render();
}
