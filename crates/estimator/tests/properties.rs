//! Property tests: monotonicity, checkpointing, dtype ordering, and no panic / overflow anywhere in
//! the input space (issue 2, "Property tests").

use lora_vram::advice::advise;
use lora_vram::fit::{gpu_table, gpu_table_after, verdict, Verdict};
use lora_vram::gpus::GPUS;
use lora_vram::input::{ModelInput, ScenarioInput};
use lora_vram::presets::MODELS;
use lora_vram::scenario::{AdapterDtype, AttentionImpl, Method, MixedPrecision, Optimizer, TargetSpec, WeightDtype};
use lora_vram::{estimate, Scenario};
use proptest::prelude::*;

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Lora), Just(Method::Qlora), Just(Method::Full)]
}

fn attention() -> impl Strategy<Value = AttentionImpl> {
    prop_oneof![Just(AttentionImpl::Eager), Just(AttentionImpl::Sdpa), Just(AttentionImpl::FlashAttention2)]
}

fn optimizer() -> impl Strategy<Value = Optimizer> {
    proptest::sample::select(Optimizer::ALL.to_vec())
}

fn targets() -> impl Strategy<Value = TargetSpec> {
    prop_oneof![
        Just(TargetSpec::Shorthand("all-linear".into())),
        Just(TargetSpec::Shorthand("qv".into())),
        Just(TargetSpec::Shorthand("attention".into())),
    ]
}

/// A valid scenario on a real preset, in realistic ranges.
fn scenario() -> impl Strategy<Value = ScenarioInput> {
    (
        0..MODELS.len(),
        method(),
        attention(),
        optimizer(),
        targets(),
        (1u64..=512, 1u64..=16, 1u64..=65536),
        (any::<bool>(), any::<bool>(), prop_oneof![Just(0.0), Just(0.05)]),
    )
        .prop_map(|(m, method, attention, optimizer, targets, (rank, batch, seq), (ckpt, dq, dropout))| {
            let mut i = ScenarioInput {
                model: ModelInput::Id(MODELS[m].id.into()),
                method,
                attention,
                optimizer,
                batch_size: batch,
                seq_len: seq,
                gradient_checkpointing: ckpt,
                double_quant: dq,
                ..ScenarioInput::default()
            };
            i.lora.rank = rank;
            i.lora.targets = targets;
            i.lora.dropout = dropout;
            i
        })
}

