//! The `lora-vram` command line: a thin layer over the estimator crate.
//!
//! `run` parses arguments, reads the scenario, and prints; every formula lives in `lora-vram`.
//!
//! # Exit status
//! [`exit`] lists them: a CI guard such as `lora-vram estimate run.json --gpu rtx-4090 && accelerate
//! launch …` starts the run only when the estimate says it fits.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use lora_vram::advice::{advise, Change};
use lora_vram::distributed::{FsdpSharding, Offload, Strategy};
use lora_vram::fit::{fit, gpu_table, Fit, Verdict};
use lora_vram::gpus::GPUS;
use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::report::report;
use lora_vram::scenario::{
    AdapterDtype, AttentionImpl, Framework, Loss, Method, MixedPrecision, ModelSource, Optimizer, SdpaKernel,
    TargetSpec, Trainer, WeightDtype,
};
use lora_vram::{estimate, Scenario};

/// The exit statuses, as `--help` and the README list them.
pub mod exit {
    /// The estimate ran; with `--gpu` or `--vram-gib`, the run fits with the whole uncertainty range to spare.
    pub const OK: i32 = 0;
    /// With `--gpu` or `--vram-gib`: it does not fit, or it is tight (the estimate fits but the top of its
    /// range does not, so it may run out of memory; `--allow-tight` exits 0 then).
    pub const DOES_NOT_FIT: i32 = 1;
    /// The command line is wrong: an unknown flag, a missing or malformed value (clap's own status).
    pub const USAGE: i32 = 2;
    /// The scenario cannot be estimated: invalid JSON, an unknown field, model or GPU, a value out of
    /// range, an unsupported config.json, a Hub id that does not exist.
    pub const INVALID: i32 = 3;
    /// An input could not be read: a missing or unreadable file, the Hub unreachable, gated, or failing.
    pub const UNREADABLE: i32 = 4;
}

const EXIT_HELP: &str = "Exit status:
  0  estimated; with --gpu or --vram-gib, the run fits
  1  with --gpu or --vram-gib: it does not fit, or is tight (may run out of memory; --allow-tight: 0)
  2  usage error: unknown flag, missing or malformed value
  3  the scenario cannot be estimated: invalid JSON, unknown field, model or GPU, value out of range
  4  an input could not be read: missing file, Hub unreachable or gated";

/// Peak-VRAM calculator for LoRA / QLoRA / full fine-tuning.
#[derive(Parser, Debug)]
#[command(name = "lora-vram", version, about, long_about = None, after_help = EXIT_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Estimate the peak memory of a training step.
    #[command(after_help = EXIT_HELP)]
    Estimate(Box<EstimateArgs>),
    /// List the model presets.
    Models,
    /// List the GPUs.
    Gpus,
}

/// Display unit.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Unit {
    /// 10^9 bytes.
    Gb,
    /// 2^30 bytes.
    Gib,
}

