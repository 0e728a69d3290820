//! The loss curve in windows: a plateau at the starting loss, a loss that
//! rises again, and validation loss rising while training loss falls.

use super::finding::{Confidence, Finding, Kind};
use super::gradients::median;
use super::thresholds::{
    OVERFIT_RISE, PLATEAU_FLAT, PLATEAU_LEVEL, RISE_FACTOR, RISE_GIVEN_BACK, RISE_SIGNIFICANCE,
};

/// Windows averaged into one level when looking for a rise.
const LEVEL: usize = 3;

/// Recent windows whose spread measures the loss's noise.
const NOISE_WINDOWS: usize = 10;

/// Window means of the training loss and the validation points.
pub(crate) struct LossTrack {
    window: usize,
    sum: f64,
    count: usize,
    /// Means of the completed windows, oldest first.
    means: Vec<f64>,
    /// `(step, validation loss, recent training loss)`.
    validations: Vec<(usize, f64, f64)>,
}

impl LossTrack {
    pub(crate) fn new(window: usize) -> Self {
        Self {
            window,
            sum: 0.0,
            count: 0,
            means: Vec::new(),
            validations: Vec::new(),
        }
    }

    /// True until the loss has fallen to half of its first window's mean
    /// (or before any window is complete).
    pub(crate) fn unlearned(&self) -> bool {
        match (self.means.first(), self.recent()) {
            (Some(&start), Some(now)) => now > 0.5 * start,
            _ => true,
        }
    }

    /// The mean of the current window, or of the last complete one.
    fn recent(&self) -> Option<f64> {
        if self.count > 0 {
            Some(self.sum / self.count as f64)
        } else {
            self.means.last().copied()
        }
    }

    /// Adds one finite training loss; returns what a completed window shows.
    pub(crate) fn push(&mut self, step: usize, loss: f64) -> Vec<Finding> {
        self.sum += loss;
        self.count += 1;
        if self.count < self.window {
            return Vec::new();
        }
        self.means.push(self.sum / self.count as f64);
        (self.sum, self.count) = (0.0, 0);
        let mut found = Vec::new();
        let [.., before, last] = self.means[..] else {
            return found;
        };
        let start = self.means[0];
        let steps = self.means.len() * self.window;
        if self.means.len() >= 3
            && last > PLATEAU_LEVEL * start
            && (last - before).abs() <= PLATEAU_FLAT * before.abs()
        {
            found.push(Finding {
                kind: Kind::Plateau,
                step,
                subject: None,
                evidence: format!(
                    "after {steps} steps the loss is {last:.4}, {:.0}% of its start {start:.4}, and its last two {}-step means differ by {:.2}% (thresholds: above {:.0}% of the start, within {:.0}%)",
                    100.0 * last / start,
                    self.window,
                    100.0 * (last - before).abs() / before.abs().max(1e-300),
                    100.0 * PLATEAU_LEVEL,
                    100.0 * PLATEAU_FLAT
                ),
                advice: "Nothing has been learned yet. If another finding names vanishing gradients, saturated or dead units, fix that first; otherwise raise the rate, and check that the labels belong to the inputs".into(),
                confidence: Confidence::Medium,
                source: "gradient_flow.json (std-0.01 and sigmoid nets stay at ln 10)",
            });
        }
        found.extend(self.rise(step, start));
        found
    }

    /// The level (mean of the last [`LEVEL`] windows) well above the best
    /// earlier level: by [`RISE_FACTOR`], giving back [`RISE_GIVEN_BACK`] of
    /// the progress, and by [`RISE_SIGNIFICANCE`] times the noise of a level
    /// difference, estimated from the changes between the last
    /// [`NOISE_WINDOWS`] window means (minibatches differ, so windows vary
    /// more than their own steps suggest).
    fn rise(&self, step: usize, start: f64) -> Option<Finding> {
        let m = &self.means;
        if m.len() < 2 * LEVEL + 1 {
            return None;
        }
        let level = |end: usize| m[end + 1 - LEVEL..=end].iter().sum::<f64>() / LEVEL as f64;
        let now = level(m.len() - 1);
        let best = (LEVEL - 1..m.len() - LEVEL)
            .map(level)
            .fold(f64::INFINITY, f64::min);
        // The median step between consecutive window means, as a normal
        // spread: robust to the one big step a real rise makes.
        let recent = &m[m.len().saturating_sub(NOISE_WINDOWS + 1)..];
        let steps = recent.windows(2).map(|w| (w[1] - w[0]).abs());
        let sd = median(steps) / (0.6745 * std::f64::consts::SQRT_2);
        let noise = sd * (2.0 / LEVEL as f64).sqrt();
        let rise = now - best;
        if !(now > RISE_FACTOR * best
            && rise > RISE_GIVEN_BACK * (start - best)
            && rise > RISE_SIGNIFICANCE * noise)
        {
            return None;
        }
        let progress = if start > best {
            format!(
                "giving back {:.0}% of the progress from {start:.4}",
                100.0 * rise / (start - best)
            )
        } else {
            format!("never below its start {start:.4}")
        };
        Some(Finding {
            kind: Kind::UnstableLoss,
            step,
            subject: None,
            evidence: format!(
                "the mean of the last {} steps, {now:.4}, is {:.2}× the best earlier such mean {best:.4} (threshold {RISE_FACTOR}×), {:.1} times its noise, {progress}",
                LEVEL * self.window,
                now / best,
                rise / noise.max(1e-300)
            ),
            advice: "Training is unstable: lower the rate, clip the gradient norm, or decay the rate over time".into(),
            confidence: Confidence::from_excess(now / best / RISE_FACTOR * 5.0),
            source: "learning_rate.json (rates past 8 η_opt diverge)",
        })
    }

    /// Adds one validation loss; returns an overfitting finding when the
    /// last two are well above the lowest while training loss fell.
    pub(crate) fn validate(&mut self, step: usize, loss: f64) -> Vec<Finding> {
        let Some(train) = self.recent() else {
            return Vec::new();
        };
        self.validations.push((step, loss, train));
        let (at, &(best_step, best, train_then)) = self
            .validations
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .expect("just pushed");
        let after = &self.validations[at + 1..];
        let risen = after.len() >= 2
            && after[after.len() - 2..]
                .iter()
                .all(|&(_, v, _)| v >= OVERFIT_RISE * best);
        if !(risen && train < train_then) {
            return Vec::new();
        }
        vec![Finding {
            kind: Kind::Overfitting,
            step,
            subject: None,
            evidence: format!(
                "validation loss {loss:.4} is {:.2}× its lowest {best:.4} (step {best_step}; threshold {OVERFIT_RISE}×) while the training loss fell from {train_then:.4} to {train:.4}",
                loss / best
            ),
            advice: format!(
                "The net is fitting the noise of its sample: keep the parameters from step {best_step} (early stopping), add data, or regularise (weight decay, dropout, a smaller net)"
            ),
            confidence: Confidence::from_excess((loss / best - 1.0) / (OVERFIT_RISE - 1.0)),
            source: "bias_variance.json (variance grows as the net overfits)",
        }]
    }
}
