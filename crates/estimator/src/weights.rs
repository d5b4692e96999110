//! Base model weights.
//!
//! # Formula
//! Every parameter of the base model is resident for the whole step. Bytes per tensor:
//! - fp32: 4 per element; bf16 and fp16: 2.
//! - bitsandbytes int8 (`bnb.nn.Int8Params`, LLM.int8()): 1 byte per weight plus one fp32 scale
//!   per output row (`SCB`, `bitsandbytes/nn/modules.py`, `Int8Params._quantize`).
//! - bitsandbytes 4-bit (`bnb.nn.Params4bit`, `bitsandbytes/functional.py`, `quantize_4bit`): two
//!   weights per byte, `ceil(n/2)`, plus one fp32 absmax per block of 64 weights (the `blocksize`
//!   transformers passes, `bnb_4bit_quant_storage` uint8). With double quantization
//!   (`compress_statistics=True`) the absmax values are themselves quantized blockwise to uint8 in
//!   blocks of 256, with one fp32 absmax per 256 blocks and one fp32 offset per tensor
//!   (Dettmers et al. 2023, §2 "Double Quantization": 0.5 + 8/64 + 32/(64·256) bits → ≈0.516 B).
//!
//! Only the `nn.Linear` weights inside the decoder layers are quantized (`replace_with_bnb_linear`
//! swaps `nn.Linear` modules only, so transformers 5's stacked 3-D MoE expert tensors stay 16-bit):
//! transformers'
//! `get_keys_to_not_convert` keeps the output head in 16-bit, and embeddings and norms are not
//! Linears. Biases of quantized Linears stay plain 16-bit parameters.
//!
//! PEFT's `prepare_model_for_kbit_training` (`peft/utils/other.py`) casts every bf16/fp16
//! parameter that is left, the embeddings, head, norms and biases, to fp32.
//!
//! Full fine-tuning with fp32 weights is mixed precision: fp32 master weights.
//!
//! # Accuracy
//! Exact per tensor, given the parameter shapes. The shared 256-entry quantization code map of
//! double quantization is cached once per device, not per tensor, and is ignored (1 KiB).

use crate::arch::LayerKind;
use crate::scenario::{Method, Scenario, WeightDtype};

/// Elements per 4-bit quantization block (transformers' `BitsAndBytesConfig` passes bitsandbytes'
/// default `blocksize=64`).
pub const NF4_BLOCK: u64 = 64;
/// Absmax values per block of the second-level (double) quantization (`quantize_blockwise`, 256).
pub const DQ_BLOCK: u64 = 256;
/// Bytes of one fp32 value.
const F32: u64 = 4;

/// Bytes of the base weights, split by whether bitsandbytes quantized them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Weights {
    /// The decoder layers' Linear weights, in the storage dtype.
    pub linear: u64,
    /// Everything else: embeddings, head, norms, biases.
    pub other: u64,
}

impl Weights {
    /// All weight bytes.
    pub const fn total(&self) -> u64 {
        self.linear + self.other
    }
}

/// Bytes of one quantized weight tensor of `n` elements with `rows` output rows.
pub const fn quantized_tensor_bytes(dtype: WeightDtype, n: u64, rows: u64, double_quant: bool) -> u64 {
    match dtype {
        WeightDtype::Int8 => n + F32 * rows,
        WeightDtype::Nf4 | WeightDtype::Fp4 => {
            let blocks = n.div_ceil(NF4_BLOCK);
            let absmax = if double_quant { blocks + F32 * blocks.div_ceil(DQ_BLOCK) + F32 } else { F32 * blocks };
            n.div_ceil(2) + absmax
        }
        WeightDtype::Fp32 => F32 * n,
        WeightDtype::Bf16 | WeightDtype::Fp16 => 2 * n,
    }
}

/// Bytes per element of the parameters that are not quantized Linear weights.
pub const fn unquantized_bytes(s: &Scenario) -> u64 {
    match s.weight_dtype {
        WeightDtype::Fp32 => 4,
        WeightDtype::Bf16 | WeightDtype::Fp16 => 2,
        _ if s.prepare_kbit => 4,
        _ => 2,
    }
}

/// Base weight bytes.
pub fn weights(s: &Scenario) -> Weights {
    let a = &s.arch;
    let p = a.params();
    let other = p.unquantized() * unquantized_bytes(s);
    let linear = if s.weight_dtype.is_quantized() && s.method != Method::Full {
        let (dense, moe) = a.layer_split();
        let mut sum = 0;
        for (kind, layers) in [(LayerKind::Dense, dense), (LayerKind::Moe, moe)] {
            if layers == 0 {
                continue;
            }
            for l in a.linears(kind).as_slice().iter().filter(|l| !l.param_wrapper) {
                let per = quantized_tensor_bytes(s.weight_dtype, l.weight_numel(), l.d_out, s.double_quant);
                sum += layers * l.count * per;
            }
        }
        sum
    } else {
        p.linear_weights * quantized_tensor_bytes(s.weight_dtype, 1, 0, false)
    };
    Weights { linear, other }
}

/// Bytes of the 16-bit originals that `prepare_model_for_kbit_training` frees when it casts the
/// embeddings and an untied head to fp32 (`param.data = param.data.to(torch.float32)`,
/// `peft/utils/other.py`): cached blocks the step rarely reuses ([`crate::overhead`]). Norms and
/// biases are under 1 MiB, in the small pool, and ignored.
pub fn kbit_freed_copies(s: &Scenario) -> u64 {
    if !(s.weight_dtype.is_quantized() && s.method != Method::Full && s.prepare_kbit) {
        return 0;
    }
    let a = &s.arch;
    let tables = if a.tied_embeddings { 1 } else { 2 };
    tables * a.vocab * a.hidden * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QLoRA paper §2: NF4 with double quantization costs 0.5 + 0.127 bits/8 ≈ 0.516 bytes per weight;
    /// without it 0.5 + 32/64/8 = 0.5625.
    #[test]
    fn nf4_bytes_per_weight_match_the_qlora_paper() {
        let n = 4096 * 4096;
        let dq = quantized_tensor_bytes(WeightDtype::Nf4, n, 4096, true) as f64 / n as f64;
        let plain = quantized_tensor_bytes(WeightDtype::Nf4, n, 4096, false) as f64 / n as f64;
        assert!((dq - 0.5159).abs() < 0.001, "double-quant nf4: {dq} B/weight, paper 0.516");
        assert_eq!(plain, 0.5625, "nf4: {plain} B/weight, paper 0.5625");
    }

    #[test]
    fn int8_adds_one_fp32_scale_per_row() {
        assert_eq!(quantized_tensor_bytes(WeightDtype::Int8, 4096 * 11008, 11008, false), 4096 * 11008 + 4 * 11008);
    }
}
