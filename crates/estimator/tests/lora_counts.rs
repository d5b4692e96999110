//! Trainable parameters, exactly as PEFT counts them.
//!
//! Source of truth: the `lora_r16` entries of `tests/fixtures/configs/expected.json`, written by
//! `tools/calibrate/count_params.py`: PEFT 0.21.2 `get_peft_model(model, LoraConfig(r=16, ...))
//! .get_nb_trainable_parameters()[0]` on transformers 5.23 models built on the meta device.
//! Tolerance: none. A failure prints both values.
#![cfg(feature = "serde")]

use std::path::Path;

use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::scenario::{Method, TargetSpec};
use lora_vram::{estimate, Scenario};
use serde_json::Value;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/configs"))
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn trainable(config: &Value, targets: TargetSpec) -> Result<u64, lora_vram::Error> {
    let mut i = ScenarioInput {
        model: ModelInput::HfConfig { hf_config: config.clone() },
        method: Method::Lora,
        ..ScenarioInput::default()
    };
    i.lora.rank = 16;
    i.lora.dropout = 0.0;
    i.lora.targets = targets;
    Ok(estimate(&Scenario::try_from(&i)?).trainable_params)
}

#[test]
fn lora_trainable_counts_equal_peft() {
    let expected = read(&fixtures().join("expected.json"));
    let mut checked = 0;
    let mut failures = Vec::new();
    println!("{:<46} {:<11} {:>14} {:>14}", "slug", "targets", "PEFT", "ours");
    for (slug, exp) in expected.as_object().unwrap() {
        if slug.starts_with('_') {
            continue;
        }
        let config = read(&fixtures().join(format!("{slug}.json")));
        for (set, entry) in exp["lora_r16"].as_object().unwrap() {
            let Some(want) = entry.get("trainable").and_then(Value::as_u64) else { continue };
            let targets = match set.as_str() {
                "all-linear" => TargetSpec::Shorthand("all-linear".into()),
                "qv" | "attention" => {
                    let names = entry["target_modules"].as_array().unwrap();
                    TargetSpec::Modules(names.iter().map(|n| n.as_str().unwrap().to_string()).collect())
                }
                _ => continue, // e.g. the dropout probe, checked in `moe_experts_reject_dropout`
            };
            let got = trainable(&config, targets);
            println!("{slug:<46} {set:<11} {want:>14} {:>14}", got.as_ref().map_or(0, |g| *g));
            checked += 1;
            match got {
                Ok(g) if g == want => {}
                Ok(g) => failures.push(format!("{slug} {set}: PEFT {want}, ours {g}")),
                Err(e) => failures.push(format!("{slug} {set}: {e}")),
            }
        }
    }
    assert!(checked > 100, "only {checked} counts checked");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// The "attention" shorthand selects the same modules as PEFT's explicit attention list.
#[test]
fn attention_shorthand_matches_the_explicit_list() {
    let expected = read(&fixtures().join("expected.json"));
    for (slug, exp) in expected.as_object().unwrap() {
        let Some(want) = exp.get("lora_r16").and_then(|l| l["attention"]["trainable"].as_u64()) else { continue };
        let config = read(&fixtures().join(format!("{slug}.json")));
        let got = trainable(&config, TargetSpec::Shorthand("attention".into())).unwrap();
        assert_eq!(got, want, "{slug}: PEFT {want}, ours {got}");
    }
}

/// PEFT's ParamWrapper (MoE experts and routers under transformers 5) raises
/// "lora.ParamWrapper does not work with lora_dropout != 0"; the estimator says so instead of
/// estimating a run that cannot start. See expected.json's `all-linear_dropout_0.05` entries.
#[test]
fn moe_experts_reject_dropout() {
    let config = read(&fixtures().join("mistralai__Mixtral-8x7B-v0.1.json"));
    let mut i = ScenarioInput { model: ModelInput::HfConfig { hf_config: config }, ..ScenarioInput::default() };
    i.lora.dropout = 0.05;
    let err = Scenario::try_from(&i).unwrap_err().to_string();
    assert!(err.contains("lora.dropout") && err.contains("ParamWrapper"), "{err}");
    i.lora.targets = TargetSpec::Shorthand("attention".into());
    assert!(Scenario::try_from(&i).is_ok(), "attention-only targets keep dropout");
}
