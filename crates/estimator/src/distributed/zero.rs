//! DeepSpeed ZeRO stages 1, 2 and 3 (deepspeed 0.19.8), as the Hugging Face Trainer runs them.
//!
//! # Configuration
//! The Trainer fills DeepSpeed's `"auto"` values from the model (transformers 5.23
//! `integrations/deepspeed.py`, `HfTrainerDeepSpeedConfig.trainer_config_finalize`):
//! `reduce_bucket_size = hidden²`, `stage3_prefetch_bucket_size = 0.9·hidden²`,
//! `stage3_param_persistence_threshold = 10·hidden`. The rest is what the Hugging Face DeepSpeed
//! guide's configurations set: `overlap_comm` and `contiguous_gradients` on,
//! `stage3_max_live_parameters` = `stage3_max_reuse_distance` = `sub_group_size` = 1e9 (also
//! DeepSpeed's defaults, `runtime/zero/config.py`). With `bf16`/`fp16` on, the engine casts every
//! floating-point parameter to that dtype (`DeepSpeedEngine._cast_module_mixed_precision`,
//! `runtime/engine.py`), LoRA adapters included; bitsandbytes' packed weights are not floating
//! point and stay. Gradients accumulate in that dtype (`get_data_types`: with ZeRO,
//! `grad_accum_dtype` is the model's dtype).
//!
//! # Formula (per GPU; `P` trainable elements, `N` GPUs, `p = P/N` rounded up)
//! - **Parameters**, 16-bit: stage 1 and 2 keep every parameter on every GPU; stage 3 keeps
//!   `ceil(numel/N)` of each (`partition_numel`, `runtime/zero/partition_parameters.py`), except
//!   parameters under `param_persistence_threshold` elements, which it keeps whole (`ds_persist`)
//!   besides their partition.
//!   Stage 1/2 pad the flat partition to `2·N` (`nccl_start_alignment_factor`).
//! - **Optimizer**: fp32 master weights `4·p` (`single_partition_of_fp32_groups`,
//!   `runtime/zero/stage_1_and_2.py`; `fp32_partitioned_groups_flat`, `stage3.py`) and the
//!   optimizer's state on them ([`crate::optimizer`] of one flat fp32 tensor of `p` elements:
//!   AdamW's two moments `8·p`).
//! - **Gradients**, in the gradient-accumulation dtype (the model's):
//!   - stage 1 and 2 allocate their reduce buckets when backward starts and release them when its
//!     reduction ends (`setup_buckets`, `_release_ipg_buffers`): two of `reduce_bucket_size`
//!     elements with `overlap_comm`;
//!   - stage 1 removes no gradient: a parameter larger than a bucket is reduced from its own
//!     `.grad` (`extra_large_param_to_reduce`), which stays until the step, and the partition's
//!     gradients accumulate in a buffer of `p` elements ("ZeRO-1 stages the fp32 accumulator");
//!   - stage 2 copies each gradient into a bucket and frees it, and keeps the partition's
//!     (`grads_in_partition`, `p` elements, from the first reduction to the step); the head's
//!     gradient, larger than a bucket, lives until it is reduced;
//!   - stage 3 keeps the partition's gradients (`grad_partitions_flat_buffer`) and one reduce
//!     bucket per dtype (`ipg_buckets`, `stage3.py` lines 779–799) for the whole run; during
//!     backward, one layer's unsharded gradients.
//! - **The step**, in order (`stage_1_and_2.py` `step`; `stage3.py`
//!   `_prepare_fp32_grad_for_sub_group`, by `sub_group_size` elements): gradient clipping (the
//!   Trainer's `max_grad_norm` 1.0) takes each gradient's norm in fp64 (`get_norm_dtype`,
//!   `runtime/zero/utils.py`), one copy of 8 bytes an element at a time; the partition's gradients
//!   are flattened and converted to fp32 (a no-op copy for fp32); stage 1/2 then free the 16-bit
//!   partition, and the optimizer runs on the fp32 gradient with its own temporaries.
//! - **Stage 3's fetched parameters.** A module's parameters are all-gathered before it runs and
//!   released after, unless they are used again within `max_reuse_distance` elements of the
//!   traced order (`PartitionedParameterCoordinator.__params_to_release`,
//!   `partitioned_param_coordinator.py`), and up to `prefetch_bucket_size` elements of the next
//!   modules are fetched ahead. At the turn from forward to backward the head and the last layers
//!   are reused soon: a layer `j` layers before the end is next used after `2·H + j·c·P_layer`
//!   elements (the head twice, `j` layers forward and, in backward, `c − 1` passes each: 2 with
//!   checkpointing's recompute, else 1), so those within the distance stay gathered. At the end of
//!   backward the first layers stay gathered likewise until `step()` releases everything
//!   (`_partition_all_parameters`). The prefetcher adds what is not gathered yet, up to
//!   `prefetch_bucket_size` elements and the parameter that crosses it. See [`kept_by_reuse`].
//!
//! # Offload (ZeRO-Offload, ZeRO-Infinity)
//! - `offload_optimizer`: the fp32 master weights, the optimizer state and the fp32 gradients move
//!   to pinned host memory (`DeepSpeedCPUAdam` steps there); stage 2 copies each reduced gradient
//!   straight to the host (`async_inplace_copy_grad_to_fp32_buffer_from_gpu`), stage 3 pins its
//!   gradient partitions on the host. On the GPU: the 16-bit parameters and the reduce buckets.
//! - `offload_param` (stage 3): the 16-bit partitions live in pinned host memory too; the GPU keeps
//!   the persistent parameters and what is fetched.
//!
//! Host memory per rank: `4·p` master + the optimizer state + `4·p` fp32 gradients, plus for stage 3
//! the 16-bit gradient partitions, plus with `offload_param` the 16-bit parameter partitions; times
//! the ranks per node. Loading: stage 1/2 load the whole model on every rank's CPU; stage 3 builds
//! it partitioned (`zero.Init`, which the Trainer turns on for stage 3).
//!
//! # DeepSpeed's own estimators
//! [`model_states`] reproduces `estimate_zero2_model_states_mem_needs` and
//! `estimate_zero3_model_states_mem_needs` (`stage_1_and_2.py`, `stage3.py`) from the per-parameter
//! terms above, in DeepSpeed's accounting: `2` bytes of 16-bit parameters, `2` of 16-bit gradients
//! (stage 2), `4` of fp32 gradients, `4` of fp32 master weights and `8` of Adam moments per
//! parameter, `4·largest_layer` for stage 3's fetched layer (16-bit parameters and gradients), and,
//! on the host, DeepSpeed's `additional_buffer_factor` of 1.5 over the larger of the offloaded
//! states and the model as every rank loads it in fp32. `tests/fixtures/deepspeed/` holds what
//! DeepSpeed itself returns (`tools/calibrate/deepspeed_parity.py`), and the test requires equality.
//! The engine model above differs from that accounting where DeepSpeed's code differs from its
//! estimator: stage 3 also keeps 16-bit gradient partitions (`+2·p`), fetches what the reuse
//! distance keeps rather than one layer, and stage 2/3 add their reduce buckets.
//!
//! # Known error
//! Real DeepSpeed 0.19.8 over gloo, 2 and 4 CPU processes, each rank's live bytes counted
//! (`tools/calibrate/gloo_ranks.py`, `tests/fixtures/measurements/gloo_ranks.jsonl`,
//! docs/accuracy.md): the model states before the step are exact (up to 512-byte rounding), and
//! the busiest rank's peak is within −0.4% to +1.5% for ZeRO-2 and ZeRO-3 (full fine-tuning and
//! LoRA, with and without checkpointing), +4.3% for ZeRO-1. Those models are small, so ZeRO-3's
//! reuse distance keeps every layer gathered there; the fetch model for large models (a few layers
//! kept) is not measured. Works per layer, not per submodule, and assumes the steady-state trace
//! (from the second step on). A CPU process has no CUDA streams: buffers a GPU keeps until a
//! collective finishes on its stream are freed at once there.

