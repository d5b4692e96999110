//! The typed, validated input of [`crate::estimate()`].
//!
//! Raw input (the `Scenario` JSON of DESIGN.md, URL parameters, CLI flags) becomes a [`Scenario`]
//! through [`crate::input::ScenarioInput`] and `TryFrom`, which checks every value and returns an
//! [`Error`] a person can act on. A `Scenario` is always valid: the estimator never sees a value it
//! cannot compute with, so it never panics, overflows or returns NaN.

use crate::arch::{Architecture, Linear};
use crate::Error;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// What is trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Method {
    /// LoRA adapters on a 16-bit (or fp32, or int8) frozen base.
    Lora,
    /// LoRA adapters on a 4-bit bitsandbytes base (Dettmers et al. 2023).
    #[default]
    Qlora,
    /// Every parameter is trained.
    Full,
}

impl Method {
    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Lora => "lora",
            Method::Qlora => "qlora",
            Method::Full => "full",
        }
    }
}

/// How the base model's Linear weights are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum WeightDtype {
    /// 4 bytes.
    Fp32,
    /// 2 bytes.
    Bf16,
    /// 2 bytes.
    Fp16,
    /// bitsandbytes LLM.int8(): 1 byte plus an fp32 scale per output row.
    Int8,
    /// bitsandbytes 4-bit NormalFloat.
    Nf4,
    /// bitsandbytes 4-bit float.
    Fp4,
}

impl WeightDtype {
    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            WeightDtype::Fp32 => "fp32",
            WeightDtype::Bf16 => "bf16",
            WeightDtype::Fp16 => "fp16",
            WeightDtype::Int8 => "int8",
            WeightDtype::Nf4 => "nf4",
            WeightDtype::Fp4 => "fp4",
        }
    }

    /// A bitsandbytes storage type (int8, nf4, fp4).
    pub const fn is_quantized(self) -> bool {
        matches!(self, WeightDtype::Int8 | WeightDtype::Nf4 | WeightDtype::Fp4)
    }

    /// A 4-bit bitsandbytes storage type.
    pub const fn is_4bit(self) -> bool {
        matches!(self, WeightDtype::Nf4 | WeightDtype::Fp4)
    }
}

/// The dtype of LoRA adapter weights (and so of their gradients and, for AdamW, their state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum AdapterDtype {
    /// PEFT's default: `autocast_adapter_dtype=True` upcasts bf16/fp16 adapters to fp32
    /// (`peft/tuners/tuners_utils.py`, `_cast_adapter_dtype`).
    #[default]
    Fp32,
    /// Adapters kept in bf16 (`autocast_adapter_dtype=False` on a bf16 model).
    Bf16,
    /// Adapters kept in fp16.
    Fp16,
}

impl AdapterDtype {
    /// Every adapter dtype.
    pub const ALL: [AdapterDtype; 3] = [AdapterDtype::Fp32, AdapterDtype::Bf16, AdapterDtype::Fp16];

    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            AdapterDtype::Fp32 => "fp32",
            AdapterDtype::Bf16 => "bf16",
            AdapterDtype::Fp16 => "fp16",
        }
    }

    /// Bytes per element.
    pub const fn bytes(self) -> u64 {
        match self {
            AdapterDtype::Fp32 => 4,
            AdapterDtype::Bf16 | AdapterDtype::Fp16 => 2,
        }
    }
}

/// The optimizer, in Hugging Face `TrainingArguments.optim` spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Optimizer {
    /// `torch.optim.AdamW` (foreach implementation on CUDA).
    #[default]
    AdamwTorch,
    /// `torch.optim.AdamW(fused=True)`.
    AdamwTorchFused,
    /// bitsandbytes `AdamW8bit` (`adamw_bnb_8bit` is accepted too).
    #[cfg_attr(feature = "serde", serde(rename = "adamw_8bit", alias = "adamw_bnb_8bit"))]
    Adamw8bit,
    /// bitsandbytes `PagedAdamW8bit`: state in CUDA unified memory.
    #[cfg_attr(feature = "serde", serde(rename = "paged_adamw_8bit"))]
    PagedAdamw8bit,
    /// bitsandbytes `PagedAdamW` (32-bit): state in CUDA unified memory.
    #[cfg_attr(feature = "serde", serde(rename = "paged_adamw_32bit"))]
    PagedAdamw32bit,
    /// `torch.optim.SGD` without momentum (transformers' default for `sgd`).
    Sgd,
    /// transformers' `Adafactor`: factored second moment, no first moment.
    Adafactor,
}

