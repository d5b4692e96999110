//! The result: the total, the four-part stacked bar, and the breakdown table.

use lora_vram::fit::Verdict;
use lora_vram::Estimate;
use yew::prelude::*;

use crate::components::gpu::verdict_chip;
use crate::format::{self, Unit};
use crate::i18n::{Lang, Text};

/// The four parts people reason in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Base model weights.
    Weights,
    /// Adapter parameters, gradients and optimizer state.
    Adapter,
    /// Activations.
    Activations,
    /// CUDA context and allocator slack.
    Overhead,
}

impl Part {
    /// All four, in bar order.
    pub const ALL: [Part; 4] = [Part::Weights, Part::Adapter, Part::Activations, Part::Overhead];

    /// CSS class that colours it.
    pub const fn class(self) -> &'static str {
        match self {
            Part::Weights => "p-weights",
            Part::Adapter => "p-adapter",
            Part::Activations => "p-activations",
            Part::Overhead => "p-overhead",
        }
    }

    /// Its label, named for what it is in this estimate: under full fine-tuning the trainable
    /// parameters are the weights, so the second part is their gradients and optimizer state; at
    /// the optimizer step the activations are freed and what is left is the step's temporaries.
    pub fn label(self, t: &Text, e: &Estimate) -> &'static str {
        match self {
            Part::Weights => t.part_weights(),
            Part::Adapter if is_full(e) => t.part_training(),
            Part::Adapter => t.part_adapter(),
            Part::Activations if e.phase == lora_vram::estimate::Phase::OptimizerStep => t.part_step_temp(),
            Part::Activations => t.part_activations(),
            Part::Overhead => t.part_overhead(),
        }
    }

    /// Its bytes.
    pub fn bytes(self, e: &Estimate) -> u64 {
        match self {
            Part::Weights => e.weights,
            Part::Adapter => e.adapter.total(),
            Part::Activations => e.activations,
            Part::Overhead => e.overhead.total(),
        }
    }

    /// Its sub-items, labelled.
    pub fn items(self, e: &Estimate, t: &Text) -> Vec<(&'static str, u64)> {
        match self {
            Part::Weights => Vec::new(),
            // The logits and the loss's own tensors: what the memory savers remove (issue 13).
            Part::Activations if e.logits > 0 => {
                vec![(t.sub_logits(), e.logits), (t.sub_layers(), e.activations.saturating_sub(e.logits))]
            }
            Part::Activations => Vec::new(),
            Part::Adapter if is_full(e) => {
                vec![(t.sub_gradients(), e.adapter.gradients), (t.sub_optimizer(), e.adapter.optimizer)]
            }
            Part::Adapter => vec![
                (t.sub_params(), e.adapter.params),
                (t.sub_gradients(), e.adapter.gradients),
                (t.sub_optimizer(), e.adapter.optimizer),
            ],
            Part::Overhead => {
                vec![(t.sub_cuda_context(), e.overhead.cuda_context), (t.sub_allocator(), e.overhead.allocator)]
            }
        }
    }

    /// One sentence for screen readers and the hover detail: "Adapter: 0.53 GB (parameters 0.17 GB, …)".
    pub fn describe(self, e: &Estimate, t: &Text, unit: Unit) -> String {
        let mut s = format!("{}{}{}", self.label(t, e), t.colon(), format::bytes(self.bytes(e), unit));
        let items = self.items(e, t);
        if !items.is_empty() {
            s.push_str(t.open_paren());
            for (i, (label, b)) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(t.comma());
                }
                s.push_str(&format!("{label} {}", format::bytes(*b, unit)));
            }
            s.push_str(t.close_paren());
        }
        s
    }
}

/// Whether the estimate is of full fine-tuning: every weight is trainable, and there are no
/// adapter parameters apart from them.
fn is_full(e: &Estimate) -> bool {
    e.adapter.params == 0 && e.trainable_params > 0
}

/// Props of [`TotalView`].
#[derive(Properties, PartialEq)]
pub struct TotalProps {
    /// The estimate.
    pub estimate: Estimate,
    /// Unit in use.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
    /// Called when the user switches GB / GiB.
    pub on_unit: Callback<Unit>,
    /// A compact layout (embed).
    #[prop_or_default]
    pub compact: bool,
    /// The multi-GPU setup, if any: the total is then per GPU.
    #[prop_or_default]
    pub dist: Option<lora_vram::distributed::Distributed>,
    /// Host memory each node needs ([`Estimate::host_per_node`]).
    #[prop_or_default]
    pub host: u64,
}

