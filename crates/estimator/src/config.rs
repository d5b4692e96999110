//! A Hugging Face `config.json` turned into the exact [`Architecture`] that transformers builds.
//!
//! # Method
//! [`parse_config`] reads the fields that fix tensor shapes and fills every missing one with the
//! default of the transformers configuration class for that `model_type` (transformers 5.x, the
//! `@strict` dataclass configs in `models/<type>/configuration_<type>.py`), then lays the model out
//! as `models/<type>/modeling_<type>.py` allocates it. The result is checked with
//! [`Architecture::validate`], so an `Ok` architecture is always safe to compute with.
//!
//! The reference is `AutoModelForCausalLM.from_config(config)` on the meta device, counted with
//! `named_parameters()`; `tests/fixtures/configs/expected.json` records that count for every
//! fixture and `tests/config_counts.rs` compares to the parameter.
//!
//! # Per family (transformers 5.x; defaults are those of the configuration class)
//! - `llama` (`configuration_llama.py`, `modeling_llama.py`): `head_dim` defaults to
//!   `hidden_size // num_attention_heads`, `num_key_value_heads` to `num_attention_heads`;
//!   `attention_bias` puts a bias on q, k, v **and** o; `mlp_bias` on gate, up and down.
//! - `mistral` (`modeling_mistral.py`): no biases anywhere; `num_key_value_heads` defaults to **8**,
//!   `head_dim` to `hidden_size // num_attention_heads` (Mistral-Nemo and Small give 128).
//! - `mixtral` (`modeling_mixtral.py`): `MixtralExperts` holds `num_local_experts` (alias
//!   `num_experts`, default 8) experts of width `intermediate_size`, routed by `gate`, an
//!   `E × h` weight without bias (`MixtralTopKRouter`); `num_key_value_heads` defaults to 8.
//! - `qwen2` (`modeling_qwen2.py`): q, k and v always have a bias (`bias=True`), o never;
//!   `num_key_value_heads` defaults to **32** (the class default, not `num_attention_heads`).
//! - `qwen2_moe` (`modeling_qwen2_moe.py`): q, k, v biased per `qkv_bias` (default true); every
//!   sparse layer has the routed experts (`moe_intermediate_size`), a `shared_expert` MLP of
//!   `shared_expert_intermediate_size` and a `shared_expert_gate` (`h → 1`, no bias). A layer is
//!   sparse when it is not in `mlp_only_layers` and `(i + 1) % decoder_sparse_step == 0`
//!   (`Qwen2MoeDecoderLayer.__init__`); only layouts whose dense layers form a leading run are
//!   expressible, others are rejected. `num_key_value_heads` defaults to 16.
//! - `qwen3` (`modeling_qwen3.py`): `q_norm`/`k_norm` RMSNorms of `head_dim`; `head_dim` defaults
//!   to **128**; `attention_bias` on q, k, v and o; `num_key_value_heads` defaults to 32.
//! - `qwen3_moe` (`modeling_qwen3_moe.py`): as `qwen3` (but `head_dim` defaults to
//!   `hidden_size // num_attention_heads`, the config class has no such field), experts as in
//!   `qwen2_moe` without a shared expert; `num_key_value_heads` defaults to 4.
//! - `gemma` (`modeling_gemma.py`): `head_dim` defaults to 256, embeddings tied by default.
//! - `gemma2` (`modeling_gemma2.py`): four RMSNorms per layer (`input_layernorm`,
//!   `post_attention_layernorm`, `pre_feedforward_layernorm`, `post_feedforward_layernorm`).
//! - `gemma3` / `gemma3_text` (`configuration_gemma3.py`, `modeling_gemma3.py`): as `gemma2`, plus
//!   `q_norm`/`k_norm` of `head_dim`. A `gemma3` config is multimodal: the language model is its
//!   `text_config`, whose missing fields take `Gemma3TextConfig`'s defaults (vocabulary 262 208,
//!   8 heads, 4 key/value heads, `head_dim` 256); the vision tower is not counted.
//! - `mistral3` (`configuration_mistral3.py`): the language model is `text_config`, built with the
//!   class its `model_type` names (default `mistral`); without a `text_config`, the
//!   Mistral-Small-3.1 shape of `Mistral3Config.sub_configs_defaults`. Any other config with a
//!   nested `text_config` whose `model_type` is supported is read the same way, with the core
//!   fields required.
//! - `phi` (`modeling_phi.py`, Phi-2): `q_proj`, `k_proj`, `v_proj`, `dense`, `fc1` and `fc2` all
//!   biased, one `nn.LayerNorm` per layer (parallel attention and MLP), a `final_layernorm`, and an
//!   lm_head **with** a bias; `qk_layernorm` adds LayerNorms of `hidden_size // num_attention_heads`.
//! - `phi3` (`modeling_phi3.py`, Phi-3 and Phi-4): fused `qkv_proj` and `gate_up_proj`, no biases.
//! - `gpt_neox` (`modeling_gpt_neox.py`): fused `query_key_value` (`3h`) and `dense`, biased per
//!   `attention_bias` (default true); `dense_h_to_4h`/`dense_4h_to_h` always biased; two
//!   LayerNorms per layer; untied `embed_out` by default; `hidden_size` must divide by the heads.
//! - `falcon` (`configuration_falcon.py`, `modeling_falcon.py`): `head_dim` is always
//!   `hidden_size // num_attention_heads`. `query_key_value` has `(a + 2·kv)·d` outputs with
//!   `kv = num_kv_heads` under `new_decoder_architecture`, 1 under `multi_query`, else `a`.
//!   `bias` applies to every Linear. Without `parallel_attn` a layer has two LayerNorms; with it,
//!   two when `num_ln_in_parallel_attn == 2` (the default under `new_decoder_architecture`), else
//!   one. `ffn_hidden_size` defaults to `4h`; the legacy `n_embed` overrides `hidden_size`. Embeddings
//!   are tied by default.
//! - `deepseek_v3` (`modeling_deepseek_v3.py`): multi-head latent attention (`q_a_proj`,
//!   `q_a_layernorm`, `q_b_proj` when `q_lora_rank` is set, else a bias-free `q_proj`;
//!   `kv_a_proj_with_mqa`, `kv_a_layernorm`, `kv_b_proj`); `attention_bias` on `q_a_proj`,
//!   `kv_a_proj_with_mqa` and `o_proj`. Layers from `first_k_dense_replace` on are MoE: routed
//!   experts (`n_routed_experts`), a router weight `E × h`, and shared experts of
//!   `n_shared_experts · moe_intermediate_size`. The router's `e_score_correction_bias` is an
//!   `nn.Buffer`, not a parameter (`DeepseekV3TopkRouter.__init__`), so `router_bias` is false.
//!   The config's `head_dim` is `qk_rope_head_dim` (`DeepseekV3Config.__post_init__`); the
//!   key/value head count is `num_attention_heads`, since MLA expands k and v to every head.
//!
//! # Input rules
//! - Integers must be JSON numbers that are whole and non-negative; `4096.0` is accepted as 4096.
//!   Anything else is [`Error::Invalid`] with the field's name.
//! - A top-level config must give `hidden_size`, `num_hidden_layers`, `num_attention_heads`,
//!   `vocab_size` and (except Falcon) `intermediate_size`, or the result is
//!   [`Error::MissingField`]: transformers would silently substitute a 7B-sized default. Every
//!   other field, and every field of a nested `text_config`, takes the class default.
//! - `null` for `head_dim`, `num_key_value_heads`, `num_kv_heads`, `ffn_hidden_size` or
//!   `num_ln_in_parallel_attn` means "not given" (as the `None` defaults of those fields do);
//!   `q_lora_rank: null` means a direct `q_proj`; Falcon's `bias`, `multi_query`, `parallel_attn`
//!   and `new_decoder_architecture` read `null` as false, as Python's truthiness does.
//!   Elsewhere `null` is rejected.
//!
//! # Known limits
//! - Layouts the [`Architecture`] cannot express are rejected with a reason rather than guessed:
//!   interleaved dense/sparse layers (`decoder_sparse_step > 1`, or a non-leading
//!   `mlp_only_layers`), `q_lora_rank: 0`, and expert counts of 0 for Mixtral and DeepSeek-V3.
//! - transformers' `hidden_size % num_attention_heads` check is reproduced only where the modeling
//!   code divides (GPT-NeoX, Falcon, Phi's `qk_layernorm`), so some configs transformers rejects are
//!   accepted here with the floor-divided shapes its modeling code would allocate.

