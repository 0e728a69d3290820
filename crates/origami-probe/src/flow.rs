//! Gradient flow and saturation: per-layer gradient norms for a step,
//! per-time-step norms of `∂L/∂h_t` for a recurrent net, and the fraction
//! of saturated (tanh/sigmoid) or dead (relu) units in a layer.

use origami_nn::{Activation, Params};
use origami_tape::{Float, Grads, Tape, Tensor, Var};

/// `‖∂L/∂θ_l‖₂` for each top-level layer `l` (name prefix), in order.
pub fn layer_gradient_norms<T: Float>(
    model: &impl Params<T>,
    grads: &Grads<T>,
) -> Vec<(String, f64)> {
    model
        .modules()
        .into_iter()
        .map(|layer| {
            let norm = gradient_norm_under(model, grads, &layer);
            (layer, norm)
        })
        .collect()
}

/// `‖∂L/∂θ‖₂` over the parameters whose names start with `prefix` (e.g.
/// `"rnn."`); parameters without a gradient count as zero.
pub fn gradient_norm_under<T: Float>(
    model: &impl Params<T>,
    grads: &Grads<T>,
    prefix: &str,
) -> f64 {
    model
        .params_with_prefix(prefix)
        .iter()
        .filter_map(|(_, p)| grads.get(p.id()))
        .map(Tensor::squared_norm)
        .sum::<f64>()
        .sqrt()
}

/// `‖∂L/∂h_t‖₂` for each recorded hidden state `h_t`: how much of the
/// loss's gradient reaches each time step (vanishing or exploding).
pub fn time_step_gradient_norms<'t, T: Float>(
    tape: &'t Tape<T>,
    loss: Var<'t, T>,
    states: &[Var<'t, T>],
) -> Vec<f64> {
    tape.grad(&[loss], states, false)
        .iter()
        .map(|g| g.value().squared_norm().sqrt())
        .collect()
}

/// Saturation of one layer, from its pre-activations `[batch, units]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Saturation {
    /// Fraction of (example, unit) pairs whose derivative is below the
    /// threshold (tanh, sigmoid), or that are inactive (relu).
    pub saturated: f64,
    /// Fraction of units with derivative below the threshold (or inactive)
    /// for every example: dead units.
    pub dead_units: f64,
}

/// Saturation of `activation` at pre-activations `z` with derivative
/// threshold `threshold` (e.g. 0.05 for tanh; ignored for relu, where a
/// unit counts as off when `z ≤ 0`).
///
/// # Panics
/// If `z` is not 2-D.
pub fn saturation<T: Float>(z: &Tensor<T>, activation: Activation, threshold: f64) -> Saturation {
    let [batch, units] = *z.shape() else {
        panic!(
            "saturation: pre-activations must be [batch, units], got {:?}",
            z.shape()
        )
    };
    let derivative = |x: f64| match activation {
        Activation::Tanh => 1.0 - x.tanh().powi(2),
        Activation::ScaledTanh => 1.7159 * 2.0 / 3.0 * (1.0 - (2.0 * x / 3.0).tanh().powi(2)),
        Activation::Sigmoid => {
            let s = 1.0 / (1.0 + (-x).exp());
            s * (1.0 - s)
        }
        Activation::Softplus => 1.0 / (1.0 + (-x).exp()),
        Activation::Relu => f64::from(x > 0.0),
        Activation::LeakyRelu(a) => {
            if x > 0.0 {
                1.0
            } else {
                a
            }
        }
        Activation::Identity => 1.0,
    };
    let limit = if matches!(activation, Activation::Relu) {
        0.5
    } else {
        threshold
    };
    let off: Vec<bool> = z
        .data()
        .iter()
        .map(|&x| derivative(x.to_f64()) < limit)
        .collect();
    let saturated = off.iter().filter(|&&o| o).count() as f64 / off.len().max(1) as f64;
    let dead = (0..units)
        .filter(|&u| (0..batch).all(|b| off[b * units + u]))
        .count();
    Saturation {
        saturated,
        dead_units: dead as f64 / units.max(1) as f64,
    }
}
