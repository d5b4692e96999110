//! Optimizer state, and the transient the optimizer step allocates.
//!
//! # Formula (per trainable tensor of `n` elements, parameter dtype of `p` bytes)
//! - `adamw_torch`, `adamw_torch_fused`, `paged_adamw_32bit`: `exp_avg` and `exp_avg_sq` shaped
//!   like the parameter, in its dtype (`torch/optim/adamw.py`, `_init_group`:
//!   `torch.zeros_like(p, memory_format=torch.preserve_format)`): `2·n·p`.
//! - `adamw_8bit`, `paged_adamw_8bit` (bitsandbytes blockwise 8-bit, `bitsandbytes/optim/optimizer.py`,
//!   `Optimizer2State.init_state`): two uint8 states plus one fp32 absmax per block of 256 for each,
//!   `2·n + 2·4·ceil(n/256)`; tensors under `min_8bit_size = 4096` elements keep two fp32 states.
//! - `sgd`: no state (momentum 0, transformers' default).
//! - `adafactor` (`transformers/optimization.py`, `Adafactor`, `beta1=None`): factored second
//!   moment, `rows + cols` for a matrix, `n` for a vector, in the gradient's dtype.
//!
//! Paged optimizers allocate their state in CUDA unified memory (`cudaMallocManaged`,
//! `bitsandbytes/functional.py`, `get_paged`): it counts toward what `nvidia-smi` shows while it is
//! resident, but not toward PyTorch's allocator statistics, and the driver may evict it to CPU RAM.
//!
//! # Step transient
//! The default (foreach) AdamW computes `exp_avg_sq.sqrt()` for the whole parameter group at once
//! (`torch/optim/adamw.py`, `_multi_tensor_adamw`: `exp_avg_sq_sqrt = torch._foreach_sqrt(...)`),
//! one parameter-sized temporary per tensor, alive at once: `n·p` in total. The fused kernel, the
//! bitsandbytes kernels, SGD and Adafactor update tensor by tensor; their temporaries are bounded
//! by the largest tensor and are ignored.
//!
//! # Accuracy
//! Exact for the state; the step transient is exact for foreach AdamW.

use crate::adapter::{for_each_trainable, Tensor};
use crate::scenario::{Optimizer, Scenario};

/// bitsandbytes' blockwise 8-bit optimizer block size.
pub const BNB_OPT_BLOCK: u64 = 256;
/// bitsandbytes keeps 32-bit state for tensors with fewer elements than this (`min_8bit_size`).
pub const BNB_MIN_8BIT_SIZE: u64 = 4096;

/// Optimizer memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OptimizerMemory {
    /// Persistent state, in bytes.
    pub state: u64,
    /// Whether the state lives in paged (unified) memory.
    pub paged: bool,
    /// Temporary bytes during `optimizer.step()`.
    pub step_transient: u64,
}

/// State bytes of one tensor.
pub fn tensor_state_bytes(opt: Optimizer, t: &Tensor) -> u64 {
    let n = t.numel();
    let per = match opt {
        Optimizer::AdamwTorch | Optimizer::AdamwTorchFused | Optimizer::PagedAdamw32bit => 2 * n * t.elem_bytes,
        Optimizer::Adamw8bit | Optimizer::PagedAdamw8bit => {
            if n < BNB_MIN_8BIT_SIZE {
                2 * n * 4
            } else {
                2 * n + 2 * 4 * n.div_ceil(BNB_OPT_BLOCK)
            }
        }
        Optimizer::Sgd => 0,
        Optimizer::Adafactor => {
            let elems = if t.cols == 0 { n } else { t.rows + t.cols };
            elems * t.elem_bytes
        }
    };
    per * t.times
}

/// Optimizer state and step transient for the scenario's trainable tensors.
pub fn optimizer(s: &Scenario) -> OptimizerMemory {
    let mut m = OptimizerMemory { paged: s.optimizer.is_paged(), ..OptimizerMemory::default() };
    for_each_trainable(s, |t| {
        m.state += tensor_state_bytes(s.optimizer, &t);
        if s.optimizer == Optimizer::AdamwTorch {
            m.step_transient += t.times * t.numel() * t.elem_bytes;
        }
    });
    m
}
