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
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
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
        Fsdp => "FSDP full_shard",
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

/// The page's strings in one language.
#[allow(missing_docs)]
pub struct Text {
    pub lang_name: &'static str,
    pub switch_to: &'static str,
    pub app_name: &'static str,
    pub page_title: &'static str,
    pub tagline: &'static str,
    pub skip_to_results: &'static str,
    pub footer: &'static str,
    pub assume_title: &'static str,
    pub assume_versions: &'static str,
    pub assume_loop: &'static str,
    pub assume_gpus: &'static str,
    pub assume_batches: &'static str,
    pub link_method: &'static str,
    pub link_accuracy: &'static str,
    pub theme_toggle: &'static str,
    pub theme_auto: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub notice_title: &'static str,
    pub notice_more: Tpl,
    pub dismiss: &'static str,
    pub r_expected: Tpl,
    pub r_not_field: &'static str,
    pub r_repeated: &'static str,
    pub r_unknown_value: &'static str,
    pub r_unknown_gpu: &'static str,
    pub r_too_long: &'static str,
    pub r_too_many: Tpl,
    pub r_moe_dropout: &'static str,
    pub e_preset: &'static str,
    pub e_params: &'static str,
    pub e_whole: &'static str,
    pub e_number: &'static str,
    pub e_bool: &'static str,
    pub e_config: &'static str,
    pub e_one_of: Tpl,
    pub err_invalid: Tpl,
    pub err_unknown_model: Tpl,
    pub err_unknown_gpu: Tpl,
    pub err_unsupported: Tpl,
    pub err_missing: Tpl,
    pub err_unknown_target: Tpl,
    pub err_json: Tpl,
    /// Translations of the estimator's reasons (English text → this language); empty for English.
    pub reasons: &'static [(&'static str, &'static str)],
    pub form_label: &'static str,
    // Model
    pub model_title: &'static str,
    pub model_source: &'static str,
    pub model_tab_preset: &'static str,
    pub model_tab_params: &'static str,
    pub model_tab_config: &'static str,
    pub model_search: &'static str,
    pub model_search_placeholder: &'static str,
    pub model_preset: &'static str,
    pub model_no_match: &'static str,
    pub model_params: &'static str,
    pub model_params_number: &'static str,
    pub model_params_hint: &'static str,
    pub params_unit: &'static str,
    pub params_model: Tpl,
    pub config_model: &'static str,
    pub config_upload: &'static str,
    pub config_paste: &'static str,
    pub config_hint: &'static str,
    pub config_ok: &'static str,
    pub config_error: &'static str,
    pub config_too_large: Tpl,
    pub config_unreadable: &'static str,
    pub model_summary: Tpl,
    // Hugging Face import
    pub hub_label: &'static str,
    pub hub_load: &'static str,
    pub hub_loading_button: &'static str,
    pub hub_hint: &'static str,
    pub hub_loading: Tpl,
    pub hub_params: Tpl,
    pub hub_invalid: Tpl,
    pub hub_not_found: Tpl,
    pub hub_gated: Tpl,
    pub hub_network: &'static str,
    pub hub_http: Tpl,
    pub hub_redirected: Tpl,
    pub hub_malformed: Tpl,
    pub hub_unsupported: Tpl,
    pub hub_use_params: Tpl,
    pub hub_kept: &'static str,
    // Method
    pub method_title: &'static str,
    pub method: &'static str,
    pub method_lora: &'static str,
    pub method_qlora: &'static str,
    pub method_full: &'static str,
    pub weight_dtype_label: &'static str,
    pub bits_label: &'static str,
    pub bits_value: Tpl,
    pub family_size: Tpl,
    pub custom_vram: &'static str,
    pub custom_vram_hint: &'static str,
    pub invalid_vram: &'static str,
    pub custom_gpu_name: Tpl,
    pub pin: &'static str,
    pub unpin: &'static str,
    pub compare_title: &'static str,
    pub compare_pinned: &'static str,
    pub compare_now: &'static str,
    pub compare_delta: &'static str,
    pub double_quant: &'static str,
    pub double_quant_hint: &'static str,
    pub adapter_dtype_label: &'static str,
    pub adapter_dtype_hint: &'static str,
    // LoRA
    pub lora_title: &'static str,
    pub lora_full_note: &'static str,
    pub rank: &'static str,
    pub alpha: &'static str,
    pub alpha_hint: &'static str,
    pub targets: &'static str,
    pub targets_all_hint: &'static str,
    pub dropout: &'static str,
    pub dropout_hint: &'static str,
    pub dropout_moe_hint: &'static str,
    pub rank_number: &'static str,
    pub invalid_whole_rank: &'static str,
    pub invalid_whole_batch: &'static str,
    pub invalid_whole_seq: &'static str,
    pub invalid_alpha: &'static str,
    pub invalid_dropout: &'static str,
    pub invalid_context: &'static str,
    pub invalid_params: &'static str,
    pub modules_to_save: &'static str,
    // Training
    pub training_title: &'static str,
    pub optimizer_label: &'static str,
    pub batch_size: &'static str,
    pub batch_hint: &'static str,
    pub seq_len: &'static str,
    pub seq_len_number: &'static str,
    pub tokens: &'static str,
    pub checkpointing: &'static str,
    pub checkpointing_hint: &'static str,
    pub attention_label: &'static str,
    /// The SDPA kernel select.
    pub sdpa_kernel_label: &'static str,
    /// Its hint.
    pub sdpa_kernel_hint: &'static str,
    /// Flash kernel.
    pub sk_flash: &'static str,
    /// Memory-efficient kernel.
    pub sk_efficient: &'static str,
    /// The training-loop select.
    pub trainer_label: &'static str,
    /// Its hint.
    pub trainer_hint: &'static str,
    /// Hugging Face Trainer.
    pub tr_transformers: &'static str,
    /// TRL SFTTrainer.
    pub tr_trl: &'static str,
    /// A plain loop.
    pub tr_custom: &'static str,
    pub mixed_precision_label: &'static str,
    pub advanced: &'static str,
    pub cuda_context: &'static str,
    pub prepare_kbit: &'static str,
    pub prepare_kbit_hint: &'static str,
    pub savers_title: &'static str,
    pub savers_hint: &'static str,
    pub liger_hint: &'static str,
    pub liger_unsupported: &'static str,
    pub loss_label: &'static str,
    pub loss_hint: &'static str,
    pub loss_standard: &'static str,
    pub loss_chunked: &'static str,
    pub loss_fused: &'static str,
    pub loss_cce: &'static str,
    pub loss_chunks: &'static str,
    pub invalid_chunks: &'static str,
    pub offload_hint: &'static str,
    pub framework_label: &'static str,
    pub framework_hint: &'static str,
    pub fw_transformers: &'static str,
    pub fw_unsloth: &'static str,
    pub cuda_context_hint: &'static str,
    /// Placeholder of the CUDA context field when it is left to the GPU's model.
    pub cuda_context_auto: &'static str,
    // Result
    pub result_title: &'static str,
    pub sumbar_hint: &'static str,
    pub seq_batch: Tpl,
    pub total_label: &'static str,
    pub unit_label: &'static str,
    pub range_text: Tpl,
    pub peak_allocated: &'static str,
    pub params_total: &'static str,
    pub params_trainable: &'static str,
    pub peak_phase: &'static str,
    pub paged_note: Tpl,
    pub part_weights: &'static str,
    pub part_adapter: &'static str,
    pub part_training: &'static str,
    pub part_step_temp: &'static str,
    pub colon: &'static str,
    pub comma: &'static str,
    pub open_paren: &'static str,
    pub close_paren: &'static str,
    pub inferred: &'static str,
    pub text_only: &'static str,
    pub meta_description: &'static str,
    pub part_activations: &'static str,
    pub part_overhead: &'static str,
    pub sub_params: &'static str,
    pub sub_gradients: &'static str,
    pub sub_logits: &'static str,
    pub sub_layers: &'static str,
    pub host_ram: &'static str,
    pub moe_weights_note: &'static str,
    pub sub_optimizer: &'static str,
    pub sub_cuda_context: &'static str,
    pub sub_allocator: &'static str,
    pub bar_label: &'static str,
    pub bar_hint: &'static str,
    pub breakdown_caption: &'static str,
    pub col_part: &'static str,
    pub col_memory: &'static str,
    pub col_share: &'static str,
    pub invalid_title: &'static str,
    pub invalid_hint: &'static str,
    // GPUs
    pub gpu_panel_title: &'static str,
    pub your_gpu: &'static str,
    pub gpu_fits: Tpl,
    pub gpu_tight: Tpl,
    pub gpu_nofit: Tpl,
    pub headroom_text: Tpl,
    pub shortfall_text: Tpl,
    pub limits_text: Tpl,
    pub limits_none: Tpl,
    pub limits_seq_only: Tpl,
    pub limits_may_run: Tpl,
    pub limits_tight_only: Tpl,
    pub limits_other_gpus: &'static str,
    pub limits_no_gpu: &'static str,
    pub cause_weights: &'static str,
    pub cause_trainable: &'static str,
    pub cause_activations: &'static str,
    pub cause_overhead: &'static str,
    pub tight_explain: &'static str,
    pub tight_explain_no_gpu: &'static str,
    pub verdict_fits: &'static str,
    pub verdict_tight: &'static str,
    pub verdict_nofit: &'static str,
    pub advice_title: &'static str,
    pub apply: &'static str,
    pub gpu_table_title: &'static str,
    pub gpu_table_hint: &'static str,
    pub gpu_table_scroll: &'static str,
    pub scroll_hint: &'static str,
    pub filter_label: &'static str,
    pub filter_all: &'static str,
    pub filter_consumer: &'static str,
    pub filter_datacenter: &'static str,
    pub col_gpu: &'static str,
    pub col_vram: &'static str,
    pub col_verdict: &'static str,
    pub col_headroom: &'static str,
    pub col_max_seq: Tpl,
    pub col_max_batch: Tpl,
    pub warn_no_bf16: &'static str,
    pub warn_no_bf16_short: &'static str,
    pub warn_no_fa2: &'static str,
    pub warn_no_fa2_short: &'static str,
    // Advice
    pub ch_checkpointing: &'static str,
    pub ch_batch_one: Tpl,
    pub ch_attention: Tpl,
    pub ch_optimizer: Tpl,
    pub list_sep: &'static str,
    pub ch_paged: &'static str,
    pub ch_qlora: &'static str,
    pub ch_seq: Tpl,
    pub ch_rank: Tpl,
    pub ch_liger: &'static str,
    pub ch_offload_opt: &'static str,
    pub ch_shard: Tpl,
    pub chs_shard: Tpl,
    pub ch_offload: &'static str,
    pub ch_cce: &'static str,
    pub ch_attn_targets: &'static str,
    pub ch_all: &'static str,
    pub chs_checkpointing: &'static str,
    pub chs_batch_one: Tpl,
    pub chs_qlora: &'static str,
    pub chs_rank: Tpl,
    pub chs_attn_targets: &'static str,
    pub chs_seq: Tpl,
    // Phases
    pub phase_forward: &'static str,
    pub phase_loss_backward: &'static str,
    pub phase_last_layer: &'static str,
    pub phase_first_layer: &'static str,
    pub phase_optimizer: &'static str,
    // Option labels
    pub opt_adamw_torch: &'static str,
    pub opt_adamw_fused: &'static str,
    pub opt_adamw_8bit: &'static str,
    pub opt_paged_8bit: &'static str,
    pub opt_paged_32bit: &'static str,
    pub opt_sgd: &'static str,
    pub opt_adafactor: &'static str,
    pub attn_sdpa: &'static str,
    pub attn_fa2: &'static str,
    pub attn_eager: &'static str,
    pub mp_bf16: &'static str,
    pub mp_fp16: &'static str,
    pub mp_no: &'static str,
    pub wd_int8: &'static str,
    pub wd_nf4: &'static str,
    pub wd_fp4: &'static str,
    pub ad_fp32: &'static str,
    // Sharing
    pub share_title: &'static str,
    pub copy_link: &'static str,
    pub copy_embed: &'static str,
    pub copied_link: &'static str,
    pub copied_embed: &'static str,
    pub copy_failed: &'static str,
    pub copied_export: &'static str,
    pub export_title: &'static str,
    pub export_back: &'static str,
    pub export_hint: &'static str,
    pub export_link: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub export_label: &'static str,
    pub link_config_left_out: &'static str,
    pub save_failed: &'static str,
    pub stale_note: &'static str,
    pub reset: &'static str,
    pub json_title: &'static str,
    pub json_scenario: &'static str,
    pub json_report: &'static str,
    pub embed_fallback: &'static str,
    pub open_full: &'static str,
}

