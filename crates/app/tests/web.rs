//! The app in a real browser (headless Chromium through wasm-bindgen-test-runner): rendering,
//! a slider moving the total, and the URL following the state.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use lora_vram_app::{App, AppProps, Boot};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn mount(query: &str) -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let boot = Rc::new(Boot {
        query: query.into(),
        stored: None,
        languages: vec!["en-US".into()],
        page_url: "http://x/".into(),
    });
    yew::Renderer::<App>::with_root_and_props(root.clone(), AppProps { boot }).render();
    yew::scheduler::flush().await;
    root
}

fn total(root: &web_sys::Element) -> u64 {
    root.query_selector(".total-value").unwrap().unwrap().get_attribute("data-bytes").unwrap().parse().unwrap()
}

#[wasm_bindgen_test]
async fn renders_the_default_answer() {
    let root = mount("").await;
    assert!(total(&root) > 1_000_000_000);
    let text = root.text_content().unwrap();
    assert!(text.contains("Llama 3.1 8B"), "{text}");
    assert!(root.query_selector_all("#gpu-table tbody tr").unwrap().length() >= 30);
    root.remove();
}

#[wasm_bindgen_test]
async fn the_sequence_slider_recomputes_at_once() {
    let root = mount("").await;
    let before = total(&root);
    let slider: web_sys::HtmlInputElement = root.query_selector("#c-seq-len").unwrap().unwrap().dyn_into().unwrap();
    // The last stop, 131072 tokens; dispatched as a real input event, which bubbles: the form
    // listens once, at its root.
    slider.set_value("20");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    slider.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    yew::scheduler::flush().await;
    assert!(total(&root) > before, "no submit button: the total follows the slider");
    let num: web_sys::HtmlInputElement = root.query_selector("#c-seq-len-num").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(num.value(), "131072");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_url_follows_the_state() {
    let root = mount("?seq-len=4096").await;
    yew::scheduler::flush().await;
    // The address bar is written once the inputs are still (debounced), or at once on `pagehide`:
    // write what is pending, as `pagehide` would.
    lora_vram_app::platform::flush();
    let search = web_sys::window().unwrap().location().search().unwrap();
    assert!(search.contains("seq-len=4096"), "{search}");
    root.remove();
}
