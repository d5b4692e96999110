//! Every string the page shows, in English and 简体中文.
//!
//! One [`Text`] per language; strings with values in them are functions. Identifiers that people
//! type into code (`adamw_8bit`, `flash_attention_2`, `q_proj`) stay as they are in both languages.

use lora_vram::advice::Change;
use lora_vram::estimate::Phase;
use lora_vram::fit::Warning;
use lora_vram::scenario::{
    AdapterDtype, AttentionImpl, Method, MixedPrecision, Optimizer, SdpaKernel, Trainer, WeightDtype,
};

/// A language of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// 简体中文.
    Zh,
}

impl Lang {
    /// The strings.
    pub fn t(self) -> &'static Text {
        static EN_TEXT: std::sync::OnceLock<Text> = std::sync::OnceLock::new();
        static ZH_TEXT: std::sync::OnceLock<Text> = std::sync::OnceLock::new();
        match self {
            Lang::En => EN_TEXT.get_or_init(|| Text::new(&EN, &[])),
            Lang::Zh => ZH_TEXT.get_or_init(|| Text::new(&ZH, ZH_REASONS)),
        }
    }

    /// URL / storage spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The `lang` attribute.
    pub const fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// A BCP 47 tag to a language: `zh`, `zh-CN`, `zh-Hans` → 简体中文; `en*` → English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t == "zh" || t.starts_with("zh-") || t.starts_with("zh_") {
            Some(Lang::Zh)
        } else if t == "en" || t.starts_with("en-") || t.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// A data-parallel engine's name as its configuration calls it.
pub fn strategy_name(s: lora_vram::distributed::Strategy) -> &'static str {
    use lora_vram::distributed::Strategy::*;
    match s {
        Ddp => "DDP",
        Fsdp => "FSDP",
        Zero1 => "DeepSpeed ZeRO-1",
        Zero2 => "DeepSpeed ZeRO-2",
        Zero3 => "DeepSpeed ZeRO-3",
    }
}

/// A message with numbered gaps, `{0}`, `{1}`, …, that [`fill`] fills in. (Templates rather than
/// `format!` closures: one filler instead of a hundred closures keeps the page smaller.)
pub type Tpl = &'static str;

/// Fills a template's `{0}`, `{1}`, … with `args`, in order of their numbers; any other brace is text.
pub fn fill(tpl: Tpl, args: &[&dyn core::fmt::Display]) -> String {
    use core::fmt::Write;
    let mut out = String::with_capacity(tpl.len() + 16);
    let mut rest = tpl;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let b = tail.as_bytes();
        match (b.get(1), b.get(2)) {
            (Some(d @ b'0'..=b'9'), Some(b'}')) => {
                if let Some(a) = args.get(usize::from(d - b'0')) {
                    let _ = write!(out, "{a}");
                }
                rest = &tail[3..];
            }
            _ => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One language's strings as written: every field's text, in [`Text`]'s field order, joined by
/// [`SEP`] (`table!` checks the names in the tests).
pub struct Table {
    joined: &'static str,
    #[cfg(test)]
    names: &'static [&'static str],
}

/// Separates the strings of a [`Table`]: the ASCII unit separator, never in a message.
const SEP: char = '\u{1f}';

/// A [`Table`] from `field: "text"` pairs, in the order of [`Text`]'s fields.
macro_rules! table {
    ($($name:ident: $text:literal),* $(,)?) => {
        Table {
            joined: concat!($($text, "\u{1f}"),*),
            #[cfg(test)]
            names: &[$(stringify!($name)),*],
        }
    };
}

/// [`Text`]'s fields: an index each, and an accessor for the string.
macro_rules! strings {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Field {
            $($name,)*
        }

        /// How many strings a [`Text`] has.
        const FIELDS: usize = [$(stringify!($name)),*].len();

        #[cfg(test)]
        const FIELD_NAMES: [&str; FIELDS] = [$(stringify!($name)),*];

        #[allow(missing_docs)]
        impl Text {
            $(
                $(#[$doc])*
                #[inline]
                pub fn $name(&self) -> &'static str {
                    self.s[Field::$name as usize]
                }
            )*
        }
    };
}

impl Text {
    /// Splits a table into its strings.
    fn new(table: &Table, reasons: &'static [(&'static str, &'static str)]) -> Text {
        let mut s = [""; FIELDS];
        for (slot, text) in s.iter_mut().zip(table.joined.split(SEP)) {
            *slot = text;
        }
        Text { s, reasons }
    }
}

/// The page's strings in one language, split from a [`Table`] when the language is first used.
/// (One string per language and an index per field, rather than a struct of several hundred
/// `&str` fields: the fields' pointers and lengths were 3 KiB of the page's gzipped download.)
pub struct Text {
    s: [&'static str; FIELDS],
    /// Translations of the estimator's reasons (English text → this language); empty for English.
    reasons: &'static [(&'static str, &'static str)],
}

strings! {
    lang_name,
    switch_to,
    app_name,
    page_title,
    tagline,
    skip_to_results,
    footer,
    assume_title,
    assume_versions,
    assume_loop,
    assume_gpus,
    assume_batches,
    link_method,
    link_accuracy,
    theme_toggle,
    theme_auto,
    theme_light,
    theme_dark,
    notice_title,
    notice_more,
    dismiss,
    r_expected,
    r_not_field,
    r_repeated,
    r_unknown_value,
    r_unknown_gpu,
    r_too_long,
    r_too_many,
    r_moe_dropout,
    e_preset,
    e_params,
    e_whole,
    e_number,
    e_bool,
    e_config,
    e_one_of,
    err_invalid,
    err_unknown_model,
    err_unknown_gpu,
    err_unsupported,
    err_missing,
    err_unknown_target,
    err_json,
    /// Where a JSON parser stopped: line `{0}`, column `{1}`.
    json_at,
    form_label,
    // Model
    model_title,
    model_source,
    model_tab_preset,
    model_tab_params,
    model_tab_config,
    model_search,
    model_search_placeholder,
    model_preset,
    model_no_match,
    model_params,
    model_params_number,
    model_params_hint,
    params_unit,
    params_model,
    config_model,
    config_upload,
    config_paste,
    config_hint,
    config_ok,
    config_error,
    config_too_large,
    config_unreadable,
    model_summary,
    // Hugging Face import
    hub_label,
    hub_load,
    hub_loading_button,
    hub_hint,
    hub_loading,
    hub_params,
    hub_invalid,
    hub_not_found,
    hub_gated,
    hub_network,
    hub_http,
    hub_redirected,
    hub_malformed,
    hub_unsupported,
    hub_use_params,
    hub_kept,
    // Method
    method_title,
    method,
    method_lora,
    method_qlora,
    method_full,
    weight_dtype_label,
    bits_label,
    bits_value,
    family_size,
    custom_vram,
    custom_vram_hint,
    invalid_vram,
    custom_gpu_name,
    pin,
    unpin,
    compare_title,
    compare_pinned,
    compare_now,
    compare_delta,
    double_quant,
    double_quant_hint,
    adapter_dtype_label,
    adapter_dtype_hint,
    // LoRA
    lora_title,
    lora_full_note,
    rank,
    alpha,
    alpha_hint,
    targets,
    targets_all_hint,
    dropout,
    dropout_hint,
    dropout_moe_hint,
    rank_number,
    invalid_whole_rank,
    invalid_whole_batch,
    invalid_whole_seq,
    invalid_alpha,
    invalid_dropout,
    invalid_context,
    invalid_params,
    modules_to_save,
    // Training
    training_title,
    optimizer_label,
    batch_size,
    batch_hint,
    seq_len,
    seq_len_number,
    tokens,
    checkpointing,
    checkpointing_hint,
    attention_label,
    /// The SDPA kernel select.
    sdpa_kernel_label,
    /// Its hint.
    sdpa_kernel_hint,
    /// Flash kernel.
    sk_flash,
    /// Memory-efficient kernel.
    sk_efficient,
    /// The training-loop select.
    trainer_label,
    /// Its hint.
    trainer_hint,
    /// Hugging Face Trainer.
    tr_transformers,
    /// TRL SFTTrainer.
    tr_trl,
    /// A plain loop.
    tr_custom,
    mixed_precision_label,
    advanced,
    cuda_context,
    prepare_kbit,
    prepare_kbit_hint,
    savers_title,
    savers_hint,
    liger_hint,
    liger_unsupported,
    loss_label,
    loss_hint,
    loss_standard,
    loss_chunked,
    loss_fused,
    loss_cce,
    loss_chunks,
    invalid_chunks,
    offload_hint,
    dist_title,
    dist_strategy,
    dist_one,
    dist_hint,
    dist_gpus,
    invalid_gpus,
    dist_per_node,
    dist_one_node,
    dist_sharding,
    dist_offload,
    off_none,
    off_opt,
    off_all,
    /// The total's label under a multi-GPU strategy: `{0}` GPUs, `{1}` the strategy.
    total_per_gpu,
    col_gpus_needed,
    /// `{0}` GPUs of this kind are enough with `{1}`.
    needed_text,
    /// No count up to 1,024 fits with `{0}`.
    needed_none,
    dist_notice_sharding,
    dist_notice_ddp,
    dist_notice_hybrid,
    framework_label,
    framework_hint,
    fw_transformers,
    fw_unsloth,
    cuda_context_hint,
    /// Placeholder of the CUDA context field when it is left to the GPU's model.
    cuda_context_auto,
    // Result
    result_title,
    sumbar_hint,
    seq_batch,
    total_label,
    unit_label,
    range_text,
    peak_allocated,
    params_total,
    params_trainable,
    peak_phase,
    paged_note,
    part_weights,
    part_adapter,
    part_training,
    part_step_temp,
    colon,
    comma,
    open_paren,
    close_paren,
    inferred,
    text_only,
    meta_description,
    part_activations,
    part_overhead,
    sub_params,
    sub_gradients,
    sub_logits,
    sub_layers,
    host_ram,
    moe_weights_note,
    sub_optimizer,
    sub_cuda_context,
    sub_allocator,
    bar_label,
    bar_hint,
    breakdown_caption,
    col_part,
    col_memory,
    col_share,
    invalid_title,
    invalid_hint,
    // GPUs
    gpu_panel_title,
    your_gpu,
    gpu_fits,
    gpu_tight,
    gpu_nofit,
    headroom_text,
    shortfall_text,
    limits_text,
    limits_none,
    limits_seq_only,
    limits_may_run,
    limits_tight_only,
    limits_other_gpus,
    limits_no_gpu,
    cause_weights,
    cause_trainable,
    cause_activations,
    cause_overhead,
    tight_explain,
    tight_explain_no_gpu,
    verdict_fits,
    verdict_tight,
    verdict_nofit,
    advice_title,
    apply,
    gpu_table_title,
    gpu_table_hint,
    gpu_table_scroll,
    scroll_hint,
    filter_label,
    filter_all,
    filter_consumer,
    filter_datacenter,
    col_gpu,
    col_vram,
    col_verdict,
    col_headroom,
    col_max_seq,
    col_max_batch,
    warn_no_bf16,
    warn_no_bf16_short,
    warn_no_fa2,
    warn_no_fa2_short,
    // Advice
    ch_checkpointing,
    ch_batch_one,
    ch_attention,
    ch_optimizer,
    list_sep,
    ch_paged,
    ch_qlora,
    ch_seq,
    ch_rank,
    ch_liger,
    ch_offload_opt,
    ch_shard,
    chs_shard,
    ch_offload,
    ch_cce,
    ch_attn_targets,
    ch_all,
    chs_checkpointing,
    chs_batch_one,
    chs_qlora,
    chs_rank,
    chs_attn_targets,
    chs_seq,
    // Phases
    phase_forward,
    phase_loss_backward,
    phase_last_layer,
    phase_first_layer,
    phase_optimizer,
    // Option labels
    opt_adamw_torch,
    opt_adamw_fused,
    opt_adamw_8bit,
    opt_paged_8bit,
    opt_paged_32bit,
    opt_sgd,
    opt_adafactor,
    attn_sdpa,
    attn_fa2,
    attn_eager,
    mp_bf16,
    mp_fp16,
    mp_no,
    wd_int8,
    wd_nf4,
    wd_fp4,
    ad_fp32,
    // Sharing
    share_title,
    copy_link,
    copy_embed,
    copied_link,
    copied_embed,
    copy_failed,
    export_link,
    copied,
    link_config_left_out,
    save_failed,
    stale_note,
    reset,
    embed_fallback,
}

impl Text {
    /// The label of a peak phase.
    pub fn phase(&self, p: Phase) -> &'static str {
        match p {
            Phase::Forward => self.phase_forward(),
            Phase::LossBackward => self.phase_loss_backward(),
            Phase::LastLayerBackward => self.phase_last_layer(),
            Phase::FirstLayerBackward => self.phase_first_layer(),
            Phase::OptimizerStep => self.phase_optimizer(),
        }
    }

