//! The peak of one training step: the components put together over the step's phases.
//!
//! # Method
//! Memory that lives through the whole step, *static*, is the base weights, the trainable
//! parameters and the optimizer state (allocated at the first step and kept). On top of it the step
//! passes through phases, each with its own activations and gradients:
//!
//! | phase | activations | gradients |
//! |---|---|---|
//! | forward | kept per layer + head + loss forward (or eager scores) | none (`zero_grad(set_to_none=True)`) |
//! | loss backward | kept per layer + head + loss backward | none yet |
//! | last layer's backward | kept + recomputed layer + layer backward | head |
//! | first layer's backward | one layer + layer backward | head and all layers |
//! | optimizer step | none | all, plus the step's temporary |
//!
//! The peak allocated memory is static plus the largest phase; the breakdown reports the
//! activations and gradients of that phase. `total_bytes`, what `nvidia-smi` shows, adds the
//! overhead ([`crate::overhead`]).

use crate::activations::{profile as activation_profile, ActivationProfile};
use crate::adapter::adapter;
use crate::optimizer::optimizer;
use crate::overhead::{allocator_slack, Overhead};
use crate::scenario::{Method, Scenario, Trainer};
use crate::weights::{unquantized_bytes, weights};

/// Where in the step the peak happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Phase {
    /// During the forward pass and the loss.
    #[default]
    Forward,
    /// The loss's backward (logits gradients).
    LossBackward,
    /// Backward through the last decoder layer.
    LastLayerBackward,
    /// Backward through the first decoder layer, with nearly every gradient allocated.
    FirstLayerBackward,
    /// `optimizer.step()`.
    OptimizerStep,
}

impl Phase {
    /// A short English name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Forward => "forward",
            Phase::LossBackward => "loss backward",
            Phase::LastLayerBackward => "backward (last layer)",
            Phase::FirstLayerBackward => "backward (first layer)",
            Phase::OptimizerStep => "optimizer step",
        }
    }
}

/// Trainable-parameter memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AdapterBytes {
    /// LoRA parameters and `modules_to_save` copies (0 for full fine-tuning: they are the weights).
    pub params: u64,
    /// Gradients alive at the peak.
    pub gradients: u64,
    /// Optimizer state.
    pub optimizer: u64,
}

impl AdapterBytes {
    /// All three.
    pub const fn total(&self) -> u64 {
        self.params + self.gradients + self.optimizer
    }
}

/// The allocated peak of each part of the step that a profiler can tell apart, in bytes: what
/// `torch.cuda.max_memory_allocated()` reads when its counter is reset as each part begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PhasePeaks {
    /// The forward pass and the loss.
    pub forward: u64,
    /// `loss.backward()`.
    pub backward: u64,
    /// `optimizer.step()`.
    pub optimizer: u64,
}

/// The estimate: integer bytes, by component, at the step's peak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Estimate {
    /// Base model weights.
    pub weights: u64,
    /// Trainable parameters, gradients and optimizer state.
    pub adapter: AdapterBytes,
    /// Activations and temporaries at the peak.
    pub activations: u64,
    /// CUDA context and allocator slack.
    pub overhead: Overhead,
    /// What `torch.cuda.max_memory_allocated()` would report.
    pub peak_allocated: u64,
    /// Parameters of the base model.
    pub total_params: u64,
    /// Trainable parameters.
    pub trainable_params: u64,
    /// The optimizer state lives in paged (unified) memory: outside `peak_allocated`, and able to
    /// spill to CPU RAM.
    pub paged_optimizer: bool,
    /// When the peak happens.
    pub phase: Phase,
    /// The allocated peak of the forward pass, the backward pass and the optimizer step.
    pub phase_peaks: PhasePeaks,
}

impl Estimate {
    /// The predicted peak as `nvidia-smi` shows it: every component.
    pub const fn total(&self) -> u64 {
        // Saturating: an absurd-but-valid scenario reports u64::MAX rather than wrapping.
        self.weights
            .saturating_add(self.adapter.params)
            .saturating_add(self.adapter.gradients)
            .saturating_add(self.adapter.optimizer)
            .saturating_add(self.activations)
            .saturating_add(self.overhead.cuda_context)
            .saturating_add(self.overhead.allocator)
    }

