//! The memory savers of issue 13 (Liger, chunked and fused losses, Cut Cross-Entropy, activation
//! offloading, Unsloth): properties that follow from what each one saves, the contract's defaults
//! and its refusals, and no panic or overflow at the extremes.
#![cfg(feature = "serde")]

use lora_vram::activations::{liger_flce_chunk, pinned};
use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::scenario::{Framework, Loss, Method, Trainer, MAX_BATCH, MAX_SEQ};
use lora_vram::{estimate, Error, Scenario};
use proptest::prelude::*;

fn scenario(i: &ScenarioInput) -> Scenario {
    Scenario::try_from(i).unwrap_or_else(|e| panic!("{e}: {}", i.to_json()))
}

/// A scenario on a preset; dropout 0 so that MoE presets (PEFT refuses dropout on their experts) are valid.
fn base(model: &str, method: Method, seq: u64) -> ScenarioInput {
    let mut i = ScenarioInput { model: ModelInput::Id(model.into()), method, seq_len: seq, ..ScenarioInput::default() };
    i.lora.dropout = 0.0;
    i
}

/// Defaults: every new field left out gives the scenario that existed before the savers.
#[test]
fn defaults_are_the_plain_transformers_step() {
    let s = scenario(&ScenarioInput::default());
    assert!(!s.use_liger_kernel && !s.activation_offloading);
    assert_eq!((s.loss, s.loss_chunks, s.framework), (Loss::Standard, 1, Framework::Transformers));
    let e = estimate(&s);
    assert_eq!(e.cpu_bytes_per_node, 0, "nothing is offloaded");
    assert!(!e.unmeasured_saver);
    assert!(e.logits > 0 && e.logits <= e.activations, "the logits are a part of the activations");
    // The JSON of the default scenario does not mention the new fields, so old URLs and files round-trip.
    let json = ScenarioInput::default().to_json();
    for key in ["use_liger_kernel", "loss", "activation_offloading", "framework"] {
        assert!(!json.contains(&format!("\"{key}\"")), "{key} in {json}");
    }
}

