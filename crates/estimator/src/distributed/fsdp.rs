//! PyTorch FSDP as the Hugging Face Trainer runs it through accelerate: FSDP2 (`fully_shard`,
//! torch 2.15) for `full_shard` and `shard_grad_op`, FSDP1 (`FullyShardedDataParallel`) for
//! `hybrid_shard`.
//!
//! # Which FSDP
//! transformers 5.23 defaults to FSDP2 (`TrainingArguments._process_fsdp_args`:
//! `fsdp_config.get("version", 2)`) and maps `full_shard`/`shard_grad_op` to
//! `reshard_after_forward=True/False`; `hybrid_shard` exists only in FSDP1, which it still runs when
//! asked (`version: 1`), with `use_orig_params=True`, `sync_module_states=True`,
//! `backward_prefetch="NO_PREFETCH"` and `forward_prefetch=False` as its defaults.
//!
//! # Units
//! - FSDP2 (accelerate 1.15 `utils/fsdp_utils.py`, `fsdp2_prepare_model`): one unit per decoder
//!   layer (the transformer wrap policy; the Trainer's FSDP2 path never installs PEFT's LoRA policy,
//!   so LoRA adapters share their layer's unit), the input embedding when untied, a *tail* of the
//!   final norm and the head (with the embedding when tied, placed first so that it is gathered
//!   from the start of the forward), sharded with `reshard_after_forward=False`, and the root.
//!   Under mixed precision accelerate upcasts trainable parameters to fp32 unless the model has
//!   bitsandbytes `Params4bit` weights; `MixedPrecisionPolicy(param_dtype=bf16, reduce_dtype=bf16)`
//!   gathers everything in bf16.
//! - FSDP1 (transformers 5.23 `distributed/fsdp.py`, `update_fsdp_plugin_peft`, and PEFT 0.21
//!   `fsdp_auto_wrap_policy`): one unit per decoder layer and one per LoRA leaf module; the root
//!   unit holds the embedding, the final norm and the head, and FSDP1 does not reshard the root
//!   after its forward (`_post_forward_reshard`: `not state._is_root`), so it stays gathered until
//!   the end of backward.
//!
//! # Formula (per GPU; `m` GPUs per shard group: all of them, or one node's for `hybrid_shard`)
//! - **Sharded state**: FSDP2 shards every parameter on dimension 0, padded to `m`
//!   (`FSDPParam._init_sharded_param`: `ceil(rows/m)` rows each); FSDP1 flattens each unit and pads
//!   it to a multiple of `m` (`FlatParamHandle`), counted here per parameter as `ceil(numel/m)`,
//!   which bounds the padding from above. Parameters in their stored dtype; gradients in the same
//!   (FSDP keeps the sharded gradient in the parameter's dtype); the optimizer state on the shards
//!   ([`crate::optimizer`]). bitsandbytes' quantization state (absmax) is not a parameter and stays
//!   whole on every GPU. QLoRA needs `bnb_4bit_quant_storage=bfloat16`, which makes the packed
//!   weights bf16 tensors FSDP can flatten and shard (transformers' FSDP-QLoRA guide).
//! - **Gathered units** (`_fsdp_collectives.py`, `foreach_all_gather` and
//!   `foreach_all_gather_copy_out`): FSDP2 all-gathers a unit into one flat output of the unit's
//!   padded size and copies it out into the parameters' unsharded storage. In forward, with more
//!   than one GPU, it keeps that flat output until the next all-gather begins
//!   (`_fsdp_param_group.py`, `comm_ctx.all_gather_state`: "defer free to allow for overlap of
//!   this copy-out with next all-gather"), and the root's post-forward, after the loss, frees the
//!   last; in backward it prefetches the next unit. So two units' worth during a layer's forward
//!   and backward, and the tail twice during the loss's forward. The tail stays gathered from its
//!   forward to its backward; with `shard_grad_op` every unit does. FSDP1 without prefetching: the
//!   root and one unit.
//! - **The end of backward.** A group's post-backward hook hangs on its forward inputs
//!   (`RegisterPostBackwardFunction`); the embedding's input, token ids, needs no gradient, so the
//!   embedding's group (and, with tied embeddings, the whole tail) is reduce-scattered only by the
//!   root's final callback: its unsharded gradient and the reduce-scatter input, with hardly any
//!   activation left. The embedding is not gathered again for its backward (its gradient needs the
//!   indices, not the weight); a tied tail stays gathered throughout.
//! - **Reduce-scatter**: FSDP2's `foreach_reduce` copies the unit's unsharded gradients (bf16) into
//!   a reduce-scatter input of the same size, then reduces into a shard and casts it to the
//!   parameter's dtype: `2 ×` the unit's trainable bf16 bytes, plus the shard in bf16 and in its
//!   own dtype. FSDP1's post-backward hook reduce-scatters the unit's flat gradient directly: `1 ×`.
//!
//! # Offload (`cpu_offload`, `offload: optimizer_and_params`)
//! `CPUOffloadPolicy` (FSDP2) / `CPUOffload(offload_params=True)` (FSDP1) keep the sharded
//! parameters and gradients in pinned host memory and step the optimizer there. The GPU holds the
//! gathered units, the shard it copies in before each all-gather, and the quantization state.
//! Host per rank: the shards of the parameters and gradients and the optimizer state.
//!
//! # Host memory per node
//! Every rank loads the model on its CPU (`cpu_ram_efficient_loading` is off by default in the
//! Trainer); with it on, only rank 0 does (not modelled: the scenario has no field for it).
//!
//! # Known error
//! Real FSDP2 over gloo, 1 to 4 CPU processes, each rank's live bytes counted
//! (`tools/calibrate/fsdp_gloo.py`, `tests/fixtures/measurements/fsdp_gloo.jsonl`, docs/accuracy.md):
//! the sharded state is exact (up to 512-byte rounding), and the busiest rank's peak is within
//! −0.5% to +0.8% on full fine-tuning and LoRA, full and grad-op sharding, with and without
//! checkpointing; +4.5% (high) with tied embeddings, where the estimate adds the tail's gradient
//! reduction to the first layer's activations. A CPU process has no CUDA streams: on a GPU a
//! reduce-scatter input lives until the collective finishes on its stream, which the model counts
//! and the CPU run cannot show. FSDP1 (`hybrid_shard`) and CPU offload are not measured.

