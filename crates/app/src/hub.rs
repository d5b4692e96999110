//! Importing a model by its Hugging Face id (issue 6): what the two fetched documents mean, and
//! the localStorage cache. Pure: the fetching itself is [`crate::platform::import`].
//!
//! The page fetches `config.json` (`{endpoint}/{id}/resolve/main/config.json`) and the Hub's model
//! info (`{endpoint}/api/models/{id}`), both built by [`lora_vram::hub`] from an id that
//! [`lora_vram::hub::validate_hub_id`] accepted, so no other URL is ever requested. A config the
//! estimator reads becomes `ModelInput::HfConfig`, with `_name_or_path` set to the id so that the
//! model picker names it; the model info only adds the exact parameter count (`safetensors.total`).
//! Responses are data: nothing from them is ever inserted into the page as HTML.

use lora_vram::hub::{parse_model_info, validate_hub_id};
use serde_json::Value;

/// localStorage key prefix of cached imports; the id follows (`lora-vram:hf:Qwen/Qwen2.5-7B`).
pub const CACHE_PREFIX: &str = "lora-vram:hf:";

/// The outcome of one GET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// 2xx, with the body.
    Body(String),
    /// Any other HTTP status.
    Status(u16),
    /// No response: offline, DNS, CORS, or the request was blocked.
    Offline,
    /// The response came from another origin than huggingface.co's: a redirect was followed there.
    Elsewhere,
}

/// Why an import failed; the page says what to do about each, and keeps the previous model.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportError {
    /// Not of the form `owner/name`; nothing was fetched.
    InvalidId,
    /// 404.
    NotFound,
    /// 401 or 403: gated or private. The Hub's parameter count, if its model info was public.
    Gated {
        /// From the model info.
        params: Option<u64>,
    },
    /// No response.
    Network,
    /// Another HTTP status.
    Http(u16),
    /// huggingface.co redirected the request to another site; nothing from there is used.
    Redirected,
    /// config.json is not JSON: where the parser stopped (line, column).
    Malformed(usize, usize),
    /// config.json is JSON the estimator cannot read (an architecture it does not support).
    Unsupported {
        /// The estimator's reason (the page words it in its language).
        reason: lora_vram::Error,
        /// The Hub's parameter count, for the parameter-count mode.
        params: Option<u64>,
    },
}

impl ImportError {
    /// The Hub's parameter count carried by the error, which the page offers to estimate from.
    pub fn params(&self) -> Option<u64> {
        match self {
            ImportError::Gated { params } | ImportError::Unsupported { params, .. } => *params,
            _ => None,
        }
    }
}

/// A model read from the Hub.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// `owner/name`.
    pub id: String,
    /// Its config.json, `_name_or_path` set to the id.
    pub config: Value,
    /// The checkpoint's exact parameter count from the model info, when the Hub has it.
    pub params: Option<u64>,
}

/// Where an import stands, for the import box.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum ImportStatus {
    /// Nothing in flight.
    #[default]
    Idle,
    /// Fetching this id.
    Loading(String),
    /// The last import of this id failed.
    Failed(String, ImportError),
}

impl ImportStatus {
    /// The id being fetched.
    pub fn loading(&self) -> Option<&str> {
        match self {
            ImportStatus::Loading(id) => Some(id),
            _ => None,
        }
    }
}

/// Whether the model info must be fetched to explain this config.json response (it gives the
/// parameter count offered when the config is gated or unreadable).
pub fn needs_info(config: &Fetched) -> bool {
    !matches!(config, Fetched::Status(404) | Fetched::Offline | Fetched::Elsewhere)
}

/// Turns the two responses into a model, or the reason there is none.
pub fn resolve(id: &str, config: Fetched, info: Fetched) -> Result<Imported, ImportError> {
    let params = match info {
        Fetched::Body(t) => serde_json::from_str::<Value>(&t).ok().and_then(|v| parse_model_info(&v).params),
        _ => None,
    };
    let text = match config {
        Fetched::Body(t) => t,
        Fetched::Status(404) => return Err(ImportError::NotFound),
        Fetched::Status(401 | 403) => return Err(ImportError::Gated { params }),
        Fetched::Status(s) => return Err(ImportError::Http(s)),
        Fetched::Offline => return Err(ImportError::Network),
        Fetched::Elsewhere => return Err(ImportError::Redirected),
    };
    let mut config: Value = serde_json::from_str(&text).map_err(|e| ImportError::Malformed(e.line(), e.column()))?;
    lora_vram::config::parse_config(&config).map_err(|e| ImportError::Unsupported { reason: e, params })?;
    if let Some(o) = config.as_object_mut() {
        o.insert("_name_or_path".into(), Value::String(id.into()));
    }
    Ok(Imported { id: id.into(), config, params })
}

/// The cache entry of an import: `{"config": …, "params": N}`.
pub fn cache_encode(m: &Imported) -> String {
    let mut o = serde_json::Map::new();
    o.insert("config".into(), m.config.clone());
    o.insert("params".into(), m.params.map_or(Value::Null, Value::from));
    crate::format::json(&Value::Object(o))
}

/// Reads a cache entry back; `None` when it is not one, or its config no longer parses (an older
/// page wrote it, or someone edited it).
pub fn cache_decode(id: &str, s: &str) -> Option<Imported> {
    let v: Value = serde_json::from_str(s).ok()?;
    let config = v.get("config")?.clone();
    lora_vram::config::parse_config(&config).ok()?;
    Some(Imported { id: id.into(), config, params: v.get("params").and_then(Value::as_u64) })
}