/// `use_liger_kernel` alone means Liger's fused linear cross-entropy (its `fused_linear_cross_entropy=True`
/// default), except under TRL's SFTTrainer, which turns it off; `loss_chunks` defaults to torchtune's 8.
#[test]
fn loss_defaults_follow_the_tools() {
    let liger = ScenarioInput { use_liger_kernel: true, ..ScenarioInput::default() };
    assert_eq!(scenario(&liger).loss, Loss::FusedLinear);
    let trl = ScenarioInput { trainer: Trainer::TrlSft, ..liger.clone() };
    assert_eq!(scenario(&trl).loss, Loss::Standard);
    let chunked = ScenarioInput { loss: Some(Loss::Chunked), ..ScenarioInput::default() };
    assert_eq!(scenario(&chunked).loss_chunks, 8);
    let parsed = ScenarioInput::from_json(r#"{"loss": "chunked", "loss_chunks": 16, "use_liger_kernel": false}"#);
    assert_eq!(scenario(&parsed.unwrap()).loss_chunks, 16);
}

/// Combinations the tools refuse, or the estimator cannot model, are errors that name the field.
#[test]
fn incompatible_combinations_are_refused() {
    let cases: [(ScenarioInput, &str); 7] = [
        (ScenarioInput { use_liger_kernel: true, loss: Some(Loss::CutCrossEntropy), ..Default::default() }, "loss"),
        (ScenarioInput { use_liger_kernel: true, loss: Some(Loss::Chunked), ..Default::default() }, "loss"),
        (ScenarioInput { trainer: Trainer::TrlSft, loss: Some(Loss::FusedLinear), ..Default::default() }, "loss"),
        (ScenarioInput { loss_chunks: Some(4), ..Default::default() }, "loss_chunks"),
        (ScenarioInput { loss: Some(Loss::Chunked), loss_chunks: Some(0), ..Default::default() }, "loss_chunks"),
        (
            ScenarioInput { activation_offloading: true, gradient_checkpointing: false, ..Default::default() },
            "activation_offloading",
        ),
        (
            ScenarioInput { framework: Framework::Unsloth, use_liger_kernel: true, ..Default::default() },
            "use_liger_kernel",
        ),
    ];
    for (i, field) in cases {
        match Scenario::try_from(&i) {
            Err(Error::Invalid { field: f, reason }) => {
                assert_eq!(f, field, "{}", i.to_json());
                assert!(reason.len() > 20, "a reason a person can act on: {reason}");
            }
            other => panic!("{} should be refused on {field}, got {other:?}", i.to_json()),
        }
    }
    // Liger has no kernels for GPT-NeoX: the flag would do nothing, so it is refused.
    let pythia = ScenarioInput { use_liger_kernel: true, ..base("EleutherAI/pythia-1b", Method::Lora, 2048) };
    if MODELS.iter().any(|m| m.id == "EleutherAI/pythia-1b") {
        assert!(matches!(Scenario::try_from(&pythia), Err(Error::Invalid { field: "use_liger_kernel", .. })));
    }
}

/// Liger's fused loss removes exactly the vocabulary-wide tensors: at 16k tokens on Llama-3.1-8B (128k
/// vocabulary) the standard loss's logits dominate, and with Liger the logits part is under a tenth of it.
#[test]
fn fused_loss_removes_the_logits() {
    let std = estimate(&scenario(&base("meta-llama/Llama-3.1-8B", Method::Lora, 16384)));
    let fused = estimate(&scenario(&ScenarioInput {
        loss: Some(Loss::FusedLinear),
        ..base("meta-llama/Llama-3.1-8B", Method::Lora, 16384)
    }));
    // Standard: 12 bytes per token per vocabulary entry at the loss's backward.
    assert!(std.logits >= 12 * 16384 * 128256, "{}", std.logits);
    assert!(fused.logits < std.logits / 10, "{} vs {}", fused.logits, std.logits);
    assert!(fused.total() < std.total());
}

/// Liger's chunk: `next_power_of_2(ceil(BT / ceil(V / H)))`, at most BT (liger_kernel/ops/fused_linear_cross_entropy.py).
/// The example in its comment: BT = 4096·4, V = 32000, H = 4096 gives a chunk of 2048.
#[test]
fn liger_chunk_matches_its_source() {
    assert_eq!(liger_flce_chunk(4096 * 4, 32000u64.div_ceil(4096)), 2048);
    assert_eq!(liger_flce_chunk(2048, 128256u64.div_ceil(4096)), 64);
    assert_eq!(liger_flce_chunk(3, 32), 1);
    assert_eq!(liger_flce_chunk(5, 1), 5, "never more than the tokens");
    assert_eq!(pinned(0), 0);
    assert_eq!(pinned(3 << 20), 4 << 20, "pinned host blocks are powers of two");
}

/// Offloading moves the checkpointed layer inputs to the host: the host gets at least every layer's
/// input, and the GPU keeps less than without it.
#[test]
fn offloading_moves_layer_inputs_to_the_host() {
    let i = base("meta-llama/Llama-3.1-8B", Method::Lora, 8192);
    let plain = estimate(&scenario(&i));
    let off = estimate(&scenario(&ScenarioInput { activation_offloading: true, ..i.clone() }));
    let per_layer_input = 8192 * 4096 * 2;
    assert!(off.cpu_bytes_per_node >= 32 * per_layer_input, "{}", off.cpu_bytes_per_node);
    assert!(off.peak_allocated < plain.peak_allocated);
    assert!(plain.peak_allocated - off.peak_allocated <= 32 * per_layer_input, "no more than the inputs move");
    // Unsloth's `use_gradient_checkpointing="unsloth"`: the same inputs, none of the loss's tensors.
    let unsloth =
        estimate(&scenario(&ScenarioInput { activation_offloading: true, framework: Framework::Unsloth, ..i }));
    assert!(unsloth.cpu_bytes_per_node >= 32 * per_layer_input);
    assert!(unsloth.cpu_bytes_per_node < off.cpu_bytes_per_node);
}

/// See: cpu_fake_savers.jsonl. The chunked loss and activation offloading are measured on the CPU harness
/// within the spread of the steps without savers, so they do not widen the range.
#[test]
fn measured_savers_keep_the_range() {
    let i = base("meta-llama/Llama-3.1-8B", Method::Lora, 4096);
    for on in [
        ScenarioInput { loss: Some(Loss::Chunked), ..i.clone() },
        ScenarioInput { activation_offloading: true, ..i.clone() },
    ] {
        assert!(!estimate(&scenario(&on)).unmeasured_saver, "{}", on.to_json());
    }
    for on in [
        ScenarioInput { loss: Some(Loss::FusedLinear), ..i.clone() },
        ScenarioInput { loss: Some(Loss::CutCrossEntropy), ..i.clone() },
        ScenarioInput { framework: Framework::Unsloth, ..i },
    ] {
        assert!(estimate(&scenario(&on)).unmeasured_saver, "{}", on.to_json());
    }
}

/// A saver that no training step here has measured widens the range above, never below.
#[test]
fn savers_widen_the_range_above() {
    let i = base("meta-llama/Llama-3.1-8B", Method::Qlora, 4096);
    let on = estimate(&scenario(&ScenarioInput { use_liger_kernel: true, ..i }));
    assert!(on.unmeasured_saver);
    let (lo, hi) = on.range();
    let plain = lora_vram::Estimate { unmeasured_saver: false, ..on };
    let (plo, phi) = plain.range();
    assert_eq!(lo, plo);
    assert!(hi > phi);
}

/// Autocast casts a frozen fp32 head (QLoRA after `prepare_model_for_kbit_training`, fp32 weights) at every
/// call: torchtune's chunked head calls it once per chunk.
fn head_cast_per_chunk(s: &Scenario) -> bool {
    s.mixed_precision != lora_vram::scenario::MixedPrecision::No
        && lora_vram::weights::unquantized_bytes(s) == 4
        && s.method != Method::Full
        && !s.lora.modules_to_save.lm_head
}

/// See: cpu_fake_savers.jsonl, `llama32-1b-full-depth-qlora-nf4dq-r16-chunked8-s2048-ckpt1` (measured 7.38 GiB;
/// 3.93 GiB before this was modelled). Autocast caches a cast only for a leaf that requires grad, so a frozen fp32
/// head called once per chunk is cast, and its bf16 copy saved, once per chunk: each chunk adds `V·h·2` bytes.
#[test]
fn a_frozen_fp32_head_is_cast_once_per_chunk() {
    let i = ScenarioInput { loss: Some(Loss::Chunked), ..base("meta-llama/Llama-3.2-1B", Method::Qlora, 2048) };
    let at = |c: u64| estimate(&scenario(&ScenarioInput { loss_chunks: Some(c), ..i.clone() })).peak_allocated;
    assert!(head_cast_per_chunk(&scenario(&i)));
    let copy = 128256 * 2048 * 2;
    // One chunk's fp32 upcast shrinks from 256 to 128 tokens.
    let upcast = 128256 * 4 * (256 - 128);
    assert_eq!(at(16) - at(8), 8 * copy - upcast, "eight more chunks, eight more bf16 copies of the head");
    // A 16-bit head (LoRA) needs no cast: more chunks never cost more.
    let lora = ScenarioInput { method: Method::Lora, ..i };
    let lora_at = |c: u64| estimate(&scenario(&ScenarioInput { loss_chunks: Some(c), ..lora.clone() })).peak_allocated;
    assert!(lora_at(16) <= lora_at(8));
}

fn saver_scenario() -> impl Strategy<Value = ScenarioInput> {
    (0..MODELS.len(), prop_oneof![Just(Method::Lora), Just(Method::Qlora), Just(Method::Full)], 1u64..=8, 1u64..=32768)
        .prop_map(|(m, method, batch, seq)| ScenarioInput { batch_size: batch, ..base(MODELS[m].id, method, seq) })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Liger's fused linear cross-entropy never costs more than the standard loss.
    #[test]
    fn fused_linear_never_above_standard(i in saver_scenario()) {
        let std = estimate(&scenario(&i));
        let fused = estimate(&scenario(&ScenarioInput { loss: Some(Loss::FusedLinear), ..i.clone() }));
        prop_assert!(fused.peak_allocated <= std.peak_allocated, "{} > {}: {}", fused.peak_allocated, std.peak_allocated, i.to_json());
    }

    /// More loss chunks never cost more, unless autocast casts a frozen fp32 head once per chunk
    /// ([`head_cast_per_chunk`]); one chunk is no worse than the standard loss.
    #[test]
    fn chunked_is_monotone_in_chunk_count(i in saver_scenario(), k in 1u64..=64) {
        let at = |c: u64| estimate(&scenario(&ScenarioInput { loss: Some(Loss::Chunked), loss_chunks: Some(c), ..i.clone() })).peak_allocated;
        prop_assert!(at(1) <= estimate(&scenario(&i)).peak_allocated);
        prop_assume!(!head_cast_per_chunk(&scenario(&i)));
        prop_assert!(at(k + 1) <= at(k), "{} chunks: {} > {} chunks: {}", k + 1, at(k + 1), k, at(k));
    }

    /// Liger's RMSNorm and SwiGLU never add memory.
    #[test]
    fn liger_kernels_never_add(i in saver_scenario()) {
        let s = scenario(&i);
        prop_assume!(s.liger_supports());
        let with = ScenarioInput { use_liger_kernel: true, loss: Some(Loss::Standard), ..i.clone() };
        prop_assert!(estimate(&scenario(&with)).peak_allocated <= estimate(&s).peak_allocated, "{}", i.to_json());
    }

    /// Offloading never adds GPU memory, and always reports host memory.
    #[test]
    fn offloading_never_adds_gpu_memory(i in saver_scenario()) {
        let on = ScenarioInput { activation_offloading: true, ..i.clone() };
        let e = estimate(&scenario(&on));
        prop_assert!(e.peak_allocated <= estimate(&scenario(&i)).peak_allocated);
        prop_assert!(e.cpu_bytes_per_node > 0);
    }
}

/// No panic, overflow or inversion at the largest accepted sizes, with every saver on.
#[test]
fn extremes_do_not_panic() {
    for m in MODELS.iter().step_by(5) {
        for (loss, liger) in
            [(Loss::Chunked, false), (Loss::FusedLinear, true), (Loss::CutCrossEntropy, false), (Loss::Standard, false)]
        {
            let i = ScenarioInput {
                batch_size: MAX_BATCH,
                seq_len: MAX_SEQ,
                loss: Some(loss),
                loss_chunks: (loss == Loss::Chunked).then_some(lora_vram::scenario::MAX_LOSS_CHUNKS),
                use_liger_kernel: liger && scenario(&base(m.id, Method::Lora, 1)).liger_supports(),
                activation_offloading: true,
                ..base(m.id, Method::Lora, MAX_SEQ)
            };
            let e = estimate(&scenario(&i));
            let (lo, hi) = e.range();
            assert!(lo <= e.total() && e.total() <= hi);
            assert!(e.logits <= e.activations);
        }
    }
}
