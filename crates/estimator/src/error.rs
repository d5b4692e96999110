//! Errors a person can act on. Every rejected input names the field and says what would be accepted.

use alloc::string::String;
use core::fmt;

/// Why a scenario or a config could not be turned into an estimate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A field has a value outside what the estimator accepts.
    Invalid {
        /// The field, in the scenario's or config.json's own spelling.
        field: &'static str,
        /// What is wrong and what would be accepted.
        reason: &'static str,
    },
    /// The model id is not a preset.
    UnknownModel(String),
    /// The GPU id is not in the GPU table.
    UnknownGpu(String),
    /// A config.json names a `model_type` whose module layout the estimator does not know.
    UnsupportedModelType(String),
    /// A config.json lacks a field the architecture needs.
    MissingField(&'static str),
    /// A LoRA target names no Linear of this model.
    UnknownTarget {
        /// The name the user gave.
        name: String,
        /// The model's Linear names, comma-separated.
        available: String,
    },
    /// JSON that does not parse or does not match the scenario contract.
    Json(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid { field, reason } => write!(f, "`{field}` {reason}"),
            Error::UnknownModel(id) => write!(
                f,
                "unknown model `{id}`: use a preset id (`lora-vram models` lists them), \
                 {{\"params\": 7e9}}, or {{\"hf_config\": {{…config.json…}}}}"
            ),
            Error::UnknownGpu(id) => {
                write!(
                    f,
                    "unknown GPU `{id}`: use an id that `lora-vram gpus` lists, such as `rtx-4090` or `a100-80gb`"
                )
            }
            Error::UnsupportedModelType(t) => write!(
                f,
                "model_type `{t}` is not supported yet; supported: {}. \
                 Use a parameter count instead ({{\"params\": …}}) for a typical-architecture estimate",
                crate::arch::SUPPORTED_MODEL_TYPES.join(", ")
            ),
            Error::MissingField(name) => write!(f, "config.json has no `{name}`, which this model type needs"),
            Error::UnknownTarget { name, available } => {
                write!(f, "LoRA target `{name}` matches no Linear of this model; it has: {available}")
            }
            Error::Json(msg) => write!(f, "invalid scenario JSON: {msg}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