use alloc::string::{String, ToString};
use alloc::vec;

use serde_json::{Map, Value};

use crate::arch::{Architecture, Attention, Mla, Mlp, ModelType, Moe, Norm, LIMIT_HEADS, LIMIT_LAYERS};
use crate::Error;

type Obj = Map<String, Value>;

/// The largest integer a JSON float is trusted to carry exactly (2^53).
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// Parses a config.json text. Malformed JSON gives [`Error::Json`] with serde_json's message,
/// which names the line and column.
pub fn parse_config_str(s: &str) -> Result<Architecture, Error> {
    let v: Value = serde_json::from_str(s).map_err(|e| Error::Json(e.to_string()))?;
    parse_config(&v)
}

/// Turns a parsed config.json into the exact architecture transformers builds from it (see the
/// module documentation for the rules per family). Never panics.
pub fn parse_config(v: &Value) -> Result<Architecture, Error> {
    let obj = v.as_object().ok_or(Error::Invalid { field: "config.json", reason: "must be a JSON object" })?;
    let model_type = match obj.get("model_type") {
        None => return Err(Error::MissingField("model_type")),
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(Error::Invalid { field: "model_type", reason: "must be a string such as \"llama\"" }),
    };
    match model_type {
        // Gemma3Config: `text_config` is always a Gemma3TextConfig, whatever its `model_type` says.
        "gemma3" => match text_config(obj)? {
            Some(text) => parse_text(Family::Gemma3Text, text, Mode::ClassDefaults),
            None => {
                flat_multimodal_check(obj)?;
                parse_text(Family::Gemma3Text, &Map::new(), Mode::ClassDefaults)
            }
        },
        // Mistral3Config: `text_config` is built by AutoConfig from its `model_type` (default mistral).
        "mistral3" => match text_config(obj)? {
            Some(text) => {
                let family = match text.get("model_type") {
                    None | Some(Value::Null) => Family::Mistral,
                    Some(Value::String(t)) => {
                        Family::from_model_type(t).ok_or_else(|| Error::UnsupportedModelType(t.clone()))?
                    }
                    Some(_) => return Err(Error::Invalid { field: "model_type", reason: "must be a string" }),
                };
                parse_text(family, text, Mode::ClassDefaults)
            }
            None => {
                flat_multimodal_check(obj)?;
                parse_text(Family::Mistral, &Map::new(), Mode::Mistral3Default)
            }
        },
        t => match Family::from_model_type(t) {
            Some(family) => parse_text(family, obj, Mode::Required),
            // Another multimodal wrapper: use its language model when that is a supported type.
            None => match obj.get("text_config") {
                Some(Value::Object(text)) => match text.get("model_type") {
                    Some(Value::String(inner)) => match Family::from_model_type(inner) {
                        Some(family) => parse_text(family, text, Mode::Required),
                        None => Err(Error::UnsupportedModelType(inner.clone())),
                    },
                    _ => Err(Error::UnsupportedModelType(String::from(t))),
                },
                _ => Err(Error::UnsupportedModelType(String::from(t))),
            },
        },
    }
}

