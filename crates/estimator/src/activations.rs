//! Activations: the tensors autograd saves for backward, the logits, and the largest transients.
//!
//! # Method
//! A training step's activation memory is what autograd keeps between forward and backward,
//! plus the temporaries alive at the worst moment. This module walks one decoder layer the way
//! transformers' `modeling_llama.py` (and its siblings) run it, and adds, per token, each tensor
//! that some backward function saves. A tensor saved by several ops (the norm output that q, k and
//! v all read) is counted once. The reference is Hugging Face `Trainer` with `bf16=True`: forward
//! under `torch.autocast`, then `loss.backward()`.
//!
//! # Dtypes
//! - The residual stream has the embeddings' dtype: 16-bit, or fp32 when the weights are fp32 or
//!   `prepare_model_for_kbit_training` upcast the embeddings and norms.
//! - Under autocast a 16-bit `nn.Linear` outputs bf16/fp16. A bitsandbytes `Linear4bit` casts its
//!   input to the compute dtype and casts the output back to the input's dtype
//!   (`bitsandbytes/nn/modules.py`, `Linear4bit.forward`), so after `prepare_model_for_kbit_training`
//!   QLoRA's projections output fp32.
//!
//! # Saved tensors of one Llama-style layer (per token)
//! - RMSNorm (`LlamaRMSNorm.forward`): `hidden_states.to(torch.float32)` is saved by `pow` and by
//!   the `rsqrt` multiply: `4·h`. With a trainable norm weight the normalized 16-bit tensor too.
//!   `nn.LayerNorm` under autocast runs in fp32 (autocast's fp32 op list) and saves its fp32 input.
//! - Projections: a frozen `nn.Linear` saves nothing of its input (its weight needs no gradient;
//!   `mm`'s backward saves `self` only for the weight's gradient), and neither does bitsandbytes'
//!   4-bit matmul (`MatMul4Bit.forward`: `ctx.tensors = (None, B)`,
//!   `bitsandbytes/autograd/_functions.py`). The int8 matmul keeps its input
//!   (`MatMul8bitLt`: `ctx.tensors = (CAt, subA, A)`), and a trainable Linear saves its input.
//! - Autocast casts fp32 weights to bf16 for each matmul, and the matmul saves the copy for the
//!   input's gradient: after `prepare_model_for_kbit_training` that is the lm_head, `V·h·2` bytes
//!   from the head's forward to its backward; with fp32 base or master weights, every Linear.
//!   Autocast caches a cast only for a leaf that requires grad (`cached_cast`,
//!   aten/src/ATen/autocast_mode.cpp), so a frozen head called once per loss chunk is cast, and
//!   saved, once per chunk.
//! - LoRA (`peft/tuners/lora/layer.py`, `Linear.forward`): the input is cast to the adapter dtype,
//!   `lora_dropout` saves a 1-byte mask and produces a new tensor, and `lora_A` saves its input
//!   (under autocast, the bf16 copy autocast makes); `lora_B` saves `lora_A`'s output (`r` wide).
//!   Every adapted Linear makes its own copies, even when several read the same tensor.
//! - RoPE (`apply_rotary_pos_emb`) saves only `cos`/`sin`, shared by all layers.
//! - SDPA / FlashAttention-2 save q, k, v (post-RoPE, in the kernel's bf16), the output and a
//!   `b·a·s` fp32 logsumexp (`aten/src/ATen/native/transformers/attention.cpp`,
//!   `_scaled_dot_product_flash_attention`; Dao 2023). With GQA and no padding mask, transformers
//!   passes `enable_gqa` and k, v stay at `kv` heads (`integrations/sdpa_attention.py`).
//! - The memory-efficient SDPA kernel (`sdpa_kernel: efficient`, what T4 and V100 run) has no GQA
//!   support (`check_batch_size_and_num_heads_dense<false>`, `sdp_utils.cpp`): k and v reach it
//!   repeated to every query head, and it saves the copies.
//! - Eager attention (`eager_attention_forward`) saves q and `repeat_kv(k)`, the fp32 softmax
//!   output (`softmax(..., dtype=torch.float32)`), its 16-bit copy and `repeat_kv(v)`: the term that
//!   explodes at long context. What the softmax allocates on CUDA, forward and backward, is in
//!   [`eager_softmax`]; the explicit `(b, 1, s, s)` causal mask lives through the forward, and with
//!   checkpointing until the backward ends, since every checkpointed layer keeps it as an argument.
//! - The attention output is made contiguous for `o_proj` (`.reshape(...).contiguous()`).
//! - Gated MLP: the activation saves its input, the product saves both factors: `3·I` elements.
//!   A plain MLP saves `fc1`'s output (`I`).
//! - MoE: the router's fp32 softmax (`E`), and per routed token the expert's MLP tensors plus the
//!   expert output saved by the routing-weight multiply (`h`).
//! - The residual adds save nothing, and the layer input is freed after the layer.
//!
//! # Checkpointing
//! `gradient_checkpointing=True` wraps each decoder layer in `torch.utils.checkpoint`: forward
//! keeps only each layer's input (`e·h` per token per layer); backward recomputes one layer at a
//! time, so one layer's saved tensors exist at once (Chen et al. 2016). A checkpointed forward still
//! holds the attention block's locals (norm output, q, k, v, repeats) while eager's scores exist;
//! when the residual stream is fp32, the first norm's saved input is the kept layer input itself.
//!
//! # Logits and loss
//! `lm_head` outputs `b·s·V` logits (bf16 under autocast). transformers' `ForCausalLMLoss`
//! (`loss/loss_utils.py`) upcasts them, `logits.float()`, and `cross_entropy` saves the fp32
//! `log_softmax` output. Forward peak: `2 + 4 + 4 = 10` bytes per token per vocabulary entry.
//! Backward: `nll_loss` produces a dense fp32 gradient (4), `log_softmax`'s backward reads it and
//! its saved output (4) and writes an fp32 gradient (4): 12 bytes, the loss's peak. Gemma 2's
//! `final_logit_softcapping` adds `tanh`'s saved output (2 bytes) to both. While the loss runs,
//! `LlamaForCausalLM.forward` still holds `outputs.last_hidden_state`, the final norm's output.
//! A loop that keeps `out` (`trainer: custom_loop`) keeps `out.logits` through the backward and
//! the optimizer step (`estimate.rs`). TRL's `SFTTrainer` never makes the logits: see
//! [`TRL_TOKEN_CHUNK`].
//!
//! # Memory savers (issue 13)
//! Each modelled from its source. The chunked loss and activation offloading are measured on the CPU
//! harness (`cpu_fake_savers.jsonl`: 16 steps, within 1.5%, pinned host memory within 0.01%); Liger's
//! fused linear cross-entropy against a replay of its own Python (tests/liger_benchmark.rs); the others
//! not at all, so [`crate::Estimate::range`] widens above when one of those is on (docs/accuracy.md,
//! "Memory savers").
//! - **Liger's kernels** (`use_liger_kernel=True`; Liger-Kernel at ead96b6, 2026-08-21,
//!   liger_kernel/transformers/monkey_patch.py): `LigerRMSNormFunction` saves its input `X` itself
//!   (ops/rms_norm.py, `ctx.save_for_backward(X, W, RSTD)`) instead of an fp32 copy, so it saves `2·h`
//!   per norm on a 16-bit stream and nothing on QLoRA's fp32 stream, and no normalized tensor for a
//!   trained weight; `LigerSiLUMulFunction` (ops/swiglu.py) saves the gate and up outputs only and writes
//!   their gradients in place (`2·I` saved instead of `3·I`, an `I` transient instead of `3·I`); MoE experts
//!   keep transformers' activation here. `LigerRopeFunction` works in place on q and k and saves
//!   `cos`/`sin`, as transformers' RoPE does: no change. Model types Liger does not patch are refused.
//! - **Losses** ([`crate::scenario::Loss`]): the standard loss above; torchtune's chunked loss
//!   (`CEWithChunkedOutputLoss`, torchtune at bd2a0fc, 2026-04-23; uncompiled): the 16-bit logits and every
//!   chunk's saved fp32 `log_softmax` output, plus one chunk's upcast (forward) or one chunk's two fp32
//!   gradients (backward); Liger's fused linear cross-entropy ([`liger_flce`]) and Cut Cross-Entropy
//!   ([`cut_cross_entropy`]), which never make `b·s·V` logits.
//! - **Activation offloading** (TRL 1.16.0 trl/models/activation_offloading.py, from torchtune's
//!   `OffloadActivations`; with checkpointing only): a `saved_tensors_hooks` that copies every saved
//!   tensor of 1 KiB or more, outside the head, to pinned host memory, keeping the last
//!   [`OFFLOAD_STASH`] on the GPU until the copies finish; the backward brings each back for its node and
//!   frees the previous node's. With checkpointing the saved tensors are the layer inputs
//!   (`_NoopSaveInputs` in torch/utils/checkpoint.py), so the GPU keeps at most 5 in the forward and 2 in
//!   the backward; the host holds every layer's input in power-of-two pinned blocks ([`pinned`]), and a copy
//!   of the loss's saved tensors and of the final norm's fp32 input, which also stay on the GPU (each is
//!   saved twice, and the offloader keeps a second save of a stashed storage on the GPU).
//! - **Unsloth** (`framework: unsloth`; unsloth 2026.8.19 unsloth/kernels/fast_lora.py, unsloth_zoo
//!   2026.10.9): RMSNorm as Liger's; `LoRA_QKV` and `LoRA_W` save their input `X`, `LoRA_MLP` saves `X`, `e`
//!   and `g`, in place of PEFT's cast and dropped copies, where every Linear of the group has an adapter and
//!   `lora_dropout == 0`; no fp32 upcast of embeddings, head and norms. `use_gradient_checkpointing="unsloth"`
//!   (`activation_offloading`) sends each checkpointed layer input to host buffers and brings it back into
//!   [`UNSLOTH_GPU_BUFFERS`] GPU buffers. Unsloth's own loss kernels are not modelled: the standard loss
//!   stands in, an upper bound.
//!
//! # Backward transients
//! The largest temporary of one layer's backward: the MLP's three intermediate gradients, or the
//! attention gradients plus the flash kernel's fp32 `dq` accumulator and GQA-expanded `dk`/`dv`;
//! for 4-bit weights, `MatMul4Bit.backward` dequantizes the largest weight to bf16 (and to the
//! gradient's dtype, fp32 after `prepare_model_for_kbit_training`); plus the residual-stream
//! gradient entering and leaving the layer.
//!
//! # Assumptions and known error
//! - Against 50 real Tesla T4 steps (docs/accuracy.md), the allocated peak: mean 0.35%, worst
//!   1.4%; against 125 steps of the CPU harness (the savers' 16 included): mean 0.30%, worst 1.9%.
//! - No padding mask (packed or equal-length batches); with padding, SDPA repeats k and v to `a` heads.
//! - Backward transients are modelled for the MLP, attention and eager softmax; small
//!   temporaries (under `h` per token) are ignored.
//! - Phi-2's composite `gelu_new` saves a few more tensors than modelled.

