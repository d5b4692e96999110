//! Overhead: memory a training process holds beyond the tensors it allocates.
//!
//! # CUDA context
//! The driver's context, the loaded kernels and the cuBLAS / cuDNN handles live outside PyTorch's
//! allocator: `nvidia-smi` shows them, `torch.cuda.memory_reserved()` does not. Their size depends
//! on the GPU, the driver, the CUDA version and which kernels are loaded (CUDA 11.7+ loads modules
//! lazily); REFERENCE.md and PyTorch's CUDA-semantics notes give 0.3–1 GiB.
//! [`DEFAULT_CUDA_CONTEXT`] is the middle of that range, and every scenario can override it
//! (`cuda_context_bytes`), for example with what `nvidia-smi` shows for an idle `torch.ones(1).cuda()`.
//!
//! # Allocator slack
//! PyTorch's caching allocator (`c10/cuda/CUDACachingAllocator.cpp`) rounds requests up (512 B
//! for small blocks, 2 MiB segments for large ones) and keeps freed blocks cached, so reserved
//! memory exceeds the allocated peak. The excess comes from the tensors that are freed and
//! re-allocated at other sizes during the step (activations, gradients, temporaries), not from
//! weights and optimizer state, which are allocated once. The estimate adds
//! [`ALLOCATOR_SLACK_PERCENT`] of that churning part.
//!
//! # Known error
//! Both terms are GPU-specific and have not been measured by this project yet (no GPU was
//! available); they carry most of the uncertainty of [`crate::Estimate::range`]. One published
//! LoRA run showed 10.24 GiB reserved against 8.28 GiB allocated (REFERENCE.md): slack can be far
//! larger when sequence lengths vary from step to step. `PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True`
//! reduces it.

/// Default CUDA context, cuBLAS/cuDNN handles and kernels: 640 MiB (between the 0.3 and 1 GiB
/// bounds of REFERENCE.md).
pub const DEFAULT_CUDA_CONTEXT: u64 = 640 << 20;

/// Reserved-over-allocated slack, as a percentage of the dynamic (churning) memory at the peak.
pub const ALLOCATOR_SLACK_PERCENT: u64 = 10;

/// The overhead terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Overhead {
    /// CUDA context, outside PyTorch's allocator.
    pub cuda_context: u64,
    /// Cached-but-free memory of PyTorch's allocator at the peak.
    pub allocator: u64,
}

impl Overhead {
    /// Both terms.
    pub const fn total(&self) -> u64 {
        self.cuda_context + self.allocator
    }
}

/// Allocator slack for `dynamic` bytes of activations, gradients and temporaries at the peak.
pub const fn allocator_slack(dynamic: u64) -> u64 {
    dynamic / 100 * ALLOCATOR_SLACK_PERCENT + dynamic % 100 * ALLOCATOR_SLACK_PERCENT / 100
}
