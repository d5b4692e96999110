//! Display formatting: bytes to GB or GiB (always labelled), counts, token lengths.
//!
//! The estimator speaks integer bytes; this module is the only place they become text.

/// The unit totals are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Unit {
    /// 10⁹ bytes.
    Gb,
    /// 2³⁰ bytes: what `nvidia-smi` and PyTorch report (as "MiB"/"GiB"), and what a "24 GB" card
    /// has (24 GiB), so the default.
    #[default]
    Gib,
}

impl Unit {
    /// Bytes per unit.
    pub const fn bytes(self) -> f64 {
        match self {
            Unit::Gb => 1e9,
            Unit::Gib => 1_073_741_824.0,
        }
    }

    /// The label printed after a number.
    pub const fn label(self) -> &'static str {
        match self {
            Unit::Gb => "GB",
            Unit::Gib => "GiB",
        }
    }

    /// URL / storage spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Gb => "gb",
            Unit::Gib => "gib",
        }
    }

    /// Parses [`Unit::as_str`].
    pub fn parse(s: &str) -> Option<Unit> {
        match s {
            "gb" => Some(Unit::Gb),
            "gib" => Some(Unit::Gib),
            _ => None,
        }
    }
}

/// `bytes` in `unit` or, past 10,000 of it, in the unit 1,000 (GB) or 1,024 (GiB) times larger
/// (TB/TiB, then PB/PiB), so that an absurd scenario still reads: the number and its label.
pub fn scaled(bytes: u64, unit: Unit) -> (String, &'static str) {
    let labels = match unit {
        Unit::Gb => ["GB", "TB", "PB"],
        Unit::Gib => ["GiB", "TiB", "PiB"],
    };
    let step = match unit {
        Unit::Gb => 1e3,
        Unit::Gib => 1024.0,
    };
    let mut v = bytes as f64 / unit.bytes();
    let mut k = 0;
    while v >= 10_000.0 && k < 2 {
        v /= step;
        k += 1;
    }
    let n = if v == 0.0 {
        "0".to_string()
    } else if v < 10.0 {
        fixed(v, 2)
    } else if v < 100.0 {
        fixed(v, 1)
    } else {
        group(v.round() as u64)
    };
    (n, labels[k])
}

/// The number part of `bytes` in `unit` (see [`scaled`]), with precision that fits its size:
/// `0.42`, `7.31`, `21.4`, `640`.
pub fn amount(bytes: u64, unit: Unit) -> String {
    scaled(bytes, unit).0
}

/// `bytes` in `unit`, labelled: `"7.31 GB"`, `"14.1 TiB"`.
pub fn bytes(bytes: u64, unit: Unit) -> String {
    let (n, label) = scaled(bytes, unit);
    format!("{n} {label}")
}

/// A file's size in decimal units: `312 KB`, `20.4 MB`.
pub fn file_size(n: u64) -> String {
    if n < 1_000_000 {
        format!("{} KB", n.div_ceil(1000))
    } else {
        format!("{} MB", fixed(n as f64 / 1e6, 1))
    }
}

/// At most `max` characters of `s`, with "…" when it was cut: what the page echoes of a value
/// someone typed or linked, so that a 100 KB value can neither hide the page nor slow it down.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A signed byte difference, labelled: `"+3.20 GB"`, `"−1.05 GB"`.
pub fn signed_bytes(delta: i128, unit: Unit) -> String {
    let mag = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    let sign = if delta < 0 { "−" } else { "+" };
    format!("{sign}{}", bytes(mag, unit))
}

/// An integer with thin grouping commas: `131,072`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A parameter count: `8.03 B`, `41.9 M`, `512 K`.
pub fn params(n: u64) -> String {
    let (v, suffix) = match n {
        n if n >= 1_000_000_000_000 => (n as f64 / 1e12, "T"),
        n if n >= 1_000_000_000 => (n as f64 / 1e9, "B"),
        n if n >= 1_000_000 => (n as f64 / 1e6, "M"),
        n if n >= 1_000 => (n as f64 / 1e3, "K"),
        n => return n.to_string(),
    };
    let mut s = fixed(
        v,
        if v < 10.0 {
            2
        } else if v < 100.0 {
            1
        } else {
            0
        },
    );
    s.push(' ');
    s.push_str(suffix);
    s
}

/// A sequence length: `4,096`, or `16M+` at the estimator's ceiling.
pub fn tokens(n: u64) -> String {
    if n >= lora_vram::scenario::MAX_SEQ {
        "16M+".to_string()
    } else {
        group(n)
    }
}

/// A batch size, `65,536+` at the ceiling.
pub fn batch(n: u64) -> String {
    if n >= lora_vram::scenario::MAX_BATCH {
        format!("{}+", group(n))
    } else {
        group(n)
    }
}