fn valid(i: &ScenarioInput) -> Option<Scenario> {
    Scenario::try_from(i).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn memory_never_decreases_with_seq_batch_or_rank(i in scenario(), extra in 1u64..4096) {
        if let Some(s) = valid(&i) {
            let base = estimate(&s);
            for more in [
                Scenario { seq_len: s.seq_len + extra, ..s },
                Scenario { batch_size: s.batch_size + extra % 8 + 1, ..s },
                Scenario { lora: lora_vram::scenario::Lora { rank: s.lora.rank + extra % 64 + 1, ..s.lora }, ..s },
            ] {
                let e = estimate(&more);
                prop_assert!(e.total() >= base.total(), "{} < {} for {:?} vs {:?}", e.total(), base.total(), more, s);
                prop_assert!(e.peak_allocated >= base.peak_allocated);
            }
        }
    }

    #[test]
    fn more_targets_never_use_less_memory(i in scenario()) {
        let mut qv = i.clone();
        qv.lora.targets = TargetSpec::Shorthand("qv".into());
        let mut all = i.clone();
        all.lora.targets = TargetSpec::Shorthand("all-linear".into());
        if let (Some(a), Some(b)) = (valid(&qv), valid(&all)) {
            if a.method != Method::Full {
                let (ea, eb) = (estimate(&a), estimate(&b));
                prop_assert!(eb.total() >= ea.total(), "all-linear {:?}\nqv {:?}\n{:?}", eb, ea, a);
                prop_assert!(eb.trainable_params >= ea.trainable_params);
            }
        }
    }

    #[test]
    fn checkpointing_never_increases_activations(i in scenario()) {
        if let Some(s) = valid(&i) {
            let on = Scenario { gradient_checkpointing: true, ..s };
            let off = Scenario { gradient_checkpointing: false, ..s };
            let (a_on, a_off) = (lora_vram::activations::activations(&on), lora_vram::activations::activations(&off));
            prop_assert!(a_on.kept <= a_off.kept, "kept: checkpointing on {} > off {}", a_on.kept, a_off.kept);
            // One recomputed layer on top of the kept inputs never exceeds keeping every layer (L ≥ 2).
            prop_assert!(a_on.kept + a_on.layer_max <= a_off.kept, "{} + {} > {}", a_on.kept, a_on.layer_max, a_off.kept);
            // The step's peak can only grow by the first layer's checkpointed input, which the first
            // layer's backward keeps beside its recomputed activations (it matters only when gradients
            // dominate, as in full fine-tuning), and by the allocator's cache of one recomputed layer's
            // blocks, which checkpointing leaves idle while the loss runs (`overhead`).
            let residual = lora_vram::activations::Dtypes::of(&s).residual;
            let input = s.batch_size * s.seq_len * s.arch.hidden * residual;
            let (e_on, e_off) = (estimate(&on), estimate(&off));
            let cached = e_on.overhead.allocator.saturating_sub(e_off.overhead.allocator);
            prop_assert!(e_on.total() <= e_off.total() + input + cached + 1);
        }
    }

    #[test]
    fn weights_order_nf4_int8_bf16_fp32(m in 0..MODELS.len()) {
        // MoE presets are excluded: transformers 5 keeps their stacked experts unquantized
        // (see `moe_experts_stay_unquantized` below).
        prop_assume!(MODELS[m].arch.moe.experts == 0);
        let mut i = ScenarioInput { model: ModelInput::Id(MODELS[m].id.into()), method: Method::Lora, ..ScenarioInput::default() };
        i.lora.dropout = 0.0;
        let w = |d: WeightDtype| {
            let mut j = i.clone();
            j.weight_dtype = Some(d);
            estimate(&Scenario::try_from(&j).unwrap()).weights
        };
        let (nf4, int8, bf16, fp32) = (w(WeightDtype::Nf4), w(WeightDtype::Int8), w(WeightDtype::Bf16), w(WeightDtype::Fp32));
        prop_assert!(nf4 < int8 && int8 < bf16 && bf16 < fp32, "{nf4} {int8} {bf16} {fp32}");
    }

    #[test]
    fn absurd_inputs_never_panic(
        m in 0..MODELS.len(),
        params in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1.0), Just(0.0), 1.0f64..1e15],
        use_params in any::<bool>(),
        method in method(),
        weight in proptest::option::of(prop_oneof![Just(WeightDtype::Fp32), Just(WeightDtype::Bf16), Just(WeightDtype::Fp16), Just(WeightDtype::Int8), Just(WeightDtype::Nf4), Just(WeightDtype::Fp4)]),
        rank in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>(), 1u64..100_000],
        batch in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>(), 1u64..100_000],
        seq in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>(), 1u64..(1 << 25)],
        alpha in prop_oneof![Just(f64::NAN), Just(-1.0), any::<f64>()],
        dropout in prop_oneof![Just(f64::NAN), Just(1.0), any::<f64>(), 0.0f64..1.0],
        dtype in prop_oneof![Just(AdapterDtype::Fp32), Just(AdapterDtype::Bf16), Just(AdapterDtype::Fp16)],
        mp in prop_oneof![Just(MixedPrecision::Bf16), Just(MixedPrecision::Fp16), Just(MixedPrecision::No)],
        ctx in proptest::option::of(any::<u64>()),
        opt in optimizer(),
        att in attention(),
        ckpt in any::<bool>(),
    ) {
        let mut i = ScenarioInput {
            model: if use_params { ModelInput::Params { params } } else { ModelInput::Id(MODELS[m].id.into()) },
            method, weight_dtype: weight, optimizer: opt, batch_size: batch, seq_len: seq,
            gradient_checkpointing: ckpt, attention: att, mixed_precision: mp, cuda_context_bytes: ctx,
            ..ScenarioInput::default()
        };
        i.lora.rank = rank;
        i.lora.alpha = alpha;
        i.lora.dropout = dropout;
        i.lora.dtype = dtype;
        if let Ok(s) = Scenario::try_from(&i) {
            let e = estimate(&s);
            prop_assert!(e.total() >= e.peak_allocated.saturating_sub(e.adapter.optimizer));
            let (lo, hi) = e.range();
            prop_assert!(lo <= e.total() && e.total() <= hi);
            for f in gpu_table(&s) {
                let g = &GPUS[f.gpu];
                if f.max_seq_len > 0 {
                    let at_max = estimate(&Scenario { seq_len: f.max_seq_len, ..s }).total();
                    prop_assert!(at_max <= g.vram_bytes, "{} > {}", at_max, g.vram_bytes);
                }
            }
            let _ = advise(&s, GPUS[0].vram_bytes, true);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A table after an edit, reusing the limits the edit cannot change, is the table solved
    /// afresh, field for field: after a new sequence length, a new batch size, both, or another
    /// field (the rank), where nothing may be reused. See: issue 12 (the sliders' updates).
    #[test]
    fn a_table_after_an_edit_is_the_table_solved_afresh(i in scenario(), seq in 1u64..65536, batch in 1u64..16, rank in 1u64..512) {
        if let Some(s) = valid(&i) {
            let before: Vec<_> = gpu_table(&s).collect();
            let lora = lora_vram::scenario::Lora { rank, ..s.lora };
            for after in [
                Scenario { seq_len: seq, ..s },
                Scenario { batch_size: batch, ..s },
                Scenario { seq_len: seq, batch_size: batch, ..s },
                Scenario { lora, ..s },
                Scenario { seq_len: seq, lora, ..s },
                s,
            ] {
                let fresh: Vec<_> = gpu_table(&after).collect();
                let reused: Vec<_> = gpu_table_after(&after, Some((&s, &before))).collect();
                prop_assert_eq!(reused, fresh, "{:?} after {:?}", after, s);
            }
            // A `before` that is not a whole table is never trusted.
            let part: Vec<_> = before[1..].to_vec();
            let after = Scenario { seq_len: seq, ..s };
            prop_assert_eq!(gpu_table_after(&after, Some((&s, &part))).collect::<Vec<_>>(), gpu_table(&after).collect::<Vec<_>>());
        }
    }
}

/// The solver's answers are exact for both criteria: `x` fits and `x + 1` does not, judged by the
/// whole range (`max_*`, the verdict's *fits*) and by the point estimate (`tight_*`).
/// See: issue 10, item 4 ("Longest sequence" and "Largest batch" contradict the verdict).
#[test]
fn solved_limits_are_exact() {
    let i = ScenarioInput::default();
    let s = Scenario::try_from(&i).unwrap();
    for f in gpu_table(&s) {
        let vram = GPUS[f.gpu].vram_bytes;
        // On that GPU: its context and cuBLAS workspaces are part of the total the solver solved for.
        let e = |seq: u64, batch: u64| estimate(&Scenario { seq_len: seq, batch_size: batch, gpu: Some(f.gpu), ..s });
        let high = |seq, batch| e(seq, batch).range().1;
        let total = |seq, batch| e(seq, batch).total();
        for (max_seq, max_batch, judge) in [
            (f.max_seq_len, f.max_batch_size, &high as &dyn Fn(u64, u64) -> u64),
            (f.tight_seq_len, f.tight_batch_size, &total as &dyn Fn(u64, u64) -> u64),
        ] {
            if max_seq > 0 {
                assert!(judge(max_seq, s.batch_size) <= vram, "{}", GPUS[f.gpu].id);
                if max_seq < lora_vram::scenario::MAX_SEQ {
                    assert!(judge(max_seq + 1, s.batch_size) > vram, "{}", GPUS[f.gpu].id);
                }
            }
            if max_batch > 0 && max_batch < lora_vram::scenario::MAX_BATCH {
                assert!(judge(s.seq_len, max_batch) <= vram);
                assert!(judge(s.seq_len, max_batch + 1) > vram, "{}", GPUS[f.gpu].id);
            }
        }
        // At the longest sequence that "fits", the verdict says so.
        if f.max_seq_len > 0 {
            let at = e(f.max_seq_len, s.batch_size);
            assert_eq!(verdict(at.total(), at.range().1, vram), Verdict::Fits, "{}", GPUS[f.gpu].id);
        }
        assert!(f.max_seq_len <= f.tight_seq_len && f.max_batch_size <= f.tight_batch_size);
    }
}

/// transformers 5 stores MoE experts as stacked 3-D parameters, which bitsandbytes' `nn.Linear`
/// replacement skips (bitsandbytes issue #1849): QLoRA leaves them 16-bit, and
/// `prepare_model_for_kbit_training` then casts them to fp32.
#[test]
fn moe_experts_stay_unquantized() {
    let mut i =
        ScenarioInput { model: ModelInput::Id("mistralai/Mixtral-8x7B-v0.1".into()), ..ScenarioInput::default() };
    i.lora.dropout = 0.0;
    let s = Scenario::try_from(&i).unwrap();
    let p = s.arch.params();
    let e = estimate(&s);
    assert!(p.other > p.linear_weights, "experts dominate: {p:?}");
    assert!(e.weights >= 4 * p.other, "experts should be fp32 after prepare_model_for_kbit_training: {}", e.weights);
}