#[derive(Args, Debug)]
struct EstimateArgs {
    /// Scenario JSON file (DESIGN.md contract), or `-` for stdin. Flags override its fields.
    scenario: Option<PathBuf>,
    /// Print DESIGN.md's output JSON.
    #[arg(long)]
    json: bool,
    /// Model preset id (Hugging Face repo id), e.g. meta-llama/Llama-3.1-8B.
    #[arg(long, conflicts_with_all = ["params", "hf_config"])]
    model: Option<String>,
    /// A bare parameter count (e.g. 7e9): a typical architecture is inferred.
    #[arg(long, conflicts_with = "hf_config")]
    params: Option<f64>,
    /// A model's config.json.
    #[arg(long, value_name = "FILE", conflicts_with = "hf_id")]
    hf_config: Option<PathBuf>,
    /// A Hugging Face model id (owner/name): fetches its config.json and parameter count over HTTPS
    /// from $HF_ENDPOINT (default https://huggingface.co), with $HF_TOKEN for gated models.
    #[arg(long, value_name = "OWNER/NAME", conflicts_with_all = ["model", "params"])]
    hf_id: Option<String>,
    /// lora, qlora or full.
    #[arg(long)]
    method: Option<MethodArg>,
    /// fp32, bf16, fp16, int8, nf4 or fp4.
    #[arg(long)]
    weight_dtype: Option<WeightDtypeArg>,
    /// Double quantization of 4-bit weights.
    #[arg(long)]
    double_quant: Option<bool>,
    /// LoRA rank.
    #[arg(long)]
    rank: Option<u64>,
    /// LoRA alpha.
    #[arg(long)]
    alpha: Option<f64>,
    /// all-linear, qv, attention, or comma-separated module names.
    #[arg(long)]
    targets: Option<String>,
    /// LoRA dropout.
    #[arg(long)]
    dropout: Option<f64>,
    /// Adapter dtype: fp32, bf16 or fp16.
    #[arg(long)]
    adapter_dtype: Option<AdapterDtypeArg>,
    /// Modules trained in full, comma-separated (embed_tokens, lm_head).
    #[arg(long)]
    modules_to_save: Option<String>,
    /// Optimizer (TrainingArguments.optim).
    #[arg(long)]
    optimizer: Option<OptimizerArg>,
    /// Micro-batch size.
    #[arg(long)]
    batch_size: Option<u64>,
    /// Sequence length in tokens.
    #[arg(long)]
    seq_len: Option<u64>,
    /// Gradient checkpointing.
    #[arg(long)]
    gradient_checkpointing: Option<bool>,
    /// eager, sdpa or flash_attention_2.
    #[arg(long)]
    attention: Option<AttentionArg>,
    /// The SDPA kernel: flash (Ampere or newer) or efficient (the memory-efficient kernel, the one
    /// T4 and V100 run).
    #[arg(long)]
    sdpa_kernel: Option<SdpaKernelArg>,
    /// The training loop: transformers (Trainer), trl_sft (TRL's SFTTrainer) or custom_loop (a plain
    /// loop that keeps the model's outputs until the step ends).
    #[arg(long)]
    trainer: Option<TrainerArg>,
    /// Autocast: bf16, fp16 or no.
    #[arg(long)]
    mixed_precision: Option<MixedPrecisionArg>,
    /// Whether prepare_model_for_kbit_training is called (default: yes for quantized weights).
    #[arg(long)]
    prepare_kbit: Option<bool>,
    /// CUDA context in MiB, as nvidia-smi shows it for an idle PyTorch process (default: the GPU's
    /// model).
    #[arg(long, value_name = "MIB")]
    cuda_context_mib: Option<u64>,
    /// The GPU the run is on (see `lora-vram gpus`): sizes the CUDA context and cuBLAS workspaces,
    /// and adds its verdict, warnings and advice.
    #[arg(long)]
    gpu: Option<String>,
    /// Liger's kernels: `use_liger_kernel=True` in TrainingArguments or TRL's SFTConfig (RMSNorm,
    /// SwiGLU, RoPE and, unless --loss says otherwise, the fused linear cross-entropy).
    #[arg(long)]
    use_liger_kernel: bool,
    /// The loss: standard (transformers' fp32 logits), chunked (torchtune's CEWithChunkedOutputLoss),
    /// fused_linear (Liger's LigerFusedLinearCrossEntropyLoss) or cut_cross_entropy (axolotl's
    /// `cut_cross_entropy: true` plugin, Apple's cut_cross_entropy).
    #[arg(long)]
    loss: Option<LossArg>,
    /// Chunks of --loss chunked: torchtune's `num_output_chunks` (default 8).
    #[arg(long, value_name = "N")]
    loss_chunks: Option<u64>,
    /// Offload saved activations to CPU RAM: TRL's `activation_offloading=True`, torchtune's
    /// `enable_activation_offloading=True`; with --framework unsloth, `use_gradient_checkpointing="unsloth"`.
    /// Needs gradient checkpointing.
    #[arg(long)]
    activation_offloading: bool,
    /// transformers (AutoModelForCausalLM + PEFT) or unsloth (FastLanguageModel, its RMSNorm and LoRA
    /// kernels).
    #[arg(long)]
    framework: Option<FrameworkArg>,
    /// Your GPU's memory in GiB, as nvidia-smi's total shows it (e.g. 48 for a 48 GB RTX 4090 D): prints
    /// the verdict, longest sequence, largest batch and advice for it, and decides the exit status. With
    /// --gpu, that card's CUDA context; without, the largest of any listed NVIDIA GPU (conservative).
    #[arg(long, value_name = "GIB", value_parser = parse_vram_gib)]
    vram_gib: Option<u64>,
    /// Exit 0 when the verdict is "tight" (the estimate fits, the top of its range does not).
    #[arg(long)]
    allow_tight: bool,
    /// Print the scenario as a ready-to-run setup instead of the estimate: a Python script
    /// (transformers + PEFT, or TRL, or a plain loop), an axolotl or a LLaMA-Factory YAML config.
    #[arg(long, value_name = "FORMAT", conflicts_with = "json")]
    export: Option<ExportArg>,
    /// Data-parallel GPUs in all (the `distributed` block; every figure is then per GPU).
    #[arg(long, value_name = "N")]
    gpus: Option<u64>,
    /// The data-parallel engine: ddp, fsdp, zero1, zero2 or zero3.
    #[arg(long)]
    strategy: Option<StrategyArg>,
    /// GPUs on each node (default: all on one node).
    #[arg(long, value_name = "N")]
    gpus_per_node: Option<u64>,
    /// FSDP's sharding: full_shard, shard_grad_op or hybrid_shard.
    #[arg(long)]
    fsdp_sharding: Option<FsdpShardingArg>,
    /// What moves to host memory: none, optimizer or optimizer_and_params.
    #[arg(long)]
    offload: Option<OffloadArg>,
    /// Unit of the readable output.
    #[arg(long, value_enum, default_value = "gib")]
    unit: Unit,
}