use super::{host_per_node, Distributed, Param, Plan, NCCL_CONNECTIONS};
use crate::adapter::Location;
use crate::estimate::{Engine, Rank};

/// Bytes per element of the fp64 copy each gradient norm takes.
pub const NORM_BYTES: u64 = 8;
/// `stage3_max_reuse_distance`, elements.
pub const MAX_REUSE_DISTANCE: u64 = 1_000_000_000;
/// `stage3_max_live_parameters`, elements: the cap on what prefetching may add.
pub const MAX_LIVE_PARAMETERS: u64 = 1_000_000_000;
/// `sub_group_size`, elements: the optimizer steps stage 3's partition in groups of this size.
pub const SUB_GROUP_SIZE: u64 = 1_000_000_000;
/// Stage 1/2 align the flat partitions to `NCCL_START_ALIGNMENT_FACTOR × N` elements.
pub const NCCL_START_ALIGNMENT_FACTOR: u64 = 2;
/// Reduce buckets with `overlap_comm` (stage 2 double-buffers `ipg_buffer`).
pub const OVERLAP_BUCKETS: u64 = 2;

/// DeepSpeed's accounting, bytes per parameter (`estimate_zero2_model_states_mem_needs`' comment):
/// 16-bit parameters.
pub const PARAM16: u64 = 2;
/// 16-bit gradients.
pub const GRAD16: u64 = 2;
/// fp32 gradients.
pub const GRAD32: u64 = 4;
/// fp32 master parameters.
pub const PARAM32: u64 = 4;
/// Adam's momentum and variance, fp32.
pub const ADAM32: u64 = 8;
/// DeepSpeed's `additional_buffer_factor` default for host memory, as a fraction.
pub const ADDITIONAL_BUFFER_FACTOR: (u64, u64) = (3, 2);

