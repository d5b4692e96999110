//! The scenario inputs, one [`ControlView`] per control, so that the full page and the embed card
//! (which shows only the controls named in `data-controls`) render the same inputs.

use lora_vram::arch::{Architecture, LayerKind};
use lora_vram::distributed::{FsdpSharding, Offload, Strategy};
use lora_vram::input::{resolve_model, DistributedInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::scenario::{AttentionImpl, Loss, Method, Optimizer, TargetSpec, LINEAR_NAMES};
use lora_vram::Scenario;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::controls::{
    check, choice, number, select, slider, toggle, NumberBox, Scale, PARAMS_SCALE, RANK_STOPS, SEQ_STOPS,
};
use super::model::ModelPicker;
use crate::format;
use crate::i18n::Lang;
use crate::query::{
    ADAPTER_DTYPES, ATTENTIONS, FRAMEWORKS, METHODS, PRECISIONS, SDPA_KERNELS, TRAINERS, WEIGHT_DTYPES,
};
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
    /// `prepare-kbit`.
    PrepareKbit,
    /// `use-liger-kernel`.
    Liger,
    /// `loss`.
    Loss,
    /// `loss-chunks`.
    LossChunks,
    /// `activation-offloading`.
    ActivationOffloading,
    /// `framework`.
    Framework,
    /// `distributed`: several GPUs (the strategy, their number, per node, sharding, offload).
    Distributed,
}

impl Control {
    /// Every control, in form order.
    pub const ALL: [Control; 26] = [
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
        Control::PrepareKbit,
        Control::Liger,
        Control::Loss,
        Control::LossChunks,
        Control::ActivationOffloading,
        Control::Framework,
        Control::Distributed,
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
            Control::PrepareKbit => "prepare-kbit",
            Control::Liger => "use-liger-kernel",
            Control::Loss => "loss",
            Control::LossChunks => "loss-chunks",
            Control::ActivationOffloading => "activation-offloading",
            Control::Framework => "framework",
            Control::Distributed => "distributed",
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
            Control::LossChunks => "c-loss-chunks",
            Control::Distributed => "c-dist-gpus",
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
    /// The invalid text typed in this control (the field's id, the text), if any.
    #[prop_or_default]
    pub draft: Option<(&'static str, String)>,
    /// Dispatches an edit (the model picker's own inputs; the rest go through [`form_handlers`]).
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
            Control::Dropout => {
                a.method == b.method
                    && a.lora.dropout == b.lora.dropout
                    && a.model == b.model
                    && a.lora.targets == b.lora.targets
            }
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
            Control::PrepareKbit => {
                a.prepare_kbit == b.prepare_kbit
                    && a.method == b.method
                    && a.weight_dtype == b.weight_dtype
                    && a.trainer == b.trainer
            }
            // Savers: their validity depends on the model, the loop and one another.
            Control::Liger
            | Control::Loss
            | Control::LossChunks
            | Control::ActivationOffloading
            | Control::Framework => {
                a.use_liger_kernel == b.use_liger_kernel
                    && a.loss == b.loss
                    && a.loss_chunks == b.loss_chunks
                    && a.activation_offloading == b.activation_offloading
                    && a.framework == b.framework
                    && a.trainer == b.trainer
                    && a.gradient_checkpointing == b.gradient_checkpointing
                    && a.model == b.model
            }
            Control::Distributed => a.distributed == b.distributed,
        };
        same && self.control == o.control
            && self.draft == o.draft
            && self.lang == o.lang
            && self.summary == o.summary
            && self.on_action == o.on_action
    }
}

/// GPUs per node the form offers (any count comes from a link or the CLI).
pub const PER_NODE: [u64; 5] = [1, 2, 4, 8, 16];

/// The precision slider's stops: bits per weight.
pub const BITS: [u32; 4] = [32, 16, 8, 4];

/// Bits per weight of a storage dtype.
pub fn bits_of(w: lora_vram::scenario::WeightDtype) -> u32 {
    use lora_vram::scenario::WeightDtype::*;
    match w {
        Fp32 => 32,
        Bf16 | Fp16 => 16,
        Int8 => 8,
        Nf4 | Fp4 => 4,
    }
}

/// The labels of a list of options, for [`select`].
fn labels<T: Copy>(all: &[T], f: impl Fn(T) -> String) -> Vec<(String, bool)> {
    all.iter().map(|x| (f(*x), true)).collect()
}

