//! Liger-Kernel's published kernel benchmarks and their replay (tools/calibrate/liger_bench.py), shared by
//! `tests/liger_benchmark.rs` and the report that writes docs/accuracy.md (`examples/accuracy_report.rs`).

use lora_vram::activations::activations;
use lora_vram::gpus::GPUS;
use lora_vram::input::ScenarioInput;
use lora_vram::overhead::GpuOverhead;
use lora_vram::Scenario;
use serde_json::Value;

pub const MIB: f64 = (1u64 << 20) as f64;

/// Every line of tests/fixtures/measurements/source/liger_benchmark.jsonl.
pub fn rows() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/measurements/source/liger_benchmark.jsonl");
    let text = std::fs::read_to_string(path).expect("liger_benchmark.jsonl");
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The two cuBLAS workspaces the estimator gives an A100, in MiB (the rows were measured on an A100-SXM4-80GB).
pub fn a100_workspaces_mib() -> f64 {
    let a100 = GPUS.iter().find(|g| g.id == "a100-80gb").expect("the A100 80GB preset");
    GpuOverhead::of(a100).cublas_workspace as f64 / MIB
}

/// Whether the script's provider runs a matmul (which makes cuBLAS allocate its workspace, one per stream the
/// forward and the backward run on).
pub fn runs_matmul(row: &Value) -> bool {
    matches!(row["kernel"].as_str(), Some("fused_linear_cross_entropy" | "swiglu"))
}

/// The benchmark as a scenario: a Llama-shaped model with the benchmark's hidden size and vocabulary, bf16
/// weights without autocast, Liger's fused linear cross-entropy, `tokens` positions in one sequence; full
/// fine-tuning for a trained head, LoRA for a frozen one.
pub fn benchmark_scenario(h: u64, v: u64, tokens: u64, frozen: bool) -> Scenario {
    let json = format!(
        r#"{{"model": {{"hf_config": {{"model_type": "llama", "hidden_size": {h}, "intermediate_size": 14336,
            "num_hidden_layers": 1, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": {v},
            "tie_word_embeddings": false}}}},
            "method": "{}", "weight_dtype": "bf16", "mixed_precision": "no", "use_liger_kernel": true,
            "loss": "fused_linear", "batch_size": 1, "seq_len": {tokens}}}"#,
        if frozen { "lora" } else { "full" }
    );
    Scenario::try_from(&ScenarioInput::from_json(&json).unwrap()).unwrap()
}

/// One replay of the modelled version (no published row) against the estimate: `(tokens, frozen head, replayed
/// bytes, estimated bytes)`. The estimate is what the script holds (both heads, the trained head's `.grad`, the
/// input and its `.grad`, the int64 targets) plus the loss's forward peak (`loss_forward_logits`).
pub fn modelled(rows: &[Value]) -> Vec<(u64, bool, u64, u64)> {
    rows.iter()
        .filter(|r| r["published_mib"].is_null())
        .map(|r| {
            let (h, v, bt) =
                (r["config"]["H"].as_u64().unwrap(), r["config"]["V"].as_u64().unwrap(), r["x"].as_u64().unwrap());
            let frozen = r["config"]["frozen_head"].as_bool().unwrap();
            let heads = 2 * v * h * 2 + if frozen { 0 } else { v * h * 2 };
            let script = heads + 2 * bt * h * 2 + bt * 8;
            let loss = activations(&benchmark_scenario(h, v, bt, frozen)).loss_forward_logits;
            (bt, frozen, r["replayed_bytes"].as_u64().unwrap(), script + u64::try_from(loss).unwrap())
        })
        .collect()
}
