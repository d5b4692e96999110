//! Advice: every change estimated in full, only changes that lower the peak, least disruptive
//! first, and a combination that is what its label says (issue 2, item 9; issue 10, item 3).
#![cfg(feature = "serde")]

use lora_vram::advice::{advise, dominant_part, Advice, Cause, Change};
use lora_vram::fit::{verdict, Verdict};
use lora_vram::gpus::{find_gpu, Gpu, GPUS};
use lora_vram::input::ScenarioInput;
use lora_vram::scenario::Optimizer;
use lora_vram::{estimate, Scenario};

fn scenario(json: &str) -> Scenario {
    Scenario::try_from(&ScenarioInput::from_json(json).unwrap()).unwrap()
}

fn gpu(id: &str) -> &'static Gpu {
    &GPUS[find_gpu(id).unwrap()]
}

fn advice(s: &Scenario, g: &Gpu) -> Vec<Advice> {
    advise(s, g.vram_bytes, g.flash_attn2).iter().copied().collect()
}

/// The resident total: a paged optimizer's state can leave the GPU.
/// The total the page shows for a scenario, a paged optimizer's state included (see: issue 10,
/// item 3: the total a piece of advice promises is the one the page shows once it is applied).
fn resident(s: &Scenario) -> u64 {
    estimate(s).total()
}

/// Scenarios that do not fit somewhere, across methods, optimizers and models.
const SCENARIOS: [&str; 7] = [
    r#"{"model": "meta-llama/Llama-3.1-8B", "method": "lora", "batch_size": 4, "seq_len": 8192, "gradient_checkpointing": false, "attention": "eager"}"#,
    r#"{"model": "Qwen/Qwen2.5-32B", "method": "full", "weight_dtype": "bf16", "seq_len": 2048}"#,
    r#"{"model": "google/gemma-2-9b", "seq_len": 16384}"#,
    r#"{"model": "meta-llama/Llama-3.1-8B", "method": "qlora", "lora": {"rank": 512}}"#,
    r#"{"model": "Qwen/Qwen3-30B-A3B", "method": "lora", "lora": {"dropout": 0}}"#,
    r#"{"model": "Qwen/Qwen2.5-7B", "method": "lora", "seq_len": 4096, "optimizer": "paged_adamw_8bit"}"#,
    r#"{"model": "mistralai/Mixtral-8x7B-v0.1", "method": "qlora", "lora": {"dropout": 0}, "seq_len": 4096}"#,
];

