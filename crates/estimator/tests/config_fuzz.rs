//! `parse_config` never panics, whatever the JSON, and every architecture it accepts is valid and
//! countable without overflow (tests run with overflow checks, so an overflow is a panic).
//!
//! Three properties, 120,000 cases in all: arbitrary JSON; config-shaped objects (a supported
//! `model_type` and the fields the parser reads, with plausible or hostile values); and mutations
//! of the real fixtures in `tests/fixtures/configs` (drop a field, set a field to a random value,
//! in the top level or in `text_config`).
#![cfg(feature = "serde")]

use std::sync::OnceLock;

use lora_vram::config::parse_config;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Every key the parser reads, so that random objects hit its branches.
const KEYS: &[&str] = &[
    "model_type",
    "text_config",
    "hidden_size",
    "n_embed",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "num_kv_heads",
    "head_dim",
    "intermediate_size",
    "ffn_hidden_size",
    "vocab_size",
    "tie_word_embeddings",
    "attention_bias",
    "mlp_bias",
    "qkv_bias",
    "bias",
    "multi_query",
    "parallel_attn",
    "new_decoder_architecture",
    "num_ln_in_parallel_attn",
    "qk_layernorm",
    "num_local_experts",
    "num_experts",
    "n_routed_experts",
    "num_experts_per_tok",
    "moe_intermediate_size",
    "shared_expert_intermediate_size",
    "n_shared_experts",
    "first_k_dense_replace",
    "decoder_sparse_step",
    "mlp_only_layers",
    "q_lora_rank",
    "kv_lora_rank",
    "qk_nope_head_dim",
    "qk_rope_head_dim",
    "v_head_dim",
];

const MODEL_TYPES: &[&str] = lora_vram::arch::SUPPORTED_MODEL_TYPES;

/// Whatever the parser returns, it must not panic; an `Ok` must validate and count.
fn check(v: &Value) -> Result<(), TestCaseError> {
    if let Ok(arch) = parse_config(v) {
        prop_assert!(arch.validate().is_ok(), "accepted an invalid architecture: {arch:?}");
        let p = arch.params();
        // `total()` adds without checks: recompute it with checks to be sure no sum wraps.
        let sum = [p.embedding, p.lm_head, p.norms, p.linear_weights, p.linear_biases, p.other]
            .into_iter()
            .try_fold(0u64, u64::checked_add);
        prop_assert_eq!(sum, Some(p.total()));
    }
    Ok(())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0u64..70_000).prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        1 => prop::sample::select(vec![
            0.5, -0.0, -1.0, 4096.0, 1e300, -1e300, 9_007_199_254_740_992.0, 9_007_199_254_740_994.0,
            1.8446744073709552e19, 131072.5,
        ])
        .prop_map(|f| Value::Number(Number::from_f64(f).expect("finite"))),
        1 => prop::sample::select(vec![u64::MAX, u64::MAX / 2, 1 << 32, 1 << 17, (1 << 17) + 1, 1024, 1025, 4096, 4097])
            .prop_map(Value::from),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(MODEL_TYPES).prop_map(String::from),
        1 => "[a-z_0-9]{0,10}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(String::from),
        1 => "[a-z_]{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::Bool), number(), string().prop_map(Value::String),]
}

/// Any JSON value, up to four levels deep.
fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..10).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A plausible value for a config field: mostly small integers and booleans, sometimes anything.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (0u64..9000).prop_map(Value::from),
        2 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        1 => prop::collection::vec((0i64..70).prop_map(Value::from), 0..5).prop_map(Value::Array),
        1 => json(),
    ]
}

/// The core shape fields with small, mostly consistent values, so that many cases parse.
fn core_fields() -> impl Strategy<Value = Vec<(&'static str, Value)>> {
    (
        prop::sample::select(vec![64u64, 96, 128, 256, 4096]),
        0u64..6,
        prop::sample::select(vec![1u64, 2, 4, 8, 32]),
        0u64..512,
        1u64..1000,
    )
        .prop_map(|(h, l, a, i, v)| {
            vec![
                ("hidden_size", Value::from(h)),
                ("num_hidden_layers", Value::from(l)),
                ("num_attention_heads", Value::from(a)),
                ("intermediate_size", Value::from(i)),
                ("vocab_size", Value::from(v)),
            ]
        })
}

