//! Overhead: memory a training process holds beyond the tensors the step's model lists.
//!
//! Three terms, each from the mechanism that allocates it. Two depend on the GPU, so every GPU
//! row of the table gets its own ([`GpuOverhead::of`]); a scenario without a GPU gets the largest
//! value any listed NVIDIA GPU has, so that its total is never the low one.
//!
//! # cuBLAS workspaces (inside `torch.cuda.max_memory_allocated()`)
//! PyTorch gives every cuBLAS handle a workspace allocated through its caching allocator, one per
//! `(handle, stream)` (`aten/src/ATen/cuda/CublasHandlePool.cpp`, `getCUDABlasHandle`,
//! `cublas_handle_stream_to_workspace`). Its size is `parseChosenWorkspaceSize()`:
//! `4096 KiB · 2 + 16 KiB · 8` = 8,519,680 B, or 32 MiB on compute capability 9.x, 10.x and 12.x
//! (Hopper and Blackwell; `CUBLAS_WORKSPACE_CONFIG` overrides). Handles are per thread, and a
//! training step runs matmuls on two: the forward on the Python thread, the backward on autograd's
//! device thread. So [`CUBLAS_HANDLES`] workspaces. On ROCm, hipBLAS gets 128 MiB on gfx94x.
//! Measured: on the T4 rows every phase of every step is 16.1–16.4 MiB above the CPU harness, which
//! allocates no workspace (tests/fixtures/measurements/gpu_t4.jsonl against cpu_fake_t4.jsonl);
//! 2 × 8.125 MiB = 16.25 MiB.
//!
//! # Allocator: reserved minus allocated
//! PyTorch's caching allocator (`c10/cuda/CUDACachingAllocator.cpp`) rounds every request to
//! 512 B; serves requests up to 1 MiB from 2 MiB segments, requests under 10 MiB from 20 MiB
//! segments, and larger ones from segments of their own size rounded to 2 MiB; picks the smallest
//! cached block that fits, splits off the rest (when it exceeds 1 MiB in the large pool), merges
//! freed blocks only with free neighbours in the same segment, and never returns a segment
//! without `empty_cache()`. `tools/calibrate/allocator_sim.py` replays exactly that over the
//! allocation trace of the harness (`tools/calibrate/reserved.py`); on the 32 T4 configurations it
//! gives their `max_memory_reserved()` within 2.0% on average, 8.9% at worst
//! (`tests/fixtures/measurements/reserved_sim_t4.json`). What the replay shows cached but free
//! at the peak is what `estimate.rs` adds to the allocated peak, as the largest of:
//! - **The loss phases, plus one layer's blocks.** With checkpointing, every layer's forward
//!   allocates its internals (norm outputs, q/k/v, scores, MLP intermediates) and frees them at the
//!   end of the layer; the next layer reuses them, and after the last layer they stay cached. The
//!   loss then asks for vocabulary-wide blocks (`b·s·V`), which none of them can hold, so one
//!   layer's footprint (the larger of its saved tensors and its forward's widest moment) sits
//!   idle while the loss runs. Without checkpointing only the last layer's forward transients are
//!   left over.
//! - **The layers' backward, as segments.** By then the loss's vocabulary-wide blocks have been
//!   freed; the segments are those blocks, the layer's blocks and, when eager attention's score
//!   tensors are larger than a loss block (`a·s > V`), the extra score blocks its backward needs
//!   (`tmp`, the gradients); everything else the backward allocates is carved out of them.
//! - **The allocated peak** itself, when nothing of the above is larger.
//!
//! and always:
//! - **16-bit copies freed while loading a quantized model.** `prepare_model_for_kbit_training`
//!   replaces every non-quantized parameter by an fp32 copy (`param.data = param.data.to(fp32)`),
//!   freeing its 16-bit original. The replay shows the embeddings' and an untied head's
//!   `V·h·2` blocks free at the peak, unless the step's large tensors fit them (the loss's
//!   vocabulary-wide tensors, or a layer's MLP intermediates), which best fit then carves out of them.
//! - **The gradients' churn.** Gradients and the foreach AdamW temporaries are freed every step; a
//!   tensor of up to 1 MiB leaves its block free among the optimizer state in the small pool's
//!   2 MiB segments, a larger one at most 1 MiB (a cached block is taken whole when the rest
//!   would be 1 MiB or less, `should_split`).
//!
//! Known error against the 50 T4 rows' `max_memory_reserved()`: mean 2.7%, from −7.0% to +7.0%.
//! The same configuration measured in two sessions differs by up to 7% (docs/accuracy.md), and
//! the rows cover checkpointing only: without it, and with sequence lengths that change from step
//! to step, fragmentation is not measured. [`crate::Estimate::range`] spans 0.5 to 2.1 times the
//! term, the spread of measured over estimated on these rows.
//!
//! # CUDA context (outside PyTorch's allocator)
//! `nvidia-smi` shows the driver's context, loaded kernel modules and library handles, which
//! `torch.cuda.memory_reserved()` does not. The context reserves local memory for the stack of
//! every thread the device can hold resident (`cudaLimitStackSize`, 1 KiB by default): SMs ×
//! resident threads per SM × 1 KiB (CUDA C++ Programming Guide, "Compute Capabilities" for the
//! resident threads). The rest is measured on the T4 rows (CUDA 12.8/13.0, torch 2.10/2.14, lazy
//! module loading): 104.9 MiB right after `torch.cuda.init()`, of which its 40 SMs × 1024 threads
//! take 40 MiB of stack, leaves [`CONTEXT_BASE`]; training steps then load kernels lazily for
//! another 36 MiB ([`CONTEXT_KERNELS`]), 140.9 MiB in all after the steps. Other published values:
//! a bare context of 256 MiB on an RTX 3090 (torch 2.7.1+cu128; invoke-ai/InvokeAI#9413), "120–550
//! MB depending on GPU" (ggml-org/llama.cpp#20595), about 300 MB since CUDA 11.7's lazy loading
//! and over 1 GB before it (pytorch/pytorch#107667). The formula gives the RTX 3090 188 MiB before
//! kernels, 68 MiB below that report, so [`GpuOverhead::of`] bounds the context with
//! [`CONTEXT_SPREAD`] above; a scenario may set `cuda_context_bytes` to what `nvidia-smi` shows.

