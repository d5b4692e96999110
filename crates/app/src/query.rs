//! The URL query: the whole scenario, plus the page's own settings, in kebab-case keys.
//!
//! Scenario fields use the JSON contract's names in kebab-case, LoRA fields prefixed `lora-`
//! (`seq-len=4096`, `lora-rank=64`, `lora-targets=q_proj,v_proj`); only values that differ from
//! the defaults are written, so a shared link stays short. The model is `model=<preset id>`,
//! `model-params=7e9` or `model-config=<config.json>`. `s=<scenario JSON>` is accepted too, with
//! individual keys applied on top. The embed widget passes its element's `data-*` attributes
//! through unchanged, so `data-seq-len="4096"` arrives as `seq-len=4096`.
//!
//! Decoding never fails: a value that does not parse, or a combination the estimator rejects,
//! falls back to the default for that one field and yields a [`Notice`] the page shows.
//!
//! A model imported from the Hub is written `hf=owner/name` instead of its whole config; the page
//! loads it again from its cache or the Hub ([`HF_KEY`]).

use lora_vram::distributed::{FsdpSharding, Offload, Strategy};
use lora_vram::input::{DistributedInput, LoraInput, ModelInput, ScenarioInput};
use lora_vram::scenario::{
    AdapterDtype, AttentionImpl, Framework, Loss, Method, MixedPrecision, Optimizer, SdpaKernel, TargetSpec, Trainer,
    WeightDtype,
};
use lora_vram::Scenario;
use serde_json::Value;

use crate::format::float;

/// Something in the URL (or the page's own checks) that was ignored or changed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The parameter (or field) concerned, as the user wrote it (clipped for display).
    pub param: String,
    /// Why; [`crate::i18n::Text::reason`] words it in the page's language.
    pub reason: Reason,
}

/// Why a notice was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The value does not parse: what was expected.
    Expected(Expect),
    /// The estimator rejected it (its error, which the page translates).
    Estimator(lora_vram::Error),
    /// Not a scenario field.
    NotAField,
    /// Given more than once: the last one is used.
    Repeated,
    /// A page setting (lang, theme, unit) with a value the page does not know.
    UnknownValue,
    /// Not a GPU id of the table.
    UnknownGpu,
    /// The value is longer than any valid one: ignored.
    TooLong,
    /// This many more parameters were not read.
    TooMany(usize),
    /// `lora_dropout` was set to 0: PEFT refuses dropout on MoE experts it wraps.
    MoeDropout,
}

/// What a parameter's value should have been.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A preset id.
    PresetId,
    /// A parameter count such as 7e9.
    ParamCount,
    /// A whole number.
    WholeNumber,
    /// A number.
    Number,
    /// true or false.
    Bool,
    /// A config.json (the JSON parser's message is not translated).
    Config,
    /// One of these code values.
    OneOf(&'static str),
}

/// Longest value read from a query parameter (a config.json, or a `?s=` scenario).
pub const MAX_VALUE_LEN: usize = 256 * 1024;
/// Longest value of any other parameter: every valid one is far shorter.
pub const MAX_SHORT_VALUE_LEN: usize = 512;
/// Most parameters read from a query; a real scenario has fewer than 40.
pub const MAX_PAIRS: usize = 100;

/// Keys the page itself uses (not scenario fields).
pub const UI_KEYS: &[&str] = &[
    "lang", "theme", "unit", "gpu", "filter", "sort", "embed", "controls", "gpus", "id", "host", "accent", "font",
    "radius", "bg",
];

/// The model as a Hugging Face id to import (`hf=Qwen/Qwen2.5-7B`): a scenario key, since it
/// names the model, but one that the page resolves by fetching (or from its cache), not here.
pub const HF_KEY: &str = "hf";

/// Splits a query string (with or without the leading `?`) into decoded pairs; at most
/// [`MAX_PAIRS`] + 1 are decoded (the extra one tells the caller there were more).
pub fn parse(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .take(MAX_PAIRS + 1)
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// How many `&`-separated parameters a query has (without decoding them).
pub fn count(query: &str) -> usize {
    query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()).count()
}

