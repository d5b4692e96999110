//! Full fine-tuning trains every parameter, once: the trainable count equals the model's.
//!
//! See: the Mixtral 8x7B full fine-tuning estimate of 2026-12-07, which reported 91.80B trainable
//! of 46.70B (196.564%): `adapter::for_each_trainable_in` listed transformers 5's stacked experts as
//! matrices and again inside `ParamCounts::other`, so their gradients and optimizer state were
//! counted twice.
use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::scenario::{Method, WeightDtype};
use lora_vram::{estimate, Scenario};

#[test]
fn every_parameter_is_trainable_once() {
    for m in MODELS {
        let input = ScenarioInput {
            model: ModelInput::Id(m.id.into()),
            method: Method::Full,
            weight_dtype: Some(WeightDtype::Bf16),
            ..ScenarioInput::default()
        };
        let s = Scenario::try_from(&input).unwrap_or_else(|e| panic!("{}: {e}", m.id));
        let e = estimate(&s);
        assert_eq!(e.trainable_params, e.total_params, "{}", m.id);
    }
}