impl Optimizer {
    /// Every optimizer, for pickers and tests.
    pub const ALL: [Optimizer; 7] = [
        Optimizer::AdamwTorch,
        Optimizer::AdamwTorchFused,
        Optimizer::Adamw8bit,
        Optimizer::PagedAdamw8bit,
        Optimizer::PagedAdamw32bit,
        Optimizer::Sgd,
        Optimizer::Adafactor,
    ];

    /// The `TrainingArguments.optim` spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Optimizer::AdamwTorch => "adamw_torch",
            Optimizer::AdamwTorchFused => "adamw_torch_fused",
            Optimizer::Adamw8bit => "adamw_8bit",
            Optimizer::PagedAdamw8bit => "paged_adamw_8bit",
            Optimizer::PagedAdamw32bit => "paged_adamw_32bit",
            Optimizer::Sgd => "sgd",
            Optimizer::Adafactor => "adafactor",
        }
    }

    /// bitsandbytes paged optimizers keep their state in CUDA unified memory, which the driver can
    /// page out to CPU RAM under pressure; PyTorch's allocator statistics do not count it.
    pub const fn is_paged(self) -> bool {
        matches!(self, Optimizer::PagedAdamw8bit | Optimizer::PagedAdamw32bit)
    }
}

/// The attention kernel, in `attn_implementation` spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum AttentionImpl {
    /// Explicit `softmax(QKᵀ)V`: materialises the `b·a·s²` scores.
    Eager,
    /// `torch.nn.functional.scaled_dot_product_attention` (flash / memory-efficient backends).
    #[default]
    Sdpa,
    /// The `flash_attn` package (Ampere or newer).
    #[cfg_attr(feature = "serde", serde(rename = "flash_attention_2"))]
    FlashAttention2,
}

impl AttentionImpl {
    /// The `attn_implementation` spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            AttentionImpl::Eager => "eager",
            AttentionImpl::Sdpa => "sdpa",
            AttentionImpl::FlashAttention2 => "flash_attention_2",
        }
    }
}

/// Which SDPA kernel runs `attention: "sdpa"` (PyTorch's `SDPBackend`, as
/// `torch.nn.attention.sdpa_kernel` names them). The kernel decides what attention saves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum SdpaKernel {
    /// `FLASH_ATTENTION` (sm80 and newer, 16-bit, no mask): GQA k/v stay at the kv-head count.
    #[default]
    Flash,
    /// `EFFICIENT_ATTENTION`, the memory-efficient (cutlass) kernel: the only fused kernel before sm80
    /// (T4, V100), and the one a masked call takes. It has no GQA support
    /// (`check_batch_size_and_num_heads_dense<false>` in `sdp_utils.cpp`), so k/v reach it
    /// repeated to every query head.
    Efficient,
}

impl SdpaKernel {
    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            SdpaKernel::Flash => "flash",
            SdpaKernel::Efficient => "efficient",
        }
    }
}

/// The training loop that runs the step: what it keeps alive, and how it prepares a quantized model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Trainer {
    /// Hugging Face `Trainer`: `compute_loss` returns only the loss, so the model's outputs
    /// (the logits) are freed before backward.
    #[default]
    Transformers,
    /// TRL's `SFTTrainer`: the Trainer's loop, and after `prepare_model_for_kbit_training` it casts
    /// the embeddings and the head back to 16-bit, leaving the norms fp32.
    TrlSft,
    /// A plain PyTorch loop, `out = model(**batch); out.loss.backward(); optimizer.step()`: `out`
    /// keeps the logits, and the loss's graph, alive until the step returns.
    CustomLoop,
}