/// The decoder families whose module layout is known (the `model_type` of a language model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Llama,
    Mistral,
    Mixtral,
    Qwen2,
    Qwen2Moe,
    Qwen3,
    Qwen3Moe,
    Gemma,
    Gemma2,
    Gemma3Text,
    Phi,
    Phi3,
    GptNeox,
    Falcon,
    DeepseekV3,
}

impl Family {
    fn from_model_type(t: &str) -> Option<Family> {
        Some(match t {
            "llama" => Family::Llama,
            "mistral" => Family::Mistral,
            "mixtral" => Family::Mixtral,
            "qwen2" => Family::Qwen2,
            "qwen2_moe" => Family::Qwen2Moe,
            "qwen3" => Family::Qwen3,
            "qwen3_moe" => Family::Qwen3Moe,
            "gemma" => Family::Gemma,
            "gemma2" => Family::Gemma2,
            "gemma3_text" => Family::Gemma3Text,
            "phi" => Family::Phi,
            "phi3" => Family::Phi3,
            "gpt_neox" => Family::GptNeox,
            "falcon" => Family::Falcon,
            "deepseek_v3" => Family::DeepseekV3,
            _ => return None,
        })
    }

    const fn model_type(self) -> ModelType {
        match self {
            Family::Llama => ModelType::Llama,
            Family::Mistral => ModelType::Mistral,
            Family::Mixtral => ModelType::Mixtral,
            Family::Qwen2 => ModelType::Qwen2,
            Family::Qwen2Moe => ModelType::Qwen2Moe,
            Family::Qwen3 => ModelType::Qwen3,
            Family::Qwen3Moe => ModelType::Qwen3Moe,
            Family::Gemma => ModelType::Gemma,
            Family::Gemma2 => ModelType::Gemma2,
            Family::Gemma3Text => ModelType::Gemma3,
            Family::Phi => ModelType::Phi,
            Family::Phi3 => ModelType::Phi3,
            Family::GptNeox => ModelType::GptNeox,
            Family::Falcon => ModelType::Falcon,
            Family::DeepseekV3 => ModelType::DeepseekV3,
        }
    }

    /// The configuration class's defaults (`configuration_<type>.py`, transformers 5.x).
    fn defaults(self) -> Defaults {
        use HeadDimDefault::{Fixed as Hd, HiddenOverHeads};
        use KvDefault::{Fixed as Kv, Heads};
        let d = |vocab, hidden, intermediate, layers, heads, kv, head_dim, tied| Defaults {
            vocab,
            hidden,
            intermediate,
            layers,
            heads,
            kv,
            head_dim,
            tied,
        };
        match self {
            Family::Llama => d(32000, 4096, 11008, 32, 32, Heads, HiddenOverHeads, false),
            Family::Mistral => d(32000, 4096, 14336, 32, 32, Kv(8), HiddenOverHeads, false),
            Family::Mixtral => d(32000, 4096, 14336, 32, 32, Kv(8), HiddenOverHeads, false),
            Family::Qwen2 => d(151936, 4096, 22016, 32, 32, Kv(32), HiddenOverHeads, false),
            Family::Qwen2Moe => d(151936, 2048, 5632, 24, 16, Kv(16), HiddenOverHeads, false),
            Family::Qwen3 => d(151936, 4096, 22016, 32, 32, Kv(32), Hd(128), false),
            Family::Qwen3Moe => d(151936, 2048, 6144, 24, 32, Kv(4), HiddenOverHeads, false),
            Family::Gemma => d(256000, 3072, 24576, 28, 16, Kv(16), Hd(256), true),
            Family::Gemma2 => d(256000, 2304, 9216, 26, 8, Kv(4), Hd(256), true),
            Family::Gemma3Text => d(262208, 2304, 9216, 26, 8, Kv(4), Hd(256), true),
            Family::Phi => d(51200, 2048, 8192, 24, 32, Heads, HiddenOverHeads, false),
            Family::Phi3 => d(32064, 3072, 8192, 32, 32, Heads, HiddenOverHeads, false),
            // GPT-NeoX and Falcon ignore head_dim and num_key_value_heads (see `parse_text`).
            Family::GptNeox => d(50432, 6144, 24576, 44, 64, Heads, HiddenOverHeads, false),
            Family::Falcon => d(65024, 4544, 0, 32, 71, Heads, HiddenOverHeads, true),
            Family::DeepseekV3 => d(129280, 7168, 18432, 61, 128, Heads, HiddenOverHeads, false),
        }
    }
}

#[derive(Clone, Copy)]
enum KvDefault {
    /// `None`, replaced by `num_attention_heads` in `__post_init__`.
    Heads,
    /// A fixed class default.
    Fixed(u64),
}

#[derive(Clone, Copy)]
enum HeadDimDefault {
    /// `hidden_size // num_attention_heads`.
    HiddenOverHeads,
    /// A fixed class default.
    Fixed(u64),
}

/// Defaults of the shape fields for one configuration class.
#[derive(Clone, Copy)]
struct Defaults {
    vocab: u64,
    hidden: u64,
    intermediate: u64,
    layers: u64,
    heads: u64,
    kv: KvDefault,
    head_dim: HeadDimDefault,
    tied: bool,
}

