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
use crate::scenario::{Method, Scenario};
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

    /// The calibrated uncertainty range of [`Estimate::total`], `(low, high)` in bytes
    /// (see [`UNCERTAINTY_PERCENT`]).
    pub const fn range(&self) -> (u64, u64) {
        let t = self.total();
        let d = t / 100 * UNCERTAINTY_PERCENT + t % 100 * UNCERTAINTY_PERCENT / 100;
        (t - d, t.saturating_add(d))
    }
}

/// Relative uncertainty of [`Estimate::total`], in percent: the bound the estimate is tested to
/// (docs/accuracy.md lists the residuals it comes from).
pub const UNCERTAINTY_PERCENT: u64 = 8;

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
    cuda_context: u64,
    total_params: u64,
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
        cuda_context: s.cuda_context_bytes,
        total_params: s.arch.params().total(),
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
        // (phase, activations, gradients)
        let phases = [
            (Phase::Forward, act.kept + act.head_saved + act.loss_forward.max(act.layer_forward), 0),
            (Phase::LossBackward, act.kept + act.head_saved + act.loss_backward, 0),
            (Phase::LastLayerBackward, act.kept + recompute + act.layer_backward, grads_head),
            (
                Phase::FirstLayerBackward,
                first_layer_kept.min(act.kept) + act.layer_max + act.layer_backward,
                grads_head + grads_layers,
            ),
            (Phase::OptimizerStep, u128::from(opt.step_transient), grads_all),
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
        }
    }
}

/// Estimates the peak memory of one training step. Pure: no I/O, no allocation.
pub fn estimate(s: &Scenario) -> Estimate {
    profile(s).at(s.batch_size, s.seq_len)
}