/// `--vram-gib`: a number of GiB within what `fit::fit_custom` accepts, as bytes.
fn parse_vram_gib(text: &str) -> Result<u64, String> {
    use lora_vram::fit::{MAX_CUSTOM_VRAM, MIN_CUSTOM_VRAM};
    let gib: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number of GiB, such as 24 or 47.5"))?;
    let bytes = gib * (1u64 << 30) as f64;
    if !(MIN_CUSTOM_VRAM as f64..=MAX_CUSTOM_VRAM as f64).contains(&bytes) {
        return Err(format!("must be between 1 and 1024 GiB, not {text}"));
    }
    Ok(bytes.round() as u64)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportArg {
    Python,
    Axolotl,
    #[value(name = "llamafactory", alias = "llama-factory")]
    LlamaFactory,
}

impl From<ExportArg> for lora_vram::export::Format {
    fn from(e: ExportArg) -> Self {
        match e {
            ExportArg::Python => Self::Python,
            ExportArg::Axolotl => Self::Axolotl,
            ExportArg::LlamaFactory => Self::LlamaFactory,
        }
    }
}

macro_rules! value_enum {
    ($name:ident => $target:ty { $($variant:ident = $value:expr, $s:literal),* $(,)? }) => {
        #[derive(Clone, Copy, Debug, ValueEnum)]
        enum $name { $( #[value(name = $s)] $variant ),* }
        impl From<$name> for $target {
            fn from(v: $name) -> $target { match v { $( $name::$variant => $value ),* } }
        }
    };
}

value_enum!(MethodArg => Method { Lora = Method::Lora, "lora", Qlora = Method::Qlora, "qlora", Full = Method::Full, "full" });
value_enum!(WeightDtypeArg => WeightDtype {
    Fp32 = WeightDtype::Fp32, "fp32", Bf16 = WeightDtype::Bf16, "bf16", Fp16 = WeightDtype::Fp16, "fp16",
    Int8 = WeightDtype::Int8, "int8", Nf4 = WeightDtype::Nf4, "nf4", Fp4 = WeightDtype::Fp4, "fp4",
});
value_enum!(AdapterDtypeArg => AdapterDtype { Fp32 = AdapterDtype::Fp32, "fp32", Bf16 = AdapterDtype::Bf16, "bf16", Fp16 = AdapterDtype::Fp16, "fp16" });
value_enum!(OptimizerArg => Optimizer {
    AdamwTorch = Optimizer::AdamwTorch, "adamw_torch",
    AdamwTorchFused = Optimizer::AdamwTorchFused, "adamw_torch_fused",
    Adamw8bit = Optimizer::Adamw8bit, "adamw_8bit",
    AdamwBnb8bit = Optimizer::Adamw8bit, "adamw_bnb_8bit",
    PagedAdamw8bit = Optimizer::PagedAdamw8bit, "paged_adamw_8bit",
    PagedAdamw32bit = Optimizer::PagedAdamw32bit, "paged_adamw_32bit",
    Sgd = Optimizer::Sgd, "sgd",
    Adafactor = Optimizer::Adafactor, "adafactor",
});
value_enum!(AttentionArg => AttentionImpl {
    Eager = AttentionImpl::Eager, "eager", Sdpa = AttentionImpl::Sdpa, "sdpa",
    Flash = AttentionImpl::FlashAttention2, "flash_attention_2",
});
value_enum!(SdpaKernelArg => SdpaKernel { Flash = SdpaKernel::Flash, "flash", Efficient = SdpaKernel::Efficient, "efficient" });
value_enum!(TrainerArg => Trainer {
    Transformers = Trainer::Transformers, "transformers", TrlSft = Trainer::TrlSft, "trl_sft",
    CustomLoop = Trainer::CustomLoop, "custom_loop",
});
value_enum!(LossArg => Loss {
    Standard = Loss::Standard, "standard", Chunked = Loss::Chunked, "chunked",
    FusedLinear = Loss::FusedLinear, "fused_linear", CutCrossEntropy = Loss::CutCrossEntropy, "cut_cross_entropy",
});
value_enum!(FrameworkArg => Framework { Transformers = Framework::Transformers, "transformers", Unsloth = Framework::Unsloth, "unsloth" });
value_enum!(StrategyArg => Strategy {
    Ddp = Strategy::Ddp, "ddp", Fsdp = Strategy::Fsdp, "fsdp", Zero1 = Strategy::Zero1, "zero1",
    Zero2 = Strategy::Zero2, "zero2", Zero3 = Strategy::Zero3, "zero3",
});
value_enum!(FsdpShardingArg => FsdpSharding {
    FullShard = FsdpSharding::FullShard, "full_shard", ShardGradOp = FsdpSharding::ShardGradOp, "shard_grad_op",
    HybridShard = FsdpSharding::HybridShard, "hybrid_shard",
});
value_enum!(OffloadArg => Offload {
    None = Offload::None, "none", Optimizer = Offload::Optimizer, "optimizer",
    OptimizerAndParams = Offload::OptimizerAndParams, "optimizer_and_params",
});
value_enum!(MixedPrecisionArg => MixedPrecision { Bf16 = MixedPrecision::Bf16, "bf16", Fp16 = MixedPrecision::Fp16, "fp16", No = MixedPrecision::No, "no" });

/// An error for the user: one line, no panic, and its exit status ([`exit`]).
#[derive(Debug)]
pub struct CliError(pub String, pub i32);

impl CliError {
    /// An input that could not be read ([`exit::UNREADABLE`]).
    fn unreadable(msg: String) -> CliError {
        CliError(msg, exit::UNREADABLE)
    }

    /// A scenario that cannot be estimated ([`exit::INVALID`]).
    fn invalid(msg: String) -> CliError {
        CliError(msg, exit::INVALID)
    }
}

/// The estimator's errors and anything else: the scenario cannot be estimated.
impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::invalid(e.to_string())
    }
}

fn read_scenario(path: &PathBuf, stdin: &mut dyn Read) -> Result<ScenarioInput, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        stdin.read_to_string(&mut s).map_err(|e| CliError::unreadable(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::unreadable(format!("cannot read {}: {e}", path.display())))?
    };
    Ok(ScenarioInput::from_json(&text)?)
}

