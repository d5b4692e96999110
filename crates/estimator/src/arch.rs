//! The architecture of a decoder-only transformer, and its exact parameter count.
//!
//! # Method
//! A model is described by the shapes that transformers allocates for it: embeddings, one list of
//! `nn.Linear` modules per decoder layer, the norms, and an output head. The parameter count is the
//! sum of those tensors' `numel()`, the tied head counted once, which is what
//! `PreTrainedModel.num_parameters()` returns for a model built with `from_config`.
//!
//! Per tensor (`h` hidden, `a` heads, `kv` key/value heads, `d` head_dim, `I` intermediate, `V` vocab):
//! - attention: q `h·a·d`, k and v `h·kv·d` each, o `a·d·h`
//!   (`modeling_llama.py`, `LlamaAttention.__init__`); `d` is `head_dim` where the config gives it.
//!   Fused variants keep the same total: Phi-3's `qkv_proj`, GPT-NeoX's and Falcon's `query_key_value`.
//! - MLP: gated `3·h·I` (`LlamaMLP`), fused `gate_up_proj` `h·2I` + `down_proj` (Phi-3), or plain
//!   `2·h·I` (GPT-NeoX, Phi-2, Falcon).
//! - MoE: `E` experts of the gated MLP at `moe_intermediate_size`, an `h·E` router, optional shared
//!   experts (Qwen2-MoE adds an `h·1` shared-expert gate), and DeepSeek-V3's first dense layers.
//! - norms: `h` per RMSNorm, `2h` per LayerNorm (weight and bias); Qwen3 and Gemma 3 add a
//!   `d`-sized RMSNorm on q and on k.
//! - embeddings `V·h`, plus an lm_head of `V·h` unless tied.
//!
//! # Accuracy
//! Exact, for the model types the config parser accepts: `tests/fixtures/configs/expected.json`
//! records transformers' own count for each fixture, and the unit tests compare to the unit.

/// The model families that the estimator knows the module layout of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelType {
    /// `llama` (also Mistral-style configs with `model_type: mistral`).
    Llama,
    /// `mistral`.
    Mistral,
    /// `mixtral`: sparse MoE with `w1`/`w2`/`w3` experts.
    Mixtral,
    /// `qwen2`: q, k and v always have a bias.
    Qwen2,
    /// `qwen2_moe`: routed plus one shared expert with a sigmoid gate.
    Qwen2Moe,
    /// `qwen3`: per-head RMSNorm on q and k.
    Qwen3,
    /// `qwen3_moe`.
    Qwen3Moe,
    /// `gemma`: head_dim 256, tied embeddings.
    Gemma,
    /// `gemma2`: four norms per layer.
    Gemma2,
    /// `gemma3` / `gemma3_text`: four norms per layer and q/k norms.
    Gemma3,
    /// `phi` (Phi-2): parallel block, biases everywhere, LayerNorm, lm_head bias.
    Phi,
    /// `phi3` (Phi-3, Phi-4): fused `qkv_proj` and `gate_up_proj`.
    Phi3,
    /// `gpt_neox` (Pythia).
    GptNeox,
    /// `falcon`.
    Falcon,
    /// `deepseek_v3`: multi-head latent attention, shared and routed experts.
    DeepseekV3,
    /// No config: a Llama-style decoder inferred from a parameter count.
    Inferred,
}

impl ModelType {
    /// The `model_type` string of the config.json.
    pub const fn as_str(self) -> &'static str {
        match self {
            ModelType::Llama => "llama",
            ModelType::Mistral => "mistral",
            ModelType::Mixtral => "mixtral",
            ModelType::Qwen2 => "qwen2",
            ModelType::Qwen2Moe => "qwen2_moe",
            ModelType::Qwen3 => "qwen3",
            ModelType::Qwen3Moe => "qwen3_moe",
            ModelType::Gemma => "gemma",
            ModelType::Gemma2 => "gemma2",
            ModelType::Gemma3 => "gemma3",
            ModelType::Phi => "phi",
            ModelType::Phi3 => "phi3",
            ModelType::GptNeox => "gpt_neox",
            ModelType::Falcon => "falcon",
            ModelType::DeepseekV3 => "deepseek_v3",
            ModelType::Inferred => "inferred",
        }
    }
}