use super::{host_per_node, Distributed, FsdpSharding, Param, Plan, NCCL_CONNECTIONS};
use crate::adapter::Location;
use crate::estimate::{Engine, Rank};

/// What one FSDP rank holds (module doc).
pub fn rank(plan: &Plan, d: &Distributed) -> Rank {
    let fsdp1 = d.fsdp_sharding == FsdpSharding::HybridShard;
    let m = if fsdp1 { d.gpus_per_node } else { d.gpus };
    let offload = d.offload.params();
    // accelerate's fp32 upcast of trainable parameters under mixed precision (not with Params4bit).
    let upcast = plan.mixed && !plan.quantized;
    let stored = |p: &Param| if p.trainable && p.float && upcast { p.bytes.max(4) } else { p.bytes };
    let shard = |p: &Param| if fsdp1 { p.numel().div_ceil(m) } else { p.rows.div_ceil(m) * p.cols };
    let gathered = |p: &Param| if fsdp1 { p.numel() } else { p.rows.div_ceil(m) * m * p.cols };
    let resident = |p: &Param| p.times * (shard(p) * stored(p) + p.replicated);
    let state = |p: &Param| -> u64 {
        let (rows, cols) = if fsdp1 { (shard(p), 0) } else { (p.rows.div_ceil(m), p.cols) };
        plan.state_bytes(rows, cols, p.times, stored(p))
    };
    let grad = |p: &Param| p.times * shard(p) * stored(p);
    let trainable = |p: &Param| p.trainable;
    let params_on_host = plan.sum(|_| true, resident);
    let grads_on_host = plan.sum(trainable, grad);
    let state_on_host = plan.sum(trainable, state);

    let mut r = Rank {
        weights: plan.sum(|p| !p.trainable, resident),
        adapter_params: plan.sum(trainable, resident),
        trainable_params: plan.sum(trainable, |p| p.times * p.numel()),
        optimizer_state: state_on_host,
        grads_head: plan.sum(|p| p.trainable && p.at == Location::Head, grad),
        grads_embed: plan.sum(|p| p.trainable && p.at == Location::Embedding, grad),
        grads_all: grads_on_host,
        grads_step: grads_on_host,
        // The foreach AdamW step's `exp_avg_sq.sqrt()` for every shard at once ([`crate::optimizer`]).
        step_transient: if plan.optimizer == crate::scenario::Optimizer::AdamwTorch { grads_on_host } else { 0 },
        ..Rank::default()
    };
    if offload {
        r.weights = plan.sum(|p| !p.trainable, |p| p.times * p.replicated);
        r.adapter_params = 0;
        r.optimizer_state = 0;
        r.grads_head = 0;
        r.grads_embed = 0;
        r.grads_all = 0;
        r.grads_step = 0;
        r.step_transient = 0;
    }
    if plan.full {
        r.weights += r.adapter_params;
        r.adapter_params = 0;
    }

    let gathered_bytes = |p: &Param| p.times * gathered(p) * plan.compute(p);
    let unit = plan.largest_layer(gathered_bytes);
    let unit_trainable = plan.largest_layer(|p| if p.trainable { gathered_bytes(p) } else { 0 });
    let at = |loc: Location, trainable_only: bool| {
        plan.sum(|p| p.at == loc && (p.trainable || !trainable_only), gathered_bytes)
    };
    let (head, embed) = (at(Location::Head, false), at(Location::Embedding, false));
    let (head_trainable, embed_trainable) = (at(Location::Head, true), at(Location::Embedding, true));
    // The shard of a unit copied to the GPU before its all-gather, when the shards live on the host.
    let copied_in = if offload { unit / m } else { 0 };
    // After the reduce-scatter: the gradient shard in the reduce dtype and, when the parameter's
    // dtype differs, its cast.
    let shard_out = |trainable: u64| {
        let shard = trainable / m;
        if upcast {
            shard + shard / plan.compute_bytes.max(1) * 4
        } else {
            shard
        }
    };
    let layers = plan.layers.0 + plan.layers.1;
    let mut e = Engine {
        nccl_connections: match (d.gpus > 1, fsdp1 && d.nodes() > 1) {
            (false, _) => 0,
            // HSDP: a shard group within the node and a replicate group across nodes.
            (true, true) => 2 * NCCL_CONNECTIONS,
            (true, false) => NCCL_CONNECTIONS,
        },
        ..Engine::default()
    };
    if fsdp1 {
        let root = head + embed;
        let grads = unit_trainable + shard_out(unit_trainable);
        e.gathered_layer_forward = root + unit + copied_in;
        e.gathered_loss_forward = root;
        e.gathered_loss_backward = root;
        e.gathered_last_backward = root + unit + copied_in;
        e.gathered_first_backward = root + unit + copied_in;
        e.grads_last_backward = grads;
        e.grads_first_backward = grads;
        // The root's own gradient, unsharded, reduce-scattered once the embedding's has arrived.
        let root_trainable = head_trainable + embed_trainable;
        e.gathered_end_backward = root;
        e.grads_end_backward = root_trainable + shard_out(root_trainable);
    } else {
        // A unit's unsharded gradients and the reduce-scatter input they are copied into.
        let unit_grads = 2 * unit_trainable + shard_out(unit_trainable);
        // With more than one GPU, FSDP2 keeps each forward all-gather's flat output until the next
        // all-gather begins (`all_gather_state`, "defer free to allow for overlap of this copy-out
        // with next all-gather"); the root's post-forward, after the loss, releases the last.
        let kept_output = |group: u64| if m > 1 { group } else { 0 };
        let grad_op = d.fsdp_sharding == FsdpSharding::ShardGradOp;
        if plan.tied {
            // The tail starts with the embedding, whose input (token ids) needs no gradient: FSDP2's
            // post-backward hook for the group never fires, so the tail stays gathered, with its
            // unsharded gradient, until the root's final callback reshards it.
            let tail = head + embed;
            let tail_trainable = head_trainable + embed_trainable;
            let layers_kept = if grad_op { layers * unit } else { 0 };
            e.gathered_layer_forward = tail + layers_kept + unit + kept_output(unit) + copied_in;
            e.gathered_loss_forward = tail + layers_kept + kept_output(unit);
            e.gathered_loss_backward = tail + layers_kept;
            e.gathered_last_backward = tail + layers_kept.max(2 * unit) + copied_in;
            e.gathered_first_backward = tail + 2 * unit + copied_in;
            e.grads_last_backward = unit_grads + tail_trainable;
            e.grads_first_backward = unit_grads + tail_trainable;
            e.gathered_end_backward = tail;
            e.grads_end_backward = 2 * tail_trainable + shard_out(tail_trainable);
        } else {
            // The tail (final norm, head) is gathered from its forward to its backward. The
            // embedding's unit is not gathered again in backward (its weight is not needed for its
            // gradient): its unsharded gradient is reduce-scattered by the final callback.
            let layers_kept = if grad_op { layers * unit + embed } else { 0 };
            e.gathered_layer_forward = layers_kept + unit + kept_output(unit) + copied_in;
            e.gathered_loss_forward = layers_kept + head + kept_output(head);
            e.gathered_loss_backward = layers_kept + head;
            e.gathered_last_backward = layers_kept.max(2 * unit) + copied_in;
            e.gathered_first_backward = 2 * unit + copied_in;
            e.grads_last_backward = unit_grads;
            e.grads_first_backward = unit_grads;
            e.gathered_end_backward = 0;
            e.grads_end_backward = 2 * embed_trainable + shard_out(embed_trainable);
        }
    }
    e.model_states = r.weights + r.adapter_params + r.optimizer_state + r.grads_step;
    let ranks = Plan::ranks_per_node(d);
    let training = if offload { params_on_host + grads_on_host + state_on_host } else { 0 };
    e.host_per_node = host_per_node(ranks * plan.load_bytes, ranks * training);
    r.engine = e;
    r
}
