//! The compact card of embed mode: the chosen inputs, the total, the four-part bar, the fit on a
//! few GPUs, and a link to the full calculator. It reports its height to the host page, takes the
//! colour scheme the host page posts (embed.js follows the host's own theme switch), and shows the
//! widget's invalid attributes, such as a `data-model` that is no preset, as a notice in the card.

use std::rc::Rc;

use lora_vram::gpus::{find_gpu, GPUS};
use yew::prelude::*;

use super::form::{Control, ControlView};
use super::gpu::verdict_chip;
use super::model::model_name;
use super::result::{total_view, StackedBar, TotalProps};
use crate::app::{Boot, Computed};
use crate::format;
use crate::i18n::Lang;
use crate::query::{self, Notice};
use crate::state::{Action, State, Theme};

/// Embed-mode settings, from the query embed.js builds.
#[derive(Clone, Debug, PartialEq)]
pub struct Embed {
    /// Inputs to show.
    pub controls: Vec<Control>,
    /// GPUs to show the fit for (indices into `GPUS`).
    pub gpus: Vec<usize>,
    /// Widget id, echoed in height messages.
    pub id: String,
    /// The host page's origin (postMessage target), if given and well-formed.
    pub host: Option<String>,
    /// Theme variables: (CSS custom property, value).
    pub vars: Vec<(&'static str, String)>,
}

/// Whether a theming value is what its key asks for, and nothing that can load a resource: a
/// colour for `accent` and `bg`, a font-family list for `font`, a length for `radius`.
fn safe_css(key: &str, v: &str) -> bool {
    use self::css;
    v.len() <= 120
        && match key {
            "accent" | "bg" => css::is_colour(v),
            "font" => css::is_font_list(v),
            "radius" => css::is_length(v),
            _ => false,
        }
}

/// Whether a string is an origin: `scheme://host[:port]`, nothing more.
pub fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
}

/// The embed card's settings from its query (the `data-*` attributes embed.js passes).
pub fn embed_settings(boot: &Boot) -> Embed {
    let pairs = query::parse(&boot.query);
    let get = |k: &str| query::get(&pairs, k);
    let gpus: Vec<usize> = match get("gpus") {
        Some(list) => list.split([',', ' ']).filter_map(|id| find_gpu(id.trim())).collect(),
        None => Vec::new(),
    };
    let gpus = if gpus.is_empty() {
        GPUS.iter().enumerate().filter(|(_, g)| g.popular).map(|(i, _)| i).collect()
    } else {
        gpus
    };
    let vars = [("accent", "--accent"), ("font", "--font"), ("radius", "--radius"), ("bg", "--card")]
        .into_iter()
        .filter_map(|(k, var)| get(k).filter(|v| safe_css(k, v)).map(|v| (var, v.to_string())))
        .collect();
    Embed {
        controls: get("controls").map_or_else(|| Control::EMBED_DEFAULT.to_vec(), Control::parse_list),
        gpus,
        id: get("id")
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(64)
            .collect(),
        host: get("host").filter(|h| is_origin(h)).map(str::to_string),
        vars,
    }
}

/// The card's starting state: the page's ([`crate::app::init`]), keeping only the notices about
/// its scenario attributes (an unknown `data-model`), and its settings.
pub fn init_embed(boot: &Boot) -> (State, Embed) {
    let mut s = crate::app::init(boot);
    s.notices.retain(is_scenario_notice);
    (s, embed_settings(boot))
}

/// The full calculator's address from the card's own (`…/embed/` → `…/`).
pub fn full_page_url(card_url: &str) -> String {
    let dir = &card_url[..card_url.rfind('/').map_or(0, |i| i + 1)];
    dir.strip_suffix("embed/").unwrap_or(dir).to_string()
}

/// Props of [`EmbedApp`].
#[derive(Properties, PartialEq)]
pub struct EmbedAppProps {
    /// Where the card starts from.
    pub boot: Rc<Boot>,
}