/// An HTTP GET's outcome: the body, or the status, or a transport failure.
enum Fetched {
    Body(String),
    Status(u16),
    Offline(String),
}

fn get(url: &str) -> Fetched {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(url);
    if let Ok(token) = std::env::var("HF_TOKEN") {
        req = req.header("Authorization", &format!("Bearer {token}"));
    }
    match req.call() {
        Ok(mut r) if r.status().is_success() => match r.body_mut().with_config().limit(16 << 20).read_to_string() {
            Ok(body) => Fetched::Body(body),
            Err(e) => Fetched::Offline(e.to_string()),
        },
        Ok(r) => Fetched::Status(r.status().as_u16()),
        Err(e) => Fetched::Offline(e.to_string()),
    }
}

/// Resolves `--hf-id` to a model: the fetched config.json, or, for an architecture the estimator
/// does not know, the Hub's exact parameter count with an inferred shape (said on stderr).
fn fetch_model(id: &str, err: &mut dyn Write) -> Result<ModelInput, CliError> {
    use lora_vram::hub::{api_url, config_url, parse_model_info, validate_hub_id, DEFAULT_ENDPOINT};
    validate_hub_id(id)?;
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_string());
    let text = match get(&config_url(&endpoint, id)) {
        Fetched::Body(t) => t,
        Fetched::Status(404) => {
            return Err(CliError::invalid(format!("{id}: no such model on the Hub (404); check the spelling")))
        }
        Fetched::Status(401 | 403) => {
            return Err(CliError::unreadable(format!(
                "{id} is gated or private: accept its licence and set HF_TOKEN, or download config.json and pass --hf-config"
            )))
        }
        Fetched::Status(s) => {
            return Err(CliError::unreadable(format!(
                "{id}: the Hub answered HTTP {s}; try again, or pass --hf-config"
            )))
        }
        Fetched::Offline(e) => {
            return Err(CliError::unreadable(format!(
                "cannot reach {endpoint} ({e}); check the network, or pass --hf-config"
            )))
        }
    };
    let hf_config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid(format!("{id}: config.json is not valid JSON: {e}")))?;
    match lora_vram::config::parse_config(&hf_config) {
        Ok(_) => Ok(ModelInput::HfConfig { hf_config }),
        Err(e @ lora_vram::Error::UnsupportedModelType(_)) => {
            let info = match get(&api_url(&endpoint, id)) {
                Fetched::Body(t) => serde_json::from_str(&t).map(|v| parse_model_info(&v)).unwrap_or_default(),
                _ => Default::default(),
            };
            let params = info
                .params
                .ok_or_else(|| CliError::invalid(format!("{e}; the Hub gives no parameter count for {id}")))?;
            writeln!(
                err,
                "warning: {e}. Estimating from the Hub's parameter count ({params}) with an inferred architecture."
            )?;
            Ok(ModelInput::Params { params: params as f64 })
        }
        Err(e) => Err(e.into()),
    }
}

