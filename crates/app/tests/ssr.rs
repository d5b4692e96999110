//! Server-side rendering of the components to strings: what the page shows for a given URL,
//! without a browser. (The wasm tests in `tests/web.rs` and the end-to-end tests in `tests/e2e/`
//! cover interaction.)
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use lora_vram_app::components::embed::{EmbedApp, EmbedAppProps};
use lora_vram_app::components::result::{BarProps, StackedBar};
use lora_vram_app::{App, AppProps, Boot};
use yew::LocalServerRenderer;

/// What a page starts from: the address's query, the browser's languages, nothing stored.
fn boot(query: &str, languages: &[&str], page_url: &str) -> Rc<Boot> {
    Rc::new(Boot {
        query: query.to_string(),
        stored: None,
        languages: languages.iter().map(|s| s.to_string()).collect(),
        page_url: page_url.into(),
    })
}

async fn render(query: &str, languages: &[&str]) -> String {
    let boot = boot(query, languages, "https://example.org/lora-vram/");
    LocalServerRenderer::<App>::with_props(AppProps { boot }).hydratable(false).render().await
}

/// The embed card, as its own page (`embed/`) renders it.
async fn render_embed(query: &str, languages: &[&str]) -> String {
    let boot = boot(query, languages, "https://example.org/lora-vram/embed/");
    LocalServerRenderer::<EmbedApp>::with_props(EmbedAppProps { boot }).hydratable(false).render().await
}

