//! The model picker: a searchable preset list grouped by family, a parameter-count slider, and a
//! config.json box (paste or upload).
//!
//! It takes and reports a [`ModelInput`], so any other source of a model (a future "import from a
//! Hugging Face model id" box, say) only has to produce `ModelInput::HfConfig` for the picker to
//! show it: [`model_name`] names a config by its `_name_or_path`, else its architecture.

use lora_vram::input::ModelInput;
use lora_vram::presets::{ModelPreset, MODELS};
use serde_json::Value;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::controls::{slider, NumberBox, PARAMS_SCALE};
use crate::i18n::Lang;

/// Where the model comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A preset.
    Preset,
    /// A parameter count.
    Params,
    /// A config.json.
    Config,
}

impl Source {
    /// The source of a model input.
    pub fn of(m: &ModelInput) -> Source {
        match m {
            ModelInput::Id(_) => Source::Preset,
            ModelInput::Params { .. } => Source::Params,
            ModelInput::HfConfig { .. } => Source::Config,
        }
    }
}

/// A display name for a model input: the preset's name, "≈7B (typical architecture)", or the
/// config's `_name_or_path` / architecture.
pub fn model_name(m: &ModelInput, lang: Lang) -> String {
    let t = lang.t();
    match m {
        ModelInput::Id(id) => lora_vram::presets::find_model(id)
            .map_or_else(|| crate::format::clip(id, 80), |i| t.preset_name(MODELS[i].name)),
        ModelInput::Params { params } => crate::i18n::fill(t.params_model(), &[&crate::format::params(*params as u64)]),
        ModelInput::HfConfig { hf_config } => config_name(hf_config).unwrap_or_else(|| t.config_model().to_string()),
    }
}

/// The name a config.json gives itself.
pub fn config_name(c: &Value) -> Option<String> {
    let s = |k: &str| c.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    s("_name_or_path")
        .or_else(|| c.get("architectures").and_then(|a| a.get(0)).and_then(Value::as_str).map(str::to_string))
        .or_else(|| s("model_type").map(|t| format!("{t} (config.json)")))
}

/// Whether every whitespace-separated term of `query` occurs in the preset's id, name or family.
pub fn matches(p: &ModelPreset, query: &str) -> bool {
    let hay = format!("{} {} {}", p.id, p.name, p.family).to_ascii_lowercase();
    let hay_compact = hay.replace(['-', '_', ' ', '.'], "");
    query.split_whitespace().all(|term| {
        let term = term.to_ascii_lowercase();
        hay.contains(&term) || hay_compact.contains(&term.replace(['-', '_', '.'], ""))
    })
}

/// Presets matching `query`, grouped by family in table order.
pub fn grouped(query: &str) -> Vec<(&'static str, Vec<usize>)> {
    let mut groups: Vec<(&'static str, Vec<usize>)> = Vec::new();
    for (i, p) in MODELS.iter().enumerate().filter(|(_, p)| matches(p, query)) {
        match groups.iter_mut().find(|(f, _)| *f == p.family) {
            Some((_, v)) => v.push(i),
            None => groups.push((p.family, vec![i])),
        }
    }
    groups
}

/// The presets of one family, one per size, smallest first: what the size slider moves through
/// (Qwen2.5 0.5B → 72B). Of two presets with the same parameter count (a base model and its
/// Instruct twin) the first listed stands for the size, unless it is the current one.
pub fn family_sizes(current: usize) -> Vec<usize> {
    let family = MODELS[current].family;
    let mut sizes: Vec<(u64, usize)> = Vec::new();
    for (i, m) in MODELS.iter().enumerate().filter(|(_, m)| m.family == family) {
        let Ok((arch, _)) = lora_vram::input::resolve_model(&ModelInput::Id(m.id.to_string())) else { continue };
        let n = arch.params().total();
        match sizes.iter_mut().find(|(p, _)| *p == n) {
            Some(e) if i == current => e.1 = i,
            Some(_) => {}
            None => sizes.push((n, i)),
        }
    }
    crate::format::sort_small(&mut sizes, |(n, _)| *n);
    sizes.into_iter().map(|(_, i)| i).collect()
}

/// Largest config.json the page reads: real ones are a few KB (a multimodal one under 20 KB).
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// Why a pasted or uploaded config.json can't be used.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// Larger than [`MAX_CONFIG_BYTES`]: not a config.json (this many bytes).
    TooLarge(usize),
    /// Not JSON: where the parser stopped (line, column).
    Json(usize, usize),
    /// JSON, but not an architecture the estimator reads.
    Model(lora_vram::Error),
    /// The file could not be read.
    Unreadable,
}

/// Checks pasted config.json text: the parsed JSON, or what is wrong.
pub fn check_config(text: &str) -> Result<Value, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge(text.len()));
    }
    let v: Value = serde_json::from_str(text.trim()).map_err(|e| ConfigError::Json(e.line(), e.column()))?;
    lora_vram::config::parse_config(&v).map_err(ConfigError::Model)?;
    Ok(v)
}

