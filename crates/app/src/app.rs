//! The root component: state, persistence effects, and the two layouts (full page, embed card).

use std::rc::Rc;

use lora_vram::fit::{gpu_table_after, Fit};
use lora_vram::gpus::{find_gpu, GPUS};
use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Estimate, Scenario};
use serde_json::Value;
use yew::prelude::*;
use yew::Reducible;

use crate::components::form::{scenario_form, FormProps};
use crate::components::gpu::{gpu_table_view, GpuPanel, GpuTableProps};
use crate::components::hub::{hub_box, HubProps};
use crate::components::model::model_name;
use crate::components::result::{breakdown_table, summary_bar, total_view, StackedBar, TableProps, TotalProps};
use crate::components::share::SharePanel;
use crate::format::{self, Unit};
use crate::i18n::Lang;
use crate::query::{self, Notice, Reason};
use crate::state::{Action, GpuFilter, SortKey, State, Theme};

/// What the page starts from: the browser's state, read once by `main` (or made up by a test).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Boot {
    /// `location.search`.
    pub query: String,
    /// The localStorage item [`crate::platform::STORAGE_KEY`].
    pub stored: Option<String>,
    /// `navigator.languages`.
    pub languages: Vec<String>,
    /// `origin + pathname`, for share links.
    pub page_url: String,
}

impl Boot {
    /// Reads the browser; `stored` reads the page's localStorage item too (the embed card shows
    /// only its own attributes).
    pub fn from_browser(stored: bool) -> Boot {
        let query = crate::platform::query();
        Boot {
            stored: if stored { crate::platform::load(crate::platform::STORAGE_KEY) } else { None },
            query,
            languages: crate::platform::languages(),
            page_url: crate::platform::page_url(),
        }
    }
}

/// The browser's preferred language.
pub fn detect_lang(languages: &[String]) -> Lang {
    languages.iter().find_map(|l| Lang::from_tag(l)).unwrap_or(Lang::En)
}

/// Builds the initial state from the URL, then localStorage, then defaults.
pub fn init(boot: &Boot) -> State {
    let pairs = query::parse(&boot.query);
    let get = |k: &str| query::get(&pairs, k);
    let stored: Option<Value> = boot.stored.as_deref().and_then(|s| serde_json::from_str(s).ok());
    let stored_str = |k: &str| stored.as_ref().and_then(|v| v.get(k)).and_then(Value::as_str).map(str::to_string);
    let mut s = State::default();
    // A model imported from the Hub, by id: fetched (or read from the cache) once the page is up.
    let mut hf = None;
    if query::has_scenario(&pairs) {
        let (input, notices) = query::decode_scenario(&pairs);
        s.input = input;
        s.notices = notices;
        hf = get(query::HF_KEY).map(str::to_string);
    } else if let Some(q) = stored_str("query") {
        // The last scenario, as its share query; anything no longer valid is dropped silently.
        let stored = query::parse(&q);
        s.input = query::decode_scenario(&stored).0;
        hf = query::get(&stored, query::HF_KEY).map(str::to_string);
    }
    if let Some(id) = hf {
        s = (*Rc::new(s).reduce(Action::Import(id))).clone();
    }
    s.lang = get("lang")
        .and_then(Lang::from_tag)
        .or_else(|| stored_str("lang").as_deref().and_then(Lang::from_tag))
        .unwrap_or_else(|| detect_lang(&boot.languages));
    s.theme = get("theme")
        .and_then(Theme::parse)
        .or_else(|| stored_str("theme").as_deref().and_then(Theme::parse))
        .unwrap_or_default();
    s.unit = get("unit")
        .and_then(Unit::parse)
        .or_else(|| stored_str("unit").as_deref().and_then(Unit::parse))
        .unwrap_or_default();
    let gpu_id = get("gpu").map(str::to_string).or_else(|| stored_str("gpu"));
    if let Some(id) = gpu_id {
        match find_gpu(&id) {
            Some(g) => s.gpu = g,
            None if get("gpu").is_some() => s.notices.push(Notice { param: "gpu".into(), reason: Reason::UnknownGpu }),
            None => {}
        }
    }
    s.filter = get("filter").and_then(GpuFilter::parse).unwrap_or_default();
    if let Some(v) = get("vram-gib") {
        match crate::components::gpu::custom_vram_action(v) {
            Action::SetCustomVram(c) => s.custom_vram = c,
            _ => s.notices.push(Notice { param: "vram-gib".into(), reason: Reason::Expected(query::Expect::Number) }),
        }
    }
    if let Some((k, dir)) = get("sort").and_then(|v| v.rsplit_once('-')) {
        if let (Some(k), Some(asc)) = (SortKey::parse(k), matches!(dir, "asc" | "desc").then_some(dir == "asc")) {
            s.sort = (k, asc);
        }
    }
    for (k, ok) in [
        ("filter", get("filter").is_none_or(|f| GpuFilter::parse(f).is_some())),
        (
            "sort",
            get("sort").is_none_or(|v| {
                v.rsplit_once('-').is_some_and(|(k, d)| SortKey::parse(k).is_some() && matches!(d, "asc" | "desc"))
            }),
        ),
        ("lang", get("lang").is_none_or(|l| Lang::from_tag(l).is_some())),
        ("theme", get("theme").is_none_or(|t| Theme::parse(t).is_some())),
        ("unit", get("unit").is_none_or(|u| Unit::parse(u).is_some())),
    ] {
        if !ok {
            s.notices.push(Notice { param: k.into(), reason: Reason::UnknownValue });
        }
    }
    s
}

