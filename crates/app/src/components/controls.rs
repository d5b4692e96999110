//! Leaf inputs, as plain functions of their values: none holds a callback. The form listens once,
//! at its root, for `input` and `change` events, and [`crate::components::form::action_for`] turns
//! the event's element id and value into an [`crate::state::Action`]. (One listener for the whole
//! form instead of one closure per input: the page is smaller and renders faster.)

use yew::prelude::*;

/// A labelled group of radio buttons (a segmented control): `name` is the field, each radio's value
/// its option index.
pub fn choice(label: &str, name: &'static str, options: &[&str], selected: usize) -> Html {
    html! {
        <fieldset class="choice">
            <legend>{ label }</legend>
            <div class="seg">
            { for options.iter().enumerate().map(|(i, text)| html! {
                <label class="seg-item">
                    <input type="radio" {name} value={i.to_string()} checked={i == selected} />
                    <span>{ *text }</span>
                </label>
            }) }
            </div>
        </fieldset>
    }
}

/// A hint paragraph under a field, with the id the field's `aria-describedby` names.
fn hint(id: &str, text: Option<&str>) -> Html {
    match text {
        Some(h) => html! { <p class="hint" id={format!("{id}-hint")}>{ h }</p> },
        None => Html::default(),
    }
}

/// A labelled `<select>` over option labels; a `false` second item disables the option. The
/// value of each option is its index.
pub fn select(
    id: &'static str,
    label: &str,
    options: &[(String, bool)],
    selected: usize,
    hint_text: Option<&str>,
    disabled: bool,
) -> Html {
    html! {
        <div class="field">
            <label for={id}>{ label }</label>
            <select {id} {disabled} aria-describedby={hint_text.map(|_| format!("{id}-hint"))}>
                { for options.iter().enumerate().map(|(i, (text, enabled))| html! {
                    <option value={i.to_string()} selected={i == selected} disabled={!*enabled}>{ text.clone() }</option>
                }) }
            </select>
            { hint(id, hint_text) }
        </div>
    }
}

/// A checkbox with its label.
pub fn toggle(id: &'static str, label: &str, value: bool, hint_text: Option<&str>, disabled: bool) -> Html {
    html! {
        <div class="field toggle">
            <input type="checkbox" {id} checked={value} {disabled} aria-describedby={hint_text.map(|_| format!("{id}-hint"))} />
            <label for={id}>{ label }</label>
            { hint(id, hint_text) }
        </div>
    }
}

/// A text box for a number: shows `value`, or the invalid text typed (kept, flagged with
/// `aria-invalid`, the reason under it). `inputmode` brings up a numeric keyboard on phones.
pub struct NumberBox<'a> {
    /// Element id (the form's handler keys on it).
    pub id: &'static str,
    /// Accessible name when no visible label points at it.
    pub aria_label: Option<&'a str>,
    /// The value in use, formatted.
    pub value: String,
    /// Invalid text typed, and why.
    pub invalid: Option<(&'a str, &'a str)>,
    /// Whole numbers only (numeric keyboard).
    pub integer: bool,
    /// Unit after the box.
    pub suffix: Option<&'a str>,
    /// Placeholder when empty.
    pub placeholder: Option<&'a str>,
    /// Disabled.
    pub disabled: bool,
    /// Id of a hint the box is described by, besides its error.
    pub hint_id: Option<String>,
}

impl NumberBox<'_> {
    /// The box (and its unit).
    pub fn view(&self) -> Html {
        let err_id = format!("{}-err", self.id);
        let described = match (&self.invalid, &self.hint_id) {
            (Some(_), Some(h)) => Some(format!("{err_id} {h}")),
            (Some(_), None) => Some(err_id),
            (None, h) => h.clone(),
        };
        let value = self.invalid.map_or_else(|| self.value.clone(), |(raw, _)| raw.to_string());
        html! {
            <span class="num">
                <input type="text" id={self.id} {value} aria-label={self.aria_label.map(str::to_string)}
                    inputmode={if self.integer { "numeric" } else { "decimal" }} disabled={self.disabled}
                    placeholder={self.placeholder.map(str::to_string)}
                    aria-invalid={self.invalid.is_some().then_some("true")} aria-describedby={described} />
                if let Some(s) = self.suffix { <span class="suffix" aria-hidden="true">{ s }</span> }
            </span>
        }
    }

    /// The error line under the field, if the text is invalid.
    pub fn error(&self) -> Html {
        match self.invalid {
            Some((_, why)) => html! { <p class="error" id={format!("{}-err", self.id)}>{ why }</p> },
            None => Html::default(),
        }
    }
}

/// A labelled number box with its hint.
pub fn number(label: &str, b: NumberBox<'_>, hint_text: Option<&str>) -> Html {
    let b = NumberBox { hint_id: hint_text.map(|_| format!("{}-hint", b.id)), ..b };
    html! {
        <div class="field">
            <label for={b.id}>{ label }</label>
            { b.view() }
            { b.error() }
            { hint(b.id, hint_text) }
        </div>
    }
}