/// The normalisation layer used throughout the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// RMSNorm: a weight of `h`, computed in fp32 (`LlamaRMSNorm.forward`).
    Rms,
    /// `nn.LayerNorm`: weight and bias, `2h`.
    LayerNorm,
}

/// The MLP of each decoder layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mlp {
    /// `down(act(gate(x)) * up(x))`, as separate `gate_proj` and `up_proj`.
    Gated,
    /// The gated MLP with gate and up fused into one `gate_up_proj` of `h → 2I` (Phi-3).
    GatedFused,
    /// `fc2(act(fc1(x)))` (GPT-NeoX, Phi-2, Falcon).
    Plain,
}

/// How q, k and v are projected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attention {
    /// Separate `q_proj`, `k_proj`, `v_proj`, `o_proj` (or Phi-2's `dense`).
    Separate,
    /// One fused projection of `h → (a + 2·kv)·d` (`qkv_proj`, `query_key_value`).
    Fused,
    /// DeepSeek's multi-head latent attention.
    Latent(Mla),
}

/// Multi-head latent attention (DeepSeek-V2/V3, `modeling_deepseek_v3.py`, `DeepseekV3Attention`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mla {
    /// `q_lora_rank`: 0 when q is projected directly (`q_proj`).
    pub q_lora_rank: u64,
    /// `kv_lora_rank`.
    pub kv_lora_rank: u64,
    /// `qk_nope_head_dim`.
    pub qk_nope_head_dim: u64,
    /// `qk_rope_head_dim`.
    pub qk_rope_head_dim: u64,
    /// `v_head_dim`.
    pub v_head_dim: u64,
}

impl Mla {
    /// The per-head width of q and k: `qk_nope_head_dim + qk_rope_head_dim`.
    pub const fn qk_head_dim(&self) -> u64 {
        self.qk_nope_head_dim.saturating_add(self.qk_rope_head_dim)
    }
}

/// Mixture-of-experts shape; `experts == 0` means a dense model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Moe {
    /// Routed experts per MoE layer (`num_local_experts`, `num_experts`, `n_routed_experts`).
    pub experts: u64,
    /// Experts each token is routed to (`num_experts_per_tok`).
    pub top_k: u64,
    /// Intermediate size of one routed expert (`moe_intermediate_size`; Mixtral uses `intermediate_size`).
    pub expert_intermediate: u64,
    /// Intermediate size of the shared expert MLP, 0 when there is none
    /// (Qwen2-MoE `shared_expert_intermediate_size`; DeepSeek `n_shared_experts · moe_intermediate_size`).
    pub shared_intermediate: u64,
    /// Qwen2-MoE's `shared_expert_gate`, an `h → 1` Linear.
    pub shared_gate: bool,
    /// Leading layers that keep the dense MLP (DeepSeek `first_k_dense_replace`).
    pub dense_layers: u64,
    /// The router has a per-expert bias parameter (DeepSeek-V3 `e_score_correction_bias`).
    pub router_bias: bool,
}