fn apply_flags(a: &EstimateArgs, mut i: ScenarioInput, err: &mut dyn Write) -> Result<ScenarioInput, CliError> {
    if let Some(id) = &a.hf_id {
        i.model = fetch_model(id.trim(), err)?;
    }
    if let Some(m) = &a.model {
        i.model = ModelInput::Id(m.clone());
    }
    if let Some(p) = a.params {
        i.model = ModelInput::Params { params: p };
    }
    if let Some(path) = &a.hf_config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::unreadable(format!("cannot read {}: {e}", path.display())))?;
        let hf_config: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| CliError::invalid(format!("{} is not valid JSON: {e}", path.display())))?;
        i.model = ModelInput::HfConfig { hf_config };
    }
    if let Some(m) = a.method {
        i.method = m.into();
    }
    if let Some(w) = a.weight_dtype {
        i.weight_dtype = Some(w.into());
    }
    macro_rules! set {
        ($($flag:ident => $($field:ident).+),* $(,)?) => { $( if let Some(v) = a.$flag { i.$($field).+ = v.into(); } )* };
    }
    set!(double_quant => double_quant, rank => lora.rank, alpha => lora.alpha, dropout => lora.dropout,
         adapter_dtype => lora.dtype, optimizer => optimizer, batch_size => batch_size, seq_len => seq_len,
         gradient_checkpointing => gradient_checkpointing, attention => attention, mixed_precision => mixed_precision,
         sdpa_kernel => sdpa_kernel, trainer => trainer);
    if let Some(g) = &a.gpu {
        i.gpu = Some(g.clone());
    }
    if let Some(t) = &a.targets {
        i.lora.targets = match t.as_str() {
            "all-linear" | "qv" | "attention" => TargetSpec::Shorthand(t.clone()),
            list => {
                TargetSpec::Modules(list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            }
        };
    }
    if let Some(m) = &a.modules_to_save {
        i.lora.modules_to_save = m.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    }
    if a.use_liger_kernel {
        i.use_liger_kernel = true;
    }
    if a.activation_offloading {
        i.activation_offloading = true;
    }
    if let Some(l) = a.loss {
        i.loss = Some(l.into());
    }
    if let Some(c) = a.loss_chunks {
        i.loss_chunks = Some(c);
    }
    if let Some(f) = a.framework {
        i.framework = f.into();
    }
    if let Some(p) = a.prepare_kbit {
        i.prepare_kbit = Some(p);
    }
    if a.gpus.is_some()
        || a.strategy.is_some()
        || a.gpus_per_node.is_some()
        || a.fsdp_sharding.is_some()
        || a.offload.is_some()
    {
        let mut d = i.distributed.take().unwrap_or_default();
        if let Some(n) = a.gpus {
            d.gpus = n;
        }
        if let Some(st) = a.strategy {
            d.strategy = st.into();
        }
        if let Some(n) = a.gpus_per_node {
            d.gpus_per_node = Some(n);
        }
        if let Some(f) = a.fsdp_sharding {
            d.fsdp_sharding = Some(f.into());
        }
        if let Some(o) = a.offload {
            d.offload = o.into();
        }
        i.distributed = Some(d);
    }
    if let Some(mib) = a.cuda_context_mib {
        i.cuda_context_bytes =
            Some(mib.checked_mul(1 << 20).ok_or(CliError("--cuda-context-mib is too large".into(), exit::USAGE))?);
    }
    Ok(i)
}

/// Formats bytes in the chosen unit, with the unit named.
pub fn bytes(b: u64, unit: Unit) -> String {
    match unit {
        Unit::Gb => format!("{:.2} GB", b as f64 / 1e9),
        Unit::Gib => format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64),
    }
}

fn both(b: u64) -> String {
    format!("{} ({})", bytes(b, Unit::Gib), bytes(b, Unit::Gb))
}