use crate::arch::{Attention, Input, LayerKind, Linear, Mlp, Norm, Role};
use crate::scenario::{
    AttentionImpl, Framework, Loss, Method, MixedPrecision, Scenario, SdpaKernel, Trainer, WeightDtype,
};

/// Bytes of one fp32 element.
const F32: u64 = 4;
/// Bytes of a dropout mask element (`torch.bool`).
const MASK: u64 = 1;
/// The loss's forward peak per token per vocabulary entry, with 16-bit logits (module doc).
pub const LOSS_FORWARD_BYTES: u64 = 2 + 4 + 4;
/// The loss's backward peak per token per vocabulary entry (module doc).
pub const LOSS_BACKWARD_BYTES: u64 = 4 + 4 + 4;

/// The dtypes a step runs in, in bytes per element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dtypes {
    /// Residual stream and norm outputs.
    pub residual: u64,
    /// Output of a 16-bit Linear (autocast dtype, or the weight dtype without autocast).
    pub matmul: u64,
    /// Output of a base Linear: `matmul`, or the input dtype for bitsandbytes layers.
    pub base_out: u64,
    /// What attention kernels and bitsandbytes compute in.
    pub compute: u64,
    /// Norm outputs (LayerNorm under autocast returns fp32).
    pub norm_out: u64,
    /// q, k, v and the attention scores: autocast's 16-bit type, or the projections' output dtype
    /// (fp32 for bitsandbytes layers after `prepare_model_for_kbit_training`).
    pub attention: u64,
    /// The 16-bit type is fp16 rather than bf16 (`fp16=True`, or fp16 weights without autocast).
    /// Some CUDA kernels special-case fp16 (see [`eager_softmax`]).
    pub fp16: bool,
    /// Whether autocast is on.
    pub autocast: bool,
}

impl Dtypes {
    /// The dtypes of a scenario (see the module doc).
    pub fn of(s: &Scenario) -> Dtypes {
        let autocast = s.mixed_precision != MixedPrecision::No;
        let residual = crate::weights::unquantized_bytes(s);
        let weight_bytes = match s.weight_dtype {
            WeightDtype::Fp32 => 4,
            _ => 2,
        };
        let matmul = if autocast { 2 } else { weight_bytes };
        let quantized = s.weight_dtype.is_quantized() && s.method != Method::Full;
        let base_out = if quantized { residual } else { matmul };
        let compute = if autocast || quantized { 2 } else { weight_bytes };
        let norm_out = if autocast && s.arch.norm == Norm::LayerNorm { F32 } else { residual };
        let attention = if autocast { 2 } else { base_out };
        let fp16 = match s.mixed_precision {
            MixedPrecision::Fp16 => true,
            MixedPrecision::Bf16 => false,
            MixedPrecision::No => s.weight_dtype == WeightDtype::Fp16,
        };
        Dtypes { residual, matmul, base_out, compute, norm_out, attention, fp16, autocast }
    }
}

/// Activation bytes of the step's phases, excluding weights, gradients and optimizer state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Activations {
    /// Kept per layer across the step: its saved tensors, or with checkpointing its input.
    pub kept: u128,
    /// What of `kept` is still on the GPU while the layers are differentiated: `kept`, or with
    /// activation offloading the layer inputs brought back ([`OFFLOAD_STASH`]).
    pub kept_backward: u128,
    /// The part of `loss_forward` that is the logits and the loss's own tensors (without the final
    /// hidden states and the causal mask).
    pub loss_forward_logits: u128,
    /// Host memory the step needs: offloaded activations in pinned buffers.
    pub host: u128,
    /// After the last layer: final norm and head inputs.
    pub head_saved: u128,
    /// The loss's forward peak.
    pub loss_forward: u128,
    /// The loss's backward peak.
    pub loss_backward: u128,
    /// The logits as the model returns them (`out.logits`): a loop that keeps `out` keeps them
    /// through backward and the optimizer step.
    pub logits: u128,
    /// The largest backward temporary of one layer, with the gradient flowing between layers.
    pub layer_backward: u128,
    /// The largest forward temporary of one layer (eager attention scores, or PEFT's copies of the
    /// widest adapted input).
    pub layer_forward: u128,
    /// A checkpointed layer's recompute, at the start of its backward: the forward temporary plus
    /// the residual-stream gradient already waiting for it.
    pub layer_recompute: u128,
    /// The largest layer's saved tensors (recomputed in backward when checkpointing).
    pub layer_max: u128,
    /// The part of `layer_max` that is eager attention's `b·a·s²` scores.
    pub layer_scores_saved: u128,
    /// The part of `layer_max` saved behind attention (o_proj onwards), freed before attention's backward.
    pub layer_after: u128,
    /// The eager scores' backward needs beyond the blocks its forward left: `saved + backward -
    /// forward_alive` of [`EagerScores`], per layer.
    pub layer_scores_extra: u128,
    /// The largest single eager score tensor (the fp32 softmax output), 0 without eager attention.
    pub score_block: u128,
    /// One vocabulary-wide fp32 tensor of the loss (`b·s·V·4`).
    pub loss_block: u128,
    /// One MLP intermediate (`b·s·I`, in the projections' output dtype), the largest per-token
    /// tensor of a layer.
    pub mlp_block: u128,
    /// Autocast's bf16 copy of an fp32 lm_head weight, saved by the head's matmul until its
    /// backward (`prepare_model_for_kbit_training` makes the head fp32).
    pub head_weight_copy: u128,
    /// Autocast's bf16 copies of one layer's fp32 Linear weights (fp32 base or fp32 master weights).
    pub layer_weight_copy: u128,
}

