//! Model presets: the exact architecture of popular base models, from their config.json.
//!
//! Every row is what [`crate::config::parse_config`] returns for the model's config.json on the
//! Hugging Face Hub (its row of [`MODEL_SOURCES`]), so a preset and an uploaded config always agree.
//! `tests/presets.rs` checks that for every preset whose config is in
//! `tests/fixtures/configs/`, and that each count is in the range its name suggests.
//!
//! For multimodal checkpoints (Gemma 3 4B/12B/27B, Mistral Small 3.1) the preset is the language
//! model alone, as a text-only fine-tune loads it; the vision tower is not counted.

use crate::arch::{Architecture, Attention, Mla, Mlp, ModelType, Norm};

/// One selectable model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelPreset {
    /// The Hugging Face repo id, e.g. `"meta-llama/Llama-3.1-8B"`; also the scenario's `model`.
    pub id: &'static str,
    /// A display name.
    pub name: &'static str,
    /// The family, for grouping in a picker (e.g. `"Llama 3.1"`, `"Qwen2.5"`).
    pub family: &'static str,
    /// The exact architecture.
    pub arch: Architecture,
}

/// The config.json each preset was read from, as `(id, url)` in [`MODELS`] order.
///
/// A table of its own rather than a field of [`ModelPreset`], so that a program that never shows
/// the sources (the web page) does not link them; `tests/presets.rs` checks that it lines up.
pub const MODEL_SOURCES: &[(&str, &str)] = &[
    ("meta-llama/Llama-2-7b-hf", "https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json"),
    ("meta-llama/Llama-2-13b-hf", "https://huggingface.co/meta-llama/Llama-2-13b-hf/blob/main/config.json"),
    ("meta-llama/Llama-2-70b-hf", "https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json"),
    ("meta-llama/Meta-Llama-3-8B", "https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json"),
    ("meta-llama/Meta-Llama-3-70B", "https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json"),
    ("meta-llama/Llama-3.1-8B", "https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json"),
    ("meta-llama/Llama-3.1-70B", "https://huggingface.co/meta-llama/Llama-3.1-70B/blob/main/config.json"),
    ("meta-llama/Llama-3.1-405B", "https://huggingface.co/meta-llama/Llama-3.1-405B/blob/main/config.json"),
    ("meta-llama/Llama-3.2-1B", "https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json"),
    ("meta-llama/Llama-3.2-3B", "https://huggingface.co/meta-llama/Llama-3.2-3B/blob/main/config.json"),
    (
        "meta-llama/Llama-3.3-70B-Instruct",
        "https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json",
    ),
    ("mistralai/Mistral-7B-v0.3", "https://huggingface.co/mistralai/Mistral-7B-v0.3/blob/main/config.json"),
    (
        "mistralai/Mistral-Nemo-Base-2407",
        "https://huggingface.co/mistralai/Mistral-Nemo-Base-2407/blob/main/config.json",
    ),
    (
        "mistralai/Mistral-Small-3.1-24B-Base-2503",
        "https://huggingface.co/mistralai/Mistral-Small-3.1-24B-Base-2503/blob/main/config.json",
    ),
    ("mistralai/Mixtral-8x7B-v0.1", "https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json"),
    ("mistralai/Mixtral-8x22B-v0.1", "https://huggingface.co/mistralai/Mixtral-8x22B-v0.1/blob/main/config.json"),
    ("Qwen/Qwen2.5-0.5B", "https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json"),
    ("Qwen/Qwen2.5-1.5B", "https://huggingface.co/Qwen/Qwen2.5-1.5B/blob/main/config.json"),
    ("Qwen/Qwen2.5-3B", "https://huggingface.co/Qwen/Qwen2.5-3B/blob/main/config.json"),
    ("Qwen/Qwen2.5-7B", "https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/config.json"),
    ("Qwen/Qwen2.5-7B-Instruct", "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json"),
    ("Qwen/Qwen2.5-14B", "https://huggingface.co/Qwen/Qwen2.5-14B/blob/main/config.json"),
    ("Qwen/Qwen2.5-32B", "https://huggingface.co/Qwen/Qwen2.5-32B/blob/main/config.json"),
    ("Qwen/Qwen2.5-72B", "https://huggingface.co/Qwen/Qwen2.5-72B/blob/main/config.json"),
    ("Qwen/Qwen3-0.6B", "https://huggingface.co/Qwen/Qwen3-0.6B/blob/main/config.json"),
    ("Qwen/Qwen3-4B", "https://huggingface.co/Qwen/Qwen3-4B/blob/main/config.json"),
    ("Qwen/Qwen3-8B", "https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json"),
    ("Qwen/Qwen3-14B", "https://huggingface.co/Qwen/Qwen3-14B/blob/main/config.json"),
    ("Qwen/Qwen3-32B", "https://huggingface.co/Qwen/Qwen3-32B/blob/main/config.json"),
    ("Qwen/Qwen3-30B-A3B", "https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/config.json"),
    ("Qwen/Qwen1.5-MoE-A2.7B", "https://huggingface.co/Qwen/Qwen1.5-MoE-A2.7B/blob/main/config.json"),
    ("google/gemma-7b", "https://huggingface.co/google/gemma-7b/blob/main/config.json"),
    ("google/gemma-2-2b", "https://huggingface.co/google/gemma-2-2b/blob/main/config.json"),
    ("google/gemma-2-9b", "https://huggingface.co/google/gemma-2-9b/blob/main/config.json"),
    ("google/gemma-2-27b", "https://huggingface.co/google/gemma-2-27b/blob/main/config.json"),
    ("google/gemma-3-1b-pt", "https://huggingface.co/google/gemma-3-1b-pt/blob/main/config.json"),
    ("google/gemma-3-4b-pt", "https://huggingface.co/google/gemma-3-4b-pt/blob/main/config.json"),
    ("google/gemma-3-12b-pt", "https://huggingface.co/google/gemma-3-12b-pt/blob/main/config.json"),
    ("google/gemma-3-27b-pt", "https://huggingface.co/google/gemma-3-27b-pt/blob/main/config.json"),
    ("microsoft/phi-2", "https://huggingface.co/microsoft/phi-2/blob/main/config.json"),
    (
        "microsoft/Phi-3-mini-4k-instruct",
        "https://huggingface.co/microsoft/Phi-3-mini-4k-instruct/blob/main/config.json",
    ),
    (
        "microsoft/Phi-3-medium-4k-instruct",
        "https://huggingface.co/microsoft/Phi-3-medium-4k-instruct/blob/main/config.json",
    ),
    ("microsoft/phi-4", "https://huggingface.co/microsoft/phi-4/blob/main/config.json"),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
        "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/blob/main/config.json",
    ),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B/blob/main/config.json",
    ),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
        "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Llama-8B/blob/main/config.json",
    ),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
        "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-14B/blob/main/config.json",
    ),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
        "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-32B/blob/main/config.json",
    ),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
        "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Llama-70B/blob/main/config.json",
    ),
    ("deepseek-ai/DeepSeek-V3", "https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json"),
    ("EleutherAI/pythia-1b", "https://huggingface.co/EleutherAI/pythia-1b/blob/main/config.json"),
    ("EleutherAI/pythia-6.9b", "https://huggingface.co/EleutherAI/pythia-6.9b/blob/main/config.json"),
    ("tiiuae/falcon-7b", "https://huggingface.co/tiiuae/falcon-7b/blob/main/config.json"),
];