impl Trainer {
    /// Every trainer, for pickers and tests.
    pub const ALL: [Trainer; 3] = [Trainer::Transformers, Trainer::TrlSft, Trainer::CustomLoop];

    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Trainer::Transformers => "transformers",
            Trainer::TrlSft => "trl_sft",
            Trainer::CustomLoop => "custom_loop",
        }
    }
}

/// The loss computation: how the logits and the cross-entropy are laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Loss {
    /// transformers' `ForCausalLMLoss`: `b·s·V` logits, upcast to fp32 whole (`logits.float()`).
    #[default]
    Standard,
    /// torchtune's `CEWithChunkedOutputLoss`: the head's output in `loss_chunks` pieces along the
    /// sequence, each upcast to fp32 and reduced on its own (torchtune/modules/loss/ce_chunked_output_loss.py).
    Chunked,
    /// Liger's fused linear cross-entropy (`LigerFusedLinearCrossEntropyFunction`): the head's matmul
    /// and the loss in token chunks, the hidden-state gradient computed in the forward.
    FusedLinear,
    /// Apple's Cut Cross-Entropy (`cut_cross_entropy.linear_cross_entropy`, the axolotl plugin): a
    /// blockwise logsumexp, with the logits recomputed block by block in the backward.
    CutCrossEntropy,
}

impl Loss {
    /// Every loss, for pickers and tests.
    pub const ALL: [Loss; 4] = [Loss::Standard, Loss::Chunked, Loss::FusedLinear, Loss::CutCrossEntropy];

    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Loss::Standard => "standard",
            Loss::Chunked => "chunked",
            Loss::FusedLinear => "fused_linear",
            Loss::CutCrossEntropy => "cut_cross_entropy",
        }
    }
}

/// The library that builds and patches the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum Framework {
    /// transformers + PEFT as they are (`AutoModelForCausalLM`, `get_peft_model`).
    #[default]
    Transformers,
    /// Unsloth's `FastLanguageModel`: its RMSNorm and LoRA kernels patched into the model, no fp32
    /// upcast of the embeddings, head and norms. With `activation_offloading`, its
    /// `use_gradient_checkpointing="unsloth"` (layer inputs offloaded to CPU).
    Unsloth,
}

impl Framework {
    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Framework::Transformers => "transformers",
            Framework::Unsloth => "unsloth",
        }
    }
}

/// The default `loss_chunks` of `loss: chunked` (torchtune's `num_output_chunks = 8`).
pub const DEFAULT_LOSS_CHUNKS: u64 = 8;
/// Most loss chunks accepted.
pub const MAX_LOSS_CHUNKS: u64 = 1 << 16;

/// Automatic mixed precision, as Hugging Face's `bf16=True` / `fp16=True` turn on (`torch.autocast`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(rename_all = "snake_case"))]
pub enum MixedPrecision {
    /// `bf16=True`: matmuls run in bf16 under `torch.autocast`.
    #[default]
    Bf16,
    /// `fp16=True`.
    Fp16,
    /// No autocast: every op runs in its inputs' dtype.
    No,
}

impl MixedPrecision {
    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            MixedPrecision::Bf16 => "bf16",
            MixedPrecision::Fp16 => "fp16",
            MixedPrecision::No => "no",
        }
    }
}

/// Which Linears get LoRA adapters, resolved against the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Targets(u32);

/// Every Linear name any supported model has; [`Targets`] is a bit set over this table.
pub const LINEAR_NAMES: [&str; 23] = [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "qkv_proj",
    "query_key_value",
    "dense",
    "gate_proj",
    "up_proj",
    "down_proj",
    "gate_up_proj",
    "fc1",
    "fc2",
    "dense_h_to_4h",
    "dense_4h_to_h",
    "experts.gate_up_proj",
    "experts.down_proj",
    "gate",
    "shared_expert_gate",
    "q_a_proj",
    "q_b_proj",
    "kv_a_proj_with_mqa",
    "kv_b_proj",
];