/// Everything computed from a valid scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Computed {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Its estimate.
    pub estimate: Estimate,
    /// The fit on every GPU, in table order.
    pub fits: Rc<Vec<Fit>>,
}

/// Validates and estimates on the chosen GPU (unless the scenario names its own); the error is the
/// estimator's, which the page words in its language.
pub fn compute(input: &ScenarioInput, gpu: usize) -> Result<Computed, lora_vram::Error> {
    compute_after(input, gpu, None)
}

/// [`compute`] after an edit of `prev`: the GPU table reuses the limits the edit cannot have
/// changed ([`lora_vram::fit::gpu_table_after`]: a slider moved only the sequence length or the
/// batch size).
pub fn compute_after(input: &ScenarioInput, gpu: usize, prev: Option<&Computed>) -> Result<Computed, lora_vram::Error> {
    let mut scenario = Scenario::try_from(input)?;
    if scenario.gpu.is_none() && gpu < lora_vram::gpus::GPUS.len() {
        scenario.gpu = Some(gpu);
    }
    let fits = gpu_table_after(&scenario, prev.map(|p| (&p.scenario, p.fits.as_slice()))).collect();
    Ok(Computed { estimate: estimate(&scenario), fits: Rc::new(fits), scenario })
}

/// The scenario with the chosen GPU written in (unless it names its own), so that its JSON gives
/// `lora-vram estimate` the page's numbers.
pub fn with_gpu(input: &ScenarioInput, gpu: usize) -> ScenarioInput {
    let mut i = input.clone();
    if i.gpu.is_none() {
        i.gpu = GPUS.get(gpu).map(|g| g.id.to_string());
    }
    i
}

/// Longest config.json a link carries; a longer one (real ones are 1–5 KB) stays out of the
/// address bar and the share link, which say so, and is kept in localStorage only.
pub const MAX_LINK_CONFIG: usize = 16 * 1024;

/// Whether the scenario's config.json is too long for a link ([`MAX_LINK_CONFIG`]).
pub fn config_too_long_for_link(s: &State) -> bool {
    s.hub.is_none()
        && matches!(&s.input.model, lora_vram::input::ModelInput::HfConfig { hf_config } if crate::format::json(hf_config).len() > MAX_LINK_CONFIG)
}

/// The scenario as query pairs, with a model imported from the Hub (or being imported) as
/// `hf=<id>` rather than its whole config.json.
pub fn scenario_pairs(s: &State) -> Vec<(String, String)> {
    let mut pairs = query::encode_scenario(&s.input);
    if let Some(id) = s.import.loading().or(s.hub.as_ref().map(|h| h.id.as_str())) {
        if s.hub.is_some() {
            pairs.retain(|(k, _)| k != "model-config");
        }
        pairs.insert(0, (query::HF_KEY.into(), id.into()));
    }
    pairs
}

