//! The `Scenario` JSON contract (DESIGN.md) and its validation into a [`Scenario`].
//!
//! [`ScenarioInput`] is the serde type that the URL state, the CLI's JSON input, the embed
//! attributes and the tests all speak. Every field except `model` has a default. It is untrusted:
//! `Scenario::try_from(&input)` checks every value and returns an [`Error`] that names the field.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::distributed::{Distributed, FsdpSharding, Offload, Strategy};
use crate::scenario::{
    AdapterDtype, AttentionImpl, Framework, Lora, Loss, Method, MixedPrecision, ModelSource, ModulesToSave, Optimizer,
    Scenario, SdpaKernel, TargetSpec, Trainer, WeightDtype, DEFAULT_LOSS_CHUNKS,
};
use crate::{Architecture, Error};

/// The model, in one of the three forms DESIGN.md allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelInput {
    /// A preset id: the Hugging Face repo id.
    Id(String),
    /// `{"params": 7e9}`: a parameter count, from which a typical architecture is inferred.
    Params {
        /// The parameter count.
        params: f64,
    },
    /// `{"hf_config": {…}}`: the model's config.json.
    HfConfig {
        /// The config.json, as parsed JSON.
        hf_config: serde_json::Value,
    },
}

impl Default for ModelInput {
    fn default() -> Self {
        ModelInput::Id(String::from(crate::presets::DEFAULT_MODEL))
    }
}

/// LoRA settings as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoraInput {
    /// Rank `r`. Default 16.
    pub rank: u64,
    /// `lora_alpha`. Default 32.
    pub alpha: f64,
    /// `"all-linear"` (default), `"qv"`, `"attention"` or a list of module names.
    pub targets: TargetSpec,
    /// `lora_dropout`. Default 0.05.
    pub dropout: f64,
    /// Adapter dtype. Default fp32 (PEFT's autocast).
    pub dtype: AdapterDtype,
    /// Modules trained in full: `embed_tokens`, `lm_head`.
    pub modules_to_save: Vec<String>,
}

impl Default for LoraInput {
    fn default() -> Self {
        LoraInput {
            rank: 16,
            alpha: 32.0,
            targets: TargetSpec::default(),
            dropout: 0.05,
            dtype: AdapterDtype::Fp32,
            modules_to_save: Vec::new(),
        }
    }
}

/// The `distributed` block as written (DESIGN.md): data-parallel training on several GPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributedInput {
    /// `ddp` (default), `fsdp`, `zero1`, `zero2` or `zero3`.
    #[serde(default)]
    pub strategy: Strategy,
    /// The data-parallel world size: all GPUs together. Default 1.
    #[serde(default = "one")]
    pub gpus: u64,
    /// GPUs on each node; default: `gpus` (one node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus_per_node: Option<u64>,
    /// FSDP only: `full_shard` (default), `shard_grad_op` or `hybrid_shard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fsdp_sharding: Option<FsdpSharding>,
    /// `none` (default), `optimizer` or `optimizer_and_params`.
    #[serde(default)]
    pub offload: Offload,
}

const fn one() -> u64 {
    1
}

impl Default for DistributedInput {
    fn default() -> Self {
        DistributedInput {
            strategy: Strategy::Ddp,
            gpus: 1,
            gpus_per_node: None,
            fsdp_sharding: None,
            offload: Offload::None,
        }
    }
}

impl TryFrom<&DistributedInput> for Distributed {
    type Error = Error;

    fn try_from(i: &DistributedInput) -> Result<Distributed, Error> {
        if i.fsdp_sharding.is_some() && i.strategy != Strategy::Fsdp {
            return Err(Error::Invalid {
                field: "distributed.fsdp_sharding",
                reason: "applies to strategy fsdp only: remove it, or set the strategy to fsdp",
            });
        }
        Ok(Distributed {
            strategy: i.strategy,
            gpus: i.gpus,
            gpus_per_node: i.gpus_per_node.unwrap_or(i.gpus),
            fsdp_sharding: i.fsdp_sharding.unwrap_or_default(),
            offload: i.offload,
        })
    }
}

