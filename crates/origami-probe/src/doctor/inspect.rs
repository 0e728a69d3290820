//! The costlier inspections, judged one measurement at a time: saturated
//! or dead units of a layer, gradient norms over a recurrent layer's time
//! steps, and the rate against the top Hessian eigenvalue.

use origami_nn::Activation;

use super::finding::{Confidence, Finding, Kind};
use super::gradients::median;
use super::thresholds::{
    DEAD_SHARE, SATURATED_SHARE, SLOW_RATE, SURE_DIVERGENCE, TIME_EXPLODING_RATIO,
    TIME_VANISHING_RATIO,
};
use crate::flow::Saturation;

/// Saturated tanh/sigmoid units while the loss is still `unlearned`, and
/// dead relu units, over the `measured` layers of one inspection: at most
/// one finding of each kind, naming the first layer and listing the rest.
pub(crate) fn units(
    step: usize,
    measured: &[(String, Activation, Saturation)],
    unlearned: bool,
    stuck: bool,
) -> Vec<Finding> {
    let list = |layers: &[(&str, f64)]| {
        layers
            .iter()
            .map(|(l, share)| format!("{l} {:.0}%", 100.0 * share))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut found = Vec::new();
    let dead: Vec<(&str, f64)> = measured
        .iter()
        .filter(|(_, a, s)| {
            matches!(a, Activation::Relu | Activation::LeakyRelu(_)) && s.dead_units >= DEAD_SHARE
        })
        .map(|(l, _, s)| (l.as_str(), s.dead_units))
        .collect();
    if let Some(&(first, _)) = dead.first() {
        let worst = dead.iter().map(|d| d.1).fold(0.0, f64::max);
        found.push(Finding {
            kind: Kind::DeadUnits,
            step,
            subject: Some(first.to_string()),
            evidence: format!(
                "share of units off for every inspected example: {} (threshold {:.0}%)",
                list(&dead),
                100.0 * DEAD_SHARE
            ),
            advice: "Dead units pass no gradient and never recover: start biases at zero or slightly positive, lower the rate (one large step can push a unit off for good), or use leaky relu".into(),
            confidence: Confidence::from_excess(worst / DEAD_SHARE * 2.5),
            source: "doctor.json (clean relu runs stay below)",
        });
    }
    let saturated: Vec<(&str, f64)> = measured
        .iter()
        .filter(|(_, a, s)| {
            matches!(
                a,
                Activation::Tanh | Activation::ScaledTanh | Activation::Sigmoid
            ) && s.saturated > SATURATED_SHARE
        })
        .map(|(l, _, s)| (l.as_str(), s.saturated))
        .collect();
    if let (true, Some(&(first, _))) = (unlearned, saturated.first()) {
        found.push(Finding {
            kind: Kind::SaturatedUnits,
            step,
            subject: Some(first.to_string()),
            evidence: format!(
                "share of (example, unit) pairs with derivative below 0.05, before the loss has halved: {} (threshold {:.0}%)",
                list(&saturated),
                100.0 * SATURATED_SHARE
            ),
            advice: "Large weights, a large rate or unscaled inputs push the units into their flat parts: scale the initial weights to LeCun init (std 1/√fan_in), standardise the inputs, or lower the rate. The lab saw 3× LeCun tanh still train, so this matters most when the loss is stuck too".into(),
            confidence: if stuck { Confidence::Medium } else { Confidence::Low },
            source: "gradient_flow.json, activations.json",
        });
    }
    found
}

/// A recurrent layer's `‖∂L/∂·_t‖` over its time steps (first step first).
pub(crate) fn time_steps(step: usize, layer: &str, norms: &[f64]) -> Option<Finding> {
    if norms.len() < 2 || norms.iter().any(|n| !n.is_finite()) {
        return None;
    }
    let first = norms[0];
    let largest = norms.iter().copied().fold(0.0, f64::max);
    let typical = median(norms.iter().copied().filter(|&n| n > 0.0));
    let subject = Some(layer.to_string());
    let steps = norms.len();
    if largest > 0.0 && first / largest < TIME_VANISHING_RATIO {
        let ratio = first / largest;
        return Some(Finding {
            kind: Kind::VanishingOverTime,
            step,
            subject,
            evidence: format!(
                "the gradient reaching its first of {steps} steps is {ratio:.2e} of the largest step's (threshold {TIME_VANISHING_RATIO:.0e})"
            ),
            advice: "The loss barely depends on early inputs: use a GRU or LSTM, an orthogonal recurrent init with gain near 1, or shorter sequences".into(),
            confidence: Confidence::from_excess(TIME_VANISHING_RATIO / ratio.max(1e-300)),
            source: "gradient_flow.json",
        });
    }
    if typical > 0.0 && first / typical > TIME_EXPLODING_RATIO {
        let ratio = first / typical;
        return Some(Finding {
            kind: Kind::ExplodingOverTime,
            step,
            subject,
            evidence: format!(
                "the gradient reaching its first of {steps} steps is {ratio:.2e} times the median step's (threshold {TIME_EXPLODING_RATIO:.0e})"
            ),
            advice: "The recurrence amplifies the gradient backward in time: clip the gradient norm (e.g. to 1) and keep the recurrent weights' spectral radius near or below 1".into(),
            confidence: Confidence::from_excess(ratio / TIME_EXPLODING_RATIO),
            source: "gradient_flow.json (tanh at ρ = 1.5 stays near 2)",
        });
    }
    None
}

/// Plain SGD with `rate` and heavy-ball `momentum` against the top Hessian
/// eigenvalue `lambda_max`. The regimes are the lab's statements about the start of training, so
/// they are judged only while the loss is `unlearned`: later the top
/// eigenvalue moves by itself (it falls with the loss, which makes any rate
/// look small, or rises toward 2/η, Cohen et al. 2021's edge of stability),
/// and a loss that then misbehaves is reported from the loss itself.
pub(crate) fn curvature(
    step: usize,
    lambda_max: f64,
    rate: f64,
    momentum: f64,
    unlearned: bool,
) -> Option<Finding> {
    if !(unlearned
        && lambda_max > 0.0
        && lambda_max.is_finite()
        && rate > 0.0
        && (0.0..1.0).contains(&momentum))
    {
        return None;
    }
    let x = rate * lambda_max;
    let limit = 2.0 * (1.0 + momentum);
    let eta_opt = 1.0 / lambda_max;
    let product = if x < 1e4 {
        format!("{x:.3}")
    } else {
        format!("{x:.3e}")
    };
    let evidence = format!("η·λ_max = {rate:.3e} × {lambda_max:.3e} = {product}");
    if x > limit {
        return Some(Finding {
            kind: Kind::RateAboveStableLimit,
            step,
            subject: None,
            evidence: format!(
                "{evidence}, above the stable limit 2(1 + β) = {limit:.2} (regime (d))"
            ),
            advice: format!(
                "On a quadratic this rate diverges. The lab's nets often survived up to 8 η_opt by moving to flatter regions, but half of them diverged at 16 η_opt: lower the rate toward η_opt = 1/λ_max = {eta_opt:.3e}, or expect loss spikes"
            ),
            confidence: if x >= SURE_DIVERGENCE {
                Confidence::High
            } else {
                Confidence::Medium
            },
            source: "learning_rate.json",
        });
    }
    if momentum == 0.0 && x > 1.0 {
        return Some(Finding {
            kind: Kind::RateZigZag,
            step,
            subject: None,
            evidence: format!("{evidence}, between 1 and 2: regime (c), η_opt < η < 2 η_opt"),
            advice: "Descent zig-zags across the steepest direction: add momentum (β = 0.9 lowered the final loss at 1.5 η_opt from 0.0078 to 9.6e-5 in the lab) or lower the rate to η_opt".into(),
            confidence: Confidence::Medium,
            source: "learning_rate.json",
        });
    }
    let effective = x / (1.0 - momentum);
    if effective < SLOW_RATE {
        return Some(Finding {
            kind: Kind::RateTooSmall,
            step,
            subject: None,
            evidence: format!(
                "{evidence} (effective {effective:.3} with momentum {momentum}), below {SLOW_RATE}: regime (a)"
            ),
            advice: format!(
                "Steps are far shorter than the curvature allows: raise the rate toward η_opt = 1/λ_max = {eta_opt:.3e}"
            ),
            confidence: Confidence::from_excess(SLOW_RATE / effective.max(1e-300)),
            source: "learning_rate.json",
        });
    }
    None
}