    /// The uncertainty range of [`Estimate::total`], `(low, high)` in bytes. It adds up the three
    /// sources of error, each bounded separately:
    /// - the tensor model: ±[`TENSOR_ERROR_PERCENT`] of the allocated peak, the largest residual
    ///   against measured training steps (docs/accuracy.md);
    /// - allocator slack: from none to [`ALLOCATOR_SLACK_MAX_PERCENT`] of the dynamic memory;
    /// - the CUDA context: [`CUDA_CONTEXT_RANGE`] when the default is used, exact when the
    ///   scenario gives its own.
    pub const fn range(&self) -> (u64, u64) {
        let alloc = self.peak_allocated;
        let tensor = percent(alloc, TENSOR_ERROR_PERCENT);
        let dynamic = self.activations.saturating_add(self.adapter.gradients);
        let ctx = self.overhead.cuda_context;
        let (ctx_low, ctx_high) =
            if ctx == crate::overhead::DEFAULT_CUDA_CONTEXT { CUDA_CONTEXT_RANGE } else { (ctx, ctx) };
        // Paged optimizer state is outside `peak_allocated` but resident while the GPU has room.
        let paged = if self.paged_optimizer { self.adapter.optimizer } else { 0 };
        let base = alloc.saturating_add(paged);
        let low = base.saturating_sub(tensor).saturating_add(ctx_low);
        let high = base
            .saturating_add(tensor)
            .saturating_add(percent(dynamic, ALLOCATOR_SLACK_MAX_PERCENT))
            .saturating_add(ctx_high);
        // The point estimate lies inside by construction; keep it so under saturation too.
        let t = self.total();
        (if low < t { low } else { t }, if high > t { high } else { t })
    }
}

/// `p` percent of `x`, without overflow.
const fn percent(x: u64, p: u64) -> u64 {
    x / 100 * p + x % 100 * p / 100
}

/// Bound on the tensor model's relative error: the largest residual against the measured training
/// steps in `tests/fixtures/measurements` is 1.9% (docs/accuracy.md); 3% leaves room for what a
/// CPU measurement cannot see of the GPU's kernels.
pub const TENSOR_ERROR_PERCENT: u64 = 3;

/// Upper bound of allocator slack, as a share of the dynamic memory. PyTorch reserves what it
/// has allocated at the peak plus cached free blocks; one published LoRA run reserved 24% more than
/// it allocated (REFERENCE.md), most of it from the churning activations.
pub const ALLOCATOR_SLACK_MAX_PERCENT: u64 = 25;

/// CUDA context range used when the scenario keeps the default (REFERENCE.md: 0.3–1 GiB).
pub const CUDA_CONTEXT_RANGE: (u64, u64) = (300 << 20, 1 << 30);

/// Saturating conversion of an exact byte count to the output type.
fn clamp(x: u128) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// Gradient bytes created by the head's backward and by the embedding's, as `(head, embedding)`.
fn head_and_embedding_grads(s: &Scenario) -> (u64, u64) {
    let a = &s.arch;
    let vh = a.vocab * a.hidden;
    match s.method {
        Method::Full => {
            let w = unquantized_bytes(s);
            let head = vh * w + if a.lm_head_bias { a.vocab * w } else { 0 } + a.hidden * w;
            // A tied embedding accumulates into the head's gradient, allocated already.
            let embed = if a.tied_embeddings { 0 } else { vh * w };
            (head, embed)
        }
        _ => {
            let c = unquantized_bytes(s);
            let m = s.lora.modules_to_save;
            let head = if m.lm_head { vh * c + if a.lm_head_bias { a.vocab * c } else { 0 } } else { 0 };
            let embed = if m.embed_tokens { vh * c } else { 0 };
            (head, embed)
        }
    }
}

/// Everything about a scenario's estimate except its batch size and sequence length, so that
/// [`Profile::at`] can evaluate any `(batch, seq)` exactly and fast (the GPU table's solver
/// probes thousands of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    weights: u64,
    adapter: crate::adapter::Adapter,
    optimizer: crate::optimizer::OptimizerMemory,
    activations: ActivationProfile,
    grads_head: u64,
    grads_embed: u64,
    /// Bytes per token of one layer input (what the first layer's backward still keeps).
    layer_input: u64,
    checkpointing: bool,
    /// Full fine-tuning: the base weights are trainable (autocast caches their casts).
    trainable_base: bool,
    layers: u64,
    cuda_context: u64,
    total_params: u64,
    /// The loop keeps the model's outputs alive until the step ends ([`Trainer::CustomLoop`]).
    keeps_outputs: bool,
}