impl Text {
    /// The label of a peak phase.
    pub fn phase(&self, p: Phase) -> &'static str {
        match p {
            Phase::Forward => self.phase_forward,
            Phase::LossBackward => self.phase_loss_backward,
            Phase::LastLayerBackward => self.phase_last_layer,
            Phase::FirstLayerBackward => self.phase_first_layer,
            Phase::OptimizerStep => self.phase_optimizer,
        }
    }

    /// A short method name.
    pub fn method_short(&self, m: Method) -> &'static str {
        match m {
            Method::Lora => self.method_lora,
            Method::Qlora => self.method_qlora,
            Method::Full => self.method_full,
        }
    }

    /// One change, as an instruction.
    pub fn change(&self, c: Change) -> String {
        match c {
            Change::GradientCheckpointing => self.ch_checkpointing.to_string(),
            Change::BatchOneWithAccumulation { accumulation_steps } => {
                fill(self.ch_batch_one, &[&accumulation_steps.to_string()])
            }
            Change::Attention(a) => fill(self.ch_attention, &[&a.as_str()]),
            Change::Optimizer(Optimizer::PagedAdamw8bit) => self.ch_paged.to_string(),
            Change::Optimizer(o) => fill(self.ch_optimizer, &[&o.as_str()]),
            Change::Qlora => self.ch_qlora.to_string(),
            Change::Rank(r) => fill(self.ch_rank, &[&r.to_string()]),
            Change::Liger => self.ch_liger.to_string(),
            Change::OffloadOptimizer => self.ch_offload_opt.to_string(),
            Change::Shard { strategy, gpus } => fill(self.ch_shard, &[&strategy_name(strategy), &gpus]),
            Change::ActivationOffloading => self.ch_offload.to_string(),
            Change::CutCrossEntropy => self.ch_cce.to_string(),
            Change::AttentionTargets => self.ch_attn_targets.to_string(),
            Change::SeqLen(n) => fill(self.ch_seq, &[&crate::format::group(n)]),
        }
    }

    /// One change in a few words, for the combination's label.
    pub fn change_short(&self, c: Change) -> String {
        match c {
            Change::GradientCheckpointing => self.chs_checkpointing.to_string(),
            Change::BatchOneWithAccumulation { accumulation_steps } => {
                fill(self.chs_batch_one, &[&accumulation_steps.to_string()])
            }
            Change::Attention(a) => a.as_str().to_string(),
            Change::Optimizer(o) => o.as_str().to_string(),
            Change::Qlora => self.chs_qlora.to_string(),
            Change::Rank(r) => fill(self.chs_rank, &[&r.to_string()]),
            Change::Liger => "use_liger_kernel".to_string(),
            Change::OffloadOptimizer => "offload_optimizer".to_string(),
            Change::Shard { strategy, gpus } => fill(self.chs_shard, &[&strategy_name(strategy), &gpus]),
            Change::ActivationOffloading => "activation_offloading".to_string(),
            Change::CutCrossEntropy => "cut_cross_entropy".to_string(),
            Change::AttentionTargets => self.chs_attn_targets.to_string(),
            Change::SeqLen(n) => fill(self.chs_seq, &[&crate::format::group(n)]),
        }
    }

    /// A piece of advice: one change as an instruction, or the combination as the list of exactly
    /// the changes "apply" makes.
    pub fn advice(&self, a: &lora_vram::advice::Advice) -> String {
        if !a.is_combination() {
            return self.change(a.change());
        }
        let mut s = String::from(self.ch_all);
        for (i, c) in a.changes.iter().enumerate() {
            s.push_str(if i == 0 { " " } else { self.list_sep });
            s.push_str(&self.change_short(*c));
        }
        s
    }

    /// What is wrong with a config.json.
    pub fn config_problem(&self, e: &crate::components::model::ConfigError) -> String {
        use crate::components::model::ConfigError as C;
        match e {
            C::TooLarge(n) => fill(self.config_too_large, &[&crate::format::file_size(*n as u64)]),
            C::Json(m) => fill(self.err_json, &[&crate::format::clip(m, 200)]),
            C::Model(e) => self.error(e),
            C::Unreadable => self.config_unreadable.into(),
        }
    }

    /// An estimator error in this language (field names and code values stay as they are).
    pub fn error(&self, e: &lora_vram::Error) -> String {
        use lora_vram::Error as E;
        match e {
            E::Invalid { field, reason } => {
                let r = self.reasons.iter().find(|(en, _)| en == reason).map_or(*reason, |(_, t)| *t);
                fill(self.err_invalid, &[&field, &r])
            }
            E::UnknownModel(id) => fill(self.err_unknown_model, &[&crate::format::clip(id, 80)]),
            E::UnknownGpu(id) => fill(self.err_unknown_gpu, &[&crate::format::clip(id, 80)]),
            E::UnsupportedModelType(t) => fill(
                self.err_unsupported,
                &[&crate::format::clip(t, 80), &lora_vram::arch::SUPPORTED_MODEL_TYPES.join(", ")],
            ),
            E::MissingField(f) => fill(self.err_missing, &[&f]),
            E::UnknownTarget { name, available } => {
                fill(self.err_unknown_target, &[&crate::format::clip(name, 80), &available])
            }
            E::Json(m) => fill(self.err_json, &[&crate::format::clip(m, 200)]),
        }
    }

    /// Why a notice was given, in this language.
    pub fn reason(&self, r: &crate::query::Reason) -> String {
        use crate::query::{Expect, Reason};
        match r {
            Reason::Expected(x) => fill(
                self.r_expected,
                &[&match x {
                    Expect::PresetId => self.e_preset,
                    Expect::ParamCount => self.e_params,
                    Expect::WholeNumber => self.e_whole,
                    Expect::Number => self.e_number,
                    Expect::Bool => self.e_bool,
                    Expect::Config => self.e_config,
                    Expect::OneOf(l) => return fill(self.r_expected, &[&fill(self.e_one_of, &[l])]),
                }],
            ),
            Reason::Estimator(e) => self.error(e),
            Reason::NotAField => self.r_not_field.into(),
            Reason::Repeated => self.r_repeated.into(),
            Reason::UnknownValue => self.r_unknown_value.into(),
            Reason::UnknownGpu => self.r_unknown_gpu.into(),
            Reason::TooLong => self.r_too_long.into(),
            Reason::TooMany(n) => fill(self.r_too_many, &[&crate::format::group(*n as u64)]),
            Reason::MoeDropout => self.r_moe_dropout.into(),
        }
    }

    /// A preset's display name in this language ("(text)" for the text-only part of a multimodal
    /// checkpoint).
    pub fn preset_name(&self, name: &'static str) -> String {
        match name.strip_suffix(" (text)") {
            Some(base) if self.text_only != "(text)" => format!("{base}{}", self.text_only),
            _ => name.to_string(),
        }
    }

    /// A model type for display: the config's `model_type`, or "inferred" in this language.
    pub fn model_type(&self, t: &'static str) -> &'static str {
        if t == "inferred" {
            self.inferred
        } else {
            t
        }
    }

    /// The part of the estimate that keeps even one token from fitting.
    pub fn cause(&self, c: lora_vram::advice::Cause) -> &'static str {
        use lora_vram::advice::Cause;
        match c {
            Cause::Weights => self.cause_weights,
            Cause::TrainableState => self.cause_trainable,
            Cause::Activations => self.cause_activations,
            Cause::Overhead => self.cause_overhead,
        }
    }

    /// A GPU warning in full.
    pub fn warning(&self, w: Warning) -> &'static str {
        match w {
            Warning::NoBf16 => self.warn_no_bf16,
            Warning::NoFlashAttention2 => self.warn_no_fa2,
        }
    }

    /// A GPU warning as a table tag.
    pub fn warning_short(&self, w: Warning) -> &'static str {
        match w {
            Warning::NoBf16 => self.warn_no_bf16_short,
            Warning::NoFlashAttention2 => self.warn_no_fa2_short,
        }
    }

    /// An optimizer's label: its `optim` value and what it is.
    pub fn optimizer(&self, o: Optimizer) -> String {
        let d = match o {
            Optimizer::AdamwTorch => self.opt_adamw_torch,
            Optimizer::AdamwTorchFused => self.opt_adamw_fused,
            Optimizer::Adamw8bit => self.opt_adamw_8bit,
            Optimizer::PagedAdamw8bit => self.opt_paged_8bit,
            Optimizer::PagedAdamw32bit => self.opt_paged_32bit,
            Optimizer::Sgd => self.opt_sgd,
            Optimizer::Adafactor => self.opt_adafactor,
        };
        format!("{} — {d}", o.as_str())
    }

    /// An attention kernel's label.
    pub fn attention(&self, a: AttentionImpl) -> String {
        let d = match a {
            AttentionImpl::Sdpa => self.attn_sdpa,
            AttentionImpl::FlashAttention2 => self.attn_fa2,
            AttentionImpl::Eager => self.attn_eager,
        };
        format!("{} — {d}", a.as_str())
    }

    /// A mixed-precision label.
    pub fn sdpa_kernel(&self, k: SdpaKernel) -> &'static str {
        match k {
            SdpaKernel::Flash => self.sk_flash,
            SdpaKernel::Efficient => self.sk_efficient,
        }
    }

    /// A training loop's name.
    pub fn trainer(&self, t: Trainer) -> &'static str {
        match t {
            Trainer::Transformers => self.tr_transformers,
            Trainer::TrlSft => self.tr_trl,
            Trainer::CustomLoop => self.tr_custom,
        }
    }

    /// A loss's label: its `loss` value and the setting that picks it.
    pub fn loss(&self, l: lora_vram::scenario::Loss) -> String {
        use lora_vram::scenario::Loss;
        let d = match l {
            Loss::Standard => self.loss_standard,
            Loss::Chunked => self.loss_chunked,
            Loss::FusedLinear => self.loss_fused,
            Loss::CutCrossEntropy => self.loss_cce,
        };
        format!("{} — {d}", l.as_str())
    }

    /// A framework's name.
    pub fn framework(&self, f: lora_vram::scenario::Framework) -> &'static str {
        match f {
            lora_vram::scenario::Framework::Transformers => self.fw_transformers,
            lora_vram::scenario::Framework::Unsloth => self.fw_unsloth,
        }
    }

    /// A mixed-precision mode's name.
    pub fn mixed_precision(&self, m: MixedPrecision) -> &'static str {
        match m {
            MixedPrecision::Bf16 => self.mp_bf16,
            MixedPrecision::Fp16 => self.mp_fp16,
            MixedPrecision::No => self.mp_no,
        }
    }

    /// A weight precision label.
    pub fn weight_dtype(&self, w: WeightDtype) -> String {
        match w {
            WeightDtype::Fp32 => "fp32".into(),
            WeightDtype::Bf16 => "bf16".into(),
            WeightDtype::Fp16 => "fp16".into(),
            WeightDtype::Int8 => format!("int8 — {}", self.wd_int8),
            WeightDtype::Nf4 => format!("nf4 — {}", self.wd_nf4),
            WeightDtype::Fp4 => format!("fp4 — {}", self.wd_fp4),
        }
    }

    /// An adapter dtype label.
    pub fn adapter_dtype(&self, d: AdapterDtype) -> String {
        match d {
            AdapterDtype::Fp32 => format!("fp32 — {}", self.ad_fp32),
            AdapterDtype::Bf16 => "bf16".into(),
            AdapterDtype::Fp16 => "fp16".into(),
        }
    }
}