/// The raw scenario, as DESIGN.md's JSON contract spells it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScenarioInput {
    /// Preset id, `{"params": …}` or `{"hf_config": …}`.
    pub model: ModelInput,
    /// `lora`, `qlora` (default) or `full`.
    pub method: Method,
    /// Base weight storage; defaults to nf4 for qlora and bf16 otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_dtype: Option<WeightDtype>,
    /// Double quantization of 4-bit absmax values. Default true.
    pub double_quant: bool,
    /// LoRA settings.
    pub lora: LoraInput,
    /// `TrainingArguments.optim`. Default `adamw_torch`.
    pub optimizer: Optimizer,
    /// Micro-batch size. Default 1.
    pub batch_size: u64,
    /// Tokens per sequence. Default 2048.
    pub seq_len: u64,
    /// Gradient checkpointing. Default true.
    pub gradient_checkpointing: bool,
    /// `attn_implementation`. Default `sdpa`.
    pub attention: AttentionImpl,
    /// The SDPA backend: `flash` (default) or `efficient`.
    pub sdpa_kernel: SdpaKernel,
    /// The training loop: `transformers` (default), `trl_sft` or `custom_loop`.
    pub trainer: Trainer,
    /// Autocast: `bf16` (default), `fp16` or `no`.
    pub mixed_precision: MixedPrecision,
    /// `prepare_model_for_kbit_training` was called; defaults to true for quantized weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepare_kbit: Option<bool>,
    /// The GPU the run is on (a `lora-vram gpus` id such as `t4`); sizes the CUDA context and the
    /// cuBLAS workspaces. Default: none, the largest of any listed NVIDIA GPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<String>,
    /// CUDA context bytes as `nvidia-smi` shows them for an idle process; default: the GPU's model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cuda_context_bytes: Option<u64>,
    /// `use_liger_kernel=True` (transformers' `TrainingArguments`, TRL's `SFTConfig`): Liger's RMSNorm,
    /// SwiGLU and RoPE kernels and, unless `loss` says otherwise, its fused linear cross-entropy.
    #[serde(skip_serializing_if = "is_false")]
    pub use_liger_kernel: bool,
    /// `standard`, `chunked`, `fused_linear` or `cut_cross_entropy`. Default: `fused_linear` with
    /// `use_liger_kernel`, else `standard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<Loss>,
    /// Chunks of `loss: chunked` (torchtune's `num_output_chunks`). Default 8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_chunks: Option<u64>,
    /// Saved activations offloaded to CPU RAM: TRL's `activation_offloading=True`, torchtune's
    /// `enable_activation_offloading=True`; with `framework: unsloth`, `use_gradient_checkpointing="unsloth"`.
    #[serde(skip_serializing_if = "is_false")]
    pub activation_offloading: bool,
    /// `transformers` (default) or `unsloth` (`FastLanguageModel`).
    #[serde(skip_serializing_if = "is_transformers")]
    pub framework: Framework,
    /// Data-parallel training on several GPUs; absent: one GPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distributed: Option<DistributedInput>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_transformers(f: &Framework) -> bool {
    *f == Framework::Transformers
}

impl Default for ScenarioInput {
    fn default() -> Self {
        ScenarioInput {
            model: ModelInput::default(),
            method: Method::Qlora,
            weight_dtype: None,
            double_quant: true,
            lora: LoraInput::default(),
            optimizer: Optimizer::AdamwTorch,
            batch_size: 1,
            seq_len: 2048,
            gradient_checkpointing: true,
            attention: AttentionImpl::Sdpa,
            sdpa_kernel: SdpaKernel::Flash,
            trainer: Trainer::Transformers,
            mixed_precision: MixedPrecision::Bf16,
            prepare_kbit: None,
            gpu: None,
            cuda_context_bytes: None,
            use_liger_kernel: false,
            loss: None,
            loss_chunks: None,
            activation_offloading: false,
            framework: Framework::Transformers,
            distributed: None,
        }
    }
}