impl Targets {
    /// No Linear.
    pub const NONE: Targets = Targets(0);

    /// The bit of one Linear name, if it is one.
    pub fn bit(name: &str) -> Option<u32> {
        LINEAR_NAMES.iter().position(|n| *n == name).map(|i| 1 << i)
    }

    /// Whether this Linear is targeted.
    pub fn contains(self, linear: &Linear) -> bool {
        Targets::bit(linear.name).is_some_and(|b| self.0 & b != 0)
    }

    /// Adds a name from [`LINEAR_NAMES`].
    pub fn with(self, name: &str) -> Targets {
        Targets(self.0 | Targets::bit(name).unwrap_or(0))
    }

    /// The targeted names, in [`LINEAR_NAMES`] order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        LINEAR_NAMES.iter().enumerate().filter(move |(i, _)| self.0 & (1 << i) != 0).map(|(_, n)| *n)
    }

    /// Whether no Linear is targeted.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The target set as the user wrote it, in PEFT's vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(untagged))]
pub enum TargetSpec {
    /// `"all-linear"`, `"qv"` or `"attention"`.
    Shorthand(alloc::string::String),
    /// Module names, matched as PEFT does (a module whose name ends in one of them).
    Modules(alloc::vec::Vec<alloc::string::String>),
}

impl Default for TargetSpec {
    /// PEFT's `"all-linear"`, what QLoRA (Dettmers et al. 2023) showed is needed to match full fine-tuning.
    fn default() -> Self {
        TargetSpec::Shorthand(alloc::string::String::from("all-linear"))
    }
}

impl TargetSpec {
    /// Resolves the spec against a model's Linears (see [`Architecture::linears`]).
    ///
    /// - `all-linear`: every Linear in the decoder layers; PEFT excludes only the output head
    ///   (`peft/tuners/tuners_utils.py`, `_maybe_include_all_linear_layers`).
    /// - `qv`: the query and value projections (for fused projections, the fused module).
    /// - `attention`: every attention projection, output included.
    pub fn resolve(&self, arch: &Architecture) -> Result<Targets, Error> {
        use crate::arch::{LayerKind, Role};
        let mut t = Targets::NONE;
        let (dense, moe) = arch.layer_split();
        let mut all = alloc::vec::Vec::new();
        for (kind, n) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
            if n > 0 {
                all.extend_from_slice(arch.linears(kind).as_slice());
            }
        }
        let pick =
            |t: Targets, f: &dyn Fn(Role) -> bool| all.iter().filter(|l| f(l.role)).fold(t, |t, l| t.with(l.name));
        match self {
            TargetSpec::Shorthand(s) => match s.as_str() {
                "all-linear" | "all_linear" => Ok(all.iter().filter(|l| l.all_linear).fold(t, |t, l| t.with(l.name))),
                "qv" => Ok(pick(t, &|r| matches!(r, Role::Q | Role::V | Role::Qkv))),
                "attention" => Ok(pick(t, &|r| r.is_attention())),
                other => Err(Error::Invalid {
                    field: "lora.targets",
                    reason: if other.is_empty() {
                        "is empty; use \"all-linear\", \"qv\", \"attention\" or a list of module names"
                    } else {
                        "must be \"all-linear\", \"qv\", \"attention\" or a list of module names"
                    },
                }),
            },
            TargetSpec::Modules(names) => {
                if names.is_empty() {
                    return Err(Error::Invalid { field: "lora.targets", reason: "lists no module" });
                }
                for name in names {
                    // PEFT matches a module when its full name equals the target or ends in "." + target,
                    // so "self_attn.q_proj" and "q_proj" both mean q_proj here.
                    let leaf = if name.starts_with("experts.") {
                        name.as_str()
                    } else {
                        name.rsplit('.').next().unwrap_or(name)
                    };
                    if !all.iter().any(|l| l.name == leaf) {
                        let mut available = alloc::string::String::new();
                        for (i, l) in all.iter().enumerate() {
                            if all[..i].iter().all(|p| p.name != l.name) {
                                if !available.is_empty() {
                                    available.push_str(", ");
                                }
                                available.push_str(l.name);
                            }
                        }
                        return Err(Error::UnknownTarget { name: name.clone(), available });
                    }
                    t = t.with(all.iter().find(|l| l.name == leaf).map_or(leaf, |l| l.name));
                }
                Ok(t)
            }
        }
    }
}

