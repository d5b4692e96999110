//! The compact card of embed mode: the chosen inputs, the total, the four-part bar, the fit on a
//! few GPUs, and a link to the full calculator. It reports its height to the host page.

use std::rc::Rc;

use lora_vram::gpus::GPUS;
use yew::prelude::*;

use super::form::ControlView;
use super::gpu::verdict_chip;
use super::model::model_name;
use super::result::{total_view, StackedBar, TotalProps};
use crate::app::{Computed, Embed};
use crate::format;
use crate::query;
use crate::state::{Action, State};

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
        use_effect_with((), move |_| {
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
                { total_view(&TotalProps { estimate: c.estimate, unit: s.unit, lang, on_unit, compact: true }) }
                <StackedBar estimate={c.estimate} unit={s.unit} {lang} />
                <ul class="embed-gpus" aria-label={t.gpu_table_title}>
                    { for props.embed.gpus.iter().filter_map(|&i| c.fits.get(i)).map(|f| {
                        let g = &GPUS[f.gpu];
                        html! {
                            <li data-gpu={g.id}>
                                <span class="g-name">{ g.name }<span class="g-vram">{ format::bytes(g.vram_bytes, s.unit) }</span></span>
                                { verdict_chip(f.verdict, lang) }
                                <span class={classes!("g-head", (f.headroom < 0).then_some("neg"))}>{ format::signed_bytes(f.headroom, s.unit) }</span>
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
                <span class="embed-brand">{ t.app_name }</span>
                <span class="embed-model">{ model_name(&s.input.model, lang) }{ " · " }{ t.method_short(s.input.method) }</span>
            </header>
            if !props.embed.controls.is_empty() {
                <form class="embed-controls" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())} aria-label={t.form_label}
                    oninput={on_input} onchange={on_change}>
                    { for props.embed.controls.iter().map(|&control| html! {
                        <ControlView {control} input={s.input.clone()} {lang} compact=true on_action={props.on_action.clone()} />
                    }) }
                </form>
            }
            { body }
            <a class="embed-open" href={full} target="_blank" rel="noopener">{ t.open_full }<span aria-hidden="true">{ " ↗" }</span></a>
        </div>
    }
}