/// The embed card's root (its own binary, `embed/`): the shared state and the card.
#[component]
pub fn EmbedApp(props: &EmbedAppProps) -> Html {
    let (state, computed, on_action) = crate::app::use_app(&props.boot, false);
    let embed = use_memo((), {
        let boot = props.boot.clone();
        move |_| embed_settings(&boot)
    });
    {
        let embed = embed.clone();
        use_effect_with((), move |_| {
            crate::platform::set_root_attr("data-embed", Some("1"));
            for (var, v) in &embed.vars {
                crate::platform::set_css_var(var, v);
            }
        });
    }
    html! {
        <EmbedCard state={(*state).clone()} {computed} embed={(*embed).clone()} page_url={full_page_url(&props.boot.page_url)} {on_action} />
    }
}

/// Props of [`EmbedCard`].
#[derive(Properties, PartialEq)]
pub struct EmbedProps {
    /// The state.
    pub state: State,
    /// The computed result.
    pub computed: Rc<Result<Computed, lora_vram::Error>>,
    /// Embed settings.
    pub embed: Embed,
    /// The app's own address (without query), for the "open in full calculator" link.
    pub page_url: String,
    /// Dispatches an edit.
    pub on_action: Callback<Action>,
}

/// The embed card.
#[component]
pub fn EmbedCard(props: &EmbedProps) -> Html {
    let s = &props.state;
    let lang = s.lang;
    let t = lang.t();
    let root = use_node_ref();
    {
        let root = root.clone();
        let id = props.embed.id.clone();
        let target = props.embed.host.clone().unwrap_or_else(|| "*".into());
        let host = props.embed.host.clone();
        let act = props.on_action.clone();
        use_effect_with((), move |_| {
            // Listen before the first height message: embed.js answers it with the host's theme.
            if let Some(host) = host {
                crate::platform::watch_theme(host, move |t| {
                    if let Some(t) = Theme::parse(t) {
                        act.emit(Action::SetTheme(t))
                    }
                });
            }
            if let Some(el) = root.cast::<web_sys::Element>() {
                crate::platform::watch_height(el, id, target);
            }
        });
    }
    let mut pairs = query::encode_scenario(&s.input);
    pairs.push(("lang".into(), lang.as_str().into()));
    let full = format!("{}{}", props.page_url, query::join(&pairs));
    let act = props.on_action.clone();
    let on_unit = Callback::from(move |u| act.emit(Action::SetUnit(u)));
    let (on_input, on_change) = super::form::form_handlers(&props.on_action, &s.input);
    let body = match props.computed.as_ref() {
        Ok(c) => html! {
            <>
                { total_view(&TotalProps { estimate: c.estimate, unit: s.unit, lang, on_unit, compact: true, dist: c.scenario.distributed, host: 0 }) }
                <StackedBar estimate={c.estimate} unit={s.unit} {lang} />
                <ul class="embed-gpus" aria-label={t.gpu_table_title()}>
                    { for props.embed.gpus.iter().filter_map(|&i| c.fits.get(i)).map(|f| {
                        let g = &GPUS[f.gpu];
                        html! {
                            <li data-gpu={g.id}>
                                <span class="g-name">{ g.name }<span class="g-vram">{ format::bytes(g.vram_bytes, s.unit) }</span></span>
                                { verdict_chip(f.verdict, lang) }
                                <span class="g-head" data-neg={(f.headroom < 0).then_some("1")}>{ format::signed_bytes(f.headroom, s.unit) }</span>
                            </li>
                        }
                    }) }
                </ul>
            </>
        },
        Err(e) => html! { <p class="error" role="alert">{ t.error(e) }</p> },
    };
    html! {
        <div class="embed-card" ref={root}>
            <header class="embed-head">
                <span class="embed-brand">{ t.app_name() }</span>
                <span class="embed-model">{ model_name(&s.input.model, lang) }{ " · " }{ t.method_short(s.input.method) }</span>
            </header>
            if !props.embed.controls.is_empty() {
                <form class="embed-controls" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())} aria-label={t.form_label()}
                    oninput={on_input} onchange={on_change}>
                    { for props.embed.controls.iter().map(|&control| match control {
                        Control::Model => model_select(&s.input.model, lang),
                        _ => html! { <ControlView {control} input={s.input.clone()} {lang} on_action={props.on_action.clone()} /> },
                    }) }
                </form>
            }
            if !s.notices.is_empty() { { notices(&s.notices, lang) } }
            { body }
            <a class="embed-open" href={full} target="_blank" rel="noopener">{ if lang == crate::i18n::Lang::Zh { "在完整计算器中打开" } else { "Open in full calculator" } }<span aria-hidden="true">{ " ↗" }</span></a>
        </div>
    }
}