/// The index of `value` in `all`.
fn index<T: PartialEq>(all: &[T], value: &T) -> usize {
    all.iter().position(|x| x == value).unwrap_or(0)
}

/// A number box showing `value`, or the invalid text in `inv`.
fn number_box<'a>(
    id: &'static str,
    value: String,
    integer: bool,
    inv: &'a Option<(String, &'static str)>,
) -> NumberBox<'a> {
    NumberBox {
        id,
        aria_label: None,
        value,
        invalid: inv.as_ref().map(|(r, w)| (r.as_str(), *w)),
        integer,
        suffix: None,
        placeholder: None,
        disabled: false,
        hint_id: None,
    }
}

/// One scenario input.
#[component]
pub fn ControlView(props: &ControlProps) -> Html {
    let t = props.lang.t();
    let i = &props.input;
    let is_full = i.method == Method::Full;
    // Stable while on_action is, so the model picker skips rendering when the model is unchanged.
    let on_model = (*use_memo(props.on_action.clone(), |a| a.reform(Action::SetModel))).clone();
    let on_model_draft = (*use_memo(props.on_action.clone(), |a| {
        a.reform(|(field, raw): (&'static str, Option<String>)| Action::Draft(field, raw))
    }))
    .clone();
    // The control's invalid typed text and why.
    let invalid = |why: &'static str| -> Option<(String, &'static str)> {
        props.draft.as_ref().map(|(_, raw)| (raw.clone(), why))
    };
    let inv;
    match props.control {
        Control::Model => html! {
            <ModelPicker value={i.model.clone()} lang={props.lang} summary={props.summary.clone()} on_change={on_model}
                draft={props.draft.clone()} on_draft={on_model_draft} />
        },
        Control::Method => choice(
            t.method(),
            "method",
            &[t.method_lora(), t.method_qlora(), t.method_full()],
            index(&METHODS, &i.method),
        ),
        Control::WeightDtype => {
            let allowed = weight_dtypes(i.method);
            let options: Vec<(String, bool)> =
                WEIGHT_DTYPES.iter().map(|w| (t.weight_dtype(*w), allowed.contains(w))).collect();
            let w = i.effective_weight_dtype();
            let selected = index(&WEIGHT_DTYPES, &w);
            // The precision slider: bits per weight (32, 16, 8, 4), bound to the same field; the
            // select keeps the detail (bf16 or fp16, nf4 or fp4).
            let bits = bits_of(w);
            html! {
                <>
                    <div class="field slider">
                        <label for="c-bits">{ t.bits_label() }</label>
                        <input type="range" id="c-bits" min="0" max="3" step="1" value={index(&BITS, &bits).to_string()}
                            aria-valuetext={crate::i18n::fill(t.bits_value(), &[&bits])} />
                        <p class="hint">{ crate::i18n::fill(t.bits_value(), &[&bits]) }</p>
                    </div>
                    { select("c-weight-dtype", t.weight_dtype_label(), &options, selected, None, false) }
                </>
            }
        }
        Control::DoubleQuant => toggle(
            "c-double-quant",
            t.double_quant(),
            i.double_quant,
            Some(t.double_quant_hint()),
            !i.effective_weight_dtype().is_4bit(),
        ),
        Control::AdapterDtype => select(
            "c-lora-dtype",
            t.adapter_dtype_label(),
            &labels(&ADAPTER_DTYPES, |d| t.adapter_dtype(d)),
            index(&ADAPTER_DTYPES, &i.lora.dtype),
            Some(t.adapter_dtype_hint()),
            is_full,
        ),
        Control::Rank => {
            inv = invalid(t.invalid_whole_rank());
            let b = NumberBox {
                aria_label: Some(t.rank_number()),
                ..number_box("c-lora-rank-num", i.lora.rank.to_string(), true, &inv)
            };
            let text = format!("r = {}", i.lora.rank);
            slider("c-lora-rank", t.rank(), Scale::Stops(RANK_STOPS), i.lora.rank as f64, &text, b)
        }
        Control::Alpha => {
            inv = invalid(t.invalid_alpha());
            let b =
                NumberBox { disabled: is_full, ..number_box("c-lora-alpha", format::float(i.lora.alpha), false, &inv) };
            number(t.alpha(), b, Some(t.alpha_hint()))
        }
        Control::Targets => {
            let Ok((arch, _)) = resolve_model(&i.model) else { return html! {} };
            let names = linear_names(&arch);
            let resolved = i.lora.targets.resolve(&arch).ok();
            let checked_count =
                names.iter().filter(|(n, _)| resolved.is_some_and(|r| r.names().any(|x| x == *n))).count();
            let is_all = i.lora.targets == TargetSpec::default()
                || matches!(&i.lora.targets, TargetSpec::Shorthand(s) if s == "all_linear");
            html! {
                <fieldset class="targets" disabled={is_full}>
                    <legend>{ t.targets() }</legend>
                    <div class="field toggle all-linear">
                        <input type="checkbox" id="c-target-all" checked={is_all} aria-describedby="c-target-all-hint" />
                        <label for="c-target-all"><code>{ "all-linear" }</code></label>
                        <p class="hint" id="c-target-all-hint">{ t.targets_all_hint() }</p>
                    </div>
                    <div class="module-grid">
                    { for names.iter().map(|(name, _)| {
                        let on = resolved.is_some_and(|r| r.names().any(|x| x == *name));
                        let id = format!("c-target-{}", name.replace('.', "-"));
                        html! {
                            <div class="field toggle">
                                <input type="checkbox" id={id.clone()} checked={on} disabled={on && checked_count == 1} />
                                <label for={id}><code>{ *name }</code></label>
                            </div>
                        }
                    }) }
                    </div>
                </fieldset>
            }
        }
        Control::Dropout => {
            // On a model whose MoE experts PEFT wraps, only 0 is valid (issue 10, item 2).
            let moe = crate::query::wraps_experts(i);
            inv = invalid(if moe { t.r_moe_dropout() } else { t.invalid_dropout() });
            let hint = if moe { t.dropout_moe_hint() } else { t.dropout_hint() };
            let b = NumberBox {
                disabled: is_full,
                ..number_box("c-lora-dropout", format::float(i.lora.dropout), false, &inv)
            };
            number(t.dropout(), b, Some(hint))
        }
        Control::ModulesToSave => {
            let has = |n: &str| i.lora.modules_to_save.iter().any(|s| s == n);
            html! {
                <fieldset class="mts" disabled={is_full}>
                    <legend>{ t.modules_to_save() }</legend>
                    { toggle("c-mts-embed", "embed_tokens", has("embed_tokens"), None, false) }
                    { toggle("c-mts-head", "lm_head", has("lm_head"), None, false) }
                </fieldset>
            }
        }
        Control::Optimizer => select(
            "c-optimizer",
            t.optimizer_label(),
            &labels(&Optimizer::ALL, |o| t.optimizer(o)),
            index(&Optimizer::ALL, &i.optimizer),
            None,
            false,
        ),
        Control::BatchSize => {
            inv = invalid(t.invalid_whole_batch());
            number(
                t.batch_size(),
                number_box("c-batch-size", i.batch_size.to_string(), true, &inv),
                Some(t.batch_hint()),
            )
        }
        Control::SeqLen => {
            inv = invalid(t.invalid_whole_seq());
            let b = NumberBox {
                aria_label: Some(t.seq_len_number()),
                suffix: Some(t.tokens()),
                ..number_box("c-seq-len-num", i.seq_len.to_string(), true, &inv)
            };
            let text = format!("{} {}", format::group(i.seq_len), t.tokens());
            slider("c-seq-len", t.seq_len(), Scale::Stops(SEQ_STOPS), i.seq_len as f64, &text, b)
        }
        Control::Checkpointing => {
            toggle("c-checkpointing", t.checkpointing(), i.gradient_checkpointing, Some(t.checkpointing_hint()), false)
        }
        Control::Attention => select(
            "c-attention",
            t.attention_label(),
            &labels(&ATTENTIONS, |a| t.attention(a)),
            index(&ATTENTIONS, &i.attention),
            None,
            false,
        ),
        Control::MixedPrecision => select(
            "c-mixed-precision",
            t.mixed_precision_label(),
            &labels(&PRECISIONS, |m| t.mixed_precision(m).to_string()),
            index(&PRECISIONS, &i.mixed_precision),
            None,
            false,
        ),
        Control::SdpaKernel => select(
            "c-sdpa-kernel",
            t.sdpa_kernel_label(),
            &labels(&SDPA_KERNELS, |k| t.sdpa_kernel(k).to_string()),
            index(&SDPA_KERNELS, &i.sdpa_kernel),
            Some(t.sdpa_kernel_hint()),
            i.attention != AttentionImpl::Sdpa,
        ),
        Control::Trainer => select(
            "c-trainer",
            t.trainer_label(),
            &labels(&TRAINERS, |k| t.trainer(k).to_string()),
            index(&TRAINERS, &i.trainer),
            Some(t.trainer_hint()),
            false,
        ),
        Control::CudaContext => {
            inv = invalid(t.invalid_context());
            let value = i.cuda_context_bytes.map_or_else(String::new, |b| (b >> 20).to_string());
            let b = NumberBox {
                suffix: Some("MiB"),
                placeholder: Some(t.cuda_context_auto()),
                ..number_box("c-cuda-context", value, false, &inv)
            };
            number(t.cuda_context(), b, Some(t.cuda_context_hint()))
        }
        Control::PrepareKbit => {
            let quantized = i.effective_weight_dtype().is_quantized();
            let on = i.prepare_kbit.unwrap_or(quantized && i.trainer != lora_vram::scenario::Trainer::TrlSft);
            toggle("c-prepare-kbit", t.prepare_kbit(), on, Some(t.prepare_kbit_hint()), !quantized)
        }
        Control::Liger => {
            let supported = Scenario::try_from(&ScenarioInput { use_liger_kernel: false, ..i.clone() })
                .map_or(true, |s| s.liger_supports());
            let hint = if supported { t.liger_hint() } else { t.liger_unsupported() };
            toggle(
                "c-liger",
                "use_liger_kernel=True",
                i.use_liger_kernel,
                Some(hint),
                !supported && !i.use_liger_kernel,
            )
        }
        Control::Loss => {
            let loss = i.effective_loss();
            select(
                "c-loss",
                t.loss_label(),
                &labels(&Loss::ALL, |l| t.loss(l)),
                index(&Loss::ALL, &loss),
                Some(t.loss_hint()),
                false,
            )
        }
        Control::LossChunks => {
            if i.effective_loss() != Loss::Chunked {
                return Html::default();
            }
            inv = invalid(t.invalid_chunks());
            let n = i.loss_chunks.unwrap_or(lora_vram::scenario::DEFAULT_LOSS_CHUNKS);
            number(t.loss_chunks(), number_box("c-loss-chunks", n.to_string(), true, &inv), None)
        }
        Control::ActivationOffloading => toggle(
            "c-act-offload",
            "activation_offloading=True",
            i.activation_offloading,
            Some(t.offload_hint()),
            false,
        ),
        Control::Distributed => {
            let d = i.distributed.unwrap_or_default();
            let on = i.distributed.is_some();
            let strategies: Vec<(String, bool)> = std::iter::once(t.dist_one())
                .chain(Strategy::ALL.iter().map(|s| crate::i18n::strategy_name(*s)))
                .map(|s| (s.to_string(), true))
                .collect();
            let selected = i.distributed.map_or(0, |d| 1 + index(&Strategy::ALL, &d.strategy));
            inv = invalid(t.invalid_gpus());
            let per_node: Vec<(String, bool)> = std::iter::once(t.dist_one_node().to_string())
                .chain(PER_NODE.iter().map(|n| n.to_string()))
                .map(|s| (s, true))
                .collect();
            let per_node_at = d.gpus_per_node.and_then(|n| PER_NODE.iter().position(|&p| p == n)).map_or(0, |k| k + 1);
            html! {
                <>
                    { select("c-dist-strategy", t.dist_strategy(), &strategies, selected, Some(t.dist_hint()), false) }
                    if on {
                        <div class="grid2">
                            { number(t.dist_gpus(), number_box("c-dist-gpus", d.gpus.to_string(), true, &inv), None) }
                            { select("c-dist-per-node", t.dist_per_node(), &per_node, per_node_at, None, false) }
                            if d.strategy == Strategy::Fsdp {
                                { select("c-dist-sharding", t.dist_sharding(), &labels(&FsdpSharding::ALL, |f| f.as_str().to_string()),
                                    index(&FsdpSharding::ALL, &d.fsdp_sharding.unwrap_or_default()), None, false) }
                            }
                            if d.strategy != Strategy::Ddp {
                                { select("c-dist-offload", t.dist_offload(), &labels(&Offload::ALL, |o| t.offload(o).to_string()),
                                    index(&Offload::ALL, &d.offload), None, false) }
                            }
                        </div>
                    }
                </>
            }
        }
        Control::Framework => select(
            "c-framework",
            t.framework_label(),
            &labels(&FRAMEWORKS, |f| t.framework(f).to_string()),
            index(&FRAMEWORKS, &i.framework),
            Some(t.framework_hint()),
            false,
        ),
    }
}

/// The action for an event on one of the form's inputs: its element `id` (or, for radios, its
/// `name`), its value, whether it is checked, and whether the event is `change` (selects,
/// checkboxes, radios) rather than `input` (sliders, text). Text that is not a valid value becomes
/// a [`Action::Draft`] for its field, so that it stays on screen, flagged. `None` for elements that
/// are not form fields, or an event the field does not act on.
pub fn action_for(id: &str, value: &str, checked: bool, change: bool, input: &ScenarioInput) -> Option<Action> {
    use lora_vram::input::ModelInput;
    use lora_vram::scenario::{MAX_ALPHA, MAX_BATCH, MAX_RANK, MAX_SEQ};
    let idx = || value.parse::<usize>().ok();
    // Text fields: a valid value, or the typed text as a draft.
    let typed = |field: &'static str, min: f64, max: f64, integer: bool, f: &dyn Fn(f64) -> Action| {
        Some(match check(value, min, max, integer) {
            Some(v) => f(v),
            None => Action::Draft(field, Some(value.to_string())),
        })
    };
    let flip = |name: &str| {
        let mut v: Vec<String> = input.lora.modules_to_save.iter().filter(|s| s.as_str() != name).cloned().collect();
        if checked {
            v.push(name.to_string());
        }
        Some(Action::SetModulesToSave(v))
    };
    // Sliders and text boxes act on `input`; selects, checkboxes and radios on `change`.
    let continuous = matches!(
        id,
        "c-lora-rank"
            | "c-lora-rank-num"
            | "c-lora-alpha"
            | "c-lora-dropout"
            | "c-batch-size"
            | "c-seq-len"
            | "c-seq-len-num"
            | "c-cuda-context"
            | "model-params"
            | "model-params-num"
            | "c-loss-chunks"
            | "c-bits"
            | "c-family"
            | "c-dist-gpus"
    );
    if continuous == change {
        return None;
    }
    match id {
        "method" => idx().and_then(|k| METHODS.get(k)).map(|m| Action::SetMethod(*m)),
        "c-weight-dtype" => idx().and_then(|k| WEIGHT_DTYPES.get(k)).map(|w| Action::SetWeightDtype(*w)),
        "c-double-quant" => Some(Action::SetDoubleQuant(checked)),
        "c-lora-dtype" => idx().and_then(|k| ADAPTER_DTYPES.get(k)).map(|d| Action::SetAdapterDtype(*d)),
        "c-lora-rank" => value.parse().ok().map(|p| Action::SetRank(Scale::Stops(RANK_STOPS).value(p) as u64)),
        "c-lora-rank-num" => typed("c-lora-rank-num", 1.0, MAX_RANK as f64, true, &|v| Action::SetRank(v as u64)),
        "c-lora-alpha" => typed("c-lora-alpha", 1e-3, MAX_ALPHA, false, &Action::SetAlpha),
        "c-lora-dropout" => {
            let max = if crate::query::wraps_experts(input) { 0.0 } else { 0.99 };
            typed("c-lora-dropout", 0.0, max, false, &Action::SetDropout)
        }
        "c-target-all" => {
            Some(Action::SetTargets(if checked { TargetSpec::default() } else { TargetSpec::Shorthand("qv".into()) }))
        }
        "c-mts-embed" => flip("embed_tokens"),
        "c-mts-head" => flip("lm_head"),
        "c-optimizer" => idx().and_then(|k| Optimizer::ALL.get(k)).map(|o| Action::SetOptimizer(*o)),
        "c-batch-size" => typed("c-batch-size", 1.0, MAX_BATCH as f64, true, &|v| Action::SetBatchSize(v as u64)),
        "c-seq-len" => value.parse().ok().map(|p| Action::SetSeqLen(Scale::Stops(SEQ_STOPS).value(p) as u64)),
        "c-seq-len-num" => typed("c-seq-len-num", 1.0, MAX_SEQ as f64, true, &|v| Action::SetSeqLen(v as u64)),
        "c-checkpointing" => Some(Action::SetCheckpointing(checked)),
        "c-attention" => idx().and_then(|k| ATTENTIONS.get(k)).map(|a| Action::SetAttention(*a)),
        "c-mixed-precision" => idx().and_then(|k| PRECISIONS.get(k)).map(|m| Action::SetMixedPrecision(*m)),
        "c-sdpa-kernel" => idx().and_then(|k| SDPA_KERNELS.get(k)).map(|k| Action::SetSdpaKernel(*k)),
        "c-trainer" => idx().and_then(|k| TRAINERS.get(k)).map(|k| Action::SetTrainer(*k)),
        "c-cuda-context" if value.trim().is_empty() => Some(Action::SetCudaContext(None)),
        "c-cuda-context" => {
            typed("c-cuda-context", 0.0, 65536.0, false, &|m| Action::SetCudaContext(Some((m * 1_048_576.0) as u64)))
        }
        "c-model" => idx().and_then(|k| MODELS.get(k)).map(|m| Action::SetModel(ModelInput::Id(m.id.to_string()))),
        "c-prepare-kbit" => Some(Action::SetPrepareKbit(Some(checked))),
        "c-bits" => idx().and_then(|k| BITS.get(k)).map(|b| Action::SetBits(*b)),
        "c-family" => {
            let ModelInput::Id(id) = &input.model else { return None };
            let sizes = super::model::family_sizes(lora_vram::presets::find_model(id)?);
            idx().and_then(|k| sizes.get(k)).map(|&m| Action::SetModel(ModelInput::Id(MODELS[m].id.to_string())))
        }
        "c-liger" => Some(Action::SetLiger(checked)),
        "c-loss" => idx().and_then(|k| Loss::ALL.get(k)).map(|l| Action::SetLoss(Some(*l))),
        "c-loss-chunks" => typed("c-loss-chunks", 1.0, lora_vram::scenario::MAX_LOSS_CHUNKS as f64, true, &|n| {
            Action::SetLossChunks(n as u64)
        }),
        "c-act-offload" => Some(Action::SetActivationOffloading(checked)),
        "c-framework" => idx().and_then(|k| FRAMEWORKS.get(k)).map(|f| Action::SetFramework(*f)),
        "c-dist-strategy" => {
            let k = idx()?;
            let d = input.distributed.unwrap_or(DistributedInput { gpus: 2, ..Default::default() });
            Some(Action::SetDistributed(match k.checked_sub(1) {
                None => None,
                Some(k) => {
                    let strategy = *Strategy::ALL.get(k)?;
                    // Keep only the options the new engine has.
                    let fsdp_sharding = d.fsdp_sharding.filter(|_| strategy == Strategy::Fsdp);
                    let offload = match (strategy, d.offload) {
                        (Strategy::Ddp, _) => Offload::None,
                        (Strategy::Fsdp, Offload::Optimizer) => Offload::OptimizerAndParams,
                        (Strategy::Zero1 | Strategy::Zero2, Offload::OptimizerAndParams) => Offload::Optimizer,
                        (_, o) => o,
                    };
                    Some(DistributedInput { strategy, fsdp_sharding, offload, ..d })
                }
            }))
        }
        "c-dist-gpus" => {
            typed("c-dist-gpus", 1.0, lora_vram::distributed::MAX_GPUS as f64, true, &|n| Action::SetGpuCount(n as u64))
        }
        "c-dist-per-node" => {
            let d = input.distributed?;
            let gpus_per_node = match idx()?.checked_sub(1) {
                None => None,
                Some(k) => Some(*PER_NODE.get(k)?),
            };
            Some(Action::SetDistributed(Some(DistributedInput { gpus_per_node, ..d })))
        }
        "c-dist-sharding" => {
            let d = input.distributed?;
            let f = *FsdpSharding::ALL.get(idx()?)?;
            Some(Action::SetDistributed(Some(DistributedInput { fsdp_sharding: Some(f), ..d })))
        }
        "c-dist-offload" => {
            let d = input.distributed?;
            let offload = *Offload::ALL.get(idx()?)?;
            Some(Action::SetDistributed(Some(DistributedInput { offload, ..d })))
        }
        "model-params" => {
            value.parse().ok().map(|p| Action::SetModel(ModelInput::Params { params: PARAMS_SCALE.value(p) * 1e9 }))
        }
        "model-params-num" => {
            typed("model-params-num", 0.1, 2000.0, false, &|b| Action::SetModel(ModelInput::Params { params: b * 1e9 }))
        }
        _ => {
            let name = id.strip_prefix("c-target-")?;
            let (arch, _) = resolve_model(&input.model).ok()?;
            let name = LINEAR_NAMES.iter().find(|n| n.replace('.', "-") == name)?;
            Some(Action::SetTargets(toggle_target(&arch, &input.lora.targets, name, checked)))
        }
    }
}

