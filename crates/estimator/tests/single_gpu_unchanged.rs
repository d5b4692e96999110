//! Without `distributed`, every result stays byte-identical to what the estimator gave before the
//! multi-GPU engines existed (issue 11, "Without `distributed`, every current result stays
//! byte-identical").
//!
//! `tests/fixtures/single_gpu/reports.jsonl` was written by `regenerate` at commit 003dc74, main
//! just before issue 11's engines were merged (it was first taken at 4d04866; the other issues of
//! that merge changed single-GPU reports on purpose: more GPU rows, `breakdown.logits`, limits
//! solved against the verdict): for every preset and five scenario variants, the FNV-1a hash of
//! the whole `--json` report (every GPU row included) and, to make a failure readable, its totals.
//! The fields issue 11 adds to the report (`cpu_bytes_per_node`, `gpus[].gpus_needed`) are
//! removed before hashing: they did not exist then.
//!
//! Changed on purpose since: 2026-12-07, the 10 full fine-tuning lines of the MoE presets (Mixtral
//! 8x7B and 8x22B, Qwen3-30B-A3B, Qwen1.5-MoE-A2.7B, DeepSeek-V3), whose stacked experts the
//! trainable-tensor walk counted twice (196% of the parameters trainable; see
//! `tests/full_finetuning.rs`). Every other line is as at 003dc74.
//!
//! See: issue 11.

use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::report::report;
use lora_vram::Scenario;
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/single_gpu/reports.jsonl");

/// The scenario variants: the default QLoRA, a bf16 LoRA with eager attention and no
/// checkpointing, pure-bf16 full fine-tuning, fp32 full fine-tuning with a long batch, and TRL with
/// 8-bit AdamW on a custom loop's neighbour.
fn variants(id: &str) -> Vec<(&'static str, ScenarioInput)> {
    let base = || {
        let mut i = ScenarioInput { model: ModelInput::Id(id.into()), ..ScenarioInput::default() };
        // MoE experts under PEFT's ParamWrapper refuse dropout.
        i.lora.dropout = 0.0;
        i
    };
    let mut lora = base();
    lora.method = lora_vram::scenario::Method::Lora;
    lora.attention = lora_vram::scenario::AttentionImpl::Eager;
    lora.gradient_checkpointing = false;
    lora.seq_len = 1024;
    let mut full = base();
    full.method = lora_vram::scenario::Method::Full;
    let mut full32 = base();
    full32.method = lora_vram::scenario::Method::Full;
    full32.weight_dtype = Some(lora_vram::scenario::WeightDtype::Fp32);
    full32.batch_size = 4;
    full32.seq_len = 4096;
    let mut trl = base();
    trl.trainer = lora_vram::scenario::Trainer::TrlSft;
    trl.optimizer = lora_vram::scenario::Optimizer::Adamw8bit;
    trl.gpu = Some("a100-80gb".into());
    vec![("qlora", base()), ("lora-eager", lora), ("full-bf16", full), ("full-fp32", full32), ("trl-8bit", trl)]
}

/// FNV-1a, 64 bits: a stable hash with no dependency.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The report as it was before issue 11: the added fields removed, keys sorted (serde_json's map).
fn old_report(s: &Scenario) -> Value {
    let mut v = serde_json::to_value(report(s)).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("cpu_bytes_per_node");
    }
    for g in v["gpus"].as_array_mut().into_iter().flatten() {
        if let Some(o) = g.as_object_mut() {
            o.remove("gpus_needed");
        }
    }
    v
}

fn lines() -> Vec<Value> {
    let mut out = Vec::new();
    for m in MODELS {
        for (name, input) in variants(m.id) {
            let Ok(s) = Scenario::try_from(&input) else { continue };
            let v = old_report(&s);
            out.push(serde_json::json!({
                "id": format!("{}/{name}", m.id),
                "total_bytes": v["total_bytes"],
                "peak_allocated_bytes": v["peak_allocated_bytes"],
                "report_fnv1a": format!("{:016x}", fnv1a(&v.to_string())),
            }));
        }
    }
    out
}

#[test]
fn single_gpu_reports_are_byte_identical() {
    let text = std::fs::read_to_string(FIXTURE).expect("tests/fixtures/single_gpu/reports.jsonl");
    let expected: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let now = lines();
    assert!(expected.len() > 200, "the fixture has {} lines", expected.len());
    assert_eq!(now.len(), expected.len(), "a variant became valid or invalid");
    let mut bad = Vec::new();
    for (e, n) in expected.iter().zip(&now) {
        if e != n {
            bad.push(format!("expected {e}\n     got {n}"));
        }
    }
    assert!(bad.is_empty(), "{} of {} reports changed:\n{}", bad.len(), now.len(), bad.join("\n"));
}

/// Writes the fixture: `cargo test -p lora-vram --test single_gpu_unchanged -- --ignored regenerate`.
/// Only at a commit whose single-GPU results are the reference.
#[test]
#[ignore]
fn regenerate() {
    let text: String = lines().iter().map(|v| v.to_string() + "\n").collect();
    std::fs::write(FIXTURE, text).unwrap();
}
