//! What to change when a scenario does not fit a GPU, computed, never guessed.
//!
//! # Method
//! Every candidate change is applied on its own to the current scenario and estimated in full. A
//! candidate is kept only when it is not already in effect and lowers the memory that must stay on
//! the GPU; the rest are dropped, so a change that would raise the peak is never shown (QLoRA on a
//! transformers-5 MoE model, whose stacked experts bitsandbytes leaves 16-bit and
//! `prepare_model_for_kbit_training` then upcasts to fp32, is one). The kept changes are listed
//! least disruptive first: those that change neither the result nor the data come before those
//! that trade speed, and those that change the model or the data come last (the order of the
//! user's original write-up, REFERENCE.md):
//!
//! 1. Gradient checkpointing (`gradient_checkpointing=True`): same result, about 30% slower.
//! 2. Batch size 1 with `gradient_accumulation_steps` = the old batch: same effective batch.
//! 3. FlashAttention-2 (Ampere or newer) or SDPA instead of eager attention: same result.
//! 4. Liger's kernels (`use_liger_kernel=True`): one flag in `TrainingArguments`, the same result,
//!    no speed cost; its fused linear cross-entropy never makes the logits.
//! 5. A smaller optimizer state: 8-bit AdamW (`adamw_8bit`, a quarter of AdamW's state) or paged
//!    8-bit AdamW (`paged_adamw_8bit`, whose state the driver can move to CPU RAM). They exclude
//!    each other; both are offered when both help.
//! 6. Activation offloading (`activation_offloading=True`, with checkpointing): the kept layer
//!    inputs move to CPU RAM; slower, and it takes host memory.
//! 7. QLoRA 4-bit (nf4 with double quantization): a quarter of the 16-bit Linear weights.
//! 8. Cut Cross-Entropy (axolotl's `cut_cross_entropy: true` plugin), when Liger does not apply:
//!    another framework's loss.
//! 9. A lower LoRA rank (a quarter, not below 16): the adapter state shrinks with it.
//! 10. LoRA on the attention projections only, instead of every Linear.
//! 11. DeepSpeed's optimizer offload (`offload_optimizer` with ZeRO-2/3; on one GPU, ZeRO-3 with it):
//!     the optimizer state and step move to CPU RAM; slower.
//! 12. Several GPUs of this kind ([`crate::distributed`]): ZeRO-3, or FSDP `full_shard`, across the
//!     fewest GPUs on which every GPU's whole range fits (up to 8 on one node, then whole nodes of 8).
//! 13. A shorter `max_seq_len`: the longest whose whole uncertainty range fits; long samples get
//!     truncated.
//!
//! The last three change the hardware or the data, and are never part of the combination below
//! (but a shorter sequence completes it when nothing else fits).
//!
//! Last, the best combination: starting from the scenario, each change in the order above is
//! added when it lowers the total of what has been combined so far (for the optimizer, the better
//! of the two), and when that still does not fit, the longest sequence that does. It is
//! shown only when it combines at least two changes and beats every single one; its label lists
//! exactly the changes it makes ([`Advice::changes`]), which are what "apply" sets.
//!
//! # What "fits" means here
//! A change fits when the upper end of the new estimate's range does ([`crate::fit::verdict`]),
//! exactly as the verdict is judged once the change is made. A paged optimizer's state counts in
//! full: the driver moves it to CPU RAM only under memory pressure, at a cost in speed, and a
//! promise that leaves it out would not be the total the page shows after "apply".

use crate::estimate::estimate;
use crate::fit::{verdict, Verdict};
use crate::scenario::{AttentionImpl, Method, Optimizer, Scenario, Targets, WeightDtype};