/// A slider (id `{id}`, positions of `scale`) with a number box beside it.
pub fn slider(id: &'static str, label: &str, scale: Scale, value: f64, value_text: &str, b: NumberBox<'_>) -> Html {
    html! {
        <div class="field slider">
            <div class="slider-head">
                <label for={id}>{ label }</label>
            </div>
            <div class="slider-row">
                <input type="range" {id} min="0" max={scale.positions().to_string()} step="1"
                    value={scale.position(value).to_string()} aria-valuetext={value_text.to_string()} />
                { b.view() }
            </div>
            { b.error() }
        </div>
    }
}

/// How a slider's positions map to values.
#[derive(Clone, Copy, PartialEq)]
pub enum Scale {
    /// One position per listed value (powers of two, "nice" lengths).
    Stops(&'static [u64]),
    /// A logarithmic scale from `min` to `max` over `steps` positions, rounded to two significant digits.
    Log {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
        /// Positions.
        steps: u32,
    },
}

impl Scale {
    /// The last position.
    pub fn positions(self) -> u32 {
        match self {
            Scale::Stops(s) => s.len() as u32 - 1,
            Scale::Log { steps, .. } => steps,
        }
    }

    /// The value at a slider position.
    pub fn value(self, pos: u32) -> f64 {
        match self {
            Scale::Stops(s) => s[(pos as usize).min(s.len() - 1)] as f64,
            Scale::Log { min, max, steps } => {
                // exp(t·ln(max/min)), not powf: libm's pow is 2 KiB of wasm, and ln is linked already.
                let v = min * ((max / min).ln() * f64::from(pos.min(steps)) / f64::from(steps)).exp();
                round2(v)
            }
        }
    }

    /// The slider position nearest a value (on a log scale).
    pub fn position(self, v: f64) -> u32 {
        match self {
            Scale::Stops(s) => {
                let lv = v.max(1.0).ln();
                (0..s.len())
                    .min_by(|&a, &b| {
                        let da = ((s[a] as f64).ln() - lv).abs();
                        let db = ((s[b] as f64).ln() - lv).abs();
                        da.total_cmp(&db)
                    })
                    .unwrap_or(0) as u32
            }
            Scale::Log { min, max, steps } => {
                let p = (clamp(v, min, max) / min).ln() / (max / min).ln() * f64::from(steps);
                p.round() as u32
            }
        }
    }
}

/// Rounds to two significant digits (7.3e9, 120e9).
pub fn round2(v: f64) -> f64 {
    if v <= 0.0 {
        return 0.0;
    }
    let mag = 10f64.powi((v.ln() / std::f64::consts::LN_10).floor() as i32 - 1);
    (v / mag).round() * mag
}

/// Sequence lengths on the slider: powers of two and 1.5× powers of two from 128 to 131072.
pub const SEQ_STOPS: &[u64] = &[
    128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536,
    98304, 131072,
];

/// LoRA ranks on the slider: powers of two from 1 to 512 (the number box takes any).
pub const RANK_STOPS: &[u64] = &[1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/// The parameter-count slider: 0.1B to 2,000B, the estimator's range.
pub const PARAMS_SCALE: Scale = Scale::Log { min: 0.1, max: 2000.0, steps: 260 };

/// Checks typed text against bounds: the value, or `None`.
pub fn check(raw: &str, min: f64, max: f64, integer: bool) -> Option<f64> {
    let v = crate::format::parse_f64(raw.trim())?;
    (v.is_finite() && v >= min && v <= max && (!integer || v.fract() == 0.0)).then_some(v)
}

/// `v` limited to `min..=max`. Not `f64::clamp`, whose `min > max` panic message formats floats
/// with `Debug` and so links float formatting into the page (≈8 KiB gzipped).
#[allow(clippy::manual_clamp)]
pub fn clamp(v: f64, min: f64, max: f64) -> f64 {
    v.max(min).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_round_trip() {
        let seq = Scale::Stops(SEQ_STOPS);
        assert_eq!(seq.value(seq.position(4096.0)), 4096.0);
        assert_eq!(seq.position(5000.0), seq.position(4096.0));
        let p = Scale::Log { min: 1e8, max: 7e11, steps: 240 };
        assert_eq!(p.value(0), 1e8);
        assert_eq!(p.value(240), 7e11);
        let v = p.value(p.position(7e9));
        assert!((v / 7e9 - 1.0).abs() < 0.05, "{v}");
        assert_eq!(round2(7_612_345_678.0), 7.6e9);
    }

    #[test]
    fn typed_numbers_are_checked() {
        assert_eq!(check(" 48 ", 1.0, 65536.0, true), Some(48.0));
        assert_eq!(check("1.5", 1.0, 65536.0, true), None);
        assert_eq!(check("0", 1.0, 65536.0, true), None);
        assert_eq!(check("1e308", 0.001, 1e6, false), None);
        assert_eq!(check("abc", 0.0, 1.0, false), None);
    }
}