use crate::gpus::{Gpu, GpuArch, GPUS};

/// MiB.
const MIB: u64 = 1 << 20;

/// Two cuBLAS handles hold workspaces in a training step: the forward's thread and autograd's.
pub const CUBLAS_HANDLES: u64 = 2;

/// `parseChosenWorkspaceSize()` before compute capability 9: `4096 KiB · 2 + 16 KiB · 8`.
pub const CUBLAS_WORKSPACE: u64 = 4096 * 1024 * 2 + 16 * 1024 * 8;

/// `parseChosenWorkspaceSize()` on compute capability 9.x, 10.x and 12.x: 32 MiB.
pub const CUBLAS_WORKSPACE_LARGE: u64 = 32 * MIB;

/// hipBLAS on gfx94x (MI300X): 128 MiB.
pub const HIPBLAS_WORKSPACE_GFX94: u64 = 128 * MIB;

/// The context's fixed part: the T4's 104.9 MiB after `torch.cuda.init()` less its 40 MiB of
/// thread stacks.
pub const CONTEXT_BASE: u64 = 65 * MIB;

/// Kernels loaded lazily by the first training steps: the T4 rows' 140.9 MiB after the steps less
/// their 104.9 MiB after `torch.cuda.init()`.
pub const CONTEXT_KERNELS: u64 = 36 * MIB;

/// Stack reserved per resident thread (`cudaLimitStackSize` default).
pub const STACK_PER_THREAD: u64 = 1024;

/// How far above the formula a context has been reported (the RTX 3090's 256 MiB bare context is
/// 68 MiB above it; other libraries, cuDNN and flash-attn, load more kernels): the range's top.
pub const CONTEXT_SPREAD: u64 = 256 * MIB;

/// Contexts measured on a GPU, `(id, after the first training steps, right after torch.cuda.init())`:
/// the T4 rows (both sessions: 140.875 and 141 MiB after the steps, 104.875 MiB at init).
pub const MEASURED_CONTEXTS: &[(&str, u64, u64)] = &[("t4", 140_875 * MIB / 1000, 104_875 * MIB / 1000)];

/// AMD GPUs: no measurement; REFERENCE.md's 0.3–1 GiB range, its middle as the point.
pub const ROCM_CONTEXT: (u64, u64, u64) = (640 * MIB, 300 * MIB, 1024 * MIB);

/// Resident threads per SM, by compute capability (CUDA C++ Programming Guide, table
/// "Technical Specifications per Compute Capability").
pub const fn resident_threads_per_sm(cc: (u8, u8)) -> u64 {
    match cc {
        (7, 5) => 1024,
        (8, 6) | (8, 9) | (12, _) => 1536,
        _ => 2048,
    }
}

/// `a == b`, in a `const fn`.
const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The GPU-dependent overhead terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuOverhead {
    /// cuBLAS workspaces, inside the allocator's statistics.
    pub cublas_workspace: u64,
    /// The CUDA context's point estimate.
    pub cuda_context: u64,
    /// Its plausible range `(low, high)`.
    pub cuda_context_range: (u64, u64),
}