impl ScenarioInput {
    /// Parses the JSON contract. Unknown fields and wrong types are errors that name the field.
    ///
    /// A scenario is a JSON object, and so is every field that holds settings (`lora`, `model`'s
    /// `{"params": …}`): serde would also read a JSON array as a struct, its elements taken as the
    /// fields in order, so that `[]` would be the default scenario and `"lora": [8]` a rank-8
    /// adapter. Both are refused here, where every front end reads the contract.
    pub fn from_json(s: &str) -> Result<ScenarioInput, Error> {
        let kind = match s.trim_start().as_bytes().first() {
            Some(b'{') => None,
            None => Some("empty input"),
            Some(b'[') => Some("an array"),
            Some(b'"') => Some("a string"),
            Some(b'n') => Some("null"),
            Some(b't' | b'f') => Some("a boolean"),
            Some(_) => Some("a number, or not JSON"),
        };
        if let Some(kind) = kind {
            return Err(Error::Json(alloc::format!(
                "a scenario must be a JSON object such as {{\"model\": \"meta-llama/Llama-3.1-8B\", \"seq_len\": 4096}}, \
                 not {kind}"
            )));
        }
        let input: ScenarioInput = serde_json::from_str(s).map_err(|e| Error::Json(e.to_string()))?;
        if let Some(key) = top_level_array(s) {
            return Err(Error::Json(alloc::format!(
                "`{key}` is a JSON array; no scenario field is one (lists go inside `lora`: `targets`, \
                 `modules_to_save`)"
            )));
        }
        Ok(input)
    }

    /// The JSON contract, compact.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The loss, with its default: Liger's fused linear cross-entropy when `use_liger_kernel` is on
    /// (`apply_liger_kernel_to_*(fused_linear_cross_entropy=True)`) outside TRL's `SFTTrainer`, which turns
    /// it off; the standard loss otherwise.
    pub fn effective_loss(&self) -> Loss {
        self.loss.unwrap_or(if self.use_liger_kernel && self.trainer != Trainer::TrlSft {
            Loss::FusedLinear
        } else {
            Loss::Standard
        })
    }

    /// The weight dtype, with the method's default.
    pub fn effective_weight_dtype(&self) -> WeightDtype {
        self.weight_dtype.unwrap_or(match self.method {
            Method::Qlora => WeightDtype::Nf4,
            _ => WeightDtype::Bf16,
        })
    }
}

