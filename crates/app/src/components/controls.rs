//! Leaf inputs. Each turns DOM events into domain values itself and reports them through an
//! `on_change` callback; none of them knows the scenario.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

fn input_value_i(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// A labelled group of radio buttons (a segmented control), over option indices.
#[derive(Properties, PartialEq)]
pub struct ChoiceProps {
    /// The group's label.
    pub label: AttrValue,
    /// `name` of the radios; unique on the page.
    pub name: AttrValue,
    /// Option labels.
    pub options: Vec<AttrValue>,
    /// Index of the chosen option.
    pub selected: usize,
    /// Called with the index of the new option.
    pub on_change: Callback<usize>,
}

/// Radio buttons styled as a segmented control. (A plain function.)
pub fn choice(props: ChoiceProps) -> Html {
    html! {
        <fieldset class="choice">
            <legend>{ props.label.clone() }</legend>
            <div class="seg">
            { for props.options.iter().enumerate().map(|(i, text)| {
                let onchange = props.on_change.reform(move |_: Event| i);
                html! {
                    <label class="seg-item">
                        <input type="radio" name={props.name.clone()} checked={i == props.selected} {onchange} />
                        <span>{ text.clone() }</span>
                    </label>
                }
            }) }
            </div>
        </fieldset>
    }
}

/// A labelled `<select>`, over option indices.
#[derive(Properties, PartialEq)]
pub struct SelectProps {
    /// Element id (the label points at it).
    pub id: AttrValue,
    /// Visible label.
    pub label: AttrValue,
    /// Option labels; a `false` second item disables the option.
    pub options: Vec<(AttrValue, bool)>,
    /// Index of the chosen option.
    pub selected: usize,
    /// Called with the index of the new option.
    pub on_change: Callback<usize>,
    /// A hint under the control.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// Disable the whole control.
    #[prop_or_default]
    pub disabled: bool,
}

/// A labelled `<select>`. (A plain function.)
pub fn select(props: SelectProps) -> Html {
    let n = props.options.len();
    let on_change = props.on_change.clone();
    let onchange = Callback::from(move |e: Event| {
        if let Ok(i) = usize::try_from(e.target_unchecked_into::<HtmlSelectElement>().selected_index()) {
            if i < n {
                on_change.emit(i);
            }
        }
    });
    let hint_id = format!("{}-hint", props.id);
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <select id={props.id.clone()} {onchange} disabled={props.disabled}
                aria-describedby={props.hint.as_ref().map(|_| hint_id.clone())}>
                { for props.options.iter().enumerate().map(|(i, (text, enabled))| html! {
                    <option value={i.to_string()} selected={i == props.selected} disabled={!*enabled}>{ text.clone() }</option>
                }) }
            </select>
            if let Some(h) = &props.hint { <p class="hint" id={hint_id}>{ h.clone() }</p> }
        </div>
    }
}

/// A labelled checkbox.
#[derive(Properties, PartialEq)]
pub struct ToggleProps {
    /// Element id.
    pub id: AttrValue,
    /// Visible label.
    pub label: AttrValue,
    /// Checked.
    pub value: bool,
    /// Called with the new state.
    pub on_change: Callback<bool>,
    /// A hint after the label.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// Disabled.
    #[prop_or_default]
    pub disabled: bool,
}