/// The exact shape of a decoder-only model.
///
/// Construct it from a preset, a config.json ([`crate::config`]) or a parameter count
/// ([`crate::infer`]); [`Architecture::validate`] checks that it is self-consistent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Architecture {
    /// The family, which fixes module names and norm placement.
    pub model_type: ModelType,
    /// `hidden_size`.
    pub hidden: u64,
    /// `num_hidden_layers`.
    pub layers: u64,
    /// `num_attention_heads`.
    pub heads: u64,
    /// `num_key_value_heads` (equal to `heads` without GQA, 1 for multi-query).
    pub kv_heads: u64,
    /// `head_dim`: from the config where given, else `hidden / heads`.
    pub head_dim: u64,
    /// `intermediate_size` of the dense MLP.
    pub intermediate: u64,
    /// `vocab_size`.
    pub vocab: u64,
    /// `tie_word_embeddings`: lm_head shares the embedding matrix.
    pub tied_embeddings: bool,
    /// q, k and v projections have a bias (Qwen2 always; `attention_bias` elsewhere).
    pub qkv_bias: bool,
    /// The attention output projection has a bias.
    pub o_bias: bool,
    /// MLP projections have biases (`mlp_bias`; GPT-NeoX and Phi-2 always).
    pub mlp_bias: bool,
    /// The lm_head has a bias (Phi-2).
    pub lm_head_bias: bool,
    /// Attention projection layout.
    pub attention: Attention,
    /// MLP layout.
    pub mlp: Mlp,
    /// Norm type.
    pub norm: Norm,
    /// Norms per decoder layer (2 for Llama, 4 for Gemma 2/3, 1 for parallel blocks).
    pub norms_per_layer: u64,
    /// Per-head RMSNorm of `head_dim` on q and on k (Qwen3, Gemma 3).
    pub qk_norm: bool,
    /// Mixture of experts, if any.
    pub moe: Moe,
    /// `final_logit_softcapping` (Gemma 2): `tanh(logits / c) · c` on the logits before the loss.
    pub logit_softcap: bool,
    /// `hidden_act: gelu_new` (Phi-2): `NewGELUActivation`, a chain of elementwise ops that each
    /// save a tensor, not one fused GELU.
    pub gelu_new: bool,
    /// Dropout on the residual branches during training (Phi-2's `resid_pdrop > 0`).
    pub resid_dropout: bool,
    /// Sliding-window attention span in tokens (`sliding_window`), 0 when there is none.
    pub sliding_window: u64,
    /// How many layers use the sliding window (`layer_types`: Gemma 2 every other layer, Gemma 3
    /// five of six, Mistral / Phi-3 all).
    pub sliding_layers: u64,
}

/// What a Linear does, for target shorthands and for the activations it sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Query projection (or MLA's `q_b_proj` / `q_proj`).
    Q,
    /// Key projection.
    K,
    /// Value projection.
    V,
    /// Fused q/k/v projection.
    Qkv,
    /// MLA down-projections (`q_a_proj`, `kv_a_proj_with_mqa`) and up-projection `kv_b_proj`.
    LatentProj,
    /// Attention output projection.
    O,
    /// MLP gate projection.
    Gate,
    /// MLP up projection (or `fc1`, `dense_h_to_4h`).
    Up,
    /// Fused gate/up projection.
    GateUp,
    /// MLP down projection (or `fc2`, `dense_4h_to_h`).
    Down,
    /// MoE router.
    Router,
}

impl Role {
    /// Attention projections: what PEFT users mean by "attention".
    pub const fn is_attention(self) -> bool {
        matches!(self, Role::Q | Role::K | Role::V | Role::Qkv | Role::LatentProj | Role::O)
    }
}

/// Which activation a Linear reads; Linears that read the same tensor share one saved copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// The attention norm's output (`h` per token).
    AttnIn,
    /// MLA's normalised q latent (`q_lora_rank` per token).
    QLatent,
    /// MLA's normalised kv latent (`kv_lora_rank` per token).
    KvLatent,
    /// The attention output, before `o_proj` (`a·d` per token).
    AttnOut,
    /// The MLP norm's output (`h` per token); for parallel blocks the same tensor as `AttnIn`.
    MlpIn,
    /// The MLP's inner activation, before `down_proj` (`I` per token).
    MlpMid,
}