/// `Mistral3Config.sub_configs_defaults["text_config"].init_kwargs` (Mistral-Small-3.1-24B).
const MISTRAL3_TEXT_DEFAULTS: Defaults = Defaults {
    vocab: 131072,
    hidden: 5120,
    intermediate: 32768,
    layers: 40,
    heads: 32,
    kv: KvDefault::Fixed(8),
    head_dim: HeadDimDefault::Fixed(128),
    tied: false,
};

/// How missing shape fields are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A top-level config: the core shape fields are required.
    Required,
    /// A nested `text_config`: everything defaults as the class does.
    ClassDefaults,
    /// `mistral3` without a `text_config`.
    Mistral3Default,
}

/// The `text_config` object, if any; `null` counts as absent (the class then uses its defaults).
fn text_config(obj: &Obj) -> Result<Option<&Obj>, Error> {
    match obj.get("text_config") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(t)) => Ok(Some(t)),
        Some(_) => {
            Err(Error::Invalid { field: "text_config", reason: "must be an object (the language model's config)" })
        }
    }
}

/// A multimodal config without `text_config` but with a top-level `hidden_size` is almost surely a
/// text-only config with the wrong `model_type`; transformers would ignore its shape and build the
/// default language model, so say so instead of returning that.
fn flat_multimodal_check(obj: &Obj) -> Result<(), Error> {
    if obj.contains_key("hidden_size") {
        return Err(Error::Invalid {
            field: "text_config",
            reason: "is missing: a multimodal config keeps the language model's shape in `text_config`, and \
                     transformers ignores a top-level `hidden_size` (for a text-only Gemma 3 use model_type \
                     \"gemma3_text\"; for Mistral 3, \"mistral\")",
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Field readers. Every one returns an error a person can act on, and none can panic.

/// A JSON value as a non-negative integer.
fn as_u64(v: &Value, field: &'static str) -> Result<u64, Error> {
    match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(u);
            }
            if n.is_i64() {
                return Err(Error::Invalid { field, reason: "must not be negative" });
            }
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f < 0.0 {
                Err(Error::Invalid { field, reason: "must not be negative" })
            } else if (0.0..=MAX_EXACT_FLOAT).contains(&f) {
                // In range, so the cast is exact for whole numbers and truncates fractions.
                let u = f as u64;
                if u as f64 == f {
                    Ok(u)
                } else {
                    Err(Error::Invalid { field, reason: "must be a whole number" })
                }
            } else {
                Err(Error::Invalid { field, reason: "is far larger than any real model" })
            }
        }
        Value::Null => Err(Error::Invalid { field, reason: "must be an integer, not null" }),
        _ => Err(Error::Invalid { field, reason: "must be an integer" }),
    }
}

/// A required integer.
fn req_u64(o: &Obj, field: &'static str) -> Result<u64, Error> {
    match o.get(field) {
        None => Err(Error::MissingField(field)),
        Some(v) => as_u64(v, field),
    }
}

/// An integer with a class default; `null` is rejected.
fn opt_u64(o: &Obj, field: &'static str, default: u64) -> Result<u64, Error> {
    match o.get(field) {
        None => Ok(default),
        Some(v) => as_u64(v, field),
    }
}

/// An integer whose default is `None`: absent and `null` are both `None`.
fn nullable_u64(o: &Obj, field: &'static str) -> Result<Option<u64>, Error> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => as_u64(v, field).map(Some),
    }
}

/// A core shape field: required at the top level, else the class default.
fn core(o: &Obj, field: &'static str, mode: Mode, default: u64) -> Result<u64, Error> {
    if mode == Mode::Required {
        req_u64(o, field)
    } else {
        opt_u64(o, field, default)
    }
}

/// A boolean with a class default; `null` is rejected.
fn opt_bool(o: &Obj, field: &'static str, default: bool) -> Result<bool, Error> {
    match o.get(field) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Null) => Err(Error::Invalid { field, reason: "must be true or false, not null" }),
        Some(_) => Err(Error::Invalid { field, reason: "must be true or false" }),
    }
}

/// A `bool | None` field that the modeling code tests for truthiness: `null` is false.
fn truthy_bool(o: &Obj, field: &'static str, default: bool) -> Result<bool, Error> {
    match o.get(field) {
        Some(Value::Null) => Ok(false),
        _ => opt_bool(o, field, default),
    }
}

fn checked_mul(a: u64, b: u64, field: &'static str) -> Result<u64, Error> {
    a.checked_mul(b).ok_or(Error::Invalid { field, reason: "is far larger than any real model" })
}

// ---------------------------------------------------------------------------------------------

