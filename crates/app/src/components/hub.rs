//! The import box: a Hugging Face model id, Enter (or Load), then loading, the model's name and
//! parameter count, or an alert that says what to do. (A plain function; the fetching is an effect
//! in [`crate::app`], the state in [`crate::state`].)
//!
//! Everything shown comes from i18n strings and text nodes: the id, a count, the estimator's
//! reason. Nothing from a response is inserted as HTML.

use lora_vram::input::ModelInput;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::format;
use crate::hub::{ImportError, ImportStatus};
use crate::i18n::Lang;
use crate::state::Action;

/// The id of the text box.
pub const INPUT_ID: &str = "hf-id";

/// What [`hub_box`] shows.
#[derive(Clone, Debug, PartialEq)]
pub struct HubProps {
    /// Language.
    pub lang: Lang,
    /// Loading, failed, or idle.
    pub status: ImportStatus,
    /// The imported model in use: its id, and its parameter count (the Hub's, else the
    /// architecture's) when known.
    pub model: Option<(String, Option<u64>)>,
    /// Dispatches [`Action::Import`] and, from an error, [`Action::SetModel`].
    pub on_action: Callback<Action>,
}

/// The message for a failed import of `id`.
pub fn error_text(lang: Lang, id: &str, e: &ImportError) -> String {
    let t = lang.t();
    let id = &crate::format::clip(id, 80);
    match e {
        ImportError::InvalidId => crate::i18n::fill(t.hub_invalid(), &[&id]),
        ImportError::NotFound => crate::i18n::fill(t.hub_not_found(), &[&id]),
        ImportError::Gated { .. } => crate::i18n::fill(t.hub_gated(), &[&id]),
        ImportError::Network => t.hub_network().to_string(),
        ImportError::Http(s) => crate::i18n::fill(t.hub_http(), &[&id, &s.to_string()]),
        ImportError::Redirected => crate::i18n::fill(t.hub_redirected(), &[&id]),
        ImportError::Malformed(line, col) => {
            crate::i18n::fill(t.hub_malformed(), &[&id, &crate::i18n::fill(t.json_at(), &[line, col])])
        }
        ImportError::Unsupported { reason, .. } => crate::i18n::fill(t.hub_unsupported(), &[&id, &t.error(reason)]),
    }
}

/// The import box.
pub fn hub_box(p: &HubProps) -> Html {
    let t = p.lang.t();
    let load = {
        let act = p.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(v) = crate::platform::input_value(INPUT_ID) {
                act.emit(Action::Import(v));
            }
        })
    };
    let onkeydown = {
        let act = p.on_action.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                // Inside the scenario form: Enter must not submit it.
                e.prevent_default();
                act.emit(Action::Import(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()));
            }
        })
    };
    let loading = p.status.loading().is_some();
    let failed = matches!(p.status, ImportStatus::Failed(..));
    // The box shows the id being loaded, else the id in use; what the user types in between stays.
    let value = match (&p.status, &p.model) {
        (ImportStatus::Loading(id), _) | (ImportStatus::Failed(id, _), _) | (_, Some((id, _))) => id.clone(),
        _ => String::new(),
    };
    let status = match &p.status {
        ImportStatus::Loading(id) => {
            html! { <p id="hf-status" class="hint" role="status">{ crate::i18n::fill(t.hub_loading(), &[&id]) }</p> }
        }
        ImportStatus::Failed(id, e) => {
            let switch = e.params().map(|n| {
                let act = p.on_action.clone();
                let onclick = Callback::from(move |_| act.emit(Action::SetModel(ModelInput::Params { params: n as f64 })));
                html! { <button type="button" class="btn" id="hf-use-params" {onclick}>{ crate::i18n::fill(t.hub_use_params(), &[&format::params(n)]) }</button> }
            });
            html! {
                <div id="hf-error" class="error" role="alert">
                    <p>{ error_text(p.lang, id, e) }{ t.hub_kept() }</p>
                    { switch.unwrap_or_default() }
                </div>
            }
        }
        ImportStatus::Idle => match &p.model {
            Some((id, n)) => html! {
                <p id="hf-status" class="hint" role="status">
                    <strong>{ id.clone() }</strong>
                    { for n.map(|n| format!(" · {}", crate::i18n::fill(t.hub_params(), &[&format::params(n)]))) }
                </p>
            },
            None => html! { <p id="hf-status" class="hint" role="status">{ t.hub_hint() }</p> },
        },
    };
    html! {
        <div class="field hub">
            <label for={INPUT_ID}>{ t.hub_label() }</label>
            <div class="hub-row">
                <input type="text" id={INPUT_ID} {value} {onkeydown} placeholder="Qwen/Qwen2.5-7B-Instruct"
                    autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="go"
                    aria-invalid={failed.then_some("true")} aria-describedby={if failed { "hf-error" } else { "hf-status" }} />
                <button type="button" class="btn" id="hf-load" onclick={load} disabled={loading} aria-busy={loading.then_some("true")}>
                    { if loading { t.hub_loading_button() } else { t.hub_load() } }
                </button>
            </div>
            { status }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_names_the_model_and_what_to_do() {
        let errors = [
            ImportError::InvalidId,
            ImportError::NotFound,
            ImportError::Gated { params: None },
            ImportError::Http(500),
            ImportError::Redirected,
            ImportError::Malformed(1, 2),
            ImportError::Unsupported { reason: lora_vram::Error::UnsupportedModelType("bert".into()), params: Some(1) },
        ];
        for lang in [Lang::En, Lang::Zh] {
            for e in &errors {
                let m = error_text(lang, "owner/model-x", e);
                assert!(m.contains("owner/model-x"), "{m}");
                assert!(m.chars().count() > 30, "{m}");
            }
            assert!(error_text(lang, "a/b", &ImportError::Network).contains("config.json"));
            assert!(error_text(lang, "a/b", &ImportError::Gated { params: None }).contains("config.json"));
        }
    }
}