/// One `nn.Linear` of a decoder layer (or a stack of `count` identical ones, such as experts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    /// The module's name as PEFT's `target_modules` matches it.
    pub name: &'static str,
    /// What it does.
    pub role: Role,
    /// `in_features`.
    pub d_in: u64,
    /// `out_features`.
    pub d_out: u64,
    /// How many of them each layer has (experts).
    pub count: u64,
    /// Whether it has a bias.
    pub bias: bool,
    /// Which activation it reads.
    pub input: Input,
    /// A routed expert stack: each token visits `top_k` of the `count` experts.
    pub routed: bool,
    /// Whether PEFT's `"all-linear"` adapts it (see [`Architecture::linears`]).
    pub all_linear: bool,
    /// PEFT adapts it through `ParamWrapper` (`target_parameters`), not `lora.Linear`: a 3-D
    /// expert tensor or a router weight of transformers 5.
    pub param_wrapper: bool,
    /// LoRA rank multiplier: PEFT's transformers-5 conversion gives fused `gate_up_proj` experts
    /// rank `2r` (`rank_pattern`), one `r` per fused branch.
    pub rank_mult: u64,
}

impl Linear {
    const fn new(name: &'static str, role: Role, d_in: u64, d_out: u64, bias: bool, input: Input) -> Self {
        Linear {
            name,
            role,
            d_in,
            d_out,
            count: 1,
            bias,
            input,
            routed: false,
            all_linear: true,
            param_wrapper: false,
            rank_mult: 1,
        }
    }

    /// Weight elements of one of them.
    pub const fn weight_numel(&self) -> u64 {
        self.d_in * self.d_out
    }

    /// Parameters of all `count` of them, bias included.
    pub const fn params(&self) -> u64 {
        self.count * (self.weight_numel() + if self.bias { self.d_out } else { 0 })
    }
}

/// The most Linears one decoder layer has (DeepSeek-V3 MoE layer: 5 attention + router + 2 routed + 3 shared).
pub const MAX_LINEARS: usize = 13;

/// A fixed-capacity list of a layer's Linears; no allocation.
#[derive(Clone, Copy, Debug)]
pub struct Linears {
    items: [Linear; MAX_LINEARS],
    len: usize,
}

impl Linears {
    const EMPTY: Linear = Linear::new("", Role::Q, 0, 0, false, Input::AttnIn);

    fn new() -> Self {
        Linears { items: [Self::EMPTY; MAX_LINEARS], len: 0 }
    }

    fn push(&mut self, l: Linear) {
        // MAX_LINEARS covers every layout built in this module; a longer one is a bug here.
        self.items[self.len] = l;
        self.len += 1;
    }

    /// The Linears, in module order.
    pub fn as_slice(&self) -> &[Linear] {
        &self.items[..self.len]
    }
}

/// The two kinds of decoder layer a model can mix (DeepSeek-V3 starts with dense layers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerKind {
    /// Dense MLP.
    Dense,
    /// Mixture-of-experts MLP.
    Moe,
}

/// Parameter counts by where they live, as transformers allocates them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ParamCounts {
    /// `embed_tokens` (`V·h`).
    pub embedding: u64,
    /// An untied lm_head, with its bias; 0 when tied.
    pub lm_head: u64,
    /// Every norm parameter: per layer, q/k norms, MLA latent norms and the final norm.
    pub norms: u64,
    /// Weights of the `nn.Linear` modules inside the decoder layers (what bitsandbytes quantizes).
    pub linear_weights: u64,
    /// Biases of those Linears (bitsandbytes keeps them 16-bit).
    pub linear_biases: u64,
    /// Other parameters inside the layers: transformers 5's stacked 3-D expert tensors and router
    /// weights (not `nn.Linear`, so bitsandbytes leaves them 16-bit), DeepSeek's router bias.
    pub other: u64,
}

impl ParamCounts {
    /// All parameters, the tied head counted once.
    pub const fn total(&self) -> u64 {
        self.embedding + self.lm_head + self.norms + self.linear_weights + self.linear_biases + self.other
    }

    /// Parameters that stay in 16-bit under bitsandbytes quantization: all but the Linear weights
    /// in the decoder layers (transformers' `get_keys_to_not_convert` keeps the head; embeddings and
    /// norms are not `nn.Linear`).
    pub const fn unquantized(&self) -> u64 {
        self.total() - self.linear_weights
    }
}