/// Modules trained in full beside the adapters (PEFT's `modules_to_save`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ModulesToSave {
    /// `embed_tokens` (or `embed_in`, `wte`): a trainable copy of the embedding matrix.
    pub embed_tokens: bool,
    /// `lm_head` (or `embed_out`): a trainable copy of the output head.
    pub lm_head: bool,
}

/// LoRA settings, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lora {
    /// Rank `r`.
    pub rank: u64,
    /// `lora_alpha`; it scales the update and costs no memory.
    pub alpha: f64,
    /// Targeted Linears.
    pub targets: Targets,
    /// `lora_dropout`; above 0 it adds a saved mask and a dropped copy of each LoRA input.
    pub dropout: f64,
    /// Adapter dtype.
    pub dtype: AdapterDtype,
    /// Modules trained in full.
    pub modules_to_save: ModulesToSave,
}

/// Where the architecture came from, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// A preset, by its index in [`crate::presets::MODELS`].
    Preset(usize),
    /// Inferred from a parameter count: a typical Llama-style shape, not the real model.
    Inferred {
        /// The parameter count asked for.
        requested: u64,
    },
    /// Parsed from a config.json.
    Config,
}

/// A validated scenario: everything [`crate::estimate()`] needs, nothing it cannot compute with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scenario {
    /// The exact architecture.
    pub arch: Architecture,
    /// Where it came from.
    pub source: ModelSource,
    /// LoRA, QLoRA or full fine-tuning.
    pub method: Method,
    /// Storage of the base Linear weights.
    pub weight_dtype: WeightDtype,
    /// bitsandbytes double quantization of the 4-bit absmax values.
    pub double_quant: bool,
    /// LoRA settings (ignored for full fine-tuning).
    pub lora: Lora,
    /// Optimizer.
    pub optimizer: Optimizer,
    /// Micro-batch size.
    pub batch_size: u64,
    /// Tokens per sequence.
    pub seq_len: u64,
    /// `gradient_checkpointing=True`.
    pub gradient_checkpointing: bool,
    /// Attention kernel.
    pub attention: AttentionImpl,
    /// The SDPA backend, when `attention` is `sdpa`.
    pub sdpa_kernel: SdpaKernel,
    /// The training loop.
    pub trainer: Trainer,
    /// Autocast.
    pub mixed_precision: MixedPrecision,
    /// PEFT's `prepare_model_for_kbit_training` was called: every non-quantized bf16/fp16 parameter
    /// is cast to fp32 (`peft/utils/other.py`). Only meaningful for quantized weights.
    pub prepare_kbit: bool,
    /// The GPU the run is on, as an index into [`crate::gpus::GPUS`]: it sizes the CUDA context
    /// and the cuBLAS workspaces. `None`: the largest of any listed NVIDIA GPU.
    pub gpu: Option<usize>,
    /// CUDA context and library handles, outside PyTorch's allocator, as measured by the user;
    /// `None`: the GPU's model ([`crate::overhead`]).
    pub cuda_context_bytes: Option<u64>,
    /// Liger's kernels (`use_liger_kernel=True`): RMSNorm, SwiGLU/GeGLU and RoPE patched into the
    /// model ([`crate::activations`]).
    pub use_liger_kernel: bool,
    /// How the loss is computed.
    pub loss: Loss,
    /// Chunks of `loss: chunked` (1 for the other losses).
    pub loss_chunks: u64,
    /// Saved activations offloaded to CPU RAM (TRL's `activation_offloading=True`, torchtune's
    /// `enable_activation_offloading`; under Unsloth, `use_gradient_checkpointing="unsloth"`).
    pub activation_offloading: bool,
    /// transformers or Unsloth.
    pub framework: Framework,
    /// Data-parallel training on several GPUs ([`crate::distributed`]); `None`: one GPU.
    pub distributed: Option<crate::distributed::Distributed>,
}