/// The id the user typed, trimmed and cut to 256 characters (a real one is under 200: what the
/// import box keeps and shows of a 100 KB link); also accepts a pasted model-page address
/// (`https://huggingface.co/owner/name`), which is only ever reduced to `owner/name`.
pub fn clean_id(typed: &str) -> String {
    let s = typed.trim();
    let s = match s.char_indices().nth(256) {
        Some((i, _)) => &s[..i],
        None => s,
    };
    let page =
        ["https://huggingface.co/", "http://huggingface.co/", "huggingface.co/"].iter().find_map(|p| s.strip_prefix(p));
    page.map_or(s, |id| id.trim_end_matches('/')).to_string()
}

/// Whether an id may be fetched.
pub fn is_valid(id: &str) -> bool {
    validate_hub_id(id).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = include_str!("../../../tests/fixtures/configs/Qwen__Qwen2.5-7B.json");
    const INFO: &str =
        r#"{"id": "Qwen/Qwen2.5-7B", "safetensors": {"parameters": {"BF16": 7615616512}, "total": 7615616512}}"#;

    fn body(s: &str) -> Fetched {
        Fetched::Body(s.into())
    }

    #[test]
    fn a_good_config_becomes_a_named_model() {
        let m = resolve("Qwen/Qwen2.5-7B", body(CONFIG), body(INFO)).unwrap();
        assert_eq!(m.params, Some(7_615_616_512));
        assert_eq!(m.config["_name_or_path"], "Qwen/Qwen2.5-7B");
        assert_eq!(m.config["hidden_size"], 3584);
        // The model info is optional.
        let m = resolve("Qwen/Qwen2.5-7B", body(CONFIG), Fetched::Status(500)).unwrap();
        assert_eq!(m.params, None);
        let m = resolve("Qwen/Qwen2.5-7B", body(CONFIG), body("<html>")).unwrap();
        assert_eq!(m.params, None);
    }

    // See: issue 6, "Errors get a clear message … and the previous model stays".
    #[test]
    fn every_failure_is_classified() {
        let id = "a/b";
        assert_eq!(resolve(id, Fetched::Status(404), Fetched::Offline), Err(ImportError::NotFound));
        assert_eq!(resolve(id, Fetched::Status(401), body(INFO)), Err(ImportError::Gated { params: Some(7615616512) }));
        assert_eq!(resolve(id, Fetched::Status(403), Fetched::Status(403)), Err(ImportError::Gated { params: None }));
        assert_eq!(resolve(id, Fetched::Offline, Fetched::Offline), Err(ImportError::Network));
        assert_eq!(resolve(id, Fetched::Status(502), Fetched::Offline), Err(ImportError::Http(502)));
        // See: issue 10, item 10 (a 302 to another host imported that host's config).
        assert_eq!(resolve(id, Fetched::Elsewhere, Fetched::Offline), Err(ImportError::Redirected));
        assert_eq!(resolve(id, body(CONFIG), Fetched::Elsewhere).unwrap().params, None);
        assert!(matches!(resolve(id, body("{\"model_type\": "), body(INFO)), Err(ImportError::Malformed(1, _))));
        match resolve(id, body(r#"{"model_type": "bert", "hidden_size": 768}"#), body(INFO)) {
            Err(ImportError::Unsupported { reason, params }) => {
                assert_eq!(reason, lora_vram::Error::UnsupportedModelType("bert".into()));
                assert_eq!(params, Some(7615616512));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(resolve(id, body("[1, 2]"), Fetched::Offline), Err(ImportError::Unsupported { .. })));
        assert!(needs_info(&Fetched::Status(401)) && needs_info(&body("{}")));
        assert!(!needs_info(&Fetched::Status(404)) && !needs_info(&Fetched::Offline));
    }

    #[test]
    fn the_cache_round_trips_and_rejects_junk() {
        let m = resolve("Qwen/Qwen2.5-7B", body(CONFIG), body(INFO)).unwrap();
        assert_eq!(cache_decode(&m.id, &cache_encode(&m)), Some(m.clone()));
        let no_count = Imported { params: None, ..m };
        assert_eq!(cache_decode(&no_count.id, &cache_encode(&no_count)), Some(no_count.clone()));
        for junk in ["", "{", "[]", "{\"config\": 1}", "{\"config\": {\"model_type\": \"bert\"}}"] {
            assert_eq!(cache_decode("a/b", junk), None, "{junk}");
        }
    }

    #[test]
    fn typed_ids_are_cleaned_then_validated() {
        assert_eq!(clean_id("  Qwen/Qwen2.5-7B \n"), "Qwen/Qwen2.5-7B");
        assert_eq!(clean_id("https://huggingface.co/Qwen/Qwen2.5-7B/"), "Qwen/Qwen2.5-7B");
        assert!(is_valid(&clean_id("https://huggingface.co/Qwen/Qwen2.5-7B")));
        // Anything else stays as typed, and fails validation: no other URL is ever built.
        for bad in [
            "https://evil.example/x",
            "https://evil.example/a/b",
            "http://a/b",
            "Qwen",
            "a/b/c",
            "a/b?x=1",
            "huggingface.co/a/b/tree/main",
        ] {
            assert!(!is_valid(&clean_id(bad)), "{bad}");
        }
    }
}