    /// A short method name.
    pub fn method_short(&self, m: Method) -> &'static str {
        match m {
            Method::Lora => self.method_lora(),
            Method::Qlora => self.method_qlora(),
            Method::Full => self.method_full(),
        }
    }

    /// One change, as an instruction.
    pub fn change(&self, c: Change) -> String {
        match c {
            Change::GradientCheckpointing => self.ch_checkpointing().to_string(),
            Change::BatchOneWithAccumulation { accumulation_steps } => {
                fill(self.ch_batch_one(), &[&accumulation_steps.to_string()])
            }
            Change::Attention(a) => fill(self.ch_attention(), &[&a.as_str()]),
            Change::Optimizer(Optimizer::PagedAdamw8bit) => self.ch_paged().to_string(),
            Change::Optimizer(o) => fill(self.ch_optimizer(), &[&o.as_str()]),
            Change::Qlora => self.ch_qlora().to_string(),
            Change::Rank(r) => fill(self.ch_rank(), &[&r.to_string()]),
            Change::Liger => self.ch_liger().to_string(),
            Change::OffloadOptimizer => self.ch_offload_opt().to_string(),
            Change::Shard { strategy, gpus } => fill(self.ch_shard(), &[&strategy_name(strategy), &gpus]),
            Change::ActivationOffloading => self.ch_offload().to_string(),
            Change::CutCrossEntropy => self.ch_cce().to_string(),
            Change::AttentionTargets => self.ch_attn_targets().to_string(),
            Change::SeqLen(n) => fill(self.ch_seq(), &[&crate::format::group(n)]),
        }
    }

    /// One change in a few words, for the combination's label.
    pub fn change_short(&self, c: Change) -> String {
        match c {
            Change::GradientCheckpointing => self.chs_checkpointing().to_string(),
            Change::BatchOneWithAccumulation { accumulation_steps } => {
                fill(self.chs_batch_one(), &[&accumulation_steps.to_string()])
            }
            Change::Attention(a) => a.as_str().to_string(),
            Change::Optimizer(o) => o.as_str().to_string(),
            Change::Qlora => self.chs_qlora().to_string(),
            Change::Rank(r) => fill(self.chs_rank(), &[&r.to_string()]),
            Change::Liger => "use_liger_kernel".to_string(),
            Change::OffloadOptimizer => "offload_optimizer".to_string(),
            Change::Shard { strategy, gpus } => fill(self.chs_shard(), &[&strategy_name(strategy), &gpus]),
            Change::ActivationOffloading => "activation_offloading".to_string(),
            Change::CutCrossEntropy => "cut_cross_entropy".to_string(),
            Change::AttentionTargets => self.chs_attn_targets().to_string(),
            Change::SeqLen(n) => fill(self.chs_seq(), &[&crate::format::group(n)]),
        }
    }

    /// A piece of advice: one change as an instruction, or the combination as the list of exactly
    /// the changes "apply" makes.
    pub fn advice(&self, a: &lora_vram::advice::Advice) -> String {
        if !a.is_combination() {
            return self.change(a.change());
        }
        let mut s = String::from(self.ch_all());
        for (i, c) in a.changes.iter().enumerate() {
            s.push_str(if i == 0 { " " } else { self.list_sep() });
            s.push_str(&self.change_short(*c));
        }
        s
    }

    /// What is wrong with a config.json.
    pub fn config_problem(&self, e: &crate::components::model::ConfigError) -> String {
        use crate::components::model::ConfigError as C;
        match e {
            C::TooLarge(n) => fill(self.config_too_large(), &[&crate::format::file_size(*n as u64)]),
            C::Json(line, col) => fill(self.err_json(), &[&fill(self.json_at(), &[line, col])]),
            C::Model(e) => self.error(e),
            C::Unreadable => self.config_unreadable().into(),
        }
    }

    /// An estimator error in this language (field names and code values stay as they are).
    pub fn error(&self, e: &lora_vram::Error) -> String {
        use lora_vram::Error as E;
        match e {
            E::Invalid { field, reason } => {
                let r = self.reasons.iter().find(|(en, _)| en == reason).map_or(*reason, |(_, t)| *t);
                fill(self.err_invalid(), &[&field, &r])
            }
            E::UnknownModel(id) => fill(self.err_unknown_model(), &[&crate::format::clip(id, 80)]),
            E::UnknownGpu(id) => fill(self.err_unknown_gpu(), &[&crate::format::clip(id, 80)]),
            E::UnsupportedModelType(t) => fill(
                self.err_unsupported(),
                &[&crate::format::clip(t, 80), &lora_vram::arch::SUPPORTED_MODEL_TYPES.join(", ")],
            ),
            E::MissingField(f) => fill(self.err_missing(), &[&f]),
            E::UnknownTarget { name, available } => {
                fill(self.err_unknown_target(), &[&crate::format::clip(name, 80), &available])
            }
            E::Json(m) => fill(self.err_json(), &[&crate::format::clip(m, 200)]),
        }
    }

    /// Why a notice was given, in this language.
    pub fn reason(&self, r: &crate::query::Reason) -> String {
        use crate::query::{Expect, Reason};
        match r {
            Reason::Expected(x) => fill(
                self.r_expected(),
                &[&match x {
                    Expect::PresetId => self.e_preset(),
                    Expect::ParamCount => self.e_params(),
                    Expect::WholeNumber => self.e_whole(),
                    Expect::Number => self.e_number(),
                    Expect::Bool => self.e_bool(),
                    Expect::Config => self.e_config(),
                    Expect::OneOf(l) => return fill(self.r_expected(), &[&fill(self.e_one_of(), &[l])]),
                }],
            ),
            Reason::Estimator(e) => self.error(e),
            Reason::NotAField => self.r_not_field().into(),
            Reason::Repeated => self.r_repeated().into(),
            Reason::UnknownValue => self.r_unknown_value().into(),
            Reason::UnknownGpu => self.r_unknown_gpu().into(),
            Reason::TooLong => self.r_too_long().into(),
            Reason::TooMany(n) => fill(self.r_too_many(), &[&crate::format::group(*n as u64)]),
            Reason::MoeDropout => self.r_moe_dropout().into(),
        }
    }

    /// A preset's display name in this language ("(text)" for the text-only part of a multimodal
    /// checkpoint).
    pub fn preset_name(&self, name: &'static str) -> String {
        match name.strip_suffix(" (text)") {
            Some(base) if self.text_only() != "(text)" => format!("{base}{}", self.text_only()),
            _ => name.to_string(),
        }
    }

    /// A model type for display: the config's `model_type`, or "inferred" in this language.
    pub fn model_type(&self, t: &'static str) -> &'static str {
        if t == "inferred" {
            self.inferred()
        } else {
            t
        }
    }

    /// The part of the estimate that keeps even one token from fitting.
    pub fn cause(&self, c: lora_vram::advice::Cause) -> &'static str {
        use lora_vram::advice::Cause;
        match c {
            Cause::Weights => self.cause_weights(),
            Cause::TrainableState => self.cause_trainable(),
            Cause::Activations => self.cause_activations(),
            Cause::Overhead => self.cause_overhead(),
        }
    }

    /// A GPU warning in full.
    pub fn warning(&self, w: Warning) -> &'static str {
        match w {
            Warning::NoBf16 => self.warn_no_bf16(),
            Warning::NoFlashAttention2 => self.warn_no_fa2(),
        }
    }

    /// A GPU warning as a table tag.
    pub fn warning_short(&self, w: Warning) -> &'static str {
        match w {
            Warning::NoBf16 => self.warn_no_bf16_short(),
            Warning::NoFlashAttention2 => self.warn_no_fa2_short(),
        }
    }

    /// An optimizer's label: its `optim` value and what it is.
    pub fn optimizer(&self, o: Optimizer) -> String {
        let d = match o {
            Optimizer::AdamwTorch => self.opt_adamw_torch(),
            Optimizer::AdamwTorchFused => self.opt_adamw_fused(),
            Optimizer::Adamw8bit => self.opt_adamw_8bit(),
            Optimizer::PagedAdamw8bit => self.opt_paged_8bit(),
            Optimizer::PagedAdamw32bit => self.opt_paged_32bit(),
            Optimizer::Sgd => self.opt_sgd(),
            Optimizer::Adafactor => self.opt_adafactor(),
        };
        format!("{} — {d}", o.as_str())
    }

    /// An attention kernel's label.
    pub fn attention(&self, a: AttentionImpl) -> String {
        let d = match a {
            AttentionImpl::Sdpa => self.attn_sdpa(),
            AttentionImpl::FlashAttention2 => self.attn_fa2(),
            AttentionImpl::Eager => self.attn_eager(),
        };
        format!("{} — {d}", a.as_str())
    }

    /// A mixed-precision label.
    pub fn sdpa_kernel(&self, k: SdpaKernel) -> &'static str {
        match k {
            SdpaKernel::Flash => self.sk_flash(),
            SdpaKernel::Efficient => self.sk_efficient(),
        }
    }

    /// A training loop's name.
    pub fn trainer(&self, t: Trainer) -> &'static str {
        match t {
            Trainer::Transformers => self.tr_transformers(),
            Trainer::TrlSft => self.tr_trl(),
            Trainer::CustomLoop => self.tr_custom(),
        }
    }

    /// A loss's label: its `loss` value and the setting that picks it.
    pub fn loss(&self, l: lora_vram::scenario::Loss) -> String {
        use lora_vram::scenario::Loss;
        let d = match l {
            Loss::Standard => self.loss_standard(),
            Loss::Chunked => self.loss_chunked(),
            Loss::FusedLinear => self.loss_fused(),
            Loss::CutCrossEntropy => self.loss_cce(),
        };
        format!("{} — {d}", l.as_str())
    }

    /// What an offload setting moves.
    pub fn offload(&self, o: lora_vram::distributed::Offload) -> &'static str {
        use lora_vram::distributed::Offload;
        match o {
            Offload::None => self.off_none(),
            Offload::Optimizer => self.off_opt(),
            Offload::OptimizerAndParams => self.off_all(),
        }
    }

    /// A multi-GPU notice, in this language.
    pub fn dist_notice(&self, n: lora_vram::distributed::Notice) -> &'static str {
        use lora_vram::distributed::Notice;
        match n {
            Notice::OneGpuShardsNothing => self.dist_notice_sharding(),
            Notice::OneGpuDdp => self.dist_notice_ddp(),
            Notice::HybridOnOneNode => self.dist_notice_hybrid(),
        }
    }

    /// A framework's name.
    pub fn framework(&self, f: lora_vram::scenario::Framework) -> &'static str {
        match f {
            lora_vram::scenario::Framework::Transformers => self.fw_transformers(),
            lora_vram::scenario::Framework::Unsloth => self.fw_unsloth(),
        }
    }

    /// A mixed-precision mode's name.
    pub fn mixed_precision(&self, m: MixedPrecision) -> &'static str {
        match m {
            MixedPrecision::Bf16 => self.mp_bf16(),
            MixedPrecision::Fp16 => self.mp_fp16(),
            MixedPrecision::No => self.mp_no(),
        }
    }

    /// A weight precision label.
    pub fn weight_dtype(&self, w: WeightDtype) -> String {
        match w {
            WeightDtype::Fp32 => "fp32".into(),
            WeightDtype::Bf16 => "bf16".into(),
            WeightDtype::Fp16 => "fp16".into(),
            WeightDtype::Int8 => format!("int8 — {}", self.wd_int8()),
            WeightDtype::Nf4 => format!("nf4 — {}", self.wd_nf4()),
            WeightDtype::Fp4 => format!("fp4 — {}", self.wd_fp4()),
        }
    }

    /// An adapter dtype label.
    pub fn adapter_dtype(&self, d: AdapterDtype) -> String {
        match d {
            AdapterDtype::Fp32 => format!("fp32 — {}", self.ad_fp32()),
            AdapterDtype::Bf16 => "bf16".into(),
            AdapterDtype::Fp16 => "fp16".into(),
        }
    }
}

