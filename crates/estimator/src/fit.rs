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
//!
//! # GPUs needed
//! The smallest number of a GPU on which the scenario fits (its total within the GPU's memory, as
//! for the longest sequence), with the scenario's strategy: without `distributed`, 1 when it fits
//! one GPU; with it, the smallest count among `1..=gpus_per_node` and then whole nodes of
//! `gpus_per_node`, up to [`crate::distributed::MAX_GPUS`] (`None` when none fits). The counts are
//! tried in order, because per-GPU memory does not always fall as GPUs are added ([`Needed::solve`]).
//! The allocated memory at a count does not depend on the GPU: each count is evaluated once for the
//! whole table ([`Needed`]), and each GPU adds its own CUDA context, cuBLAS workspaces and NCCL
//! channels.

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
    /// The smallest number of this GPU on which the scenario fits with its strategy (see the module
    /// doc); `None` when none up to 1024 does.
    pub gpus_needed: Option<u64>,
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
    let mut needed = Needed::new(s);
    fit_with(&needed.at_scenario(), s, gpu_index, gpu, &mut needed, Known::default())
}

/// The smallest number of `gpu` on which `s` fits (see the module doc).
pub fn gpus_needed(s: &Scenario, gpu: &Gpu) -> Option<u64> {
    Needed::new(s).solve(gpu)
}

/// The per-GPU totals at each GPU count, evaluated once for a whole GPU table: the total without
/// the GPU-dependent terms (CUDA context, cuBLAS workspaces, NCCL), and NCCL's connections.
pub struct Needed<'a> {
    s: &'a Scenario,
    /// The plan of a `distributed` scenario, boxed: a few KiB that the table's iterator would
    /// otherwise copy as it moves.
    plan: Option<alloc::boxed::Box<crate::distributed::Plan>>,
    /// The profile at the scenario's own GPU count.
    own: Profile,
    /// By candidate index: `(total less the GPU-dependent terms, NCCL connections)`, once
    /// evaluated. Grown on first use, to at most the number of candidate counts (1,025 with one GPU
    /// per node, 135 with eight).
    cache: alloc::vec::Vec<Option<(u64, u64)>>,
    /// A floor under that total at every count ([`Needed::floor`]).
    floor: u64,
}

