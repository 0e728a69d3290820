//! Axes a reader can read: where the ticks go and how they are labelled.
//!
//! A figure works in *plot coordinates*: the value itself on linear and
//! integer axes, `log10(value)` on logarithmic ones. Ticks fall on round
//! numbers (1, 2 or 5 × 10^k apart on linear axes; whole numbers on
//! integer axes; decades, or 1-2-5 within a decade when the data span
//! little, on log axes), and labels print as a person would write them:
//! `0.001`, `10`, `1e-5`, never `9.999999999e-5`.

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values, round ticks.
    Linear,
    /// Whole numbers only (layers, steps, depths): ticks never at 1.5.
    Integer,
    /// Decades evenly spaced; only positive values can be drawn.
    Log,
}

/// An axis: its title and its scale.
#[derive(Clone, Debug)]
pub struct Axis {
    pub title: String,
    pub scale: Scale,
}

impl Axis {
    pub fn linear(title: &str) -> Axis {
        Axis {
            title: title.into(),
            scale: Scale::Linear,
        }
    }

    pub fn integer(title: &str) -> Axis {
        Axis {
            title: title.into(),
            scale: Scale::Integer,
        }
    }

    pub fn log(title: &str) -> Axis {
        Axis {
            title: title.into(),
            scale: Scale::Log,
        }
    }

    /// The plot coordinate of `value`, or `None` where it cannot be drawn
    /// (non-finite, or not positive on a log axis).
    pub fn to_plot(&self, value: f64) -> Option<f64> {
        match self.scale {
            Scale::Log if value > 0.0 && value.is_finite() => Some(value.log10()),
            Scale::Log => None,
            _ if value.is_finite() => Some(value),
            _ => None,
        }
    }

    /// Tick positions (plot coordinates) inside `lo..=hi` (plot coordinates).
    pub fn ticks(&self, lo: f64, hi: f64) -> Vec<f64> {
        match self.scale {
            Scale::Linear => round_ticks(lo, hi, false),
            Scale::Integer => round_ticks(lo, hi, true),
            Scale::Log => log_ticks(lo, hi),
        }
    }

    /// The label of the tick at plot coordinate `at`.
    pub fn label(&self, at: f64) -> String {
        match self.scale {
            Scale::Log => number(10f64.powf(at)),
            _ => number(at),
        }
    }
}

/// About six ticks 1, 2 or 5 × 10^k apart; on whole-number axes up to ten,
/// at least 1 apart (a layer axis of 7 ticks every layer).
fn round_ticks(lo: f64, hi: f64, whole: bool) -> Vec<f64> {
    let wanted = if whole { 10.0 } else { 6.0 };
    let raw = ((hi - lo) / wanted).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw * 0.999)
        .unwrap_or(10.0 * magnitude);
    if whole {
        step = step.max(1.0).round();
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| snap(k as f64 * step)).collect()
}

/// Decades; within a span of under four decades also 2× and 5×, or round values when
/// even those are too few; across a wide span every second or third decade (plot coordinates are `log10` of the values).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.ceil() as i64, hi.floor() as i64);
    let decades = last - first + 1;
    if decades >= 4 {
        let every = ((decades + 7) / 8).max(1);
        return (first..=last)
            .filter(|k| k.rem_euclid(every) == 0)
            .map(|k| k as f64)
            .collect();
    }
    let mut ticks = Vec::new();
    for k in (lo.floor() as i64)..=(hi.ceil() as i64) {
        for m in [1.0f64, 2.0, 5.0] {
            let at = k as f64 + m.log10();
            if at >= lo - 1e-9 && at <= hi + 1e-9 {
                ticks.push(at);
            }
        }
    }
    if ticks.len() < 3 {
        // Less than about half a decade: round values, placed on the log axis.
        ticks = round_ticks(10f64.powf(lo), 10f64.powf(hi), false)
            .into_iter()
            .filter(|&v| v > 0.0)
            .map(f64::log10)
            .collect();
    }
    ticks
}

/// Removes the float noise of `k · step` (0.30000000000000004 → 0.3).
fn snap(v: f64) -> f64 {
    format!("{v:.10}").parse().unwrap_or(v)
}

/// A number as a person writes it: at most four significant digits, as
/// few as it needs, plain between 0.001 and 99,999, `1e-5` style outside.
pub fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 10) as usize;
        let text = format!("{v:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        let text = format!("{v:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}
