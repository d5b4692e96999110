//! Sharing: copy the link, copy the embed snippet, and the scenario and result as JSON (the exact
//! input and output of `lora-vram estimate --json`).

use lora_vram::input::ScenarioInput;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::query;

/// Escapes text for an HTML attribute or element.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The directory of a page address (`https://h/p/index.html` → `https://h/p/`).
pub fn base_dir(page_url: &str) -> &str {
    match page_url.rfind('/') {
        Some(i) => &page_url[..=i],
        None => page_url,
    }
}

/// The embed snippet for a scenario: a `data-lora-vram` element with the scenario as kebab-case
/// `data-*` attributes and a fallback link, and the script tag.
pub fn embed_snippet(input: &ScenarioInput, query: &str, page_url: &str, link_text: &str) -> String {
    let mut attrs = String::new();
    for (k, v) in query::encode_scenario(input) {
        attrs.push_str(&format!(" data-{k}=\"{}\"", html_escape(&v)));
    }
    let dir = base_dir(page_url);
    format!(
        "<div data-lora-vram{attrs}>\n  <a href=\"{}\">{}</a>\n</div>\n<script src=\"{}embed.js\" defer></script>",
        html_escape(&format!("{page_url}{query}")),
        html_escape(link_text),
        html_escape(dir),
    )
}

/// Props of [`SharePanel`].
#[derive(Properties, PartialEq)]
pub struct ShareProps {
    /// The scenario.
    pub input: ScenarioInput,
    /// Its share query (`?…`).
    pub query: String,
    /// The page address without query.
    pub page_url: String,
    /// Language.
    pub lang: Lang,
    /// Back to the defaults.
    pub on_reset: Callback<()>,
    /// localStorage refused the last save.
    #[prop_or_default]
    pub save_failed: bool,
    /// The config.json is too long for the link, which leaves it out.
    #[prop_or_default]
    pub config_left_out: bool,
}

/// Copy link, copy embed code, reset, and the link to the export page.
#[component]
pub fn SharePanel(props: &ShareProps) -> Html {
    let t = props.lang.t();
    // (what was copied, whether the clipboard took it)
    let status = use_state(|| None::<(&'static str, bool, String)>);
    let link = format!("{}{}", props.page_url, props.query);
    let snippet = embed_snippet(&props.input, &props.query, &props.page_url, t.embed_fallback());

    let copy = |what: &'static str, text: String| {
        let status = status.clone();
        Callback::from(move |_: MouseEvent| {
            let status = status.clone();
            let text = text.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ok = crate::platform::copy(text.clone()).await;
                status.set(Some((what, ok, text)));
            });
        })
    };
    let on_reset = props.on_reset.clone();
    let reset = Callback::from(move |_: MouseEvent| on_reset.emit(()));
    let status_text = status.as_ref().map(|(what, ok, _)| match (*what, *ok) {
        ("link", true) => t.copied_link(),
        ("embed", true) => t.copied_embed(),
        _ => t.copy_failed(),
    });
    let fallback = status.as_ref().filter(|(_, ok, _)| !*ok).map(|(_, _, text)| {
        html! {
            <textarea class="copy-fallback" readonly=true rows="4" aria-label={t.copy_failed()} value={text.clone()} />
        }
    });

    html! {
        <section class="card share" aria-labelledby="h-share">
            <h2 id="h-share">{ t.share_title() }</h2>
            <div class="btn-row">
                <button type="button" class="btn primary" id="copy-link" onclick={copy("link", link.clone())}>{ t.copy_link() }</button>
                <button type="button" class="btn" id="copy-embed" onclick={copy("embed", snippet.clone())}>{ t.copy_embed() }</button>
                <button type="button" class="btn ghost" id="reset" onclick={reset}>{ t.reset() }</button>
            </div>
            <p class="status" role="status" aria-live="polite" id="copy-status">{ status_text.unwrap_or("") }</p>
            if props.config_left_out { <p class="note" id="link-config-note">{ t.link_config_left_out() }</p> }
            if props.save_failed { <p class="note error" role="alert" id="save-failed">{ t.save_failed() }</p> }
            { fallback.unwrap_or_default() }
            // The exports and the JSON have a page of their own, for the same scenario.
            <p><a href={format!("export/{}", props.query)} id="export-link">{ t.export_link() }</a></p>
        </section>
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use super::*;

    #[test]
    fn snippet_has_kebab_attributes_and_a_fallback_link() {
        let mut i = ScenarioInput::default();
        i.seq_len = 4096;
        i.model = lora_vram::input::ModelInput::Id("Qwen/Qwen2.5-7B".into());
        let q = query::join(&query::encode_scenario(&i));
        let s = embed_snippet(&i, &q, "https://example.org/tools/index.html", "Open");
        assert!(s.contains(r#"data-model="Qwen/Qwen2.5-7B""#), "{s}");
        assert!(s.contains(r#"data-seq-len="4096""#), "{s}");
        assert!(
            s.contains(r#"<a href="https://example.org/tools/index.html?model=Qwen/Qwen2.5-7B&amp;seq-len=4096">"#),
            "{s}"
        );
        assert!(s.contains(r#"<script src="https://example.org/tools/embed.js" defer>"#), "{s}");
    }
}