/// Reads one language-model config of a known family.
fn parse_text(family: Family, o: &Obj, mode: Mode) -> Result<Architecture, Error> {
    let d = if mode == Mode::Mistral3Default { MISTRAL3_TEXT_DEFAULTS } else { family.defaults() };

    // Falcon accepts the legacy `n_embed` for `hidden_size` (`FalconConfig.__post_init__`).
    let n_embed = if family == Family::Falcon { nullable_u64(o, "n_embed")? } else { None };
    let hidden = match n_embed {
        Some(h) => h,
        None => core(o, "hidden_size", mode, d.hidden)?,
    };
    let layers = core(o, "num_hidden_layers", mode, d.layers)?;
    let heads = core(o, "num_attention_heads", mode, d.heads)?;
    let vocab = core(o, "vocab_size", mode, d.vocab)?;
    // Bound the counts that are divided by or iterated over before using them.
    if heads == 0 {
        return Err(Error::Invalid { field: "num_attention_heads", reason: "must be a positive integer" });
    }
    if heads > LIMIT_HEADS {
        return Err(Error::Invalid { field: "num_attention_heads", reason: "is far larger than any real model" });
    }
    if layers > LIMIT_LAYERS {
        return Err(Error::Invalid { field: "num_hidden_layers", reason: "is far larger than any real model" });
    }
    let hidden_over_heads = hidden / heads;

    let intermediate = match family {
        Family::Falcon => match nullable_u64(o, "ffn_hidden_size")? {
            Some(f) => f,
            None => checked_mul(hidden, 4, "hidden_size")?,
        },
        _ => core(o, "intermediate_size", mode, d.intermediate)?,
    };
    let kv_heads = match o.get("num_key_value_heads") {
        None => match d.kv {
            KvDefault::Heads => heads,
            KvDefault::Fixed(k) => k,
        },
        Some(Value::Null) => heads,
        Some(v) => as_u64(v, "num_key_value_heads")?,
    };
    let head_dim = match nullable_u64(o, "head_dim")? {
        Some(hd) => hd,
        None => match d.head_dim {
            HeadDimDefault::HiddenOverHeads => hidden_over_heads,
            HeadDimDefault::Fixed(hd) => hd,
        },
    };
    let tied_embeddings = opt_bool(o, "tie_word_embeddings", d.tied)?;

    let mut a = Architecture::llama_style(
        family.model_type(),
        hidden,
        layers,
        heads,
        kv_heads,
        head_dim,
        intermediate,
        vocab,
        tied_embeddings,
    );

    match family {
        Family::Llama => {
            let bias = opt_bool(o, "attention_bias", false)?;
            a.qkv_bias = bias;
            a.o_bias = bias;
            a.mlp_bias = opt_bool(o, "mlp_bias", false)?;
        }
        Family::Mistral => {}
        Family::Mixtral => {
            let experts = match o.get("num_local_experts") {
                Some(v) => as_u64(v, "num_local_experts")?,
                None => opt_u64(o, "num_experts", 8)?,
            };
            if experts == 0 {
                return Err(Error::Invalid {
                    field: "num_local_experts",
                    reason: "must be positive (a Mixtral layer with no experts has no MLP)",
                });
            }
            a.moe = Moe {
                experts,
                top_k: opt_u64(o, "num_experts_per_tok", 2)?,
                expert_intermediate: intermediate,
                ..Moe::default()
            };
        }
        Family::Qwen2 => a.qkv_bias = true,
        Family::Qwen2Moe => {
            a.qkv_bias = opt_bool(o, "qkv_bias", true)?;
            let experts = opt_u64(o, "num_experts", 60)?;
            let moe = Moe {
                experts,
                top_k: opt_u64(o, "num_experts_per_tok", 4)?,
                expert_intermediate: opt_u64(o, "moe_intermediate_size", 1408)?,
                shared_intermediate: opt_u64(o, "shared_expert_intermediate_size", 5632)?,
                shared_gate: true,
                ..Moe::default()
            };
            a.moe = sparse_layout(o, layers, moe)?;
        }
        Family::Qwen3 | Family::Qwen3Moe => {
            let bias = opt_bool(o, "attention_bias", false)?;
            a.qkv_bias = bias;
            a.o_bias = bias;
            a.qk_norm = true;
            if family == Family::Qwen3Moe {
                let experts = match o.get("num_experts") {
                    Some(v) => as_u64(v, "num_experts")?,
                    None => opt_u64(o, "num_local_experts", 128)?,
                };
                let moe = Moe {
                    experts,
                    top_k: opt_u64(o, "num_experts_per_tok", 8)?,
                    expert_intermediate: opt_u64(o, "moe_intermediate_size", 768)?,
                    ..Moe::default()
                };
                a.moe = sparse_layout(o, layers, moe)?;
            }
        }
        Family::Gemma | Family::Gemma2 | Family::Gemma3Text => {
            let bias = opt_bool(o, "attention_bias", false)?;
            a.qkv_bias = bias;
            a.o_bias = bias;
            if family != Family::Gemma {
                a.norms_per_layer = 4;
            }
            a.qk_norm = family == Family::Gemma3Text;
            // Gemma2Config defaults final_logit_softcapping to 30.0, Gemma3TextConfig to None.
            a.logit_softcap = match o.get("final_logit_softcapping") {
                None => family == Family::Gemma2,
                Some(Value::Null) => false,
                Some(Value::Number(_)) => true,
                Some(_) => {
                    return Err(Error::Invalid { field: "final_logit_softcapping", reason: "must be a number or null" })
                }
            };
        }
        Family::Phi => {
            a.qkv_bias = true;
            a.o_bias = true;
            a.mlp_bias = true;
            a.lm_head_bias = true;
            a.mlp = Mlp::Plain;
            a.norm = Norm::LayerNorm;
            a.norms_per_layer = 1;
            a.qk_norm = opt_bool(o, "qk_layernorm", false)?;
            if a.qk_norm && head_dim != hidden_over_heads {
                // `q_layernorm` is sized `hidden_size // num_attention_heads`, not `head_dim`.
                return Err(Error::Invalid {
                    field: "head_dim",
                    reason: "must equal hidden_size / num_attention_heads when qk_layernorm is set",
                });
            }
        }
        Family::Phi3 => {
            a.attention = Attention::Fused;
            a.mlp = Mlp::GatedFused;
        }
        Family::GptNeox => {
            divisible(hidden, heads)?;
            let bias = opt_bool(o, "attention_bias", true)?;
            a.qkv_bias = bias;
            a.o_bias = bias;
            a.mlp_bias = true;
            a.attention = Attention::Fused;
            a.mlp = Mlp::Plain;
            a.norm = Norm::LayerNorm;
            a.kv_heads = heads;
            a.head_dim = hidden_over_heads;
        }
        Family::Falcon => {
            divisible(hidden, heads)?;
            let new_arch = truthy_bool(o, "new_decoder_architecture", false)?;
            let multi_query = truthy_bool(o, "multi_query", true)?;
            let parallel_attn = truthy_bool(o, "parallel_attn", true)?;
            let bias = truthy_bool(o, "bias", false)?;
            let num_kv_heads = nullable_u64(o, "num_kv_heads")?.unwrap_or(heads);
            let num_ln = match nullable_u64(o, "num_ln_in_parallel_attn")? {
                None if new_arch => Some(2),
                n => n,
            };
            a.kv_heads = if new_arch {
                num_kv_heads
            } else if multi_query {
                1
            } else {
                heads
            };
            a.head_dim = hidden_over_heads;
            a.qkv_bias = bias;
            a.o_bias = bias;
            a.mlp_bias = bias;
            a.attention = Attention::Fused;
            a.mlp = Mlp::Plain;
            a.norm = Norm::LayerNorm;
            a.norms_per_layer = if !parallel_attn || num_ln == Some(2) { 2 } else { 1 };
        }
        Family::DeepseekV3 => {
            let q_lora_rank = match o.get("q_lora_rank") {
                None => 1536,
                Some(Value::Null) => 0,
                Some(v) => match as_u64(v, "q_lora_rank")? {
                    0 => {
                        return Err(Error::Invalid {
                            field: "q_lora_rank",
                            reason: "must be positive, or null for a direct q_proj",
                        })
                    }
                    r => r,
                },
            };
            let mla = Mla {
                q_lora_rank,
                kv_lora_rank: opt_u64(o, "kv_lora_rank", 512)?,
                qk_nope_head_dim: opt_u64(o, "qk_nope_head_dim", 128)?,
                qk_rope_head_dim: opt_u64(o, "qk_rope_head_dim", 64)?,
                v_head_dim: opt_u64(o, "v_head_dim", 128)?,
            };
            let bias = opt_bool(o, "attention_bias", false)?;
            a.qkv_bias = bias;
            a.o_bias = bias;
            a.attention = Attention::Latent(mla);
            a.kv_heads = heads;
            a.head_dim = mla.qk_rope_head_dim;
            let experts = match o.get("n_routed_experts") {
                Some(v) => as_u64(v, "n_routed_experts")?,
                None => opt_u64(o, "num_local_experts", 256)?,
            };
            if experts == 0 {
                return Err(Error::Invalid {
                    field: "n_routed_experts",
                    reason: "must be positive (a DeepSeek-V3 MoE layer with no routed experts is not supported)",
                });
            }
            let expert_intermediate = opt_u64(o, "moe_intermediate_size", 2048)?;
            let shared = opt_u64(o, "n_shared_experts", 1)?;
            let dense_layers = opt_u64(o, "first_k_dense_replace", 3)?;
            a.moe = if dense_layers >= layers {
                Moe::default()
            } else {
                Moe {
                    experts,
                    top_k: opt_u64(o, "num_experts_per_tok", 8)?,
                    expert_intermediate,
                    shared_intermediate: checked_mul(expert_intermediate, shared, "n_shared_experts")?,
                    shared_gate: false,
                    dense_layers,
                    router_bias: false,
                }
            };
        }
    }

    sliding_and_extras(family, o, &mut a)?;
    a.validate()?;
    Ok(a)
}

