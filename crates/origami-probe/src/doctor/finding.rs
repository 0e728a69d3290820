//! What the doctor reports: a [`Finding`] names the trouble ([`Kind`]),
//! where it is, the numbers that show it, what to do, how sure the doctor
//! is, and which measurement its threshold rests on.

use std::fmt;

/// The kinds of trouble the doctor recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A loss or gradient that is NaN or infinite.
    NonFinite,
    /// Lower layers receive a vanishing share of the gradient.
    VanishingGradient,
    /// The gradient grows toward the input, or spikes from one step to the next.
    ExplodingGradient,
    /// A recurrent layer's gradient fades over time steps.
    VanishingOverTime,
    /// A recurrent layer's gradient grows over time steps.
    ExplodingOverTime,
    /// Most tanh/sigmoid units sit where their derivative is near zero.
    SaturatedUnits,
    /// ReLU units that are off for every inspected example.
    DeadUnits,
    /// The rate is above the stable limit `2/λ_max` (regime (d)).
    RateAboveStableLimit,
    /// The rate is between `η_opt` and `2η_opt`: descent zig-zags (regime (c)).
    RateZigZag,
    /// The rate is far below `η_opt = 1/λ_max` (regime (a)): slow.
    RateTooSmall,
    /// The loss has not moved from where it started.
    Plateau,
    /// The loss rises again after having fallen.
    UnstableLoss,
    /// Validation loss rises while training loss falls.
    Overfitting,
    /// Examples arrive grouped by class, far from shuffled.
    ClassSorted,
    /// Some classes are far rarer than others.
    ClassImbalance,
    /// The head receives the gradient, the layers below it almost none.
    StarvingHead,
}

impl Kind {
    /// A short, stable, kebab-case name (`"vanishing-gradient"`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::NonFinite => "non-finite",
            Kind::VanishingGradient => "vanishing-gradient",
            Kind::ExplodingGradient => "exploding-gradient",
            Kind::VanishingOverTime => "vanishing-over-time",
            Kind::ExplodingOverTime => "exploding-over-time",
            Kind::SaturatedUnits => "saturated-units",
            Kind::DeadUnits => "dead-units",
            Kind::RateAboveStableLimit => "rate-above-stable-limit",
            Kind::RateZigZag => "rate-zig-zag",
            Kind::RateTooSmall => "rate-too-small",
            Kind::Plateau => "plateau",
            Kind::UnstableLoss => "unstable-loss",
            Kind::Overfitting => "overfitting",
            Kind::ClassSorted => "class-sorted",
            Kind::ClassImbalance => "class-imbalance",
            Kind::StarvingHead => "starving-head",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How sure the doctor is that the finding hurts training.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Measured, but often harmless (the lab saw nets train well with it).
    Low,
    /// Past the threshold, by less than a factor of ten.
    Medium,
    /// Past the threshold by a factor of ten or more.
    High,
}

impl Confidence {
    /// `High` when `excess` (how many times past the threshold the
    /// measurement is, ≥ 1) reaches ten, else `Medium`.
    pub(crate) fn from_excess(excess: f64) -> Confidence {
        if excess >= 10.0 {
            Confidence::High
        } else {
            Confidence::Medium
        }
    }

    /// `"low"`, `"medium"` or `"high"`.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One diagnosis.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// What is wrong.
    pub kind: Kind,
    /// The step at which the doctor first saw it.
    pub step: usize,
    /// The layer, parameter group, op or class it concerns, if any.
    pub subject: Option<String>,
    /// The measured numbers and the threshold they crossed.
    pub evidence: String,
    /// What to do about it, and why.
    pub advice: String,
    /// How sure the doctor is.
    pub confidence: Confidence,
    /// The measurement the threshold rests on (a lab record or a paper).
    pub source: &'static str,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}: {}", self.step, self.kind)?;
        if let Some(subject) = &self.subject {
            write!(f, " at {subject}")?;
        }
        write!(
            f,
            " ({} confidence): {}. {} [threshold: {}]",
            self.confidence.name(),
            self.evidence,
            self.advice,
            self.source
        )
    }
}
