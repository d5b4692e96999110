//! The scenario inputs, one [`ControlView`] per control, so that the full page and the embed card
//! (which shows only the controls named in `data-controls`) render the same inputs.

use lora_vram::arch::{Architecture, LayerKind};
use lora_vram::input::{resolve_model, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::scenario::{AttentionImpl, Method, Optimizer, TargetSpec, LINEAR_NAMES};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::controls::{
    choice, number, select, slider, toggle, ChoiceProps, NumberProps, Scale, SelectProps, SliderProps, ToggleProps,
    RANK_STOPS, SEQ_STOPS,
};
use super::model::ModelPicker;
use crate::format;
use crate::i18n::Lang;
use crate::query::{ADAPTER_DTYPES, ATTENTIONS, METHODS, PRECISIONS, SDPA_KERNELS, TRAINERS, WEIGHT_DTYPES};
use crate::state::{weight_dtypes, Action};

/// A control the embed card can show (`data-controls`), in kebab-case scenario spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// `model`: a preset picker.
    Model,
    /// `method`.
    Method,
    /// `weight-dtype`.
    WeightDtype,
    /// `double-quant`.
    DoubleQuant,
    /// `lora-dtype`.
    AdapterDtype,
    /// `lora-rank`.
    Rank,
    /// `lora-alpha`.
    Alpha,
    /// `lora-targets`.
    Targets,
    /// `lora-dropout`.
    Dropout,
    /// `lora-modules-to-save`.
    ModulesToSave,
    /// `optimizer`.
    Optimizer,
    /// `batch-size`.
    BatchSize,
    /// `seq-len`.
    SeqLen,
    /// `gradient-checkpointing`.
    Checkpointing,
    /// `attention`.
    Attention,
    /// `mixed-precision`.
    MixedPrecision,
    /// `sdpa-kernel`.
    SdpaKernel,
    /// `trainer`.
    Trainer,
    /// `cuda-context-bytes`.
    CudaContext,
}

impl Control {
    /// Every control, in form order.
    pub const ALL: [Control; 19] = [
        Control::Model,
        Control::Method,
        Control::WeightDtype,
        Control::DoubleQuant,
        Control::AdapterDtype,
        Control::Rank,
        Control::Alpha,
        Control::Targets,
        Control::Dropout,
        Control::ModulesToSave,
        Control::Optimizer,
        Control::BatchSize,
        Control::SeqLen,
        Control::Checkpointing,
        Control::Attention,
        Control::MixedPrecision,
        Control::SdpaKernel,
        Control::Trainer,
        Control::CudaContext,
    ];

    /// The embed widget's default controls.
    pub const EMBED_DEFAULT: [Control; 3] = [Control::Method, Control::SeqLen, Control::BatchSize];

    /// The kebab-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Control::Model => "model",
            Control::Method => "method",
            Control::WeightDtype => "weight-dtype",
            Control::DoubleQuant => "double-quant",
            Control::AdapterDtype => "lora-dtype",
            Control::Rank => "lora-rank",
            Control::Alpha => "lora-alpha",
            Control::Targets => "lora-targets",
            Control::Dropout => "lora-dropout",
            Control::ModulesToSave => "lora-modules-to-save",
            Control::Optimizer => "optimizer",
            Control::BatchSize => "batch-size",
            Control::SeqLen => "seq-len",
            Control::Checkpointing => "gradient-checkpointing",
            Control::Attention => "attention",
            Control::MixedPrecision => "mixed-precision",
            Control::SdpaKernel => "sdpa-kernel",
            Control::Trainer => "trainer",
            Control::CudaContext => "cuda-context-bytes",
        }
    }

    /// The id of the element whose typed text is checked (see [`crate::state::State::drafts`]).
    pub const fn field_id(self) -> Option<&'static str> {
        Some(match self {
            Control::Rank => "c-lora-rank-num",
            Control::Alpha => "c-lora-alpha",
            Control::Dropout => "c-lora-dropout",
            Control::BatchSize => "c-batch-size",
            Control::SeqLen => "c-seq-len-num",
            Control::CudaContext => "c-cuda-context",
            Control::Model => "model",
            _ => return None,
        })
    }

    /// Parses a kebab-case name (also `rank`, `seq`, `batch`, `optim`, `checkpointing`).
    pub fn parse(s: &str) -> Option<Control> {
        let s = s.trim().replace('_', "-");
        let alias = match s.as_str() {
            "rank" => "lora-rank",
            "alpha" => "lora-alpha",
            "targets" => "lora-targets",
            "dropout" => "lora-dropout",
            "seq" => "seq-len",
            "batch" => "batch-size",
            "optim" => "optimizer",
            "checkpointing" => "gradient-checkpointing",
            other => other,
        };
        Control::ALL.into_iter().find(|c| c.as_str() == alias)
    }

    /// Parses `data-controls`: a comma- or space-separated list, `all` or `none`; unknown names are skipped.
    pub fn parse_list(s: &str) -> Vec<Control> {
        match s.trim() {
            "all" => Control::ALL.to_vec(),
            "none" | "" => Vec::new(),
            list => {
                let mut v = Vec::new();
                for c in list.split([',', ' ']).filter_map(Control::parse) {
                    if !v.contains(&c) {
                        v.push(c);
                    }
                }
                v
            }
        }
    }
}