/// The query that reproduces what the page shows: the scenario, the GPU and the unit always (so
/// that the receiver's own stored choices don't replace them), the theme, the GPU table's filter
/// and sort when not the defaults, and the language when the browser would not pick it.
pub fn share_query(s: &State, languages: &[String]) -> String {
    let mut pairs = scenario_pairs(s);
    pairs.retain(|(k, v)| k != "model-config" || v.len() <= MAX_LINK_CONFIG);
    pairs.push(("gpu".into(), GPUS[s.gpu].id.into()));
    pairs.push(("unit".into(), s.unit.as_str().into()));
    if s.theme != Theme::Auto {
        pairs.push(("theme".into(), s.theme.as_str().into()));
    }
    if let Some(v) = s.custom_vram {
        pairs.push(("vram-gib".into(), format::float(v as f64 / 1_073_741_824.0)));
    }
    if s.filter != GpuFilter::All {
        pairs.push(("filter".into(), s.filter.as_str().into()));
    }
    if s.sort != State::default().sort {
        pairs.push(("sort".into(), format!("{}-{}", s.sort.0.as_str(), if s.sort.1 { "asc" } else { "desc" })));
    }
    if s.lang != detect_lang(languages) {
        pairs.push(("lang".into(), s.lang.as_str().into()));
    }
    query::join(&pairs)
}

/// Whether most of a quantized model's weights stay 16-bit (or fp32) because they are a
/// transformers-5 MoE's stacked experts, which bitsandbytes does not quantize (issue 10, item 5).
pub fn experts_unquantized(s: &Scenario) -> bool {
    let w = lora_vram::weights::weights(s);
    s.weight_dtype.is_quantized() && s.arch.layer_split().1 > 0 && w.other > w.linear
}

/// A one-line description of the resolved model.
pub fn summary(c: &Computed, lang: Lang) -> String {
    let t = lang.t();
    let a = &c.scenario.arch;
    crate::i18n::fill(
        t.model_summary(),
        &[
            &format::params(c.estimate.total_params),
            &a.layers,
            &a.hidden,
            &format::group(a.vocab),
            &t.model_type(a.model_type.as_str()),
        ],
    )
}

/// Notices listed one by one; the rest are counted (a hostile link can carry thousands).
const MAX_NOTICES: usize = 8;

/// Props of [`App`].
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Where the page starts from.
    pub boot: Rc<Boot>,
}

/// What every root (the page, the embed card, the export page) shares: the state, its estimate,
/// one stable dispatch callback, the `<html>` element following the language and theme, and the
/// Hugging Face import. With `persist`, the URL and localStorage follow the state too (the page).
#[hook]
pub fn use_app(
    boot: &Rc<Boot>,
    persist: bool,
) -> (UseReducerHandle<State>, Rc<Result<Computed, lora_vram::Error>>, Callback<Action>) {
    let b = boot.clone();
    let state = use_reducer(move || init(&b));
    // The last valid result, from which the next one reuses what an edit cannot change.
    let last = use_mut_ref(|| None::<Computed>);
    let computed = use_memo((state.input.clone(), state.gpu), move |(i, g)| {
        let c = compute_after(i, *g, last.borrow().as_ref());
        if let Ok(c) = &c {
            *last.borrow_mut() = Some(c.clone());
        }
        c
    });

    // The <html> element follows the language and theme (only when they change: every attribute
    // write restyles the page).
    use_effect_with((state.lang, state.theme), move |(lang, theme)| {
        crate::platform::set_root_attr("lang", Some(lang.html_lang()));
        crate::platform::set_root_attr(
            "data-theme",
            match theme {
                Theme::Auto => None,
                t => Some(t.as_str()),
            },
        );
        crate::platform::set_title(lang.t().page_title());
        crate::platform::set_meta_description(lang.t().meta_description());
    });

    // Persistence (the page only): the URL and localStorage follow the state, once the inputs
    // settle (`platform::persist`).
    {
        let boot = boot.clone();
        let deps = (
            state.input.clone(),
            state.unit,
            state.lang,
            state.theme,
            state.gpu,
            state.hub.clone(),
            state.import.clone(),
            state.filter,
            state.sort,
            state.custom_vram,
        );
        let s = (*state).clone();
        let saved = state.dispatcher();
        let saved = Callback::from(move |ok| saved.dispatch(Action::Saved(ok)));
        use_effect_with(deps, move |_| {
            if persist {
                let mut stored = serde_json::Map::new();
                for (k, v) in [
                    ("query", query::join(&scenario_pairs(&s))),
                    ("unit", s.unit.as_str().into()),
                    ("lang", s.lang.as_str().into()),
                    ("theme", s.theme.as_str().into()),
                    ("gpu", GPUS[s.gpu].id.into()),
                ] {
                    stored.insert(k.into(), Value::String(v));
                }
                crate::platform::persist(
                    share_query(&s, &boot.languages),
                    crate::format::json(&Value::Object(stored)),
                    saved,
                );
            }
        });
    }

    // The Hugging Face import: an id being loaded is fetched (or read from the cache) here, and the
    // answer dispatched; the reducer drops it if another import or model came first.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.import.loading().map(str::to_string), move |id| {
            if let Some(id) = id.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    dispatcher.dispatch(match crate::platform::import(id.clone()).await {
                        Ok(m) => Action::Imported(Box::new(m)),
                        Err(e) => Action::ImportFailed(id, e),
                    });
                });
            }
        });
    }

    // One callback for the page's lifetime, so that children whose inputs did not change skip rendering.
    let on_action = {
        let dispatcher = state.dispatcher();
        (*use_memo((), move |_| Callback::from(move |a: Action| dispatcher.dispatch(a)))).clone()
    };
    (state, computed, on_action)
}

