//! How long one recomputation takes natively (the page does the same work in wasm on every input).
fn main() {
    let input = lora_vram::input::ScenarioInput::default();
    let s = lora_vram::Scenario::try_from(&input).unwrap();
    let n = 200;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            lora_vram_app::app::compute(std::hint::black_box(&input), lora_vram_app::state::default_gpu()).unwrap(),
        );
    }
    println!("compute (estimate + gpu_table): {:?}", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..20000 {
        std::hint::black_box(lora_vram::estimate(std::hint::black_box(&s)));
    }
    println!("estimate: {:?}", t.elapsed() / 20000);
}