impl Architecture {
    /// A Llama-style decoder of these shapes: RMSNorm, gated MLP, separate q/k/v/o projections, no
    /// biases, two norms per layer, dense. Every other layout starts from it and changes fields.
    #[allow(clippy::too_many_arguments)]
    pub const fn llama_style(
        model_type: ModelType,
        hidden: u64,
        layers: u64,
        heads: u64,
        kv_heads: u64,
        head_dim: u64,
        intermediate: u64,
        vocab: u64,
        tied_embeddings: bool,
    ) -> Architecture {
        Architecture {
            model_type,
            hidden,
            layers,
            heads,
            kv_heads,
            head_dim,
            intermediate,
            vocab,
            tied_embeddings,
            qkv_bias: false,
            o_bias: false,
            mlp_bias: false,
            lm_head_bias: false,
            attention: Attention::Separate,
            mlp: Mlp::Gated,
            norm: Norm::Rms,
            norms_per_layer: 2,
            qk_norm: false,
            moe: Moe {
                experts: 0,
                top_k: 0,
                expert_intermediate: 0,
                shared_intermediate: 0,
                shared_gate: false,
                dense_layers: 0,
                router_bias: false,
            },
            logit_softcap: false,
            gelu_new: false,
            resid_dropout: false,
            sliding_window: 0,
            sliding_layers: 0,
        }
    }

    /// `(layers of the dense kind, layers of the MoE kind)`.
    pub const fn layer_split(&self) -> (u64, u64) {
        if self.moe.experts == 0 {
            (self.layers, 0)
        } else {
            let dense = if self.moe.dense_layers < self.layers { self.moe.dense_layers } else { self.layers };
            (dense, self.layers - dense)
        }
    }

    /// Width of the attention output (`a·d`, or `a·v_head_dim` for MLA).
    pub const fn attn_out_dim(&self) -> u64 {
        match self.attention {
            Attention::Latent(m) => self.heads * m.v_head_dim,
            _ => self.heads * self.head_dim,
        }
    }

    /// Elements of q, k and v per token, as attention consumes them.
    pub const fn qkv_dims(&self) -> (u64, u64, u64) {
        match self.attention {
            Attention::Latent(m) => {
                (self.heads * m.qk_head_dim(), self.heads * m.qk_head_dim(), self.heads * m.v_head_dim)
            }
            _ => (self.heads * self.head_dim, self.kv_heads * self.head_dim, self.kv_heads * self.head_dim),
        }
    }

    /// Module names of this family, as in its `modeling_*.py`.
    const fn names(&self) -> Names {
        match self.model_type {
            ModelType::Phi => Names { o: "dense", up: "fc1", down: "fc2", qkv: "qkv_proj", gate: "gate_proj" },
            ModelType::GptNeox | ModelType::Falcon => Names {
                o: "dense",
                up: "dense_h_to_4h",
                down: "dense_4h_to_h",
                qkv: "query_key_value",
                gate: "gate_proj",
            },
            _ => Names { o: "o_proj", up: "up_proj", down: "down_proj", qkv: "qkv_proj", gate: "gate_proj" },
        }
    }

