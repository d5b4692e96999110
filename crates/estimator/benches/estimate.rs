//! `cargo bench -p lora-vram`: one estimate, and the full GPU table with the exact
//! longest-sequence / largest-batch solve for every GPU (issue 2 targets: < 1 µs and < 200 µs).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lora_vram::fit::gpu_table;
use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Scenario};

fn scenarios() -> Vec<(&'static str, Scenario)> {
    let qlora = Scenario::try_from(&ScenarioInput::default()).unwrap();
    let mut moe = ScenarioInput {
        model: lora_vram::input::ModelInput::Id("Qwen/Qwen3-30B-A3B".into()),
        ..ScenarioInput::default()
    };
    moe.lora.dropout = 0.0;
    vec![("llama-3.1-8b-qlora-2048", qlora), ("qwen3-30b-a3b-qlora-2048", Scenario::try_from(&moe).unwrap())]
}

fn bench(c: &mut Criterion) {
    for (name, s) in scenarios() {
        c.bench_function(&format!("estimate/{name}"), |b| b.iter(|| estimate(black_box(&s))));
        c.bench_function(&format!("gpu_table/{name}"), |b| {
            b.iter(|| gpu_table(black_box(&s)).fold(0u64, |acc, f| acc ^ f.max_seq_len ^ f.max_batch_size))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