/// The card's model control: a plain select of the presets by family (the full page's picker,
/// with its search, parameter count and config.json, is too large for a card).
fn model_select(model: &lora_vram::input::ModelInput, lang: Lang) -> Html {
    use lora_vram::presets::MODELS;
    let t = lang.t();
    let current = match model {
        lora_vram::input::ModelInput::Id(id) => lora_vram::presets::find_model(id),
        _ => None,
    };
    let mut families: Vec<&str> = Vec::new();
    for m in MODELS {
        if !families.contains(&m.family) {
            families.push(m.family);
        }
    }
    html! {
        <div class="field">
            <label for="c-model">{ t.model_title() }</label>
            <select id="c-model">
                if current.is_none() { <option selected=true disabled=true>{ model_name(model, lang) }</option> }
                { for families.iter().map(|f| html! {
                    <optgroup label={*f}>
                    { for MODELS.iter().enumerate().filter(|(_, m)| m.family == *f).map(|(k, m)| html! {
                        <option value={k.to_string()} selected={current == Some(k)}>{ t.preset_name(m.name) }</option>
                    }) }
                    </optgroup>
                }) }
            </select>
        </div>
    }
}

/// Whether a notice of `init()` concerns the widget's scenario (`data-model`, `data-seq-len`, …):
/// those the card shows. Keys that are not scenario fields are left out: a host element may carry
/// data attributes of its own.
pub fn is_scenario_notice(n: &Notice) -> bool {
    !query::UI_KEYS.contains(&n.param.as_str()) && n.reason != query::Reason::NotAField
}

/// The widget's invalid attributes, named as the page author wrote them (`data-model`), so that a
/// wrong id shows in the card rather than quietly giving the default model.
fn notices(list: &[Notice], lang: Lang) -> Html {
    // Here rather than in i18n's tables: only the card says it.
    let title = match lang {
        Lang::En => "This widget has settings the calculator does not know; it shows the defaults for them:",
        Lang::Zh => "此组件有计算器无法识别的设置，已改用默认值：",
    };
    html! {
        <div class="embed-notice" role="alert">
            <p>{ title }</p>
            <ul>
                { for list.iter().map(|n| html! {
                    <li><code>{ "data-" }{ n.param.clone() }</code>{ " " }{ lang.t().reason(&n.reason) }</li>
                }) }
            </ul>
        </div>
    }
}

/// The theming values embed mode accepts (`data-accent`, `data-font`, `data-radius`, `data-bg`, or
/// the host's `--lora-vram-*` variables): a colour, a font-family list, a length. Each grammar is
/// a small subset of CSS with no function but the colour functions and no `url(`, `image-set(`,
/// `var(`, `;` or `}`, so a value can neither load a resource nor escape its declaration.
/// See issue 10, item 10: `data-bg="url(x.png)"` made the card fetch `/x.png`.
pub mod css {
    /// Colour functions whose arguments are numbers (with `%`, an angle unit, or `none`).
    const COLOUR_FUNCTIONS: [&str; 9] = ["rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch"];
    /// Units of an angle or a percentage inside a colour function.
    const COLOUR_UNITS: [&str; 6] = ["", "%", "deg", "rad", "grad", "turn"];
    /// Units of a length.
    const LENGTH_UNITS: [&str; 13] = ["px", "em", "rem", "%", "pt", "pc", "ch", "ex", "vw", "vh", "vmin", "vmax", "mm"];
    /// Longest named colour (`lightgoldenrodyellow`), and a bound on a font list.
    const MAX_NAME: usize = 20;
    const MAX_FONTS: usize = 12;