/// The preset a scenario gets when it names none.
pub const DEFAULT_MODEL: &str = "meta-llama/Llama-3.1-8B";

/// The index in [`MODELS`] of the preset with this id: an exact match first, then one that differs
/// only in ASCII case.
pub fn find_model(id: &str) -> Option<usize> {
    MODELS.iter().position(|m| m.id == id).or_else(|| MODELS.iter().position(|m| m.id.eq_ignore_ascii_case(id)))
}

/// `llama` (`modeling_llama.py`), no attention or MLP bias.
#[allow(clippy::too_many_arguments)]
const fn llama(h: u64, l: u64, a: u64, kv: u64, d: u64, i: u64, v: u64, tied: bool) -> Architecture {
    Architecture::llama_style(ModelType::Llama, h, l, a, kv, d, i, v, tied)
}

/// `mistral` (`modeling_mistral.py`): never biased, never tied in these releases.
const fn mistral(h: u64, l: u64, a: u64, kv: u64, d: u64, i: u64, v: u64) -> Architecture {
    Architecture::llama_style(ModelType::Mistral, h, l, a, kv, d, i, v, false)
}

/// `mixtral`: every layer is `e` experts of width `i`, `k` routed per token.
#[allow(clippy::too_many_arguments)]
const fn mixtral(h: u64, l: u64, a: u64, kv: u64, i: u64, v: u64, e: u64, k: u64) -> Architecture {
    let mut m = Architecture::llama_style(ModelType::Mixtral, h, l, a, kv, h / a, i, v, false);
    m.moe.experts = e;
    m.moe.top_k = k;
    m.moe.expert_intermediate = i;
    m
}

