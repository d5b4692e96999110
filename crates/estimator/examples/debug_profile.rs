//! Prints the activation profile and the phases of one scenario (developer aid).
//! `cargo run -p lora-vram --example debug_profile -- scenario.json`
use lora_vram::{estimate, Scenario};
fn main() {
    let path = std::env::args().nth(1).expect("scenario.json");
    let s = Scenario::from_json(&std::fs::read_to_string(path).expect("readable")).expect("valid");
    let p = lora_vram::activations::profile(&s);
    println!("{p:#?}");
    let a = lora_vram::activations::activations(&s);
    let mib = |x: u128| x as f64 / (1u64 << 20) as f64;
    println!("kept {:.1} head_saved {:.1} loss_fwd {:.1} loss_bwd {:.1} layer_bwd {:.1} layer_fwd {:.1} recompute {:.1} layer_max {:.1} logits {:.1}",
        mib(a.kept), mib(a.head_saved), mib(a.loss_forward), mib(a.loss_backward), mib(a.layer_backward), mib(a.layer_forward), mib(a.layer_recompute), mib(a.layer_max), mib(a.logits));
    let e = estimate(&s);
    println!("{:?} {:?}", e.phase, e.phase_peaks);
}
