//! Hugging Face Hub ids and responses, both untrusted.
//!
//! The page and the CLI fetch two documents for a model id: its `config.json`
//! (`{endpoint}/{id}/resolve/main/config.json`) and the Hub's model info
//! (`{endpoint}/api/models/{id}`), whose `safetensors.total` is the checkpoint's exact parameter
//! count. Only ids of the Hub's `owner/name` form are accepted, so no other URL is ever built.

use alloc::string::String;

use crate::Error;

/// The public Hub.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// Longest owner or name the Hub allows.
const MAX_PART: usize = 96;

/// Checks that `id` is `owner/name`: each part 1–96 of `A–Z a–z 0–9 - _ .`, not starting or ending
/// with `-` or `.`, and no `..` (the Hub's own rule for repo names).
pub fn validate_hub_id(id: &str) -> Result<(), Error> {
    const REASON: &str = "must be a Hugging Face model id of the form owner/name (letters, digits, - _ .)";
    let invalid = Err(Error::Invalid { field: "hf_id", reason: REASON });
    let mut parts = id.split('/');
    let (Some(owner), Some(name), None) = (parts.next(), parts.next(), parts.next()) else { return invalid };
    for part in [owner, name] {
        let ok_chars = part.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
        let ok_ends = !part.starts_with(['-', '.']) && !part.ends_with(['-', '.']);
        if part.is_empty() || part.len() > MAX_PART || !ok_chars || !ok_ends || part.contains("..") {
            return invalid;
        }
    }
    Ok(())
}

/// `config.json` of a validated id.
pub fn config_url(endpoint: &str, id: &str) -> String {
    alloc::format!("{}/{id}/resolve/main/config.json", endpoint.trim_end_matches('/'))
}

/// The Hub's model info of a validated id.
pub fn api_url(endpoint: &str, id: &str) -> String {
    alloc::format!("{}/api/models/{id}", endpoint.trim_end_matches('/'))
}

/// What the model info says about the checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HubInfo {
    /// Exact parameter count of the safetensors checkpoint, when the Hub has computed it.
    pub params: Option<u64>,
    /// The dtype holding the most parameters (`BF16`, `F32`, …).
    pub dtype: Option<String>,
}

/// Reads `safetensors.total` (or the sum of `safetensors.parameters`) from the model-info JSON.
/// Anything missing or malformed yields `None` fields, never an error: the info is optional.
pub fn parse_model_info(v: &serde_json::Value) -> HubInfo {
    let st = &v["safetensors"];
    let by_dtype = st["parameters"].as_object();
    let sum = by_dtype.and_then(|m| m.values().try_fold(0u64, |acc, n| acc.checked_add(n.as_u64()?)));
    // A count beyond any real checkpoint (2^64 − 1 was seen) is not believed: the page would print
    // "18,446,744 T parameters" and the parameter-count mode would reject it anyway.
    let params = st["total"].as_u64().or(sum).filter(|&n| n > 0 && n <= crate::infer::MAX_PARAMS);
    let dtype = by_dtype
        .and_then(|m| m.iter().filter_map(|(k, n)| Some((n.as_u64()?, k))).max())
        .map(|(_, k)| String::from(k.as_str()));
    HubInfo { params, dtype }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owner_slash_name_is_accepted() {
        for ok in ["meta-llama/Llama-3.1-8B", "Qwen/Qwen2.5-7B-Instruct", "a/b", "org_1/model.v2"] {
            assert!(validate_hub_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "llama",
            "a/b/c",
            "/b",
            "a/",
            "https://evil.example/x",
            "a/../b",
            "a/b..c",
            "a/.hidden",
            "a/b?x=1",
            "a/b#f",
            "a b/c",
            "a/b%2F",
            "ünï/cödé",
        ] {
            assert!(validate_hub_id(bad).is_err(), "{bad}");
        }
        assert!(validate_hub_id(&alloc::format!("a/{}", "x".repeat(97))).is_err());
    }

    #[test]
    fn urls_stay_on_the_endpoint() {
        assert_eq!(config_url("https://huggingface.co/", "a/b"), "https://huggingface.co/a/b/resolve/main/config.json");
        assert_eq!(api_url("http://127.0.0.1:9", "a/b"), "http://127.0.0.1:9/api/models/a/b");
    }

    #[test]
    fn model_info_parameters() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"safetensors": {"parameters": {"BF16": 8030261248, "F32": 10}, "total": 8030261258}}"#,
        )
        .unwrap();
        assert_eq!(parse_model_info(&v), HubInfo { params: Some(8030261258), dtype: Some("BF16".into()) });
        let v: serde_json::Value = serde_json::from_str(r#"{"safetensors": {"parameters": {"F16": 7}}}"#).unwrap();
        assert_eq!(parse_model_info(&v).params, Some(7));
        for junk in [
            r#"{}"#,
            r#"{"safetensors": 5}"#,
            r#"{"safetensors": {"parameters": {"BF16": -1}}}"#,
            "[]",
            // See: issue 10, item 9 ("the Hub's parameter count of 2^64−1").
            r#"{"safetensors": {"total": 18446744073709551615}}"#,
        ] {
            let v: serde_json::Value = serde_json::from_str(junk).unwrap();
            assert_eq!(parse_model_info(&v).params, None, "{junk}");
        }
    }
}