/// `qwen2`: q, k and v biased; `head_dim` is `h / a`.
const fn qwen2(h: u64, l: u64, a: u64, kv: u64, i: u64, v: u64, tied: bool) -> Architecture {
    let mut m = Architecture::llama_style(ModelType::Qwen2, h, l, a, kv, h / a, i, v, tied);
    m.qkv_bias = true;
    m
}

/// `qwen3`: head_dim 128 and q/k RMSNorms.
const fn qwen3(h: u64, l: u64, a: u64, kv: u64, i: u64, tied: bool) -> Architecture {
    let mut m = Architecture::llama_style(ModelType::Qwen3, h, l, a, kv, 128, i, 151936, tied);
    m.qk_norm = true;
    m
}

/// `gemma` (two norms per layer), `gemma2` (four) or `gemma3` (four, and q/k norms); tied.
#[allow(clippy::too_many_arguments)]
const fn gemma(t: ModelType, h: u64, l: u64, a: u64, kv: u64, d: u64, i: u64, v: u64) -> Architecture {
    let mut m = Architecture::llama_style(t, h, l, a, kv, d, i, v, true);
    if !matches!(t, ModelType::Gemma) {
        m.norms_per_layer = 4;
    }
    m.qk_norm = matches!(t, ModelType::Gemma3);
    // Gemma 2's config sets final_logit_softcapping = 30.0; Gemma 3's is null.
    m.logit_softcap = matches!(t, ModelType::Gemma2);
    if matches!(t, ModelType::Gemma2) {
        // Gemma2Config: sliding_window 4096 on layers 0, 2, 4, … (`layer_types`).
        m.sliding_window = 4096;
        m.sliding_layers = l.div_ceil(2);
    }
    m
}

/// Gemma 3: `sliding_window` on five layers of every six (`sliding_window_pattern = 6`).
#[allow(clippy::too_many_arguments)]
const fn gemma3(h: u64, l: u64, a: u64, kv: u64, d: u64, i: u64, v: u64, window: u64) -> Architecture {
    let mut m = gemma(ModelType::Gemma3, h, l, a, kv, d, i, v);
    m.sliding_window = window;
    m.sliding_layers = l - l / 6;
    m
}

/// `phi3` (Phi-3, Phi-4): fused `qkv_proj` and `gate_up_proj`, untied.
const fn phi3(h: u64, l: u64, a: u64, kv: u64, i: u64, v: u64) -> Architecture {
    let mut m = Architecture::llama_style(ModelType::Phi3, h, l, a, kv, h / a, i, v, false);
    m.attention = Attention::Fused;
    m.mlp = Mlp::GatedFused;
    m
}