/// Saved bytes per token of one norm reading an input of width `w`.
fn norm_saved(s: &Scenario, d: &Dtypes, w: u64) -> u64 {
    if kernel_norms(s) {
        // Liger's `LigerRMSNormFunction` and Unsloth's `Fast_RMS_Layernorm` save the input itself and
        // an fp32 `rstd` per row (the weight by reference): no fp32 copy, no normalized tensor. The
        // `rstd`, like transformers' saved `rsqrt` output, is 4 bytes a token and left out on both sides.
        return d.residual * w;
    }
    // RMSNorm / LayerNorm: the fp32 copy of the input.
    let mut b = F32 * w;
    if s.method == Method::Full {
        // The weight needs a gradient: `weight * hidden_states.to(input_dtype)` saves the normalized tensor.
        b += d.norm_out * w;
    }
    b
}

/// Whether the RMSNorms are Liger's or Unsloth's kernels (see [`norm_saved`]).
fn kernel_norms(s: &Scenario) -> bool {
    (s.use_liger_kernel || s.framework == Framework::Unsloth) && s.arch.norm == Norm::Rms
}

/// Which of Unsloth's LoRA kernels replace PEFT's layers in one layer kind (`FastLlamaModel.patch_peft_model`,
/// unsloth/models/llama.py: a layer gets `apply_lora_qkv`, `apply_lora_o` or `apply_lora_mlp` when every
/// Linear of the group has an adapter and `lora_dropout == 0`; otherwise PEFT's `Linear.forward` runs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct UnslothFast {
    /// `LoRA_QKV` (unsloth/kernels/fast_lora.py): saves the norm output `X` only.
    qkv: bool,
    /// `LoRA_W` on `o_proj`: saves its input `X`.
    o: bool,
    /// `LoRA_MLP`: saves `X`, and the gate and up outputs `e`, `g`; `h = act(e)·g` is recomputed.
    mlp: bool,
}

fn unsloth_fast(s: &Scenario, kind: LayerKind) -> UnslothFast {
    if s.framework != Framework::Unsloth || s.method == Method::Full || s.lora.dropout > 0.0 || kind != LayerKind::Dense
    {
        return UnslothFast::default();
    }
    let linears = s.arch.linears(kind);
    let all = |roles: &[Role]| {
        roles
            .iter()
            .all(|r| linears.as_slice().iter().any(|l| l.role == *r && !l.param_wrapper && s.lora.targets.contains(l)))
    };
    UnslothFast {
        qkv: all(&[Role::Q, Role::K, Role::V]),
        o: all(&[Role::O]),
        mlp: s.arch.mlp == Mlp::Gated && all(&[Role::Gate, Role::Up, Role::Down]),
    }
}

impl UnslothFast {
    /// Whether this Linear runs inside one of the kernels.
    fn covers(self, l: &Linear) -> bool {
        match l.role {
            Role::Q | Role::K | Role::V => self.qkv,
            Role::O => self.o,
            Role::Gate | Role::Up | Role::Down => self.mlp,
            _ => false,
        }
    }
}

/// Per-token bytes saved for the inputs of a layer's Linears.
///
/// Returns `(shared, copies)`: `shared` is the input tensor itself kept alive (once per input),
/// `copies` the per-Linear copies (casts, dropout, LoRA).
fn linear_inputs_saved(s: &Scenario, d: &Dtypes, l: &Linear, input_dtype: u64) -> (u64, u64) {
    // bitsandbytes' int8 matmul keeps its input (`ctx.tensors = (CAt, subA, A)`); the 4-bit one does
    // not (`ctx.tensors = (None, B)`, `MatMul4Bit.forward`, bitsandbytes/autograd/_functions.py).
    let int8 = s.weight_dtype == WeightDtype::Int8 && s.method != Method::Full;
    let trainable = s.method == Method::Full;
    let mut shared = 0;
    let mut copies = 0;
    if int8 || (trainable && d.autocast) {
        // int8 casts to fp16, autocast to bf16: a new tensor when the dtype differs.
        if input_dtype == d.compute {
            shared = d.compute * l.d_in;
        } else {
            copies += d.compute * l.d_in;
        }
    } else if trainable {
        shared = input_dtype * l.d_in;
    }
    if s.method != Method::Full && s.lora.targets.contains(l) && l.param_wrapper {
        // PEFT's ParamWrapper merges `W + s·B·A` into a new weight (`_LoraFactorsProxy`,
        // `torch.baddbmm`) that needs a gradient, so the expert matmul saves its input;
        // the merged weight itself is counted per layer (`merged_weights`).
        if input_dtype == d.compute {
            shared = shared.max(d.compute * l.d_in);
        } else {
            copies += d.compute * l.d_in;
        }
    } else if s.method != Method::Full && s.lora.targets.contains(l) {
        let adapter = s.lora.dtype.bytes();
        let dropout = s.lora.dropout > 0.0;
        if dropout {
            copies += MASK * l.d_in;
        }
        // lora_A's saved input: autocast's bf16 copy, or the (dropped, cast) adapter-dtype tensor.
        let a_in = if d.autocast { 2 } else { adapter };
        // PEFT casts the input to the adapter dtype first (`_cast_input_dtype`); only when no cast,
        // no dropout and no autocast copy happen does lora_A save the input tensor itself.
        let same_tensor = !dropout && adapter == input_dtype && a_in == input_dtype;
        if same_tensor {
            shared = shared.max(input_dtype * l.d_in);
        } else {
            copies += a_in * l.d_in;
        }
        // lora_B saves lora_A's output.
        copies += a_in * s.lora.rank;
    }
    (shared, copies)
}

/// Saved bytes per token for one layer of the given kind, and its backward transient per token
/// (excluding the s² terms, handled by the caller).
/// What one decoder layer keeps and allocates, per token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LayerCost {
    /// Everything the layer saves for backward.
    saved: u64,
    /// The part of `saved` whose backward runs before attention's (o_proj onwards: post-attention
    /// norms, the MLP, their Linears' inputs), freed by the time attention's backward runs.
    after: u64,
    /// Temporaries of the MLP's backward, on top of `saved`.
    mlp_transient: u64,
    /// Temporaries of attention's backward (without the s² terms), on top of `saved - after`.
    attn_transient: u64,
    /// Temporaries of the forward (also of a checkpointed layer's recompute): PEFT's cast and
    /// dropped copies of the widest adapted input, beside the tensors the block still holds.
    forward_transient: u64,
    /// What the attention block holds in locals while a checkpointed forward computes the
    /// scores: the norm's output, q, k and v, and eager's `repeat_kv` copies.
    attention_locals: u64,
}

