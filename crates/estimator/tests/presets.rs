//! The preset table: unique ids, sane fields, equal to the parsed config.json where the fixture
//! exists, and a parameter count that fits the size in the name.

use lora_vram::presets::{find_model, DEFAULT_MODEL, MODELS, MODEL_SOURCES};

#[test]
fn ids_are_unique_and_findable() {
    assert!(MODELS.len() >= 40, "only {} presets", MODELS.len());
    for (i, m) in MODELS.iter().enumerate() {
        assert_eq!(find_model(m.id), Some(i), "duplicate or unfindable id {}", m.id);
        assert_eq!(find_model(&m.id.to_ascii_lowercase()), Some(i), "case-insensitive lookup of {}", m.id);
    }
    assert!(find_model(DEFAULT_MODEL).is_some(), "DEFAULT_MODEL {DEFAULT_MODEL} is not a preset");
    assert_eq!(find_model("no-such/model"), None);
}

#[test]
fn every_field_is_sane() {
    assert_eq!(MODEL_SOURCES.len(), MODELS.len(), "MODEL_SOURCES has one row per preset");
    for (m, (id, source)) in MODELS.iter().zip(MODEL_SOURCES) {
        assert!(m.id.contains('/') && !m.id.contains(' '), "id {:?}", m.id);
        assert!(!m.name.is_empty() && !m.family.is_empty(), "{}", m.id);
        assert_eq!(*id, m.id, "MODEL_SOURCES is out of step with MODELS");
        assert_eq!(*source, format!("https://huggingface.co/{}/blob/main/config.json", m.id), "{}", m.id);
        m.arch.validate().unwrap_or_else(|e| panic!("{}: {e}", m.id));
        let p = m.arch.params();
        assert!(p.total() > 0 && p.linear_weights > 0, "{}", m.id);
    }
    // Grouping: presets of one family are adjacent, so a picker can show them under one heading.
    let mut seen: Vec<&str> = Vec::new();
    for w in MODELS.windows(2) {
        if w[0].family != w[1].family {
            assert!(!seen.contains(&w[1].family), "family {} is split", w[1].family);
            seen.push(w[0].family);
        }
    }
}

#[cfg(feature = "serde")]
#[test]
fn presets_equal_their_parsed_fixture() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/configs"));
    let mut compared = 0;
    for m in MODELS {
        let path = dir.join(format!("{}.json", m.id.replace('/', "__")));
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let parsed = lora_vram::config::parse_config_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(m.arch, parsed, "preset {} differs from {}", m.id, path.display());
        compared += 1;
    }
    println!("{compared} of {} presets compared with their config.json fixture", MODELS.len());
    assert!(compared >= 40, "only {compared} presets have a fixture");
}

/// The size a name states, in billions: the first `-`/`_`-separated token that is a number followed
/// by `b` or `B` ("8B", "1.5B", "7b"). Tokens such as "8x7B" or "A3B" do not count.
fn stated_billions(id: &str) -> Option<f64> {
    let name = id.rsplit('/').next()?;
    name.split(['-', '_']).find_map(|t| {
        let n = t.strip_suffix(['b', 'B'])?;
        n.parse::<f64>().ok()
    })
}

/// Presets whose name states no total size, or one the count is known to be far from, with the
/// range the count must fall in and why. Source: the model cards.
const SIZE_EXCEPTIONS: &[(&str, f64, f64, &str)] = &[
    ("mistralai/Mistral-Nemo-Base-2407", 11.5, 13.0, "NeMo is 12B"),
    ("mistralai/Mixtral-8x7B-v0.1", 45.0, 48.0, "46.7B total, 12.9B active"),
    ("mistralai/Mixtral-8x22B-v0.1", 138.0, 143.0, "141B total"),
    ("Qwen/Qwen1.5-MoE-A2.7B", 14.0, 14.6, "A2.7B is the active count; 14.3B total"),
    ("google/gemma-2-2b", 2.5, 2.7, "2.6B: the 256k-vocabulary embedding is not in the name"),
    ("microsoft/phi-2", 2.7, 2.85, "2.7B"),
    ("microsoft/Phi-3-mini-4k-instruct", 3.7, 3.9, "3.8B"),
    ("microsoft/Phi-3-medium-4k-instruct", 13.5, 14.5, "14B"),
    ("microsoft/phi-4", 14.0, 15.0, "14.7B"),
    ("deepseek-ai/DeepSeek-V3", 660.0, 690.0, "671B total, 37B active"),
    ("tiiuae/falcon-7b", 6.8, 7.3, "7B"),
];

#[test]
fn parameter_counts_fit_the_name() {
    // Default band: 0.9× to 1.25× the stated size. Names round down and leave out embeddings,
    // which for 128k–256k vocabularies on small models is up to 24% (Llama-3.2-1B: 1.24B).
    for m in MODELS {
        let total = m.arch.params().total() as f64 / 1e9;
        let (lo, hi, why) = match SIZE_EXCEPTIONS.iter().find(|e| e.0 == m.id) {
            Some(&(_, lo, hi, why)) => (lo, hi, why),
            None => {
                let b =
                    stated_billions(m.id).unwrap_or_else(|| panic!("{}: no size in the name and no exception", m.id));
                (0.9 * b, 1.25 * b, "stated size")
            }
        };
        assert!((lo..=hi).contains(&total), "{}: {total:.3}B parameters, expected {lo:.2}B to {hi:.2}B ({why})", m.id);
    }
}
