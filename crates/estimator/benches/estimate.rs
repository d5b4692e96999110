//! `cargo bench -p lora-vram`: one estimate, and the full GPU table with the exact
//! longest-sequence / largest-batch solve for every GPU (issue 2 targets: < 1 µs and < 200 µs),
//! and with a `distributed` block, the table with "GPUs needed" for every GPU (issue 11: < 200 µs).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lora_vram::fit::{gpu_table, gpu_table_after};
use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Scenario};

fn scenarios() -> Vec<(&'static str, Scenario)> {
    let qlora = Scenario::try_from(&ScenarioInput::default()).unwrap();
    let mut moe = ScenarioInput {
        model: lora_vram::input::ModelInput::Id("Qwen/Qwen3-30B-A3B".into()),
        ..ScenarioInput::default()
    };
    moe.lora.dropout = 0.0;
    let json = |j: &str| Scenario::try_from(&ScenarioInput::from_json(j).unwrap()).unwrap();
    vec![
        ("llama-3.1-8b-qlora-2048", qlora),
        ("qwen3-30b-a3b-qlora-2048", Scenario::try_from(&moe).unwrap()),
        (
            "llama-3.1-70b-lora-zero3-8gpus",
            json(
                r#"{"model": "meta-llama/Llama-3.1-70B", "method": "lora", "distributed": {"strategy": "zero3", "gpus": 8}}"#,
            ),
        ),
        (
            "llama-3.1-8b-full-fsdp-16gpus",
            json(
                r#"{"model": "meta-llama/Llama-3.1-8B", "method": "full", "distributed": {"strategy": "fsdp", "gpus": 16, "gpus_per_node": 8}}"#,
            ),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    for (name, s) in scenarios() {
        c.bench_function(&format!("estimate/{name}"), |b| b.iter(|| estimate(black_box(&s))));
        c.bench_function(&format!("gpu_table/{name}"), |b| {
            b.iter(|| {
                gpu_table(black_box(&s))
                    .fold(0u64, |acc, f| acc ^ f.max_seq_len ^ f.max_batch_size ^ f.gpus_needed.unwrap_or(0))
            })
        });
    }
    // The page's slider: the table after the sequence length alone moved (issue 12), which keeps
    // every GPU's longest sequences and solves the rest.
    let (name, s) = &scenarios()[0];
    let before: Vec<_> = gpu_table(s).collect();
    let after = Scenario { seq_len: 4096, ..*s };
    c.bench_function(&format!("gpu_table_after_seq_edit/{name}"), |b| {
        b.iter(|| {
            gpu_table_after(black_box(&after), Some((s, &before)))
                .fold(0u64, |acc, f| acc ^ f.max_seq_len ^ f.max_batch_size ^ f.gpus_needed.unwrap_or(0))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
