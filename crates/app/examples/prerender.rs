//! Prints the calculator's default page (no query, nothing stored, English), as the app first
//! renders it, as HTML: Yew's server-side rendering of [`App`].
//!
//! The first-load test (`tests/e2e/app.test.mjs`) serves it as a static page with the page's
//! stylesheet and no script, and records how soon the browser paints that: the floor under any
//! way of rendering this page's content (docs/performance.md, "First load").
//!
//! `cargo run -p lora-vram-app --example prerender > page.html`
use std::rc::Rc;

use lora_vram_app::{App, AppProps, Boot};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let boot =
        Rc::new(Boot { query: String::new(), stored: None, languages: vec!["en".into()], page_url: String::new() });
    let html = yew::LocalServerRenderer::<App>::with_props(AppProps { boot }).hydratable(false).render().await;
    print!("{html}");
}
