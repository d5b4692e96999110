//! The `lora-vram` command line: a thin layer over the estimator crate.
//!
//! `run` parses arguments, reads the scenario, and prints; every formula lives in `lora-vram`.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use lora_vram::advice::{advise, Change};
use lora_vram::distributed::{FsdpSharding, Offload, Strategy};
use lora_vram::fit::gpu_table;
use lora_vram::gpus::GPUS;
use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::report::report;
use lora_vram::scenario::{
    AdapterDtype, AttentionImpl, Method, MixedPrecision, ModelSource, Optimizer, SdpaKernel, TargetSpec, Trainer,
    WeightDtype,
};
use lora_vram::{estimate, Scenario};

/// Peak-VRAM calculator for LoRA / QLoRA / full fine-tuning.
#[derive(Parser, Debug)]
#[command(name = "lora-vram", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Estimate the peak memory of a training step.
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

/// An error for the user: one line, no panic.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

fn read_scenario(path: &PathBuf, stdin: &mut dyn Read) -> Result<ScenarioInput, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        stdin.read_to_string(&mut s).map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?
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
        Fetched::Status(404) => return Err(CliError(format!("{id}: no such model on the Hub (404); check the spelling"))),
        Fetched::Status(401 | 403) => {
            return Err(CliError(format!(
                "{id} is gated or private: accept its licence and set HF_TOKEN, or download config.json and pass --hf-config"
            )))
        }
        Fetched::Status(s) => return Err(CliError(format!("{id}: the Hub answered HTTP {s}; try again, or pass --hf-config"))),
        Fetched::Offline(e) => {
            return Err(CliError(format!("cannot reach {endpoint} ({e}); check the network, or pass --hf-config")))
        }
    };
    let hf_config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| CliError(format!("{id}: config.json is not valid JSON: {e}")))?;
    match lora_vram::config::parse_config(&hf_config) {
        Ok(_) => Ok(ModelInput::HfConfig { hf_config }),
        Err(e @ lora_vram::Error::UnsupportedModelType(_)) => {
            let info = match get(&api_url(&endpoint, id)) {
                Fetched::Body(t) => serde_json::from_str(&t).map(|v| parse_model_info(&v)).unwrap_or_default(),
                _ => Default::default(),
            };
            let params =
                info.params.ok_or_else(|| CliError(format!("{e}; the Hub gives no parameter count for {id}")))?;
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
        let text =
            std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?;
        let hf_config: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CliError(format!("{} is not valid JSON: {e}", path.display())))?;
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
            Some(mib.checked_mul(1 << 20).ok_or(CliError("--cuda-context-mib is too large".into()))?);
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

fn print_estimate(out: &mut dyn Write, s: &Scenario, a: &EstimateArgs) -> Result<(), CliError> {
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
        writeln!(
            out,
            "host RAM   {} per node (offloaded states, pinned buffers, model loading)",
            both(e.host_bytes_per_node)
        )?;
    }
    writeln!(out, "  * alive at the peak ({}); zero_grad(set_to_none=True) frees them every step", e.phase.as_str())?;
    if e.paged_optimizer {
        writeln!(out, "  note: the paged optimizer's state can spill to CPU RAM under memory pressure")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  {:<28} {:>10} {:<13} {:>11} {:>9} {:>9} {:>11}",
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
            lora_vram::fit::Verdict::Fits => "fits",
            lora_vram::fit::Verdict::Tight => "tight",
            lora_vram::fit::Verdict::DoesNotFit => "does not fit",
        };
        let needed = f.gpus_needed.map_or_else(|| "-".to_string(), |n| n.to_string());
        writeln!(
            out,
            "  {:<30} {:>10} {:<13} {:>11} {:>9} {:>9} {:>11}",
            g.name,
            bytes(g.vram_bytes, u),
            verdict,
            head,
            f.max_seq_len,
            f.max_batch_size,
            needed
        )?;
    }
    if let Some(id) = &a.gpu {
        let i = lora_vram::gpus::find_gpu(id)
            .ok_or_else(|| CliError(format!("unknown GPU `{id}`: `lora-vram gpus` lists the ids")))?;
        let g = &GPUS[i];
        let f = lora_vram::fit::fit(s, i, g);
        writeln!(out)?;
        writeln!(out, "{}: {}", g.name, f.verdict.as_str().replace('_', " "))?;
        for w in f.warnings() {
            writeln!(out, "  warning: {}", w.as_str())?;
        }
        let advice = advise(s, g.vram_bytes, g.flash_attn2);
        if !advice.is_empty() {
            writeln!(out, "To make it fit, least disruptive first:")?;
        }
        for ad in advice.iter() {
            let what = match ad.change {
                Change::GradientCheckpointing => "turn on gradient checkpointing".to_string(),
                Change::BatchOneWithAccumulation { accumulation_steps } => {
                    format!("batch size 1 with gradient_accumulation_steps={accumulation_steps}")
                }
                Change::Attention(att) => format!("attn_implementation=\"{}\"", att.as_str()),
                Change::Adamw8bit => "optim=\"adamw_8bit\"".to_string(),
                Change::PagedAdamw => "optim=\"paged_adamw_8bit\" (state may page to CPU)".to_string(),
                Change::Qlora => "QLoRA: 4-bit nf4 with double quantization".to_string(),
                Change::SeqLen(n) => format!("max sequence length {n}"),
                Change::All => "all of the above".to_string(),
            };
            writeln!(out, "  - {what:<52} → {} ({})", bytes(ad.total, u), ad.verdict.as_str().replace('_', " "))?;
        }
    }
    Ok(())
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
        Ok(()) => 0,
        // `lora-vram models | head`: the reader left; that is not an error.
        Err(CliError(msg)) if msg.contains("Broken pipe") => 0,
        Err(CliError(msg)) => {
            let _ = writeln!(err, "error: {msg}");
            1
        }
    }
}

fn execute(cli: Cli, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    match cli.command {
        Command::Models => {
            for m in MODELS {
                writeln!(out, "{:<48} {:>9}  {}", m.id, params(m.arch.params().total()), m.family)?;
            }
        }
        Command::Gpus => {
            for g in GPUS {
                writeln!(
                    out,
                    "{:<18} {:<28} {:>10}  {:<10} bf16:{:<3} fa2:{}",
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
            if a.json {
                let text = serde_json::to_string_pretty(&report(&s))?;
                writeln!(out, "{text}")?;
            } else {
                print_estimate(out, &s, &a)?;
            }
        }
    }
    Ok(())
}