/// The distinct Linear names of a model, and which of them `all-linear` covers.
pub fn linear_names(arch: &Architecture) -> Vec<(&'static str, bool)> {
    let (dense, moe) = arch.layer_split();
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    for (kind, n) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
        if n == 0 {
            continue;
        }
        for l in arch.linears(kind).as_slice() {
            match out.iter_mut().find(|(name, _)| *name == l.name) {
                Some(e) => e.1 |= l.all_linear,
                None => out.push((l.name, l.all_linear)),
            }
        }
    }
    crate::format::sort_small(&mut out, |(n, _)| LINEAR_NAMES.iter().position(|x| x == n).unwrap_or(usize::MAX));
    out
}

/// The target spec after toggling one module, given the model's modules and the current set.
pub fn toggle_target(arch: &Architecture, current: &TargetSpec, name: &str, on: bool) -> TargetSpec {
    let all = linear_names(arch);
    let resolved = current.resolve(arch).ok();
    let mut set: Vec<&'static str> =
        all.iter().filter(|(n, _)| resolved.is_some_and(|t| t.names().any(|x| x == *n))).map(|(n, _)| *n).collect();
    if on {
        if let Some((n, _)) = all.iter().find(|(n, _)| *n == name) {
            if !set.contains(n) {
                set.push(n);
            }
        }
    } else {
        set.retain(|n| *n != name);
    }
    let all_linear: Vec<&str> = all.iter().filter(|(_, a)| *a).map(|(n, _)| *n).collect();
    let mut sorted = set.clone();
    crate::format::sort_small(&mut sorted, |n| all.iter().position(|(x, _)| x == n));
    if sorted.len() == all_linear.len() && all_linear.iter().all(|n| sorted.contains(n)) {
        TargetSpec::default()
    } else {
        TargetSpec::Modules(sorted.into_iter().map(str::to_string).collect())
    }
}

