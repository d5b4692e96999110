//! # lora-vram
//!
//! Peak GPU memory of one LoRA, QLoRA or full fine-tuning step of a decoder-only transformer, as
//! Hugging Face transformers + PEFT (+ bitsandbytes) on PyTorch allocate it.
//!
//! One pure entry point, [`estimate()`], turns a validated [`Scenario`] into an [`Estimate`]: a
//! breakdown in integer bytes into base weights, adapter (parameters, gradients, optimizer state),
//! activations and overhead. It does no I/O and allocates nothing.
//!
//! Each memory component has its own module, whose documentation gives the formula, the code in
//! PyTorch / transformers / PEFT / bitsandbytes that allocates the tensors, the assumptions, and
//! the known error: [`weights`], [`adapter`], [`optimizer`], [`activations`], [`overhead`]. With a
//! `distributed` block, [`distributed`] and its engines ([`distributed::ddp`], [`distributed::fsdp`],
//! [`distributed::zero`]) give what each GPU of a data-parallel run holds.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod activations;
pub mod adapter;
pub mod advice;
pub mod arch;
#[cfg(feature = "serde")]
pub mod config;
pub mod distributed;
mod error;
pub mod estimate;
#[cfg(feature = "serde")]
pub mod export;
pub mod fit;
pub mod gpus;
#[cfg(feature = "serde")]
pub mod hub;
pub mod infer;
#[cfg(feature = "serde")]
pub mod input;
pub mod optimizer;
pub mod overhead;
pub mod presets;
#[cfg(feature = "serde")]
pub mod report;
pub mod scenario;
pub mod weights;

pub use arch::Architecture;
pub use error::Error;
pub use estimate::{estimate, Estimate, PhasePeaks};
pub use scenario::Scenario;
