//! The GPU side: the chosen GPU's verdict with warnings and advice, and the compatibility table.

use std::rc::Rc;

use lora_vram::advice::{advise, Advice};
use lora_vram::fit::{Fit, Verdict};
use lora_vram::gpus::{Gpu, GPUS};
use lora_vram::Scenario;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::format::{self, Unit};
use crate::i18n::Lang;
use crate::state::{GpuFilter, SortKey};

/// CSS class of a verdict.
pub const fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Fits => "fits",
        Verdict::Tight => "tight",
        Verdict::DoesNotFit => "nofit",
    }
}

/// A coloured chip with an icon and the verdict in words (never colour alone).
pub fn verdict_chip(verdict: Verdict, lang: Lang) -> Html {
    let t = lang.t();
    let (icon, text) = match verdict {
        Verdict::Fits => ("✓", t.verdict_fits()),
        Verdict::Tight => ("!", t.verdict_tight()),
        Verdict::DoesNotFit => ("✗", t.verdict_nofit()),
    };
    html! {
        <span class="chip" data-v={verdict_class(verdict)}>
            <span class="chip-icon" aria-hidden="true">{ icon }</span>{ text }
        </span>
    }
}

/// A GPU's name with its memory: "GeForce RTX 4090 (24.0 GB)".
pub fn gpu_label(g: &Gpu, unit: Unit) -> String {
    format!("{} ({})", g.name, format::bytes(g.vram_bytes, unit))
}

/// Props of [`GpuPicker`].
#[derive(Properties, PartialEq)]
pub struct GpuPickerProps {
    /// Element id.
    pub id: AttrValue,
    /// Selected GPU index.
    pub selected: usize,
    /// Unit.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
    /// Dispatches the choice (stable for the page's lifetime, so that the picker and its 39
    /// options skip rendering when only the scenario changed: issue 12).
    pub on_action: Callback<crate::state::Action>,
}

/// A `<select>` of every GPU, consumer and data-center groups.
#[component]
pub fn GpuPicker(props: &GpuPickerProps) -> Html {
    let t = props.lang.t();
    let on_action = props.on_action.clone();
    let onchange = Callback::from(move |e: Event| {
        if let Ok(i) = e.target_unchecked_into::<HtmlSelectElement>().value().parse::<usize>() {
            on_action.emit(crate::state::Action::SelectGpu(i));
        }
    });
    let group = |label: &'static str, dc: bool| {
        html! {
            <optgroup {label}>
                { for GPUS.iter().enumerate().filter(|(_, g)| g.datacenter == dc).map(|(i, g)| html! {
                    <option value={i.to_string()} selected={i == props.selected}>{ gpu_label(g, props.unit) }</option>
                }) }
            </optgroup>
        }
    };
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ t.your_gpu() }</label>
            <select id={props.id.clone()} {onchange}>
                { group(t.filter_consumer(), false) }
                { group(t.filter_datacenter(), true) }
            </select>
        </div>
    }
}

/// Props of [`GpuPanel`].
#[derive(Properties, PartialEq)]
pub struct GpuPanelProps {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Every GPU's fit, in table order.
    pub fits: Rc<Vec<Fit>>,
    /// The chosen GPU.
    pub selected: usize,
    /// Unit.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
    /// Apply a piece of advice.
    pub on_apply: Callback<Advice>,
    /// "My GPU has N bytes", when the user typed it.
    #[prop_or_default]
    pub custom_vram: Option<u64>,
    /// Invalid text typed in the memory box.
    #[prop_or_default]
    pub vram_draft: Option<String>,
    /// Dispatches the memory box's edits.
    pub on_action: Callback<crate::state::Action>,
}

/// The memory box of "my GPU has N GiB": a valid value, or the typed text as a draft.
pub fn custom_vram_action(raw: &str) -> crate::state::Action {
    use crate::state::Action;
    if raw.trim().is_empty() {
        return Action::SetCustomVram(None);
    }
    match crate::components::controls::check(raw, 1.0, 1024.0, false) {
        Some(gib) => Action::SetCustomVram(Some((gib * 1_073_741_824.0) as u64)),
        None => Action::Draft("gpu-vram", Some(raw.to_string())),
    }
}