fn params(n: u64) -> String {
    if n >= 1_000_000_000 {
        format!("{:.2}B", n as f64 / 1e9)
    } else {
        format!("{:.2}M", n as f64 / 1e6)
    }
}

fn describe_model(s: &Scenario) -> String {
    let a = &s.arch;
    let shape =
        format!("{} layers, hidden {}, {} heads ({} kv), vocab {}", a.layers, a.hidden, a.heads, a.kv_heads, a.vocab);
    match s.source {
        ModelSource::Preset(i) => format!("{} ({shape})", MODELS[i].id),
        ModelSource::Config => format!("config.json, {} ({shape})", a.model_type.as_str()),
        ModelSource::Inferred { requested } => {
            format!("inferred from {} parameters: a Llama-3-style decoder ({shape})", params(requested))
        }
    }
}

/// The GPU whose verdict was asked for (`--gpu`, `--vram-gib`): what the exit status reports.
struct Target {
    /// Its name, with the memory when it is `--vram-gib`'s.
    name: String,
    /// Its memory, bytes.
    vram: u64,
    /// Whether FlashAttention-2 runs on it (unknown for a custom GPU: no).
    flash_attn2: bool,
    /// The fit.
    fit: Fit,
}

fn target(s: &Scenario, a: &EstimateArgs) -> Result<Option<Target>, CliError> {
    let named = s.gpu.and_then(|i| GPUS.get(i));
    if let Some(vram) = a.vram_gib {
        let name = match named {
            Some(g) => format!("{} with {}", g.name, bytes(vram, Unit::Gib)),
            None => format!("your GPU ({})", bytes(vram, Unit::Gib)),
        };
        let fit = lora_vram::fit::fit_custom(s, vram)?;
        return Ok(Some(Target { name, vram, flash_attn2: named.is_some_and(|g| g.flash_attn2), fit }));
    }
    Ok(match (&a.gpu, s.gpu, named) {
        (Some(_), Some(i), Some(g)) => {
            Some(Target { name: g.name.into(), vram: g.vram_bytes, flash_attn2: g.flash_attn2, fit: fit(s, i, g) })
        }
        _ => None,
    })
}

fn print_target(out: &mut dyn Write, s: &Scenario, t: &Target, u: Unit) -> Result<(), CliError> {
    let f = &t.fit;
    writeln!(out)?;
    let verdict = match f.verdict {
        Verdict::Fits => "fits",
        Verdict::Tight => "tight: the estimate fits, the top of its range does not; it may run out of memory",
        Verdict::DoesNotFit => "does not fit",
    };
    writeln!(out, "{}: {verdict}", t.name)?;
    let head = if f.headroom < 0 {
        format!("-{}", bytes(f.headroom.unsigned_abs().min(u128::from(u64::MAX)) as u64, u))
    } else {
        bytes(f.headroom as u64, u)
    };
    writeln!(out, "  headroom {head}, longest sequence {}, largest batch {}", f.max_seq_len, f.max_batch_size)?;
    for w in f.warnings() {
        writeln!(out, "  warning: {}", w.as_str())?;
    }
    let advice = advise(s, t.vram, t.flash_attn2);
    if !advice.is_empty() {
        writeln!(out, "To make it fit, least disruptive first:")?;
    }
    for ad in advice.iter() {
        let what = ad.changes.iter().map(|c| change_text(*c)).collect::<Vec<_>>().join(" + ");
        writeln!(out, "  - {what:<52} → {} ({})", bytes(ad.total, u), ad.verdict.as_str().replace('_', " "))?;
    }
    Ok(())
}

fn describe_distributed(d: &lora_vram::distributed::Distributed) -> String {
    let engine = match d.strategy {
        Strategy::Ddp => "DDP".to_string(),
        Strategy::Fsdp => format!("FSDP {}", d.fsdp_sharding.as_str()),
        z => format!("DeepSpeed ZeRO-{}", z.zero_stage()),
    };
    let nodes = d.nodes();
    let layout = if nodes > 1 { format!("{nodes} nodes × {}", d.gpus_per_node) } else { "one node".to_string() };
    let offload = match d.offload {
        Offload::None => String::new(),
        o => format!(", offload {}", o.as_str()),
    };
    format!(
        "{engine} on {} GPU{} ({layout}){offload}; every figure below is per GPU",
        d.gpus,
        if d.gpus == 1 { "" } else { "s" }
    )
}