/// The big total, with the unit switch, the uncertainty range and the peak-allocated figure.
/// (A plain function, not a component: it has no state, and each component type costs page size.)
pub fn total_view(props: &TotalProps) -> Html {
    let t = props.lang.t();
    let e = &props.estimate;
    let (low, high) = e.range();
    let (amount, label) = format::scaled(e.total(), props.unit);
    let unit_button = |u: Unit| {
        let on_unit = props.on_unit.clone();
        let onclick = Callback::from(move |_| on_unit.emit(u));
        html! {
            <button type="button" class="unit-btn" aria-pressed={(props.unit == u).to_string()} {onclick}>{ u.label() }</button>
        }
    };
    html! {
        <div class="total" data-compact={props.compact.then_some("1")}>
            <div class="total-head">
                <span class="total-label" id="total-label">{ match props.dist {
                    Some(d) => crate::i18n::fill(t.total_per_gpu(), &[&d.gpus, &crate::i18n::strategy_name(d.strategy)]),
                    None => t.total_label().to_string(),
                } }</span>
                <span class="unit-switch" role="group" aria-label={t.unit_label()}>
                    { unit_button(Unit::Gb) }{ unit_button(Unit::Gib) }
                </span>
            </div>
            <p class="total-value" aria-labelledby="total-label" data-bytes={e.total().to_string()}>
                <span class="num" id="total-amount">{ amount }</span>
                <span class="unit">{ label }</span>
            </p>
            <p class="total-range">
                { crate::i18n::fill(t.range_text(), &[&format::bytes(low, props.unit), &format::bytes(high, props.unit)]) }
            </p>
            if !props.compact {
                <dl class="facts">
                    <div><dt>{ t.peak_allocated() }</dt><dd>{ format::bytes(e.peak_allocated, props.unit) }</dd></div>
                    <div><dt>{ t.params_total() }</dt><dd>{ format::params(e.total_params) }</dd></div>
                    <div><dt>{ t.params_trainable() }</dt><dd>{ format!("{} ({})", format::params(e.trainable_params), format::percent(e.trainable_params, e.total_params.max(1))) }</dd></div>
                    <div><dt>{ t.peak_phase() }</dt><dd>{ t.phase(e.phase) }</dd></div>
                    if props.host > 0 {
                        <div id="host-ram"><dt>{ t.host_ram() }</dt><dd>{ format::bytes(props.host, props.unit) }</dd></div>
                    }
                </dl>
                if let Some(n) = props.dist.and_then(|d| d.notice()) { <p class="note" id="dist-notice">{ t.dist_notice(n) }</p> }
                if e.paged_optimizer {
                    <p class="note">{ crate::i18n::fill(t.paged_note(), &[&format::bytes(e.adapter.optimizer, props.unit)]) }</p>
                }
            }
        </div>
    }
}