/// The chosen GPU: verdict in words, headroom, limits, warnings, and what to change.
#[component]
pub fn GpuPanel(props: &GpuPanelProps) -> Html {
    let t = props.lang.t();
    let i = props.selected.min(GPUS.len() - 1);
    let g = &GPUS[i];
    // A memory the user typed replaces the card's own (with the card's CUDA context).
    let vram = props.custom_vram.unwrap_or(g.vram_bytes);
    let fit = match props.custom_vram {
        Some(v) => lora_vram::fit::fit_custom(&props.scenario, v).ok(),
        None => props.fits.get(i).copied(),
    };
    let name = match props.custom_vram {
        Some(v) => crate::i18n::fill(t.custom_gpu_name(), &[&format::bytes(v, props.unit)]),
        None => g.name.to_string(),
    };
    // The estimator advises for "tight" and "does not fit" alike, judging each change against
    // the card's memory with the uncertainty margin (`lora_vram::advice`).
    let advice = use_memo((props.scenario, i, vram), |(s, i, vram)| {
        advise(s, *vram, GPUS[*i].flash_attn2).iter().copied().collect::<Vec<Advice>>()
    });
    let Some(fit) = fit else { return html! {} };
    let unit = props.unit;
    let headline = match fit.verdict {
        Verdict::Fits => crate::i18n::fill(t.gpu_fits(), &[&name]),
        Verdict::Tight => crate::i18n::fill(t.gpu_tight(), &[&name]),
        Verdict::DoesNotFit => crate::i18n::fill(t.gpu_nofit(), &[&name]),
    };
    let mag = u64::try_from(fit.headroom.unsigned_abs()).unwrap_or(u64::MAX);
    let detail = if fit.headroom >= 0 {
        crate::i18n::fill(t.headroom_text(), &[&format::bytes(mag, unit), &format::bytes(vram, unit)])
    } else {
        crate::i18n::fill(t.shortfall_text(), &[&format::bytes(mag, unit), &format::bytes(vram, unit)])
    };
    let on_vram = props
        .on_action
        .reform(|e: InputEvent| custom_vram_action(&e.target_unchecked_into::<web_sys::HtmlInputElement>().value()));
    let vram_box = crate::components::controls::NumberBox {
        id: "gpu-vram",
        aria_label: None,
        value: props.custom_vram.map_or_else(String::new, |v| crate::format::float(v as f64 / 1_073_741_824.0)),
        invalid: props.vram_draft.as_deref().map(|raw| (raw, t.invalid_vram())),
        integer: false,
        suffix: Some("GiB"),
        placeholder: None,
        disabled: false,
        hint_id: Some("gpu-vram-hint".into()),
    };
    // Limits, judged like the verdict (the whole range fits), then how far it may run (tight).
    let any_gpu_fits = props.fits.iter().any(|f| f.verdict == Verdict::Fits);
    let batch = format::group(props.scenario.batch_size);
    let mut limits = if fit.tight_seq_len == 0 {
        let part = t.cause(lora_vram::advice::dominant_part(&props.scenario));
        let more = if any_gpu_fits { t.limits_other_gpus() } else { t.limits_no_gpu() };
        format!("{} {more}", crate::i18n::fill(t.limits_none(), &[&part]))
    } else if fit.max_seq_len == 0 {
        crate::i18n::fill(t.limits_tight_only(), &[&format::tokens(fit.tight_seq_len), &batch])
    } else if fit.max_batch_size == 0 {
        crate::i18n::fill(
            t.limits_seq_only(),
            &[&format::tokens(fit.max_seq_len), &batch, &format::tokens(props.scenario.seq_len)],
        )
    } else {
        crate::i18n::fill(
            t.limits_text(),
            &[
                &format::tokens(fit.max_seq_len),
                &batch,
                &format::batch(fit.max_batch_size),
                &format::tokens(props.scenario.seq_len),
            ],
        )
    };
    if fit.max_seq_len > 0 && fit.tight_seq_len > fit.max_seq_len {
        limits.push(' ');
        limits.push_str(&crate::i18n::fill(t.limits_may_run(), &[&format::tokens(fit.tight_seq_len)]));
    }
    let advice_list = (!advice.is_empty()).then(|| {
        html! {
            <div class="advice">
                <h3>{ t.advice_title() }</h3>
                <ol>
                { for advice.iter().map(|a| {
                    let on_apply = props.on_apply.clone();
                    let adv = *a;
                    // Focus goes to the new verdict: the button itself may be gone after the change.
                    let onclick = Callback::from(move |_| {
                        on_apply.emit(adv);
                        crate::platform::focus_soon("gpu-verdict");
                    });
                    let text = t.advice(a);
                    html! {
                        <li data-v={verdict_class(a.verdict)}>
                            <span class="advice-text">{ text.clone() }</span>
                            <span class="advice-result" data-bytes={a.total.to_string()}>
                                { "→ " }{ format::bytes(a.total, unit) }{ " " }
                                { verdict_chip(a.verdict, props.lang) }
                            </span>
                            <button type="button" class="apply" {onclick} aria-label={format!("{}: {text}", t.apply())}>{ t.apply() }</button>
                        </li>
                    }
                }) }
                </ol>
            </div>
        }
    });
    html! {
        <section class="gpu-panel" aria-labelledby="gpu-panel-h">
            <h2 id="gpu-panel-h">{ t.gpu_panel_title() }</h2>
            <GpuPicker id="gpu-select" selected={i} {unit} lang={props.lang} on_action={props.on_action.clone()} />
            <div class="field" oninput={on_vram}>
                <label for="gpu-vram">{ t.custom_vram() }</label>
                { vram_box.view() }
                { vram_box.error() }
                <p class="hint" id="gpu-vram-hint">{ t.custom_vram_hint() }</p>
            </div>
            <div class="verdict-banner" data-v={verdict_class(fit.verdict)} role="status" id="gpu-verdict" tabindex="-1" data-verdict={fit.verdict.as_str()}>
                <p class="verdict-head">
                    <span class="chip-icon" aria-hidden="true">{ match fit.verdict { Verdict::Fits => "✓", Verdict::Tight => "!", Verdict::DoesNotFit => "✗" } }</span>
                    <strong>{ headline }</strong>
                </p>
                <p>{ detail }</p>
                <p>{ limits }</p>
                if fit.verdict == Verdict::Tight { <p>{ if any_gpu_fits { t.tight_explain() } else { t.tight_explain_no_gpu() } }</p> }
                if let Some(d) = props.scenario.distributed.filter(|_| props.custom_vram.is_none()) {
                    <p id="gpus-needed">{ match fit.gpus_needed {
                        Some(n) => crate::i18n::fill(t.needed_text(), &[&n, &crate::i18n::strategy_name(d.strategy)]),
                        None => crate::i18n::fill(t.needed_none(), &[&crate::i18n::strategy_name(d.strategy)]),
                    } }</p>
                }
            </div>
            if fit.warnings().next().is_some() {
                <ul class="warnings">
                    { for fit.warnings().map(|w| html! { <li><span aria-hidden="true">{ "⚠ " }</span>{ t.warning(w) }</li> }) }
                </ul>
            }
            { advice_list.unwrap_or_default() }
        </section>
    }
}