/// English.
pub static EN: Table = table! {
    lang_name: "English",
    switch_to: "Switch to English",
    app_name: "LoRA VRAM calculator",
    page_title: "LoRA VRAM calculator: will this fine-tune fit my GPU?",
    tagline: "Peak GPU memory of a LoRA, QLoRA or full fine-tuning step — and what to change when it doesn't fit.",
    skip_to_results: "Skip to results",
    footer: "Estimates model the tensors that Hugging Face transformers, PEFT and bitsandbytes allocate in one training step. GB = 10⁹ bytes, GiB = 2³⁰ bytes (what nvidia-smi shows as MiB/GiB).",
    assume_title: "What this assumes",
    assume_versions: "PyTorch 2.1x (its caching allocator), transformers 5.x, PEFT 0.21, bitsandbytes, and TRL 1.16 for SFTTrainer: the tensors they allocate in one step.",
    assume_loop: "Hugging Face's Trainer, unless you pick TRL's SFTTrainer or a plain loop under Training.",
    assume_gpus: "One GPU, unless the GPUs group describes data-parallel training (DDP, FSDP, DeepSpeed ZeRO).",
    assume_batches: "Packed or equal-length batches (no padding), and the language model only (no vision tower).",
    link_method: "How the estimate is computed",
    link_accuracy: "How right it is: measured against real GPUs",
    theme_toggle: "Colour theme",
    theme_auto: "Auto",
    theme_light: "Light",
    theme_dark: "Dark",
    notice_title: "Some settings were changed or ignored:",
    notice_more: "…and {0} more.",
    dismiss: "Dismiss",
    r_expected: "expected {0}; the default is used",
    r_not_field: "is not a setting of this calculator; ignored",
    r_repeated: "is given more than once; the last value is used",
    r_unknown_value: "has a value this page does not know; ignored",
    r_unknown_gpu: "is not a GPU id of the table; ignored",
    r_too_long: "is longer than any valid value; ignored",
    r_too_many: "{0} more parameters in the link were not read",
    r_moe_dropout: "was set to 0: PEFT adapts this model's MoE experts through ParamWrapper, which refuses lora_dropout > 0 (as a PEFT user you'd have to set 0 too)",
    e_preset: "a preset id such as meta-llama/Llama-3.1-8B",
    e_params: "a parameter count such as 7e9",
    e_whole: "a whole number",
    e_number: "a number",
    e_bool: "true or false",
    e_config: "a valid JSON object",
    e_one_of: "one of: {0}",
    err_invalid: "`{0}` {1}",
    err_unknown_model: "`{0}` is not a preset model; pick one from the list, or use the Hugging Face id box, a parameter count or a config.json",
    err_unknown_gpu: "`{0}` is not a GPU id of the table",
    err_unsupported: "model_type `{0}` is not supported yet (supported: {1}); use a parameter count for a typical-architecture estimate",
    err_missing: "config.json has no `{0}`, which this model type needs",
    err_unknown_target: "LoRA target `{0}` matches no Linear of this model; it has: {1}",
    err_json: "not valid JSON ({0})",
    json_at: "look near line {0}, column {1}",
    form_label: "Training setup",
    model_title: "Model",
    model_source: "Model from",
    model_tab_preset: "Preset",
    model_tab_params: "Parameter count",
    model_tab_config: "config.json",
    model_search: "Search models",
    model_search_placeholder: "e.g. qwen 7b, llama 3.1, gemma",
    model_preset: "Model preset",
    model_no_match: "No preset matches. Try fewer words, or use a parameter count or a config.json.",
    model_params: "Parameters",
    model_params_number: "Parameters, in billions",
    model_params_hint: "A typical Llama-style architecture is inferred from the count. For an exact answer, use a preset or the model's config.json.",
    params_unit: "parameters",
    params_model: "≈{0} parameters (typical architecture)",
    config_model: "Model from config.json",
    config_upload: "Upload config.json",
    config_paste: "…or paste it",
    config_hint: "The config.json from the model's Hugging Face page gives the exact architecture.",
    config_ok: "Using",
    config_error: "Can't use this config.json:",
    config_too_large: "it is {0}, and a model's config.json is a few KB. Is it another file (the weights, model.safetensors.index.json, tokenizer.json)? The previous model is still in use.",
    config_unreadable: "the file could not be read.",
    model_summary: "{0} parameters · {1} layers · hidden {2} · vocabulary {3} · {4}",
    hub_label: "Hugging Face model id",
    hub_load: "Load",
    hub_loading_button: "Loading…",
    hub_hint: "owner/name, as in the model page's address. Enter fetches its config.json from huggingface.co for the exact architecture.",
    hub_loading: "Loading {0} from huggingface.co…",
    hub_params: "{0} parameters",
    hub_invalid: "“{0}” is not a model id. Type owner/name, the part after huggingface.co/ in the model page's address, e.g. Qwen/Qwen2.5-7B-Instruct.",
    hub_not_found: "There is no model {0} on Hugging Face (404). Check the spelling, or pick a preset.",
    hub_gated: "{0} is gated or private: Hugging Face asks to sign in. Accept its licence on the model page, then paste its config.json in the config.json tab below.",
    hub_network: "Can't reach huggingface.co: you may be offline, or a network filter blocks it. Try again, or paste the model's config.json in the config.json tab below.",
    hub_http: "Hugging Face answered HTTP {1} for {0}. Try again in a minute, or paste its config.json in the config.json tab below.",
    hub_redirected: "huggingface.co sent the request for {0} to another site; this page reads model files from huggingface.co only, so nothing was imported. Paste the model's config.json in the config.json tab below.",
    hub_malformed: "The config.json of {0} is not valid JSON ({1}). Paste a corrected copy in the config.json tab below.",
    hub_unsupported: "Can't read the architecture of {0}: {1}.",
    hub_use_params: "Use its parameter count ({0})",
    hub_kept: " The previous model is still in use.",
    method_title: "Method and precision",
    method: "Method",
    method_lora: "LoRA",
    method_qlora: "QLoRA",
    method_full: "Full fine-tuning",
    weight_dtype_label: "Base weight precision",
    bits_label: "Precision of the base weights",
    bits_value: "{0} bits per weight",
    family_size: "Size within {0}",
    custom_vram: "Or your GPU's memory (GiB)",
    custom_vram_hint: "As nvidia-smi shows its total, e.g. 48 for a 48 GB card: the verdict, limits and advice are then for that memory, with the chosen card's CUDA context.",
    invalid_vram: "Enter GiB from 1 to 1,024, or leave it empty for the chosen card. The verdict still uses the last valid value.",
    custom_gpu_name: "your GPU ({0})",
    pin: "Pin for comparison",
    unpin: "Unpin",
    compare_title: "Pinned setup against this one",
    compare_pinned: "Pinned",
    compare_now: "Now",
    compare_delta: "Change",
    double_quant: "Double quantization",
    double_quant_hint: "bnb_4bit_use_double_quant: quantizes the 4-bit scales too (saves ≈0.4 bit per weight).",
    adapter_dtype_label: "Adapter precision",
    adapter_dtype_hint: "PEFT upcasts adapters to fp32 by default (autocast_adapter_dtype=True).",
    lora_title: "LoRA",
    lora_full_note: "Full fine-tuning trains every weight, so these LoRA settings don't apply.",
    rank: "Rank r",
    alpha: "lora_alpha",
    alpha_hint: "Scales the update; costs no memory.",
    targets: "Target modules",
    targets_all_hint: "Every Linear layer except lm_head (PEFT's \"all-linear\"). Unticked: the query and value projections only.",
    dropout: "lora_dropout",
    dropout_hint: "Above 0, each adapted layer keeps an extra copy of its input.",
    dropout_moe_hint: "Must be 0 for this model: PEFT adapts its MoE experts through ParamWrapper, which refuses lora_dropout > 0.",
    rank_number: "Rank r, any whole number",
    invalid_whole_rank: "Enter a whole number from 1 to 65,536. The result still uses the last valid value.",
    invalid_whole_batch: "Enter a whole number from 1 to 65,536. The result still uses the last valid value.",
    invalid_whole_seq: "Enter a whole number of tokens from 1 to 16,777,216. The result still uses the last valid value.",
    invalid_alpha: "Enter a number above 0, up to 1,000,000. The result still uses the last valid value.",
    invalid_dropout: "Enter a number from 0 to 0.99. The result still uses the last valid value.",
    invalid_context: "Enter MiB from 0 to 65,536, or leave it empty for the GPU's model. The result still uses the last valid value.",
    invalid_params: "Enter billions of parameters from 0.1 to 2,000. The result still uses the last valid value.",
    modules_to_save: "Also train in full (modules_to_save)",
    training_title: "Training",
    optimizer_label: "Optimizer (optim)",
    batch_size: "Batch size (per device)",
    batch_hint: "per_device_train_batch_size. Gradient accumulation costs no extra memory.",
    seq_len: "Sequence length",
    seq_len_number: "Sequence length, in tokens",
    tokens: "tokens",
    checkpointing: "Gradient checkpointing",
    checkpointing_hint: "gradient_checkpointing=True: keeps only each layer's input and recomputes the rest; ≈30% slower.",
    attention_label: "Attention (attn_implementation)",
    sdpa_kernel_label: "SDPA kernel",
    sdpa_kernel_hint: "Flash needs an Ampere or newer GPU. T4 and V100 run the memory-efficient kernel, which repeats k and v for GQA models.",
    sk_flash: "flash (FLASH_ATTENTION)",
    sk_efficient: "memory-efficient (EFFICIENT_ATTENTION)",
    trainer_label: "Training loop",
    trainer_hint: "What the loop keeps alive changes the peak: a plain loop that keeps `out` holds the logits until the step ends.",
    tr_transformers: "transformers Trainer",
    tr_trl: "TRL SFTTrainer",
    tr_custom: "plain PyTorch loop (keeps out)",
    mixed_precision_label: "Mixed precision",
    advanced: "Advanced",
    cuda_context: "CUDA context",
    prepare_kbit: "prepare_model_for_kbit_training",
    prepare_kbit_hint: "PEFT's QLoRA preparation: casts the embeddings, lm_head and norms (and a transformers-5 MoE's stacked experts, which bitsandbytes leaves 16-bit) to fp32. TRL's SFTTrainer skips it.",
    savers_title: "Memory savers",
    savers_hint: "Each names the setting you type. They change what the step keeps in memory, not what it learns.",
    liger_hint: "Liger's RMSNorm, SwiGLU and RoPE kernels, and its fused linear cross-entropy, which never makes the logits.",
    liger_unsupported: "Liger does not patch this model type.",
    loss_label: "Loss (logits)",
    loss_hint: "At long context or with a large vocabulary the logits dominate the peak; these losses never hold them whole.",
    loss_standard: "transformers' loss, fp32 logits",
    loss_chunked: "torchtune CEWithChunkedOutputLoss",
    loss_fused: "Liger fused linear cross-entropy",
    loss_cce: "Cut Cross-Entropy (axolotl plugin)",
    loss_chunks: "Loss chunks (num_output_chunks)",
    invalid_chunks: "Enter a whole number of chunks from 1 to 65,536. The result still uses the last valid value.",
    offload_hint: "TRL's activation_offloading=True (torchtune: enable_activation_offloading): the kept layer inputs go to CPU RAM. Needs gradient checkpointing; slower.",
    dist_title: "GPUs",
    dist_strategy: "Training on",
    dist_one: "One GPU",
    dist_hint: "Data parallel: each GPU runs the whole model on its own micro-batch. The estimate is per GPU; sharding engines split the weights, gradients and optimizer state.",
    dist_gpus: "Number of GPUs",
    invalid_gpus: "Enter a whole number of GPUs from 1 to 1,024. The result still uses the last valid value.",
    dist_per_node: "GPUs per node",
    dist_one_node: "all on one node",
    dist_sharding: "FSDP sharding",
    dist_offload: "Offload to CPU RAM",
    off_none: "nothing",
    off_opt: "optimizer state (offload_optimizer)",
    off_all: "optimizer state and parameters",
    total_per_gpu: "Peak VRAM per GPU ({0} GPUs, {1})",
    col_gpus_needed: "GPUs needed",
    needed_text: "With {1}, the estimate fits on {0} of these GPUs (its point value: at that count the verdict may still be tight).",
    needed_none: "With {0}, no count up to 1,024 of these GPUs is enough.",
    dist_notice_sharding: "On one GPU nothing is sharded: every state stays on it, and the engine saves memory only by offloading (ZeRO-3 with offload on one GPU is the classic way to fit a model that is too large).",
    dist_notice_ddp: "DDP on one GPU shares nothing; it only adds its gradient buckets.",
    dist_notice_hybrid: "hybrid_shard on one node shards exactly as full_shard.",
    framework_label: "Framework",
    framework_hint: "Unsloth patches its own RMSNorm and LoRA kernels; with activation offloading it means use_gradient_checkpointing=\"unsloth\".",
    fw_transformers: "transformers + PEFT",
    fw_unsloth: "Unsloth (FastLanguageModel)",
    cuda_context_hint: "Memory the CUDA runtime and libraries take outside PyTorch's allocator, as nvidia-smi shows it for an idle PyTorch process. Leave empty to use the chosen GPU's model.",
    cuda_context_auto: "auto",
    result_title: "Result",
    sumbar_hint: "Show the full result",
    seq_batch: "{0} tokens × batch {1}",
    total_label: "Peak VRAM",
    unit_label: "Unit",
    range_text: "Likely between {0} and {1}, as nvidia-smi would show it.",
    peak_allocated: "torch.cuda.max_memory_allocated()",
    params_total: "Model parameters",
    params_trainable: "Trainable parameters",
    peak_phase: "Peak happens during",
    paged_note: "The paged optimizer's state ({0}) lives in unified memory: it can spill to CPU RAM when the GPU is full, so the run may fit with less than the total.",
    part_weights: "Model weights",
    part_adapter: "Adapter",
    part_training: "Gradients and optimizer state",
    part_step_temp: "Optimizer-step temporaries",
    colon: ": ",
    comma: ", ",
    open_paren: " (",
    close_paren: ")",
    inferred: "inferred (typical architecture)",
    text_only: "(text)",
    meta_description: "Peak GPU memory of a LoRA, QLoRA or full fine-tuning step, a GPU compatibility table, and what to change when it doesn't fit.",
    part_activations: "Activations",
    part_overhead: "Overhead",
    sub_params: "trainable parameters",
    sub_gradients: "gradients",
    sub_logits: "logits and loss",
    sub_layers: "layers",
    host_ram: "Host RAM per node (loading the model, offloaded state)",
    moe_weights_note: "Why the weights are this large: transformers 5 stores this model's experts as stacked 3-D tensors, which bitsandbytes does not quantize (bitsandbytes issue #1849), so they stay 16-bit; prepare_model_for_kbit_training then casts them to fp32. Untick prepare_model_for_kbit_training above to keep them 16-bit.",
    sub_optimizer: "optimizer state",
    sub_cuda_context: "CUDA context",
    sub_allocator: "allocator slack",
    bar_label: "Peak VRAM by part",
    bar_hint: "Hover over or tab to a part of the bar for its details.",
    breakdown_caption: "Peak VRAM by part",
    col_part: "Part",
    col_memory: "Memory",
    col_share: "Share",
    invalid_title: "This setup can't be estimated yet",
    invalid_hint: "Change the setting named above; everything else is kept.",
    gpu_panel_title: "Does it fit?",
    your_gpu: "Your GPU",
    gpu_fits: "Fits on {0}",
    gpu_tight: "Tight on {0}",
    gpu_nofit: "Does not fit on {0}",
    headroom_text: "{0} to spare of {1}.",
    shortfall_text: "Needs {0} more than the {1} it has.",
    limits_text: "Fits with the margin up to {0} tokens at batch {1}, and up to batch {2} at {3} tokens.",
    limits_none: "Even a 1-token sequence doesn't fit: {0} alone take more than this GPU has.",
    limits_seq_only: "Fits with the margin up to {0} tokens at batch {1}. At {2} tokens not even batch 1 fits with the margin.",
    limits_may_run: "Up to {0} tokens it may run, without the margin (tight).",
    limits_tight_only: "Nothing fits with the margin. Up to {0} tokens at batch {1} it may run, without it (tight).",
    limits_other_gpus: "The GPU table shows the cards where it fits.",
    limits_no_gpu: "No listed GPU is big enough for it as it is.",
    cause_weights: "the base weights",
    cause_trainable: "the trainable parameters with their gradients and optimizer state",
    cause_activations: "the activations",
    cause_overhead: "the CUDA context and allocator",
    tight_explain: "The estimate fits, but not with the uncertainty margin: it may run out of memory. Consider one of the changes below, or a GPU with more memory.",
    tight_explain_no_gpu: "The estimate fits, but not with the uncertainty margin: it may run out of memory. Consider one of the changes below.",
    verdict_fits: "Fits",
    verdict_tight: "Tight",
    verdict_nofit: "Does not fit",
    advice_title: "What to change, least disruptive first",
    apply: "Apply",
    gpu_table_title: "GPU compatibility",
    gpu_table_hint: "Headroom is the GPU's memory minus the estimate. Select a GPU's name to see its verdict and advice.",
    gpu_table_scroll: "GPU table (scrolls sideways)",
    scroll_hint: "Swipe the table sideways for more columns →",
    filter_label: "Show GPUs",
    filter_all: "All",
    filter_consumer: "Consumer and workstation",
    filter_datacenter: "Data center",
    col_gpu: "GPU",
    col_vram: "VRAM",
    col_verdict: "Verdict",
    col_headroom: "Headroom",
    col_max_seq: "Longest seq (batch {0})",
    col_max_batch: "Largest batch ({0} tok)",
    warn_no_bf16: "No native bf16 on this GPU: use fp16 mixed precision (fp16=True) and fp16 weights.",
    warn_no_bf16_short: "no bf16",
    warn_no_fa2: "FlashAttention-2 needs an Ampere or newer GPU: use attn_implementation=\"sdpa\".",
    warn_no_fa2_short: "no FA2",
    ch_checkpointing: "Turn on gradient checkpointing (same result, ≈30% slower)",
    ch_batch_one: "Batch size 1 with gradient_accumulation_steps={0} (same effective batch)",
    ch_attention: "Use attn_implementation=\"{0}\" instead of eager",
    ch_optimizer: "Use 8-bit AdamW: optim=\"{0}\"",
    list_sep: ", ",
    ch_paged: "Use paged 8-bit AdamW: optim=\"paged_adamw_8bit\" (state can spill to CPU RAM)",
    ch_qlora: "Switch to QLoRA: 4-bit nf4 base weights with double quantization",
    ch_seq: "Shorten sequences to {0} tokens (longer samples get truncated)",
    ch_rank: "Lower the LoRA rank to r={0} (fewer trainable parameters)",
    ch_liger: "Use Liger's kernels: use_liger_kernel=True (same result; its fused cross-entropy never makes the logits)",
    ch_offload_opt: "Offload the optimizer to CPU RAM: DeepSpeed offload_optimizer (ZeRO-3 even on one GPU; slower)",
    ch_shard: "Train on {1} GPUs like this one with {0} (per-GPU total; gpus_needed)",
    chs_shard: "{0} × {1} GPUs",
    ch_offload: "Offload activations to CPU RAM: activation_offloading=True (slower; uses host memory)",
    ch_cce: "Use Cut Cross-Entropy: axolotl's cut_cross_entropy: true plugin (no logits in memory)",
    ch_attn_targets: "LoRA on the attention projections only (target_modules q/k/v/o)",
    ch_all: "Together:",
    chs_checkpointing: "gradient checkpointing",
    chs_batch_one: "batch 1 × {0} accumulation steps",
    chs_qlora: "QLoRA nf4",
    chs_rank: "r={0}",
    chs_attn_targets: "attention-only targets",
    chs_seq: "{0} tokens",
    phase_forward: "the forward pass",
    phase_loss_backward: "the loss backward",
    phase_last_layer: "backward (last layer)",
    phase_first_layer: "backward (first layer)",
    phase_optimizer: "the optimizer step",
    opt_adamw_torch: "AdamW, 2 moments",
    opt_adamw_fused: "AdamW, fused kernel",
    opt_adamw_8bit: "bitsandbytes 8-bit AdamW",
    opt_paged_8bit: "8-bit, paged to CPU when full",
    opt_paged_32bit: "32-bit, paged to CPU when full",
    opt_sgd: "no state",
    opt_adafactor: "factored second moment",
    attn_sdpa: "PyTorch default",
    attn_fa2: "Ampere or newer",
    attn_eager: "materializes the s×s scores",
    mp_bf16: "bf16 (bf16=True)",
    mp_fp16: "fp16 (fp16=True)",
    mp_no: "none (fp32)",
    wd_int8: "8-bit (LLM.int8)",
    wd_nf4: "4-bit NormalFloat",
    wd_fp4: "4-bit float",
    ad_fp32: "PEFT default",
    share_title: "Share",
    copy_link: "Copy link",
    copy_embed: "Copy embed code",
    copied_link: "Link copied. It opens this exact setup.",
    copied_embed: "Embed code copied. Paste it into any HTML or Markdown page.",
    copy_failed: "Your browser blocked the clipboard. Select the text below and copy it:",
    export_link: "Export as Python, axolotl, LLaMA-Factory or JSON →",
    copied: "Copied",
    link_config_left_out: "Your config.json is too long for a link, so the link leaves it out (the receiver sees the default model): share the file itself, or the scenario JSON below.",
    save_failed: "This browser refused to save your settings (storage full or disabled): they will be lost when the page reloads. Copy the link to keep them.",
    stale_note: "This result is for your last valid settings: a field in the form has a value that can't be used (marked in red).",
    reset: "Reset to defaults",
    embed_fallback: "Open the LoRA VRAM calculator",
};