/// An object with a supported `model_type`, usually the core fields, and a random subset of the
/// fields the parser reads, possibly with a nested `text_config` of the same kind.
fn config_like() -> impl Strategy<Value = Value> {
    let body = || {
        (
            prop::option::weighted(0.8, core_fields()),
            prop::collection::vec((prop::sample::select(KEYS), field_value()), 0..16),
        )
            .prop_map(|(core, rest)| core.unwrap_or_default().into_iter().chain(rest).collect::<Vec<_>>())
    };
    (prop::sample::select(MODEL_TYPES), body(), prop::option::of((prop::sample::select(MODEL_TYPES), body()))).prop_map(
        |(t, fields, nested)| {
            let mut o: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            o.insert("model_type".into(), Value::from(t));
            if let Some((nt, nf)) = nested {
                let mut n: Map<String, Value> = nf.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                n.insert("model_type".into(), Value::from(nt));
                o.insert("text_config".into(), Value::Object(n));
            }
            Value::Object(o)
        },
    )
}

fn fixtures() -> &'static [Value] {
    static FIXTURES: OnceLock<Vec<Value>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/configs");
        let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
            .expect("fixture directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.file_stem().is_some_and(|s| s != "expected"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("readable fixture");
                (p.display().to_string(), serde_json::from_str(&text).expect("fixture parses"))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!out.is_empty(), "no fixtures in {dir}");
        out.into_iter().map(|(_, v)| v).collect()
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Remove the n-th key (modulo the number of keys).
    Drop(usize),
    /// Set a key (one the parser reads, or an existing one picked by index) to a value.
    Set(Option<&'static str>, usize, Value),
}

fn mutation() -> impl Strategy<Value = (bool, Mutation)> {
    let m = prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        (prop::option::of(prop::sample::select(KEYS)), any::<usize>(), field_value())
            .prop_map(|(k, i, v)| Mutation::Set(k, i, v)),
    ];
    (any::<bool>(), m)
}

fn apply(o: &mut Map<String, Value>, m: &Mutation) {
    match m {
        Mutation::Drop(i) => {
            if !o.is_empty() {
                let k = o.keys().nth(i % o.len()).cloned().expect("in range");
                o.remove(&k);
            }
        }
        Mutation::Set(Some(k), _, v) => {
            o.insert((*k).to_string(), v.clone());
        }
        Mutation::Set(None, i, v) => {
            if !o.is_empty() {
                let k = o.keys().nth(i % o.len()).cloned().expect("in range");
                o.insert(k, v.clone());
            }
        }
    }
}

fn mutated_fixture() -> impl Strategy<Value = Value> {
    (any::<prop::sample::Index>(), prop::collection::vec(mutation(), 1..5)).prop_map(|(i, muts)| {
        let mut v = i.get(fixtures()).clone();
        for (nested, m) in &muts {
            let Value::Object(o) = &mut v else { break };
            match o.get_mut("text_config") {
                Some(Value::Object(t)) if *nested => apply(t, m),
                _ => apply(o, m),
            }
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(30_000) })]

    #[test]
    fn arbitrary_json_never_panics(v in json()) {
        check(&v)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(40_000) })]

    #[test]
    fn config_shaped_objects_never_panic(v in config_like()) {
        check(&v)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(50_000) })]

    #[test]
    fn mutated_fixtures_never_panic(v in mutated_fixture()) {
        check(&v)?;
    }
}

/// Every unmutated fixture parses: the mutation property starts from valid configs.
#[test]
fn fixtures_parse() {
    for v in fixtures() {
        parse_config(v).unwrap_or_else(|e| panic!("{e}: {v}"));
    }
}

/// Latent attention's sizes are bounded before the parameter count multiplies them. See: the
/// mutation property above, whose failing input (a clean-clone CI run, 2026-12-07) was DeepSeek-V3's
/// config.json with `kv_lora_rank` 2^53: `Linear::weight_numel` overflowed inside `validate()`.
#[test]
fn huge_latent_attention_sizes_are_refused_not_overflowed() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/configs/deepseek-ai__DeepSeek-V3.json"
    ))
    .expect("the DeepSeek-V3 fixture");
    let base: Value = serde_json::from_str(&text).expect("fixture parses");
    for key in ["kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"] {
        for huge in [Value::from(9_007_199_254_740_992.0), Value::from(u64::MAX), Value::from(1u64 << 32)] {
            let mut v = base.clone();
            v[key] = huge.clone();
            assert!(parse_config(&v).is_err(), "{key} = {huge} was accepted");
        }
    }
}