/// Largest micro-batch accepted.
pub const MAX_BATCH: u64 = 1 << 16;
/// Longest sequence accepted: 16M tokens, 16× the longest context of any released model.
pub const MAX_SEQ: u64 = 1 << 24;
/// Largest LoRA rank accepted.
pub const MAX_RANK: u64 = 1 << 16;
/// Largest `lora_alpha` accepted: it only scales the update (`alpha / r`), and real values are at
/// most a few times the rank; 1e308 is a typo, not a setting.
pub const MAX_ALPHA: f64 = 1e6;
/// Largest CUDA context accepted: 64 GiB.
pub const MAX_CONTEXT: u64 = 64 << 30;

impl Scenario {
    /// Checks ranges that the typed fields cannot express. Called by every constructor.
    pub fn validate(&self) -> Result<(), Error> {
        self.arch.validate()?;
        let ranges = [
            ("batch_size", self.batch_size, 1, MAX_BATCH),
            ("seq_len", self.seq_len, 1, MAX_SEQ),
            ("lora.rank", self.lora.rank, 1, MAX_RANK),
            ("cuda_context_bytes", self.cuda_context_bytes.unwrap_or(0), 0, MAX_CONTEXT),
        ];
        for (field, v, lo, hi) in ranges {
            if v < lo || v > hi {
                return Err(Error::Invalid { field, reason: range_reason(field) });
            }
        }
        if !(0.0..1.0).contains(&self.lora.dropout) {
            return Err(Error::Invalid { field: "lora.dropout", reason: "must be at least 0 and below 1" });
        }
        if !self.lora.alpha.is_finite() || self.lora.alpha <= 0.0 || self.lora.alpha > MAX_ALPHA {
            return Err(Error::Invalid { field: "lora.alpha", reason: "must be a positive number up to 1e6" });
        }
        if self.method == Method::Qlora && !self.weight_dtype.is_4bit() {
            return Err(Error::Invalid { field: "weight_dtype", reason: "must be nf4 or fp4 for qlora" });
        }
        if self.method == Method::Full && self.weight_dtype.is_quantized() {
            return Err(Error::Invalid {
                field: "weight_dtype",
                reason: "cannot be quantized for full fine-tuning: bitsandbytes weights are frozen",
            });
        }
        if self.method != Method::Full && self.lora.dropout > 0.0 && self.adapts_param_wrapper() {
            return Err(Error::Invalid {
                field: "lora.dropout",
                reason: "must be 0 when LoRA adapts MoE experts or routers: PEFT's ParamWrapper raises \
                         \"does not work with lora_dropout != 0\"; set dropout to 0 or target attention only",
            });
        }
        if self.method != Method::Full && self.lora.targets.is_empty() {
            return Err(Error::Invalid { field: "lora.targets", reason: "selects no Linear" });
        }
        self.validate_savers()?;
        if let Some(d) = &self.distributed {
            d.validate(self.method, self.weight_dtype)?;
        }
        Ok(())
    }
}

