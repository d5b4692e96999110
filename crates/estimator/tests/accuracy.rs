//! The estimate against measured training steps. Prints the tables
//! (`cargo test --test accuracy -- --nocapture`). Fixtures and their provenance:
//! tests/fixtures/measurements and tools/calibrate/README.md.
//! - Real GPU steps (issue 9, `gpu_t4.jsonl`): the allocated peak within 3% of
//!   `torch.cuda.max_memory_allocated()` on every row and 1.5% on average; reserved memory within
//!   8% of `max_memory_reserved()` on every row and 4% on average.
//! - The CPU harness (issue 3): every case within 5%, 5% on average.
//! - The memory savers on the CPU harness (issue 13, `cpu_fake_savers.jsonl`): torchtune's chunked
//!   loss and TRL's activation offloading, the allocated peak and the pinned host memory, at the
//!   same tolerance.
#![cfg(feature = "serde")]

#[path = "support/measurements.rs"]
mod measurements;
#[path = "support/published.rs"]
mod published;

use measurements::*;

fn outside(cases: &[&Case]) -> Vec<String> {
    cases
        .iter()
        .filter(|c| c.error_percent().abs() > c.tolerance)
        .map(|c| {
            format!(
                "{} ({}): measured {} B, estimated {} B ({:+.2}%, tolerance ±{}%)",
                c.id,
                c.what.as_str(),
                c.measured,
                c.estimated,
                c.error_percent(),
                c.tolerance
            )
        })
        .collect()
}

fn mean_abs(cases: &[&Case]) -> f64 {
    cases.iter().map(|c| c.error_percent().abs()).sum::<f64>() / cases.len().max(1) as f64
}

#[test]
fn cpu_harness_cases_agree() {
    let all = load();
    let cpu: Vec<&Case> = all.iter().filter(|c| c.kind == "cpu" && c.what == Quantity::Allocated).collect();
    assert!(cpu.len() >= 30, "only {} CPU cases", cpu.len());
    println!("{}", table(&cpu.iter().map(|c| (*c).clone()).collect::<Vec<_>>()));
    let bad = outside(&cpu);
    assert!(bad.is_empty(), "outside tolerance:\n{}", bad.join("\n"));
    let m = mean_abs(&cpu);
    println!("CPU harness: mean absolute error {m:.2}% over {} cases", cpu.len());
    assert!(m <= MAX_MAPE_PERCENT, "MAPE {m:.2}% > {MAX_MAPE_PERCENT}%");
}

/// See: issue 13. The savers' CPU fixture: the chunked loss and activation offloading, every case within
/// the CPU harness's tolerance on the allocated peak and, with offloading, on the pinned host memory.
#[test]
fn saver_cases_agree() {
    let all = load();
    let savers: Vec<&Case> = all.iter().filter(|c| c.file == SAVERS_FIXTURE).collect();
    let count = |what: Quantity| savers.iter().filter(|c| c.what == what).count();
    assert!(count(Quantity::Allocated) >= 16, "only {} saver cases", count(Quantity::Allocated));
    assert!(count(Quantity::Host) >= 6, "only {} offloading cases", count(Quantity::Host));
    println!("{}", table(&savers.iter().map(|c| (*c).clone()).collect::<Vec<_>>()));
    let bad = outside(&savers);
    assert!(bad.is_empty(), "outside tolerance:\n{}", bad.join("\n"));
    // The range gives these savers no widening (`SAVER_HIGH_PERCENT`): that rests on their residuals staying
    // inside the tensor band the real-GPU rows set.
    let (low, high) = (lora_vram::estimate::TENSOR_LOW_PERCENT as f64, lora_vram::estimate::TENSOR_HIGH_PERCENT as f64);
    for c in savers.iter().filter(|c| c.what == Quantity::Allocated) {
        let e = c.error_percent();
        assert!(-low <= e && e <= high, "{}: {e:+.2}% is outside the range's tensor band", c.id);
    }
    for what in [Quantity::Allocated, Quantity::Host] {
        let rows: Vec<&Case> = savers.iter().filter(|c| c.what == what).copied().collect();
        let m = mean_abs(&rows);
        println!("savers, {}: mean absolute error {m:.2}% over {} cases", what.as_str(), rows.len());
        assert!(m <= MAX_MAPE_PERCENT, "{}: MAPE {m:.2}% > {MAX_MAPE_PERCENT}%", what.as_str());
    }
}