impl<'a> Needed<'a> {
    /// Prepares the search for a scenario.
    pub fn new(s: &'a Scenario) -> Needed<'a> {
        let plan = s.distributed.as_ref().map(|_| alloc::boxed::Box::new(crate::distributed::Plan::new(s)));
        let own = match (&plan, &s.distributed) {
            (Some(plan), Some(d)) => plan.profile(d.gpus),
            _ => profile(s),
        };
        let floor = if plan.is_some() { Needed::floor(&own, s) } else { 0 };
        Needed { s, plan, own, cache: alloc::vec::Vec::new(), floor }
    }

    /// What no GPU count can shard away ([`Profile::unshardable`]), less the GPU-dependent terms:
    /// a GPU whose memory is below it fits at no count, and its search ends at once.
    fn floor(own: &Profile, s: &Scenario) -> u64 {
        let e = own.unshardable().at(s.batch_size, s.seq_len);
        let o = &e.overhead;
        e.total() - o.cuda_context - o.cublas_workspace - o.nccl
    }

    /// [`Needed::floor`] of a `distributed` scenario (0 without one). For the tests.
    #[doc(hidden)]
    pub fn floor_bytes(&self) -> u64 {
        self.floor
    }

    /// The per-GPU total less the GPU-dependent terms at `n` GPUs (one of the candidate counts of
    /// the scenario's `gpus_per_node`). For the tests.
    #[doc(hidden)]
    pub fn core_at(&mut self, n: u64) -> u64 {
        let per_node = self.s.distributed.map_or(1, |d| d.gpus_per_node);
        let index = (0..).map_while(|i| crate::distributed::candidate_gpus(per_node, i)).position(|c| c == n);
        self.core(index.unwrap_or(usize::MAX) as u64, n).0
    }

    /// The profile at the scenario's own GPU count.
    pub fn at_scenario(&self) -> Profile {
        self.own
    }

    /// `(total less the GPU-dependent terms, NCCL connections)` on the `index`-th candidate count,
    /// `n` GPUs.
    fn core(&mut self, index: u64, n: u64) -> (u64, u64) {
        let k = usize::try_from(index).unwrap_or(usize::MAX);
        if let Some(Some(c)) = self.cache.get(k) {
            return *c;
        }
        let p = match &self.plan {
            Some(plan) => plan.profile(n),
            None => self.own,
        };
        let e = p.at(self.s.batch_size, self.s.seq_len);
        let o = &e.overhead;
        let c = (e.total() - o.cuda_context - o.cublas_workspace - o.nccl, p.engine().nccl_connections);
        if k <= crate::distributed::MAX_GPUS as usize {
            if self.cache.len() <= k {
                self.cache.resize(k + 1, None);
            }
            self.cache[k] = Some(c);
        }
        c
    }

    /// Whether the scenario fits the `index`-th candidate count, `n`, of `gpu`, whose context and
    /// workspaces are `o`.
    fn fits(&mut self, index: u64, n: u64, gpu: &Gpu, o: &crate::overhead::GpuOverhead) -> bool {
        let (core, conn) = self.core(index, n);
        let total = core
            .saturating_add(o.cuda_context)
            .saturating_add(o.cublas_workspace)
            .saturating_add(crate::distributed::nccl_bytes(conn, Some(gpu)));
        total <= gpu.vram_bytes
    }

    /// The smallest count of `gpu` on which the scenario fits.
    ///
    /// Each candidate count is tried in order, the smallest first. Per-GPU memory mostly falls as
    /// GPUs are added, but not always: FSDP pads every parameter's rows to a multiple of the shard
    /// group (`ceil(rows / m)` rows each, and all-gathers `m` times that:
    /// `distributed::fsdp`), so past a few hundred GPUs the total rises and falls with `m`
    /// (Llama-3.1-70B, full fine-tuning on an RTX 3080 10GB: 688 to 704 GPUs fit, 712 to 744 do
    /// not, 752 does), and with a model's experts stacked in one parameter of a hundred-odd rows
    /// it rises steadily once `m` passes them. A bisection answered 752 there; the scan costs one
    /// evaluation per count for the whole table (cached) and a few additions per count and GPU,
    /// and none for a GPU below the floor of what no count can shard away, which fits at no count.
    pub fn solve(&mut self, gpu: &Gpu) -> Option<u64> {
        let o = crate::estimate::gpu_overhead(self.s, Some(gpu));
        let Some(d) = self.s.distributed else {
            return if self.fits(0, 1, gpu, &o) { Some(1) } else { None };
        };
        if self.floor.saturating_add(o.cuda_context).saturating_add(o.cublas_workspace) > gpu.vram_bytes {
            return None;
        }
        let per_node = d.gpus_per_node;
        // Index 0 is one GPU; then `per_node` counts on one node, then the multiples of `per_node`
        // up to MAX_GPUS.
        (0..)
            .map_while(|i| crate::distributed::candidate_gpus(per_node, i).map(|n| (i, n)))
            .find(|&(i, n)| self.fits(i, n, gpu, &o))
            .map(|(_, n)| n)
    }
}

/// Limits already solved for a GPU (see [`gpu_table_after`]): its `(max_seq_len, tight_seq_len)`
/// and `(max_batch_size, tight_batch_size)`, where still valid.
#[derive(Clone, Copy, Default)]
struct Known {
    seq: Option<(u64, u64)>,
    batch: Option<(u64, u64)>,
}

fn fit_with(p: &Profile, s: &Scenario, gpu_index: usize, gpu: &Gpu, needed: &mut Needed<'_>, known: Known) -> Fit {
    Fit { gpus_needed: needed.solve(gpu), ..fit_in(&p.on(s, gpu), s, gpu_index, gpu.vram_bytes, Some(gpu), known) }
}

/// The fit of a profile (its overhead already that of the GPU) on `vram` bytes; warnings from `gpu`.
/// (`gpus_needed` is left to the caller.)
fn fit_in(p: &Profile, s: &Scenario, gpu_index: usize, vram: u64, gpu: Option<&Gpu>, known: Known) -> Fit {
    let e = p.at(s.batch_size, s.seq_len);
    let (_, high) = e.range();
    let uses_bf16 = s.mixed_precision == MixedPrecision::Bf16 || s.weight_dtype == WeightDtype::Bf16;
    let (max_seq_len, tight_seq_len) =
        known.seq.unwrap_or_else(|| (seq_in(p, s, vram, true), seq_in(p, s, vram, false)));
    let (max_batch_size, tight_batch_size) =
        known.batch.unwrap_or_else(|| (batch_in(p, s, vram, true), batch_in(p, s, vram, false)));
    Fit {
        gpu: gpu_index,
        verdict: verdict(e.total(), high, vram),
        headroom: i128::from(vram) - i128::from(e.total()),
        max_seq_len,
        max_batch_size,
        tight_seq_len,
        tight_batch_size,
        no_bf16: uses_bf16 && gpu.is_some_and(|g| !g.bf16),
        no_flash_attention_2: s.attention == AttentionImpl::FlashAttention2 && gpu.is_some_and(|g| !g.flash_attn2),
        gpus_needed: None,
    }
}

/// The fit of a scenario on a GPU known only by its memory, `vram_bytes` as `nvidia-smi` reports
/// its total (see the module documentation for its CUDA context). [`Fit::gpu`] is [`CUSTOM_GPU`];
/// the warnings are those of the scenario's `gpu`, none without one; `gpus_needed` is not solved for it.
///
/// # Errors
/// [`Error::Invalid`] (field `vram`) outside [`MIN_CUSTOM_VRAM`]..=[`MAX_CUSTOM_VRAM`].
pub fn fit_custom(s: &Scenario, vram_bytes: u64) -> Result<Fit, Error> {
    if !(MIN_CUSTOM_VRAM..=MAX_CUSTOM_VRAM).contains(&vram_bytes) {
        return Err(Error::Invalid { field: "vram", reason: "must be between 1 GiB and 1024 GiB" });
    }
    let p = Needed::new(s).at_scenario();
    Ok(fit_in(&p, s, CUSTOM_GPU, vram_bytes, s.gpu.and_then(|i| GPUS.get(i)), Known::default()))
}

/// The fit on every GPU in [`GPUS`], in table order.
pub fn gpu_table(s: &Scenario) -> impl Iterator<Item = Fit> + '_ {
    gpu_table_after(s, None)
}