/// 简体中文.
pub static ZH: Table = table! {
    lang_name: "简体中文",
    switch_to: "切换到简体中文",
    app_name: "LoRA 显存计算器",
    page_title: "LoRA 显存计算器：这次微调我的显卡跑得动吗？",
    tagline: "估算 LoRA、QLoRA 或全参微调单步训练的显存峰值；放不下时告诉你该改什么。",
    skip_to_results: "跳到结果",
    footer: "估算依据 Hugging Face transformers、PEFT 和 bitsandbytes 在单步训练中实际分配的张量。GB = 10⁹ 字节，GiB = 2³⁰ 字节（nvidia-smi 显示的 MiB/GiB 即后者）。",
    assume_title: "估算的前提",
    assume_versions: "PyTorch 2.1x（及其缓存分配器）、transformers 5.x、PEFT 0.21、bitsandbytes，SFTTrainer 为 TRL 1.16：按它们在单步训练中分配的张量计算。",
    assume_loop: "默认使用 Hugging Face 的 Trainer；也可在“训练”中选择 TRL 的 SFTTrainer 或普通训练循环。",
    assume_gpus: "单卡训练，除非在“多卡”中设置了数据并行（DDP、FSDP、DeepSpeed ZeRO）。",
    assume_batches: "打包或等长的批次（无 padding），只计算语言模型部分（不含视觉塔）。",
    link_method: "估算方法",
    link_accuracy: "准确度：与真实 GPU 实测对比",
    theme_toggle: "配色",
    theme_auto: "跟随系统",
    theme_light: "浅色",
    theme_dark: "深色",
    notice_title: "部分设置已被调整或忽略：",
    notice_more: "……另有 {0} 条。",
    dismiss: "知道了",
    r_expected: "应为{0}，已改用默认值",
    r_not_field: "不是本计算器的设置项，已忽略",
    r_repeated: "出现了多次，以最后一个为准",
    r_unknown_value: "的取值本页不认识，已忽略",
    r_unknown_gpu: "不是显卡表中的 GPU id，已忽略",
    r_too_long: "比任何有效值都长，已忽略",
    r_too_many: "链接里另有 {0} 个参数未读取",
    r_moe_dropout: "已设为 0：PEFT 通过 ParamWrapper 给这个模型的 MoE 专家加 LoRA，它不接受 lora_dropout > 0（用 PEFT 训练时也必须设为 0）",
    e_preset: "预设模型 id，例如 meta-llama/Llama-3.1-8B",
    e_params: "参数量，例如 7e9",
    e_whole: "整数",
    e_number: "数字",
    e_bool: "true 或 false",
    e_config: "有效的 JSON 对象",
    e_one_of: "以下之一：{0}",
    err_invalid: "`{0}` {1}",
    err_unknown_model: "`{0}` 不是预设模型；请从列表中选择，或使用 Hugging Face 模型 id、参数量或 config.json",
    err_unknown_gpu: "`{0}` 不是显卡表中的 GPU id",
    err_unsupported: "暂不支持 model_type `{0}`（已支持：{1}）；可改用参数量按典型结构估算",
    err_missing: "config.json 缺少该模型类型必需的 `{0}`",
    err_unknown_target: "LoRA 目标 `{0}` 不对应这个模型的任何 Linear 层；它有：{1}",
    err_json: "不是有效的 JSON（{0}）",
    json_at: "请检查第 {0} 行第 {1} 列附近",
    form_label: "训练配置",
    model_title: "模型",
    model_source: "模型来源",
    model_tab_preset: "预设模型",
    model_tab_params: "参数量",
    model_tab_config: "config.json",
    model_search: "搜索模型",
    model_search_placeholder: "例如 qwen 7b、llama 3.1、gemma",
    model_preset: "预设模型",
    model_no_match: "没有匹配的预设。可以少输几个词，或改用参数量 / config.json。",
    model_params: "参数量",
    model_params_number: "参数量（单位：十亿，B）",
    model_params_hint: "按参数量推断一个典型的 Llama 结构。要精确结果，请选预设模型或上传该模型的 config.json。",
    params_unit: "参数",
    params_model: "约 {0} 参数（典型结构）",
    config_model: "来自 config.json 的模型",
    config_upload: "上传 config.json",
    config_paste: "……或直接粘贴",
    config_hint: "用 Hugging Face 模型页上的 config.json 可以得到精确的模型结构。",
    config_ok: "正在使用",
    config_error: "这个 config.json 用不了：",
    config_too_large: "它有 {0}，而模型的 config.json 只有几 KB。是不是选错了文件（权重、model.safetensors.index.json、tokenizer.json）？仍在使用之前的模型。",
    config_unreadable: "无法读取这个文件。",
    model_summary: "{0} 参数 · {1} 层 · 隐藏层维度 {2} · 词表 {3} · {4}",
    hub_label: "Hugging Face 模型 ID",
    hub_load: "加载",
    hub_loading_button: "加载中…",
    hub_hint: "格式为 owner/name，即模型页地址中 huggingface.co/ 之后的部分。按回车会从 huggingface.co 读取它的 config.json，得到精确的模型结构。",
    hub_loading: "正在从 huggingface.co 加载 {0}……",
    hub_params: "{0} 参数",
    hub_invalid: "“{0}”不是模型 ID。请按 owner/name 的格式输入，即模型页地址中 huggingface.co/ 之后的部分，例如 Qwen/Qwen2.5-7B-Instruct。",
    hub_not_found: "Hugging Face 上没有 {0} 这个模型（404）。请检查拼写，或选择一个预设模型。",
    hub_gated: "{0} 是受限或私有模型，Hugging Face 要求登录后才能访问。请先在模型页上同意许可协议，再把它的 config.json 粘贴到下方的 config.json 选项卡中。",
    hub_network: "无法连接 huggingface.co：可能已离线，或被网络过滤拦截。请重试，或把模型的 config.json 粘贴到下方的 config.json 选项卡中。",
    hub_http: "Hugging Face 对 {0} 返回了 HTTP {1}。请稍后再试，或把它的 config.json 粘贴到下方的 config.json 选项卡中。",
    hub_redirected: "huggingface.co 把 {0} 的请求转到了别的网站；本页只从 huggingface.co 读取模型文件，所以没有导入任何内容。请在下方 config.json 标签页粘贴该模型的 config.json。",
    hub_malformed: "{0} 的 config.json 不是有效的 JSON（{1}）。请在下方的 config.json 选项卡中粘贴一份修正后的内容。",
    hub_unsupported: "无法识别 {0} 的模型结构：{1}。仍可按参数量估算（使用典型结构）。",
    hub_use_params: "改用它的参数量（{0}）",
    hub_kept: "当前仍在使用之前的模型。",
    method_title: "微调方式与精度",
    method: "微调方式",
    method_lora: "LoRA",
    method_qlora: "QLoRA",
    method_full: "全参微调",
    weight_dtype_label: "基座权重精度",
    bits_label: "基座权重精度",
    bits_value: "每个权重 {0} 位",
    family_size: "{0} 系列中的规模",
    custom_vram: "或者填写你的显卡显存（GiB）",
    custom_vram_hint: "按 nvidia-smi 显示的总量填写，例如 48 GB 的卡填 48：结论、上限和建议都按这个显存计算，CUDA 上下文按所选显卡。",
    invalid_vram: "请输入 1 到 1,024 GiB，或留空以使用所选显卡。结论仍按上一个有效值计算。",
    custom_gpu_name: "你的显卡（{0}）",
    pin: "固定以便对比",
    unpin: "取消固定",
    compare_title: "固定的设置与当前设置对比",
    compare_pinned: "固定",
    compare_now: "当前",
    compare_delta: "变化",
    double_quant: "双重量化",
    double_quant_hint: "bnb_4bit_use_double_quant：对 4-bit 的缩放系数再量化一次（每个权重约省 0.4 bit）。",
    adapter_dtype_label: "适配器精度",
    adapter_dtype_hint: "PEFT 默认把适配器权重提升为 fp32（autocast_adapter_dtype=True）。",
    lora_title: "LoRA 设置",
    lora_full_note: "全参微调会训练所有权重，以下 LoRA 设置不生效。",
    rank: "秩 r",
    alpha: "lora_alpha",
    alpha_hint: "只影响更新的缩放，不占显存。",
    targets: "目标模块（target_modules）",
    targets_all_hint: "除 lm_head 外的所有 Linear 层（PEFT 的 \"all-linear\"）。取消勾选则只加在 q、v 投影上。",
    dropout: "lora_dropout",
    dropout_hint: "大于 0 时，每个加了 LoRA 的层要多存一份输入。",
    dropout_moe_hint: "这个模型必须设为 0：PEFT 通过 ParamWrapper 给它的 MoE 专家加 LoRA，不接受 lora_dropout > 0。",
    rank_number: "秩 r，任意整数",
    invalid_whole_rank: "请输入 1 到 65,536 之间的整数。结果仍按上一个有效值计算。",
    invalid_whole_batch: "请输入 1 到 65,536 之间的整数。结果仍按上一个有效值计算。",
    invalid_whole_seq: "请输入 1 到 16,777,216 之间的整数 token 数。结果仍按上一个有效值计算。",
    invalid_alpha: "请输入大于 0、不超过 1,000,000 的数。结果仍按上一个有效值计算。",
    invalid_dropout: "请输入 0 到 0.99 之间的数。结果仍按上一个有效值计算。",
    invalid_context: "请输入 0 到 65,536 MiB，或留空以使用所选显卡的模型。结果仍按上一个有效值计算。",
    invalid_params: "请输入 0.1 到 2,000（单位：十亿）之间的参数量。结果仍按上一个有效值计算。",
    modules_to_save: "同时全量训练（modules_to_save）",
    training_title: "训练参数",
    optimizer_label: "优化器（optim）",
    batch_size: "批大小（每卡）",
    batch_hint: "per_device_train_batch_size。梯度累积不额外占显存。",
    seq_len: "序列长度",
    seq_len_number: "序列长度（token 数）",
    tokens: "tokens",
    checkpointing: "梯度检查点",
    checkpointing_hint: "gradient_checkpointing=True：每层只保存输入，反向时重算其余激活值，速度慢约 30%。",
    attention_label: "注意力实现（attn_implementation）",
    sdpa_kernel_label: "SDPA 内核",
    sdpa_kernel_hint: "flash 需要 Ampere 及更新架构的显卡。T4 和 V100 使用内存高效内核，GQA 模型的 k、v 会被复制到每个头。",
    sk_flash: "flash（FLASH_ATTENTION）",
    sk_efficient: "内存高效（EFFICIENT_ATTENTION）",
    trainer_label: "训练循环",
    trainer_hint: "训练循环保留哪些张量会改变峰值：保留 out 的普通循环会一直持有 logits，直到这一步结束。",
    tr_transformers: "transformers Trainer",
    tr_trl: "TRL SFTTrainer",
    tr_custom: "普通 PyTorch 循环（保留 out）",
    mixed_precision_label: "混合精度",
    advanced: "高级选项",
    cuda_context: "CUDA 上下文",
    prepare_kbit: "prepare_model_for_kbit_training",
    prepare_kbit_hint: "PEFT 的 QLoRA 预处理：把词嵌入、lm_head 和归一化层（以及 transformers 5 中 bitsandbytes 不量化的 MoE 堆叠专家）转为 fp32。TRL 的 SFTTrainer 不调用它。",
    savers_title: "省显存技巧",
    savers_hint: "每一项都写明了要设置的参数。它们改变的是训练时保留在显存里的内容，不改变学到的东西。",
    liger_hint: "Liger 的 RMSNorm、SwiGLU、RoPE 内核，以及不生成 logits 的融合线性交叉熵。",
    liger_unsupported: "Liger 不支持这种模型类型。",
    loss_label: "损失函数（logits）",
    loss_hint: "长上下文或大词表时 logits 是峰值的主要来源；这些损失函数不会一次性保留全部 logits。",
    loss_standard: "transformers 默认损失，fp32 logits",
    loss_chunked: "torchtune CEWithChunkedOutputLoss",
    loss_fused: "Liger 融合线性交叉熵",
    loss_cce: "Cut Cross-Entropy（axolotl 插件）",
    loss_chunks: "损失分块数（num_output_chunks）",
    invalid_chunks: "请输入 1 到 65,536 之间的整数块数。结果仍按上一个有效值计算。",
    offload_hint: "TRL 的 activation_offloading=True（torchtune：enable_activation_offloading）：把保留的各层输入放到内存。需要开启梯度检查点；速度更慢。",
    dist_title: "多卡",
    dist_strategy: "训练方式",
    dist_one: "单卡",
    dist_hint: "数据并行：每张卡在自己的微批次上运行完整模型。估算为每卡显存；分片引擎会切分权重、梯度和优化器状态。",
    dist_gpus: "GPU 数量",
    invalid_gpus: "请输入 1 到 1,024 之间的整数卡数。结果仍按上一个有效值计算。",
    dist_per_node: "每节点 GPU 数",
    dist_one_node: "全部在一个节点",
    dist_sharding: "FSDP 分片方式",
    dist_offload: "卸载到内存",
    off_none: "不卸载",
    off_opt: "优化器状态（offload_optimizer）",
    off_all: "优化器状态和参数",
    total_per_gpu: "每卡显存峰值（{0} 卡，{1}）",
    col_gpus_needed: "所需卡数",
    needed_text: "使用 {1} 时，{0} 张这种卡可容纳估算值（按点估计：该卡数下显存可能仍很紧张）。",
    needed_none: "使用 {0} 时，最多 1,024 张这种卡也放不下。",
    dist_notice_sharding: "单卡上没有任何分片：所有状态都留在这张卡上，引擎只能靠卸载省显存（单卡 ZeRO-3 加卸载是放下超大模型的经典做法）。",
    dist_notice_ddp: "单卡 DDP 不共享任何内容，只会多出梯度桶。",
    dist_notice_hybrid: "单节点上 hybrid_shard 的分片方式与 full_shard 完全相同。",
    framework_label: "训练框架",
    framework_hint: "Unsloth 使用自己的 RMSNorm 和 LoRA 内核；开启激活卸载时相当于 use_gradient_checkpointing=\"unsloth\"。",
    fw_transformers: "transformers + PEFT",
    fw_unsloth: "Unsloth（FastLanguageModel）",
    cuda_context_hint: "CUDA 运行时和各类库在 PyTorch 分配器之外占用的显存，即 nvidia-smi 对空闲 PyTorch 进程显示的值。留空则按所选 GPU 的模型估算。",
    cuda_context_auto: "自动",
    result_title: "估算结果",
    sumbar_hint: "查看完整结果",
    seq_batch: "{0} tokens × 批大小 {1}",
    total_label: "显存峰值",
    unit_label: "单位",
    range_text: "nvidia-smi 显示的占用大概率在 {0} 到 {1} 之间。",
    peak_allocated: "torch.cuda.max_memory_allocated()",
    params_total: "模型参数量",
    params_trainable: "可训练参数量",
    peak_phase: "峰值出现在",
    paged_note: "分页优化器的状态（{0}）放在统一内存里，显存满了可以换出到内存，所以实际占用可能低于总数。",
    part_weights: "模型权重",
    part_adapter: "适配器",
    part_training: "梯度和优化器状态",
    part_step_temp: "优化器更新时的临时张量",
    colon: "：",
    comma: "，",
    open_paren: "（",
    close_paren: "）",
    inferred: "推断（典型结构）",
    text_only: "（纯文本）",
    meta_description: "估算 LoRA、QLoRA 或全参微调单步训练的显存峰值，列出各显卡能否放下，并告诉你放不下时该改什么。",
    part_activations: "激活值",
    part_overhead: "额外开销",
    sub_params: "可训练参数",
    sub_gradients: "梯度",
    sub_logits: "logits 与损失",
    sub_layers: "各层",
    host_ram: "每节点主机内存（加载模型、卸载的状态）",
    moe_weights_note: "为什么权重这么大：transformers 5 把这个模型的专家存成堆叠的三维张量，bitsandbytes 不会量化它们（bitsandbytes issue #1849），所以仍是 16 位；prepare_model_for_kbit_training 还会把它们转成 fp32。在上方取消勾选 prepare_model_for_kbit_training 可让它们保持 16 位。",
    sub_optimizer: "优化器状态",
    sub_cuda_context: "CUDA 上下文",
    sub_allocator: "分配器预留（碎片）",
    bar_label: "显存峰值构成",
    bar_hint: "鼠标悬停或用 Tab 键选中条形图的某一段，可查看明细。",
    breakdown_caption: "显存峰值构成",
    col_part: "组成部分",
    col_memory: "显存",
    col_share: "占比",
    invalid_title: "这组配置暂时无法估算",
    invalid_hint: "请修改上面提到的那一项，其余设置都会保留。",
    gpu_panel_title: "放得下吗？",
    your_gpu: "你的显卡",
    gpu_fits: "{0} 显存够用",
    gpu_tight: "{0} 显存很紧张",
    gpu_nofit: "{0} 显存不够",
    headroom_text: "共 {1}，还剩 {0}。",
    shortfall_text: "显卡只有 {1}，还差 {0}。",
    limits_text: "留足误差余量时：批大小为 {1} 最长可跑 {0} tokens；序列长度为 {3} 时批大小最大 {2}。",
    limits_none: "哪怕序列长度为 1 也放不下：光是{0}就超过了这张卡的显存。",
    limits_seq_only: "留足误差余量时：批大小为 {1} 最长可跑 {0} tokens；序列长度为 {2} 时批大小为 1 也放不下。",
    limits_may_run: "不留余量的话最长到 {0} tokens 也许能跑（很紧张）。",
    limits_tight_only: "留足余量时什么都放不下；不留余量的话，批大小为 {1} 最长到 {0} tokens 也许能跑（很紧张）。",
    limits_other_gpus: "显卡表里列出了放得下的卡。",
    limits_no_gpu: "按现在的设置，列表里没有一张卡放得下。",
    cause_weights: "基座权重",
    cause_trainable: "可训练参数及其梯度和优化器状态",
    cause_activations: "激活值",
    cause_overhead: "CUDA 上下文和分配器开销",
    tight_explain: "估算值放得下，但算上误差范围就不一定了，可能会 OOM。建议采用下面的某项改动，或换显存更大的卡。",
    tight_explain_no_gpu: "估算值放得下，但算上误差范围就不一定了，可能会 OOM。建议采用下面的某项改动。",
    verdict_fits: "够用",
    verdict_tight: "紧张",
    verdict_nofit: "不够",
    advice_title: "可以这样改（影响从小到大）",
    apply: "应用",
    gpu_table_title: "显卡兼容性",
    gpu_table_hint: "余量 = 显卡显存 − 估算值。点击显卡名称可查看结论和修改建议。",
    gpu_table_scroll: "显卡表（可左右滑动）",
    scroll_hint: "左右滑动表格查看更多列 →",
    filter_label: "显示的显卡",
    filter_all: "全部",
    filter_consumer: "消费级 / 工作站",
    filter_datacenter: "数据中心",
    col_gpu: "显卡",
    col_vram: "显存",
    col_verdict: "结论",
    col_headroom: "余量",
    col_max_seq: "最长序列（批大小 {0}）",
    col_max_batch: "最大批大小（{0} tokens）",
    warn_no_bf16: "这张卡不支持原生 bf16：请用 fp16 混合精度（fp16=True）和 fp16 权重。",
    warn_no_bf16_short: "不支持 bf16",
    warn_no_fa2: "FlashAttention-2 需要 Ampere 及更新架构的显卡：请用 attn_implementation=\"sdpa\"。",
    warn_no_fa2_short: "不支持 FA2",
    ch_checkpointing: "开启梯度检查点（结果不变，速度慢约 30%）",
    ch_batch_one: "批大小设为 1，gradient_accumulation_steps={0}（等效批大小不变）",
    ch_attention: "把 eager 换成 attn_implementation=\"{0}\"",
    ch_optimizer: "换用 8-bit AdamW：optim=\"{0}\"",
    list_sep: "、",
    ch_paged: "换用分页 8-bit AdamW：optim=\"paged_adamw_8bit\"（优化器状态可换出到内存）",
    ch_qlora: "改用 QLoRA：基座权重 4-bit nf4 量化 + 双重量化",
    ch_seq: "把序列长度缩短到 {0} tokens（更长的样本会被截断）",
    ch_rank: "把 LoRA 秩降到 r={0}（可训练参数更少）",
    ch_liger: "使用 Liger 内核：use_liger_kernel=True（结果不变；其融合交叉熵不生成 logits）",
    ch_offload_opt: "把优化器卸载到内存：DeepSpeed offload_optimizer（单卡也可用 ZeRO-3；更慢）",
    ch_shard: "用 {1} 张这种卡、以 {0} 训练（每卡显存；所需卡数）",
    chs_shard: "{0} × {1} 卡",
    ch_offload: "把激活值卸载到内存：activation_offloading=True（更慢，占用主机内存）",
    ch_cce: "使用 Cut Cross-Entropy：axolotl 的 cut_cross_entropy: true 插件（内存中不保留 logits）",
    ch_attn_targets: "只在注意力投影上加 LoRA（target_modules 为 q/k/v/o）",
    ch_all: "同时采用：",
    chs_checkpointing: "梯度检查点",
    chs_batch_one: "批大小 1 × 累积 {0} 步",
    chs_qlora: "QLoRA nf4",
    chs_rank: "r={0}",
    chs_attn_targets: "只训练注意力投影",
    chs_seq: "{0} tokens",
    phase_forward: "前向传播",
    phase_loss_backward: "loss 反向传播时",
    phase_last_layer: "反向传播（最后一层）",
    phase_first_layer: "反向传播（第一层）",
    phase_optimizer: "优化器更新",
    opt_adamw_torch: "AdamW，一阶矩/二阶矩",
    opt_adamw_fused: "AdamW，fused 实现",
    opt_adamw_8bit: "bitsandbytes 8-bit AdamW",
    opt_paged_8bit: "8-bit，显存满时分页到内存",
    opt_paged_32bit: "32-bit，显存满时分页到内存",
    opt_sgd: "无优化器状态",
    opt_adafactor: "二阶矩分解存储",
    attn_sdpa: "PyTorch 默认",
    attn_fa2: "需 Ampere 及以上",
    attn_eager: "会生成 s×s 注意力矩阵",
    mp_bf16: "bf16（bf16=True）",
    mp_fp16: "fp16（fp16=True）",
    mp_no: "不启用",
    wd_int8: "8-bit 量化（LLM.int8）",
    wd_nf4: "4-bit NormalFloat 量化",
    wd_fp4: "4-bit 浮点量化",
    ad_fp32: "PEFT 默认",
    share_title: "分享",
    copy_link: "复制链接",
    copy_embed: "复制嵌入代码",
    copied_link: "链接已复制，打开即是当前这套配置。",
    copied_embed: "嵌入代码已复制，可粘贴到任意 HTML 或 Markdown 页面。",
    copy_failed: "浏览器禁止了剪贴板，请手动选中下面的文本复制：",
    export_link: "导出为 Python、axolotl、LLaMA-Factory 或 JSON →",
    copied: "已复制",
    link_config_left_out: "你的 config.json 太长，放不进链接，所以链接里没有它（对方会看到默认模型）：请直接分享这个文件，或下面的场景 JSON。",
    save_failed: "浏览器拒绝保存你的设置（存储已满或被禁用）：刷新页面后会丢失。请复制链接保存。",
    stale_note: "这个结果对应你上一次有效的设置：表单里有一项的值无法使用（已用红色标出）。",
    reset: "恢复默认",
    embed_fallback: "打开 LoRA 显存计算器",
};