/// One change the user can make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// Turn on gradient checkpointing.
    GradientCheckpointing,
    /// Batch size 1, with gradient accumulation over the old batch size.
    BatchOneWithAccumulation {
        /// `gradient_accumulation_steps` that keeps the effective batch.
        accumulation_steps: u64,
    },
    /// Use this attention kernel instead of eager.
    Attention(AttentionImpl),
    /// `use_liger_kernel=True`: Liger's kernels and fused linear cross-entropy.
    Liger,
    /// Use this optimizer (`adamw_8bit` or `paged_adamw_8bit`).
    Optimizer(Optimizer),
    /// `activation_offloading=True`: kept layer inputs in CPU RAM.
    ActivationOffloading,
    /// QLoRA with nf4 double-quantized weights.
    Qlora,
    /// Cut Cross-Entropy's loss (`loss: cut_cross_entropy`).
    CutCrossEntropy,
    /// LoRA rank `r` (lower than now).
    Rank(u64),
    /// LoRA on the attention projections only (PEFT's names for this model's q/k/v/o).
    AttentionTargets,
    /// DeepSpeed's optimizer offload (ZeRO-3 on this one GPU when the run is not distributed).
    OffloadOptimizer,
    /// Data-parallel training on `gpus` GPUs of this kind with `strategy` (8 per node).
    Shard {
        /// ZeRO-3 or FSDP.
        strategy: crate::distributed::Strategy,
        /// GPUs in all.
        gpus: u64,
    },
    /// Shorten sequences to this many tokens.
    SeqLen(u64),
}

impl Change {
    /// The scenario with this change made, or `None` when it is not a valid scenario.
    pub fn apply(self, s: &Scenario) -> Option<Scenario> {
        let mut c = *s;
        match self {
            Change::GradientCheckpointing => c.gradient_checkpointing = true,
            Change::BatchOneWithAccumulation { .. } => c.batch_size = 1,
            Change::Attention(a) => c.attention = a,
            Change::Optimizer(o) => c.optimizer = o,
            Change::Liger => {
                c.use_liger_kernel = true;
                // Liger's fused loss comes with it, except where TRL computes its own.
                if c.trainer != crate::scenario::Trainer::TrlSft {
                    c.loss = crate::scenario::Loss::FusedLinear;
                    c.loss_chunks = 1;
                }
            }
            Change::ActivationOffloading => c.activation_offloading = true,
            Change::CutCrossEntropy => {
                c.loss = crate::scenario::Loss::CutCrossEntropy;
                c.loss_chunks = 1;
            }
            Change::Qlora => {
                c.method = Method::Qlora;
                c.weight_dtype = WeightDtype::Nf4;
                c.double_quant = true;
                c.prepare_kbit = c.trainer != crate::scenario::Trainer::TrlSft;
            }
            Change::Rank(r) => c.lora.rank = r,
            Change::AttentionTargets => c.lora.targets = attention_targets(s)?,
            Change::OffloadOptimizer => {
                use crate::distributed::{Distributed, Offload, Strategy};
                let d = c.distributed.unwrap_or(Distributed::new(Strategy::Zero3, 1));
                c.distributed = Some(Distributed { offload: Offload::Optimizer, ..d });
            }
            Change::Shard { strategy, gpus } => {
                let d = crate::distributed::Distributed::new(strategy, NODE).with_gpus(gpus);
                c.distributed = Some(d);
            }
            Change::SeqLen(n) => c.seq_len = n,
        }
        c.validate().ok().map(|()| c)
    }
}

/// A change, or a combination of changes, and what it does to the estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Advice {
    /// The changes made, in the order of the module doc: one, or several for the combination.
    pub changes: heapless_list::List<Change>,
    /// The new total, in bytes: [`crate::Estimate::total`] of [`Advice::scenario`].
    pub total: u64,
    /// Whether it then fits the GPU.
    pub verdict: Verdict,
    /// The changed scenario.
    pub scenario: Scenario,
}

impl Advice {
    /// Whether this is the combination of several changes.
    pub fn is_combination(&self) -> bool {
        self.changes.len() > 1
    }

    /// The single change, or the first of a combination.
    pub fn change(&self) -> Change {
        self.changes.iter().next().copied().unwrap_or(Change::GradientCheckpointing)
    }
}

/// The most pieces of advice [`advise`] returns: every single change and the combination.
pub const MAX_ADVICE: usize = 16;