/// Every layer attends within `window` tokens (Phi-3's 4k models: `sliding_window = 2047`).
const fn with_sliding(mut m: Architecture, window: u64) -> Architecture {
    m.sliding_window = window;
    m.sliding_layers = m.layers;
    m
}

/// `gpt_neox` (Pythia): fused biased qkv, biased plain MLP, two LayerNorms, untied.
const fn neox(h: u64, l: u64, a: u64, i: u64, v: u64) -> Architecture {
    let mut m = Architecture::llama_style(ModelType::GptNeox, h, l, a, a, h / a, i, v, false);
    m.qkv_bias = true;
    m.o_bias = true;
    m.mlp_bias = true;
    m.attention = Attention::Fused;
    m.mlp = Mlp::Plain;
    m.norm = Norm::LayerNorm;
    m
}

/// Qwen/Qwen3-30B-A3B: 128 experts of 768, 8 routed, head_dim 128.
const QWEN3_30B_A3B: Architecture = {
    let mut m = Architecture::llama_style(ModelType::Qwen3Moe, 2048, 48, 32, 4, 128, 6144, 151936, false);
    m.qk_norm = true;
    m.moe.experts = 128;
    m.moe.top_k = 8;
    m.moe.expert_intermediate = 768;
    m
};

/// Qwen/Qwen1.5-MoE-A2.7B: 60 experts of 1408, 4 routed, a 5632-wide shared expert and its gate.
const QWEN15_MOE_A27B: Architecture = {
    let mut m = Architecture::llama_style(ModelType::Qwen2Moe, 2048, 24, 16, 16, 128, 5632, 151936, false);
    m.qkv_bias = true;
    m.moe.experts = 60;
    m.moe.top_k = 4;
    m.moe.expert_intermediate = 1408;
    m.moe.shared_intermediate = 5632;
    m.moe.shared_gate = true;
    m
};

/// microsoft/phi-2: parallel block with one LayerNorm, biases everywhere, biased lm_head.
const PHI_2: Architecture = {
    let mut m = Architecture::llama_style(ModelType::Phi, 2560, 32, 32, 32, 80, 10240, 51200, false);
    m.qkv_bias = true;
    m.o_bias = true;
    m.mlp_bias = true;
    m.lm_head_bias = true;
    m.mlp = Mlp::Plain;
    m.norm = Norm::LayerNorm;
    m.norms_per_layer = 1;
    m.gelu_new = true; // hidden_act "gelu_new"
    m.resid_dropout = true; // resid_pdrop 0.1
    m
};

/// tiiuae/falcon-7b: multi-query (one kv head), parallel attention with one LayerNorm, no bias, tied.
const FALCON_7B: Architecture = {
    let mut m = Architecture::llama_style(ModelType::Falcon, 4544, 32, 71, 1, 64, 18176, 65024, true);
    m.attention = Attention::Fused;
    m.mlp = Mlp::Plain;
    m.norm = Norm::LayerNorm;
    m.norms_per_layer = 1;
    m
};

/// deepseek-ai/DeepSeek-V3: MLA, 3 dense layers, then 256 routed experts (8 per token) and one
/// shared expert of 2048. `head_dim` is `qk_rope_head_dim`, as `DeepseekV3Config` sets it.
const DEEPSEEK_V3: Architecture = {
    let mut m = Architecture::llama_style(ModelType::DeepseekV3, 7168, 61, 128, 128, 64, 18432, 129280, false);
    m.attention = Attention::Latent(Mla {
        q_lora_rank: 1536,
        kv_lora_rank: 512,
        qk_nope_head_dim: 128,
        qk_rope_head_dim: 64,
        v_head_dim: 128,
    });
    m.moe.experts = 256;
    m.moe.top_k = 8;
    m.moe.expert_intermediate = 2048;
    m.moe.shared_intermediate = 2048;
    m.moe.dense_layers = 3;
    m
};