fn layer_per_token(s: &Scenario, d: &Dtypes, kind: LayerKind) -> LayerCost {
    let a = &s.arch;
    let h = a.hidden;
    let linears = a.linears(kind);
    let mut saved = 0;
    let mut after = 0;
    let mut forward = 0;
    let mut shared = [0u64; 6];
    let parallel = a.norms_per_layer == 1; // Phi-2, Falcon-7B: attention and MLP read one norm.
    let slot = |i: Input| i as usize;
    let fast = unsloth_fast(s, kind);
    let mut add_linear = |l: &Linear, input_dtype: u64, saved: &mut u64, after: &mut u64, forward: &mut u64| {
        let (sh, cp) = if fast.covers(l) {
            // Unsloth's kernels save the group's input `X` itself (down_proj's is recomputed from e, g),
            // and compute `X @ A` without keeping it.
            (if l.role == Role::Down { 0 } else { input_dtype * l.d_in }, 0)
        } else {
            linear_inputs_saved(s, d, l, input_dtype)
        };
        // Parallel blocks (Phi-2, Falcon-7B) feed attention and MLP from one norm output.
        let input = if parallel && l.input == Input::MlpIn { Input::AttnIn } else { l.input };
        let k = slot(input);
        shared[k] = shared[k].max(sh);
        let copies = cp * if l.routed { a.moe.top_k } else { 1 };
        *saved += copies;
        if matches!(input, Input::AttnOut | Input::MlpIn | Input::MlpMid) {
            *after += copies;
        }
        if s.method != Method::Full && !l.param_wrapper && s.lora.targets.contains(l) && !fast.covers(l) {
            // `Linear.forward` (peft/tuners/lora/layer.py): `x.to(lora_A.weight.dtype)` and
            // `dropout(x)` are alive together while lora_A runs, and the caller still holds x.
            let adapter = s.lora.dtype.bytes();
            let cast = if adapter != input_dtype { adapter } else { 0 };
            let dropped = if s.lora.dropout > 0.0 { adapter } else { 0 };
            *forward = (*forward).max((cast + dropped + input_dtype) * l.d_in);
        }
    };

    // Every norm of the layer saves its fp32 input: two for Llama, one for parallel blocks, four
    // for Gemma 2/3 (`post_attention_layernorm` and `post_feedforward_layernorm` on the branches).
    saved += a.norms_per_layer * norm_saved(s, d, h);
    after += a.norms_per_layer.saturating_sub(1) * norm_saved(s, d, h);
    if a.resid_dropout {
        // Phi-2's `resid_dropout` on the attention and MLP outputs: two bool masks.
        saved += 2 * MASK * h;
        after += 2 * MASK * h;
    }
    let (qd, kd, vd) = a.qkv_dims();
    let proj_out = d.base_out;
    // q, k, v as the kernel saves them: in the compute dtype (autocast casts fp32 to bf16).
    let kernel = d.attention;
    let attn_saved = match s.attention {
        // The memory-efficient kernel takes no GQA: k and v reach it repeated to every query head
        // (`repeat_kv`, a copy), and the kernel saves the copies.
        AttentionImpl::Sdpa if s.sdpa_kernel == SdpaKernel::Efficient && kd < qd => kernel * (qd + 2 * qd.max(kd)),
        AttentionImpl::Sdpa | AttentionImpl::FlashAttention2 => kernel * (qd + kd + vd),
        // q, repeat_kv(k), repeat_kv(v): the repeats copy to `a` heads (no copy without GQA).
        AttentionImpl::Eager => kernel * (qd + 2 * qd.max(kd)),
    };
    saved += attn_saved;
    if a.attention == Attention::Fused && kernel == proj_out && s.attention != AttentionImpl::Eager {
        // v is a view of the fused qkv output (`qkv.view(...).chunk(3)` / slicing), so saving v
        // keeps the whole fused buffer alive, q and k parts included.
        saved += kernel * (qd + kd);
    }
    // The kernel's output, saved by SDPA/flash for backward; eager's output is a fresh matmul result.
    let out_dim = a.attn_out_dim();
    if s.attention != AttentionImpl::Eager {
        saved += kernel * out_dim + F32 * a.heads; // output + logsumexp (per token: a values)
    }
    if a.qk_norm {
        saved += F32 * (qd + kd); // q_norm and k_norm save fp32 copies of q and k
    }
    if let Attention::Latent(m) = a.attention {
        saved += F32 * (m.q_lora_rank + m.kv_lora_rank); // q_a_layernorm, kv_a_layernorm
    }
    for l in linears.as_slice() {
        let input_dtype = match l.input {
            Input::AttnIn | Input::MlpIn => d.norm_out,
            Input::QLatent | Input::KvLatent => d.residual,
            Input::AttnOut => kernel,
            Input::MlpMid => d.base_out,
        };
        add_linear(l, input_dtype, &mut saved, &mut after, &mut forward);
    }

    // MLP block.
    let e = d.base_out;
    let mlp_saved = |inter: u64| match a.mlp {
        // act saves gate's output; the product saves act(gate) and up.
        Mlp::Gated | Mlp::GatedFused => 3 * e * inter,
        // `NewGELUActivation`: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`. `pow` runs in fp32 under
        // autocast and saves its fp32 input; `tanh` saves its output, the final product saves
        // `0.5·x` and `1 + tanh(…)`, all fp32 but `0.5·x` (transformers/activations.py).
        Mlp::Plain if a.gelu_new => {
            if d.autocast {
                3 * F32 * inter + e * inter
            } else {
                4 * e * inter
            }
        }
        // act saves fc1's output.
        Mlp::Plain => e * inter,
    };
    let saved_before_mlp = saved;
    // Liger's `LigerSiLUMulFunction` / GeGLU (liger_kernel/ops/swiglu.py, geglu.py) saves the gate and up
    // outputs `a`, `b` only and writes their gradients in place into them; Unsloth's `LoRA_MLP` keeps `e`, `g`
    // the same way (`_backward_function(DW, e, g)`). Liger patches the dense MLPs (`_patch_swiglu_module`);
    // MoE experts keep transformers' activation here.
    let kernel_mlp = matches!(a.mlp, Mlp::Gated | Mlp::GatedFused) && (s.use_liger_kernel || fast.mlp);
    let mlp_transient = match kind {
        LayerKind::Dense if kernel_mlp => {
            saved += 2 * e * a.intermediate;
            // Only the incoming gradient of the product is new.
            e * a.intermediate
        }
        LayerKind::Dense => {
            saved += mlp_saved(a.intermediate);
            // Backward through the product: grads of m, act(gate) and up alive at once.
            3 * e * a.intermediate
        }
        LayerKind::Moe => {
            let m = a.moe;
            // Router: fp32 softmax over experts (`F.softmax(router_logits, dtype=torch.float)`).
            saved += F32 * m.experts;
            // Routed experts: each token visits top_k of them; the weighting multiply saves the output.
            saved += m.top_k * (mlp_saved(m.expert_intermediate) + e * h);
            if m.shared_intermediate > 0 {
                saved += mlp_saved(m.shared_intermediate);
                if m.shared_gate {
                    saved += e * h; // sigmoid(gate(x)) * shared_expert(x) saves the shared output
                }
            }
            3 * e * m.expert_intermediate * m.top_k
        }
    };
    after += saved - saved_before_mlp;
    let shared_after: u64 = [Input::AttnOut, Input::MlpIn, Input::MlpMid].iter().map(|i| shared[slot(*i)]).sum();
    saved += shared.iter().sum::<u64>();
    after += shared_after;
    // Attention backward: gradients of q, k, v and the output. The flash kernel's backward also
    // accumulates dq in fp32 and, with GQA, writes dk and dv at the full head count before reducing
    // them (`mha_bwd`, aten/src/ATen/native/transformers/cuda/flash_attn/flash_api.cpp:
    // `dq_accum` fp32 `[b, s, a, d]`, `dk_expanded`/`dv_expanded`).
    let kernel_workspace = match s.attention {
        AttentionImpl::Sdpa | AttentionImpl::FlashAttention2 => F32 * qd + if kd < qd { 2 * d.compute * qd } else { 0 },
        AttentionImpl::Eager => 0,
    };
    let repeats = if s.attention == AttentionImpl::Eager && kd < qd { 2 * kernel * qd } else { 0 };
    LayerCost {
        saved,
        after,
        attention_locals: h * d.norm_out + kernel * (qd + kd + vd) + repeats,
        mlp_transient,
        attn_transient: d.compute * (qd + kd + vd + out_dim) + kernel_workspace,
        // The widest adapted input's copies, beside the residual, the block's input and the base
        // layer's output.
        forward_transient: if forward > 0 { forward + 3 * d.residual * h } else { 0 },
    }
}