/// The total of a scenario and the upper end of its range: what the page shows, and judges its
/// verdict by, once the change is made. A paged optimizer's state counts in full (the driver only
/// evicts it when the GPU is full, and then the step slows down), so that the total a piece of
/// advice promises is the total the user sees after applying it (issue 10, item 3).
fn resident(s: &Scenario) -> (u64, u64) {
    let e = estimate(s);
    (e.total(), e.range().1)
}

/// The scenario's targets restricted to its attention projections, if that is a real change.
fn attention_targets(s: &Scenario) -> Option<Targets> {
    let all = crate::scenario::TargetSpec::Shorthand(alloc::string::String::from("attention")).resolve(&s.arch).ok()?;
    let mut t = Targets::NONE;
    for name in s.lora.targets.names() {
        if all.names().any(|n| n == name) {
            t = t.with(name);
        }
    }
    // Nothing left, or nothing removed: not a change this can offer.
    (!t.is_empty() && t != s.lora.targets).then_some(t)
}

/// The single changes that apply to `s`, in the order of the module doc (not yet judged).
fn candidates(s: &Scenario, vram: u64, supports_flash_attention_2: bool) -> heapless_list::List<Change> {
    let mut c = heapless_list::List::new();
    let lora = s.method != Method::Full;
    if !s.gradient_checkpointing {
        c.push(Change::GradientCheckpointing);
    }
    if s.batch_size > 1 {
        c.push(Change::BatchOneWithAccumulation { accumulation_steps: s.batch_size });
    }
    if s.attention == AttentionImpl::Eager {
        let a = if supports_flash_attention_2 { AttentionImpl::FlashAttention2 } else { AttentionImpl::Sdpa };
        c.push(Change::Attention(a));
    }
    use crate::scenario::Loss;
    if !s.use_liger_kernel {
        c.push(Change::Liger);
    }
    for o in [Optimizer::Adamw8bit, Optimizer::PagedAdamw8bit] {
        if s.optimizer != o && s.optimizer != Optimizer::Sgd {
            c.push(Change::Optimizer(o));
        }
    }
    if !s.activation_offloading {
        c.push(Change::ActivationOffloading);
    }
    if s.method != Method::Qlora {
        c.push(Change::Qlora);
    }
    if !s.use_liger_kernel && matches!(s.loss, Loss::Standard | Loss::Chunked) {
        c.push(Change::CutCrossEntropy);
    }
    if lora && s.lora.rank > 16 {
        c.push(Change::Rank((s.lora.rank / 4).max(16)));
    }
    if lora && attention_targets(s).is_some() {
        c.push(Change::AttentionTargets);
    }
    use crate::distributed::{Offload, Strategy};
    if s.distributed
        .is_none_or(|d| matches!(d.strategy, Strategy::Zero2 | Strategy::Zero3) && d.offload == Offload::None)
    {
        c.push(Change::OffloadOptimizer);
    }
    if s.distributed.is_none() {
        for strategy in [Strategy::Zero3, Strategy::Fsdp] {
            if let Some(gpus) = fewest_gpus(s, vram, strategy) {
                c.push(Change::Shard { strategy, gpus });
            }
        }
    }
    let seq = crate::fit::max_seq_len_with_margin(s, vram);
    if seq > 0 && seq < s.seq_len {
        c.push(Change::SeqLen(seq));
    }
    c
}

/// GPUs per node that sharding advice assumes (the common 8-GPU server).
const NODE: u64 = 8;

/// The fewest GPUs, of at least 2, on which `strategy` fits every GPU's whole range within `vram`:
/// 2 to 8 on one node, then whole nodes of 8 (`None` when none up to 1024 does).
fn fewest_gpus(s: &Scenario, vram: u64, strategy: crate::distributed::Strategy) -> Option<u64> {
    use crate::distributed::{candidate_gpus, Distributed, Plan};
    let d = Distributed::new(strategy, NODE);
    let sharded = Scenario { distributed: Some(d), ..*s };
    sharded.validate().ok()?;
    let plan = Plan::new(&sharded);
    // What no count can shard away (`Profile::unshardable`, under every count's total): when that
    // alone exceeds the GPU, as when the activations do, no count fits, and the 135 counts need no
    // trying.
    let floor = plan.profile(2).unshardable().at(s.batch_size, s.seq_len);
    if floor.total() > vram {
        return None;
    }
    (1..)
        .map_while(|i| candidate_gpus(NODE, i))
        .find(|&n| plan.profile(n).at(s.batch_size, s.seq_len).range().1 <= vram)
}