/// Share of a whole in percent, one decimal below 10 %: `4.2 %`, `63 %`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_string();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if p > 0.0 && p < 0.1 {
        "<0.1%".to_string()
    } else if p < 10.0 {
        format!("{}%", fixed(p, 1))
    } else {
        format!("{}%", fixed(p, 0))
    }
}

/// Parses a decimal number as typed in a form or URL (`7`, `7.5`, `.5`, `7.`, `7e9`, `+1`).
/// (Through serde_json's number parser, already in the page; core's would add ~6 KiB.)
pub fn parse_f64(s: &str) -> Option<f64> {
    let s = s.trim().trim_start_matches('+');
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) {
        return None;
    }
    let mut t = String::with_capacity(s.len() + 2);
    if s.starts_with('.') {
        t.push('0');
    } else if s.starts_with("-.") {
        t.push_str("-0");
        t.push_str(&s[1..]);
        return serde_json::from_str::<serde_json::Value>(&t).ok()?.as_f64().filter(|f| f.is_finite());
    }
    t.push_str(s);
    if t.ends_with('.') {
        t.push('0');
    }
    serde_json::from_str::<serde_json::Value>(&t.replace(".e", ".0e").replace(".E", ".0E"))
        .ok()?
        .as_f64()
        .filter(|f| f.is_finite())
}

/// Sorts a short slice in place, stably, by a key (insertion sort: the lists here have at most a
/// few dozen items, and core's sort would add ~10 KiB to the page).
pub fn sort_small<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// A non-negative float with `decimals` digits after the point, rounded half away from zero.
/// (Integer arithmetic: core's float formatting would add ~10 KiB to the page.)
pub fn fixed(v: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let n = (v.max(0.0) * scale as f64).round() as u64;
    if decimals == 0 {
        group(n)
    } else {
        format!("{}.{:0width$}", n / scale, n % scale, width = decimals as usize)
    }
}

/// A float as the shortest text that reads back the same (`0.05`, `32`, `7000000000`).
pub fn float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        // serde_json's shortest round-trip formatting (ryu), already in the binary; core's would add
        // a second float formatter.
        serde_json::to_string(&x).unwrap_or_default()
    }
}

/// Compact JSON text. Not `Value`'s `Display`, which goes through an `io::Write` adapter and links
/// std's boxed-error and Unicode-printing tables into the page (≈3 KiB gzipped).
pub fn json(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue 10, friction ("Extreme inputs read \"148,115,515 GiB\"").
    #[test]
    fn huge_amounts_switch_units() {
        assert_eq!(bytes(24 << 30, Unit::Gib), "24.0 GiB");
        assert_eq!(bytes(9_999 << 30, Unit::Gib), "9,999 GiB");
        assert_eq!(bytes(148_115_515 << 30, Unit::Gib), "141 PiB");
        assert_eq!(bytes(u64::MAX, Unit::Gb), "18,447 PB");
        assert_eq!(bytes(20_000_000_000_000, Unit::Gb), "20.0 TB");
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("中文字符串很长", 3), "中文字…");
    }

    #[test]
    fn units_are_labelled() {
        assert_eq!(bytes(7_310_000_000, Unit::Gb), "7.31 GB");
        assert_eq!(bytes(24 << 30, Unit::Gib), "24.0 GiB");
        assert_eq!(bytes(80_000_000_000, Unit::Gb), "80.0 GB");
        assert_eq!(bytes(640 << 30, Unit::Gib), "640 GiB");
        assert_eq!(bytes(0, Unit::Gb), "0 GB");
        assert_eq!(signed_bytes(-1_050_000_000, Unit::Gb), "−1.05 GB");
        assert_eq!(signed_bytes(3_200_000_000, Unit::Gb), "+3.20 GB");
    }

    #[test]
    fn counts() {
        assert_eq!(group(131_072), "131,072");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(params(8_030_261_248), "8.03 B");
        assert_eq!(params(41_943_040), "41.9 M");
        assert_eq!(params(671_000_000_000), "671 B");
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(1, 30), "3.3%");
        assert_eq!(percent(1, 100_000), "<0.1%");
        assert_eq!(float(0.05), "0.05");
        assert_eq!(float(7e9), "7000000000");
        assert_eq!(fixed(7.305, 2), "7.31");
        assert_eq!(parse_f64(" 7.5 "), Some(7.5));
        assert_eq!(parse_f64(".5"), Some(0.5));
        assert_eq!(parse_f64("7."), Some(7.0));
        assert_eq!(parse_f64("7e9"), Some(7e9));
        assert_eq!(parse_f64("-.5"), Some(-0.5));
        assert_eq!(parse_f64("abc"), None);
        assert_eq!(parse_f64(""), None);
        let mut v = [3, 1, 2, 1];
        sort_small(&mut v, |x| *x);
        assert_eq!(v, [1, 1, 2, 3]);
        assert_eq!(fixed(0.999, 2), "1.00");
        assert_eq!(fixed(21.44, 1), "21.4");
    }
}
