//! Layer sensitivity (Raghu et al. 2017, "remaining depth"): perturb one
//! layer's weights at a time with Gaussian noise scaled to that layer's
//! weight RMS, for several scales and draws, and record how much a metric
//! (e.g. accuracy) drops and how much the outputs move.

use rand::Rng;
use rand_distr::{Distribution, Normal};

use origami_nn::Params;
use origami_tape::{Float, Tensor};

/// The effect of noise of one scale on one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// The layer (top-level name prefix, e.g. `"0."`).
    pub layer: String,
    /// Noise standard deviation as a multiple of the layer's weight RMS.
    pub scale: f64,
    /// Mean over draws of `baseline metric − perturbed metric`.
    pub metric_drop: f64,
    /// Standard deviation of that drop over draws.
    pub metric_drop_std: f64,
    /// Mean RMS change of the outputs.
    pub output_change: f64,
}

fn rms<T: Float>(t: &Tensor<T>) -> f64 {
    let n = t.numel().max(1) as f64;
    (t.squared_norm() / n).sqrt()
}

/// Runs the noise sweep. `evaluate(model)` returns the metric and the
/// outputs it was computed from; the model is restored after every draw.
pub fn layer_sensitivity<T: Float, M: Params<T>>(
    model: &mut M,
    mut evaluate: impl FnMut(&M) -> (f64, Tensor<T>),
    scales: &[f64],
    draws: usize,
    rng: &mut impl Rng,
) -> Vec<Sensitivity> {
    let (base_metric, base_out) = evaluate(model);
    let mut results = Vec::new();
    for layer in model.modules() {
        for &scale in scales {
            let (mut drops, mut changes) = (Vec::new(), Vec::new());
            for _ in 0..draws.max(1) {
                let mut saved = Vec::new();
                for (name, p) in model.params_mut() {
                    if !name.starts_with(&layer) {
                        continue;
                    }
                    saved.push(p.value().clone());
                    let std = scale * rms(p.value());
                    if std > 0.0 {
                        let noise = Normal::new(0.0, std).expect("finite std");
                        for w in p.value_mut().data_mut() {
                            *w += T::from_f64(noise.sample(rng));
                        }
                    }
                }
                let (metric, out) = evaluate(model);
                drops.push(base_metric - metric);
                let diff: Vec<f64> = out
                    .data()
                    .iter()
                    .zip(base_out.data())
                    .map(|(a, b)| (a.to_f64() - b.to_f64()).powi(2))
                    .collect();
                changes.push((diff.iter().sum::<f64>() / diff.len().max(1) as f64).sqrt());
                let mut restore = saved.into_iter();
                for (name, p) in model.params_mut() {
                    if name.starts_with(&layer) {
                        *p.value_mut() = restore.next().expect("one saved tensor per parameter");
                    }
                }
            }
            let n = drops.len() as f64;
            let mean = drops.iter().sum::<f64>() / n;
            let std = (drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n).sqrt();
            results.push(Sensitivity {
                layer: layer.clone(),
                scale,
                metric_drop: mean,
                metric_drop_std: std,
                output_change: changes.iter().sum::<f64>() / n,
            });
        }
    }
    results
}
