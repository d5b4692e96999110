//! Trainable parameters and their gradients: LoRA adapters, `modules_to_save`, or the whole model.
//!
//! # Formula
//! - LoRA (Hu et al. 2021): each targeted Linear of `d_in → d_out` gets `lora_A` (`r × d_in`) and
//!   `lora_B` (`d_out × r`), `r·(d_in + d_out)` parameters, no bias (`peft/tuners/lora/layer.py`,
//!   `LoraLayer.update_layer`). Stacks of experts get one pair per expert; PEFT's transformers-5
//!   conversion gives fused `gate_up_proj` experts rank `2r`.
//! - PEFT's `"all-linear"` targets every `nn.Linear` except the output head
//!   (`peft/tuners/tuners_utils.py`, `_maybe_include_all_linear_layers`).
//! - Adapter dtype: PEFT upcasts bf16/fp16 adapters to fp32 unless `autocast_adapter_dtype=False`
//!   (`peft/tuners/tuners_utils.py`, `_cast_adapter_dtype`). Gradients have the parameter's dtype.
//! - `modules_to_save` (`peft/utils/other.py`, `ModulesToSaveWrapper`) deep-copies the module: the
//!   frozen original stays, and the trainable copy keeps the original's dtype.
//! - Full fine-tuning trains every parameter; gradients have the weights' dtype (fp32 master
//!   weights under mixed precision, bf16 for pure bf16).
//!
//! # Accuracy
//! The counts are exact: they equal PEFT's `get_nb_trainable_parameters()` for the fixtures in
//! `tests/fixtures/configs/expected.json`. Gradient bytes are the peak, when every gradient exists;
//! with `zero_grad(set_to_none=True)` (PyTorch's default) they are freed after each step.

use crate::arch::LayerKind;
use crate::scenario::{Method, Scenario};
use crate::weights::unquantized_bytes;

/// One trainable tensor shape, repeated `times` across layers and experts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tensor {
    /// First dimension (`out_features` of a weight, or the length of a vector).
    pub rows: u64,
    /// Second dimension; 0 for a vector.
    pub cols: u64,
    /// How many such tensors there are.
    pub times: u64,
    /// Bytes per element.
    pub elem_bytes: u64,
}

impl Tensor {
    /// Elements of one tensor.
    pub const fn numel(&self) -> u64 {
        if self.cols == 0 {
            self.rows
        } else {
            self.rows * self.cols
        }
    }
}

/// Where a trainable tensor lives: what a data-parallel engine shards or gathers it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Inside a decoder layer of this kind.
    Layer(LayerKind),
    /// The input embedding (or a trainable copy of it).
    Embedding,
    /// The output head, its bias, and the norms outside the layers (for full fine-tuning, every norm
    /// weight: they are summed into one vector, see [`for_each_trainable`]).
    Head,
}

/// Calls `f` for every trainable tensor of the scenario (see the module doc).
pub fn for_each_trainable(s: &Scenario, mut f: impl FnMut(Tensor)) {
    for_each_trainable_in(s, |t, _| f(t));
}

/// [`for_each_trainable`], with where each tensor lives.
pub fn for_each_trainable_in(s: &Scenario, mut f: impl FnMut(Tensor, Location)) {
    let a = &s.arch;
    let (dense, moe) = a.layer_split();
    let kinds = [(LayerKind::Dense, dense), (LayerKind::Moe, moe)];
    let vector = |n: u64, times: u64, elem_bytes: u64| Tensor { rows: n, cols: 0, times, elem_bytes };
    if s.method == Method::Full {
        let w = full_weight_bytes(s);
        let p = a.params();
        // transformers 5's stacked experts and routers (PEFT's ParamWrapper targets) are counted in
        // `ParamCounts::other`, not as Linears: listed here as matrices, they leave `other`.
        let mut wrapped = 0;
        for (kind, layers) in kinds {
            if layers == 0 {
                continue;
            }
            for l in a.linears(kind).as_slice() {
                f(
                    Tensor { rows: l.d_out, cols: l.d_in, times: layers * l.count, elem_bytes: w },
                    Location::Layer(kind),
                );
                if l.bias {
                    f(vector(l.d_out, layers * l.count, w), Location::Layer(kind));
                }
                if l.param_wrapper {
                    wrapped += layers * l.params();
                }
            }
        }
        f(Tensor { rows: a.vocab, cols: a.hidden, times: 1, elem_bytes: w }, Location::Embedding);
        if !a.tied_embeddings {
            f(Tensor { rows: a.vocab, cols: a.hidden, times: 1, elem_bytes: w }, Location::Head);
        }
        if a.lm_head_bias {
            f(vector(a.vocab, 1, w), Location::Head);
        }
        // Norm weights and biases, and DeepSeek's router bias: vectors, whose sizes only matter in
        // sum for every optimizer modelled here.
        f(vector(p.norms + p.other - wrapped, 1, w), Location::Head);
        return;
    }
    let r = s.lora.rank;
    let e = s.lora.dtype.bytes();
    for (kind, layers) in kinds {
        if layers == 0 {
            continue;
        }
        for l in a.linears(kind).as_slice() {
            if s.lora.targets.contains(l) {
                let times = layers * l.count;
                let r = r * l.rank_mult;
                f(Tensor { rows: r, cols: l.d_in, times, elem_bytes: e }, Location::Layer(kind));
                f(Tensor { rows: l.d_out, cols: r, times, elem_bytes: e }, Location::Layer(kind));
            }
        }
    }
    let m = s.lora.modules_to_save;
    let copy = unquantized_bytes(s);
    if m.embed_tokens {
        f(Tensor { rows: a.vocab, cols: a.hidden, times: 1, elem_bytes: copy }, Location::Embedding);
    }
    if m.lm_head {
        f(Tensor { rows: a.vocab, cols: a.hidden, times: 1, elem_bytes: copy }, Location::Head);
        if a.lm_head_bias {
            f(vector(a.vocab, 1, copy), Location::Head);
        }
    }
}

/// Bytes per parameter of full fine-tuning's trainable weights: the weight dtype (fp32 master
/// weights, or pure bf16/fp16).
pub const fn full_weight_bytes(s: &Scenario) -> u64 {
    unquantized_bytes(s)
}

/// Trainable parameters and their memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Adapter {
    /// Trainable parameter count.
    pub trainable_params: u64,
    /// Bytes of trainable parameters that exist only because of training: LoRA A/B and the
    /// `modules_to_save` copies. 0 for full fine-tuning, whose weights are counted as weights.
    pub params: u64,
    /// Bytes of their gradients.
    pub gradients: u64,
}

/// Counts the trainable parameters and their gradient bytes.
pub fn adapter(s: &Scenario) -> Adapter {
    let mut out = Adapter::default();
    for_each_trainable(s, |t| {
        let n = t.times * t.numel();
        out.trainable_params += n;
        out.gradients += n * t.elem_bytes;
    });
    if s.method != Method::Full {
        out.params = out.gradients;
    }
    out
}
