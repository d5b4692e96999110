//! Reading the measurement fixtures and comparing them with the estimate. Shared by the accuracy
//! test (`tests/accuracy.rs`) and the report that writes docs/accuracy.md
//! (`examples/accuracy_report.rs`), so that both judge the same numbers the same way.

use std::path::{Path, PathBuf};

use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Scenario};
use serde_json::Value;

/// The allocated peak (`peak_allocated_bytes`) against the CPU harness's live-tensor peak.
pub const CPU_TOLERANCE_PERCENT: f64 = 5.0;
/// Real GPUs: `peak_allocated_bytes` against `torch.cuda.max_memory_allocated()` on every row (issue 9).
pub const GPU_ALLOCATED_TOLERANCE_PERCENT: f64 = 3.0;
/// Real GPUs: the mean error of the allocated peak (issue 9).
pub const GPU_ALLOCATED_MAPE_PERCENT: f64 = 1.5;
/// Real GPUs: reserved memory against `torch.cuda.max_memory_reserved()` on every row (issue 9).
pub const GPU_RESERVED_TOLERANCE_PERCENT: f64 = 8.0;
/// Real GPUs: the mean error of the reserved memory (issue 9).
pub const GPU_RESERVED_MAPE_PERCENT: f64 = 4.0;
/// The memory savers' fixture (issue 13): torchtune's chunked loss and TRL's activation offloading on the
/// CPU harness (tools/calibrate/savers.py).
pub const SAVERS_FIXTURE: &str = "cpu_fake_savers.jsonl";
/// The mean absolute percentage error the CPU fixtures must stay under (issue 3).
pub const MAX_MAPE_PERCENT: f64 = 5.0;

/// What a case compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// `max_memory_allocated()` (or the CPU harness's live-tensor peak).
    Allocated,
    /// `max_memory_reserved()`.
    Reserved,
    /// Device memory outside PyTorch's allocator.
    Context,
    /// Reserved plus context: what nvidia-smi shows.
    Smi,
    /// Pinned host memory of offloaded activations (`cpu_bytes_per_node`) against the harness's peak of live
    /// pinned blocks (`host_peak_pinned_bytes`).
    Host,
}

impl Quantity {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::Allocated => "allocated",
            Quantity::Reserved => "reserved",
            Quantity::Context => "context",
            Quantity::Smi => "nvidia-smi",
            Quantity::Host => "pinned host",
        }
    }
}

/// One measured case and its estimate.
#[derive(Clone)]
pub struct Case {
    pub id: String,
    /// `cpu` or `gpu`.
    pub kind: &'static str,
    pub what: Quantity,
    pub measured: u64,
    pub estimated: u64,
    pub tolerance: f64,
    pub file: String,
    /// The estimate's range (`Estimate::range`).
    pub range: (u64, u64),
}

impl Case {
    pub fn error_percent(&self) -> f64 {
        (self.estimated as f64 - self.measured as f64) / self.measured as f64 * 100.0
    }
}

pub fn measurements_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/measurements")).to_path_buf()
}

/// Every case of every `*.jsonl` fixture, sorted by file then line.
pub fn load() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(measurements_dir())
        .expect("tests/fixtures/measurements exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", n + 1));
            let id = v["id"].as_str().unwrap_or("?").to_string();
            let input: ScenarioInput = serde_json::from_value(v["scenario"].clone())
                .unwrap_or_else(|e| panic!("{file}:{} ({id}): scenario: {e}", n + 1));
            let s = Scenario::try_from(&input).unwrap_or_else(|e| panic!("{file}:{} ({id}): {e}", n + 1));
            let e = estimate(&s);
            let m = &v["measured"];
            let peak = m["peak_allocated_bytes"].as_u64().unwrap_or_else(|| panic!("{id}: no measured peak"));
            if v["kind"] == "gpu" {
                // A real GPU: the allocated peak against torch.cuda.max_memory_allocated(), the reserved
                // memory (the estimate less its CUDA context) against max_memory_reserved(), and the CUDA
                // context against what the step left outside the allocator.
                let reserved = m["peak_reserved_bytes"].as_u64().unwrap_or_else(|| panic!("{id}: no reserved"));
                let context = m["cuda_context_bytes"].as_u64().unwrap_or_else(|| panic!("{id}: no context"));
                for (what, measured, estimated, tolerance) in [
                    (Quantity::Allocated, peak, e.peak_allocated, GPU_ALLOCATED_TOLERANCE_PERCENT),
                    (Quantity::Reserved, reserved, e.total() - e.overhead.cuda_context, GPU_RESERVED_TOLERANCE_PERCENT),
                    (Quantity::Context, context, e.overhead.cuda_context, f64::INFINITY),
                    (Quantity::Smi, reserved + context, e.total(), f64::INFINITY),
                ] {
                    out.push(Case {
                        id: id.clone(),
                        kind: "gpu",
                        what,
                        measured,
                        estimated,
                        tolerance,
                        file: file.clone(),
                        range: e.range(),
                    });
                }
                continue;
            }
            // The harness allocates no cuBLAS workspace (it runs no CUDA): compare the tensors alone.
            out.push(Case {
                id: id.clone(),
                kind: "cpu",
                what: Quantity::Allocated,
                measured: peak,
                estimated: e.peak_allocated - e.overhead.cublas_workspace,
                tolerance: CPU_TOLERANCE_PERCENT,
                file: file.clone(),
                range: e.range(),
            });
            // Activation offloading: the pinned host buffers of the same step.
            if let Some(host) = m["host_peak_pinned_bytes"].as_u64() {
                out.push(Case {
                    id,
                    kind: "cpu",
                    what: Quantity::Host,
                    measured: host,
                    estimated: e.cpu_bytes_per_node,
                    tolerance: CPU_TOLERANCE_PERCENT,
                    file: file.clone(),
                    range: e.range(),
                });
            }
        }
    }
    out
}

/// A Markdown table of the cases.
pub fn table(cases: &[Case]) -> String {
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let mut s = String::from(
        "| case | fixture | quantity | measured (GiB) | estimated (GiB) | error | tolerance |\n|---|---|---|---:|---:|---:|---:|\n",
    );
    for c in cases {
        s += &format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:+.2}% | ±{}% |\n",
            c.id,
            c.file,
            c.what.as_str(),
            gib(c.measured),
            gib(c.estimated),
            c.error_percent(),
            c.tolerance
        );
    }
    s
}