/// Eager attention's `b·a·s²` tensors, in bytes per score element (of one head) or, in
/// [`ActivationProfile`], per `b·s²` for all heads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EagerScores {
    /// Saved for backward: the fp32 softmax output and its copy in the attention dtype.
    pub saved: u64,
    /// Alive at the forward's widest moment (what a checkpointed forward holds).
    pub forward_alive: u64,
    /// Beyond `saved`, at the softmax's backward.
    pub backward: u64,
}

/// Eager attention's softmax on CUDA, per score element, following `eager_attention_forward`
/// (transformers `models/llama/modeling_llama.py`):
/// `S = matmul(q, kᵀ) * scaling + mask`, `P = softmax(S, dim=-1, dtype=torch.float32).to(q.dtype)`,
/// `out = matmul(P, v)`, with `m` the bytes of q's dtype (`d.attention`).
///
/// - Forward. `at::softmax` (aten/src/ATen/native/SoftMax.cpp) calls `_softmax(S, half_to_float=true)`
///   for an fp16 `S` on CUDA, one kernel; for bf16 (and on the CPU) it converts first,
///   `S.toType(kFloat)`, a 4-byte copy alive while `_softmax` writes its 4-byte output. fp32 `S`
///   needs neither, and `.to(q.dtype)` returns `P` itself. Widest moment: `S + copy + P32`, or
///   `S + P32 + P16` at the cast back, or the two `m`-byte score tensors of `* scaling` and `+ mask`.
/// - Saved: `P32` (by softmax) and `P16` (by the second matmul), one tensor when `m` is 4.
/// - Backward, at `_softmax_backward_data`: the saved `P32`, the fp32 incoming gradient (the
///   backward of `.to`), `softmax_backward_cuda_out`'s `Tensor tmp = grad * output;`
///   (aten/src/ATen/native/cuda/SoftMax.cu), and the result: fp16 with `half_to_float`, fp32
///   otherwise. `P16`'s consumer has run by then, so it is gone.
pub fn eager_softmax(d: &Dtypes) -> EagerScores {
    let m = d.attention;
    let wide = m != F32;
    let half_to_float = wide && d.fp16;
    let convert = if wide && !half_to_float { F32 } else { 0 };
    let cast_back = if wide { m } else { 0 };
    let saved = F32 + cast_back;
    let forward_alive = (2 * m).max(m + convert + F32).max(m + F32 + cast_back);
    let grad_in = if half_to_float { m } else { F32 };
    let backward = (F32 + F32 + grad_in).saturating_sub(cast_back);
    EagerScores { saved, forward_alive, backward }
}

/// Tensors TRL's and torchtune's `OffloadActivations` keep on the GPU after copying them out
/// (`max_fwd_stash_size`, default 5; trl/models/activation_offloading.py, TRL 1.16.0).
pub const OFFLOAD_STASH: u64 = 5;

/// Layer inputs Unsloth's offloaded checkpointing keeps on the GPU: the buffers it brings each input
/// back into (`GPU_BUFFERS`, and `GPU_BUFFERS_B` for prefetching; unsloth_zoo/gradient_checkpointing.py).
pub const UNSLOTH_GPU_BUFFERS: u64 = 2;

/// Host bytes of a pinned buffer of `x` bytes: PyTorch's `CachingHostAllocator` rounds every pinned
/// allocation up to a power of two (`c10::llvm::PowerOf2Ceil` in `CachingHostAllocatorImpl::allocate`,
/// aten/src/ATen/core/CachingHostAllocator.h).
pub fn pinned(x: u128) -> u128 {
    if x == 0 {
        0
    } else {
        x.checked_next_power_of_two().unwrap_or(u128::MAX)
    }
}

/// Tokens in one chunk of Liger's fused linear cross-entropy (`fused_linear_cross_entropy_forward`,
/// liger_kernel/ops/fused_linear_cross_entropy.py): `inc_factor = ceil(V / H)`,
/// `chunk_size = next_power_of_2(ceil(BT / inc_factor))`, at most `BT`, so that one chunk's logits
/// take about as much as the hidden states.
pub fn liger_flce_chunk(tokens: u64, inc_factor: u64) -> u64 {
    let c = tokens.div_ceil(inc_factor.max(1));
    c.checked_next_power_of_two().unwrap_or(u64::MAX).min(tokens)
}

/// Activation memory as a function of batch size and sequence length. Every term is either per
/// token (× `b·s`) or, for eager attention's scores, per `b·s²`, so [`ActivationProfile::at`] is
/// exact at any `(b, s)` and cheap enough to solve for the longest sequence that fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ActivationProfile {
    /// Per layer kind `(dense, moe)`: how many, and what one costs per token.
    layers: [(u64, LayerCost); 2],
    /// Eager attention per `b·s²`, all heads.
    eager: EagerScores,
    /// Eager attention's causal mask per `b·s²`.
    eager_mask: u64,
    /// Heads of eager attention's score tensors (0 without eager attention).
    score_heads: u64,
    /// Vocabulary size.
    vocab: u64,
    /// Bytes per token of one MLP intermediate.
    mlp_width: u64,
    /// Kept per layer per token with checkpointing (the layer input), 0 without.
    checkpoint_input: u64,
    /// The residual-stream gradient per token entering and leaving a layer in backward.
    residual_grad: u64,
    /// Final norm and head inputs per token.
    head: u64,
    /// The final norm's output per token, alive during the loss's forward.
    final_norm_out: u64,
    /// Loss forward and backward peaks per token.
    loss: (u64, u64),
    /// The returned logits per token.
    logits: u64,
    /// Batch-independent bytes of the loss (TRL's chunked log-probabilities' tile buffer).
    loss_fixed: u64,
    /// Batch-independent bytes of the loss's forward only (a fused loss's transient weight copy).
    loss_fixed_forward: u64,
    /// `loss: chunked`: `(chunks, forward bytes per token of one chunk, backward bytes per token of one chunk)`.
    loss_chunked: (u64, u64, u64),
    /// `loss: fused_linear`: `(ceil(V / h), bytes per token of the chunk alive throughout, bytes per token of
    /// the one made beside it)` (see [`liger_flce_chunk`]).
    loss_flce: (u64, u64, u64),
    /// `loss: fused_linear` with a trained 16-bit head: the weight gradient's per-chunk temporaries, made while
    /// one chunk's logits are alive.
    loss_flce_weight_grad: u64,
    /// Per token, the loss's saved tensors that an activation offloader copies to the host (up to two).
    loss_host: (u64, u64),
    /// Activation offloading: `Some(stash)`, the layer inputs an offloader keeps on the GPU in the forward.
    offload: Option<u64>,
    /// Per token, the final norm's saved input that TRL's offloader copies to the host.
    final_norm_host: u64,
    /// The offloader is a `saved_tensors_hooks` (TRL, torchtune) that also takes the loss's saved tensors.
    offload_hooks: bool,
    /// Batch-independent bytes: `(head weight copy, one layer's weight copies)`.
    weight_copies: (u64, u64),
    /// Batch-independent backward transient of one layer: bitsandbytes dequantizes the whole weight.
    dequant: u64,
    /// Per token, the part of a layer's saved tensors that is its input tensor itself (the first
    /// norm's fp32 upcast is a no-op on an fp32 residual stream).
    input_saved_as_is: u64,
    /// Per MoE layer, PEFT's merged expert weights, saved for backward.
    merged: u64,
    /// The largest merged-weight gradient alive beyond them during one MoE layer's backward.
    merged_grad: u64,
    /// Sliding-window layers with a mask (`sdpa` only): `(layers, window, per token, per b·s²)`.
    sliding: (u64, u64, u64, u64),
}

