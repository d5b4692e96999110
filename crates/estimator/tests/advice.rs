//! Advice (issue 2, item 9): least disruptive first, each change estimated in full, and a verdict
//! that means what it says.
#![cfg(feature = "serde")]

use lora_vram::advice::{advise, Change};
use lora_vram::fit::{verdict, Verdict};
use lora_vram::gpus::{find_gpu, GPUS};
use lora_vram::input::ScenarioInput;
use lora_vram::{estimate, Scenario};

fn scenario(json: &str) -> Scenario {
    Scenario::try_from(&ScenarioInput::from_json(json).unwrap()).unwrap()
}

/// The newcomer question of issue 4: Qwen2.5-7B LoRA at 4096 tokens on an RTX 4090.
#[test]
fn qwen_7b_lora_4096_on_a_4090() {
    let s = scenario(r#"{"model": "Qwen/Qwen2.5-7B", "method": "lora", "seq_len": 4096}"#);
    let g = &GPUS[find_gpu("rtx-4090").unwrap()];
    let e = estimate(&s);
    assert_ne!(verdict(e.total(), e.range().1, g.vram_bytes), Verdict::Fits, "{}", e.total());
    let advice: Vec<_> = advise(&s, g.vram_bytes, g.flash_attn2).iter().copied().collect();
    let order: Vec<Change> = advice.iter().map(|a| a.change).collect();
    // Optimizer changes come before QLoRA, QLoRA before a shorter sequence, "all" last.
    let pos = |f: &dyn Fn(&Change) -> bool| order.iter().position(f).unwrap();
    assert!(pos(&|c| *c == Change::Adamw8bit) < pos(&|c| *c == Change::Qlora));
    assert!(pos(&|c| *c == Change::Qlora) < pos(&|c| matches!(c, Change::SeqLen(_))));
    assert_eq!(order.last(), Some(&Change::All));
    let qlora = advice.iter().find(|a| a.change == Change::Qlora).unwrap();
    assert_eq!(qlora.verdict, Verdict::Fits, "QLoRA fits a 4090: {}", qlora.total);
    assert!(qlora.total < e.total());
}

/// Every piece of advice for every GPU: its total is the changed scenario's estimate (less the
/// pageable optimizer state for paged AdamW), and "fits" means the whole range fits.
#[test]
fn advice_totals_and_verdicts_are_consistent() {
    let scenarios = [
        r#"{"model": "meta-llama/Llama-3.1-8B", "method": "lora", "batch_size": 4, "seq_len": 8192, "gradient_checkpointing": false, "attention": "eager"}"#,
        r#"{"model": "Qwen/Qwen2.5-32B", "method": "full", "weight_dtype": "bf16", "seq_len": 2048}"#,
        r#"{"model": "google/gemma-2-9b", "seq_len": 16384}"#,
    ];
    for json in scenarios {
        let s = scenario(json);
        for g in GPUS {
            for a in advise(&s, g.vram_bytes, g.flash_attn2).iter() {
                let e = estimate(&a.scenario);
                let paged = if a.change == Change::PagedAdamw { e.adapter.optimizer } else { 0 };
                assert_eq!(a.total, e.total() - paged, "{json} on {}: {:?}", g.id, a.change);
                if a.verdict == Verdict::Fits {
                    assert!(e.range().1 - paged <= g.vram_bytes, "{json} on {}: {:?}", g.id, a.change);
                }
            }
        }
    }
}

/// A scenario that fits with its margin gets no advice.
#[test]
fn no_advice_when_it_fits() {
    let s = scenario(r#"{"model": "Qwen/Qwen2.5-0.5B"}"#);
    let g = &GPUS[find_gpu("h100-sxm").unwrap()];
    assert!(advise(&s, g.vram_bytes, true).is_empty());
}