/// English.
pub static EN: Text = Text {
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
    reasons: &[],
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
    hub_redirected: "huggingface.co sent the request for {0} to another site; this page reads model files from huggingface.co only, so nothing was imported. Paste the model's config.json in the config.json tab below.",
    hub_http: "Hugging Face answered HTTP {1} for {0}. Try again in a minute, or paste its config.json in the config.json tab below.",
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
    host_ram: "Host RAM (offloaded, per node)",
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
    limits_seq_only: "Fits with the margin up to {0} tokens at batch {1}. At {2} tokens not even batch 1 fits with the margin.",
    limits_may_run: "Up to {0} tokens it may run, without the margin (tight).",
    limits_tight_only: "Nothing fits with the margin. Up to {0} tokens at batch {1} it may run, without it (tight).",
    limits_none: "Even a 1-token sequence doesn't fit: {0} alone take more than this GPU has.",
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
    gpu_table_scroll: "GPU table (scrolls sideways)",
    scroll_hint: "Swipe the table sideways for more columns →",
    gpu_table_hint: "Headroom is the GPU's memory minus the estimate. Select a GPU's name to see its verdict and advice.",
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
    link_config_left_out: "Your config.json is too long for a link, so the link leaves it out (the receiver sees the default model): share the file itself, or the scenario JSON below.",
    save_failed: "This browser refused to save your settings (storage full or disabled): they will be lost when the page reloads. Copy the link to keep them.",
    stale_note: "This result is for your last valid settings: a field in the form has a value that can't be used (marked in red).",
    copied_export: "Copied: the same settings, ready to run. Paste it into a file (the button names it).",
    export_title: "Export: ready-to-run setups and JSON",
    export_back: "← Back to the calculator",
    export_hint: "The same scenario as the calculator's, so that the run and the estimate agree by construction. Comments in each file say what a format cannot express. The JSON is what `lora-vram estimate --json` reads and prints.",
    export_link: "Export as Python, axolotl, LLaMA-Factory or JSON →",
    copy: "Copy",
    copied: "Copied",
    export_label: "Copy as a ready-to-run setup:",
    copy_failed: "Your browser blocked the clipboard. Select the text below and copy it:",
    reset: "Reset to defaults",
    json_title: "JSON for the command line",
    json_scenario: "Scenario (input of lora-vram estimate)",
    json_report: "lora-vram estimate --json",
    embed_fallback: "Open the LoRA VRAM calculator",
    open_full: "Open in full calculator",
};