impl ActivationProfile {
    /// The phases at batch `b` and sequence length `s`.
    pub fn at(&self, b: u64, s: u64) -> Activations {
        let n = u128::from(b) * u128::from(s);
        let bss = n * u128::from(s);
        let mut out = Activations::default();
        let mut transient_max = 0;
        // A sequence at least as long as the window needs a mask on the sliding layers
        // (`_ignore_causal_mask_sdpa` skips it only below the window).
        let (sl_layers, window, sl_tok, sl_bss) = self.sliding;
        let sliding = if sl_layers > 0 && s >= window { n * u128::from(sl_tok) + bss * u128::from(sl_bss) } else { 0 };
        let mut forward_max = 0;
        // What a checkpointed forward holds in the attention block's locals while the scores exist.
        let mut before_attention = 0;
        let checkpointing = self.checkpoint_input > 0;
        let dequant = u128::from(self.dequant);
        let mut layers_total = 0u128;
        for (i, &(layers, c)) in self.layers.iter().enumerate() {
            if layers == 0 {
                continue;
            }
            let merged = if i == 1 { u128::from(self.merged) } else { 0 };
            let saved = n * u128::from(c.saved) + bss * u128::from(self.eager.saved) + merged;
            let kept = if checkpointing { n * u128::from(self.checkpoint_input) } else { saved };
            out.kept += u128::from(layers) * kept;
            layers_total += u128::from(layers);
            // With checkpointing the recomputed first norm saves the kept layer input itself when
            // that input is already fp32 (`hidden_states.to(torch.float32)` returns it): no new bytes.
            let shared_input = if checkpointing { n * u128::from(self.input_saved_as_is) } else { 0 };
            out.layer_max = out.layer_max.max(saved.saturating_sub(shared_input) + sliding);
            // Backward runs the MLP first, with every saved tensor of the layer alive; attention's
            // backward comes after the tensors saved behind it (o_proj onwards) have been freed.
            // bitsandbytes dequantizes a weight only inside a Linear's backward, not the softmax's.
            let merged_grad = if i == 1 { u128::from(self.merged_grad) } else { 0 };
            let mlp = n * u128::from(c.mlp_transient) + merged_grad + dequant;
            let after = n * u128::from(c.after);
            let projections = (n * u128::from(c.attn_transient)).saturating_sub(after) + dequant;
            let scores =
                (n * u128::from(c.attn_transient) + bss * u128::from(self.eager.backward)).saturating_sub(after);
            transient_max = transient_max.max(mlp).max(projections).max(scores);
            forward_max = forward_max.max(n * u128::from(c.forward_transient));
            before_attention = before_attention.max(n * u128::from(c.attention_locals));
            out.layer_after = out.layer_after.max(after);
        }
        out.kept_backward = out.kept;
        if let Some(stash) = self.offload {
            // Checkpointed layer inputs (validation requires checkpointing) leave for pinned host buffers;
            // the GPU keeps the offloader's stash in the forward and two brought back in the backward.
            let input = n * u128::from(self.checkpoint_input);
            out.kept = layers_total.min(u128::from(stash)) * input;
            out.kept_backward = layers_total.min(2) * input;
            out.host = layers_total * pinned(input);
        }
        if sliding > 0 {
            if self.checkpoint_input == 0 {
                out.kept += u128::from(sl_layers) * sliding;
            }
            // The boolean mask itself, one per forward, shared by every layer.
            out.kept += bss;
            out.kept_backward += bss;
        }
        // Eager attention's explicit causal mask, `(b, 1, s, s)` in the embeddings' dtype: alive
        // through the forward, and with checkpointing until the last layer input's backward, because
        // every checkpointed layer keeps it as an argument for its recompute.
        let mask = bss * u128::from(self.eager_mask);
        let forward_mask = if self.checkpoint_input > 0 {
            out.kept += mask;
            out.kept_backward += mask;
            0
        } else {
            mask
        };
        out.layer_backward = transient_max + n * u128::from(self.residual_grad);
        out.layer_scores_saved = bss * u128::from(self.eager.saved);
        out.layer_scores_extra =
            bss * u128::from((self.eager.saved + self.eager.backward).saturating_sub(self.eager.forward_alive));
        out.score_block = bss * u128::from(self.score_heads) * u128::from(F32);
        out.loss_block = n * u128::from(self.vocab) * u128::from(F32);
        out.mlp_block = n * u128::from(self.mlp_width);
        // Eager scores at their widest moment in the layer's forward: on top of the kept tensors,
        // which already hold this layer's saved ones unless checkpointing discards them.
        let scores_alive = bss * u128::from(self.eager.forward_alive);
        let scores_transient = scores_alive.saturating_sub(bss * u128::from(self.eager.saved));
        let scores = if checkpointing {
            if scores_alive > 0 {
                scores_alive + before_attention
            } else {
                0
            }
        } else {
            scores_transient
        };
        out.layer_forward = scores.max(forward_max) + forward_mask;
        // A checkpointed layer's recompute saves as it goes, like a forward without checkpointing.
        out.layer_recompute = scores_transient.max(forward_max) + n * u128::from(self.residual_grad);
        out.head_weight_copy = u128::from(self.weight_copies.0);
        out.layer_weight_copy = u128::from(self.weight_copies.1);
        out.head_saved = n * u128::from(self.head);
        let (chunk_forward, chunk_backward) = self.loss_chunk_bytes(b, s);
        out.loss_forward_logits =
            n * u128::from(self.loss.0) + u128::from(self.loss_fixed + self.loss_fixed_forward) + chunk_forward;
        out.loss_forward = out.loss_forward_logits + n * u128::from(self.final_norm_out) + forward_mask;
        out.loss_backward = n * u128::from(self.loss.1) + u128::from(self.loss_fixed) + chunk_backward;
        out.logits = n * u128::from(self.logits);
        if self.offload_hooks {
            // TRL's offloader is a `saved_tensors_hooks`: the loss's saved tensors and the final norm's
            // fp32 input go to the host too (the GPU keeps them: each is saved twice, and the second
            // save of a stashed storage stays on the GPU).
            let (chunks, _, _) = self.loss_chunked;
            let host = if chunks > 0 {
                let c = u128::from(b) * u128::from(s.div_ceil(chunks));
                u128::from(chunks.min(s)) * pinned(c * u128::from(self.loss_host.0))
            } else {
                pinned(n * u128::from(self.loss_host.0))
            };
            out.host += host + pinned(n * u128::from(self.loss_host.1)) + pinned(n * u128::from(self.final_norm_host));
        }
        out
    }

    /// The batch-dependent bytes of a chunked or fused loss that are not per token: `(forward, backward)`.
    fn loss_chunk_bytes(&self, b: u64, s: u64) -> (u128, u128) {
        let (chunks, fwd, bwd) = self.loss_chunked;
        if chunks > 0 {
            // `labels.tensor_split(N, dim=1)`: the first chunks hold ceil(s / N) positions.
            let c = u128::from(b) * u128::from(s.div_ceil(chunks));
            return (c * u128::from(fwd), c * u128::from(bwd));
        }
        let (inc, resident, beside) = self.loss_flce;
        if inc > 0 {
            let c = u128::from(liger_flce_chunk(b.saturating_mul(s), inc));
            return (
                c * u128::from(resident) + (c * u128::from(beside)).max(u128::from(self.loss_flce_weight_grad)),
                0,
            );
        }
        (0, 0)
    }
}