/// The estimator's reasons in 简体中文 (field names and code values stay as they are).
static ZH_REASONS: &[(&str, &str)] = &[
    ("must be between 1 and 65536", "必须在 1 到 65536 之间"),
    ("must be between 1 and 16777216 tokens", "必须在 1 到 16777216 tokens 之间"),
    ("must be between 0 and 64 GiB", "必须在 0 到 64 GiB 之间"),
    ("must be at least 0 and below 1", "必须 ≥ 0 且 < 1"),
    ("must be a positive number up to 1e6", "必须是不超过 1e6 的正数"),
    ("must be nf4 or fp4 for qlora", "用 qlora 时必须是 nf4 或 fp4"),
    ("cannot be quantized for full fine-tuning: bitsandbytes weights are frozen", "全量微调不能用量化权重：bitsandbytes 的权重是冻结的"),
    ("must be 0 when LoRA adapts MoE experts or routers: PEFT's ParamWrapper raises \"does not work with lora_dropout != 0\"; set dropout to 0 or target attention only", "LoRA 作用于 MoE 专家或路由时必须为 0：PEFT 的 ParamWrapper 会报错 \"does not work with lora_dropout != 0\"；请设为 0，或只训练注意力层"),
    ("selects no Linear", "没有选中任何 Linear 层"),
    ("lists no module", "没有列出任何模块"),
    ("must be \"all-linear\", \"qv\", \"attention\" or a list of module names", "必须是 \"all-linear\"、\"qv\"、\"attention\" 或模块名列表"),
    ("is empty; use \"all-linear\", \"qv\", \"attention\" or a list of module names", "为空；请用 \"all-linear\"、\"qv\"、\"attention\" 或模块名列表"),
    ("supports embed_tokens and lm_head (and their aliases embed_in, wte, embed_out)", "只支持 embed_tokens 和 lm_head（及其别名 embed_in、wte、embed_out）"),
    ("must be between 1e8 (0.1B) and 2e12 (2T)", "必须在 1e8（0.1B）到 2e12（2T）之间"),
    ("must be a positive number such as 7e9", "必须是正数，例如 7e9"),
    ("must be a positive integer", "必须是正整数"),
    ("must be a positive number", "必须是正数"),
    ("must be a whole number", "必须是整数"),
    ("must be an integer", "必须是整数"),
    ("must be an integer, not null", "必须是整数，不能为 null"),
    ("must be a number", "必须是数字"),
    ("must be a number or null", "必须是数字或 null"),
    ("must be true or false", "必须是 true 或 false"),
    ("must be true or false, not null", "必须是 true 或 false，不能为 null"),
    ("must be a string", "必须是字符串"),
    ("must be a JSON object", "必须是 JSON 对象"),
    ("must be a list of strings", "必须是字符串列表"),
    ("must be a list of layer indices", "必须是层号列表"),
    ("must list one type per layer", "必须为每一层列出一个类型"),
    ("must not be negative", "不能为负数"),
    ("is far larger than any real model", "远超任何真实模型"),
    ("is too small for any decoder", "小到不可能是任何解码器"),
    ("gives over 10^15 parameters, far beyond any real model", "算出超过 10^15 个参数，远超任何真实模型"),
    ("must be a multiple of num_attention_heads", "必须是 num_attention_heads 的倍数"),
    ("must divide num_attention_heads (grouped-query attention)", "必须能整除 num_attention_heads（分组查询注意力）"),
    ("must be between 1 and the number of experts", "必须在 1 到专家数之间"),
    ("must be an object (the language model's config)", "必须是对象（语言模型的配置）"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("de"), None);
    }

    #[test]
    fn every_change_has_text_in_both_languages() {
        for t in [Lang::En.t(), Lang::Zh.t()] {
            for c in [Change::GradientCheckpointing, Change::Qlora, Change::SeqLen(4096), Change::Rank(16)] {
                assert!(!t.change(c).is_empty());
                assert!(!t.change_short(c).is_empty());
            }
        }
        assert!(Lang::Zh.t().change(Change::SeqLen(4096)).contains("4,096"));
    }

    /// A table lists every field once, in [`Text`]'s order (the strings are found by position),
    /// and no text holds the separator.
    #[test]
    fn tables_match_the_fields() {
        for table in [&EN, &ZH] {
            assert_eq!(table.names, FIELD_NAMES.as_slice());
            assert_eq!(table.joined.split(SEP).count(), FIELDS + 1, "one separator after each text");
        }
        assert_eq!(Lang::En.t().lang_name(), "English");
        assert_eq!(Lang::Zh.t().embed_fallback(), "打开 LoRA 显存计算器");
        assert_eq!(Lang::En.t().dist_notice_hybrid(), "hybrid_shard on one node shards exactly as full_shard.");
    }
}
