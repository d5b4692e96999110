//! The estimate as DESIGN.md's output JSON (`lora-vram estimate --json`).
//!
//! Every quantity is an integer number of bytes; display code alone converts units.

use alloc::vec::Vec;
use serde::Serialize;

use crate::fit::gpu_table;
use crate::gpus::GPUS;
use crate::{estimate, Scenario};

/// `breakdown.adapter`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdapterReport {
    /// LoRA parameters (and `modules_to_save` copies).
    pub params: u64,
    /// Gradients at the peak.
    pub gradients: u64,
    /// Optimizer state.
    pub optimizer: u64,
}

/// `breakdown.overhead`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverheadReport {
    /// The CUDA runtime and its libraries: the context outside PyTorch's allocator, plus the cuBLAS
    /// workspaces inside it (which `peak_allocated_bytes` counts), plus, with `distributed`, NCCL's
    /// buffers (outside it).
    pub cuda_context: u64,
    /// Reserved minus allocated: the caching allocator's free cached blocks at the peak.
    pub allocator: u64,
}

/// `range`: where `total_bytes` is expected to fall on a real GPU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RangeReport {
    /// Lower end, bytes.
    pub low_bytes: u64,
    /// Upper end, bytes.
    pub high_bytes: u64,
}

/// `breakdown`: the four parts people reason in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// Base model weights.
    pub weights: u64,
    /// Trainable parameters, gradients, optimizer state.
    pub adapter: AdapterReport,
    /// Activations at the peak.
    pub activations: u64,
    /// The logits and the loss's tensors at the peak: a part of `activations`, not added to the total again.
    pub logits: u64,
    /// CUDA context and allocator slack.
    pub overhead: OverheadReport,
}

/// One row of `gpus`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GpuReport {
    /// GPU id, e.g. `rtx-4090`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Memory, bytes.
    pub vram_bytes: u64,
    /// `fits`, `tight` or `does_not_fit`.
    pub verdict: &'static str,
    /// VRAM minus the estimate (negative when it does not fit).
    pub headroom_bytes: i64,
    /// Longest `seq_len` that fits (0: none).
    pub max_seq_len: u64,
    /// Largest `batch_size` that fits (0: none).
    pub max_batch_size: u64,
    /// The smallest number of this GPU on which the scenario fits with its strategy (`null`: none
    /// up to 1024).
    pub gpus_needed: Option<u64>,
}

/// The whole output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Predicted peak as `nvidia-smi` shows it.
    pub total_bytes: u64,
    /// Predicted `torch.cuda.max_memory_allocated()`.
    pub peak_allocated_bytes: u64,
    /// Base model parameters.
    pub total_params: u64,
    /// Trainable parameters.
    pub trainable_params: u64,
    /// The four parts.
    pub breakdown: Breakdown,
    /// The interval the page shows ([`crate::Estimate::range`]).
    pub range: RangeReport,
    /// Host memory each node needs ([`crate::Estimate::host_per_node`]): the engine's offloaded
    /// states, pinned buffers and model loading, and every rank's offloaded activations.
    pub cpu_bytes_per_node: u64,
    /// Every GPU.
    pub gpus: Vec<GpuReport>,
}

/// Builds the report of a scenario.
pub fn report(s: &Scenario) -> Report {
    let e = estimate(s);
    let gpus = gpu_table(s)
        .map(|f| {
            let g = &GPUS[f.gpu];
            GpuReport {
                id: g.id,
                name: g.name,
                vram_bytes: g.vram_bytes,
                verdict: f.verdict.as_str(),
                headroom_bytes: i64::try_from(f.headroom).unwrap_or(if f.headroom < 0 { i64::MIN } else { i64::MAX }),
                max_seq_len: f.max_seq_len,
                max_batch_size: f.max_batch_size,
                gpus_needed: f.gpus_needed,
            }
        })
        .collect();
    Report {
        total_bytes: e.total(),
        peak_allocated_bytes: e.peak_allocated,
        total_params: e.total_params,
        trainable_params: e.trainable_params,
        breakdown: Breakdown {
            weights: e.weights,
            adapter: AdapterReport {
                params: e.adapter.params,
                gradients: e.adapter.gradients,
                optimizer: e.adapter.optimizer,
            },
            activations: e.activations,
            logits: e.logits,
            overhead: OverheadReport {
                cuda_context: e
                    .overhead
                    .cuda_context
                    .saturating_add(e.overhead.cublas_workspace)
                    .saturating_add(e.overhead.nccl),
                allocator: e.overhead.allocator,
            },
        },
        range: RangeReport { low_bytes: e.range().0, high_bytes: e.range().1 },
        cpu_bytes_per_node: e.host_per_node(s),
        gpus,
    }
}