/// `reduce_bucket_size` ("auto": hidden²), elements.
pub const fn reduce_bucket_size(hidden: u64) -> u64 {
    hidden * hidden
}

/// `stage3_prefetch_bucket_size` ("auto": 0.9·hidden²), elements.
pub const fn prefetch_bucket_size(hidden: u64) -> u64 {
    hidden * hidden / 10 * 9
}

/// `stage3_param_persistence_threshold` ("auto": 10·hidden), elements.
pub const fn param_persistence_threshold(hidden: u64) -> u64 {
    10 * hidden
}

/// The model states DeepSpeed's estimators give, bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelStates {
    /// Per GPU.
    pub gpu: u64,
    /// Per node (DeepSpeed's "per CPU").
    pub cpu: u64,
}

/// What DeepSpeed's estimators answer, in their own accounting (module doc): stage 2 or 3,
/// `total_params` and `largest_layer_params` as `model_to_params` counts them, and the options the
/// estimators loop over. Stage 2 has no `offload_params` and no `zero_init`.
#[allow(clippy::too_many_arguments)]
pub fn model_states(
    stage: u8,
    total_params: u64,
    largest_layer_params: u64,
    gpus_per_node: u64,
    nodes: u64,
    offload_optimizer: bool,
    offload_params: bool,
    zero_init: bool,
) -> ModelStates {
    let total_gpus = gpus_per_node * nodes;
    let p = total_params;
    // `factor` of an integer byte count, rounded down as DeepSpeed's `int()` does.
    let buffered = |bytes: u128| -> u64 {
        let (num, den) = ADDITIONAL_BUFFER_FACTOR;
        u64::try_from(bytes * u128::from(num) / u128::from(den)).unwrap_or(u64::MAX)
    };
    // DeepSpeed computes in floats: `int(18 * total_params / total_gpus)` is a floor.
    let per_gpu = |bytes_per_param: u64| bytes_per_param * p / total_gpus;
    // The model as each rank of a node loads it, in fp32 (DeepSpeed's `4 * num_gpus_per_node`).
    let loaded = |params: u64| u128::from(params) * u128::from(PARAM32 * gpus_per_node);
    if stage <= 2 {
        let partitioned = GRAD16 + GRAD32 + PARAM32 + ADAM32;
        return if offload_optimizer {
            // `max(4 * total_gpus, 16)`: the fp32 load of every rank, or the offloaded states.
            let states = u128::from(p) * u128::from(GRAD32 + PARAM32 + ADAM32);
            let load = u128::from(p) * u128::from(PARAM32 * total_gpus);
            ModelStates { gpu: PARAM16 * p, cpu: buffered(load.max(states)) }
        } else {
            ModelStates { gpu: PARAM16 * p + per_gpu(partitioned), cpu: buffered(loaded(p)) }
        };
    }
    let largest_layer = (PARAM16 + GRAD16) * largest_layer_params;
    // The host's bytes per parameter as `num / den`: offloaded states spread over the nodes
    // (`gpus_factor = 1 / num_nodes`), or without `zero_init` the larger of those and the fp32
    // model every rank of a node loads (`max(4 * num_gpus_per_node, 18 * gpus_factor)`).
    let host = |states: u64| -> u64 {
        let (num, den) = if zero_init || states >= PARAM32 * gpus_per_node * nodes {
            (states, nodes)
        } else {
            (PARAM32 * gpus_per_node, 1)
        };
        let (f_num, f_den) = ADDITIONAL_BUFFER_FACTOR;
        let bytes = u128::from(p) * u128::from(num) * u128::from(f_num) / (u128::from(den) * u128::from(f_den));
        u64::try_from(bytes).unwrap_or(u64::MAX)
    };
    match (offload_optimizer, offload_params) {
        (true, true) => ModelStates { gpu: largest_layer, cpu: host(PARAM16 + GRAD32 + PARAM32 + ADAM32) },
        (true, false) => ModelStates { gpu: largest_layer + per_gpu(PARAM16), cpu: host(GRAD32 + PARAM32 + ADAM32) },
        _ => ModelStates {
            gpu: largest_layer + per_gpu(PARAM16 + GRAD32 + PARAM32 + ADAM32),
            cpu: if zero_init { buffered(loaded(largest_layer_params)) } else { buffered(loaded(p)) },
        },
    }
}