/// The activation profile of a scenario (see the module doc); `batch_size` and `seq_len` are not read.
pub fn profile(s: &Scenario) -> ActivationProfile {
    let a = &s.arch;
    let d = Dtypes::of(s);
    let (dense, moe) = a.layer_split();
    let mut p = ActivationProfile::default();

    if s.attention == AttentionImpl::Eager {
        let e = eager_softmax(&d);
        p.eager = EagerScores {
            saved: a.heads * e.saved,
            forward_alive: a.heads * e.forward_alive,
            backward: a.heads * e.backward,
        };
        // `create_causal_mask` → `eager_mask` (transformers masking_utils): `torch.where(mask, 0, min)`
        // in `inputs_embeds.dtype`, shape `(b, 1, s, s)`.
        p.eager_mask = d.residual;
        p.score_heads = a.heads;
    }
    for (i, (kind, layers)) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)].into_iter().enumerate() {
        if layers > 0 {
            p.layers[i] = (layers, layer_per_token(s, &d, kind));
        }
    }
    if d.residual == F32 || kernel_norms(s) {
        // The first norm saves the layer input itself: its fp32 upcast is a no-op on an fp32 stream, and
        // Liger's and Unsloth's RMSNorm save `X` as it is.
        p.input_saved_as_is = a.hidden * d.residual;
    }
    if s.gradient_checkpointing {
        p.checkpoint_input = a.hidden * d.residual;
    }
    // Gradient of the residual stream entering and leaving the layer being differentiated.
    p.residual_grad = 2 * a.hidden * d.residual;

    // Final norm, and lm_head's input when the head is trained.
    let head_trained = s.method == Method::Full || s.lora.modules_to_save.lm_head;
    // A fused loss (Liger's, Cut Cross-Entropy) reads the head's weight itself: no matmul saves its input.
    let head_matmul = matches!(s.loss, Loss::Standard | Loss::Chunked) || s.trainer == Trainer::TrlSft;
    p.head = norm_saved(s, &d, a.hidden)
        - if s.method == Method::Full && !kernel_norms(s) { d.norm_out * a.hidden } else { 0 }
        + if head_trained && head_matmul { a.hidden * d.compute } else { 0 };
    // The final norm's output, which `LlamaModel.forward` returns as `last_hidden_state`: the
    // `outputs` that `LlamaForCausalLM.forward` holds keeps it alive while the loss is computed,
    // until the model's forward returns. A trained head without autocast saves this very tensor
    // (already in `head`).
    p.final_norm_out = if head_trained && !d.autocast { 0 } else { a.hidden * d.norm_out };
    // Logits: lm_head outputs in the matmul dtype (fp32 when the head is fp32 without autocast).
    let logits = if d.autocast { d.matmul } else { d.residual };
    let upcast = if logits == F32 { 0 } else { F32 };
    // Gemma 2's final softcapping (`Gemma2ForCausalLM.forward`): `tanh` saves its output, in the
    // logits' dtype, until the loss's backward has passed through it.
    let softcap = if a.logit_softcap { logits } else { 0 };
    p.loss = (a.vocab * (logits + upcast + F32 + softcap), a.vocab * (LOSS_BACKWARD_BYTES + softcap));
    // What an activation offloader copies out of the loss: `log_softmax`'s fp32 output, and the softcap's.
    p.loss_host = (a.vocab * F32, softcap * a.vocab);
    p.final_norm_host = if kernel_norms(s) { 0 } else { a.hidden * F32 };
    if s.activation_offloading {
        let unsloth = s.framework == Framework::Unsloth;
        p.offload = Some(if unsloth { UNSLOTH_GPU_BUFFERS } else { OFFLOAD_STASH });
        p.offload_hooks = !unsloth;
    }
    let width = if a.moe.experts > 0 { a.intermediate.max(a.moe.expert_intermediate) } else { a.intermediate };
    p.mlp_width = width * d.base_out;
    if s.trainer == Trainer::TrlSft {
        p.mlp_width = 0;
        trl_chunked_logprob(s, &d, &mut p);
        return finish(s, &d, p);
    }
    // `CausalLMOutputWithPast.logits` is the head's output (after softcapping), before the loss's upcast.
    p.logits = a.vocab * logits;
    p.vocab = a.vocab;
    match s.loss {
        Loss::Standard => {}
        Loss::Chunked => {
            // torchtune's `CEWithChunkedOutputLoss.forward`: each chunk's `logits.float()` lives while its
            // `cross_entropy` runs, whose `log_softmax` output (fp32) stays saved: after the last chunk the
            // 16-bit logits, every chunk's saved output, and one chunk's upcast. Backward, chunk by chunk:
            // the saved outputs not yet consumed, and one chunk's fp32 `nll_loss` and `log_softmax` gradients.
            p.loss = (a.vocab * (logits + F32 + softcap), a.vocab * (F32 + softcap));
            p.loss_chunked = (s.loss_chunks, a.vocab * upcast, a.vocab * 2 * F32);
        }
        Loss::FusedLinear => liger_flce(s, &d, &mut p),
        Loss::CutCrossEntropy => cut_cross_entropy(s, &d, &mut p),
    }
    finish(s, &d, p)
}

/// Liger's fused linear cross-entropy (`LigerFusedLinearCrossEntropyFunction`,
/// liger_kernel/ops/fused_linear_cross_entropy.py, Liger-Kernel at ead96b6, 2026-08-21), which
/// `use_liger_kernel=True` installs as the model's forward (`lce_forward`) while training with labels:
/// - Forward: `grad_input = torch.zeros_like(_input)` (the hidden states' dtype), an fp32 `loss_1d`,
///   then per chunk of [`liger_flce_chunk`] tokens the chunk's logits (`_input_chunk @ weight.t()`, in
///   the matmul dtype), into which the cross-entropy kernel writes their gradient in place, and
///   `grad_logits_chunk @ weight`, a chunk of the hidden gradient. The next chunk's logits are made while
///   the previous ones are still bound to `logits_chunk` and `grad_logits_chunk`: two chunks of logits at
///   once. Under autocast an fp32 head weight is cast to bf16 for each matmul (frozen: autocast does not
///   cache it). A trained head accumulates its gradient (`grad_weight`, the weight's dtype) from the
///   forward on; unless that gradient is fp32 on compute capability 8 or newer (`torch.addmm(...,
///   out_dtype=torch.float32)` in place), each chunk adds `torch.mm(grad_logits_chunk.t(), _input_chunk)
///   .float()` to it: a `V·h` product in the matmul dtype and its fp32 copy, beside one chunk's logits.
/// - Checked against a replay of this version (Liger's Python, Triton launches as no-ops) at the shapes of
///   Liger's published benchmark: tests/liger_benchmark.rs. Before the two-chunk and weight-gradient terms
///   the estimate was 1.4–7.4% (frozen head) and 37–42% (trained head) low there.
/// - Saved: `grad_input` only (`ctx.save_for_backward(grad_input, grad_weight, grad_bias)`).
/// - Backward: scales `grad_input` in place (`element_mul_kernel`) and returns it.
///
/// No `b·s·V` tensor exists; the logits are not returned.
pub fn liger_flce(s: &Scenario, d: &Dtypes, p: &mut ActivationProfile) {
    let a = &s.arch;
    let (h, e) = (a.hidden, d.norm_out);
    let lg = if d.autocast { d.matmul } else { e };
    p.loss = (h * e + F32, h * e);
    // One chunk's logits throughout, and beside them the next chunk's (or, when `h > V`, the hidden gradient's
    // chunk).
    p.loss_flce = (a.vocab.div_ceil(h), a.vocab * lg, a.vocab.max(h) * lg);
    let head = crate::weights::unquantized_bytes(s);
    p.loss_fixed_forward = if d.autocast && head == F32 { a.vocab * h * d.compute } else { 0 };
    let head_trained = s.method == Method::Full || s.lora.modules_to_save.lm_head;
    p.loss_fixed = if head_trained { a.vocab * h * head } else { 0 };
    // `_ADDMM_SUPPORTS_OUT_DTYPE` and `get_device_capability()[0] >= 8`: an unknown GPU is taken as recent.
    let addmm_fp32 = head == F32 && s.gpu.is_none_or(|i| crate::gpus::GPUS[i].compute_capability.0 >= 8);
    p.loss_flce_weight_grad = if head_trained && !addmm_fp32 { a.vocab * h * (lg + F32) } else { 0 };
    p.loss_host = (h * e, 0);
    p.logits = 0;
    p.vocab = 0;
}