/// The first member of the top-level object of `json` (valid JSON) whose value is an array.
fn top_level_array(json: &str) -> Option<&str> {
    let b = json.as_bytes();
    let (mut depth, mut i, mut key, mut after_colon) = (0usize, 0, (0, 0), false);
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && !after_colon {
                    key = (start, i.min(b.len()));
                }
                after_colon = false;
            }
            b':' if depth == 1 => after_colon = true,
            b'[' if depth == 1 && after_colon => return json.get(key.0..key.1),
            b'{' | b'[' => {
                depth += 1;
                after_colon = false;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            c if !c.is_ascii_whitespace() => after_colon = false,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Resolves the model to an architecture.
pub fn resolve_model(m: &ModelInput) -> Result<(Architecture, ModelSource), Error> {
    match m {
        ModelInput::Id(id) => {
            let i = crate::presets::find_model(id.trim()).ok_or_else(|| Error::UnknownModel(id.clone()))?;
            Ok((crate::presets::MODELS[i].arch, ModelSource::Preset(i)))
        }
        ModelInput::Params { params } => {
            if !params.is_finite() || *params < 0.0 {
                return Err(Error::Invalid { field: "model.params", reason: "must be a positive number such as 7e9" });
            }
            // Saturating float-to-int cast; infer() range-checks the result.
            let p = *params as u64;
            Ok((crate::infer::infer(p)?, ModelSource::Inferred { requested: p }))
        }
        ModelInput::HfConfig { hf_config } => Ok((crate::config::parse_config(hf_config)?, ModelSource::Config)),
    }
}

fn modules_to_save(names: &[String]) -> Result<ModulesToSave, Error> {
    let mut m = ModulesToSave::default();
    for n in names {
        match n.rsplit('.').next().unwrap_or(n) {
            "embed_tokens" | "embed_in" | "wte" | "word_embeddings" => m.embed_tokens = true,
            "lm_head" | "embed_out" => m.lm_head = true,
            _ => {
                return Err(Error::Invalid {
                    field: "lora.modules_to_save",
                    reason: "supports embed_tokens and lm_head (and their aliases embed_in, wte, embed_out)",
                })
            }
        }
    }
    Ok(m)
}

impl TryFrom<&ScenarioInput> for Scenario {
    type Error = Error;

    fn try_from(i: &ScenarioInput) -> Result<Scenario, Error> {
        let (arch, source) = resolve_model(&i.model)?;
        arch.validate()?;
        let weight_dtype = i.effective_weight_dtype();
        let targets = i.lora.targets.resolve(&arch)?;
        // TRL's SFTTrainer (1.16.0, trl/trainer/sft_trainer.py) does not call
        // `prepare_model_for_kbit_training`, and for a quantized model casts every trainable
        // parameter to bf16 after `get_peft_model` (`param.data = param.data.to(torch.bfloat16)`).
        let trl_quantized = i.trainer == Trainer::TrlSft && weight_dtype.is_quantized() && i.method != Method::Full;
        let adapter_dtype = if trl_quantized { AdapterDtype::Bf16 } else { i.lora.dtype };
        // Unsloth's `prepare_model_for_training` (unsloth_zoo/training_utils.py) leaves the embeddings and the
        // head in their 16-bit dtype (`train_embedding=False`, `train_lm_head=False`).
        let prepare_default = weight_dtype.is_quantized() && !trl_quantized && i.framework != Framework::Unsloth;
        let loss = i.effective_loss();
        let loss_chunks = match (loss, i.loss_chunks) {
            (Loss::Chunked, c) => c.unwrap_or(DEFAULT_LOSS_CHUNKS),
            (_, None) => 1,
            (_, Some(_)) => {
                return Err(Error::Invalid { field: "loss_chunks", reason: "applies to `loss: \"chunked\"` only" })
            }
        };
        let s = Scenario {
            arch,
            source,
            method: i.method,
            weight_dtype,
            double_quant: i.double_quant,
            lora: Lora {
                rank: i.lora.rank,
                alpha: i.lora.alpha,
                targets,
                dropout: i.lora.dropout,
                dtype: adapter_dtype,
                modules_to_save: modules_to_save(&i.lora.modules_to_save)?,
            },
            optimizer: i.optimizer,
            batch_size: i.batch_size,
            seq_len: i.seq_len,
            gradient_checkpointing: i.gradient_checkpointing,
            attention: i.attention,
            sdpa_kernel: i.sdpa_kernel,
            trainer: i.trainer,
            mixed_precision: i.mixed_precision,
            prepare_kbit: i.prepare_kbit.unwrap_or(prepare_default),
            gpu: match &i.gpu {
                None => None,
                Some(id) => Some(crate::gpus::find_gpu(id.trim()).ok_or_else(|| Error::UnknownGpu(id.clone()))?),
            },
            cuda_context_bytes: i.cuda_context_bytes,
            use_liger_kernel: i.use_liger_kernel,
            loss,
            loss_chunks,
            activation_offloading: i.activation_offloading,
            framework: i.framework,
            distributed: i.distributed.as_ref().map(Distributed::try_from).transpose()?,
        };
        s.validate()?;
        Ok(s)
    }
}

impl Scenario {
    /// Parses and validates the JSON contract in one go.
    pub fn from_json(s: &str) -> Result<Scenario, Error> {
        Scenario::try_from(&ScenarioInput::from_json(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON spelling of every enum value is its `as_str()`, Hugging Face's own name.
    #[test]
    fn enum_spellings_match_hugging_face() {
        let json = |v: &dyn erased::Ser| v.json();
        for o in Optimizer::ALL {
            assert_eq!(json(&o), alloc::format!("\"{}\"", o.as_str()));
            assert_eq!(serde_json::from_str::<Optimizer>(&json(&o)).unwrap(), o);
        }
        for a in [AttentionImpl::Eager, AttentionImpl::Sdpa, AttentionImpl::FlashAttention2] {
            assert_eq!(json(&a), alloc::format!("\"{}\"", a.as_str()));
        }
        for m in [Method::Lora, Method::Qlora, Method::Full] {
            assert_eq!(json(&m), alloc::format!("\"{}\"", m.as_str()));
        }
        for w in [
            WeightDtype::Fp32,
            WeightDtype::Bf16,
            WeightDtype::Fp16,
            WeightDtype::Int8,
            WeightDtype::Nf4,
            WeightDtype::Fp4,
        ] {
            assert_eq!(json(&w), alloc::format!("\"{}\"", w.as_str()));
        }
        for d in crate::scenario::AdapterDtype::ALL {
            assert_eq!(json(&d), alloc::format!("\"{}\"", d.as_str()));
        }
        for m in [MixedPrecision::Bf16, MixedPrecision::Fp16, MixedPrecision::No] {
            assert_eq!(json(&m), alloc::format!("\"{}\"", m.as_str()));
        }
        for k in [crate::scenario::SdpaKernel::Flash, crate::scenario::SdpaKernel::Efficient] {
            assert_eq!(json(&k), alloc::format!("\"{}\"", k.as_str()));
        }
        for t in crate::scenario::Trainer::ALL {
            assert_eq!(json(&t), alloc::format!("\"{}\"", t.as_str()));
        }
        assert_eq!(serde_json::from_str::<Optimizer>("\"adamw_bnb_8bit\"").unwrap(), Optimizer::Adamw8bit);
    }

    mod erased {
        pub trait Ser {
            fn json(&self) -> alloc::string::String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> alloc::string::String {
                serde_json::to_string(self).unwrap()
            }
        }
    }

    /// A scenario is a JSON object; serde alone would read `[]` as the default scenario.
    /// See: issue 10, "It accepts a JSON array `[]` as a scenario".
    #[test]
    fn non_objects_are_refused_with_a_clear_error() {
        for (json, needle) in [
            ("[]", "not an array"),
            ("  [1, 2]", "not an array"),
            ("", "not empty input"),
            ("null", "not null"),
            ("\"meta-llama/Llama-3.1-8B\"", "not a string"),
            ("7e9", "not a number"),
            ("true", "not a boolean"),
            (r#"{"lora": [8, 16]}"#, "`lora` is a JSON array"),
            (r#"{"seq_len": 512, "model": [7e9]}"#, "ModelInput"),
        ] {
            let e = ScenarioInput::from_json(json).unwrap_err().to_string();
            assert!(e.contains(needle), "{json:?}: {e}");
        }
        // Arrays inside objects, and brackets inside strings, are fine.
        let ok = r#"{"model": {"hf_config": {"model_type": "llama", "architectures": ["LlamaForCausalLM"]}},
                     "lora": {"targets": ["q_proj", "v_proj"], "modules_to_save": []}, "gpu": "[x]"}"#;
        let i = ScenarioInput::from_json(ok).unwrap();
        assert_eq!(i.lora.targets, TargetSpec::Modules(alloc::vec!["q_proj".into(), "v_proj".into()]));
        assert_eq!(top_level_array(r#"{"a\"": 1, "b": {"c": [1]}, "d": "[", "e" : [ ]}"#), Some("e"));
    }

    #[test]
    fn the_design_example_parses() {
        let s = r#"{
          "model": "meta-llama/Llama-3.1-8B", "method": "qlora", "weight_dtype": "nf4", "double_quant": true,
          "lora": {"rank": 16, "alpha": 32, "targets": "all-linear", "dropout": 0.05, "dtype": "fp32", "modules_to_save": []},
          "optimizer": "adamw_torch", "batch_size": 1, "seq_len": 2048, "gradient_checkpointing": true, "attention": "sdpa"
        }"#;
        let parsed = ScenarioInput::from_json(s).unwrap();
        let default = ScenarioInput { weight_dtype: Some(WeightDtype::Nf4), ..ScenarioInput::default() };
        assert_eq!(parsed, default, "DESIGN.md's example is the default scenario");
        assert_eq!(ScenarioInput::from_json(&parsed.to_json()).unwrap(), parsed, "round trip");
    }
}