/// Elements of one parameter on one GPU under stage 3: its partition (`ds_tensor`), and all of it
/// besides when it is under the persistence threshold.
const fn stage3_numel(numel: u64, gpus: u64, persistence: u64) -> u64 {
    if numel < persistence {
        numel + numel.div_ceil(gpus)
    } else {
        numel.div_ceil(gpus)
    }
}

/// Stage 3's fetched parameters that the reuse distance keeps (module doc), elements:
/// `(layers kept at the turn from forward to backward, the embedding is kept then, layers kept
/// at the end of backward)`. `layer`, `head` and `embed` are the elements of one decoder layer,
/// the head module and the embedding (for tied embeddings, the head is the embedding).
pub fn kept_by_reuse(layers: u64, layer: u64, head: u64, embed: u64, checkpointing: bool) -> (u64, bool, u64) {
    // Passes over a layer between its forward and its next use: forward, backward and, with
    // checkpointing, the recomputation.
    let passes = if checkpointing { 3 } else { 2 };
    let r = MAX_REUSE_DISTANCE;
    // The layers `j = 0, 1, …` (from the end, or from the start) with `fixed + j·per_layer < r`.
    let within = |fixed: u64, per_layer: u64| -> u64 {
        if fixed >= r {
            0
        } else if per_layer == 0 {
            layers
        } else {
            (r - fixed).div_ceil(per_layer).min(layers)
        }
    };
    // Layer `j` before the end: `j` layers' forward, the head twice, `j` layers' backward passes.
    let turn = within(2 * head, passes * layer);
    let embed_kept = 2 * head + passes * layer * layers < r;
    // After layer `j`'s backward: `j` layers' remaining backward passes, the embedding, `j` layers'
    // forward in the next step.
    let end = within(embed, passes * layer);
    (turn, embed_kept, end)
}