/// Cut Cross-Entropy (`LinearCrossEntropyFunction`, cut_cross_entropy/cce.py and cce_backward.py,
/// apple/ml-cross-entropy at d42911f, 2025-06-26), as axolotl's `cut_cross_entropy` plugin installs it:
/// - Forward: under autocast the hidden states and the head's weight are cast to the autocast dtype
///   (`e.to(torch.get_autocast_gpu_dtype())`), a blockwise kernel writes one fp32 logsumexp per token,
///   and with the default `filter_eps="auto"` an fp32 `logit_avg` of `V`.
/// - Saved: `e`, `c` (the casts, when they are copies), the logsumexp, `logit_avg`.
/// - Backward: recomputes the logits block by block into `de = torch.zeros_like(e)` (and `dc` for a
///   trained head); autograd casts `de` back to the hidden states' dtype.
pub fn cut_cross_entropy(s: &Scenario, d: &Dtypes, p: &mut ActivationProfile) {
    let a = &s.arch;
    let (h, e) = (a.hidden, d.norm_out);
    let ce = if d.autocast { d.compute } else { e };
    let copy = if ce != e { h * ce } else { 0 };
    let cast_back = if ce != e { h * e } else { 0 };
    p.loss = (F32 + copy, h * ce + F32 + h * ce + cast_back);
    let head = crate::weights::unquantized_bytes(s);
    let weight_copy = if d.autocast && head != d.compute { a.vocab * h * d.compute } else { 0 };
    let head_trained = s.method == Method::Full || s.lora.modules_to_save.lm_head;
    p.loss_fixed = a.vocab * F32 + weight_copy + if head_trained { a.vocab * h * head } else { 0 };
    p.loss_host = (h * ce, F32);
    p.logits = 0;
    p.vocab = 0;
}

/// The terms of the profile that do not depend on the loss.
fn finish(s: &Scenario, d: &Dtypes, mut p: ActivationProfile) -> ActivationProfile {
    let a = &s.arch;
    let d = *d;
    let (dense, moe) = a.layer_split();

    // Autocast casts fp32 weights to bf16 for each matmul, and the matmul saves the copy for the
    // input's gradient (`mm` saves `mat2` when `self` requires grad).
    let head_fp32 = crate::weights::unquantized_bytes(s) == F32;
    let quantized = s.weight_dtype.is_quantized() && s.method != Method::Full;
    let head_matmul = matches!(s.loss, Loss::Standard | Loss::Chunked) || s.trainer == Trainer::TrlSft;
    if d.autocast && head_fp32 {
        // Autocast caches the cast only for a leaf that requires grad (`cached_cast`,
        // aten/src/ATen/autocast_mode.cpp): a frozen head is cast again at every call, and torchtune's
        // chunked head calls it once per chunk, each matmul saving its own copy until that chunk's
        // backward. Measured: cpu_fake_savers.jsonl, the QLoRA chunked cases.
        let head_trained = s.method == Method::Full || s.lora.modules_to_save.lm_head;
        let casts = if s.loss == Loss::Chunked && !head_trained { s.loss_chunks } else { 1u64 };
        p.weight_copies.0 = if head_matmul { casts.saturating_mul(a.vocab * a.hidden * d.compute) } else { 0 };
        if !quantized {
            let per_layer = a.params().linear_weights / a.layers;
            p.weight_copies.1 = per_layer * d.compute;
        }
    }
    if moe > 0 && s.method != Method::Full {
        // PEFT's ParamWrapper materialises `W + s·B·A` for each adapted expert stack and router
        // (`_LoraFactorsProxy.forward`, `torch.baddbmm`, peft/tuners/lora/layer.py); the grouped
        // expert matmul saves it for backward, which then creates its gradient of the same size.
        p.merged = a
            .linears(LayerKind::Moe)
            .as_slice()
            .iter()
            .filter(|l| l.param_wrapper && s.lora.targets.contains(l))
            .map(|l| l.count * l.weight_numel() * d.compute)
            .sum();
        let stack = |role: Role| {
            a.linears(LayerKind::Moe)
                .as_slice()
                .iter()
                .filter(|l| l.param_wrapper && l.routed && l.role == role && s.lora.targets.contains(l))
                .map(|l| l.count * l.weight_numel() * d.compute)
                .sum::<u64>()
        };
        // Backward reaches down_proj first (all merged weights alive, plus down's gradient), then
        // gate_up_proj, once down's merged weight is freed.
        let (down, gate_up) = (stack(Role::Down), stack(Role::GateUp));
        p.merged_grad = down.max(gate_up.saturating_sub(down));
    }
    if a.sliding_layers > 0 && s.attention == AttentionImpl::Sdpa {
        // With a mask, SDPA takes the memory-efficient kernel, which saves the additive bf16 mask
        // (`convert_boolean_attn_mask`) as its bias, and transformers repeats k and v to every head
        // (`use_gqa_in_sdpa` needs a mask-free call; one kv head expands as a view).
        let (qd, kd, _) = a.qkv_dims();
        let repeat = if a.kv_heads > 1 && kd < qd { 2 * d.compute * (qd - kd) } else { 0 };
        p.sliding = (a.sliding_layers, a.sliding_window, repeat, d.compute);
    }
    if s.weight_dtype.is_4bit() && s.method != Method::Full {
        // `MatMul4Bit.backward`: `F.dequantize_4bit(B, ctx.state).to(grad_output.dtype)`: the weight in
        // its load dtype (bf16), plus a copy in the gradient's dtype when that differs (fp32 residual).
        let largest = [LayerKind::Dense, LayerKind::Moe]
            .into_iter()
            .zip([dense, moe])
            .filter(|(_, n)| *n > 0)
            .flat_map(|(k, _)| {
                a.linears(k).as_slice().iter().filter(|l| !l.param_wrapper).map(|l| l.weight_numel()).max()
            })
            .max()
            .unwrap_or(0);
        let grad_copy = if d.base_out == 2 { 0 } else { d.base_out };
        p.dequant = largest * (2 + grad_copy);
    }
    p
}

/// Tokens per projection tile of TRL's chunked log-probabilities (`TOKEN_CHUNK_SIZE`,
/// trl/kernels/chunked_logprob.py, TRL 1.16.0).
pub const TRL_TOKEN_CHUNK: u64 = 4096;
/// Vocabulary columns per tile (`_CHUNKED_LOGPROB_CHUNK_SIZE`, trl/trainer/utils.py, TRL 1.16.0).
pub const TRL_VOCAB_CHUNK: u64 = 32768;

/// TRL's `SFTTrainer` (1.16.0) never materialises the logits: `add_fused_lm_head` replaces the
/// model's forward, and `ChunkedLogProbFunction` (trl/kernels/chunked_logprob.py) projects
/// `[4096, 32768]` tiles into one reused buffer, folding each into per-token fp32 statistics.
/// - Forward: the masked copy of the hidden states it scores (`hidden_states[mask]`), seven
///   fp32 statistics per token, and the tile buffer (`mm_buf`, compute dtype), plus a compute-dtype
///   copy of a tile's weight rows when the head is another dtype.
/// - Saved for backward: that hidden copy, `log_z` and the entropy (fp32).
/// - Backward: an fp32 `grad_hidden`, the fp32 incoming gradient, the tile buffer again, and the
///   gradient cast back to the hidden dtype; an fp32 `grad_weight` when the head is trained.
fn trl_chunked_logprob(s: &Scenario, d: &Dtypes, p: &mut ActivationProfile) {
    let a = &s.arch;
    let h = a.hidden;
    let e = d.norm_out;
    p.loss = (h * e + 7 * F32 + 2 * F32, h * e + 2 * F32 + F32 * h + F32 + h * e);
    let tile = TRL_TOKEN_CHUNK * a.vocab.min(TRL_VOCAB_CHUNK) * d.compute;
    let head = crate::weights::unquantized_bytes(s);
    let weight_copy = if head != d.compute { a.vocab.min(TRL_VOCAB_CHUNK) * h * d.compute } else { 0 };
    let hidden_copy = if e != d.compute { TRL_TOKEN_CHUNK * h * d.compute } else { 0 };
    let head_grad = if s.method == Method::Full || s.lora.modules_to_save.lm_head { a.vocab * h * F32 } else { 0 };
    p.loss_fixed = tile + weight_copy + hidden_copy + head_grad;
    p.loss_host = (h * e, 9 * F32);
    p.logits = 0;
}

/// The activation phases of the scenario at its own batch size and sequence length.
pub fn activations(s: &Scenario) -> Activations {
    profile(s).at(s.batch_size, s.seq_len)
}