fn print_estimate(
    out: &mut dyn Write,
    s: &Scenario,
    a: &EstimateArgs,
    target: Option<&Target>,
) -> Result<(), CliError> {
    let e = estimate(s);
    let u = a.unit;
    let (lo, hi) = e.range();
    writeln!(out, "model      {}", describe_model(s))?;
    writeln!(
        out,
        "params     {} total, {} trainable ({:.3}%)",
        params(e.total_params),
        params(e.trainable_params),
        e.trainable_params as f64 * 100.0 / e.total_params.max(1) as f64
    )?;
    let per_gpu = if let Some(d) = &s.distributed {
        writeln!(out, "engine     {}", describe_distributed(d))?;
        if let Some(n) = d.notice() {
            writeln!(out, "           note: {}", n.as_str())?;
        }
        " per GPU"
    } else {
        ""
    };
    writeln!(out)?;
    writeln!(out, "peak VRAM  {}   (range {} – {}, nvidia-smi{per_gpu})", both(e.total()), bytes(lo, u), bytes(hi, u))?;
    writeln!(
        out,
        "allocated  {}   (torch.cuda.max_memory_allocated, at {})",
        both(e.peak_allocated),
        e.phase.as_str()
    )?;
    writeln!(out)?;
    let rows = [
        ("1 weights", e.weights),
        ("2 adapter", e.adapter.total()),
        ("    params", e.adapter.params),
        ("    gradients*", e.adapter.gradients),
        ("    optimizer", e.adapter.optimizer),
        ("3 activations", e.activations),
        ("    logits/loss", e.logits),
        ("4 overhead", e.overhead.total()),
        ("    CUDA context", e.overhead.cuda_context),
        ("    cuBLAS", e.overhead.cublas_workspace),
        ("    allocator", e.overhead.allocator),
        ("    NCCL", e.overhead.nccl),
    ];
    for (name, b) in rows {
        if name == "    NCCL" && s.distributed.is_none() {
            continue;
        }
        writeln!(out, "  {name:<16} {:>12}", bytes(b, u))?;
    }
    if s.distributed.is_some() {
        let g = &e.engine;
        writeln!(
            out,
            "  engine: {} of gathered parameters in weights, {} of gradient buffers in gradients",
            bytes(g.gathered_params, u),
            bytes(g.grad_buffers, u)
        )?;
    }
    writeln!(out, "  * alive at the peak ({}); zero_grad(set_to_none=True) frees them every step", e.phase.as_str())?;
    if e.host_per_node(s) > 0 {
        writeln!(
            out,
            "host RAM   {} per node (offloaded states and activations, pinned buffers, model loading)",
            both(e.host_per_node(s))
        )?;
    }
    if e.paged_optimizer {
        writeln!(out, "  note: the paged optimizer's state can spill to CPU RAM under memory pressure")?;
    }
    writeln!(out)?;
    let w = GPUS.iter().map(|g| g.name.chars().count()).max().unwrap_or(0);
    writeln!(
        out,
        "  {:<w$} {:>10} {:<13} {:>11} {:>9} {:>9} {:>11}",
        "GPU", "VRAM", "verdict", "headroom", "max seq", "max batch", "GPUs needed"
    )?;
    for f in gpu_table(s) {
        let g = &GPUS[f.gpu];
        let head = if f.headroom < 0 {
            format!("-{}", bytes(f.headroom.unsigned_abs().min(u64::MAX as u128) as u64, u))
        } else {
            bytes(f.headroom as u64, u)
        };
        let verdict = match f.verdict {
            Verdict::Fits => "fits",
            Verdict::Tight => "tight",
            Verdict::DoesNotFit => "does not fit",
        };
        let needed = f.gpus_needed.map_or_else(|| "-".to_string(), |n| n.to_string());
        writeln!(
            out,
            "  {:<w$} {:>10} {:<13} {:>11} {:>9} {:>9} {:>11}",
            g.name,
            bytes(g.vram_bytes, u),
            verdict,
            head,
            f.max_seq_len,
            f.max_batch_size,
            needed
        )?;
    }
    if let Some(t) = target {
        print_target(out, s, t, u)?;
    }
    Ok(())
}

