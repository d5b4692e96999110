//! PyTorch `DistributedDataParallel`, as the Hugging Face Trainer runs it through accelerate.
//!
//! # Formula (per GPU)
//! Everything of one GPU's step ([`mod@crate::estimate`]), plus:
//! - **Gradient buckets**: the trainable gradients' bytes, once more, for the whole run.
//!   DDP buckets only parameters that require a gradient (`_build_params_for_reducer`,
//!   torch 2.15 `torch/nn/parallel/distributed.py`), in buckets of `bucket_cap_mb` = 25 MiB with a
//!   first bucket of `_DEFAULT_FIRST_BUCKET_BYTES` = 1 MiB; the sizes only decide where buckets
//!   end, and the buckets' flat tensors add up to every trainable gradient. The reducer allocates
//!   them when DDP wraps the model (`Reducer::initialize_buckets`,
//!   `torch/csrc/distributed/c10d/reducer.cpp`). With `gradient_as_bucket_view=False`, the default
//!   that accelerate 1.15 keeps (`DistributedDataParallelKwargs`) and the Trainer does not change
//!   (transformers 5.23 `Trainer._build_accelerator_args` passes only `find_unused_parameters`,
//!   `bucket_cap_mb`, `broadcast_buffers` and `static_graph`), each `param.grad` is separate from
//!   its bucket: "the saved memory size [with it on] will be equal to the total gradients size"
//!   (the `gradient_as_bucket_view` documentation).
//! - **NCCL's buffers** for the all-reduce ([`super`]), from 2 GPUs on.
//!
//! # Host memory per node
//! Each rank loads the whole model on the CPU before DDP moves it to its GPU: ranks per node ×
//! the checkpoint's bytes (0 for quantized models, which load onto the GPU).
//!
//! # Assumptions and known error
//! - `find_unused_parameters=False` (the Trainer's choice with gradient checkpointing); with it on,
//!   DDP only marks parameters, it allocates nothing more.
//! - The broadcast of the parameters at wrap time (`_sync_module_states`, 250 MiB buckets) happens
//!   before the first step and leaves a cached block that later allocations reuse: not counted.
//! - Not measured on GPUs. The buckets are exact by construction.

use super::{host_per_node, replica, Distributed, Plan, NCCL_CONNECTIONS};
use crate::estimate::Rank;

/// What one DDP rank holds.
pub fn rank(plan: &Plan, d: &Distributed) -> Rank {
    let mut r = replica(&plan.base);
    r.engine.buffers = r.grads_all;
    r.engine.model_states = r.weights + r.adapter_params + r.optimizer_state + r.grads_all;
    r.engine.nccl_connections = if d.gpus > 1 { NCCL_CONNECTIONS } else { 0 };
    r.engine.host_per_node = host_per_node(Plan::ranks_per_node(d) * plan.load_bytes, 0);
    r
}