    /// The Linears of one decoder layer of the given kind.
    pub fn linears(&self, kind: LayerKind) -> Linears {
        let mut out = Linears::new();
        let h = self.hidden;
        let n = self.names();
        let (qd, kd, vd) = self.qkv_dims();
        let b = self.qkv_bias;
        match self.attention {
            Attention::Separate => {
                out.push(Linear::new("q_proj", Role::Q, h, qd, b, Input::AttnIn));
                out.push(Linear::new("k_proj", Role::K, h, kd, b, Input::AttnIn));
                out.push(Linear::new("v_proj", Role::V, h, vd, b, Input::AttnIn));
            }
            Attention::Fused => out.push(Linear::new(n.qkv, Role::Qkv, h, qd + kd + vd, b, Input::AttnIn)),
            Attention::Latent(m) => {
                let qk = m.qk_head_dim();
                if m.q_lora_rank == 0 {
                    // DeepseekV3Attention: a direct q_proj is `bias=False` whatever attention_bias says.
                    out.push(Linear::new("q_proj", Role::Q, h, self.heads * qk, false, Input::AttnIn));
                } else {
                    out.push(Linear::new("q_a_proj", Role::LatentProj, h, m.q_lora_rank, b, Input::AttnIn));
                    out.push(Linear::new("q_b_proj", Role::Q, m.q_lora_rank, self.heads * qk, false, Input::QLatent));
                }
                let kv_a = m.kv_lora_rank + m.qk_rope_head_dim;
                out.push(Linear::new("kv_a_proj_with_mqa", Role::LatentProj, h, kv_a, b, Input::AttnIn));
                let kv_b = self.heads * (m.qk_nope_head_dim + m.v_head_dim);
                out.push(Linear::new("kv_b_proj", Role::LatentProj, m.kv_lora_rank, kv_b, false, Input::KvLatent));
            }
        }
        out.push(Linear::new(n.o, Role::O, self.attn_out_dim(), h, self.o_bias, Input::AttnOut));

        let mb = self.mlp_bias;
        match kind {
            LayerKind::Dense => self.push_mlp(&mut out, &n, self.intermediate, mb, 1, false),
            LayerKind::Moe => {
                let m = self.moe;
                // transformers 5 stores routed experts as stacked 3-D tensors (`experts.gate_up_proj`
                // `[E, 2I, h]`, `experts.down_proj` `[E, h, I]`) and the router as a plain weight.
                // PEFT 0.21's transformers-5 conversion (`peft/utils/transformers_weight_conversion.py`)
                // maps "all-linear" onto them for Mixtral, Qwen3-MoE and DeepSeek-V3, but not Qwen2-MoE.
                let wrapped =
                    matches!(self.model_type, ModelType::Mixtral | ModelType::Qwen3Moe | ModelType::DeepseekV3);
                let expert = |name, role, d_in, d_out, input, rank_mult| Linear {
                    count: m.experts,
                    routed: true,
                    all_linear: wrapped,
                    param_wrapper: true,
                    rank_mult,
                    ..Linear::new(name, role, d_in, d_out, false, input)
                };
                let router = Linear {
                    all_linear: wrapped,
                    param_wrapper: true,
                    ..Linear::new("gate", Role::Router, h, m.experts, false, Input::MlpIn)
                };
                out.push(router);
                out.push(expert("experts.gate_up_proj", Role::GateUp, h, 2 * m.expert_intermediate, Input::MlpIn, 2));
                out.push(expert("experts.down_proj", Role::Down, m.expert_intermediate, h, Input::MlpMid, 1));
                if m.shared_intermediate > 0 {
                    self.push_mlp(&mut out, &n, m.shared_intermediate, false, 1, false);
                }
                if m.shared_gate {
                    out.push(Linear::new("shared_expert_gate", Role::Router, h, 1, false, Input::MlpIn));
                }
            }
        }
        if self.model_type == ModelType::DeepseekV3 {
            // The conversion claims gate_proj/up_proj/down_proj for the experts and drops them from
            // the ordinary targets, so DeepSeek-V3's dense MLPs and shared experts get no adapter.
            for l in &mut out.items[..out.len] {
                if matches!(l.role, Role::Gate | Role::Up | Role::Down) && !l.param_wrapper {
                    l.all_linear = false;
                }
            }
        }
        out
    }

    fn push_mlp(&self, out: &mut Linears, n: &Names, inter: u64, bias: bool, count: u64, routed: bool) {
        let h = self.hidden;
        let (gate, up, down) = (n.gate, n.up, n.down);
        let mut push = |l: Linear| out.push(Linear { count, routed, ..l });
        match self.mlp {
            Mlp::Gated => {
                push(Linear::new(gate, Role::Gate, h, inter, bias, Input::MlpIn));
                push(Linear::new(up, Role::Up, h, inter, bias, Input::MlpIn));
            }
            Mlp::GatedFused => push(Linear::new("gate_up_proj", Role::GateUp, h, 2 * inter, bias, Input::MlpIn)),
            Mlp::Plain => push(Linear::new(up, Role::Up, h, inter, bias, Input::MlpIn)),
        }
        push(Linear::new(down, Role::Down, inter, h, bias, Input::MlpMid));
    }