/// What one ZeRO rank holds (module doc).
pub fn rank(plan: &Plan, d: &Distributed) -> Rank {
    let stage = d.strategy.zero_stage();
    let n = d.gpus;
    let h = plan.hidden;
    let bucket = reduce_bucket_size(h);
    let persistence = param_persistence_threshold(h);
    let offload_opt = d.offload.optimizer();
    let offload_params = d.offload.params() && stage == 3;
    // DeepSpeed's cast: every floating-point parameter in the autocast dtype.
    let cast = |p: &Param| plan.compute(p);
    let g16 = plan.compute_bytes;
    let elements = |p: &Param| p.times * p.numel();
    let resident = |p: &Param| -> u64 {
        let numel = if stage == 3 { stage3_numel(p.numel(), n, persistence) } else { p.numel() };
        let on_gpu = !offload_params || p.numel() < persistence || stage < 3;
        if on_gpu {
            p.times * (numel * cast(p) + p.replicated)
        } else {
            p.times * p.replicated
        }
    };
    let host_params = |p: &Param| -> u64 {
        if offload_params && p.numel() >= persistence {
            p.times * p.numel().div_ceil(n) * cast(p)
        } else {
            0
        }
    };
    let trainable = plan.sum(|p| p.trainable, elements);
    // The optimizer's partition: stage 3 partitions every parameter (persistent ones keep their
    // whole 16-bit copy besides), stage 1/2 one aligned flat tensor.
    let part = if stage == 3 {
        plan.sum(|p| p.trainable, |p| p.times * p.numel().div_ceil(n))
    } else {
        let align = NCCL_START_ALIGNMENT_FACTOR * n;
        trainable.div_ceil(align) * align / n
    };
    let master = 4 * part;
    let state = plan.state_bytes(part, 0, 1, 4);
    let foreach =
        if plan.optimizer == crate::scenario::Optimizer::AdamwTorch { 4 * part.min(SUB_GROUP_SIZE) } else { 0 };
    let group = if stage == 3 { part.min(SUB_GROUP_SIZE) } else { part };
    // Gradient clipping (the Trainer's max_grad_norm 1.0 becomes `gradient_clipping`) takes each
    // gradient's norm in fp64 (`get_norm_dtype`, `runtime/zero/utils.py`; `get_grad_norm_direct`):
    // one fp64 copy of the largest piece of a gradient this GPU holds.
    let largest = plan.params.as_slice().iter().filter(|p| p.trainable).map(|p| p.numel()).max().unwrap_or(0);
    let norm64 = NORM_BYTES * if stage == 3 { largest.div_ceil(n) } else { largest.min(part) };

    let mut r = Rank {
        weights: plan.sum(|p| !p.trainable, resident),
        adapter_params: plan.sum(|p| p.trainable, resident),
        trainable_params: trainable,
        optimizer_state: if offload_opt { 0 } else { master + state },
        paged: false,
        ..Rank::default()
    };
    if plan.full {
        // The trained weights are the model's: shown as weights, as on one GPU.
        r.weights += r.adapter_params;
        r.adapter_params = 0;
    }
    let mut e = Engine { nccl_connections: if n > 1 { NCCL_CONNECTIONS } else { 0 }, ..Engine::default() };
    // The head's and one layer's 16-bit gradients, as autograd makes them before ZeRO takes them.
    let head_grad = plan.sum(|p| p.trainable && p.at == Location::Head, elements) * g16;
    let layer_grads = plan.largest_layer(|p| if p.trainable { elements(p) * g16 } else { 0 });
    let largest_param_grad = plan
        .params
        .as_slice()
        .iter()
        .filter(|p| p.trainable && matches!(p.at, Location::Layer(_)))
        .map(|p| p.numel() * g16)
        .max()
        .unwrap_or(0);
    // In the gradient-accumulation dtype, the model's (`get_data_types`).
    let partition_grads = g16 * part;
    // The step, in order (`stage_1_and_2.py` `step`, `stage3.py` `_prepare_fp32_grad_for_sub_group`):
    // the gradient norms (one fp64 copy at a time), the partition's flat copy in the gradient dtype
    // and its fp32 conversion (a no-op for fp32), and the optimizer on the fp32 gradient with its
    // temporaries. Stage 1/2 free the partition's gradients before the optimizer runs; stage 3
    // keeps its flat gradient buffer. What is alive beyond the model states, the largest moment:
    let convert = g16 * group + if g16 == GRAD32 { 0 } else { GRAD32 * group };
    let optimize = GRAD32 * group + foreach;
    if !offload_opt {
        e.step = if stage == 3 {
            norm64.max(convert).max(optimize)
        } else {
            (partition_grads + norm64.max(convert)).max(optimize) - partition_grads
        };
    }
    // The embedding's 16-bit gradient, larger than a bucket: reduced on its own at the end.
    e.grads_end_backward = plan.sum(|p| p.trainable && p.at == Location::Embedding, elements) * g16;
    // ZeRO-1/2 allocate their reduce buckets when backward starts (`setup_buckets`) and release
    // them when its reduction ends (`_release_ipg_buffers`); ZeRO-2 fills its partition's
    // gradients (`grads_in_partition`) from the first bucket on, and the step reads them.
    let ipg = OVERLAP_BUCKETS * bucket * g16;
    // Autograd's 16-bit gradients before ZeRO takes them: the head's (larger than a bucket, reduced
    // on its own, `extra_large_param_to_reduce`) during the last layer's backward, then one
    // parameter's (stage 2) or one layer's (stage 3) at a time.
    match stage {
        1 => {
            // Stage 1 reduces gradients through the same buckets, but removes none: a parameter
            // larger than a bucket is reduced from its own `.grad` (`extra_large_param_to_reduce`),
            // which stays until the step; its partition's gradients accumulate in a buffer of their
            // own (`setup_buckets`: "ZeRO-1 stages the fp32 accumulator").
            let large = |at: &dyn Fn(Location) -> bool| {
                plan.sum(|p| p.trainable && p.numel() > bucket && at(p.at), |p| elements(p) * g16)
            };
            r.grads_head = large(&|l| l == Location::Head);
            r.grads_embed = large(&|l| l == Location::Embedding);
            r.grads_all = large(&|_| true);
            r.grads_step = partition_grads;
            e.buffers_backward = ipg;
            e.grads_last_backward = partition_grads;
            e.grads_first_backward = partition_grads;
            e.grads_end_backward = r.grads_embed + partition_grads;
        }
        2 => {
            let partition = if offload_opt { 0 } else { partition_grads };
            e.buffers_backward = ipg;
            r.grads_step = partition;
            e.grads_last_backward = head_grad.max(largest_param_grad) + partition;
            e.grads_first_backward = largest_param_grad + partition;
            e.grads_end_backward += partition;
        }
        _ => {
            e.buffers = bucket * g16 + if offload_opt { 0 } else { partition_grads };
            e.grads_last_backward = head_grad.max(layer_grads);
            e.grads_first_backward = layer_grads;
            let big = |p: &Param| p.numel() >= persistence;
            let bytes = |elements: u64| elements.saturating_mul(plan.compute_bytes);
            let layer = plan.largest_layer(|p| if big(p) { elements(p) } else { 0 });
            let embed = plan.sum(|p| p.at == Location::Embedding && big(p), elements);
            // A tied head is the embedding's weight: the head module fetches it.
            let (head, embed) =
                if plan.tied { (embed, 0) } else { (plan.sum(|p| p.at == Location::Head && big(p), elements), embed) };
            let (layers_dense, layers_moe) = plan.layers;
            let (turn, embed_kept, end) =
                kept_by_reuse(layers_dense + layers_moe, layer, head, embed, plan.checkpointing);
            // The prefetcher fetches ahead up to `prefetch_bucket_size` elements, and the parameter
            // that crosses that limit whole (`fetch_sub_module` adds parameters while the running
            // count is under it), of what is not gathered already.
            let largest_param = plan.params.as_slice().iter().filter(|p| big(p)).map(|p| p.numel()).max().unwrap_or(0);
            let ahead = prefetch_bucket_size(h).min(MAX_LIVE_PARAMETERS) + largest_param;
            let all = (layers_dense + layers_moe) * layer + head + embed;
            let gathered = |kept: u64| bytes(kept + ahead.min(all.saturating_sub(kept)));
            let embed_then = if embed_kept { embed } else { 0 };
            e.gathered_loss_forward = gathered(turn * layer + head + embed_then);
            e.gathered_loss_backward = e.gathered_loss_forward;
            e.gathered_layer_forward = gathered(turn.max(1) * layer + embed_then);
            e.gathered_last_backward = gathered(turn.max(1) * layer + embed_then);
            // At layer 0's backward, the embedding is next (kept, or being prefetched).
            e.gathered_first_backward = gathered(end.max(1) * layer + embed);
            e.gathered_end_backward = e.gathered_first_backward;
        }
    }
    let grad_states = match stage {
        1 => plan.base.as_rank().grads_all,
        _ if offload_opt => 0,
        _ => partition_grads,
    };
    let grads32 = if offload_opt { 0 } else { GRAD32 * part };
    e.model_states = r.weights + r.adapter_params + r.optimizer_state + grad_states + grads32;
    // Host memory.
    let ranks = Plan::ranks_per_node(d);
    let mut host = 0;
    if offload_opt {
        host += master + plan.state_bytes(part, 0, 1, 4) + GRAD32 * part;
        if stage == 3 {
            host += partition_grads;
        }
    }
    host += plan.sum(|_| true, host_params);
    let loading = if stage == 3 { 0 } else { ranks * plan.load_bytes };
    e.host_per_node = host_per_node(loading, ranks * host);
    r.engine = e;
    r
}
