//! Per-layer gradient norms over a sliding window: vanishing and exploding
//! gradients across layers, spikes of the global norm, and a head that
//! starves the layers below it.

use std::collections::VecDeque;

use super::finding::{Confidence, Finding, Kind};
use super::thresholds::{EXPLODING_RATIO, SPIKE_FACTOR, STARVING_RATIO, VANISHING_RATIO};

/// The layer a parameter belongs to: its name without the last dotted
/// component (`"head.0.weight"` → `"head.0"`).
pub(crate) fn layer_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(layer, _)| layer)
}

/// The median of `values` (0 for none).
pub(crate) fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        0.5 * (v[mid - 1] + v[mid])
    }
}

/// The last `window` steps' per-layer gradient norms.
pub(crate) struct GradientTrack {
    window: usize,
    layers: Vec<String>,
    norms: VecDeque<Vec<f64>>,
}

impl GradientTrack {
    pub(crate) fn new(window: usize) -> Self {
        Self {
            window,
            layers: Vec::new(),
            norms: VecDeque::new(),
        }
    }

    /// Adds one step's norms (layers in input-to-output order) and returns
    /// what they show. `head` is the head's name prefix, if one was given.
    pub(crate) fn push(
        &mut self,
        step: usize,
        layers: Vec<(String, f64)>,
        head: Option<&str>,
    ) -> Vec<Finding> {
        let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
        if names != self.layers.iter().map(String::as_str).collect::<Vec<_>>() {
            self.layers = names.iter().map(|n| n.to_string()).collect();
            self.norms.clear();
        }
        let norms: Vec<f64> = layers.iter().map(|(_, n)| *n).collect();
        let mut found = Vec::new();
        let global = norms.iter().map(|n| n * n).sum::<f64>().sqrt();
        if self.norms.len() == self.window {
            let before = median(
                self.norms
                    .iter()
                    .map(|n| n.iter().map(|x| x * x).sum::<f64>().sqrt()),
            );
            if before > 0.0 && global > SPIKE_FACTOR * before {
                found.push(Finding {
                    kind: Kind::ExplodingGradient,
                    step,
                    subject: None,
                    evidence: format!(
                        "the global gradient norm jumped to {global:.3e}, {:.0}× the median {before:.3e} of the previous {} steps (threshold {SPIKE_FACTOR}×)",
                        global / before,
                        self.window
                    ),
                    advice: "Clip the gradient norm (clip_grad_norm) and lower the rate; a spike like this usually precedes divergence".into(),
                    confidence: Confidence::from_excess(global / before / SPIKE_FACTOR),
                    source: "Pascanu et al. 2013 (gradient clipping)",
                });
            }
            self.norms.pop_front();
        }
        self.norms.push_back(norms);
        if self.norms.len() == self.window && self.layers.len() > 1 {
            found.extend(self.across_layers(step, head));
        }
        found
    }

    /// Medians over the window of each layer's norm relative to `reference`
    /// (a function of one step's norms).
    fn relative(&self, reference: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        (0..self.layers.len())
            .map(|l| {
                median(self.norms.iter().filter_map(|n| {
                    let r = reference(n);
                    (r > 0.0).then(|| n[l] / r)
                }))
            })
            .collect()
    }

    fn across_layers(&self, step: usize, head: Option<&str>) -> Vec<Finding> {
        let in_head = |l: usize| head.is_some_and(|h| self.layers[l].starts_with(h));
        let top = self.layers.len() - 1;
        let mut found = Vec::new();
        if let Some(h) = head.filter(|_| (0..=top).any(in_head) && !(0..=top).all(in_head)) {
            let max_of = |n: &[f64], head_side: bool| {
                (0..=top)
                    .filter(|&l| in_head(l) == head_side)
                    .map(|l| n[l])
                    .fold(0.0, f64::max)
            };
            let ratio = median(self.norms.iter().filter_map(|n| {
                let head_norm = max_of(n, true);
                (head_norm > 0.0).then(|| max_of(n, false) / head_norm)
            }));
            // A body with no gradient at all is not starved by its head but
            // cut off (dead units, or a detached graph): see below.
            if ratio > 0.0 && ratio < STARVING_RATIO {
                found.push(Finding {
                    kind: Kind::StarvingHead,
                    step,
                    subject: Some(h.trim_end_matches('.').to_string()),
                    evidence: format!(
                        "the layers below the head get {ratio:.2e} of the head's gradient (median of {} steps; threshold {STARVING_RATIO:.0e})",
                        self.window
                    ),
                    advice: "The head takes the gradient and passes almost none down: use a shallower head (one or two layers), or an activation and initialisation that pass the gradient (tanh or relu with LeCun/He init, not sigmoid)".into(),
                    confidence: Confidence::from_excess(STARVING_RATIO / ratio.max(1e-300)),
                    source: "head_depth.json, gradient_flow.json",
                });
                return found;
            }
        }
        let to_largest = self.relative(|n| n.iter().copied().fold(0.0, f64::max));
        if let Some(l) = (0..top).rev().find(|&l| to_largest[l] < VANISHING_RATIO) {
            let below = (0..=l).filter(|&k| to_largest[k] < VANISHING_RATIO).count();
            let advice = if to_largest[l] == 0.0 {
                "No gradient reaches it at all: its units are dead (see the units inspection) or it is not on the loss's path"
            } else {
                "The layers up to this one barely learn. Use an activation that passes the gradient (tanh or relu rather than sigmoid), weights scaled to the fan-in (LeCun or He; std-0.01 weights vanish in deep nets), fewer layers, or skip connections"
            };
            found.push(Finding {
                kind: Kind::VanishingGradient,
                step,
                subject: Some(self.layers[l].clone()),
                evidence: format!(
                    "its gradient norm is {:.2e} of the largest layer's (median of {} steps; threshold {VANISHING_RATIO:.0e}); {below} of the {l_plus} layers up to it are below the threshold",
                    to_largest[l],
                    self.window,
                    l_plus = l + 1
                ),
                advice: advice.into(),
                confidence: Confidence::from_excess(VANISHING_RATIO / to_largest[l].max(1e-300)),
                source: "gradient_flow.json",
            });
        }
        let to_top = self.relative(|n| n[top]);
        if let Some(l) = (0..top).find(|&l| to_top[l] > EXPLODING_RATIO) {
            found.push(Finding {
                kind: Kind::ExplodingGradient,
                step,
                subject: Some(self.layers[l].clone()),
                evidence: format!(
                    "its gradient norm is {:.2e} times the top layer's (median of {} steps; threshold {EXPLODING_RATIO:.0e})",
                    to_top[l], self.window
                ),
                advice: "The gradient grows on its way down: clip the gradient norm and scale the initial weights down toward LeCun init".into(),
                confidence: Confidence::from_excess(to_top[l] / EXPLODING_RATIO),
                source: "gradient_flow.json",
            });
        }
        found
    }
}