    /// Parameters of one norm of width `w`.
    const fn norm_params(&self, w: u64) -> u64 {
        match self.norm {
            Norm::Rms => w,
            Norm::LayerNorm => 2 * w,
        }
    }

    /// Exact parameter counts (see the module doc).
    pub fn params(&self) -> ParamCounts {
        let h = self.hidden;
        let mut c = ParamCounts {
            embedding: self.vocab * h,
            lm_head: if self.tied_embeddings { 0 } else { self.vocab * h }
                + if self.lm_head_bias { self.vocab } else { 0 },
            ..ParamCounts::default()
        };
        let (dense, moe) = self.layer_split();
        for (kind, layers) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
            if layers == 0 {
                continue;
            }
            for l in self.linears(kind).as_slice() {
                if l.param_wrapper {
                    // Stacked expert tensors and router weights are not nn.Linear in transformers 5.
                    c.other += layers * l.params();
                } else {
                    c.linear_weights += layers * l.count * l.weight_numel();
                    c.linear_biases += layers * if l.bias { l.count * l.d_out } else { 0 };
                }
            }
            if kind == LayerKind::Moe && self.moe.router_bias {
                c.other += layers * self.moe.experts;
            }
        }
        let mut per_layer_norms = self.norms_per_layer * self.norm_params(h);
        if self.qk_norm {
            per_layer_norms += 2 * self.norm_params(self.head_dim);
        }
        if let Attention::Latent(m) = self.attention {
            per_layer_norms += self.norm_params(m.kv_lora_rank);
            if m.q_lora_rank > 0 {
                per_layer_norms += self.norm_params(m.q_lora_rank);
            }
        }
        c.norms = self.layers * per_layer_norms + self.norm_params(h);
        c
    }

    /// Checks that the shape is one a model can have: every size positive, heads divisible by
    /// key/value heads, and every count small enough that byte arithmetic cannot overflow.
    pub fn validate(&self) -> Result<(), crate::Error> {
        use crate::Error::Invalid;
        let positive = [
            ("hidden_size", self.hidden),
            ("num_hidden_layers", self.layers),
            ("num_attention_heads", self.heads),
            ("num_key_value_heads", self.kv_heads),
            ("head_dim", self.head_dim),
            ("intermediate_size", self.intermediate),
            ("vocab_size", self.vocab),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(Invalid { field: name, reason: "must be a positive integer" });
            }
        }
        for (name, v, max) in [
            ("hidden_size", self.hidden, LIMIT_WIDTH),
            ("num_hidden_layers", self.layers, LIMIT_LAYERS),
            ("num_attention_heads", self.heads, LIMIT_HEADS),
            ("num_key_value_heads", self.kv_heads, LIMIT_HEADS),
            ("head_dim", self.head_dim, LIMIT_WIDTH),
            ("intermediate_size", self.intermediate, LIMIT_WIDTH * 8),
            ("vocab_size", self.vocab, LIMIT_VOCAB),
            ("num_experts", self.moe.experts, LIMIT_EXPERTS),
            ("moe_intermediate_size", self.moe.expert_intermediate, LIMIT_WIDTH * 8),
            ("shared_expert_intermediate_size", self.moe.shared_intermediate, LIMIT_WIDTH * 8),
        ] {
            if v > max {
                return Err(Invalid { field: name, reason: "is far larger than any real model" });
            }
        }
        // Latent attention's ranks and head dims size its projections: bounded before `params()`
        // multiplies them (a mutated DeepSeek-V3 config with kv_lora_rank 2^53 overflowed there).
        if let Attention::Latent(m) = self.attention {
            if m.kv_lora_rank == 0 || m.qk_head_dim() == 0 || m.v_head_dim == 0 {
                return Err(Invalid {
                    field: "kv_lora_rank",
                    reason: "latent attention needs positive ranks and head dims",
                });
            }
            for v in [m.kv_lora_rank, m.q_lora_rank, m.qk_nope_head_dim, m.qk_rope_head_dim, m.v_head_dim] {
                if v > LIMIT_WIDTH {
                    return Err(Invalid { field: "kv_lora_rank", reason: "is far larger than any real model" });
                }
            }
        }
        // The per-field limits keep `params()` within u64 (at most ~2^63); this cap keeps every
        // byte count derived from it (×4 for fp32, ×16 for mixed-precision AdamW) far from overflow.
        if self.params().total() > LIMIT_PARAMS {
            return Err(Invalid {
                field: "num_hidden_layers",
                reason: "gives over 10^15 parameters, far beyond any real model",
            });
        }
        if self.sliding_layers > self.layers {
            return Err(Invalid { field: "layer_types", reason: "has more sliding-window layers than layers" });
        }
        if !self.heads.is_multiple_of(self.kv_heads) {
            return Err(Invalid {
                field: "num_key_value_heads",
                reason: "must divide num_attention_heads (grouped-query attention)",
            });
        }
        if self.moe.experts > 0 && (self.moe.top_k == 0 || self.moe.top_k > self.moe.experts) {
            return Err(Invalid {
                field: "num_experts_per_tok",
                reason: "must be between 1 and the number of experts",
            });
        }
        if self.moe.experts > 0 && self.moe.expert_intermediate == 0 {
            return Err(Invalid { field: "moe_intermediate_size", reason: "must be a positive integer" });
        }
        Ok(())
    }
}