/// The form's two listeners (`oninput`, `onchange`): each reads the event's element and dispatches
/// what [`action_for`] makes of it.
pub fn form_handlers(on_action: &Callback<Action>, input: &ScenarioInput) -> (Callback<InputEvent>, Callback<Event>) {
    fn read(e: &Event) -> Option<(String, String, bool)> {
        use wasm_bindgen::JsCast;
        let target = e.target()?;
        if let Some(el) = target.dyn_ref::<HtmlInputElement>() {
            // Radios are named for their field; everything else is known by its id.
            let key = if el.type_() == "radio" { el.name() } else { el.id() };
            return Some((key, el.value(), el.checked()));
        }
        let el = target.dyn_ref::<HtmlSelectElement>()?;
        Some((el.id(), el.value(), false))
    }
    let handle = |change: bool| {
        let (act, input) = (on_action.clone(), input.clone());
        move |e: &Event| {
            if let Some((id, value, checked)) = read(e) {
                if let Some(a) = action_for(&id, &value, checked, change, &input) {
                    act.emit(a);
                }
            }
        }
    };
    let (on_input, on_change) = (handle(false), handle(true));
    (Callback::from(move |e: InputEvent| on_input(&e)), Callback::from(move |e: Event| on_change(&e)))
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
    let (on_input, on_change) = form_handlers(&props.on_action, &props.input);
    html! {
        <form class="scenario" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())} aria-label={t.form_label()}
            oninput={on_input} onchange={on_change}>
            <section class="card" aria-labelledby="h-model">
                <h2 id="h-model">{ t.model_title() }</h2>
                { props.hub.clone() }
                { c(Control::Model) }
            </section>
            <section class="card" aria-labelledby="h-method">
                <h2 id="h-method">{ t.method_title() }</h2>
                { c(Control::Method) }
                <div class="grid2">
                    { c(Control::WeightDtype) }
                    { c(Control::AdapterDtype) }
                </div>
                { c(Control::DoubleQuant) }
                { c(Control::PrepareKbit) }
            </section>
            <section class="card" data-muted={full.then_some("1")} aria-labelledby="h-lora">
                <h2 id="h-lora">{ t.lora_title() }</h2>
                if full { <p class="note">{ t.lora_full_note() }</p> }
                { c(Control::Rank) }
                <div class="grid2">
                    { c(Control::Alpha) }
                    { c(Control::Dropout) }
                </div>
                { c(Control::Targets) }
                { c(Control::ModulesToSave) }
            </section>
            <section class="card" aria-labelledby="h-training">
                <h2 id="h-training">{ t.training_title() }</h2>
                { c(Control::SeqLen) }
                // The optimizer and the loop have long option labels: full width, so that they are
                // never cut off (issue 10, friction: "…two fp3" at 1280 px).
                { c(Control::Optimizer) }
                <div class="grid2">
                    { c(Control::BatchSize) }
                    { c(Control::MixedPrecision) }
                    { c(Control::Attention) }
                    { c(Control::SdpaKernel) }
                </div>
                { c(Control::Trainer) }
                { c(Control::Checkpointing) }
            </section>
            <section class="card" aria-labelledby="h-dist">
                <h2 id="h-dist">{ t.dist_title() }</h2>
                { c(Control::Distributed) }
            </section>
            <section class="card" aria-labelledby="h-savers">
                <h2 id="h-savers">{ t.savers_title() }</h2>
                <p class="hint">{ t.savers_hint() }</p>
                { c(Control::Liger) }
                { c(Control::Loss) }
                <div class="grid2">
                    { c(Control::LossChunks) }
                    { c(Control::Framework) }
                </div>
                { c(Control::ActivationOffloading) }
                <details class="advanced">
                    <summary>{ t.advanced() }</summary>
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

    // The form's one handler: each input's id and value become the action it always dispatched.
    #[test]
    fn form_events_become_actions() {
        use lora_vram::scenario::WeightDtype;
        let i = ScenarioInput::default();
        let on = |id: &str, v: &str, checked: bool, change: bool| action_for(id, v, checked, change, &i);
        assert_eq!(on("method", "2", true, true), Some(Action::SetMethod(Method::Full)));
        assert_eq!(on("method", "2", true, false), None, "radios act on change");
        assert_eq!(on("c-weight-dtype", "4", false, true), Some(Action::SetWeightDtype(WeightDtype::Nf4)));
        assert_eq!(on("c-seq-len", "12", false, false), Some(Action::SetSeqLen(8192)));
        assert_eq!(on("c-seq-len-num", "5000", false, false), Some(Action::SetSeqLen(5000)));
        assert_eq!(on("c-lora-rank-num", "48", false, false), Some(Action::SetRank(48)));
        // Invalid text is kept as a draft of its field (issue 10, item 8).
        assert_eq!(on("c-batch-size", "1.5", false, false), Some(Action::Draft("c-batch-size", Some("1.5".into()))));
        assert_eq!(
            on("c-batch-size", "100000", false, false),
            Some(Action::Draft("c-batch-size", Some("100000".into())))
        );
        assert_eq!(
            on("c-lora-dropout", "1.5", false, false),
            Some(Action::Draft("c-lora-dropout", Some("1.5".into())))
        );
        assert_eq!(
            on("model-params-num", "-3", false, false),
            Some(Action::Draft("model-params-num", Some("-3".into())))
        );
        assert_eq!(on("c-cuda-context", "", false, false), Some(Action::SetCudaContext(None)));
        assert_eq!(on("c-checkpointing", "on", false, true), Some(Action::SetCheckpointing(false)));
        assert_eq!(on("c-mts-head", "on", true, true), Some(Action::SetModulesToSave(vec!["lm_head".into()])));
        assert!(matches!(on("c-target-o_proj", "on", false, true), Some(Action::SetTargets(TargetSpec::Modules(_)))));
        assert_eq!(on("model-search", "qwen", false, false), None, "the picker's own inputs are not form fields");
        // An MoE model accepts only dropout 0.
        let moe = ScenarioInput {
            model: lora_vram::input::ModelInput::Id("mistralai/Mixtral-8x7B-v0.1".into()),
            lora: lora_vram::input::LoraInput { dropout: 0.0, ..Default::default() },
            ..ScenarioInput::default()
        };
        assert!(matches!(action_for("c-lora-dropout", "0.1", false, false, &moe), Some(Action::Draft(..))));
    }

    // Issue 11: the multi-GPU controls set `distributed`, keeping only what the engine accepts.
    #[test]
    fn multi_gpu_events_become_actions() {
        let one = ScenarioInput::default();
        let fsdp = |offload| {
            Some(Action::SetDistributed(Some(DistributedInput {
                strategy: Strategy::Fsdp,
                gpus: 2,
                offload,
                ..Default::default()
            })))
        };
        assert_eq!(action_for("c-dist-strategy", "2", false, true, &one), fsdp(Offload::None));
        assert_eq!(action_for("c-dist-strategy", "0", false, true, &one), Some(Action::SetDistributed(None)));
        let zero1 = ScenarioInput {
            distributed: Some(DistributedInput {
                strategy: Strategy::Zero1,
                gpus: 2,
                offload: Offload::Optimizer,
                ..Default::default()
            }),
            ..ScenarioInput::default()
        };
        // FSDP's cpu_offload moves everything: "optimizer" alone becomes "optimizer and parameters".
        assert_eq!(action_for("c-dist-strategy", "2", false, true, &zero1), fsdp(Offload::OptimizerAndParams));
        // DDP offloads nothing.
        let Some(Action::SetDistributed(Some(d))) = action_for("c-dist-strategy", "1", false, true, &zero1) else {
            panic!("DDP");
        };
        assert_eq!((d.strategy, d.offload), (Strategy::Ddp, Offload::None));
        assert_eq!(action_for("c-dist-gpus", "8", false, false, &zero1), Some(Action::SetGpuCount(8)));
        assert_eq!(
            action_for("c-dist-gpus", "0", false, false, &zero1),
            Some(Action::Draft("c-dist-gpus", Some("0".into())))
        );
        assert_eq!(
            action_for("c-dist-gpus", "1025", false, false, &zero1),
            Some(Action::Draft("c-dist-gpus", Some("1025".into())))
        );
        let Some(Action::SetDistributed(Some(d))) = action_for("c-dist-per-node", "4", false, true, &zero1) else {
            panic!("per node");
        };
        assert_eq!(d.gpus_per_node, Some(8));
        assert_eq!(action_for("c-dist-offload", "1", false, true, &one), None, "no offload without a strategy");
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
