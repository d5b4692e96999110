//! A typical architecture for a bare parameter count.
//!
//! # Method
//! When only a parameter count is known, the estimator assumes a Llama-3-style decoder, the most
//! common layout among current open models (Grattafiori et al. 2024, "The Llama 3 Herd of Models",
//! table 3):
//! - vocabulary 128,256, head_dim 128, 8 key/value heads (GQA; when 8 does not divide the head
//!   count, its largest divisor below 8);
//! - gated MLP with `I = 3.5·h` rounded up to a multiple of 256 (8B: 14,336 = 3.5 · 4,096);
//! - tied embeddings below 4B parameters (Llama 3.2 1B and 3B tie them), untied above;
//! - the width `h` is taken from a ladder of real widths, choosing the one whose depth comes out
//!   closest to Llama 3's aspect ratio `h/L ≈ 120` (2048/16, 4096/32, 8192/80, 16384/126),
//!   and the depth `L` is what makes the count closest to the one asked for.
//!
//! # Accuracy
//! The parameter count lands within a few percent of the request (one layer's worth). Activations
//! depend on the real width, depth and vocabulary, so an inferred model can be off by far more
//! than a preset or a config.json; the app and the CLI say that the shape was inferred.

use crate::arch::{Architecture, ModelType};
use crate::Error;

/// Widths of released decoders, the ladder the inferred width is picked from.
const WIDTHS: [u64; 16] =
    [512, 768, 1024, 1536, 2048, 2560, 3072, 4096, 5120, 6144, 7168, 8192, 12288, 16384, 20480, 25600];
/// Llama 3's vocabulary.
const VOCAB: u64 = 128_256;
/// Llama 3's head width.
const HEAD_DIM: u64 = 128;
/// Llama 3's key/value heads.
const KV_HEADS: u64 = 8;
/// Llama 3's width-to-depth ratio.
const ASPECT: u64 = 120;
/// Below this many parameters the embeddings are tied (Llama 3.2 1B and 3B).
const TIE_BELOW: u64 = 4_000_000_000;
/// Smallest parameter count accepted: 100M (a 128k-vocabulary embedding alone is 66M at width 512).
pub const MIN_PARAMS: u64 = 100_000_000;
/// Largest parameter count accepted: 2T.
pub const MAX_PARAMS: u64 = 2_000_000_000_000;

fn shape(h: u64, layers: u64, tied: bool) -> Architecture {
    let heads = h / HEAD_DIM;
    // The largest divisor of the head count up to 8 (GQA groups must divide the heads).
    let kv_heads = (1..=KV_HEADS).rev().find(|k| heads.is_multiple_of(*k)).unwrap_or(1);
    let intermediate = (7 * h / 2).div_ceil(256) * 256;
    Architecture::llama_style(ModelType::Inferred, h, layers, heads, kv_heads, HEAD_DIM, intermediate, VOCAB, tied)
}

/// A Llama-3-style architecture with about `params` parameters (see the module doc).
pub fn infer(params: u64) -> Result<Architecture, Error> {
    if !(MIN_PARAMS..=MAX_PARAMS).contains(&params) {
        return Err(Error::Invalid { field: "model.params", reason: "must be between 1e8 (0.1B) and 2e12 (2T)" });
    }
    let tied = params < TIE_BELOW;
    let mut best: Option<(u64, Architecture)> = None;
    for h in WIDTHS {
        let one = shape(h, 1, tied).params();
        let zero_layer = one.total() - (one.linear_weights + one.norms - h); // embeddings, head, final norm
        let per_layer = one.total() - zero_layer;
        if params <= zero_layer {
            continue;
        }
        let layers = ((params - zero_layer) + per_layer / 2) / per_layer;
        if layers == 0 {
            continue;
        }
        // Distance from the aspect ratio, compared as h/L against ASPECT on a log-like scale.
        let ratio_num = h.max(ASPECT * layers);
        let ratio_den = h.min(ASPECT * layers);
        let cost = ratio_num * 1000 / ratio_den;
        if best.is_none_or(|(c, _)| cost < c) {
            best = Some((cost, shape(h, layers, tied)));
        }
    }
    best.map(|(_, a)| a).ok_or(Error::Invalid { field: "model.params", reason: "is too small for any decoder" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inferred_8b_is_llama_3_8b_shaped() {
        let a = infer(8_030_000_000).unwrap();
        assert_eq!((a.hidden, a.layers, a.intermediate), (4096, 32, 14336), "{a:?}");
    }

    /// Every count in range gives a valid architecture (this caught 2.7B: 20 heads, 8 kv heads).
    #[test]
    fn every_count_in_range_is_valid() {
        let mut p = MIN_PARAMS;
        while p <= MAX_PARAMS {
            let a = infer(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            a.validate().unwrap_or_else(|e| panic!("{p}: {e} {a:?}"));
            p += p / 50 + 1;
        }
    }

    #[test]
    fn inferred_counts_land_near_the_request() {
        for p in [
            100_000_000u64,
            1_000_000_000,
            7_000_000_000,
            13_000_000_000,
            70_000_000_000,
            405_000_000_000,
            700_000_000_000,
        ] {
            let a = infer(p).unwrap();
            let got = a.params().total();
            let err = got.abs_diff(p) as f64 / p as f64;
            assert!(err < 0.06, "asked {p}, inferred {got} ({:.1}% off): {a:?}", err * 100.0);
            a.validate().unwrap();
        }
    }
}