/// Advice for a scenario on a GPU of `vram` bytes, least disruptive first, then the best
/// combination. Empty when it fits with the uncertainty margin to spare; given for *tight* and
/// *does not fit*. `supports_flash_attention_2` picks FlashAttention-2 over SDPA when eager
/// attention is in use.
pub fn advise(s: &Scenario, vram: u64, supports_flash_attention_2: bool) -> heapless_list::List<Advice> {
    let mut out = heapless_list::List::new();
    let (now, now_high) = resident(s);
    if verdict(now, now_high, vram) == Verdict::Fits {
        return out;
    }
    let changes = candidates(s, vram, supports_flash_attention_2);
    let mut best_single = now;
    for &change in changes.iter() {
        let Some(changed) = change.apply(s) else { continue };
        let (total, high) = resident(&changed);
        if total >= now {
            continue; // it does not help: never shown
        }
        best_single = best_single.min(total);
        let mut one = heapless_list::List::new();
        one.push(change);
        out.push(Advice { changes: one, total, verdict: verdict(total, high, vram), scenario: changed });
    }
    if let Some(combo) = combination(s, vram, &changes) {
        if combo.is_combination() && combo.total < best_single {
            out.push(combo);
        }
    }
    out
}

/// The best combination of `changes` (module doc): greedy in their order, one optimizer, and the
/// longest sequence that fits last.
fn combination(s: &Scenario, vram: u64, changes: &heapless_list::List<Change>) -> Option<Advice> {
    let mut made = heapless_list::List::new();
    let mut cur = *s;
    let (mut cur_total, mut cur_high) = resident(s);
    let mut optimizer_done = false;
    for &change in changes.iter() {
        if matches!(change, Change::SeqLen(_) | Change::Shard { .. } | Change::OffloadOptimizer)
            || (optimizer_done && matches!(change, Change::Optimizer(_)))
        {
            continue;
        }
        // The optimizer: the better of the two that apply.
        let options: heapless_list::List<Change> = if let Change::Optimizer(_) = change {
            optimizer_done = true;
            changes.iter().copied().filter(|c| matches!(c, Change::Optimizer(_))).collect()
        } else {
            core::iter::once(change).collect()
        };
        let mut best: Option<(Change, Scenario, u64, u64)> = None;
        for &c in options.iter() {
            let Some(next) = c.apply(&cur) else { continue };
            let (t, h) = resident(&next);
            if t < cur_total && best.is_none_or(|b| t < b.2) {
                best = Some((c, next, t, h));
            }
        }
        if let Some((c, next, t, h)) = best {
            made.push(c);
            cur = next;
            (cur_total, cur_high) = (t, h);
        }
    }
    if verdict(cur_total, cur_high, vram) != Verdict::Fits {
        let seq = crate::fit::max_seq_len_with_margin(&cur, vram);
        if seq > 0 && seq < cur.seq_len {
            if let Some(next) = Change::SeqLen(seq).apply(&cur) {
                made.push(Change::SeqLen(seq));
                cur = next;
                (cur_total, cur_high) = resident(&cur);
            }
        }
    }
    (!made.is_empty()).then(|| Advice {
        changes: made,
        total: cur_total,
        verdict: verdict(cur_total, cur_high, vram),
        scenario: cur,
    })
}

/// Which part of the estimate keeps even the smallest step (batch 1, one token) from fitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The base weights.
    Weights,
    /// The trainable parameters, their gradients and the optimizer state.
    TrainableState,
    /// Activations (the logits of a large vocabulary, or unchecked layers).
    Activations,
    /// The CUDA context and the allocator.
    Overhead,
}