/// The bar fixed to the bottom of narrow screens: the total and the chosen GPU's verdict, as a
/// link to the full result. (A plain function; CSS shows it only under 720 px, and embed mode
/// never renders it.)
pub fn summary_bar(total: u64, unit: Unit, lang: Lang, fit: Option<(Verdict, &'static str)>) -> Html {
    let t = lang.t();
    html! {
        <a class="sumbar" id="sumbar" href="#results" title={t.sumbar_hint()}>
            <span><span class="total-label">{ t.total_label() }</span><strong>{ format::bytes(total, unit) }</strong></span>
            if let Some((v, gpu)) = fit {
                { verdict_chip(v, lang) }<span class="sb-gpu">{ gpu }</span>
            }
            <span aria-hidden="true">{ "↑" }</span>
        </a>
    }
}

/// Props of [`StackedBar`].
#[derive(Properties, PartialEq)]
pub struct BarProps {
    /// The estimate.
    pub estimate: Estimate,
    /// Unit.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
    /// A GPU to draw as a capacity line: (name, bytes).
    #[prop_or_default]
    pub capacity: Option<(AttrValue, u64)>,
}

/// The four parts as a stacked SVG bar; each part is focusable and names its sub-items on hover
/// or focus.
#[component]
pub fn StackedBar(props: &BarProps) -> Html {
    let t = props.lang.t();
    let e = &props.estimate;
    let active = use_state(|| None::<Part>);
    let total = e.total().max(1);
    let scale_max = props.capacity.as_ref().map_or(total, |(_, c)| total.max(*c)).max(1) as f64;
    const W: f64 = 10000.0;
    let mut x = 0.0;
    let segments = Part::ALL.iter().map(|&p| {
        let w = p.bytes(e) as f64 / scale_max * W;
        let x0 = x;
        x += w;
        let set = active.clone();
        let onenter = Callback::from(move |_: MouseEvent| set.set(Some(p)));
        let set = active.clone();
        let onfocus = Callback::from(move |_: FocusEvent| set.set(Some(p)));
        let set = active.clone();
        let onleave = Callback::from(move |_: MouseEvent| set.set(None));
        let set = active.clone();
        let onblur = Callback::from(move |_: FocusEvent| set.set(None));
        let desc = p.describe(e, t, props.unit);
        html! {
            <g class="seg-part" data-p={p.class()} data-active={(*active == Some(p)).then_some("1")} tabindex="0" role="img"
                aria-label={desc.clone()} onmouseenter={onenter} onmouseleave={onleave} {onfocus} {onblur}>
                <title>{ desc }</title>
                <rect x={(x0.round() as u64).to_string()} y="0" width={(w.max(0.0).round() as u64).to_string()} height="40" />
            </g>
        }
    }).collect::<Html>();
    let capacity = props.capacity.as_ref().map(|(name, bytes)| {
        let cx = (*bytes as f64 / scale_max * W).min(W - 10.0);
        let over = e.total() > *bytes;
        html! {
            <g class="capacity" data-over={over.then_some("1")} aria-hidden="true">
                <line x1={(cx.round() as u64).to_string()} x2={(cx.round() as u64).to_string()} y1="-6" y2="46" />
                <title>{ format!("{name}: {}", format::bytes(*bytes, props.unit)) }</title>
            </g>
        }
    });
    let detail = match *active {
        Some(p) => p.describe(e, t, props.unit),
        None => t.bar_hint().to_string(),
    };
    html! {
        <div class="bar-wrap">
            <svg class="bar" viewBox="0 -6 10000 52" preserveAspectRatio="none" role="group" aria-label={t.bar_label()}>
                { segments }
                { capacity.unwrap_or_default() }
            </svg>
            if let Some((name, bytes)) = &props.capacity {
                <p class="capacity-label">
                    <span class="cap-mark" aria-hidden="true"></span>
                    { format!("{name}: {}", format::bytes(*bytes, props.unit)) }
                </p>
            }
            <p class="bar-detail" aria-hidden="true">{ detail }</p>
        </div>
    }
}

/// Props of [`BreakdownTable`].
#[derive(Properties, PartialEq)]
pub struct TableProps {
    /// The estimate.
    pub estimate: Estimate,
    /// Unit.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
}

/// The same numbers as the bar, as a table that doubles as its legend. (A plain function.)
pub fn breakdown_table(props: &TableProps) -> Html {
    let t = props.lang.t();
    let e = &props.estimate;
    let total = e.total();
    let rows = Part::ALL.iter().map(|&p| {
        let sub = p.items(e, t).into_iter().map(|(label, b)| html! {
            <tr class="sub">
                <th scope="row">{ label }</th>
                <td class="r">{ format::bytes(b, props.unit) }</td>
                <td class="r">{ format::percent(b, total) }</td>
            </tr>
        }).collect::<Html>();
        html! {
            <>
                <tr class="part">
                    <th scope="row"><span class="swatch" data-p={p.class()} aria-hidden="true"></span>{ p.label(t, e) }</th>
                    <td class="r">{ format::bytes(p.bytes(e), props.unit) }</td>
                    <td class="r">{ format::percent(p.bytes(e), total) }</td>
                </tr>
                { sub }
            </>
        }
    }).collect::<Html>();
    html! {
        <table class="breakdown">
            <caption class="sr-only">{ t.breakdown_caption() }</caption>
            <thead><tr><th scope="col">{ t.col_part() }</th><th scope="col" class="r">{ t.col_memory() }</th><th scope="col" class="r">{ t.col_share() }</th></tr></thead>
            <tbody>{ rows }</tbody>
            <tfoot><tr><th scope="row">{ t.total_label() }</th><td class="r">{ format::bytes(total, props.unit) }</td><td class="r">{ "100%" }</td></tr></tfoot>
        </table>
    }
}

/// The pinned setup beside the current one: each part, both totals, and the change. (A plain
/// function.)
pub fn compare_table(pinned: &Estimate, pinned_label: &str, now: &Estimate, unit: Unit, lang: Lang) -> Html {
    let t = lang.t();
    let row = |label: &str, a: u64, b: u64| {
        let d = i128::from(b) - i128::from(a);
        html! {
            <tr>
                <th scope="row">{ label }</th>
                <td class="r">{ format::bytes(a, unit) }</td>
                <td class="r">{ format::bytes(b, unit) }</td>
                <td class="r" data-neg={(d > 0).then_some("1")}>{ if d == 0 { "0".to_string() } else { format::signed_bytes(d, unit) } }</td>
            </tr>
        }
    };
    html! {
        <table class="breakdown compare" id="compare">
            <caption>{ t.compare_title() }{ t.colon() }{ pinned_label }</caption>
            <thead><tr><th scope="col">{ t.col_part() }</th><th scope="col" class="r">{ t.compare_pinned() }</th><th scope="col" class="r">{ t.compare_now() }</th><th scope="col" class="r">{ t.compare_delta() }</th></tr></thead>
            <tbody>
                { for Part::ALL.iter().map(|p| row(p.label(t, now), p.bytes(pinned), p.bytes(now))) }
            </tbody>
            <tfoot>{ row(t.total_label(), pinned.total(), now.total()) }</tfoot>
        </table>
    }
}