fn text(html: &str) -> String {
    // Tags out, whitespace collapsed: what a reader sees.
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn default_page_answers_without_input() {
    let html = render("", &["en-US"]).await;
    let t = text(&html);
    assert!(t.contains("Llama 3.1 8B"), "{t}");
    assert!(t.contains("Peak VRAM"));
    assert!(html.contains(r#"id="total-amount""#));
    assert!(t.contains("GB"), "units are labelled");
    for part in ["Model weights", "Adapter", "Activations", "Overhead"] {
        assert!(t.contains(part), "breakdown names {part}");
    }
    assert!(t.contains("GeForce RTX 4090"), "GPU table and picker");
    assert!(html.matches("data-gpu=").count() >= 30, "every GPU has a row");
    assert!(t.contains("Fits on GeForce RTX 4090"), "the default fits the default GPU: {t}");
    assert!(!html.contains(r#"id="notice""#), "no notice without bad params");
}

#[tokio::test]
async fn every_control_has_a_label() {
    let html = render("", &["en"]).await;
    // Every input, select and textarea has an id that a <label for> names, or an aria-label.
    for (pos, _) in
        html.match_indices("<input").chain(html.match_indices("<select")).chain(html.match_indices("<textarea"))
    {
        let tag = &html[pos..pos + html[pos..].find('>').unwrap()];
        if tag.contains("type=\"radio\"") {
            continue; // wrapped in their <label>
        }
        let labelled = tag.contains("aria-label=") || {
            let id = tag.split("id=\"").nth(1).map(|s| &s[..s.find('"').unwrap()]);
            id.is_some_and(|id| html.contains(&format!("for=\"{id}\"")))
        };
        assert!(labelled, "unlabelled control: {tag}");
    }
    assert!(html.contains(r#"type="range""#) && html.contains("aria-valuetext="), "sliders say their value");
}

#[tokio::test]
async fn the_newcomer_question_qwen_lora_4096_on_a_4090() {
    let html = render("?model=Qwen/Qwen2.5-7B&method=lora&seq-len=4096&gpu=rtx-4090", &["en"]).await;
    let t = text(&html);
    assert!(t.contains("Qwen2.5 7B"), "{t}");
    assert!(t.contains("4,096 tokens"), "{t}");
    // Whatever the verdict, it is said in words for the chosen GPU.
    assert!(
        t.contains("Fits on GeForce RTX 4090")
            || t.contains("Does not fit on GeForce RTX 4090")
            || t.contains("Tight on GeForce RTX 4090"),
        "{t}"
    );
    if t.contains("Does not fit on GeForce RTX 4090") {
        assert!(t.contains("What to change"), "advice follows a no-fit verdict");
        assert!(html.contains("class=\"apply\""));
    }
}

#[tokio::test]
async fn chinese_from_the_browser_language() {
    let html = render("", &["zh-CN", "en"]).await;
    let t = text(&html);
    for s in ["显存峰值", "模型权重", "激活值", "梯度检查点", "序列长度", "批大小", "优化器"]
    {
        assert!(t.contains(s), "{s} in {t}");
    }
    // ?lang= wins over the browser.
    let t = text(&render("?lang=en", &["zh-CN"]).await);
    assert!(t.contains("Peak VRAM"));
}

#[tokio::test]
async fn invalid_params_show_a_notice_and_keep_valid_fields() {
    let html = render("?seq-len=banana&batch-size=4&model=nope/nope&gpu=rtx-9999", &["en"]).await;
    let t = text(&html);
    assert!(html.contains(r#"id="notice""#), "{t}");
    assert!(t.contains("seq-len") && t.contains("model") && t.contains("gpu"), "{t}");
    assert!(t.contains("batch 4"), "valid fields are kept: {t}");
    assert!(t.contains("Llama 3.1 8B"), "the default model replaces an unknown one");
}

#[tokio::test]
async fn an_unsupported_config_shows_the_error_not_a_blank_page() {
    // The URL path resets it with a notice; the page never renders empty.
    let html = render("?model-config=%7B%22model_type%22%3A%22bert%22%7D", &["en"]).await;
    let t = text(&html);
    assert!(t.contains("bert"), "the notice names the problem: {t}");
    assert!(html.contains(r#"id="total-amount""#));
}

#[tokio::test]
async fn embed_mode_is_a_compact_card() {
    let html = render_embed(
        "?embed=1&id=w1&model=Qwen/Qwen2.5-7B&seq-len=4096&controls=seq-len,method&gpus=rtx-4090,a100-80gb",
        &["en"],
    )
    .await;
    let t = text(&html);
    assert!(html.contains("embed-card"));
    assert!(html.contains(r#"id="c-seq-len""#));
    assert!(html.contains(r#"name="method""#));
    assert!(!html.contains(r#"id="c-optimizer""#), "only the chosen controls");
    assert_eq!(html.matches("data-gpu=").count(), 2, "only the named GPUs");
    assert!(t.contains("Open in full calculator"));
    assert!(
        html.contains("https://example.org/lora-vram/?model=Qwen/Qwen2.5-7B&amp;seq-len=4096&amp;lang=en"),
        "{html}"
    );
    assert!(!html.contains("gpu-table"), "no full table");
}

#[tokio::test]
async fn bar_and_table_name_the_sub_items() {
    let e = lora_vram::estimate(&lora_vram::Scenario::try_from(&lora_vram::input::ScenarioInput::default()).unwrap());
    let lang = lora_vram_app::i18n::Lang::En;
    let unit = lora_vram_app::format::Unit::Gib;
    let bar = LocalServerRenderer::<StackedBar>::with_props(BarProps { estimate: e, unit, lang, capacity: None })
        .hydratable(false)
        .render()
        .await;
    assert_eq!(bar.matches("role=\"img\"").count(), 4);
    assert!(bar.contains("tabindex=\"0\""), "parts are focusable");
    assert!(bar.contains("Adapter: ") && bar.contains("optimizer state"), "{bar}");
    assert!(bar.contains("GiB"));
    let table = render("?unit=gib", &["en"]).await;
    assert!(table.contains("gradients") && table.contains("CUDA context") && table.contains("allocator slack"));
    assert!(table.contains("100%"));
}

// See: issue 6 (model import by Hugging Face id).
#[tokio::test]
async fn the_import_box_is_labelled_and_a_shared_id_starts_loading() {
    let html = render("", &["en"]).await;
    assert!(html.contains(r#"<label for="hf-id">Hugging Face model id</label>"#), "{html}");
    let html = render("?hf=acme/qwen-7b-sft", &["en"]).await;
    let t = text(&html);
    assert!(t.contains("Loading acme/qwen-7b-sft"), "{t}");
    assert!(html.contains(r#"value="acme/qwen-7b-sft""#), "the box shows the id");
    assert!(t.contains("Llama 3.1 8B"), "the previous model is shown until the config arrives");
    // A preset's id loads the preset, with no fetch.
    let html = render("?hf=Qwen/Qwen2.5-7B", &["en"]).await;
    assert!(!text(&html).contains("Loading"), "{html}");
    assert!(text(&html).contains("Qwen2.5 7B"));
    let html = render("?hf=https://evil.example/x", &["zh-CN"]).await;
    assert!(html.contains(r#"role="alert""#) && text(&html).contains("不是模型 ID"), "{html}");
    assert!(html.contains("Hugging Face 模型 ID"));
}

// The summary bar for narrow screens: the same total and verdict as the result, in words.
#[tokio::test]
async fn the_summary_bar_repeats_the_total_and_the_verdict() {
    for (query, lang, label, unit, verdict) in [
        ("?gpu=rtx-4090&unit=gb", "en", "Peak VRAM", "GB", "Fits"),
        ("?gpu=rtx-4090&method=full", "en", "Peak VRAM", "GiB", "Does not fit"),
        ("?gpu=rtx-4090", "zh-CN", "显存峰值", "GiB", "够用"),
    ] {
        let html = render(query, &[lang]).await;
        let start = html.find(r#"<a id="sumbar""#).expect("the bar is rendered");
        let bar = &html[start..start + html[start..].find("</a>").unwrap()];
        let amount = html.split(r#"id="total-amount""#).nth(1).and_then(|s| s.split(['>', '<']).nth(1)).unwrap();
        let t = text(bar);
        assert!(t.contains(&format!("{label} {amount} {unit}")), "{query}: {t}");
        assert!(t.contains(verdict) && t.contains("GeForce RTX 4090"), "{query}: {t}");
        assert!(bar.contains(r##"href="#results""##), "a link to the result");
    }
    let embed = render_embed("?embed=1", &["en"]).await;
    assert!(!embed.contains("sumbar"), "not in embed mode");
}