/// The newcomer question of issue 4: Qwen2.5-7B LoRA at 4096 tokens on an RTX 4090.
#[test]
fn qwen_7b_lora_4096_on_a_4090() {
    let s = scenario(r#"{"model": "Qwen/Qwen2.5-7B", "method": "lora", "seq_len": 4096}"#);
    let g = gpu("rtx-4090");
    let e = estimate(&s);
    assert_ne!(verdict(e.total(), e.range().1, g.vram_bytes), Verdict::Fits, "{}", e.total());
    let advice = advice(&s, g);
    let singles: Vec<Change> = advice.iter().filter(|a| !a.is_combination()).map(|a| a.change()).collect();
    // Optimizer changes come before QLoRA, QLoRA before a shorter sequence, the combination last.
    let pos = |f: &dyn Fn(&Change) -> bool| singles.iter().position(f).unwrap();
    assert!(pos(&|c| *c == Change::Optimizer(Optimizer::Adamw8bit)) < pos(&|c| *c == Change::Qlora));
    assert!(pos(&|c| *c == Change::Qlora) < pos(&|c| matches!(c, Change::SeqLen(_))));
    let qlora = advice.iter().find(|a| a.change() == Change::Qlora && !a.is_combination()).unwrap();
    assert_eq!(qlora.verdict, Verdict::Fits, "QLoRA fits a 4090: {}", qlora.total);
    assert!(qlora.total < e.total());
    assert!(advice.last().unwrap().is_combination());
}

/// Every piece of advice for every GPU: its total and verdict are its scenario's, it lowers
/// the peak, it is not already in effect, "fits" means the whole range fits, and its scenario is
/// exactly its changes applied in order (what "apply" sets).
#[test]
fn advice_is_computed_and_only_helps() {
    for json in SCENARIOS {
        let s = scenario(json);
        let now = resident(&s);
        for g in GPUS {
            let all = advice(&s, g);
            for a in &all {
                let e = estimate(&a.scenario);
                assert_eq!(a.total, resident(&a.scenario), "{json} on {}: {:?}", g.id, a.changes);
                assert!(a.total < now, "{json} on {}: {:?} raises the peak {} -> {}", g.id, a.changes, now, a.total);
                assert_ne!(a.scenario, s, "{json} on {}: {:?} changes nothing", g.id, a.changes);
                assert_eq!(a.verdict, verdict(e.total(), e.range().1, g.vram_bytes), "{json} on {}", g.id);
                let mut applied = s;
                for c in a.changes.iter() {
                    applied = c.apply(&applied).expect("each change applies");
                }
                assert_eq!(applied, a.scenario, "{json} on {}: the label is what apply sets", g.id);
            }
        }
    }
}

/// The combination: at least two changes, one optimizer only, and better than any single change.
/// See: issue 10, item 3 ("All of the above" came out worse than a single option and bundled two
/// optimizers).
#[test]
fn the_combination_beats_every_single_change() {
    for json in SCENARIOS {
        let s = scenario(json);
        for g in GPUS {
            let all = advice(&s, g);
            let combos: Vec<&Advice> = all.iter().filter(|a| a.is_combination()).collect();
            assert!(combos.len() <= 1);
            if let Some(c) = combos.first() {
                let optimizers = c.changes.iter().filter(|c| matches!(c, Change::Optimizer(_))).count();
                assert!(optimizers <= 1, "{json} on {}: {:?}", g.id, c.changes);
                for single in all.iter().filter(|a| !a.is_combination()) {
                    assert!(c.total < single.total, "{json} on {}: {:?} vs {:?}", g.id, c.changes, single.changes);
                }
                assert_eq!(all.last().map(|a| a.is_combination()), Some(true), "the combination comes last");
            }
        }
    }
}

/// Qwen3-30B-A3B LoRA on an A100 40GB: QLoRA keeps the stacked experts 16-bit and
/// `prepare_model_for_kbit_training` upcasts them to fp32, so "switch to QLoRA" would raise the
/// peak (131 GiB against 77 GiB): it must not be offered. See: issue 10, item 3.
#[test]
fn qlora_is_not_offered_when_it_raises_the_peak() {
    let s = scenario(r#"{"model": "Qwen/Qwen3-30B-A3B", "method": "lora", "lora": {"dropout": 0}}"#);
    let q = Change::Qlora.apply(&s).unwrap();
    assert!(estimate(&q).total() > estimate(&s).total(), "the premise: QLoRA raises this peak");
    let advice = advice(&s, gpu("a100-40gb"));
    assert!(!advice.is_empty());
    assert!(advice.iter().all(|a| a.changes.iter().all(|c| *c != Change::Qlora)), "{advice:?}");
}

/// Rank 512 with QLoRA: the trainable state, not the weights, is too big, and a lower rank is
/// offered. See: issue 10, item 3.
#[test]
fn rank_512_names_the_adapter_and_offers_a_lower_rank() {
    let s = scenario(r#"{"model": "meta-llama/Llama-3.1-8B", "method": "qlora", "lora": {"rank": 512}}"#);
    let e = estimate(&s);
    assert!(e.adapter.total() > e.weights, "the premise: {} vs {}", e.adapter.total(), e.weights);
    assert_eq!(dominant_part(&s), Cause::TrainableState);
    let advice = advice(&s, gpu("rtx-4090"));
    let rank = advice.iter().find(|a| a.change() == Change::Rank(128)).expect("a lower rank");
    assert!(rank.total < e.total());
    assert!(advice.iter().all(|a| a.changes.iter().all(|c| *c != Change::Qlora)), "QLoRA is already in effect");
}

/// A scenario that fits with its margin gets no advice.
#[test]
fn no_advice_when_it_fits() {
    let s = scenario(r#"{"model": "Qwen/Qwen2.5-0.5B"}"#);
    assert!(advise(&s, gpu("h100-sxm").vram_bytes, true).is_empty());
}

/// What is already in effect is never proposed.
#[test]
fn nothing_already_in_effect() {
    let s = scenario(
        r#"{"model": "Qwen/Qwen2.5-7B", "method": "qlora", "optimizer": "adamw_8bit", "seq_len": 32768, "lora": {"targets": "attention"}}"#,
    );
    for a in advice(&s, gpu("rtx-3060-12gb")) {
        for c in a.changes.iter() {
            assert!(
                !matches!(
                    c,
                    Change::Qlora
                        | Change::Optimizer(Optimizer::Adamw8bit)
                        | Change::GradientCheckpointing
                        | Change::AttentionTargets
                        | Change::BatchOneWithAccumulation { .. }
                ),
                "{c:?}"
            );
        }
    }
}