/// [`gpu_table`] for `s` after an edit of `prev`, whose table was `before`: the same fits, with
/// the limits that the edit cannot have changed taken from `before` rather than solved again.
///
/// The longest sequences are solved at the scenario's batch size and the largest batches at its
/// sequence length; neither depends on the value it solves for (the profile they probe is batch-
/// and sequence-independent: [`Profile`]). So when `s` differs from `prev` in its sequence length
/// alone, every GPU's longest sequences (`max_seq_len`, `tight_seq_len`) are still exact; in its
/// batch size alone, the largest batches. These are the page's two sliders, and the two searches
/// are most of a table's time. Anything else changed, or a `before` that is not a whole table in
/// [`GPUS`] order, and everything is solved afresh.
pub fn gpu_table_after<'a>(s: &'a Scenario, prev: Option<(&Scenario, &'a [Fit])>) -> impl Iterator<Item = Fit> + 'a {
    let before = prev.filter(|(_, b)| b.len() == GPUS.len() && b.iter().enumerate().all(|(i, f)| f.gpu == i));
    let same_but = |seq: bool, batch: bool| {
        before.is_some_and(|(p, _)| {
            let p = Scenario {
                seq_len: if seq { s.seq_len } else { p.seq_len },
                batch_size: if batch { s.batch_size } else { p.batch_size },
                ..*p
            };
            p == *s
        })
    };
    let (keep_seq, keep_batch) = (same_but(true, false), same_but(false, true));
    let before = before.map(|(_, b)| b);
    let mut needed = Needed::new(s);
    let p = needed.at_scenario();
    GPUS.iter().enumerate().map(move |(i, g)| {
        let old = before.map(|b| b[i]);
        let known = Known {
            seq: old.filter(|_| keep_seq).map(|f| (f.max_seq_len, f.tight_seq_len)),
            batch: old.filter(|_| keep_batch).map(|f| (f.max_batch_size, f.tight_batch_size)),
        };
        fit_with(&p, s, i, g, &mut needed, known)
    })
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
            assert_eq!(custom, Fit { gpu: CUSTOM_GPU, gpus_needed: None, ..listed }, "{id}");
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