/// The application root: the full page.
#[component]
pub fn App(props: &AppProps) -> Html {
    let (state, computed, on_action) = use_app(&props.boot, true);
    let lang = state.lang;
    let t = lang.t();

    let theme_button = {
        let act = on_action.clone();
        let next = match state.theme {
            Theme::Auto => Theme::Dark,
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::Auto,
        };
        let onclick = Callback::from(move |_| act.emit(Action::SetTheme(next)));
        let (icon, label) = match state.theme {
            Theme::Auto => ("◐", t.theme_auto()),
            Theme::Dark => ("☾", t.theme_dark()),
            Theme::Light => ("☀", t.theme_light()),
        };
        html! {
            <button type="button" class="icon-btn" id="theme-toggle" {onclick} title={t.theme_toggle()}
                aria-label={format!("{}{}{label}", t.theme_toggle(), t.colon())}>
                <span aria-hidden="true">{ icon }</span><span class="btn-text">{ label }</span>
            </button>
        }
    };
    let lang_button = {
        let act = on_action.clone();
        let other = match lang {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        };
        let onclick = Callback::from(move |_| act.emit(Action::SetLang(other)));
        html! {
            <button type="button" class="icon-btn" id="lang-toggle" {onclick} lang={other.html_lang()}
                title={other.t().switch_to()}>
                <span aria-hidden="true">{ "文A " }</span>{ other.t().lang_name() }
            </button>
        }
    };
    let notices = (!state.notices.is_empty()).then(|| {
        let act = on_action.clone();
        let dismiss = Callback::from(move |_| act.emit(Action::DismissNotices));
        html! {
            <div class="notice" role="alert" id="notice">
                <p><strong>{ t.notice_title() }</strong></p>
                <ul>
                    { for state.notices.iter().take(MAX_NOTICES).map(|n| html! { <li><code>{ n.param.clone() }</code>{ " " }{ t.reason(&n.reason) }</li> }) }
                </ul>
                if state.notices.len() > MAX_NOTICES { <p>{ crate::i18n::fill(t.notice_more(), &[&format::group((state.notices.len() - MAX_NOTICES) as u64)]) }</p> }
                <button type="button" class="btn" onclick={dismiss}>{ t.dismiss() }</button>
            </div>
        }
    });
    let summary_line = computed.as_ref().as_ref().ok().map(|c| AttrValue::from(summary(c, lang)));

    // A pinned scenario, estimated on the same GPU, beside the current one.
    let pinned = use_memo((state.pinned.clone(), state.gpu), |(p, g)| {
        p.as_ref().and_then(|p| compute(p, *g).ok().map(|c| (c.estimate, p.clone())))
    });
    let compare = match (pinned.as_ref(), computed.as_ref()) {
        (Some((e, p)), Ok(c)) => {
            let label = crate::i18n::fill(t.seq_batch(), &[&format::group(p.seq_len), &format::group(p.batch_size)]);
            let label = format!("{} · {} · {label}", model_name(&p.model, lang), t.method_short(p.method));
            Some(crate::components::result::compare_table(e, &label, &c.estimate, state.unit, lang))
        }
        _ => None,
    };
    let on_pin = {
        let act = on_action.clone();
        let pinned = state.pinned.is_some();
        Callback::from(move |_| act.emit(Action::Pin(!pinned)))
    };
    // Typed text that is not a valid value: the result is for the last valid one, and says so.
    let stale = !state.drafts.is_empty();
    let results = match computed.as_ref() {
        Ok(c) => {
            let act = on_action.clone();
            let on_unit = Callback::from(move |u| act.emit(Action::SetUnit(u)));
            let act = on_action.clone();
            let on_apply = Callback::from(move |a: lora_vram::advice::Advice| act.emit(Action::Apply(Box::new(a))));
            let g = &GPUS[state.gpu];
            html! {
                <>
                    <section class="card result" aria-labelledby="h-result">
                        <h2 id="h-result" class="sr-only">{ t.result_title() }</h2>
                        if stale { <p class="stale-note" role="status" id="stale-note">{ t.stale_note() }</p> }
                        <p class="result-model">{ model_name(&state.input.model, lang) }{ " · " }{ t.method_short(state.input.method) }
                            { " · " }{ crate::i18n::fill(t.seq_batch(), &[&format::group(state.input.seq_len), &format::group(state.input.batch_size)]) }</p>
                        { total_view(&TotalProps { estimate: c.estimate, unit: state.unit, lang, on_unit, compact: false,
                            dist: c.scenario.distributed, host: c.estimate.host_per_node(&c.scenario) }) }
                        <StackedBar estimate={c.estimate} unit={state.unit} {lang} capacity={Some((AttrValue::from(g.name), g.vram_bytes))} />
                        if experts_unquantized(&c.scenario) { <p class="note" id="moe-weights-note">{ t.moe_weights_note() }</p> }
                    </section>
                    <section class="card">
                        <GpuPanel scenario={c.scenario} fits={c.fits.clone()} selected={state.gpu} unit={state.unit} {lang} {on_apply}
                            custom_vram={state.custom_vram} vram_draft={state.draft("gpu-vram").map(str::to_string)} on_action={on_action.clone()} />
                    </section>
                    <section class="card" aria-labelledby="h-breakdown">
                        <h2 id="h-breakdown">{ t.breakdown_caption() }</h2>
                        { breakdown_table(&TableProps { estimate: c.estimate, unit: state.unit, lang }) }
                        { compare.unwrap_or_default() }
                        <button type="button" class="btn ghost" id="pin" onclick={on_pin}>{ if state.pinned.is_some() { t.unpin() } else { t.pin() } }</button>
                    </section>
                </>
            }
        }
        Err(e) => html! {
            <section class="card result error-card" aria-labelledby="h-result">
                <h2 id="h-result">{ t.invalid_title() }</h2>
                <p role="alert" id="scenario-error">{ t.error(e) }</p>
                <p class="hint">{ t.invalid_hint() }</p>
            </section>
        },
    };
    let table = computed.as_ref().as_ref().ok().map(|c| {
        let act = on_action.clone();
        let on_select = Callback::from(move |g| act.emit(Action::SelectGpu(g)));
        let act = on_action.clone();
        let on_filter = Callback::from(move |f| act.emit(Action::SetFilter(f)));
        let act = on_action.clone();
        let on_sort = Callback::from(move |k| act.emit(Action::SortBy(k)));
        html! {
            { gpu_table_view(&GpuTableProps { fits: c.fits.clone(), selected: state.gpu, filter: state.filter, sort: state.sort, batch_size: state.input.batch_size, seq_len: state.input.seq_len, unit: state.unit, lang, on_select, on_filter, on_sort, multi: c.scenario.distributed.is_some() }) }
        }
    });
    let share_query = share_query(&state, &props.boot.languages);
    let hub = hub_box(&HubProps {
        lang,
        status: state.import.clone(),
        model: state.hub.as_ref().map(|h| {
            let arch = computed.as_ref().as_ref().ok().map(|c| c.estimate.total_params);
            (h.id.clone(), h.params.or(arch))
        }),
        on_action: on_action.clone(),
    });

    html! {
        <div class="page">
            <a class="skip" href="#results">{ t.skip_to_results() }</a>
            <header class="top">
                <div class="brand">
                    <h1>{ t.app_name() }</h1>
                    <p class="tagline">{ t.tagline() }</p>
                </div>
                <div class="top-actions">
                    { lang_button }
                    { theme_button }
                </div>
            </header>
            { notices.unwrap_or_default() }
            <main class="layout">
                <div class="cols">
                <div class="inputs">
                    { scenario_form(&FormProps { input: state.input.clone(), lang, summary: summary_line, hub, drafts: state.drafts.clone(), on_action: on_action.clone() }) }
                </div>
                <div class="outputs" data-stale={stale.then_some("1")} id="results" tabindex="-1">
                    { results }
                    <SharePanel input={with_gpu(&state.input, state.gpu)} query={share_query} page_url={props.boot.page_url.clone()} {lang}
                        save_failed={state.save_failed} config_left_out={config_too_long_for_link(&state)}
                        on_reset={{ let a = on_action.clone(); Callback::from(move |_| a.emit(Action::Reset)) }} />
                </div>
                </div>
                <div class="wide" data-stale={stale.then_some("1")}>{ table.unwrap_or_default() }</div>
            </main>
            { computed.as_ref().as_ref().ok().map(|c| {
                let fit = match state.custom_vram {
                    Some(v) => lora_vram::fit::fit_custom(&c.scenario, v).ok().map(|f| (f.verdict, "")),
                    None => c.fits.get(state.gpu).map(|f| (f.verdict, GPUS[f.gpu].name)),
                };
                summary_bar(c.estimate.total(), state.unit, lang, fit)
            }).unwrap_or_default() }
            <footer class="foot">
                <section class="assumptions" aria-labelledby="h-assume">
                    <h2 id="h-assume">{ t.assume_title() }</h2>
                    <ul>
                        <li>{ t.assume_versions() }</li>
                        <li>{ t.assume_loop() }</li>
                        <li>{ t.assume_gpus() }</li>
                        <li>{ t.assume_batches() }</li>
                    </ul>
                    <p>
                        <a href="docs/method.md" id="link-method">{ t.link_method() }</a>{ " · " }
                        <a href="docs/accuracy.md" id="link-accuracy">{ t.link_accuracy() }</a>
                    </p>
                </section>
                <p>{ t.footer() }</p>
            </footer>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{resolve, Fetched, ImportStatus};

    fn boot(query: &str, stored: Option<&str>) -> Boot {
        Boot {
            query: query.into(),
            stored: stored.map(str::to_string),
            languages: vec!["en".into()],
            page_url: String::new(),
        }
    }

    // See: issue 6, "The id goes into the URL, so a shared link reloads the same model".
    #[test]
    fn an_imported_model_is_shared_as_its_id() {
        let s = init(&boot("?hf=acme/qwen-7b-custom&seq-len=4096", None));
        assert_eq!(s.import, ImportStatus::Loading("acme/qwen-7b-custom".into()));
        assert_eq!(s.input.seq_len, 4096);
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert_eq!(
            share_query(&s, &["en".into()]),
            "?hf=acme/qwen-7b-custom&seq-len=4096&gpu=rtx-4090&unit=gib",
            "the id stays while loading"
        );

        let c = include_str!("../../../tests/fixtures/configs/Qwen__Qwen2.5-7B.json");
        let m = resolve("acme/qwen-7b-custom", Fetched::Body(c.into()), Fetched::Offline).unwrap();
        let s = (*Rc::new(s).reduce(Action::Imported(Box::new(m)))).clone();
        assert!(s.hub.is_some());
        let q = share_query(&s, &["en".into()]);
        assert_eq!(q, "?hf=acme/qwen-7b-custom&seq-len=4096&gpu=rtx-4090&unit=gib", "no config.json in the link");
        // The link, and the stored query, bring the import back.
        let back = init(&boot(&q, None));
        assert_eq!(back.import, ImportStatus::Loading("acme/qwen-7b-custom".into()));
        let stored = format!("{{\"query\": \"{q}\"}}");
        let back = init(&boot("", Some(&stored)));
        assert_eq!(back.import, ImportStatus::Loading("acme/qwen-7b-custom".into()));
        assert_eq!(back.input.seq_len, 4096);
    }

    // See: issue 10, friction ("the link drops the GB/GiB unit, the theme, the filter and the sort,
    // and leaves out the GPU when it is the default").
    #[test]
    fn the_link_carries_what_the_page_shows() {
        let mut s = init(&boot("?seq-len=4096", Some(r#"{"gpu": "a100-80gb", "unit": "gb"}"#)));
        s.theme = Theme::Dark;
        s.filter = GpuFilter::Datacenter;
        s.sort = (SortKey::Headroom, false);
        let q = share_query(&s, &["en".into()]);
        assert_eq!(q, "?seq-len=4096&gpu=a100-80gb&unit=gb&theme=dark&filter=datacenter&sort=headroom-desc");
        // Opened where another GPU and unit are stored, the link wins.
        let back = init(&boot(&q, Some(r#"{"gpu": "rtx-3090", "unit": "gib", "theme": "light"}"#)));
        assert_eq!(
            (back.gpu, back.unit, back.theme, back.filter, back.sort),
            (s.gpu, s.unit, s.theme, s.filter, s.sort)
        );
        assert_eq!(back.input, s.input);
    }

    // See: issue 10, item 9 (hostile input: 100,000 keys, a repeated s=, a 100 KB id).
    #[test]
    fn hostile_links_are_bounded_and_summarised() {
        let many: String = (0..100_000).map(|i| format!("k{i}=1&")).collect();
        let s = init(&boot(&format!("?{many}"), None));
        assert!(s.notices.len() <= query::MAX_PAIRS + 2, "{}", s.notices.len());
        assert!(s.notices.iter().any(|n| matches!(n.reason, Reason::TooMany(_))));
        let s = init(&boot("?s={}&s={\"seq_len\":1024}", None));
        assert_eq!(s.input.seq_len, 1024, "the last s= is used");
        assert!(s.notices.iter().any(|n| n.reason == Reason::Repeated));
        let long = "a".repeat(100_000);
        let s = init(&boot(&format!("?hf=x/{long}"), None));
        assert!(matches!(s.import, ImportStatus::Failed(_, crate::hub::ImportError::InvalidId)));
        let s = init(&boot("?lora-alpha=1e308", None));
        assert_eq!(s.input.lora.alpha, ScenarioInput::default().lora.alpha);
        assert_eq!(s.notices.len(), 1);
    }

    // See: issue 10, item 2 (MoE presets failed with the default dropout; a link's dropout was
    // silently rewritten to 0).
    #[test]
    fn moe_models_get_dropout_zero_with_the_reason() {
        let s = init(&boot("?model=mistralai/Mixtral-8x7B-v0.1&lora-dropout=0.1&seq-len=1024", None));
        assert_eq!(s.input.lora.dropout, 0.0);
        assert_eq!(s.input.seq_len, 1024, "everything else is kept");
        assert_eq!(s.notices.len(), 1, "{:?}", s.notices);
        assert_eq!(s.notices[0].reason, Reason::MoeDropout);
        assert!(Scenario::try_from(&s.input).is_ok());
        // Picked in the form: the same, said once.
        let s = (*Rc::new(State::default())
            .reduce(Action::SetModel(lora_vram::input::ModelInput::Id("Qwen/Qwen3-30B-A3B".into()))))
        .clone();
        assert_eq!(s.input.lora.dropout, 0.0);
        assert_eq!(s.notices.iter().filter(|n| n.reason == Reason::MoeDropout).count(), 1);
        assert!(Lang::Zh.t().reason(&Reason::MoeDropout).contains("ParamWrapper"));
    }

    #[test]
    fn a_bad_id_in_the_url_is_never_fetched() {
        for bad in ["?hf=https://evil.example/x", "?hf=a/b/c", "?hf="] {
            let s = init(&boot(bad, None));
            assert!(matches!(s.import, ImportStatus::Failed(_, crate::hub::ImportError::InvalidId)), "{bad}");
            assert_eq!(s.input, ScenarioInput::default(), "{bad}");
            assert!(!share_query(&s, &["en".into()]).contains("hf="), "{bad}");
        }
    }
}
