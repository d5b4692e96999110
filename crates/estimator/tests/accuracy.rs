//! The estimate against measured training steps (issue 3): every case within its tolerance, and
//! the mean absolute percentage error at most 5%. Prints the table (`cargo test --test accuracy
//! -- --nocapture`). Fixtures and their provenance: tests/fixtures/measurements and
//! tools/calibrate/README.md.
#![cfg(feature = "serde")]

#[path = "support/measurements.rs"]
mod measurements;

use measurements::{load, mape, table, MAX_MAPE_PERCENT};

#[test]
fn estimates_agree_with_measurements() {
    let cases = load();
    assert!(cases.len() >= 30, "only {} measured cases", cases.len());
    println!("{}", table(&cases));
    let m = mape(&cases);
    println!("mean absolute percentage error: {m:.2}% over {} cases", cases.len());
    let outside: Vec<String> = cases
        .iter()
        .filter(|c| c.error_percent().abs() > c.tolerance)
        .map(|c| {
            format!(
                "{}: measured {} B, estimated {} B ({:+.2}%, tolerance ±{}%)",
                c.id,
                c.measured,
                c.estimated,
                c.error_percent(),
                c.tolerance
            )
        })
        .collect();
    assert!(outside.is_empty(), "outside tolerance:\n{}", outside.join("\n"));
    assert!(m <= MAX_MAPE_PERCENT, "MAPE {m:.2}% > {MAX_MAPE_PERCENT}%");
}
