//! Parity with DeepSpeed's own ZeRO estimators (issue 11): `tests/fixtures/deepspeed/model_states.jsonl`
//! holds what deepspeed 0.19.8 returns and prints (`tools/calibrate/deepspeed_parity.py` ran it), for
//! 12 models × 1–16 GPUs (1 or 2 nodes) × every offload option of `estimate_zero2_model_states_mem_needs`
//! and `estimate_zero3_model_states_mem_needs`, their `_all_cold` tables, and their `_all_live`
//! tables on real models. CI cannot run Python: this test reads the committed fixture.
//!
//! Checked: `zero::model_states` equals every integer exactly; the tables the `_all_cold` and
//! `_all_live` variants print equal, line by line, the same figures formatted as DeepSpeed does;
//! and each model's `total_params` and `largest_layer_params` equal the preset's counts
//! (`Architecture::params`, `distributed::largest_module_params`).
//!
//! See: issue 11.

use lora_vram::distributed::{largest_module_params, zero};
use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::scenario::Method;
use lora_vram::Scenario;
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/deepspeed/model_states.jsonl");

fn rows() -> Vec<Value> {
    let text = std::fs::read_to_string(FIXTURE).expect("the DeepSpeed fixture");
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["deepspeed"], "0.19.8", "the version the modules cite");
    let rows: Vec<Value> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(header["rows"].as_u64(), Some(rows.len() as u64));
    rows
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn b(v: &Value, k: &str) -> bool {
    v[k].as_bool().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn states(v: &Value, offload: bool, offload_params: bool, zero_init: bool) -> zero::ModelStates {
    let stage = u8::try_from(u(v, "stage")).unwrap();
    zero::model_states(
        stage,
        u(v, "total_params"),
        u(v, "largest_layer_params"),
        u(v, "gpus_per_node"),
        u(v, "nodes"),
        offload,
        offload_params,
        zero_init,
    )
}

#[test]
fn model_states_equal_deepspeeds_integers() {
    let mut n = 0;
    for v in rows().iter().filter(|v| v.get("gpu_bytes").is_some()) {
        let s = states(v, b(v, "cpu_offload"), b(v, "cpu_offload_params"), b(v, "zero_init"));
        assert_eq!((s.cpu, s.gpu), (u(v, "cpu_bytes"), u(v, "gpu_bytes")), "{v}");
        n += 1;
    }
    assert_eq!(n, 9 * 8 * (2 + 6), "9 models, 8 layouts, 2 + 6 option sets");
}

/// The tables `estimate_zero{2,3}_model_states_mem_needs_all_{cold,live}` print, rebuilt.
#[test]
fn printed_tables_are_reproduced() {
    let gb = |x: u64| x as f64 / (1u64 << 30) as f64;
    let device = |on: bool| if on { "OffloadDeviceEnum.cpu" } else { "none" };
    let mut n = 0;
    for v in rows().iter().filter(|v| v.get("printed").is_some()) {
        let mut ours = Vec::new();
        if u(v, "stage") == 2 {
            for off in [true, false] {
                let s = states(v, off, false, true);
                ours.push(format!(" {:7.2}GB | {:6.2}GB | offload_optimizer={}", gb(s.cpu), gb(s.gpu), device(off)));
            }
        } else {
            for (off, off_params) in [(true, true), (true, false), (false, false)] {
                for zero_init in [true, false] {
                    let s = states(v, off, off_params, zero_init);
                    ours.push(format!(
                        " {:7.2}GB | {:6.2}GB | offload_param={}, offload_optimizer={}, zero_init={}",
                        gb(s.cpu),
                        gb(s.gpu),
                        device(off_params),
                        device(off),
                        u8::from(zero_init)
                    ));
                }
            }
        }
        let theirs: Vec<&str> = v["printed"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(ours, theirs, "{}", v["variant"]);
        n += 1;
    }
    assert_eq!(n, (9 + 3) * 8 * 2, "all_cold for 9 models, all_live for 3, 8 layouts, 2 stages");
}

/// `model_to_params`' counts equal the presets': the parameter count with a tied head once, and
/// the largest module's own parameters (an embedding, a head, a Linear, or stacked experts).
#[test]
fn deepspeeds_counts_equal_the_presets() {
    let mut seen = std::collections::BTreeSet::new();
    for v in rows() {
        let id = v["model"].as_str().unwrap().to_string();
        if !seen.insert(id.clone()) {
            continue;
        }
        let i = ScenarioInput { model: ModelInput::Id(id.clone()), method: Method::Full, ..ScenarioInput::default() };
        let s = Scenario::try_from(&i).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(s.arch.params().total(), u(&v, "total_params"), "{id}");
        assert_eq!(largest_module_params(&s), u(&v, "largest_layer_params"), "{id}");
    }
    assert_eq!(seen.len(), 11, "9 cold and 3 live models, one in both");
}