/// Percent-decoding, with `+` as a space; invalid escapes are kept as written.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding for a query value; keeps `/`, `,` and `:` readable.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-._~/,:".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// Joins pairs into `?k=v&…` (empty string for no pairs).
pub fn join(pairs: &[(String, String)]) -> String {
    let mut q = String::new();
    for (k, v) in pairs {
        q.push(if q.is_empty() { '?' } else { '&' });
        q.push_str(&encode(k));
        q.push('=');
        q.push_str(&encode(v));
    }
    q
}

/// An enum of the scenario contract, by its JSON spelling (`Method::Qlora` → `"qlora"`). The
/// estimator's `as_str` gives it, so that serde's serializers stay out of the page (a test in the
/// estimator checks that the two agree).
pub trait Spelled: Copy {
    /// The JSON spelling.
    fn spell(self) -> &'static str;
}

macro_rules! spelled {
    ($($t:ty),*) => {$(impl Spelled for $t { fn spell(self) -> &'static str { self.as_str() } })*};
}
spelled!(
    Method,
    WeightDtype,
    AdapterDtype,
    Optimizer,
    AttentionImpl,
    MixedPrecision,
    SdpaKernel,
    Trainer,
    Loss,
    Framework,
    Strategy,
    FsdpSharding,
    Offload
);

/// The JSON spelling of an enum.
pub fn spell<T: Spelled>(v: &T) -> String {
    v.spell().to_string()
}

/// Parses an enum from its JSON spelling, among `all`.
pub fn unspell<T: Spelled>(all: &[T], s: &str) -> Option<T> {
    let s = s.trim();
    all.iter().copied().find(|x| x.spell() == s)
}

/// Every method, in picker order.
pub const METHODS: [Method; 3] = [Method::Lora, Method::Qlora, Method::Full];
/// Every weight precision, in picker order.
pub const WEIGHT_DTYPES: [WeightDtype; 6] =
    [WeightDtype::Bf16, WeightDtype::Fp16, WeightDtype::Fp32, WeightDtype::Int8, WeightDtype::Nf4, WeightDtype::Fp4];
/// Every adapter dtype.
pub const ADAPTER_DTYPES: [AdapterDtype; 3] = [AdapterDtype::Fp32, AdapterDtype::Bf16, AdapterDtype::Fp16];
/// Every attention kernel, in picker order.
pub const ATTENTIONS: [AttentionImpl; 3] = [AttentionImpl::Sdpa, AttentionImpl::FlashAttention2, AttentionImpl::Eager];
/// Every mixed-precision mode.
pub const PRECISIONS: [MixedPrecision; 3] = [MixedPrecision::Bf16, MixedPrecision::Fp16, MixedPrecision::No];
/// Every SDPA kernel, in picker order.
pub const SDPA_KERNELS: [SdpaKernel; 2] = [SdpaKernel::Flash, SdpaKernel::Efficient];
/// Every framework, in picker order.
pub const FRAMEWORKS: [Framework; 2] = [Framework::Transformers, Framework::Unsloth];
/// Every training loop, in picker order.
pub const TRAINERS: [Trainer; 3] = Trainer::ALL;

/// A scenario JSON object (DESIGN.md's contract) as query pairs, so that `?s=` and stored
/// scenarios go through the same field-by-field checks as individual parameters.
pub fn json_to_pairs(v: &Value) -> Result<Vec<(String, String)>, String> {
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(","),
            other => crate::format::json(other),
        }
    }
    let obj = v.as_object().ok_or("the scenario must be a JSON object")?;
    let mut out = Vec::new();
    for (k, v) in obj {
        let key = k.replace('_', "-");
        match (k.as_str(), v) {
            ("model", Value::Object(m)) => {
                if let Some(p) = m.get("params") {
                    out.push(("model-params".into(), scalar(p)));
                } else if let Some(c) = m.get("hf_config") {
                    out.push(("model-config".into(), crate::format::json(c)));
                } else {
                    return Err("`model` must be a preset id, {\"params\": …} or {\"hf_config\": …}".into());
                }
            }
            ("distributed", Value::Object(d)) => {
                for (dk, dv) in d {
                    let key = if dk == "gpus" { "num-gpus".to_string() } else { dk.replace('_', "-") };
                    out.push((key, scalar(dv)));
                }
            }
            ("lora", Value::Object(l)) => {
                for (lk, lv) in l {
                    out.push((format!("lora-{}", lk.replace('_', "-")), scalar(lv)));
                }
            }
            (_, Value::Null) => {}
            _ => out.push((key, scalar(v))),
        }
    }
    Ok(out)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim().replace(['_', ','], "");
    s.parse::<u64>().ok().or_else(|| {
        // 7e9, 1.5e3: a float that is an exact integer.
        let f: f64 = crate::format::parse_f64(&s)?;
        (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64)
    })
}

fn parse_f64(s: &str) -> Option<f64> {
    crate::format::parse_f64(s)
}

/// `lora.targets` from its URL spelling.
pub fn parse_targets(s: &str) -> TargetSpec {
    let s = s.trim();
    match s {
        "all-linear" | "all_linear" | "qv" | "attention" => TargetSpec::Shorthand(s.to_string()),
        _ => TargetSpec::Modules(s.split(',').map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect()),
    }
}

/// `lora.targets` in its URL spelling.
pub fn targets_str(t: &TargetSpec) -> String {
    match t {
        TargetSpec::Shorthand(s) => s.clone(),
        TargetSpec::Modules(m) => m.join(","),
    }
}

/// The scenario as query pairs, only fields that differ from [`ScenarioInput::default`].
pub fn encode_scenario(i: &ScenarioInput) -> Vec<(String, String)> {
    let d = ScenarioInput::default();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| out.push((k.to_string(), v));
    if i.model != d.model {
        match &i.model {
            ModelInput::Id(id) => put("model", id.clone()),
            ModelInput::Params { params } => put("model-params", float(*params)),
            ModelInput::HfConfig { hf_config } => put("model-config", crate::format::json(hf_config)),
        }
    }
    if i.method != d.method {
        put("method", spell(&i.method));
    }
    if let Some(w) = i.weight_dtype {
        put("weight-dtype", spell(&w));
    }
    if i.double_quant != d.double_quant {
        put("double-quant", i.double_quant.to_string());
    }
    let (l, dl) = (&i.lora, &d.lora);
    if l.rank != dl.rank {
        put("lora-rank", l.rank.to_string());
    }
    if l.alpha != dl.alpha {
        put("lora-alpha", float(l.alpha));
    }
    if l.targets != dl.targets {
        put("lora-targets", targets_str(&l.targets));
    }
    if l.dropout != dl.dropout {
        put("lora-dropout", float(l.dropout));
    }
    if l.dtype != dl.dtype {
        put("lora-dtype", spell(&l.dtype));
    }
    if l.modules_to_save != dl.modules_to_save {
        put("lora-modules-to-save", l.modules_to_save.join(","));
    }
    if i.optimizer != d.optimizer {
        put("optimizer", spell(&i.optimizer));
    }
    if i.batch_size != d.batch_size {
        put("batch-size", i.batch_size.to_string());
    }
    if i.seq_len != d.seq_len {
        put("seq-len", i.seq_len.to_string());
    }
    if i.gradient_checkpointing != d.gradient_checkpointing {
        put("gradient-checkpointing", i.gradient_checkpointing.to_string());
    }
    if i.attention != d.attention {
        put("attention", spell(&i.attention));
    }
    if i.mixed_precision != d.mixed_precision {
        put("mixed-precision", spell(&i.mixed_precision));
    }
    if i.sdpa_kernel != d.sdpa_kernel {
        put("sdpa-kernel", spell(&i.sdpa_kernel));
    }
    if i.trainer != d.trainer {
        put("trainer", spell(&i.trainer));
    }
    if let Some(p) = i.prepare_kbit {
        put("prepare-kbit", p.to_string());
    }
    if let Some(c) = i.cuda_context_bytes {
        put("cuda-context-bytes", c.to_string());
    }
    if i.use_liger_kernel {
        put("use-liger-kernel", "true".into());
    }
    if let Some(l) = i.loss {
        put("loss", l.as_str().into());
    }
    if let Some(n) = i.loss_chunks {
        put("loss-chunks", n.to_string());
    }
    if i.activation_offloading {
        put("activation-offloading", "true".into());
    }
    if i.framework != d.framework {
        put("framework", i.framework.as_str().into());
    }
    // The `distributed` block, flat: `strategy`, `num-gpus` (`gpus` names the widget's GPU list),
    // `gpus-per-node`, `fsdp-sharding`, `offload`.
    if let Some(dist) = &i.distributed {
        put("strategy", dist.strategy.as_str().into());
        put("num-gpus", dist.gpus.to_string());
        if let Some(n) = dist.gpus_per_node {
            put("gpus-per-node", n.to_string());
        }
        if let Some(f) = dist.fsdp_sharding {
            put("fsdp-sharding", f.as_str().into());
        }
        if dist.offload != lora_vram::distributed::Offload::None {
            put("offload", dist.offload.as_str().into());
        }
    }
    out
}

/// Applies one scenario key; `Err` carries the reason it was ignored, `Ok(false)` means "not a scenario key".
fn apply(i: &mut ScenarioInput, key: &str, v: &str) -> Result<bool, Reason> {
    fn need<T>(x: Option<T>, what: Expect) -> Result<T, Reason> {
        x.ok_or(Reason::Expected(what))
    }
    let long = matches!(key, "model-config" | "hf-config");
    if v.len() > if long { MAX_VALUE_LEN } else { MAX_SHORT_VALUE_LEN } {
        return Err(Reason::TooLong);
    }
    let l: &mut LoraInput = &mut i.lora;
    match key.replace('_', "-").as_str() {
        "model" => {
            let v = v.trim();
            if v.is_empty() {
                return Err(Reason::Expected(Expect::PresetId));
            } else {
                i.model = ModelInput::Id(v.to_string());
            }
        }
        "model-params" | "params" => {
            let p = need(parse_f64(v), Expect::ParamCount)?;
            i.model = ModelInput::Params { params: p };
        }
        "model-config" | "hf-config" => {
            let c: Value = serde_json::from_str(v).map_err(|_| Reason::Expected(Expect::Config))?;
            i.model = ModelInput::HfConfig { hf_config: c };
        }
        "method" => i.method = need(unspell(&METHODS, v), Expect::OneOf("lora, qlora, full"))?,
        "weight-dtype" => {
            i.weight_dtype = Some(need(unspell(&WEIGHT_DTYPES, v), Expect::OneOf("fp32, bf16, fp16, int8, nf4, fp4"))?)
        }
        "double-quant" => i.double_quant = need(parse_bool(v), Expect::Bool)?,
        "lora-rank" | "rank" | "r" => l.rank = need(parse_u64(v), Expect::WholeNumber)?,
        "lora-alpha" | "alpha" => l.alpha = need(parse_f64(v), Expect::Number)?,
        "lora-targets" | "targets" | "target-modules" => l.targets = parse_targets(v),
        "lora-dropout" | "dropout" => l.dropout = need(parse_f64(v), Expect::Number)?,
        "lora-dtype" | "adapter-dtype" => {
            l.dtype = need(unspell(&ADAPTER_DTYPES, v), Expect::OneOf("fp32, bf16, fp16"))?
        }
        "lora-modules-to-save" | "modules-to-save" => {
            l.modules_to_save = v.split(',').map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect()
        }
        "optimizer" | "optim" => {
            i.optimizer = need(
                unspell(&Optimizer::ALL, if v == "adamw_bnb_8bit" { "adamw_8bit" } else { v }),
                Expect::OneOf(
                    "adamw_torch, adamw_torch_fused, adamw_8bit, paged_adamw_8bit, paged_adamw_32bit, sgd, adafactor",
                ),
            )?
        }
        "batch-size" | "batch" => i.batch_size = need(parse_u64(v), Expect::WholeNumber)?,
        "seq-len" | "seq" => i.seq_len = need(parse_u64(v), Expect::WholeNumber)?,
        "gradient-checkpointing" | "checkpointing" => i.gradient_checkpointing = need(parse_bool(v), Expect::Bool)?,
        "attention" | "attn-implementation" => {
            i.attention = need(unspell(&ATTENTIONS, v), Expect::OneOf("sdpa, flash_attention_2, eager"))?
        }
        "mixed-precision" => i.mixed_precision = need(unspell(&PRECISIONS, v), Expect::OneOf("bf16, fp16, no"))?,
        "sdpa-kernel" => i.sdpa_kernel = need(unspell(&SDPA_KERNELS, v), Expect::OneOf("flash, efficient"))?,
        "trainer" => i.trainer = need(unspell(&TRAINERS, v), Expect::OneOf("transformers, trl_sft, custom_loop"))?,
        "prepare-kbit" => i.prepare_kbit = Some(need(parse_bool(v), Expect::Bool)?),
        "cuda-context-bytes" => i.cuda_context_bytes = Some(need(parse_u64(v), Expect::WholeNumber)?),
        "use-liger-kernel" => i.use_liger_kernel = need(parse_bool(v), Expect::Bool)?,
        "loss" => {
            i.loss =
                Some(need(unspell(&Loss::ALL, v), Expect::OneOf("standard, chunked, fused_linear, cut_cross_entropy"))?)
        }
        "loss-chunks" => i.loss_chunks = Some(need(parse_u64(v), Expect::WholeNumber)?),
        "activation-offloading" => i.activation_offloading = need(parse_bool(v), Expect::Bool)?,
        "framework" => i.framework = need(unspell(&FRAMEWORKS, v), Expect::OneOf("transformers, unsloth"))?,
        "strategy" => {
            let st = need(unspell(&Strategy::ALL, v), Expect::OneOf("ddp, fsdp, zero1, zero2, zero3"))?;
            i.distributed.get_or_insert_with(DistributedInput::default).strategy = st;
        }
        "num-gpus" | "distributed-gpus" => {
            i.distributed.get_or_insert_with(DistributedInput::default).gpus = need(parse_u64(v), Expect::WholeNumber)?
        }
        "gpus-per-node" => {
            i.distributed.get_or_insert_with(DistributedInput::default).gpus_per_node =
                Some(need(parse_u64(v), Expect::WholeNumber)?)
        }
        "fsdp-sharding" => {
            let f = need(unspell(&FsdpSharding::ALL, v), Expect::OneOf("full_shard, shard_grad_op, hybrid_shard"))?;
            i.distributed.get_or_insert_with(DistributedInput::default).fsdp_sharding = Some(f);
        }
        "offload" => {
            let o = need(unspell(&Offload::ALL, v), Expect::OneOf("none, optimizer, optimizer_and_params"))?;
            i.distributed.get_or_insert_with(DistributedInput::default).offload = o;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Resets the field an estimator error names to its default; false when it names none we can reset.
fn reset_field(i: &mut ScenarioInput, e: &lora_vram::Error) -> Option<&'static str> {
    use lora_vram::Error as E;
    let d = ScenarioInput::default();
    let field = match e {
        E::Invalid { field, .. } => *field,
        E::UnknownModel(_) | E::UnsupportedModelType(_) | E::MissingField(_) => "model",
        E::UnknownGpu(_) => "gpu",
        E::UnknownTarget { .. } => "lora.targets",
        E::Json(_) => return None,
    };
    match field {
        "batch_size" => i.batch_size = d.batch_size,
        "seq_len" => i.seq_len = d.seq_len,
        "lora.rank" => i.lora.rank = d.lora.rank,
        "lora.alpha" => i.lora.alpha = d.lora.alpha,
        "lora.dropout" => i.lora.dropout = if i.lora.dropout == d.lora.dropout { 0.0 } else { d.lora.dropout },
        "lora.targets" => i.lora.targets = d.lora.targets.clone(),
        "lora.modules_to_save" => i.lora.modules_to_save = Vec::new(),
        "cuda_context_bytes" => i.cuda_context_bytes = None,
        "use_liger_kernel" => i.use_liger_kernel = false,
        "loss" => i.loss = None,
        "loss_chunks" => i.loss_chunks = None,
        "activation_offloading" => i.activation_offloading = false,
        "framework" => i.framework = d.framework,
        f if f.starts_with("distributed") => i.distributed = None,
        "gpu" => i.gpu = None,
        "weight_dtype" => i.weight_dtype = None,
        f if f == "model" || f.starts_with("model") => i.model = d.model.clone(),
        // A config.json field: the model is what is wrong.
        _ if matches!(i.model, ModelInput::HfConfig { .. } | ModelInput::Params { .. }) => i.model = d.model.clone(),
        _ => return None,
    }
    Some(field)
}

/// Whether the scenario's LoRA targets modules that PEFT adapts through `ParamWrapper` (the stacked
/// experts and routers of transformers-5 MoE models), which refuses `lora_dropout > 0`.
pub fn wraps_experts(i: &ScenarioInput) -> bool {
    let probe = ScenarioInput { lora: LoraInput { dropout: 0.0, ..i.lora.clone() }, ..i.clone() };
    let with = ScenarioInput { lora: LoraInput { dropout: 0.05, ..i.lora.clone() }, ..i.clone() };
    Scenario::try_from(&probe).is_ok()
        && matches!(Scenario::try_from(&with), Err(lora_vram::Error::Invalid { field: "lora.dropout", .. }))
        && i.method != Method::Full
}

/// What a PEFT user has to do on an MoE model whose experts LoRA wraps: dropout 0. Returns whether
/// it changed anything (the caller says why, [`Reason::MoeDropout`]).
pub fn zero_moe_dropout(i: &mut ScenarioInput) -> bool {
    if i.lora.dropout > 0.0 && wraps_experts(i) {
        i.lora.dropout = 0.0;
        return true;
    }
    false
}

/// Makes a scenario valid by resetting the fields the estimator rejects, one at a time, with a
/// notice for each; as a last resort the whole default. An MoE model's dropout is set to 0, with
/// the reason, before anything else is judged.
pub fn sanitize(mut i: ScenarioInput, notices: &mut Vec<Notice>) -> ScenarioInput {
    if zero_moe_dropout(&mut i) {
        notices.push(Notice { param: "lora-dropout".into(), reason: Reason::MoeDropout });
    }
    for _ in 0..12 {
        match Scenario::try_from(&i) {
            Ok(_) => return i,
            Err(e) => match reset_field(&mut i, &e) {
                Some(field) => {
                    notices.push(Notice { param: field.replace(['.', '_'], "-"), reason: Reason::Estimator(e) })
                }
                None => {
                    notices.push(Notice { param: "scenario".into(), reason: Reason::Estimator(e) });
                    return ScenarioInput::default();
                }
            },
        }
    }
    ScenarioInput::default()
}

/// Whether the pairs carry any scenario field (so the URL, not localStorage, decides).
pub fn has_scenario(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, _)| !UI_KEYS.contains(&k.as_str()))
}

/// Decodes the scenario from query pairs: every valid field kept, every invalid one reset with a
/// notice. A key given twice keeps its last value, with a notice; past [`MAX_PAIRS`] parameters
/// nothing more is read, and one notice says how many were left.
pub fn decode_scenario(pairs: &[(String, String)]) -> (ScenarioInput, Vec<Notice>) {
    let mut notices = Vec::new();
    let mut i = ScenarioInput::default();
    let mut all: Vec<(String, String)> = Vec::new();
    let pairs = if pairs.len() > MAX_PAIRS {
        notices.push(Notice { param: "…".into(), reason: Reason::TooMany(pairs.len() - MAX_PAIRS) });
        &pairs[..MAX_PAIRS]
    } else {
        pairs
    };
    let scenario_json: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k == "s" || k == "scenario").collect();
    if let Some((k, s)) = scenario_json.last() {
        if scenario_json.len() > 1 {
            notices.push(Notice { param: k.clone(), reason: Reason::Repeated });
        }
        let parsed = if s.len() > MAX_VALUE_LEN {
            Err(Reason::TooLong)
        } else {
            serde_json::from_str::<Value>(s)
                .map_err(|_| Reason::Expected(Expect::Config))
                .and_then(|v| json_to_pairs(&v).map_err(|_| Reason::Expected(Expect::Config)))
        };
        match parsed {
            Ok(p) => all = p.into_iter().take(MAX_PAIRS).collect(),
            Err(reason) => notices.push(Notice { param: k.clone(), reason }),
        }
    }
    // The URL's own parameters apply on top of `?s=`'s.
    let own = all.len();
    all.extend(pairs.iter().cloned());
    let pairs = &all;
    for (n, (k, v)) in pairs.iter().enumerate() {
        if k == "s" || k == "scenario" || k == HF_KEY || UI_KEYS.contains(&k.as_str()) {
            continue;
        }
        let param = crate::format::clip(k, 40);
        // A key given again later in the query: the later value wins.
        if n >= own && pairs[n + 1..].iter().any(|(k2, _)| k2 == k) {
            notices.push(Notice { param, reason: Reason::Repeated });
            continue;
        }
        match apply(&mut i, k, v) {
            Ok(true) => {}
            Ok(false) => notices.push(Notice { param, reason: Reason::NotAField }),
            Err(reason) => notices.push(Notice { param, reason }),
        }
    }
    let i = sanitize(i, &mut notices);
    (i, notices)
}