/// Largest width accepted (hidden, head_dim): 2^17, 4× the widest published model.
pub const LIMIT_WIDTH: u64 = 1 << 17;
/// Largest depth accepted: 4× the deepest published decoder (Llama-3.1-405B has 126).
pub const LIMIT_LAYERS: u64 = 1024;
/// Largest head count accepted.
pub const LIMIT_HEADS: u64 = 4096;
/// Largest vocabulary accepted: 2^22, 16× Gemma's 256k.
pub const LIMIT_VOCAB: u64 = 1 << 22;
/// Largest expert count accepted (DeepSeek-V3 has 256).
pub const LIMIT_EXPERTS: u64 = 4096;
/// Largest parameter count accepted: 2^50 ≈ 1.1·10^15, a thousand times the largest published model.
pub const LIMIT_PARAMS: u64 = 1 << 50;

struct Names {
    o: &'static str,
    up: &'static str,
    down: &'static str,
    qkv: &'static str,
    gate: &'static str,
}

/// The config.json `model_type` values whose module layout is known.
pub const SUPPORTED_MODEL_TYPES: &[&str] = &[
    "llama",
    "mistral",
    "mixtral",
    "qwen2",
    "qwen2_moe",
    "qwen3",
    "qwen3_moe",
    "gemma",
    "gemma2",
    "gemma3",
    "gemma3_text",
    "phi",
    "phi3",
    "gpt_neox",
    "falcon",
    "deepseek_v3",
    "mistral3",
];

#[cfg(test)]
mod limits {
    use super::*;

    /// Every field at its limit: `params()` must not overflow, and validation must refuse it.
    #[test]
    fn the_largest_accepted_fields_are_refused_by_the_parameter_cap() {
        let mut a = Architecture::llama_style(
            ModelType::Mixtral,
            LIMIT_WIDTH,
            LIMIT_LAYERS,
            LIMIT_HEADS,
            LIMIT_HEADS,
            LIMIT_WIDTH / LIMIT_HEADS,
            LIMIT_WIDTH * 8,
            LIMIT_VOCAB,
            false,
        );
        a.moe = Moe {
            experts: LIMIT_EXPERTS,
            top_k: 8,
            expert_intermediate: LIMIT_WIDTH * 8,
            shared_intermediate: LIMIT_WIDTH * 8,
            shared_gate: true,
            dense_layers: 0,
            router_bias: true,
        };
        let total = a.params().total();
        assert!(total > LIMIT_PARAMS, "{total}");
        assert!(a.validate().is_err());
    }
}