/// See: issue 9. The 50 Tesla T4 steps, every row (the 8 deliberate repeats included, as measured).
#[test]
fn real_gpu_allocated_peak_agrees() {
    let all = load();
    let rows: Vec<&Case> = all.iter().filter(|c| c.kind == "gpu" && c.what == Quantity::Allocated).collect();
    assert!(rows.len() >= 50, "only {} GPU rows", rows.len());
    let bad = outside(&rows);
    let m = mean_abs(&rows);
    println!("real GPU, allocated: mean absolute error {m:.2}% over {} rows", rows.len());
    assert!(bad.is_empty(), "outside tolerance:\n{}", bad.join("\n"));
    assert!(m <= GPU_ALLOCATED_MAPE_PERCENT, "mean {m:.2}% > {GPU_ALLOCATED_MAPE_PERCENT}%");
}

/// See: issue 9. Reserved memory (`total_bytes` less the CUDA context) against `max_memory_reserved()`.
#[test]
fn real_gpu_reserved_memory_agrees() {
    let all = load();
    let rows: Vec<&Case> = all.iter().filter(|c| c.kind == "gpu" && c.what == Quantity::Reserved).collect();
    assert!(rows.len() >= 50, "only {} GPU rows", rows.len());
    for c in &rows {
        println!("{:<64} {:+6.2}%", c.id, c.error_percent());
    }
    let bad = outside(&rows);
    let m = mean_abs(&rows);
    println!("real GPU, reserved: mean absolute error {m:.2}% over {} rows", rows.len());
    assert!(bad.is_empty(), "outside tolerance:\n{}", bad.join("\n"));
    assert!(m <= GPU_RESERVED_MAPE_PERCENT, "mean {m:.2}% > {GPU_RESERVED_MAPE_PERCENT}%");
}

/// See: issue 9. The range the page shows holds what nvidia-smi would show (reserved + the memory
/// outside the allocator) on at least 90% of the real-GPU rows, and, counted with them, at least
/// 90% of all the real-GPU evidence in the repository: the published multi-GPU rows a scenario
/// can express, each against the range of the quantity its source measured.
#[test]
fn range_holds_the_real_gpu_evidence() {
    let all = load();
    let rows: Vec<&Case> = all.iter().filter(|c| c.kind == "gpu" && c.what == Quantity::Smi).collect();
    let inside = rows.iter().filter(|c| c.range.0 <= c.measured && c.measured <= c.range.1).count();
    let published = published::compared();
    for c in published.iter().filter(|c| !c.inside()) {
        println!("outside the range: published row {} measured {} B, range {:?}", c.row.id, c.measured, c.range);
    }
    let with_published = inside + published.iter().filter(|c| c.inside()).count();
    let evidence = rows.len() + published.len();
    println!(
        "range: {with_published} of {evidence} real-GPU measurements inside, the published multi-GPU rows counted"
    );
    assert_eq!(published.len(), 8, "every expressible row of public_measurements.csv");
    assert!(
        with_published as f64 >= 0.9 * evidence as f64,
        "the range holds only {with_published} of {evidence} real-GPU measurements"
    );
    for c in rows.iter().filter(|c| !(c.range.0 <= c.measured && c.measured <= c.range.1)) {
        println!("outside the range: {} measured {} B, range {:?}", c.id, c.measured, c.range);
    }
    let share = inside as f64 / rows.len().max(1) as f64;
    let width =
        rows.iter().map(|c| (c.range.1 - c.range.0) as f64 / c.estimated as f64).sum::<f64>() / rows.len() as f64;
    println!(
        "range: {inside} of {} real-GPU rows inside ({:.0}%), mean width {:.0}% of the estimate",
        rows.len(),
        share * 100.0,
        width * 100.0
    );
    assert!(share >= 0.9, "the range holds only {inside} of {} rows", rows.len());
}

/// See: issue 9 (the range is derived from the residuals of the real-GPU evidence). The multi-GPU
/// allowance, `DISTRIBUTED_HIGH_PERCENT`, is the largest share of the allocated peak by which a
/// published multi-GPU measurement lies above the range without it, rounded up; rows whose gap
/// docs/accuracy.md attributes to no term (`unexplained`) do not set it.
#[test]
fn the_multi_gpu_allowance_is_the_largest_explained_residual() {
    let mut largest = 0.0f64;
    for c in published::compared().iter().filter(|c| !c.row.unexplained) {
        let above = c.above_without_allowance();
        println!(
            "published row {}: {above:+.2}% of the allocated peak above the range without the allowance",
            c.row.id
        );
        largest = largest.max(above);
    }
    assert_eq!(lora_vram::estimate::DISTRIBUTED_HIGH_PERCENT, largest.ceil() as u64, "largest residual {largest:.2}%");
}
