//! Per-phase residuals of the estimate against a measurement fixture: where the model misses.
//!
//! `cargo run -p lora-vram --example phases -- tests/fixtures/measurements/gpu_t4.jsonl`
use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Scenario};
use serde_json::Value;

fn main() {
    let path = std::env::args().nth(1).expect("a .jsonl fixture");
    let text = std::fs::read_to_string(&path).expect("readable fixture");
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    println!(
        "{:<58} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "case", "fwd", "Δfwd", "bwd", "Δbwd", "opt", "Δopt", "Δpeak%", "reserved"
    );
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("json");
        if v.get("repeat_of").is_some() {
            continue;
        }
        let input: ScenarioInput = serde_json::from_value(v["scenario"].clone()).expect("scenario");
        let s = Scenario::try_from(&input).expect("valid");
        let e = estimate(&s);
        let m = &v["measured"];
        let get = |k: &str| m["peak_by_phase"][k].as_u64();
        let d = |meas: Option<u64>, est: u64| meas.map_or(f64::NAN, |x| mib(est) - mib(x));
        let peak = m["peak_allocated_bytes"].as_u64().unwrap();
        println!(
            "{:<58} {:>9.1} {:>+9.1} {:>9.1} {:>+9.1} {:>9.1} {:>+9.1} {:>+7.2} {:>+9.1}",
            v["id"].as_str().unwrap_or("?"),
            get("forward").map_or(f64::NAN, mib),
            d(get("forward"), e.phase_peaks.forward),
            get("backward").map_or(f64::NAN, mib),
            d(get("backward"), e.phase_peaks.backward),
            get("optimizer").map_or(f64::NAN, mib),
            d(get("optimizer"), e.phase_peaks.optimizer),
            (e.peak_allocated as f64 / peak as f64 - 1.0) * 100.0,
            m["peak_reserved_bytes"].as_u64().map_or(f64::NAN, |r| mib(e.total() - e.overhead.cuda_context) - mib(r)),
        );
    }
}
