//! Exact parameter counts from config.json, against transformers' own count.
//!
//! Source of truth: `tests/fixtures/configs/expected.json`, written by
//! `tools/calibrate/count_params.py` (transformers 5.23, `AutoModelForCausalLM.from_config` on the
//! meta device, `named_parameters()` with tied weights once). Tolerance: none, every count must be
//! equal to the parameter. A failure prints both values.
#![cfg(feature = "serde")]

use std::path::{Path, PathBuf};

use lora_vram::config::{parse_config, parse_config_str};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/configs")).to_path_buf()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `<slug>.json` fixture (not `expected.json`), sorted.
fn fixture_configs() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures/configs exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_stem().is_some_and(|s| s != "expected"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_matches_transformers_count() {
    let expected = read_json(&fixtures().join("expected.json"));
    let configs = fixture_configs();
    assert!(!configs.is_empty(), "no config fixtures found");
    let mut failures = Vec::new();
    println!("{:<46} {:>16} {:>16} {:>8}  mismatched parts", "slug", "expected total", "ours", "diff");
    for (slug, path) in &configs {
        let Some(exp) = expected.get(slug.as_str()) else {
            failures.push(format!("{slug}: no entry in expected.json"));
            continue;
        };
        let arch = match parse_config(&read_json(path)) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{slug}: parse_config failed: {e}"));
                continue;
            }
        };
        let p = arch.params();
        let field = |k: &str| exp.get(k).and_then(Value::as_u64);
        // transformers 5 stores MoE experts as fused 3D parameters and the router as a bare
        // weight ("other_layer_params"); the estimator counts them as Linears. Compare the sum.
        let in_layers = match (field("linear_params_in_layers"), field("other_layer_params")) {
            (Some(l), Some(o)) => Some(l + o),
            _ => None,
        };
        let checks = [
            ("total", field("total_params"), p.total()),
            ("embedding", field("embedding_params"), p.embedding),
            ("lm_head", field("lm_head_params"), p.lm_head),
            ("norms", field("norm_params"), p.norms),
            ("layers", in_layers, p.linear_weights + p.linear_biases + p.other),
        ];
        let mut parts = Vec::new();
        for (name, want, got) in checks {
            match want {
                Some(w) if w != got => {
                    parts.push(format!("{name}: expected {w}, ours {got}"));
                }
                None if name == "total" => parts.push("no total_params recorded".to_string()),
                _ => {}
            }
        }
        let want_total = field("total_params").unwrap_or(0);
        println!(
            "{:<46} {:>16} {:>16} {:>8}  {}",
            slug,
            want_total,
            p.total(),
            p.total() as i128 - want_total as i128,
            parts.join("; ")
        );
        if !parts.is_empty() {
            failures.push(format!("{slug}: {}", parts.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures differ:\n{}", failures.len(), configs.len(), failures.join("\n"));
}

#[test]
fn every_expected_entry_has_a_fixture() {
    let expected = read_json(&fixtures().join("expected.json"));
    let slugs: Vec<String> = fixture_configs().into_iter().map(|(s, _)| s).collect();
    for key in expected.as_object().expect("expected.json is an object").keys() {
        if key.starts_with('_') {
            continue;
        }
        assert!(slugs.contains(key), "expected.json has {key} but there is no {key}.json");
    }
}

/// Layouts the fixtures do not exercise: class defaults, bias switches, Falcon's three attention
/// layouts, DeepSeek-V3 without `q_lora_rank`, Qwen-MoE with leading dense layers.
/// Source: transformers 5.23, `AutoConfig.for_model(**config)` then
/// `AutoModelForCausalLM.from_config` on the meta device, `sum(p.numel() for p in parameters())`.
/// Tolerance: none.
const VARIANTS: &[(&str, &str, u64)] = &[
    (
        "falcon_new",
        r#"{"model_type":"falcon","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":8,"num_kv_heads":2,"new_decoder_architecture":true,"vocab_size":100}"#,
        136320,
    ),
    (
        "falcon_new_1ln",
        r#"{"model_type":"falcon","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":8,"num_kv_heads":2,"new_decoder_architecture":true,"num_ln_in_parallel_attn":1,"vocab_size":100}"#,
        135936,
    ),
    (
        "falcon_rw",
        r#"{"model_type":"falcon","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":8,"multi_query":false,"parallel_attn":false,"bias":true,"alibi":true,"vocab_size":100}"#,
        156480,
    ),
    (
        "falcon_mq_ffn",
        r#"{"model_type":"falcon","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":8,"ffn_hidden_size":200,"tie_word_embeddings":false,"vocab_size":100}"#,
        117760,
    ),
    (
        "ds_qnull_bias",
        r#"{"model_type":"deepseek_v3","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":4,"intermediate_size":128,"vocab_size":100,"q_lora_rank":null,"kv_lora_rank":16,"qk_nope_head_dim":8,"qk_rope_head_dim":4,"v_head_dim":8,"n_routed_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":32,"n_shared_experts":2,"first_k_dense_replace":1,"attention_bias":true}"#,
        134636,
    ),
    (
        "ds_qlora",
        r#"{"model_type":"deepseek_v3","hidden_size":64,"num_hidden_layers":3,"num_attention_heads":4,"intermediate_size":128,"vocab_size":100,"q_lora_rank":24,"kv_lora_rank":16,"qk_nope_head_dim":8,"qk_rope_head_dim":4,"v_head_dim":8,"n_routed_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":32,"n_shared_experts":1,"first_k_dense_replace":0,"tie_word_embeddings":true}"#,
        121016,
    ),
    (
        "qwen2moe_prefix",
        r#"{"model_type":"qwen2_moe","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":16,"shared_expert_intermediate_size":48,"mlp_only_layers":[0,1],"num_key_value_heads":4}"#,
        160192,
    ),
    (
        "qwen2moe_noqkvbias",
        r#"{"model_type":"qwen2_moe","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":16,"shared_expert_intermediate_size":48,"qkv_bias":false,"num_key_value_heads":2}"#,
        149824,
    ),
    (
        "qwen3moe_default_hd",
        r#"{"model_type":"qwen3_moe","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_key_value_heads":2,"num_experts":4,"num_experts_per_tok":2,"moe_intermediate_size":16}"#,
        112832,
    ),
    (
        "qwen3_default_hd",
        r#"{"model_type":"qwen3","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_key_value_heads":2}"#,
        481344,
    ),
    (
        "qwen2_default_kv",
        r#"{"model_type":"qwen2","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":64,"intermediate_size":96,"vocab_size":100}"#,
        74816,
    ),
    (
        "qwen2_head_dim",
        r#"{"model_type":"qwen2","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_key_value_heads":2,"head_dim":32}"#,
        186432,
    ),
    (
        "phi_qkln",
        r#"{"model_type":"phi","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"qk_layernorm":true,"tie_word_embeddings":true}"#,
        123748,
    ),
    (
        "phi3_headdim_kv",
        r#"{"model_type":"phi3","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_key_value_heads":2,"head_dim":8,"pad_token_id":0}"#,
        111680,
    ),
    (
        "neox_nobias",
        r#"{"model_type":"gpt_neox","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"attention_bias":false,"tie_word_embeddings":true}"#,
        122880,
    ),
    (
        "llama_bias",
        r#"{"model_type":"llama","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"attention_bias":true,"mlp_bias":true,"num_key_value_heads":2,"head_dim":24}"#,
        162880,
    ),
    (
        "mistral_default_kv",
        r#"{"model_type":"mistral","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":16,"intermediate_size":96,"vocab_size":100}"#,
        74560,
    ),
    (
        "mixtral_alias",
        r#"{"model_type":"mixtral","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"num_key_value_heads":2,"num_experts":3,"num_experts_per_tok":1}"#,
        284480,
    ),
    (
        "gemma_defaults",
        r#"{"model_type":"gemma","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":96,"vocab_size":100,"attention_bias":true,"num_key_value_heads":1}"#,
        242368,
    ),
    (
        "gemma2_small",
        r#"{"model_type":"gemma2","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"head_dim":16,"num_key_value_heads":2}"#,
        130368,
    ),
    (
        "gemma3_text_small",
        r#"{"model_type":"gemma3_text","hidden_size":64,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":96,"vocab_size":100,"head_dim":16,"num_key_value_heads":1}"#,
        122304,
    ),
];

#[test]
fn edge_variants_match_transformers_count() {
    let mut failures = Vec::new();
    for (name, json, want) in VARIANTS {
        match parse_config_str(json) {
            Ok(a) if a.params().total() == *want => {}
            Ok(a) => failures.push(format!("{name}: expected {want}, ours {}", a.params().total())),
            Err(e) => failures.push(format!("{name}: expected {want}, ours error: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