/// 简体中文.
pub static ZH: Text = Text {
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
    reasons: ZH_REASONS,
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
    hub_redirected: "huggingface.co 把 {0} 的请求转到了别的网站；本页只从 huggingface.co 读取模型文件，所以没有导入任何内容。请在下方 config.json 标签页粘贴该模型的 config.json。",
    hub_http: "Hugging Face 对 {0} 返回了 HTTP {1}。请稍后再试，或把它的 config.json 粘贴到下方的 config.json 选项卡中。",
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
    host_ram: "主机内存（卸载，每节点）",
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
    limits_seq_only: "留足误差余量时：批大小为 {1} 最长可跑 {0} tokens；序列长度为 {2} 时批大小为 1 也放不下。",
    limits_may_run: "不留余量的话最长到 {0} tokens 也许能跑（很紧张）。",
    limits_tight_only: "留足余量时什么都放不下；不留余量的话，批大小为 {1} 最长到 {0} tokens 也许能跑（很紧张）。",
    limits_none: "哪怕序列长度为 1 也放不下：光是{0}就超过了这张卡的显存。",
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
    gpu_table_scroll: "显卡表（可左右滑动）",
    scroll_hint: "左右滑动表格查看更多列 →",
    gpu_table_hint: "余量 = 显卡显存 − 估算值。点击显卡名称可查看结论和修改建议。",
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
    link_config_left_out: "你的 config.json 太长，放不进链接，所以链接里没有它（对方会看到默认模型）：请直接分享这个文件，或下面的场景 JSON。",
    save_failed: "浏览器拒绝保存你的设置（存储已满或被禁用）：刷新页面后会丢失。请复制链接保存。",
    stale_note: "这个结果对应你上一次有效的设置：表单里有一项的值无法使用（已用红色标出）。",
    copied_export: "已复制：同样设置的可运行配置，粘贴到按钮所写的文件名即可。",
    export_title: "导出：可直接运行的配置与 JSON",
    export_back: "← 返回计算器",
    export_hint: "与计算器中的场景完全一致，因此实际训练与估算天然吻合。每个文件中的注释说明了该格式无法表达的设置。JSON 即 `lora-vram estimate --json` 读取和输出的内容。",
    export_link: "导出为 Python、axolotl、LLaMA-Factory 或 JSON →",
    copy: "复制",
    copied: "已复制",
    export_label: "复制为可直接运行的配置：",
    copy_failed: "浏览器禁止了剪贴板，请手动选中下面的文本复制：",
    reset: "恢复默认",
    json_title: "命令行用的 JSON",
    json_scenario: "配置（lora-vram estimate 的输入）",
    json_report: "lora-vram estimate --json",
    embed_fallback: "打开 LoRA 显存计算器",
    open_full: "在完整计算器中打开",
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
        for t in [&EN, &ZH] {
            for c in [Change::GradientCheckpointing, Change::Qlora, Change::SeqLen(4096), Change::Rank(16)] {
                assert!(!t.change(c).is_empty());
                assert!(!t.change_short(c).is_empty());
            }
        }
        assert!(ZH.change(Change::SeqLen(4096)).contains("4,096"));
    }
}
