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
//!
//! # A GPU known only by its memory
//! [`fit_custom`] answers "my GPU has N GiB" for a card the table does not list (or lists with
//! another memory size, such as a 48 GB RTX 4090 D): the same verdict, headroom, longest sequence
//! and largest batch, against `vram_bytes`. Its CUDA context and cuBLAS workspaces are those the
//! scenario already assumes ([`crate::overhead`]): the named `gpu`'s, or with none the largest of
//! any listed NVIDIA GPU ([`crate::overhead::GpuOverhead::unknown`], the B200's: 148 SMs of thread
//! stacks, a 397 MiB context, and 2 × 32 MiB of workspaces). That default is conservative, about
//! 170 MiB above the context of a consumer card (the model gives an RTX 3090 224 MiB); name the
//! closest listed `gpu`, or set `cuda_context_bytes` to what `nvidia-smi` shows, to tighten it.

use crate::estimate::{profile, Profile};
use crate::gpus::{Gpu, GPUS};
use crate::scenario::{AttentionImpl, MixedPrecision, Scenario, WeightDtype, MAX_BATCH, MAX_SEQ};
use crate::Error;

/// The [`Fit::gpu`] of a GPU known only by its memory ([`fit_custom`]): one past the end of
/// [`GPUS`], so `GPUS.get(CUSTOM_GPU)` is `None`, and a table can show it as its last row.
pub const CUSTOM_GPU: usize = GPUS.len();

/// The smallest memory [`fit_custom`] accepts: 1 GiB.
pub const MIN_CUSTOM_VRAM: u64 = 1 << 30;

/// The largest memory [`fit_custom`] accepts: 1 TiB, several times any single GPU's.
pub const MAX_CUSTOM_VRAM: u64 = 1 << 40;

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
    fit_in(&p.on(s, gpu), s, gpu_index, gpu.vram_bytes, Some(gpu))
}

/// The fit of a profile (its overhead already that of the GPU) on `vram` bytes; warnings from `gpu`.
fn fit_in(p: &Profile, s: &Scenario, gpu_index: usize, vram: u64, gpu: Option<&Gpu>) -> Fit {
    let e = p.at(s.batch_size, s.seq_len);
    let (_, high) = e.range();
    let uses_bf16 = s.mixed_precision == MixedPrecision::Bf16 || s.weight_dtype == WeightDtype::Bf16;
    Fit {
        gpu: gpu_index,
        verdict: verdict(e.total(), high, vram),
        headroom: i128::from(vram) - i128::from(e.total()),
        max_seq_len: seq_in(p, s, vram, true),
        max_batch_size: batch_in(p, s, vram, true),
        tight_seq_len: seq_in(p, s, vram, false),
        tight_batch_size: batch_in(p, s, vram, false),
        no_bf16: uses_bf16 && gpu.is_some_and(|g| !g.bf16),
        no_flash_attention_2: s.attention == AttentionImpl::FlashAttention2 && gpu.is_some_and(|g| !g.flash_attn2),
    }
}

/// The fit of a scenario on a GPU known only by its memory, `vram_bytes` as `nvidia-smi` reports
/// its total (see the module documentation for its CUDA context). [`Fit::gpu`] is [`CUSTOM_GPU`];
/// the warnings are those of the scenario's `gpu`, none without one.
///
/// # Errors
/// [`Error::Invalid`] (field `vram`) outside [`MIN_CUSTOM_VRAM`]..=[`MAX_CUSTOM_VRAM`].
pub fn fit_custom(s: &Scenario, vram_bytes: u64) -> Result<Fit, Error> {
    if !(MIN_CUSTOM_VRAM..=MAX_CUSTOM_VRAM).contains(&vram_bytes) {
        return Err(Error::Invalid { field: "vram", reason: "must be between 1 GiB and 1024 GiB" });
    }
    Ok(fit_in(&profile(s), s, CUSTOM_GPU, vram_bytes, s.gpu.and_then(|i| GPUS.get(i))))
}

/// The fit on every GPU in [`GPUS`], in table order.
pub fn gpu_table(s: &Scenario) -> impl Iterator<Item = Fit> + '_ {
    let p = profile(s);
    GPUS.iter().enumerate().map(move |(i, g)| fit_with(&p, s, i, g))
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;
    use crate::gpus::find_gpu;
    use crate::scenario::Method;

    fn scenario(gpu: Option<&str>) -> Scenario {
        let i = crate::input::ScenarioInput { gpu: gpu.map(Into::into), ..Default::default() };
        Scenario::try_from(&i).unwrap()
    }

    /// A custom GPU with a listed card's memory and context is that card (issue 10: "my GPU has N GiB").
    #[test]
    fn custom_fit_equals_the_listed_gpu_with_its_memory() {
        for id in ["rtx-4090", "t4", "h20", "a800-80gb"] {
            let i = find_gpu(id).unwrap();
            let s = scenario(Some(id));
            let listed = fit(&s, i, &GPUS[i]);
            let custom = fit_custom(&s, GPUS[i].vram_bytes).unwrap();
            assert_eq!(custom, Fit { gpu: CUSTOM_GPU, ..listed }, "{id}");
        }
    }

    /// More memory never makes it worse; the verdict follows the total and the range.
    #[test]
    fn custom_fit_is_monotone_in_memory() {
        let s = Scenario { method: Method::Lora, weight_dtype: crate::scenario::WeightDtype::Bf16, ..scenario(None) };
        let e = crate::estimate(&s);
        let (_, high) = e.range();
        let at = |v: u64| fit_custom(&s, v).unwrap();
        assert_eq!(at(e.total() - 1).verdict, Verdict::DoesNotFit);
        assert_eq!(at(e.total()).verdict, Verdict::Tight);
        assert_eq!(at(high).verdict, Verdict::Fits);
        assert_eq!(at(e.total()).headroom, 0);
        let mut last = at(MIN_CUSTOM_VRAM);
        for gib in [2u64, 8, 16, 24, 48, 80, 141, 1024] {
            let f = at(gib << 30);
            assert!(f.max_seq_len >= last.max_seq_len && f.max_batch_size >= last.max_batch_size, "{gib} GiB");
            assert!(f.headroom > last.headroom);
            last = f;
        }
        assert!(!last.no_bf16 && !last.no_flash_attention_2, "no GPU named, no warning");
        let t4 = Scenario { attention: AttentionImpl::FlashAttention2, ..scenario(Some("t4")) };
        let f = fit_custom(&t4, 64 << 30).unwrap();
        assert!(f.no_bf16 && f.no_flash_attention_2, "the named GPU's warnings");
    }

    #[test]
    fn custom_memory_out_of_range_is_an_error() {
        let s = scenario(None);
        for bad in [0, MIN_CUSTOM_VRAM - 1, MAX_CUSTOM_VRAM + 1, u64::MAX] {
            let e = fit_custom(&s, bad).unwrap_err();
            assert!(e.to_string().contains("`vram` must be between 1 GiB and 1024 GiB"), "{e}");
        }
        assert_eq!(GPUS.get(CUSTOM_GPU), None);
        let o = crate::overhead::GpuOverhead::unknown();
        assert_eq!((o.cuda_context, o.cublas_workspace), (397 << 20, 64 << 20), "the default the module doc states");
    }
}