/// One change, as the setting a user types.
fn change_text(c: Change) -> String {
    match c {
        Change::GradientCheckpointing => "gradient_checkpointing=True".to_string(),
        Change::BatchOneWithAccumulation { accumulation_steps } => {
            format!("batch size 1 with gradient_accumulation_steps={accumulation_steps}")
        }
        Change::Attention(att) => format!("attn_implementation=\"{}\"", att.as_str()),
        Change::Optimizer(o) if o.is_paged() => format!("optim=\"{}\" (state may page to CPU)", o.as_str()),
        Change::Optimizer(o) => format!("optim=\"{}\"", o.as_str()),
        Change::Qlora => "QLoRA: 4-bit nf4 with double quantization".to_string(),
        Change::Liger => "use_liger_kernel=True (Liger's kernels and fused linear cross-entropy)".to_string(),
        Change::ActivationOffloading => "activation_offloading=True (layer inputs in CPU RAM)".to_string(),
        Change::CutCrossEntropy => "cut_cross_entropy: true (axolotl's Cut Cross-Entropy plugin)".to_string(),
        Change::Rank(r) => format!("LoRA rank r={r}"),
        Change::AttentionTargets => "LoRA on the attention projections only".to_string(),
        Change::OffloadOptimizer => "DeepSpeed offload_optimizer (optimizer state and step in CPU RAM)".to_string(),
        Change::Shard { strategy, gpus } => format!(
            "{} across {gpus} GPUs (per GPU)",
            match strategy {
                Strategy::Fsdp => "FSDP full_shard",
                _ => "DeepSpeed ZeRO-3",
            }
        ),
        Change::SeqLen(n) => format!("max sequence length {n}"),
    }
}

/// Runs the CLI; returns the process exit code.
pub fn run(args: Vec<String>, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = if e.use_stderr() { write!(err, "{e}") } else { write!(out, "{e}") };
            return code;
        }
    };
    match execute(cli, stdin, out, err) {
        Ok(code) => code,
        // `lora-vram models | head`: the reader left; that is not an error.
        Err(CliError(msg, _)) if msg.contains("Broken pipe") => exit::OK,
        Err(CliError(msg, code)) => {
            let _ = writeln!(err, "error: {msg}");
            code
        }
    }
}

/// Runs a parsed command; the exit status ([`exit`]).
fn execute(cli: Cli, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, CliError> {
    match cli.command {
        Command::Models => {
            for m in MODELS {
                writeln!(out, "{:<48} {:>9}  {}", m.id, params(m.arch.params().total()), m.family)?;
            }
        }
        Command::Gpus => {
            // Column widths from the data: "Ada Lovelace" and "NVIDIA RTX 6000 Ada Generation" are the
            // longest today, and the next row added may be longer (issue 10).
            let width = |f: fn(&lora_vram::gpus::Gpu) -> &str| GPUS.iter().map(|g| f(g).chars().count()).max();
            let id = width(|g| g.id).unwrap_or(0);
            let name = width(|g| g.name).unwrap_or(0);
            let arch = width(|g| g.arch.as_str()).unwrap_or(0);
            for g in GPUS {
                writeln!(
                    out,
                    "{:<id$}  {:<name$}  {:>10}  {:<arch$}  bf16:{:<3} fa2:{}",
                    g.id,
                    g.name,
                    bytes(g.vram_bytes, Unit::Gib),
                    g.arch.as_str(),
                    if g.bf16 { "yes" } else { "no" },
                    if g.flash_attn2 { "yes" } else { "no" }
                )?;
            }
        }
        Command::Estimate(a) => {
            let base = match &a.scenario {
                Some(p) => read_scenario(p, stdin)?,
                None => ScenarioInput::default(),
            };
            let input = apply_flags(&a, base, err)?;
            let s = Scenario::try_from(&input)?;
            let target = target(&s, &a)?;
            if let Some(format) = a.export {
                let model = a.hf_id.as_deref().map(str::trim);
                write!(out, "{}", lora_vram::export::render(&s, model, format.into()))?;
            } else if a.json {
                // The report's own field order (the page prints the same bytes), with `custom_gpu`
                // after its fields when --vram-gib asks for it.
                #[derive(serde::Serialize)]
                struct WithCustom<'a> {
                    #[serde(flatten)]
                    report: &'a lora_vram::report::Report,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    custom_gpu: Option<serde_json::Value>,
                }
                let r = report(&s);
                let custom_gpu = target.as_ref().filter(|_| a.vram_gib.is_some()).map(|t| {
                    let f = &t.fit;
                    serde_json::json!({
                        "vram_bytes": t.vram,
                        "verdict": f.verdict.as_str(),
                        "headroom_bytes": i64::try_from(f.headroom).unwrap_or(i64::MIN),
                        "max_seq_len": f.max_seq_len,
                        "max_batch_size": f.max_batch_size,
                    })
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&WithCustom { report: &r, custom_gpu })?)?;
            } else {
                print_estimate(out, &s, &a, target.as_ref())?;
            }
            return Ok(match target.map(|t| t.fit.verdict) {
                None | Some(Verdict::Fits) => exit::OK,
                Some(Verdict::Tight) if a.allow_tight => exit::OK,
                Some(_) => exit::DOES_NOT_FIT,
            });
        }
    }
    Ok(exit::OK)
}
