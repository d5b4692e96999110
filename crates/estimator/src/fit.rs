//! GPU fit: the verdict, the headroom, and the longest sequence and largest batch that fit.
//!
//! # Verdict
//! - *fits*: the upper end of the estimate's uncertainty range ([`crate::Estimate::range`]) is
//!   within the GPU's memory;
//! - *tight*: the estimate fits but its upper bound does not — it may or may not run;
//! - *does not fit*: the estimate exceeds the GPU's memory.
//!
//! # Solving backwards
//! The peak never decreases as `seq_len` or `batch_size` grows (tested by property tests), so the
//! longest sequence and largest batch that fit are found exactly by bisection over the integers,
//! each probe a full [`crate::estimate()`]. The answer `x` satisfies `fits(x) && !fits(x + 1)`.
//!
//! Each is solved twice, so that the limits and the verdict never contradict each other: against
//! the verdict's own criterion (the whole range fits: [`Fit::max_seq_len`], what the verdict calls
//! *fits*), and against the point estimate ([`Fit::tight_seq_len`], up to which the step *may* run:
//! the verdict there is *tight*).

use crate::estimate::{profile, Profile};
use crate::gpus::{Gpu, GPUS};
use crate::scenario::{AttentionImpl, MixedPrecision, Scenario, WeightDtype, MAX_BATCH, MAX_SEQ};

/// Whether a scenario fits a GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Fits with the uncertainty margin to spare.
    Fits,
    /// Fits, but within the uncertainty margin.
    Tight,
    /// Needs more memory than the GPU has.
    DoesNotFit,
}

impl Verdict {
    /// The JSON spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Fits => "fits",
            Verdict::Tight => "tight",
            Verdict::DoesNotFit => "does_not_fit",
        }
    }
}

/// Something the scenario uses that the GPU lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Warning {
    /// bf16 autocast or bf16 weights on a GPU without bf16 (Turing, Volta): it falls back to slow
    /// emulation or fails; use fp16.
    NoBf16,
    /// FlashAttention-2 needs Ampere or newer; use sdpa.
    NoFlashAttention2,
}

impl Warning {
    /// English text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Warning::NoBf16 => "this GPU has no bf16 support: use fp16 mixed precision and fp16 weights",
            Warning::NoFlashAttention2 => "FlashAttention-2 needs an Ampere or newer GPU: use sdpa",
        }
    }
}

/// One row of the GPU table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fit {
    /// Index into [`GPUS`].
    pub gpu: usize,
    /// The verdict.
    pub verdict: Verdict,
    /// VRAM minus the estimate, negative when it does not fit.
    pub headroom: i128,
    /// Longest `seq_len` that fits at this batch size with the whole uncertainty range (the verdict
    /// there is *fits*), 0 if none.
    pub max_seq_len: u64,
    /// Largest `batch_size` that fits at this sequence length with the whole range, 0 if none.
    pub max_batch_size: u64,
    /// Longest `seq_len` whose point estimate fits (the verdict there is at best *tight*), 0 if none.
    pub tight_seq_len: u64,
    /// Largest `batch_size` whose point estimate fits, 0 if none.
    pub tight_batch_size: u64,
    /// bf16 on a GPU without it.
    pub no_bf16: bool,
    /// FlashAttention-2 on a GPU without it.
    pub no_flash_attention_2: bool,
}

impl Fit {
    /// The warnings that apply, in a fixed order.
    pub fn warnings(&self) -> impl Iterator<Item = Warning> {
        [(self.no_bf16, Warning::NoBf16), (self.no_flash_attention_2, Warning::NoFlashAttention2)]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, w)| w)
    }
}

/// The verdict for an estimated total on `vram` bytes.
pub fn verdict(total: u64, high: u64, vram: u64) -> Verdict {
    if total > vram {
        Verdict::DoesNotFit
    } else if high > vram {
        Verdict::Tight
    } else {
        Verdict::Fits
    }
}

/// The largest `x` in `1..=max` with `fits(x)`, or 0; `fits` must be monotone (true then false).
fn largest(max: u64, fits: impl Fn(u64) -> bool) -> u64 {
    if !fits(1) {
        return 0;
    }
    let (mut lo, mut hi) = (1, max); // fits(lo) holds; the answer is in lo..=hi
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Longest sequence whose point estimate fits `vram` bytes (the verdict there is at best *tight*).
pub fn max_seq_len(s: &Scenario, vram: u64) -> u64 {
    seq_in(&profile(s), s, vram, false)
}

/// Largest batch whose point estimate fits `vram` bytes.
pub fn max_batch_size(s: &Scenario, vram: u64) -> u64 {
    batch_in(&profile(s), s, vram, false)
}

/// Longest sequence whose whole uncertainty range fits `vram` bytes: what the verdict calls *fits*.
pub fn max_seq_len_with_margin(s: &Scenario, vram: u64) -> u64 {
    seq_in(&profile(s), s, vram, true)
}

/// The memory a probe is judged by: the range's upper end (`margin`), or the point estimate.
fn judged(e: &crate::Estimate, margin: bool) -> u64 {
    if margin {
        e.range().1
    } else {
        e.total()
    }
}

fn seq_in(p: &Profile, s: &Scenario, vram: u64, margin: bool) -> u64 {
    largest(MAX_SEQ, |seq| judged(&p.at(s.batch_size, seq), margin) <= vram)
}

fn batch_in(p: &Profile, s: &Scenario, vram: u64, margin: bool) -> u64 {
    largest(MAX_BATCH, |batch| judged(&p.at(batch, s.seq_len), margin) <= vram)
}

/// The fit of a scenario on one GPU.
pub fn fit(s: &Scenario, gpu_index: usize, gpu: &Gpu) -> Fit {
    fit_with(&profile(s), s, gpu_index, gpu)
}

fn fit_with(p: &Profile, s: &Scenario, gpu_index: usize, gpu: &Gpu) -> Fit {
    let p = &p.on(s, gpu);
    let e = p.at(s.batch_size, s.seq_len);
    let (_, high) = e.range();
    let uses_bf16 = s.mixed_precision == MixedPrecision::Bf16 || s.weight_dtype == WeightDtype::Bf16;
    Fit {
        gpu: gpu_index,
        verdict: verdict(e.total(), high, gpu.vram_bytes),
        headroom: i128::from(gpu.vram_bytes) - i128::from(e.total()),
        max_seq_len: seq_in(p, s, gpu.vram_bytes, true),
        max_batch_size: batch_in(p, s, gpu.vram_bytes, true),
        tight_seq_len: seq_in(p, s, gpu.vram_bytes, false),
        tight_batch_size: batch_in(p, s, gpu.vram_bytes, false),
        no_bf16: uses_bf16 && !gpu.bf16,
        no_flash_attention_2: s.attention == AttentionImpl::FlashAttention2 && !gpu.flash_attn2,
    }
}

/// The fit on every GPU in [`GPUS`], in table order.
pub fn gpu_table(s: &Scenario) -> impl Iterator<Item = Fit> + '_ {
    let p = profile(s);
    GPUS.iter().enumerate().map(move |(i, g)| fit_with(&p, s, i, g))
}