/// Props of [`ControlView`]. Equality looks only at the scenario fields the control shows, so
/// that moving one slider re-renders one control, not the whole form.
#[derive(Properties)]
pub struct ControlProps {
    /// Which control.
    pub control: Control,
    /// The scenario as written.
    pub input: ScenarioInput,
    /// Language.
    pub lang: Lang,
    /// The model summary line, for the model picker.
    #[prop_or_default]
    pub summary: Option<AttrValue>,
    /// A compact variant (embed): a plain preset select instead of the full picker.
    #[prop_or_default]
    pub compact: bool,
    /// The invalid text typed in this control (the field's id, the text), if any.
    #[prop_or_default]
    pub draft: Option<(&'static str, String)>,
    /// Dispatches an edit.
    pub on_action: Callback<Action>,
}

impl PartialEq for ControlProps {
    fn eq(&self, o: &Self) -> bool {
        let (a, b) = (&self.input, &o.input);
        let same = match self.control {
            Control::Model => a.model == b.model,
            Control::Method => a.method == b.method,
            Control::WeightDtype => a.method == b.method && a.weight_dtype == b.weight_dtype,
            Control::DoubleQuant => {
                a.method == b.method && a.weight_dtype == b.weight_dtype && a.double_quant == b.double_quant
            }
            Control::AdapterDtype => a.method == b.method && a.lora.dtype == b.lora.dtype,
            Control::Rank => a.lora.rank == b.lora.rank,
            Control::Alpha => a.method == b.method && a.lora.alpha == b.lora.alpha,
            Control::Targets => a.model == b.model && a.method == b.method && a.lora.targets == b.lora.targets,
            Control::Dropout => a.method == b.method && a.lora.dropout == b.lora.dropout,
            Control::ModulesToSave => a.method == b.method && a.lora.modules_to_save == b.lora.modules_to_save,
            Control::Optimizer => a.optimizer == b.optimizer,
            Control::BatchSize => a.batch_size == b.batch_size,
            Control::SeqLen => a.seq_len == b.seq_len,
            Control::Checkpointing => a.gradient_checkpointing == b.gradient_checkpointing,
            Control::Attention => a.attention == b.attention,
            Control::MixedPrecision => a.mixed_precision == b.mixed_precision,
            Control::SdpaKernel => a.attention == b.attention && a.sdpa_kernel == b.sdpa_kernel,
            Control::Trainer => a.trainer == b.trainer,
            Control::CudaContext => a.cuda_context_bytes == b.cuda_context_bytes,
        };
        same && self.control == o.control
            && self.draft == o.draft
            && self.lang == o.lang
            && self.compact == o.compact
            && self.summary == o.summary
            && self.on_action == o.on_action
    }
}

/// One scenario input.
#[component]
pub fn ControlView(props: &ControlProps) -> Html {
    let t = props.lang.t();
    let i = &props.input;
    let act = props.on_action.clone();
    let is_full = i.method == Method::Full;
    // Stable while on_action is, so the model picker skips rendering when the model is unchanged.
    let on_model = (*use_memo(props.on_action.clone(), |a| a.reform(Action::SetModel))).clone();
    let on_model_draft = (*use_memo(props.on_action.clone(), |a| {
        a.reform(|(field, raw): (&'static str, Option<String>)| Action::Draft(field, raw))
    }))
    .clone();
    macro_rules! emit {
        ($variant:path) => {{
            let act = act.clone();
            Callback::from(move |v| act.emit($variant(v)))
        }};
    }
    // A typed choice over `all`: the index of `value`, and a callback from an index to an action.
    fn pick<T: Copy + PartialEq + 'static>(
        all: &'static [T],
        value: T,
        act: &Callback<Action>,
        f: fn(T) -> Action,
    ) -> (usize, Callback<usize>) {
        let i = all.iter().position(|x| *x == value).unwrap_or(0);
        (i, act.reform(move |i: usize| f(all[i])))
    }
    // The control's invalid typed text and why, and the callback that records it.
    let field = props.control.field_id().unwrap_or("");
    let invalid =
        |why: String| props.draft.as_ref().map(|(_, raw)| (AttrValue::from(raw.clone()), AttrValue::from(why)));
    let on_invalid = Some(act.reform(move |raw: Option<String>| Action::Draft(field, raw)));
    match props.control {
        Control::Model if props.compact => {
            let current = match &i.model {
                lora_vram::input::ModelInput::Id(id) => lora_vram::presets::find_model(id),
                _ => None,
            };
            let act = act.clone();
            let onchange = Callback::from(move |e: Event| {
                if let Some(p) = e
                    .target_unchecked_into::<HtmlSelectElement>()
                    .value()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| MODELS.get(i))
                {
                    act.emit(Action::SetModel(lora_vram::input::ModelInput::Id(p.id.to_string())));
                }
            });
            let mut families: Vec<&str> = Vec::new();
            for m in MODELS {
                if !families.contains(&m.family) {
                    families.push(m.family);
                }
            }
            html! {
                <div class="field">
                    <label for="c-model">{ t.model_title }</label>
                    <select id="c-model" {onchange}>
                        if current.is_none() { <option selected=true disabled=true>{ crate::components::model::model_name(&i.model, props.lang) }</option> }
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
        Control::Model => html! {
            <ModelPicker value={i.model.clone()} lang={props.lang} summary={props.summary.clone()} on_change={on_model}
                draft={props.draft.clone()} on_draft={on_model_draft} />
        },
        Control::Method => html! {
            { choice(ChoiceProps { label: t.method.into(), name: "method".into(), selected: METHODS.iter().position(|m| *m == i.method).unwrap_or(1), on_change: act.reform(|k: usize| Action::SetMethod(METHODS[k])), options: vec![t.method_lora.into(), t.method_qlora.into(), t.method_full.into()] }) }
        },
        Control::WeightDtype => {
            let allowed = weight_dtypes(i.method);
            let options = WEIGHT_DTYPES
                .iter()
                .map(|w| (AttrValue::from(t.weight_dtype(*w)), allowed.contains(w)))
                .collect::<Vec<_>>();
            let (selected, on_change) = pick(&WEIGHT_DTYPES, i.effective_weight_dtype(), &act, Action::SetWeightDtype);
            html! { { select(SelectProps { id: "c-weight-dtype".into(), label: t.weight_dtype_label.into(), selected, options, on_change, hint: None, disabled: false }) } }
        }
        Control::DoubleQuant => html! {
            { toggle(ToggleProps { id: "c-double-quant".into(), label: t.double_quant.into(), value: i.double_quant, on_change: emit!(Action::SetDoubleQuant), disabled: !i.effective_weight_dtype().is_4bit(), hint: Some(AttrValue::from(t.double_quant_hint)) }) }
        },
        Control::AdapterDtype => {
            let options =
                ADAPTER_DTYPES.iter().map(|d| (AttrValue::from(t.adapter_dtype(*d)), true)).collect::<Vec<_>>();
            let (selected, on_change) = pick(&ADAPTER_DTYPES, i.lora.dtype, &act, Action::SetAdapterDtype);
            html! { { select(SelectProps { id: "c-lora-dtype".into(), label: t.adapter_dtype_label.into(), selected, options, on_change, disabled: is_full, hint: Some(AttrValue::from(t.adapter_dtype_hint)) }) } }
        }
        Control::Rank => {
            let act = act.clone();
            html! {
                { slider(SliderProps { id: "c-lora-rank".into(), label: (t.rank).into(), number_label: (t.rank_number).into(), scale: Scale::Stops(RANK_STOPS), value: i.lora.rank as f64, value_text: (format!("r = {}", i.lora.rank)).into(), min: 1.0, max: lora_vram::scenario::MAX_RANK as f64, integer: true, on_change: Callback::from(move |v: f64| act.emit(Action::SetRank(v as u64))), suffix: None, step: 1.0, invalid: invalid(crate::i18n::fill(t.invalid_whole, &[&"1", &"65,536"])), on_invalid }) }
            }
        }
        Control::Alpha => {
            let act = act.clone();
            html! { { number(NumberProps { id: "c-lora-alpha".into(), label: t.alpha.into(), value: i.lora.alpha, min: 1e-3, max: lora_vram::scenario::MAX_ALPHA, integer: false, hint: Some(AttrValue::from(t.alpha_hint)), disabled: is_full, on_change: Callback::from(move |v: Option<f64>| if let Some(v) = v { act.emit(Action::SetAlpha(v)) }), placeholder: None, empty: false, suffix: None, invalid: invalid(crate::i18n::fill(t.invalid_number, &[&"0.001", &"1,000,000"])), on_invalid }) } }
        }
        Control::Targets => {
            let Ok((arch, _)) = resolve_model(&i.model) else { return html! {} };
            let names = linear_names(&arch);
            let resolved = i.lora.targets.resolve(&arch).ok();
            let checked_count =
                names.iter().filter(|(n, _)| resolved.is_some_and(|r| r.names().any(|x| x == *n))).count();
            let is_all = i.lora.targets == TargetSpec::default()
                || matches!(&i.lora.targets, TargetSpec::Shorthand(s) if s == "all_linear");
            let act_all = act.clone();
            let on_all = Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                act_all.emit(Action::SetTargets(if on {
                    TargetSpec::default()
                } else {
                    TargetSpec::Shorthand("qv".into())
                }));
            });
            html! {
                <fieldset class="targets" disabled={is_full}>
                    <legend>{ t.targets }</legend>
                    <div class="field toggle all-linear">
                        <input type="checkbox" id="c-target-all" checked={is_all} onchange={on_all} aria-describedby="c-target-all-hint" />
                        <label for="c-target-all"><code>{ "all-linear" }</code></label>
                        <p class="hint" id="c-target-all-hint">{ t.targets_all_hint }</p>
                    </div>
                    <div class="module-grid">
                    { for names.iter().map(|(name, _)| {
                        let on = resolved.is_some_and(|r| r.names().any(|x| x == *name));
                        let act = act.clone();
                        let spec = i.lora.targets.clone();
                        let name_s: &'static str = name;
                        let onchange = Callback::from(move |e: Event| {
                            let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
                            act.emit(Action::SetTargets(toggle_target(&arch, &spec, name_s, checked)));
                        });
                        let id = format!("c-target-{}", name.replace('.', "-"));
                        html! {
                            <div class="field toggle">
                                <input type="checkbox" id={id.clone()} checked={on} {onchange} disabled={on && checked_count == 1} />
                                <label for={id}><code>{ *name }</code></label>
                            </div>
                        }
                    }) }
                    </div>
                </fieldset>
            }
        }
        Control::Dropout => {
            let act = act.clone();
            // On a model whose MoE experts PEFT wraps, only 0 is valid (issue 10, item 2).
            let moe = crate::query::wraps_experts(i);
            let max = if moe { 0.0 } else { 0.99 };
            let why =
                if moe { t.r_moe_dropout.to_string() } else { crate::i18n::fill(t.invalid_number, &[&"0", &"0.99"]) };
            let hint = if moe { t.dropout_moe_hint } else { t.dropout_hint };
            html! { { number(NumberProps { id: "c-lora-dropout".into(), label: t.dropout.into(), value: i.lora.dropout, min: 0.0, max, integer: false, hint: Some(AttrValue::from(hint)), disabled: is_full, on_change: Callback::from(move |v: Option<f64>| act.emit(Action::SetDropout(v.unwrap_or(0.0)))), placeholder: None, empty: false, suffix: None, invalid: invalid(why), on_invalid }) } }
        }
        Control::ModulesToSave => {
            let saved = i.lora.modules_to_save.clone();
            let flip = |name: &'static str| {
                let act = act.clone();
                let saved = saved.clone();
                Callback::from(move |on: bool| {
                    let mut v: Vec<String> = saved.iter().filter(|s| s.as_str() != name).cloned().collect();
                    if on {
                        v.push(name.to_string());
                    }
                    act.emit(Action::SetModulesToSave(v));
                })
            };
            let has = |n: &str| saved.iter().any(|s| s == n);
            html! {
                <fieldset class="mts" disabled={is_full}>
                    <legend>{ t.modules_to_save }</legend>
                    { toggle(ToggleProps { id: "c-mts-embed".into(), label: "embed_tokens".into(), value: has("embed_tokens"), on_change: flip("embed_tokens"), hint: None, disabled: false }) }
                    { toggle(ToggleProps { id: "c-mts-head".into(), label: "lm_head".into(), value: has("lm_head"), on_change: flip("lm_head"), hint: None, disabled: false }) }
                </fieldset>
            }
        }
        Control::Optimizer => {
            let options = Optimizer::ALL.iter().map(|o| (AttrValue::from(t.optimizer(*o)), true)).collect::<Vec<_>>();
            let (selected, on_change) = pick(&Optimizer::ALL, i.optimizer, &act, Action::SetOptimizer);
            html! { { select(SelectProps { id: "c-optimizer".into(), label: t.optimizer_label.into(), selected, options, on_change, hint: None, disabled: false }) } }
        }
        Control::BatchSize => {
            let act = act.clone();
            html! { { number(NumberProps { id: "c-batch-size".into(), label: t.batch_size.into(), value: i.batch_size as f64, min: 1.0, max: lora_vram::scenario::MAX_BATCH as f64, integer: true, hint: Some(AttrValue::from(t.batch_hint)), on_change: Callback::from(move |v: Option<f64>| if let Some(v) = v { act.emit(Action::SetBatchSize(v as u64)) }), disabled: false, placeholder: None, empty: false, suffix: None, invalid: invalid(crate::i18n::fill(t.invalid_whole, &[&"1", &"65,536"])), on_invalid }) } }
        }
        Control::SeqLen => {
            let act = act.clone();
            html! {
                { slider(SliderProps { id: "c-seq-len".into(), label: (t.seq_len).into(), number_label: (t.seq_len_number).into(), scale: Scale::Stops(SEQ_STOPS), value: i.seq_len as f64, value_text: (format!("{} {}", format::group(i.seq_len), t.tokens)).into(), min: 1.0, max: lora_vram::scenario::MAX_SEQ as f64, integer: true, step: 1.0, suffix: Some(AttrValue::from(t.tokens)), on_change: Callback::from(move |v: f64| act.emit(Action::SetSeqLen(v as u64))), invalid: invalid(crate::i18n::fill(t.invalid_whole, &[&"1", &"16,777,216"])), on_invalid }) }
            }
        }
        Control::Checkpointing => html! {
            { toggle(ToggleProps { id: "c-checkpointing".into(), label: t.checkpointing.into(), value: i.gradient_checkpointing, on_change: emit!(Action::SetCheckpointing), hint: Some(AttrValue::from(t.checkpointing_hint)), disabled: false }) }
        },
        Control::Attention => {
            let options = ATTENTIONS.iter().map(|a| (AttrValue::from(t.attention(*a)), true)).collect::<Vec<_>>();
            let (selected, on_change) = pick(&ATTENTIONS, i.attention, &act, Action::SetAttention);
            html! { { select(SelectProps { id: "c-attention".into(), label: t.attention_label.into(), selected, options, on_change, hint: None, disabled: false }) } }
        }
        Control::MixedPrecision => {
            let options = PRECISIONS.iter().map(|m| (AttrValue::from(t.mixed_precision(*m)), true)).collect::<Vec<_>>();
            let (selected, on_change) = pick(&PRECISIONS, i.mixed_precision, &act, Action::SetMixedPrecision);
            html! { { select(SelectProps { id: "c-mixed-precision".into(), label: t.mixed_precision_label.into(), selected, options, on_change, hint: None, disabled: false }) } }
        }
        Control::SdpaKernel => {
            let options = SDPA_KERNELS.iter().map(|k| (AttrValue::from(t.sdpa_kernel(*k)), true)).collect::<Vec<_>>();
            let (selected, on_change) = pick(&SDPA_KERNELS, i.sdpa_kernel, &act, Action::SetSdpaKernel);
            let disabled = i.attention != AttentionImpl::Sdpa;
            html! { { select(SelectProps { id: "c-sdpa-kernel".into(), label: t.sdpa_kernel_label.into(), selected, options, on_change, hint: Some(AttrValue::from(t.sdpa_kernel_hint)), disabled }) } }
        }
        Control::Trainer => {
            let options = TRAINERS.iter().map(|k| (AttrValue::from(t.trainer(*k)), true)).collect::<Vec<_>>();
            let (selected, on_change) = pick(&TRAINERS, i.trainer, &act, Action::SetTrainer);
            html! { { select(SelectProps { id: "c-trainer".into(), label: t.trainer_label.into(), selected, options, on_change, hint: Some(AttrValue::from(t.trainer_hint)), disabled: false }) } }
        }
        Control::CudaContext => {
            let act = act.clone();
            let mib = i.cuda_context_bytes.map_or(0.0, |b| (b >> 20) as f64);
            html! { { number(NumberProps { id: "c-cuda-context".into(), label: t.cuda_context.into(), value: mib, empty: i.cuda_context_bytes.is_none(), min: 0.0, max: 65536.0, integer: false, placeholder: Some(AttrValue::from(t.cuda_context_auto)), suffix: Some(AttrValue::from("MiB")), hint: Some(AttrValue::from(t.cuda_context_hint)), on_change: Callback::from(move |v: Option<f64>| act.emit(Action::SetCudaContext(v.map(|m| (m * 1_048_576.0) as u64)))), disabled: false, invalid: invalid(crate::i18n::fill(t.invalid_number, &[&"0", &"65,536"])), on_invalid }) } }
        }
    }
}