/// The largest part of the estimate at batch 1 and one token: what makes a scenario too big for
/// any sequence length.
pub fn dominant_part(s: &Scenario) -> Cause {
    let e = estimate(&Scenario { batch_size: 1, seq_len: 1, ..*s });
    let parts = [
        (Cause::Weights, e.weights),
        (Cause::TrainableState, e.adapter.total()),
        (Cause::Activations, e.activations),
        (Cause::Overhead, e.overhead.total()),
    ];
    let mut best = parts[0];
    for p in parts {
        if p.1 > best.1 {
            best = p;
        }
    }
    best.0
}

/// A fixed-capacity list, so that advice needs no allocation.
pub mod heapless_list {
    use super::{Advice, MAX_ADVICE};

    /// Up to [`MAX_ADVICE`] items.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct List<T: Copy = Advice> {
        items: [Option<T>; MAX_ADVICE],
        len: usize,
    }

    impl<T: Copy> List<T> {
        /// An empty list.
        pub const fn new() -> Self {
            List { items: [None; MAX_ADVICE], len: 0 }
        }

        /// Appends, dropping items past the capacity.
        pub fn push(&mut self, item: T) {
            if self.len < MAX_ADVICE {
                self.items[self.len] = Some(item);
                self.len += 1;
            }
        }

        /// The items.
        pub fn iter(&self) -> impl Iterator<Item = &T> {
            self.items[..self.len].iter().flatten()
        }

        /// How many.
        pub const fn len(&self) -> usize {
            self.len
        }

        /// Whether there are none.
        pub const fn is_empty(&self) -> bool {
            self.len == 0
        }
    }

    impl<T: Copy> Default for List<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T: Copy> FromIterator<T> for List<T> {
        fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
            let mut l = List::new();
            for x in iter {
                l.push(x);
            }
            l
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributed::{candidate_gpus, Distributed, Plan, Strategy};
    use crate::gpus::GPUS;
    use crate::input::{ModelInput, ScenarioInput};

    /// The first count that fits, trying every one: what [`fewest_gpus`] must answer.
    fn scanned(s: &Scenario, vram: u64, strategy: Strategy) -> Option<u64> {
        let sharded = Scenario { distributed: Some(Distributed::new(strategy, NODE)), ..*s };
        sharded.validate().ok()?;
        let plan = Plan::new(&sharded);
        (1..)
            .map_while(|i| candidate_gpus(NODE, i))
            .find(|&n| plan.profile(n).at(s.batch_size, s.seq_len).range().1 <= vram)
    }

    // See: issue 12 (trying every count was most of the advice's time where nothing fits).
    #[test]
    fn the_sharding_advice_is_what_trying_every_count_finds() {
        let (mut found, mut early) = (0, 0);
        for model in ["meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-70B", "Qwen/Qwen3-30B-A3B", "Qwen/Qwen2.5-0.5B"]
        {
            for method in [Method::Lora, Method::Qlora, Method::Full] {
                for seq in [512, 4096, 32_768, 131_072] {
                    let mut i = ScenarioInput {
                        model: ModelInput::Id(model.into()),
                        method,
                        seq_len: seq,
                        ..ScenarioInput::default()
                    };
                    i.lora.dropout = 0.0;
                    let Ok(s) = Scenario::try_from(&i) else { continue };
                    for gpu in ["rtx-3090", "a100-40gb", "h100-sxm"] {
                        let vram = GPUS.iter().find(|g| g.id == gpu).unwrap().vram_bytes;
                        for strategy in [Strategy::Zero3, Strategy::Fsdp] {
                            let want = scanned(&s, vram, strategy);
                            found += usize::from(want.is_some());
                            let sharded = Scenario { distributed: Some(Distributed::new(strategy, NODE)), ..s };
                            let floor = Plan::new(&sharded).profile(2).unshardable();
                            early += usize::from(floor.at(s.batch_size, s.seq_len).total() > vram);
                            assert_eq!(
                                fewest_gpus(&s, vram, strategy),
                                want,
                                "{model} {method:?} {seq} {gpu} {strategy:?}"
                            );
                        }
                    }
                }
            }
        }
        assert!(found > 20 && early > 10, "the grid has answers ({found}) and early exits ({early})");
    }
}
