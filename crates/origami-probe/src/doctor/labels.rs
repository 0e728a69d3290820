//! The stream of training labels: grouped by class (far fewer label runs
//! than a shuffled stream would have) or strongly imbalanced.

use super::finding::{Confidence, Finding, Kind};
use super::thresholds::{IMBALANCE, MIN_LABELS, RUNS_RATIO};

/// Label counts and runs, in the order the examples were trained on.
#[derive(Default)]
pub(crate) struct LabelTrack {
    counts: Vec<usize>,
    runs: usize,
    last: Option<usize>,
}

impl LabelTrack {
    /// Adds one batch's labels in order; returns what the stream shows
    /// once it holds enough labels.
    pub(crate) fn push(&mut self, step: usize, labels: &[usize]) -> Vec<Finding> {
        for &label in labels {
            if label >= self.counts.len() {
                self.counts.resize(label + 1, 0);
            }
            self.counts[label] += 1;
            if self.last != Some(label) {
                self.runs += 1;
            }
            self.last = Some(label);
        }
        let n: usize = self.counts.iter().sum();
        if n < MIN_LABELS {
            return Vec::new();
        }
        let purity: f64 = self
            .counts
            .iter()
            .map(|&c| (c as f64 / n as f64).powi(2))
            .sum();
        // Runs an i.i.d. stream with these frequencies would have.
        let expected = 1.0 + (n - 1) as f64 * (1.0 - purity);
        let ratio = self.runs as f64 / expected;
        if ratio < RUNS_RATIO {
            return vec![Finding {
                kind: Kind::ClassSorted,
                step,
                subject: None,
                evidence: format!(
                    "{n} labels came in {} runs of one class where a shuffled stream would have about {expected:.0} ({ratio:.3} of it; threshold {RUNS_RATIO})",
                    self.runs
                ),
                advice: "Examples arrive grouped by class: shuffle them every epoch (each run of one class pulls the net toward that class and undoes the others)".into(),
                confidence: Confidence::from_excess(RUNS_RATIO / ratio.max(1e-300)),
                source: "stochastic_vs_batch.json",
            }];
        }
        // Judged only on a stream that looks shuffled, so a class-sorted
        // epoch's first classes are not taken for the whole data set.
        let most = *self.counts.iter().max().expect("n > 0");
        let rare: Vec<(usize, usize)> = (0..self.counts.len())
            .map(|k| (k, self.counts[k]))
            .filter(|&(_, c)| c == 0 || most as f64 / c as f64 >= IMBALANCE)
            .collect();
        if let Some(&(first, fewest)) = rare.iter().min_by_key(|r| r.1) {
            let skew = most as f64 / fewest.max(1) as f64;
            let listed: Vec<String> = rare
                .iter()
                .map(|(k, c)| format!("class {k} ({c})"))
                .collect();
            return vec![Finding {
                kind: Kind::ClassImbalance,
                step,
                subject: Some(format!("class {first}")),
                evidence: format!(
                    "in {n} labels the most frequent class appears {most} times; at least {IMBALANCE}× rarer: {} (labels above the largest seen cannot be counted)",
                    listed.join(", ")
                ),
                advice: "Accuracy will hide the rare classes: weight the loss by inverse class frequency or resample, and judge by per-class recall or macro-F1".into(),
                confidence: Confidence::from_excess(skew / IMBALANCE),
                source: "common practice (not measured in the lab)",
            }];
        }
        Vec::new()
    }
}
