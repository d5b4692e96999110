//! Reading the measurement fixtures and comparing them with the estimate. Shared by the accuracy
//! test (`tests/accuracy.rs`) and the report that writes docs/accuracy.md
//! (`examples/accuracy_report.rs`), so that both judge the same numbers the same way.

use std::path::{Path, PathBuf};

use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Scenario};
use serde_json::Value;

/// The allocated peak (`peak_allocated_bytes`) against the measured one: the live-tensor peak on
/// the CPU, `torch.cuda.max_memory_allocated()` on a GPU.
pub const CPU_TOLERANCE_PERCENT: f64 = 5.0;
/// GPU cases: `total_bytes` against what nvidia-smi shows (reserved + context).
pub const GPU_TOLERANCE_PERCENT: f64 = 8.0;
/// The mean absolute percentage error the fixtures must stay under (issue 3).
pub const MAX_MAPE_PERCENT: f64 = 5.0;

/// One measured case and its estimate.
pub struct Case {
    pub id: String,
    /// `cpu` or `gpu`.
    pub kind: &'static str,
    pub measured: u64,
    pub estimated: u64,
    pub tolerance: f64,
    pub file: String,
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
            // GPU lines (tools/calibrate/gpu_measure.py) carry what nvidia-smi would show at the peak
            // (reserved + memory outside the allocator): the total is checked against it, and the
            // allocated peak against torch.cuda.max_memory_allocated() like the CPU cases.
            if let Some(smi) = m["nvidia_smi_estimate_bytes"].as_u64() {
                out.push(Case {
                    id: format!("{id} (nvidia-smi)"),
                    kind: "gpu",
                    measured: smi,
                    estimated: e.total(),
                    tolerance: GPU_TOLERANCE_PERCENT,
                    file: file.clone(),
                });
            }
            let kind = if m["nvidia_smi_estimate_bytes"].is_u64() { "gpu" } else { "cpu" };
            out.push(Case {
                id,
                kind,
                measured: peak,
                estimated: e.peak_allocated,
                tolerance: CPU_TOLERANCE_PERCENT,
                file: file.clone(),
            });
        }
    }
    out
}

/// Mean absolute percentage error.
pub fn mape(cases: &[Case]) -> f64 {
    cases.iter().map(|c| c.error_percent().abs()).sum::<f64>() / cases.len().max(1) as f64
}

/// A Markdown table of the cases.
pub fn table(cases: &[Case]) -> String {
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let mut s = String::from(
        "| case | fixture | kind | measured (GiB) | estimated (GiB) | error | tolerance |\n|---|---|---|---:|---:|---:|---:|\n",
    );
    for c in cases {
        s += &format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:+.2}% | ±{}% |\n",
            c.id,
            c.file,
            c.kind,
            gib(c.measured),
            gib(c.estimated),
            c.error_percent(),
            c.tolerance
        );
    }
    s
}