/// Props of [`ScenarioForm`].
#[derive(Properties, PartialEq)]
pub struct FormProps {
    /// The scenario as written.
    pub input: ScenarioInput,
    /// Language.
    pub lang: Lang,
    /// Model summary line.
    #[prop_or_default]
    pub summary: Option<AttrValue>,
    /// The Hugging Face import box, shown above the model picker.
    #[prop_or_default]
    pub hub: Html,
    /// Fields with invalid typed text ([`crate::state::State::drafts`]).
    #[prop_or_default]
    pub drafts: Vec<(&'static str, String)>,
    /// Dispatches an edit.
    pub on_action: Callback<Action>,
}

/// Every input, in four groups. (A plain function.)
pub fn scenario_form(props: &FormProps) -> Html {
    let t = props.lang.t();
    let c = |control: Control| {
        // The model picker has two checked fields (the parameter count, the config.json).
        let draft = control.field_id().and_then(|f| props.drafts.iter().find(|(k, _)| k.starts_with(f))).cloned();
        html! {
            <ControlView {control} input={props.input.clone()} lang={props.lang} summary={props.summary.clone()} {draft} on_action={props.on_action.clone()} />
        }
    };
    let full = props.input.method == Method::Full;
    html! {
        <form class="scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())} aria-label={t.form_label}>
            <section class="card" aria-labelledby="h-model">
                <h2 id="h-model">{ t.model_title }</h2>
                { props.hub.clone() }
                { c(Control::Model) }
            </section>
            <section class="card" aria-labelledby="h-method">
                <h2 id="h-method">{ t.method_title }</h2>
                { c(Control::Method) }
                <div class="grid2">
                    { c(Control::WeightDtype) }
                    { c(Control::AdapterDtype) }
                </div>
                { c(Control::DoubleQuant) }
            </section>
            <section class={classes!("card", full.then_some("muted"))} aria-labelledby="h-lora">
                <h2 id="h-lora">{ t.lora_title }</h2>
                if full { <p class="note">{ t.lora_full_note }</p> }
                { c(Control::Rank) }
                <div class="grid2">
                    { c(Control::Alpha) }
                    { c(Control::Dropout) }
                </div>
                { c(Control::Targets) }
                { c(Control::ModulesToSave) }
            </section>
            <section class="card" aria-labelledby="h-training">
                <h2 id="h-training">{ t.training_title }</h2>
                { c(Control::SeqLen) }
                <div class="grid2">
                    { c(Control::BatchSize) }
                    { c(Control::Optimizer) }
                    { c(Control::Attention) }
                    { c(Control::MixedPrecision) }
                    { c(Control::SdpaKernel) }
                    { c(Control::Trainer) }
                </div>
                { c(Control::Checkpointing) }
                <details class="advanced">
                    <summary>{ t.advanced }</summary>
                    { c(Control::CudaContext) }
                </details>
            </section>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llama() -> Architecture {
        resolve_model(&ScenarioInput::default().model).unwrap().0
    }

    #[test]
    fn toggling_targets() {
        let a = llama();
        let names: Vec<_> = linear_names(&a).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]);
        let off = toggle_target(&a, &TargetSpec::default(), "o_proj", false);
        assert_eq!(
            off,
            TargetSpec::Modules(
                ["q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"].map(String::from).to_vec()
            )
        );
        assert_eq!(toggle_target(&a, &off, "o_proj", true), TargetSpec::default());
    }

    #[test]
    fn controls_parse() {
        assert_eq!(
            Control::parse_list("seq-len, method,rank bogus"),
            vec![Control::SeqLen, Control::Method, Control::Rank]
        );
        assert_eq!(Control::parse_list("all").len(), Control::ALL.len());
        assert!(Control::parse_list("none").is_empty());
        for c in Control::ALL {
            assert_eq!(Control::parse(c.as_str()), Some(c));
        }
    }
}