impl GpuOverhead {
    /// The overhead on `gpu`.
    pub const fn of(gpu: &Gpu) -> GpuOverhead {
        if matches!(gpu.arch, GpuArch::Cdna3) {
            let (point, low, high) = ROCM_CONTEXT;
            return GpuOverhead {
                cublas_workspace: CUBLAS_HANDLES * HIPBLAS_WORKSPACE_GFX94,
                cuda_context: point,
                cuda_context_range: (low, high),
            };
        }
        let per_handle = match gpu.compute_capability.0 {
            9 | 10 | 12 => CUBLAS_WORKSPACE_LARGE,
            _ => CUBLAS_WORKSPACE,
        };
        let cublas_workspace = CUBLAS_HANDLES * per_handle;
        let mut m = 0;
        while m < MEASURED_CONTEXTS.len() {
            let (id, after, init) = MEASURED_CONTEXTS[m];
            if eq(id, gpu.id) {
                // Measured: other libraries may still load more kernels than those steps did.
                return GpuOverhead {
                    cublas_workspace,
                    cuda_context: after,
                    cuda_context_range: (init, after + CONTEXT_KERNELS),
                };
            }
            m += 1;
        }
        let stack = gpu.sms as u64 * resident_threads_per_sm(gpu.compute_capability) * STACK_PER_THREAD;
        let init = CONTEXT_BASE + stack;
        let point = init + CONTEXT_KERNELS;
        GpuOverhead { cublas_workspace, cuda_context: point, cuda_context_range: (init, point + CONTEXT_SPREAD) }
    }

    /// No GPU named: the largest workspace and context of any NVIDIA GPU in [`GPUS`], and the
    /// widest range, so that the total is the one to plan with on any of them.
    pub const fn unknown() -> GpuOverhead {
        let mut out = GpuOverhead { cublas_workspace: 0, cuda_context: 0, cuda_context_range: (u64::MAX, 0) };
        let mut i = 0;
        while i < GPUS.len() {
            if !matches!(GPUS[i].arch, GpuArch::Cdna3) {
                let g = GpuOverhead::of(&GPUS[i]);
                if g.cublas_workspace > out.cublas_workspace {
                    out.cublas_workspace = g.cublas_workspace;
                }
                if g.cuda_context > out.cuda_context {
                    out.cuda_context = g.cuda_context;
                }
                if g.cuda_context_range.0 < out.cuda_context_range.0 {
                    out.cuda_context_range.0 = g.cuda_context_range.0;
                }
                if g.cuda_context_range.1 > out.cuda_context_range.1 {
                    out.cuda_context_range.1 = g.cuda_context_range.1;
                }
            }
            i += 1;
        }
        out
    }

    /// With a context the user measured: exact.
    pub const fn with_context(self, bytes: u64) -> GpuOverhead {
        GpuOverhead { cuda_context: bytes, cuda_context_range: (bytes, bytes), ..self }
    }
}

/// The overhead terms of an estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Overhead {
    /// CUDA context, outside PyTorch's allocator.
    pub cuda_context: u64,
    /// cuBLAS workspaces, allocated through PyTorch's allocator.
    pub cublas_workspace: u64,
    /// Cached-but-free memory of PyTorch's allocator at the peak (reserved minus allocated).
    pub allocator: u64,
    /// NCCL's communication buffers, outside PyTorch's allocator ([`crate::distributed`]); 0 on
    /// one GPU.
    pub nccl: u64,
}

impl Overhead {
    /// All four.
    pub const fn total(&self) -> u64 {
        self.cuda_context.saturating_add(self.cublas_workspace).saturating_add(self.allocator).saturating_add(self.nccl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpus::find_gpu;

    fn on(id: &str) -> GpuOverhead {
        GpuOverhead::of(&GPUS[find_gpu(id).unwrap()])
    }

    /// The T4 rows: 16.25 MiB of workspaces, and the 140.875 MiB they measured outside the allocator.
    #[test]
    fn t4_matches_its_measurement() {
        let t4 = on("t4");
        assert_eq!(t4.cublas_workspace, 2 * 8_519_680);
        assert_eq!(t4.cuda_context, 140_875 * MIB / 1000, "the T4 rows' measurement");
        let formula = CONTEXT_BASE + 40 * 1024 * STACK_PER_THREAD + CONTEXT_KERNELS;
        assert_eq!(formula, 141 * MIB, "the formula reproduces the measurement it was derived from");
        let measured_after_steps = 140_875 * MIB / 1000;
        assert!(t4.cuda_context_range.0 <= measured_after_steps && measured_after_steps <= t4.cuda_context_range.1);
    }

    #[test]
    fn hopper_and_blackwell_get_32_mib_workspaces() {
        assert_eq!(on("h100-sxm").cublas_workspace, 64 * MIB);
        assert_eq!(on("b200").cublas_workspace, 64 * MIB);
        assert_eq!(on("rtx-5090").cublas_workspace, 64 * MIB);
        assert_eq!(on("a100-80gb").cublas_workspace, 2 * CUBLAS_WORKSPACE);
    }

    /// Published bare contexts lie inside the range: RTX 3090 256 MiB (InvokeAI#9413).
    #[test]
    fn published_contexts_are_in_range() {
        let g = on("rtx-3090");
        assert!(g.cuda_context_range.0 <= 256 * MIB && 256 * MIB <= g.cuda_context_range.1);
        let u = GpuOverhead::unknown();
        for g in GPUS.iter().filter(|g| !matches!(g.arch, GpuArch::Cdna3)) {
            let o = GpuOverhead::of(g);
            assert!(o.cuda_context <= u.cuda_context && o.cublas_workspace <= u.cublas_workspace, "{}", g.id);
        }
    }
}