/// The presets, grouped by family.
pub const MODELS: &[ModelPreset] = &[
    ModelPreset {
        id: "meta-llama/Llama-2-7b-hf",
        name: "Llama 2 7B",
        family: "Llama 2",
        arch: llama(4096, 32, 32, 32, 128, 11008, 32000, false),
    },
    ModelPreset {
        id: "meta-llama/Llama-2-13b-hf",
        name: "Llama 2 13B",
        family: "Llama 2",
        arch: llama(5120, 40, 40, 40, 128, 13824, 32000, false),
    },
    ModelPreset {
        id: "meta-llama/Llama-2-70b-hf",
        name: "Llama 2 70B",
        family: "Llama 2",
        arch: llama(8192, 80, 64, 8, 128, 28672, 32000, false),
    },
    ModelPreset {
        id: "meta-llama/Meta-Llama-3-8B",
        name: "Llama 3 8B",
        family: "Llama 3",
        arch: llama(4096, 32, 32, 8, 128, 14336, 128256, false),
    },
    ModelPreset {
        id: "meta-llama/Meta-Llama-3-70B",
        name: "Llama 3 70B",
        family: "Llama 3",
        arch: llama(8192, 80, 64, 8, 128, 28672, 128256, false),
    },
    ModelPreset {
        id: "meta-llama/Llama-3.1-8B",
        name: "Llama 3.1 8B",
        family: "Llama 3.1",
        arch: llama(4096, 32, 32, 8, 128, 14336, 128256, false),
    },
    ModelPreset {
        id: "meta-llama/Llama-3.1-70B",
        name: "Llama 3.1 70B",
        family: "Llama 3.1",
        arch: llama(8192, 80, 64, 8, 128, 28672, 128256, false),
    },
    ModelPreset {
        id: "meta-llama/Llama-3.1-405B",
        name: "Llama 3.1 405B",
        family: "Llama 3.1",
        arch: llama(16384, 126, 128, 8, 128, 53248, 128256, false),
    },
    ModelPreset {
        id: "meta-llama/Llama-3.2-1B",
        name: "Llama 3.2 1B",
        family: "Llama 3.2",
        arch: llama(2048, 16, 32, 8, 64, 8192, 128256, true),
    },
    ModelPreset {
        id: "meta-llama/Llama-3.2-3B",
        name: "Llama 3.2 3B",
        family: "Llama 3.2",
        arch: llama(3072, 28, 24, 8, 128, 8192, 128256, true),
    },
    ModelPreset {
        id: "meta-llama/Llama-3.3-70B-Instruct",
        name: "Llama 3.3 70B Instruct",
        family: "Llama 3.3",
        arch: llama(8192, 80, 64, 8, 128, 28672, 128256, false),
    },
    ModelPreset {
        id: "mistralai/Mistral-7B-v0.3",
        name: "Mistral 7B v0.3",
        family: "Mistral",
        arch: mistral(4096, 32, 32, 8, 128, 14336, 32768),
    },
    ModelPreset {
        id: "mistralai/Mistral-Nemo-Base-2407",
        name: "Mistral NeMo 12B",
        family: "Mistral",
        arch: mistral(5120, 40, 32, 8, 128, 14336, 131072),
    },
    ModelPreset {
        id: "mistralai/Mistral-Small-3.1-24B-Base-2503",
        name: "Mistral Small 3.1 24B (text)",
        family: "Mistral",
        arch: mistral(5120, 40, 32, 8, 128, 32768, 131072),
    },
    ModelPreset {
        id: "mistralai/Mixtral-8x7B-v0.1",
        name: "Mixtral 8x7B",
        family: "Mixtral",
        arch: mixtral(4096, 32, 32, 8, 14336, 32000, 8, 2),
    },
    ModelPreset {
        id: "mistralai/Mixtral-8x22B-v0.1",
        name: "Mixtral 8x22B",
        family: "Mixtral",
        arch: mixtral(6144, 56, 48, 8, 16384, 32000, 8, 2),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-0.5B",
        name: "Qwen2.5 0.5B",
        family: "Qwen2.5",
        arch: qwen2(896, 24, 14, 2, 4864, 151936, true),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-1.5B",
        name: "Qwen2.5 1.5B",
        family: "Qwen2.5",
        arch: qwen2(1536, 28, 12, 2, 8960, 151936, true),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-3B",
        name: "Qwen2.5 3B",
        family: "Qwen2.5",
        arch: qwen2(2048, 36, 16, 2, 11008, 151936, true),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-7B",
        name: "Qwen2.5 7B",
        family: "Qwen2.5",
        arch: qwen2(3584, 28, 28, 4, 18944, 152064, false),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-7B-Instruct",
        name: "Qwen2.5 7B Instruct",
        family: "Qwen2.5",
        arch: qwen2(3584, 28, 28, 4, 18944, 152064, false),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-14B",
        name: "Qwen2.5 14B",
        family: "Qwen2.5",
        arch: qwen2(5120, 48, 40, 8, 13824, 152064, false),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-32B",
        name: "Qwen2.5 32B",
        family: "Qwen2.5",
        arch: qwen2(5120, 64, 40, 8, 27648, 152064, false),
    },
    ModelPreset {
        id: "Qwen/Qwen2.5-72B",
        name: "Qwen2.5 72B",
        family: "Qwen2.5",
        arch: qwen2(8192, 80, 64, 8, 29568, 152064, false),
    },
    ModelPreset {
        id: "Qwen/Qwen3-0.6B",
        name: "Qwen3 0.6B",
        family: "Qwen3",
        arch: qwen3(1024, 28, 16, 8, 3072, true),
    },
    ModelPreset { id: "Qwen/Qwen3-4B", name: "Qwen3 4B", family: "Qwen3", arch: qwen3(2560, 36, 32, 8, 9728, true) },
    ModelPreset { id: "Qwen/Qwen3-8B", name: "Qwen3 8B", family: "Qwen3", arch: qwen3(4096, 36, 32, 8, 12288, false) },
    ModelPreset {
        id: "Qwen/Qwen3-14B",
        name: "Qwen3 14B",
        family: "Qwen3",
        arch: qwen3(5120, 40, 40, 8, 17408, false),
    },
    ModelPreset {
        id: "Qwen/Qwen3-32B",
        name: "Qwen3 32B",
        family: "Qwen3",
        arch: qwen3(5120, 64, 64, 8, 25600, false),
    },
    ModelPreset { id: "Qwen/Qwen3-30B-A3B", name: "Qwen3 30B-A3B (MoE)", family: "Qwen3", arch: QWEN3_30B_A3B },
    ModelPreset { id: "Qwen/Qwen1.5-MoE-A2.7B", name: "Qwen1.5-MoE A2.7B", family: "Qwen1.5", arch: QWEN15_MOE_A27B },
    ModelPreset {
        id: "google/gemma-7b",
        name: "Gemma 7B",
        family: "Gemma",
        arch: gemma(ModelType::Gemma, 3072, 28, 16, 16, 256, 24576, 256000),
    },
    ModelPreset {
        id: "google/gemma-2-2b",
        name: "Gemma 2 2B",
        family: "Gemma 2",
        arch: gemma(ModelType::Gemma2, 2304, 26, 8, 4, 256, 9216, 256000),
    },
    ModelPreset {
        id: "google/gemma-2-9b",
        name: "Gemma 2 9B",
        family: "Gemma 2",
        arch: gemma(ModelType::Gemma2, 3584, 42, 16, 8, 256, 14336, 256000),
    },
    ModelPreset {
        id: "google/gemma-2-27b",
        name: "Gemma 2 27B",
        family: "Gemma 2",
        arch: gemma(ModelType::Gemma2, 4608, 46, 32, 16, 128, 36864, 256000),
    },
    ModelPreset {
        id: "google/gemma-3-1b-pt",
        name: "Gemma 3 1B",
        family: "Gemma 3",
        arch: gemma3(1152, 26, 4, 1, 256, 6912, 262144, 512),
    },
    ModelPreset {
        id: "google/gemma-3-4b-pt",
        name: "Gemma 3 4B (text)",
        family: "Gemma 3",
        arch: gemma3(2560, 34, 8, 4, 256, 10240, 262208, 1024),
    },
    ModelPreset {
        id: "google/gemma-3-12b-pt",
        name: "Gemma 3 12B (text)",
        family: "Gemma 3",
        arch: gemma3(3840, 48, 16, 8, 256, 15360, 262208, 1024),
    },
    ModelPreset {
        id: "google/gemma-3-27b-pt",
        name: "Gemma 3 27B (text)",
        family: "Gemma 3",
        arch: gemma3(5376, 62, 32, 16, 128, 21504, 262208, 1024),
    },
    ModelPreset { id: "microsoft/phi-2", name: "Phi-2", family: "Phi", arch: PHI_2 },
    ModelPreset {
        id: "microsoft/Phi-3-mini-4k-instruct",
        name: "Phi-3 mini 4k",
        family: "Phi",
        arch: with_sliding(phi3(3072, 32, 32, 32, 8192, 32064), 2047),
    },
    ModelPreset {
        id: "microsoft/Phi-3-medium-4k-instruct",
        name: "Phi-3 medium 4k",
        family: "Phi",
        arch: with_sliding(phi3(5120, 40, 40, 10, 17920, 32064), 2047),
    },
    ModelPreset { id: "microsoft/phi-4", name: "Phi-4", family: "Phi", arch: phi3(5120, 40, 40, 10, 17920, 100352) },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
        name: "DeepSeek-R1-Distill-Qwen 1.5B",
        family: "DeepSeek-R1-Distill",
        arch: qwen2(1536, 28, 12, 2, 8960, 151936, false),
    },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        name: "DeepSeek-R1-Distill-Qwen 7B",
        family: "DeepSeek-R1-Distill",
        arch: qwen2(3584, 28, 28, 4, 18944, 152064, false),
    },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
        name: "DeepSeek-R1-Distill-Llama 8B",
        family: "DeepSeek-R1-Distill",
        arch: llama(4096, 32, 32, 8, 128, 14336, 128256, false),
    },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
        name: "DeepSeek-R1-Distill-Qwen 14B",
        family: "DeepSeek-R1-Distill",
        arch: qwen2(5120, 48, 40, 8, 13824, 152064, false),
    },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
        name: "DeepSeek-R1-Distill-Qwen 32B",
        family: "DeepSeek-R1-Distill",
        arch: qwen2(5120, 64, 40, 8, 27648, 152064, false),
    },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
        name: "DeepSeek-R1-Distill-Llama 70B",
        family: "DeepSeek-R1-Distill",
        arch: llama(8192, 80, 64, 8, 128, 28672, 128256, false),
    },
    ModelPreset {
        id: "deepseek-ai/DeepSeek-V3",
        name: "DeepSeek-V3 671B (MoE)",
        family: "DeepSeek-V3",
        arch: DEEPSEEK_V3,
    },
    ModelPreset {
        id: "EleutherAI/pythia-1b",
        name: "Pythia 1B",
        family: "Pythia",
        arch: neox(2048, 16, 8, 8192, 50304),
    },
    ModelPreset {
        id: "EleutherAI/pythia-6.9b",
        name: "Pythia 6.9B",
        family: "Pythia",
        arch: neox(4096, 32, 32, 16384, 50432),
    },
    ModelPreset { id: "tiiuae/falcon-7b", name: "Falcon 7B", family: "Falcon", arch: FALCON_7B },
];