/// The rows of the table, filtered and sorted.
pub fn rows(fits: &[Fit], filter: GpuFilter, sort: (SortKey, bool)) -> Vec<Fit> {
    let mut v: Vec<Fit> = fits
        .iter()
        .copied()
        .filter(|f| match filter {
            GpuFilter::All => true,
            GpuFilter::Consumer => !GPUS[f.gpu].datacenter,
            GpuFilter::Datacenter => GPUS[f.gpu].datacenter,
        })
        .collect();
    let rank = |v: Verdict| match v {
        Verdict::Fits => 0,
        Verdict::Tight => 1,
        Verdict::DoesNotFit => 2,
    };
    let (key, asc) = sort;
    crate::format::sort_small(&mut v, |f| {
        let k: i128 = match key {
            SortKey::Name => f.gpu as i128,
            SortKey::Vram => i128::from(GPUS[f.gpu].vram_bytes),
            SortKey::Verdict => i128::from(rank(f.verdict)) * (1i128 << 100) - f.headroom,
            SortKey::Headroom => f.headroom,
            SortKey::MaxSeq => i128::from(f.max_seq_len),
            SortKey::MaxBatch => i128::from(f.max_batch_size),
            SortKey::Needed => i128::from(f.gpus_needed.unwrap_or(u64::MAX)),
        };
        let k = if asc { k } else { -k };
        (k, f.gpu)
    });
    v
}

/// Props of [`GpuTable`].
#[derive(Properties, PartialEq)]
pub struct GpuTableProps {
    /// Every GPU's fit.
    pub fits: Rc<Vec<Fit>>,
    /// Chosen GPU.
    pub selected: usize,
    /// Filter.
    pub filter: GpuFilter,
    /// Sort.
    pub sort: (SortKey, bool),
    /// Batch size and sequence length in use (column headers).
    pub batch_size: u64,
    /// Sequence length.
    pub seq_len: u64,
    /// Unit.
    pub unit: Unit,
    /// Language.
    pub lang: Lang,
    /// Choose a GPU.
    pub on_select: Callback<usize>,
    /// Change the filter.
    pub on_filter: Callback<GpuFilter>,
    /// Sort by a column.
    pub on_sort: Callback<SortKey>,
    /// A multi-GPU scenario: show how many of each GPU it needs.
    pub multi: bool,
}