/// Props of [`ModelPicker`].
#[derive(Properties, PartialEq)]
pub struct ModelPickerProps {
    /// The model in use.
    pub value: ModelInput,
    /// Language.
    pub lang: Lang,
    /// A one-line summary of the resolved architecture (parameters, layers), if it resolves.
    #[prop_or_default]
    pub summary: Option<AttrValue>,
    /// Called with the new model.
    pub on_change: Callback<ModelInput>,
    /// A field of the picker with invalid text: (`model-params-num` or `model-config`, the text).
    #[prop_or_default]
    pub draft: Option<(&'static str, String)>,
    /// Records (or with `None` clears) a field's invalid text.
    pub on_draft: Callback<(&'static str, Option<String>)>,
}

/// The model picker.
#[component]
pub fn ModelPicker(props: &ModelPickerProps) -> Html {
    let t = props.lang.t();
    // The tab the user picked; the model itself decides, except that the config tab stays open
    // while a config is being written (the model is still the previous one then).
    let picked = use_state(|| None::<Source>);
    let source = if *picked == Some(Source::Config) { Source::Config } else { Source::of(&props.value) };
    let query = use_state(String::new);
    let config_text = use_state(|| match &props.value {
        ModelInput::HfConfig { hf_config } => crate::format::json(hf_config),
        _ => String::new(),
    });
    let config_error = use_state(|| None::<ConfigError>);

    let tab = |s: Source, label: &'static str| {
        let picked = picked.clone();
        let on_change = props.on_change.clone();
        let current = props.value.clone();
        let onchange = Callback::from(move |_: Event| {
            picked.set(Some(s));
            match s {
                Source::Preset if !matches!(current, ModelInput::Id(_)) => {
                    on_change.emit(ModelInput::default());
                }
                Source::Params if !matches!(current, ModelInput::Params { .. }) => {
                    on_change.emit(ModelInput::Params { params: 7e9 });
                }
                _ => {}
            }
        });
        html! {
            <label class="seg-item">
                <input type="radio" name="model-source" checked={source == s} {onchange} />
                <span>{ label }</span>
            </label>
        }
    };

    let body = match source {
        Source::Preset => {
            let q = query.clone();
            let oninput =
                Callback::from(move |e: InputEvent| q.set(e.target_unchecked_into::<HtmlInputElement>().value()));
            let groups = grouped(&query);
            let current = match &props.value {
                ModelInput::Id(id) => lora_vram::presets::find_model(id),
                _ => None,
            };
            let on_change = props.on_change.clone();
            let onchange = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                if let Ok(i) = v.parse::<usize>() {
                    if let Some(p) = MODELS.get(i) {
                        on_change.emit(ModelInput::Id(p.id.to_string()));
                    }
                }
            });
            let count: usize = groups.iter().map(|(_, v)| v.len()).sum();
            // The size slider: the presets of the current one's family, smallest first (read by
            // the form's handler, `c-family`).
            let sizes = current.map(family_sizes).unwrap_or_default();
            let size_slider = (sizes.len() > 1).then(|| {
                let pos = sizes.iter().position(|&k| Some(k) == current).unwrap_or(0);
                let name = t.preset_name(MODELS[sizes[pos]].name);
                html! {
                    <div class="field slider">
                        <label for="c-family">{ crate::i18n::fill(t.family_size(), &[&MODELS[sizes[pos]].family]) }</label>
                        <input type="range" id="c-family" min="0" max={(sizes.len() - 1).to_string()} step="1"
                            value={pos.to_string()} aria-valuetext={name.clone()} />
                        <p class="hint">{ t.preset_name(MODELS[sizes[0]].name) }{ " → " }{ t.preset_name(MODELS[sizes[sizes.len() - 1]].name) }</p>
                    </div>
                }
            });
            html! {
                <>
                    { size_slider.unwrap_or_default() }
                    <div class="field">
                        <label for="model-search">{ t.model_search() }</label>
                        <input type="search" id="model-search" placeholder={t.model_search_placeholder()}
                            value={(*query).clone()} {oninput} autocomplete="off" aria-controls="model-list" />
                    </div>
                    <div class="field">
                        <label for="model-list" class="sr-only">{ t.model_preset() }</label>
                        <select id="model-list" size="7" {onchange} class="listbox">
                            { for groups.iter().map(|(family, items)| html! {
                                <optgroup label={*family}>
                                    { for items.iter().map(|&i| html! {
                                        <option value={i.to_string()} selected={current == Some(i)} title={MODELS[i].id}>
                                            { t.preset_name(MODELS[i].name) }
                                        </option>
                                    }) }
                                </optgroup>
                            }) }
                        </select>
                        if count == 0 { <p class="hint" role="status">{ t.model_no_match() }</p> }
                    </div>
                </>
            }
        }
        Source::Params => {
            let p = match props.value {
                ModelInput::Params { params } => params,
                _ => 7e9,
            };
            let value_text = format!("{} {}", crate::format::params(p as u64), t.params_unit());
            let b = p / 1e9;
            // The form's handler reads both inputs (`model-params`, `model-params-num`).
            let invalid = props
                .draft
                .as_ref()
                .filter(|(f, _)| *f == "model-params-num")
                .map(|(_, raw)| (raw.as_str(), t.invalid_params()));
            let number = NumberBox {
                id: "model-params-num",
                aria_label: Some(t.model_params_number()),
                value: crate::format::float(crate::components::controls::round2(b)),
                invalid,
                integer: false,
                suffix: Some("B"),
                placeholder: None,
                disabled: false,
                hint_id: None,
            };
            html! {
                <>
                    { slider("model-params", t.model_params(), PARAMS_SCALE, b, &value_text, number) }
                    <p class="hint">{ t.model_params_hint() }</p>
                </>
            }
        }
        Source::Config => {
            let text = config_text.clone();
            let err = config_error.clone();
            let on_change = props.on_change.clone();
            let on_draft = props.on_draft.clone();
            let handle = Callback::from(move |s: String| {
                let e = if s.trim().is_empty() {
                    None
                } else {
                    match check_config(&s) {
                        Ok(v) => {
                            on_change.emit(ModelInput::HfConfig { hf_config: v });
                            None
                        }
                        Err(e) => Some(e),
                    }
                };
                // The result no longer matches the form while the config.json is wrong.
                on_draft.emit(("model-config", e.as_ref().map(|_| String::new())));
                // Text too large to be a config.json stays in the box as typed, but not in the state.
                if !matches!(e, Some(ConfigError::TooLarge(_))) {
                    text.set(s);
                }
                err.set(e);
            });
            let h = handle.clone();
            let oninput =
                Callback::from(move |e: InputEvent| h.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value()));
            let h = handle.clone();
            let err2 = config_error.clone();
            let onupload = Callback::from(move |e: Event| {
                let input = e.target_unchecked_into::<HtmlInputElement>();
                if let Some(file) = input.files().and_then(|f| f.get(0)) {
                    // A file too large to be a config.json is refused before it is read.
                    let size = file.size() as usize;
                    if size > MAX_CONFIG_BYTES {
                        err2.set(Some(ConfigError::TooLarge(size)));
                        return;
                    }
                    let h = h.clone();
                    let err = err2.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                            Ok(v) => h.emit(v.as_string().unwrap_or_default()),
                            Err(_) => err.set(Some(ConfigError::Unreadable)),
                        }
                    });
                }
            });
            html! {
                <>
                    <div class="field">
                        <label for="config-file">{ t.config_upload() }</label>
                        <input type="file" id="config-file" accept=".json,application/json" onchange={onupload} />
                    </div>
                    <div class="field">
                        <label for="config-text">{ t.config_paste() }</label>
                        <textarea id="config-text" rows="6" spellcheck="false" placeholder={"{\"model_type\": \"llama\", \"hidden_size\": 4096, …}"}
                            value={(*config_text).clone()} {oninput}
                            aria-invalid={config_error.is_some().then_some("true")}
                            aria-describedby="config-status" />
                        <p id="config-status" data-error={config_error.is_some().then_some("1")} class="hint"
                            role={config_error.is_some().then_some("alert")}>
                            { config_error.as_ref().map_or_else(
                                || if matches!(props.value, ModelInput::HfConfig { .. }) {
                                    format!("{} {}", t.config_ok(), model_name(&props.value, props.lang))
                                } else { t.config_hint().to_string() },
                                |e| format!("{} {}", t.config_error(), t.config_problem(e))) }
                        </p>
                    </div>
                </>
            }
        }
    };

    html! {
        <div class="model-picker">
            <fieldset class="choice">
                <legend>{ t.model_source() }</legend>
                <div class="seg">
                    { tab(Source::Preset, t.model_tab_preset()) }
                    { tab(Source::Params, t.model_tab_params()) }
                    { tab(Source::Config, t.model_tab_config()) }
                </div>
            </fieldset>
            { body }
            if let Some(s) = &props.summary { <p class="model-summary">{ s.clone() }</p> }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_loosely() {
        let hits: Vec<&str> = grouped("qwen 7b").iter().flat_map(|(_, v)| v.iter().map(|&i| MODELS[i].id)).collect();
        assert!(hits.contains(&"Qwen/Qwen2.5-7B"), "{hits:?}");
        assert!(hits.iter().all(|h| h.to_lowercase().contains("qwen")));
        assert!(!grouped("llama3.1").is_empty(), "punctuation-insensitive");
        assert!(grouped("zzzz").is_empty());
    }

    #[test]
    fn config_errors_say_what_is_wrong() {
        assert!(matches!(check_config("{"), Err(ConfigError::Json(1, 1))));
        assert!(matches!(check_config("{\"hidden_size\": 1}"), Err(ConfigError::Model(_))));
        assert!(check_config("[1]").is_err());
        // See: issue 10, item 9 (a 20 MB paste froze the page for 8–10 s).
        let huge = format!("{{\"a\": \"{}\"}}", "x".repeat(MAX_CONFIG_BYTES));
        assert_eq!(check_config(&huge), Err(ConfigError::TooLarge(huge.len())));
    }
}