impl Scenario {
    /// Whether a targeted module is adapted through PEFT's `ParamWrapper`.
    fn adapts_param_wrapper(&self) -> bool {
        let (dense, moe) = self.arch.layer_split();
        [(crate::arch::LayerKind::Dense, dense), (crate::arch::LayerKind::Moe, moe)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .any(|(k, _)| {
                self.arch.linears(k).as_slice().iter().any(|l| l.param_wrapper && self.lora.targets.contains(l))
            })
    }
}

const fn range_reason(field: &str) -> &'static str {
    match field.as_bytes() {
        b"batch_size" => "must be between 1 and 65536",
        b"seq_len" => "must be between 1 and 16777216 tokens",
        b"lora.rank" => "must be between 1 and 65536",
        _ => "must be between 0 and 64 GiB",
    }
}

/// Model types Liger patches (`MODEL_TYPE_TO_APPLY_LIGER_FN`, liger_kernel/transformers/monkey_patch.py).
pub const LIGER_MODEL_TYPES: [crate::arch::ModelType; 11] = {
    use crate::arch::ModelType as M;
    [
        M::Llama,
        M::Mistral,
        M::Mixtral,
        M::Qwen2,
        M::Qwen3,
        M::Qwen3Moe,
        M::Gemma,
        M::Gemma2,
        M::Gemma3,
        M::Phi3,
        M::Inferred,
    ]
};

impl Scenario {
    /// Whether Liger patches this model's norms and MLPs (see [`LIGER_MODEL_TYPES`]).
    pub fn liger_supports(&self) -> bool {
        LIGER_MODEL_TYPES.contains(&self.arch.model_type)
    }

    /// The combinations of memory savers the tools themselves refuse, or that the estimator cannot model.
    fn validate_savers(&self) -> Result<(), Error> {
        if !(1..=MAX_LOSS_CHUNKS).contains(&self.loss_chunks) {
            return Err(Error::Invalid { field: "loss_chunks", reason: "must be between 1 and 65536" });
        }
        if self.loss != Loss::Chunked && self.loss_chunks != 1 {
            return Err(Error::Invalid { field: "loss_chunks", reason: "applies to `loss: \"chunked\"` only" });
        }
        if self.use_liger_kernel && !self.liger_supports() {
            return Err(Error::Invalid {
                field: "use_liger_kernel",
                reason: "has no effect on this model type: Liger patches llama, mistral, mixtral, qwen2, qwen3, \
                         qwen3_moe, gemma, gemma2, gemma3 and phi3 (transformers logs a warning and trains without it)",
            });
        }
        if self.use_liger_kernel && matches!(self.loss, Loss::CutCrossEntropy | Loss::Chunked) {
            return Err(Error::Invalid {
                field: "loss",
                reason: "cannot be cut_cross_entropy or chunked with use_liger_kernel: Liger's fused linear \
                         cross-entropy replaces the model's forward; use \"fused_linear\", or \"standard\" for \
                         liger_kernel_config={\"fused_linear_cross_entropy\": False}",
            });
        }
        if self.trainer == Trainer::TrlSft && self.loss != Loss::Standard {
            return Err(Error::Invalid {
                field: "loss",
                reason: "must be left unset with trainer trl_sft: TRL's SFTTrainer always computes the loss with \
                         its chunked log-probabilities (add_fused_lm_head) and turns Liger's fused \
                         cross-entropy off",
            });
        }
        if self.framework == Framework::Unsloth {
            if self.use_liger_kernel {
                return Err(Error::Invalid {
                    field: "use_liger_kernel",
                    reason: "cannot be combined with framework unsloth: Unsloth patches its own RMSNorm, RoPE, \
                             LoRA and loss kernels",
                });
            }
            if self.loss != Loss::Standard {
                return Err(Error::Invalid {
                    field: "loss",
                    reason: "must be left unset with framework unsloth: Unsloth computes the loss with its own \
                             kernels, which are estimated as the standard loss (an upper bound)",
                });
            }
        }
        if self.activation_offloading && !self.gradient_checkpointing {
            return Err(Error::Invalid {
                field: "activation_offloading",
                reason: "is modelled with gradient checkpointing only: without it, which saved tensors stay on \
                         the GPU depends on storage sharing inside the offloader's 5-tensor stash; turn on \
                         gradient_checkpointing",
            });
        }
        Ok(())
    }
}
