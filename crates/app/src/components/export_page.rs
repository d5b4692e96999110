//! The export page (`export/`, its own binary): the scenario as ready-to-run setups (Python,
//! axolotl, LLaMA-Factory, from `lora_vram::export`) and as the JSON that `lora-vram estimate`
//! reads and prints. The calculator links here with its share query, so this page shows exactly
//! its scenario on its GPU. (A page of its own: the templates and the JSON serializers stay out of
//! the calculator's download.)

use std::rc::Rc;

use lora_vram::export::{render, Format};
use lora_vram::Scenario;
use yew::prelude::*;

use super::model::model_name;
use crate::app::{use_app, with_gpu, Boot};
use crate::format;

/// The export page's own words (kept out of [`crate::i18n::Text`], so that the calculator does
/// not download them).
struct Words {
    title: &'static str,
    back: &'static str,
    hint: &'static str,
    copy: &'static str,
    json_scenario: &'static str,
    json_report: &'static str,
}

const EN: Words = Words {
    title: "Export: ready-to-run setups and JSON",
    back: "← Back to the calculator",
    hint: "The same scenario as the calculator's, so that the run and the estimate agree by construction. Comments in each file say what a format cannot express. The JSON is what `lora-vram estimate --json` reads and prints.",
    copy: "Copy",
    json_scenario: "Scenario (input of lora-vram estimate)",
    json_report: "lora-vram estimate --json",
};

const ZH: Words = Words {
    title: "导出：可直接运行的配置与 JSON",
    back: "← 返回计算器",
    hint: "与计算器中的场景完全一致，因此实际训练与估算天然吻合。每个文件中的注释说明了该格式无法表达的设置。JSON 即 `lora-vram estimate --json` 读取和输出的内容。",
    copy: "复制",
    json_scenario: "配置（lora-vram estimate 的输入）",
    json_report: "lora-vram estimate --json",
};

fn words(lang: crate::i18n::Lang) -> &'static Words {
    match lang {
        crate::i18n::Lang::En => &EN,
        crate::i18n::Lang::Zh => &ZH,
    }
}

/// Props of [`ExportApp`].
#[derive(Properties, PartialEq)]
pub struct ExportAppProps {
    /// Where the page starts from (the calculator's share query).
    pub boot: Rc<Boot>,
}

/// A block of text with a copy button.
fn block(
    id: &'static str,
    title: &str,
    text: &str,
    copy: &Callback<&'static str>,
    copied: Option<&'static str>,
    lang: crate::i18n::Lang,
) -> Html {
    let t = lang.t();
    let onclick = copy.reform(move |_: MouseEvent| id);
    html! {
        <section class="card export-block" aria-labelledby={format!("{id}-h")}>
            <div class="section-head">
                <h2 id={format!("{id}-h")}>{ title }</h2>
                <button type="button" class="btn" id={format!("{id}-copy")} {onclick}>{ if copied == Some(id) { t.copied() } else { words(lang).copy } }</button>
            </div>
            <pre {id} tabindex="0">{ text }</pre>
        </section>
    }
}

/// The export page's root.
#[component]
pub fn ExportApp(props: &ExportAppProps) -> Html {
    let (state, computed, _) = use_app(&props.boot, false);
    let lang = state.lang;
    let t = lang.t();
    let w = words(lang);
    let copied = use_state(|| None::<&'static str>);
    let texts = use_memo((state.input.clone(), state.gpu, state.hub.clone()), |(input, gpu, hub)| {
        let scenario_json = serde_json::to_string_pretty(&with_gpu(input, *gpu)).unwrap_or_default();
        let s = Scenario::try_from(&with_gpu(input, *gpu)).ok();
        let model_id = hub.as_ref().map(|h| h.id.as_str());
        let exports: Vec<(Format, String)> =
            s.map(|s| Format::ALL.iter().map(|&f| (f, render(&s, model_id, f))).collect()).unwrap_or_default();
        let report = s.map(|s| serde_json::to_string_pretty(&lora_vram::report::report(&s)).unwrap_or_default());
        (scenario_json, exports, report)
    });
    let copy = {
        let copied = copied.clone();
        let texts = texts.clone();
        Callback::from(move |id: &'static str| {
            let text = match id {
                "scenario-json" => texts.0.clone(),
                "report-json" => texts.2.clone().unwrap_or_default(),
                _ => texts
                    .1
                    .iter()
                    .find(|(f, _)| format!("export-{}", f.as_str()) == id)
                    .map(|(_, s)| s.clone())
                    .unwrap_or_default(),
            };
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if crate::platform::copy(text).await {
                    copied.set(Some(id));
                }
            });
        })
    };
    let back = format!("../{}", props.boot.query);
    let summary = match computed.as_ref() {
        Ok(c) => format!(
            "{} · {} · {} {}",
            model_name(&state.input.model, lang),
            t.method_short(state.input.method),
            t.total_label(),
            format::bytes(c.estimate.total(), state.unit)
        ),
        Err(e) => t.error(e),
    };
    let loading = state.import.loading().is_some();
    html! {
        <div class="page export-page">
            <header class="top">
                <div class="brand">
                    <h1>{ w.title }</h1>
                    <p class="tagline" id="export-summary">{ summary }</p>
                </div>
                <div class="top-actions"><a class="btn" href={back} id="back">{ w.back }</a></div>
            </header>
            if loading { <p role="status">{ crate::i18n::fill(t.hub_loading(), &[&state.import.loading().unwrap_or("")]) }</p> }
            <p class="hint">{ w.hint }</p>
            { for texts.1.iter().map(|(f, text)| {
                let id = match f { Format::Python => "export-python", Format::Axolotl => "export-axolotl", Format::LlamaFactory => "export-llamafactory" };
                block(id, f.file_name(), text, &copy, *copied, lang)
            }) }
            { block("scenario-json", w.json_scenario, &texts.0, &copy, *copied, lang) }
            if let Some(r) = &texts.2 { { block("report-json", w.json_report, r, &copy, *copied, lang) } }
        </div>
    }
}
