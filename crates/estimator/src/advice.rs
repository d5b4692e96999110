//! What to change when a scenario does not fit a GPU.
//!
//! The candidate changes are the memory savers of the user's original write-up (REFERENCE.md),
//! each applied on its own to the current scenario and estimated in full, then listed least
//! disruptive first: those that change neither the result nor the data come before those that
//! trade speed, and those that change the model or the data come last.
//!
//! 1. Gradient checkpointing (`gradient_checkpointing=True`): same result, about 30% slower.
//! 2. Batch size 1 with `gradient_accumulation_steps` = the old batch: same effective batch.
//! 3. FlashAttention-2 (Ampere or newer) or SDPA instead of eager attention: same result.
//! 4. 8-bit AdamW (`adamw_8bit`): a quarter of AdamW's state, near-identical training curves.
//! 5. Paged AdamW (`paged_adamw_8bit`): the state can spill to CPU RAM when the GPU is full.
//! 6. QLoRA 4-bit (nf4 with double quantization): a quarter of the 16-bit weights.
//! 7. A shorter `max_seq_len`: the longest that fits; long samples get truncated.
//!
//! Last, all the applicable changes together, so that the user sees whether any combination fits.

use crate::estimate::estimate;
use crate::fit::{verdict, Verdict};
use crate::scenario::{AttentionImpl, Method, Optimizer, Scenario, WeightDtype};

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
    /// Use 8-bit AdamW.
    Adamw8bit,
    /// Use paged 8-bit AdamW; the state may live in CPU RAM.
    PagedAdamw,
    /// QLoRA with nf4 double-quantized weights.
    Qlora,
    /// Shorten sequences to this many tokens.
    SeqLen(u64),
    /// Every applicable change above at once.
    All,
}

/// A change and what it does to the estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Advice {
    /// The change.
    pub change: Change,
    /// The new total, in bytes (for a paged optimizer, without the state that can page out).
    pub total: u64,
    /// Whether it then fits the GPU.
    pub verdict: Verdict,
    /// The changed scenario, for "apply".
    pub scenario: Scenario,
}

/// The most pieces of advice [`advise`] returns.
pub const MAX_ADVICE: usize = 8;

/// Advice for a scenario on a GPU of `vram` bytes, least disruptive first. Empty when it fits
/// with the uncertainty margin to spare; given for *tight* and *does not fit*.
/// `supports_flash_attention_2` picks FlashAttention-2 over SDPA when eager attention is in use.
pub fn advise(s: &Scenario, vram: u64, supports_flash_attention_2: bool) -> heapless_list::List<Advice> {
    let mut out = heapless_list::List::new();
    let current = estimate(s);
    if verdict(current.total(), current.range().1, vram) == Verdict::Fits {
        return out;
    }
    let mut candidates: [Option<(Change, Scenario)>; MAX_ADVICE - 1] = [None; MAX_ADVICE - 1];
    if !s.gradient_checkpointing {
        candidates[0] = Some((Change::GradientCheckpointing, Scenario { gradient_checkpointing: true, ..*s }));
    }
    if s.batch_size > 1 {
        candidates[1] = Some((
            Change::BatchOneWithAccumulation { accumulation_steps: s.batch_size },
            Scenario { batch_size: 1, ..*s },
        ));
    }
    if s.attention == AttentionImpl::Eager {
        let a = if supports_flash_attention_2 { AttentionImpl::FlashAttention2 } else { AttentionImpl::Sdpa };
        candidates[2] = Some((Change::Attention(a), Scenario { attention: a, ..*s }));
    }
    if !matches!(s.optimizer, Optimizer::Adamw8bit | Optimizer::PagedAdamw8bit | Optimizer::Sgd) {
        candidates[3] = Some((Change::Adamw8bit, Scenario { optimizer: Optimizer::Adamw8bit, ..*s }));
    }
    if !s.optimizer.is_paged() && s.optimizer != Optimizer::Sgd {
        candidates[4] = Some((Change::PagedAdamw, Scenario { optimizer: Optimizer::PagedAdamw8bit, ..*s }));
    }
    if s.method != Method::Qlora {
        let q = Scenario {
            method: Method::Qlora,
            weight_dtype: WeightDtype::Nf4,
            double_quant: true,
            prepare_kbit: true,
            ..*s
        };
        // Full fine-tuning has no LoRA targets yet: QLoRA adapts every Linear.
        if q.validate().is_ok() {
            candidates[5] = Some((Change::Qlora, q));
        }
    }
    // The longest sequence whose upper bound fits, so that the advice leaves the margin.
    let seq = crate::fit::max_seq_len_with_margin(s, vram);
    if seq > 0 && seq < s.seq_len {
        candidates[6] = Some((Change::SeqLen(seq), Scenario { seq_len: seq, ..*s }));
    }
    let mut all = *s;
    let mut applicable = 0;
    for (change, changed) in candidates.iter().flatten() {
        let e = estimate(changed);
        // A paged optimizer's state is what the driver evicts to CPU RAM when the GPU runs out:
        // what must stay resident is the rest.
        let paged = if *change == Change::PagedAdamw { e.adapter.optimizer } else { 0 };
        let total = e.total() - paged;
        let high = e.range().1 - paged;
        out.push(Advice { change: *change, total, verdict: verdict(total, high, vram), scenario: *changed });
        match change {
            Change::GradientCheckpointing => all.gradient_checkpointing = true,
            Change::BatchOneWithAccumulation { .. } => all.batch_size = 1,
            Change::Attention(a) => all.attention = *a,
            Change::Adamw8bit => all.optimizer = Optimizer::Adamw8bit,
            Change::PagedAdamw => {}
            Change::Qlora => {
                all.method = Method::Qlora;
                all.weight_dtype = WeightDtype::Nf4;
                all.double_quant = true;
                all.prepare_kbit = true;
            }
            Change::SeqLen(_) | Change::All => {}
        }
        applicable += 1;
    }
    if applicable > 1 {
        // All of them together, and then, if that still does not fit with the margin, the longest
        // sequence that does.
        let e = estimate(&all);
        let mut scenario = all;
        if verdict(e.total(), e.range().1, vram) != Verdict::Fits {
            let seq = crate::fit::max_seq_len_with_margin(&all, vram);
            if seq > 0 && seq < all.seq_len {
                scenario.seq_len = seq;
            }
        }
        let e = estimate(&scenario);
        out.push(Advice {
            change: Change::All,
            total: e.total(),
            verdict: verdict(e.total(), e.range().1, vram),
            scenario,
        });
    }
    out
}

/// A fixed-capacity list, so that advice needs no allocation.
pub mod heapless_list {
    use super::{Advice, MAX_ADVICE};

    /// Up to [`MAX_ADVICE`] pieces of advice.
    #[derive(Clone, Copy, Debug)]
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
}