/// Every GPU: verdict, headroom, the longest sequence and largest batch that fit. (A plain function.)
pub fn gpu_table_view(props: &GpuTableProps) -> Html {
    let t = props.lang.t();
    let unit = props.unit;
    let header = |key: SortKey, label: String, right: bool| {
        let on_sort = props.on_sort.clone();
        let onclick = Callback::from(move |_| on_sort.emit(key));
        let sorted = props.sort.0 == key;
        let aria_sort = if sorted {
            if props.sort.1 {
                "ascending"
            } else {
                "descending"
            }
        } else {
            "none"
        };
        let arrow = if sorted {
            if props.sort.1 {
                "▲"
            } else {
                "▼"
            }
        } else {
            "↕"
        };
        html! {
            <th scope="col" aria-sort={aria_sort} data-r={right.then_some("1")}>
                <button type="button" class="sort" {onclick}>
                    { label }<span class="arrow" data-on={sorted.then_some("1")} aria-hidden="true">{ arrow }</span>
                </button>
            </th>
        }
    };
    let filter = |f: GpuFilter, label: &'static str| {
        let on_filter = props.on_filter.clone();
        let onchange = Callback::from(move |_: Event| on_filter.emit(f));
        html! {
            <label class="seg-item">
                <input type="radio" name="gpu-filter" checked={props.filter == f} {onchange} />
                <span>{ label }</span>
            </label>
        }
    };
    let body = rows(&props.fits, props.filter, props.sort).into_iter().map(|f| {
        let g = &GPUS[f.gpu];
        let on_select = props.on_select.clone();
        let i = f.gpu;
        let onclick = Callback::from(move |_| on_select.emit(i));
        let selected = f.gpu == props.selected;
        let warn: Vec<String> = f.warnings().map(|w| t.warning_short(w).to_string()).collect();
        html! {
            <tr key={g.id} data-selected={selected.then_some("1")} data-gpu={g.id}>
                <th scope="row">
                    <button type="button" class="gpu-name" aria-pressed={selected.to_string()} {onclick}>{ g.name }</button>
                    <span class="gpu-arch">{ g.arch.as_str() }</span>
                    { for warn.iter().map(|w| html! { <span class="warn-tag">{ "⚠ " }{ w.clone() }</span> }) }
                </th>
                <td class="r">{ format::bytes(g.vram_bytes, unit) }</td>
                <td>{ verdict_chip(f.verdict, props.lang) }</td>
                <td class="r" data-neg={(f.headroom < 0).then_some("1")}>{ format::signed_bytes(f.headroom, unit) }</td>
                <td class="r">{ if f.max_seq_len == 0 { "—".to_string() } else { format::tokens(f.max_seq_len) } }</td>
                <td class="r">{ if f.max_batch_size == 0 { "—".to_string() } else { format::batch(f.max_batch_size) } }</td>
                if props.multi { <td class="r">{ f.gpus_needed.map_or_else(|| "—".to_string(), |n| n.to_string()) }</td> }
            </tr>
        }
    }).collect::<Html>();
    html! {
        <section class="gpu-table-section card" aria-labelledby="gpu-table-h">
            <div class="section-head">
                <h2 id="gpu-table-h">{ t.gpu_table_title() }</h2>
                <fieldset class="choice inline">
                    <legend class="sr-only">{ t.filter_label() }</legend>
                    <div class="seg">
                        { filter(GpuFilter::All, t.filter_all()) }
                        { filter(GpuFilter::Consumer, t.filter_consumer()) }
                        { filter(GpuFilter::Datacenter, t.filter_datacenter()) }
                    </div>
                </fieldset>
            </div>
            <p class="scroll-hint" aria-hidden="true">{ t.scroll_hint() }</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label={t.gpu_table_scroll()}>
                <table class="gpus" id="gpu-table">
                    <thead><tr>
                        { header(SortKey::Name, t.col_gpu().to_string(), false) }
                        { header(SortKey::Vram, t.col_vram().to_string(), true) }
                        { header(SortKey::Verdict, t.col_verdict().to_string(), false) }
                        { header(SortKey::Headroom, t.col_headroom().to_string(), true) }
                        { header(SortKey::MaxSeq, crate::i18n::fill(t.col_max_seq(), &[&format::group(props.batch_size)]), true) }
                        { header(SortKey::MaxBatch, crate::i18n::fill(t.col_max_batch(), &[&format::group(props.seq_len)]), true) }
                        if props.multi { { header(SortKey::Needed, t.col_gpus_needed().to_string(), true) } }
                    </tr></thead>
                    <tbody>{ body }</tbody>
                </table>
            </div>
            <p class="hint">{ t.gpu_table_hint() }</p>
        </section>
    }
}