/// The batch-independent part of a scenario's estimate.
pub fn profile(s: &Scenario) -> Profile {
    let (grads_head, grads_embed) = head_and_embedding_grads(s);
    Profile {
        weights: weights(s).total(),
        adapter: adapter(s),
        optimizer: optimizer(s),
        activations: activation_profile(s),
        grads_head,
        grads_embed,
        layer_input: s.arch.hidden * crate::activations::Dtypes::of(s).residual,
        checkpointing: s.gradient_checkpointing,
        trainable_base: s.method == Method::Full,
        layers: s.arch.layers,
        cuda_context: s.cuda_context_bytes,
        total_params: s.arch.params().total(),
        keeps_outputs: s.trainer == Trainer::CustomLoop,
    }
}

impl Profile {
    /// The estimate at batch size `batch` and sequence length `seq`.
    pub fn at(&self, batch: u64, seq: u64) -> Estimate {
        let act = self.activations.at(batch, seq);
        let ad = &self.adapter;
        let opt = &self.optimizer;
        let grads_all = u128::from(ad.gradients);
        let grads_head = u128::from(self.grads_head);
        let grads_layers = grads_all.saturating_sub(grads_head + u128::from(self.grads_embed));
        let n = u128::from(batch) * u128::from(seq);
        let (recompute, first_layer_kept) =
            if self.checkpointing { (act.layer_max, n * u128::from(self.layer_input)) } else { (0, 0) };
        // Autocast's bf16 weight copies (see `activations`): the head's lives from its forward to its
        // backward; a layer's lives until that layer's backward, or only while a checkpointed layer
        // is recomputed. Trainable weights stay in autocast's cache through the whole forward.
        let layers = u128::from(self.layers);
        let one = act.layer_weight_copy;
        let kept_copies = if self.checkpointing { one } else { layers * one };
        let forward_copies = if self.checkpointing && !self.trainable_base { one } else { layers * one };
        let head_copy = act.head_weight_copy;
        // What a loop that keeps `out` holds beyond the Trainer's (see `Trainer::CustomLoop`): the
        // logits from the loss's backward on, and at the optimizer step the input leaf that
        // `enable_input_require_grads` made of the embedding output, with its retained `.grad`: the
        // loss's graph still references it through its `AccumulateGrad` node.
        let (kept_logits, kept_leaf) = if self.keeps_outputs {
            let leaf = if self.checkpointing { 2 * n * u128::from(self.layer_input) } else { 0 };
            (act.logits, leaf)
        } else {
            (0, 0)
        };
        // (phase, activations, gradients)
        let phases = [
            (
                Phase::Forward,
                act.kept + act.head_saved + act.loss_forward.max(act.layer_forward) + forward_copies + head_copy,
                0,
            ),
            (
                Phase::LossBackward,
                act.kept + act.head_saved + act.loss_backward + kept_copies + head_copy + kept_logits,
                0,
            ),
            (
                Phase::LastLayerBackward,
                act.kept
                    + recompute
                    + if self.checkpointing { act.layer_backward.max(act.layer_recompute) } else { act.layer_backward }
                    + kept_copies
                    + kept_logits,
                grads_head,
            ),
            (
                Phase::FirstLayerBackward,
                first_layer_kept.min(act.kept) + act.layer_max + act.layer_backward + one + kept_logits,
                grads_head + grads_layers,
            ),
            (Phase::OptimizerStep, u128::from(opt.step_transient) + kept_logits + kept_leaf, grads_all),
        ];
        let mut peak = phases[0];
        for p in phases {
            if p.1 + p.2 > peak.1 + peak.2 {
                peak = p;
            }
        }
        let (phase, activations, gradients) = (peak.0, clamp(peak.1), clamp(peak.2));

        let dynamic = activations.saturating_add(gradients);
        let paged_state = if opt.paged { opt.state } else { 0 };
        let static_allocated = self.weights.saturating_add(ad.params).saturating_add(opt.state - paged_state);
        let at = |p: &(Phase, u128, u128)| static_allocated.saturating_add(clamp(p.1 + p.2));
        let phase_peaks = PhasePeaks {
            forward: at(&phases[0]),
            backward: at(&phases[1]).max(at(&phases[2])).max(at(&phases[3])),
            optimizer: at(&phases[4]),
        };
        Estimate {
            weights: self.weights,
            adapter: AdapterBytes { params: ad.params, gradients, optimizer: opt.state },
            activations,
            overhead: Overhead { cuda_context: self.cuda_context, allocator: allocator_slack(dynamic) },
            peak_allocated: static_allocated.saturating_add(dynamic),
            total_params: self.total_params,
            trainable_params: ad.trainable_params,
            paged_optimizer: opt.paged,
            phase,
            phase_peaks,
        }
    }
}

/// Estimates the peak memory of one training step. Pure: no I/O, no allocation.
pub fn estimate(s: &Scenario) -> Estimate {
    profile(s).at(s.batch_size, s.seq_len)
}