/// The value of a UI key, if present.
pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_field() {
        let mut i = ScenarioInput::default();
        i.model = ModelInput::Id("Qwen/Qwen2.5-7B".into());
        i.method = Method::Lora;
        i.weight_dtype = Some(WeightDtype::Bf16);
        i.seq_len = 4096;
        i.batch_size = 4;
        i.lora.rank = 64;
        i.lora.alpha = 128.0;
        i.lora.dropout = 0.0;
        i.lora.targets = TargetSpec::Modules(vec!["q_proj".into(), "v_proj".into()]);
        i.lora.modules_to_save = vec!["lm_head".into()];
        i.optimizer = Optimizer::PagedAdamw8bit;
        i.gradient_checkpointing = false;
        i.cuda_context_bytes = Some(500 << 20);
        let q = join(&encode_scenario(&i));
        let (back, notices) = decode_scenario(&parse(&q));
        assert_eq!(notices, vec![], "{q}");
        assert_eq!(back, i, "{q}");
    }

    #[test]
    fn default_is_an_empty_query() {
        assert_eq!(join(&encode_scenario(&ScenarioInput::default())), "");
    }

    #[test]
    fn model_forms_round_trip() {
        for m in [
            ModelInput::Params { params: 7e9 },
            ModelInput::HfConfig { hf_config: serde_json::json!({"model_type": "llama", "hidden_size": 64}) },
        ] {
            let i = ScenarioInput { model: m, ..ScenarioInput::default() };
            let pairs = encode_scenario(&i);
            let q = join(&pairs);
            let mut back = ScenarioInput::default();
            for (k, v) in parse(&q) {
                assert!(apply(&mut back, &k, &v).unwrap(), "{k}");
            }
            assert_eq!(back.model, i.model, "{q}");
        }
    }

    #[test]
    fn invalid_params_fall_back_one_field_at_a_time() {
        let (i, notices) = decode_scenario(&parse("?seq-len=abc&batch-size=4&method=qlora&weight-dtype=bf16&foo=1"));
        assert_eq!(i.seq_len, 2048);
        assert_eq!(i.batch_size, 4, "valid fields are kept");
        assert_eq!(i.weight_dtype, None, "qlora with bf16 weights is reset to nf4");
        let params: Vec<_> = notices.iter().map(|n| n.param.as_str()).collect();
        assert_eq!(params, ["seq-len", "foo", "weight-dtype"]);
        assert!(Scenario::try_from(&i).is_ok());
    }

    #[test]
    fn unknown_model_and_out_of_range_values() {
        let (i, notices) = decode_scenario(&parse("model=nope/nope&seq-len=0&lora-rank=64"));
        assert_eq!(i.model, ScenarioInput::default().model);
        assert_eq!(i.seq_len, 2048);
        assert_eq!(i.lora.rank, 64);
        assert_eq!(notices.len(), 2, "{notices:?}");
    }

    #[test]
    fn whole_scenario_json_then_overrides() {
        let s = r#"{"model":"Qwen/Qwen2.5-7B","method":"lora","seq_len":1024}"#;
        let q = format!("?s={}&seq-len=4096", encode(s));
        let (i, notices) = decode_scenario(&parse(&q));
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(i.method, Method::Lora);
        assert_eq!(i.seq_len, 4096);
    }

    #[test]
    fn percent_coding() {
        assert_eq!(decode("a%20b+c%2Fd%zz%"), "a b c/d%zz%");
        assert_eq!(encode("meta-llama/Llama 3&x=1"), "meta-llama/Llama%203%26x%3D1");
        assert_eq!(decode(&encode("中文 {\"a\":1}")), "中文 {\"a\":1}");
    }
}