/// A checkbox with its label. (A plain function: no state, and each component type costs page size.)
pub fn toggle(props: ToggleProps) -> Html {
    let on_change = props.on_change.clone();
    let onchange =
        Callback::from(move |e: Event| on_change.emit(e.target_unchecked_into::<HtmlInputElement>().checked()));
    let hint_id = format!("{}-hint", props.id);
    html! {
        <div class="field toggle">
            <input type="checkbox" id={props.id.clone()} checked={props.value} {onchange} disabled={props.disabled}
                aria-describedby={props.hint.as_ref().map(|_| hint_id.clone())} />
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            if let Some(h) = &props.hint { <p class="hint" id={hint_id}>{ h.clone() }</p> }
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
    fn positions(self) -> u32 {
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
                let v = min * (max / min).powf(f64::from(pos.min(steps)) / f64::from(steps));
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
    let mag = 10f64.powi(v.log10().floor() as i32 - 1);
    (v / mag).round() * mag
}

/// Sequence lengths on the slider: powers of two and 1.5× powers of two from 128 to 131072.
pub const SEQ_STOPS: &[u64] = &[
    128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 49152, 65536,
    98304, 131072,
];

/// LoRA ranks on the slider: powers of two from 1 to 512.
pub const RANK_STOPS: &[u64] = &[1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/// A slider with a number box beside it, both labelled. The number box takes any value in
/// `min..=max`; the slider snaps to its scale.
#[derive(Properties, PartialEq)]
pub struct SliderProps {
    /// Id of the range input (the label points at it); the number box gets `{id}-num`.
    pub id: AttrValue,
    /// Visible label.
    pub label: AttrValue,
    /// Accessible name of the number box.
    pub number_label: AttrValue,
    /// The scale.
    pub scale: Scale,
    /// The current value, in the number box's unit.
    pub value: f64,
    /// Text for screen readers and the readout: the value with its unit.
    pub value_text: AttrValue,
    /// Number box bounds and step.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Step of the number box.
    #[prop_or(1.0)]
    pub step: f64,
    /// Whole numbers only.
    #[prop_or_default]
    pub integer: bool,
    /// Unit after the number box.
    #[prop_or_default]
    pub suffix: Option<AttrValue>,
    /// Called with the new value.
    pub on_change: Callback<f64>,
    /// Text typed in the number box that is not a valid value, and why: shown and flagged.
    #[prop_or_default]
    pub invalid: Option<(AttrValue, AttrValue)>,
    /// Called with invalid typed text (`Some`), or `None` when it is valid again.
    #[prop_or_default]
    pub on_invalid: Option<Callback<Option<String>>>,
}

/// Checks typed text against bounds: the value, or `None`.
pub fn check(raw: &str, min: f64, max: f64, integer: bool) -> Option<f64> {
    let v = crate::format::parse_f64(raw.trim())?;
    (v.is_finite() && v >= min && v <= max && (!integer || v.fract() == 0.0)).then_some(v)
}

/// A slider on a log or stop scale with a number box. (A plain function.)
pub fn slider(props: SliderProps) -> Html {
    let scale = props.scale;
    let on_change = props.on_change.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        if let Ok(p) = input_value_i(&e).parse::<u32>() {
            on_change.emit(scale.value(p));
        }
    });
    let (min, max, integer) = (props.min, props.max, props.integer);
    let on_change = props.on_change.clone();
    let on_invalid = props.on_invalid.clone();
    let on_number = Callback::from(move |e: InputEvent| {
        let raw = input_value_i(&e);
        match check(&raw, min, max, integer) {
            Some(v) => on_change.emit(v),
            None => {
                if let Some(f) = &on_invalid {
                    f.emit(Some(raw));
                }
            }
        }
    });
    let pos = scale.position(props.value);
    let num_id = format!("{}-num", props.id);
    let err_id = format!("{}-err", props.id);
    let value = props.invalid.as_ref().map_or_else(|| crate::format::float(props.value), |(raw, _)| raw.to_string());
    html! {
        <div class="field slider">
            <div class="slider-head">
                <label for={props.id.clone()}>{ props.label.clone() }</label>
            </div>
            <div class="slider-row">
                <input type="range" id={props.id.clone()} min="0" max={scale.positions().to_string()} step="1"
                    value={pos.to_string()} aria-valuetext={props.value_text.clone()} oninput={oninput} />
                <span class="num">
                    <input type="text" id={num_id} aria-label={props.number_label.clone()}
                        value={value} oninput={on_number} inputmode={if integer { "numeric" } else { "decimal" }}
                        aria-invalid={props.invalid.is_some().then_some("true")}
                        aria-describedby={props.invalid.is_some().then(|| err_id.clone())} />
                    if let Some(s) = &props.suffix { <span class="suffix" aria-hidden="true">{ s.clone() }</span> }
                </span>
            </div>
            if let Some((_, why)) = &props.invalid { <p class="error" id={err_id}>{ why.clone() }</p> }
        </div>
    }
}

/// A labelled number box.
#[derive(Properties, PartialEq)]
pub struct NumberProps {
    /// Element id.
    pub id: AttrValue,
    /// Visible label.
    pub label: AttrValue,
    /// Current value.
    pub value: f64,
    /// Bounds.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Whole numbers only.
    #[prop_or_default]
    pub integer: bool,
    /// Shown when the box is empty.
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    /// Leave the box empty (the default is in use); an empty box is then valid (`None`).
    #[prop_or_default]
    pub empty: bool,
    /// Unit after the box.
    #[prop_or_default]
    pub suffix: Option<AttrValue>,
    /// Called with a valid new value; `None` when the box is cleared (where that is allowed).
    pub on_change: Callback<Option<f64>>,
    /// A hint under the control.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// Disabled.
    #[prop_or_default]
    pub disabled: bool,
    /// Text typed that is not a valid value, and why: shown and flagged, never replaced.
    #[prop_or_default]
    pub invalid: Option<(AttrValue, AttrValue)>,
    /// Called with invalid typed text (`Some`).
    #[prop_or_default]
    pub on_invalid: Option<Callback<Option<String>>>,
}

/// A labelled number box: a valid value goes to `on_change`, anything else stays in the box,
/// flagged (`aria-invalid`) with the reason under it. (A plain function.)
pub fn number(props: NumberProps) -> Html {
    let (min, max, integer, empty_ok) = (props.min, props.max, props.integer, props.empty);
    let on_change = props.on_change.clone();
    let on_invalid = props.on_invalid.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        let raw = input_value_i(&e);
        if raw.trim().is_empty() && empty_ok {
            on_change.emit(None);
        } else if let Some(v) = check(&raw, min, max, integer) {
            on_change.emit(Some(v));
        } else if let Some(f) = &on_invalid {
            f.emit(Some(raw));
        }
    });
    let hint_id = format!("{}-hint", props.id);
    let err_id = format!("{}-err", props.id);
    let value = match &props.invalid {
        Some((raw, _)) => raw.to_string(),
        None if props.empty => String::new(),
        None => crate::format::float(props.value),
    };
    let described = match (&props.invalid, &props.hint) {
        (Some(_), Some(_)) => Some(format!("{err_id} {hint_id}")),
        (Some(_), None) => Some(err_id.clone()),
        (None, Some(_)) => Some(hint_id.clone()),
        (None, None) => None,
    };
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <span class="num">
                <input type="text" id={props.id.clone()} {value} {oninput} disabled={props.disabled}
                    placeholder={props.placeholder.clone()} inputmode={if integer { "numeric" } else { "decimal" }}
                    aria-invalid={props.invalid.is_some().then_some("true")} aria-describedby={described} />
                if let Some(s) = &props.suffix { <span class="suffix" aria-hidden="true">{ s.clone() }</span> }
            </span>
            if let Some((_, why)) = &props.invalid { <p class="error" id={err_id}>{ why.clone() }</p> }
            if let Some(h) = &props.hint { <p class="hint" id={hint_id}>{ h.clone() }</p> }
        </div>
    }
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
}