    /// A plain decimal number, optionally signed: `12`, `-0.5`, `.5`. (Byte slices throughout:
    /// the card's wasm stays small.)
    fn number(s: &[u8]) -> bool {
        let d = match s {
            [b'+' | b'-', rest @ ..] => rest,
            _ => s,
        };
        d.iter().any(u8::is_ascii_digit)
            && d.iter().all(|&b| b.is_ascii_digit() || b == b'.')
            && d.iter().filter(|&&b| b == b'.').count() <= 1
    }

    /// A number followed by one of `units`.
    fn dimension(s: &[u8], units: &[&str]) -> bool {
        let split = s.iter().position(|&b| b.is_ascii_alphabetic() || b == b'%').unwrap_or(s.len());
        let (n, unit) = s.split_at(split);
        number(n) && units.iter().any(|u| u.as_bytes().eq_ignore_ascii_case(unit))
    }

    /// `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`; `rgb()`, `hsl()`, `oklch()`, … with numeric
    /// arguments; or a named colour (letters only: `rebeccapurple`, `transparent`).
    pub fn is_colour(v: &str) -> bool {
        let v = v.trim().as_bytes();
        if let [b'#', hex @ ..] = v {
            return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.iter().all(u8::is_ascii_hexdigit);
        }
        let Some(open) = v.iter().position(|&b| b == b'(') else {
            return (3..=MAX_NAME).contains(&v.len()) && v.iter().all(u8::is_ascii_alphabetic);
        };
        let [args @ .., b')'] = &v[open + 1..] else { return false };
        let mut count = 0;
        COLOUR_FUNCTIONS.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(&v[..open]))
            && args.split(|&b| matches!(b, b',' | b' ' | b'/')).filter(|a| !a.is_empty()).all(|a| {
                count += 1;
                a.eq_ignore_ascii_case(b"none") || dimension(a, &COLOUR_UNITS)
            })
            && (3..=4).contains(&count)
    }

    /// A font-family list: names, quoted (`"Source Serif 4"`) or not (`Georgia, serif`).
    pub fn is_font_list(v: &str) -> bool {
        let name_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | ' ');
        let family = |f: &str| {
            let f = f.trim();
            let b = f.as_bytes();
            match b {
                [q @ (b'"' | b'\''), .., end] if end == q && b.len() > 2 => {
                    let inner = &f[1..f.len() - 1];
                    !inner.trim().is_empty() && inner.chars().all(|c| name_char(c) || c == '.')
                }
                [first, ..] => !first.is_ascii_digit() && *first != b'-' && f.chars().all(name_char),
                [] => false,
            }
        };
        v.split(',').count() <= MAX_FONTS && v.split(',').all(family)
    }

    /// One length: `0`, `6px`, `.5rem`, `12%`.
    pub fn is_length(v: &str) -> bool {
        let v = v.trim().as_bytes();
        v == b"0" || (v.first() != Some(&b'-') && dimension(v, &LENGTH_UNITS))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// (value, accepted). The rejected rows are what issue 10's review tried, and its relatives.
        const COLOURS: &[(&str, bool)] = &[
            ("#c2410c", true),
            ("#FFF", true),
            ("#11223344", true),
            ("rgb(12 34 56)", true),
            ("rgba(12, 34, 56, .5)", true),
            ("hsl(210deg 50% 40% / 80%)", true),
            ("oklch(0.7 0.1 250)", true),
            ("rebeccapurple", true),
            ("transparent", true),
            ("url(x.png)", false),
            ("url(\"x.png\")", false),
            ("rgb(1 2 url(x.png))", false),
            ("image-set(\"x.png\" 1x)", false),
            ("var(--x)", false),
            ("red;background:url(x.png)", false),
            ("red}body{background:url(x.png)", false),
            ("#12345", false),
            ("#ggg", false),
            ("rgb(1 2)", false),
            ("calc(1px)", false),
            ("", false),
            ("red blue", false),
        ];
        const FONTS: &[(&str, bool)] = &[
            ("Georgia, serif", true),
            ("\"Source Serif 4\", 'Noto Serif', serif", true),
            ("system-ui", true),
            ("微软雅黑, sans-serif", true),
            ("url(x.woff)", false),
            ("x, url(x.woff)", false),
            ("Georgia; background: url(x.png)", false),
            ("\"a\\\" url(x)\"", false),
            ("a,,b", false),
            ("'Georgia\", serif", false),
            ("\"\"", false),
            ("", false),
        ];
        const LENGTHS: &[(&str, bool)] = &[
            ("0", true),
            ("2px", true),
            (".5rem", true),
            ("12%", true),
            ("-2px", false),
            ("2", false),
            ("2px 4px", false),
            ("calc(1px + 2px)", false),
            ("url(x.png)", false),
            ("2px;x:url(y)", false),
            ("1.2.3px", false),
            (".px", false),
        ];

        #[test]
        fn theming_values_are_only_what_they_say() {
            for (table, check) in
                [(COLOURS, is_colour as fn(&str) -> bool), (FONTS, is_font_list), (LENGTHS, is_length)]
            {
                for &(v, want) in table {
                    assert_eq!(check(v), want, "{v:?}: expected {want}, got {}", check(v));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use lora_vram::presets::find_model;

    use super::{init_embed, Embed};
    use crate::app::Boot;

    fn embed(query: &str) -> (crate::state::State, Embed) {
        init_embed(&Boot { query: query.into(), ..Boot::default() })
    }

    // See: issue 10, item 11, "Unknown models": the card quietly showed Llama 3.1 8B.
    #[test]
    fn scenario_notices_reach_the_card_and_nothing_else_does() {
        let (s, _) = embed("?embed=1&id=w&model=mistralai/Mistral-7B-v0.1&seq-len=0&title=Docs&theme=bogus&gpu=x");
        let params: Vec<&str> = s.notices.iter().map(|n| n.param.as_str()).collect();
        assert_eq!(params, ["model", "seq-len"], "{:?}", s.notices);
        assert!(
            crate::i18n::Lang::En.t().reason(&s.notices[0].reason).contains("mistralai/Mistral-7B-v0.1"),
            "{:?}",
            s.notices[0]
        );
        let (s, _) = embed("?embed=1&id=w&model=mistralai/Mistral-7B-v0.3");
        assert!(s.notices.is_empty(), "{:?}", s.notices);
    }

    // See: issue 10, item 10, "The widget's theming filter lets url(...) through".
    #[test]
    fn only_safe_theming_values_become_variables() {
        let (_, e) = embed("?embed=1&bg=url(x.png)&accent=%23c2410c&font=x,url(y.woff)&radius=4px");
        assert_eq!(e.vars, [("--accent", "#c2410c".to_string()), ("--radius", "4px".to_string())]);
    }

    /// Every `data-model` in the embedding guide and in the shipped example names a preset
    /// (issue 10, item 11: the VitePress example named `mistralai/Mistral-7B-v0.1`, which is none).
    #[test]
    fn documented_models_are_presets() {
        for (file, text) in [
            ("docs/embedding.md", include_str!("../../../../docs/embedding.md")),
            ("web/example.html", include_str!("../../../../web/example.html")),
        ] {
            let ids: Vec<&str> = text.split("data-model=\"").skip(1).filter_map(|r| r.split('"').next()).collect();
            assert!(!ids.is_empty(), "{file} has no data-model");
            for id in ids {
                assert!(find_model(id).is_some(), "{file}: data-model=\"{id}\" is not a preset id");
            }
        }
    }
}