/// Sliding-window layers, Phi-2's activation and residual dropout: what the activations depend on
/// beyond the parameter shapes (`configuration_<type>.py`, `layer_types` in transformers 5).
fn sliding_and_extras(family: Family, o: &Obj, a: &mut Architecture) -> Result<(), Error> {
    let layers = a.layers;
    let window = nullable_u64(o, "sliding_window")?;
    let explicit = match o.get("layer_types") {
        Some(Value::Array(types)) => {
            if types.len() as u64 != layers {
                return Err(Error::Invalid { field: "layer_types", reason: "must list one type per layer" });
            }
            Some(types.iter().filter(|t| t.as_str() == Some("sliding_attention")).count() as u64)
        }
        None | Some(Value::Null) => None,
        Some(_) => return Err(Error::Invalid { field: "layer_types", reason: "must be a list of strings" }),
    };
    let qwen_window = || -> Result<bool, Error> { opt_bool(o, "use_sliding_window", false) };
    let (window, default_layers) = match family {
        // Mistral, Mixtral, Phi-3: every layer when sliding_window is set.
        Family::Mistral | Family::Mixtral | Family::Phi3 => (window.unwrap_or(0), layers),
        Family::Gemma2 => (window.unwrap_or(4096), layers.div_ceil(2)),
        Family::Gemma3Text => {
            let pattern = opt_u64(o, "sliding_window_pattern", 6)?.max(1);
            (window.unwrap_or(4096), layers - layers / pattern)
        }
        // Qwen: only with use_sliding_window, from layer max_window_layers on (Qwen2-MoE: odd
        // layers below max_window_layers).
        Family::Qwen2 | Family::Qwen3 | Family::Qwen3Moe if qwen_window()? => {
            let from = opt_u64(o, "max_window_layers", layers)?.min(layers);
            (window.unwrap_or(4096), layers - from)
        }
        Family::Qwen2Moe if qwen_window()? => {
            let below = opt_u64(o, "max_window_layers", layers)?.min(layers);
            (window.unwrap_or(4096), below.div_ceil(2))
        }
        _ => (0, 0),
    };
    a.sliding_window = window;
    a.sliding_layers = if window == 0 { 0 } else { explicit.unwrap_or(default_layers) };
    if family == Family::Phi {
        a.gelu_new = match o.get("hidden_act") {
            None => true, // PhiConfig's default
            Some(Value::String(act)) => act == "gelu_new",
            Some(_) => return Err(Error::Invalid { field: "hidden_act", reason: "must be a string" }),
        };
        a.resid_dropout = match o.get("resid_pdrop") {
            None | Some(Value::Null) => false,
            Some(Value::Number(p)) => p.as_f64().is_some_and(|p| p > 0.0),
            Some(_) => return Err(Error::Invalid { field: "resid_pdrop", reason: "must be a number" }),
        };
    }
    Ok(())
}

fn divisible(hidden: u64, heads: u64) -> Result<(), Error> {
    if heads == 0 || !hidden.is_multiple_of(heads) {
        return Err(Error::Invalid { field: "hidden_size", reason: "must be a multiple of num_attention_heads" });
    }
    Ok(())
}

/// Which Qwen-MoE layers are sparse: layer `i` is unless it is in `mlp_only_layers` or
/// `(i + 1) % decoder_sparse_step != 0` (`Qwen2MoeDecoderLayer.__init__`). Only a leading run of
/// dense layers is expressible; all-dense gives a dense model.
fn sparse_layout(o: &Obj, layers: u64, moe: Moe) -> Result<Moe, Error> {
    let step = opt_u64(o, "decoder_sparse_step", 1)?;
    if step == 0 {
        return Err(Error::Invalid { field: "decoder_sparse_step", reason: "must be a positive integer" });
    }
    // `layers` is at most LIMIT_LAYERS here, so this allocation is small.
    let n = usize::try_from(layers).unwrap_or(0);
    let mut dense_only = vec![false; n];
    let mut listed = false;
    match o.get("mlp_only_layers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let i = match item {
                    // A negative index matches no layer (Python's `in` compares values).
                    Value::Number(num) if num.as_i64().is_some_and(|i| i < 0) => continue,
                    v => as_u64(v, "mlp_only_layers")?,
                };
                if let Some(slot) = usize::try_from(i).ok().and_then(|i| dense_only.get_mut(i)) {
                    *slot = true;
                    listed = true;
                }
            }
        }
        Some(_) => return Err(Error::Invalid { field: "mlp_only_layers", reason: "must be a list of layer indices" }),
    }
    if moe.experts == 0 {
        return Ok(Moe::default());
    }
    let mut first_sparse = None;
    for (i, dense) in dense_only.iter().enumerate() {
        // i < LIMIT_LAYERS, so i + 1 cannot overflow.
        let sparse = !*dense && (i as u64 + 1).is_multiple_of(step);
        match (first_sparse, sparse) {
            (None, true) => first_sparse = Some(i as u64),
            (Some(_), false) => {
                return Err(Error::Invalid {
                    field: if listed { "mlp_only_layers" } else { "decoder_sparse_step" },
                    reason: "gives dense layers between sparse ones, which is not supported: only a leading \
                             run of dense layers (mlp_only_layers = [0, 1, …, k-1], decoder_sparse_step = 1) is",
                })
            }
            _ => {}
        }
    }
    Ok(match first_sparse {
        None => Moe::default(),
        Some(k) => Moe { dense_layers: k, ..moe },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Architecture, Error> {
        parse_config_str(s)
    }

    #[test]
    fn llama_defaults_follow_the_class() {
        let a = parse(
            r#"{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,
                "intermediate_size":11008,"vocab_size":32000}"#,
        )
        .unwrap();
        assert_eq!(a.kv_heads, 32);
        assert_eq!(a.head_dim, 128);
        assert!(!a.tied_embeddings);
        assert_eq!(a.params().total(), 6_738_415_616); // Llama-2-7b, expected.json
    }

    #[test]
    fn qwen2_kv_heads_default_is_32_not_heads() {
        // configuration_qwen2.py: `num_key_value_heads: int | None = 32`.
        let a = parse(
            r#"{"model_type":"qwen2","hidden_size":2048,"num_hidden_layers":2,"num_attention_heads":64,
                "intermediate_size":1024,"vocab_size":1000}"#,
        )
        .unwrap();
        assert_eq!(a.kv_heads, 32);
        assert!(a.qkv_bias && !a.o_bias);
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(parse("[1]"), Err(Error::Invalid { field: "config.json", reason: "must be a JSON object" }));
        assert_eq!(parse(r#"{"hidden_size":1}"#), Err(Error::MissingField("model_type")));
        assert_eq!(parse(r#"{"model_type":"bert"}"#), Err(Error::UnsupportedModelType("bert".into())));
        assert_eq!(
            parse(r#"{"model_type":"llama","hidden_size":4096}"#),
            Err(Error::MissingField("num_hidden_layers"))
        );
        let bad = |json: &str, field: &'static str| match parse(json) {
            Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field, "{json}"),
            other => panic!("{json}: {other:?}"),
        };
        let base = r#""model_type":"llama","num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":8,"vocab_size":10"#;
        bad(&alloc::format!(r#"{{{base},"hidden_size":-4}}"#), "hidden_size");
        bad(&alloc::format!(r#"{{{base},"hidden_size":4.5}}"#), "hidden_size");
        bad(&alloc::format!(r#"{{{base},"hidden_size":"4096"}}"#), "hidden_size");
        bad(&alloc::format!(r#"{{{base},"hidden_size":1e300}}"#), "hidden_size");
        bad(&alloc::format!(r#"{{{base},"hidden_size":18446744073709551615}}"#), "hidden_size");
        bad(&alloc::format!(r#"{{{base},"hidden_size":16,"tie_word_embeddings":1}}"#), "tie_word_embeddings");
        assert!(parse(&alloc::format!(r#"{{{base},"hidden_size":16.0}}"#)).is_ok());
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        match parse("{\n  \"model_type\": llama\n}") {
            Err(Error::Json(msg)) => assert!(msg.contains("line 2"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn qwen_moe_dense_prefix_and_interleaving() {
        let cfg = |extra: &str| {
            alloc::format!(
                r#"{{"model_type":"qwen3_moe","hidden_size":64,"num_hidden_layers":6,"num_attention_heads":4,
                    "num_key_value_heads":2,"head_dim":16,"intermediate_size":128,"vocab_size":100,
                    "num_experts":8,"num_experts_per_tok":2,"moe_intermediate_size":32{extra}}}"#
            )
        };
        assert_eq!(parse(&cfg("")).unwrap().moe.dense_layers, 0);
        assert_eq!(parse(&cfg(r#","mlp_only_layers":[0,1]"#)).unwrap().moe.dense_layers, 2);
        assert_eq!(parse(&cfg(r#","mlp_only_layers":[0,1,2,3,4,5]"#)).unwrap().moe, Moe::default());
        assert_eq!(parse(&cfg(r#","decoder_sparse_step":7"#)).unwrap().moe, Moe::default());
        assert!(matches!(
            parse(&cfg(r#","decoder_sparse_step":2"#)),
            Err(Error::Invalid { field: "decoder_sparse_step", .. })
        ));
        assert!(matches!(
            parse(&cfg(r#","mlp_only_layers":[3]"#)),
            Err(Error::Invalid { field: "mlp_only_layers", .. })
        ));
        assert!(matches!(parse(&cfg(r#","decoder_sparse_step":0"#)), Err(Error::Invalid { .. })));
    }

    #[test]
    fn falcon_variants() {
        // falcon-40b-style new decoder architecture: 8 kv heads, two LayerNorms, no bias.
        let a = parse(
            r#"{"model_type":"falcon","hidden_size":8192,"num_hidden_layers":60,"num_attention_heads":128,
                "num_kv_heads":8,"new_decoder_architecture":true,"parallel_attn":true,"bias":false,"vocab_size":65024}"#,
        )
        .unwrap();
        assert_eq!((a.kv_heads, a.head_dim, a.norms_per_layer, a.intermediate), (8, 64, 2, 32768));
        // falcon-rw-style: no multi-query, sequential block with two LayerNorms, biases.
        let a = parse(
            r#"{"model_type":"falcon","hidden_size":2048,"num_hidden_layers":24,"num_attention_heads":32,
                "multi_query":false,"parallel_attn":false,"bias":true,"alibi":true,"vocab_size":50304}"#,
        )
        .unwrap();
        assert_eq!((a.kv_heads, a.norms_per_layer), (32, 2));
        assert!(a.qkv_bias && a.o_bias && a.mlp_bias && a.tied_embeddings);
    }

    #[test]
    fn multimodal_uses_text_config() {
        let a = parse(r#"{"model_type":"gemma3","text_config":{"hidden_size":2560,"intermediate_size":10240,"num_hidden_layers":34}}"#)
            .unwrap();
        assert_eq!((a.heads, a.kv_heads, a.head_dim, a.vocab), (8, 4, 256, 262208));
        assert_eq!(a.params().total(), 3_880_263_168); // gemma-3-4b-pt, expected.json
        let a = parse(r#"{"model_type":"mistral3"}"#).unwrap();
        assert_eq!(a.params().total(), 23_572_403_200); // Mistral-Small-3.1-24B, expected.json
        assert!(matches!(
            parse(r#"{"model_type":"gemma3","hidden_size":1152}"#),
            Err(Error::Invalid { field: "text_config", .. })
        ));
        let a = parse(
            r#"{"model_type":"llava","text_config":{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,
                "num_attention_heads":4,"intermediate_size":128,"vocab_size":100}}"#,
        )
        .unwrap();
        assert_eq!(a.model_type, ModelType::Llama);
    }

    #[test]
    fn deepseek_direct_q_proj_has_no_bias() {
        // modeling_deepseek_v3.py: `q_proj` is `bias=False` even with attention_bias.
        let a = parse(
            r#"{"model_type":"deepseek_v3","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":4,
                "intermediate_size":128,"vocab_size":100,"q_lora_rank":null,"kv_lora_rank":16,
                "qk_nope_head_dim":8,"qk_rope_head_dim":4,"v_head_dim":8,"n_routed_experts":4,
                "num_experts_per_tok":2,"moe_intermediate_size":32,"n_shared_experts":2,
                "first_k_dense_replace":1,"attention_bias":true}"#,
        )
        .unwrap();
        let h = 64;
        let attn = h * 4 * 12 // q_proj, no bias
            + h * (16 + 4) + (16 + 4) // kv_a_proj_with_mqa + bias
            + 16 * 4 * (8 + 8) // kv_b_proj
            + 4 * 8 * h + h; // o_proj + bias
        let dense = 3 * h * 128;
        let moe = h * 4 + 4 * 3 * h * 32 + 3 * h * 64;
        let norms = 3 * (2 * h + 16) + h;
        let want = 100 * h * 2 + 3 * attn + dense + 2 * moe + norms;
        assert_eq!(a.params().total(), want);
    }
}
