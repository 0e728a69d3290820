//! The points a network learns: the built-in sets, drawn from a seed, and
//! the user's own CSV, checked line by line. Inputs live in about
//! `[-1, 1]` per axis; the plots show the box `[-1.5, 1.5]`.

use std::f64::consts::PI;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::config::{Config, DataKind};

/// Points with their targets: a class per point, or (1-D sets) a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    /// Input width: 2 for classification, 1 for the 1-D regression.
    pub dims: usize,
    /// `len × dims` inputs, row by row.
    pub inputs: Vec<f64>,
    /// Class per point (classification), empty for regression.
    pub labels: Vec<usize>,
    /// Target per point (regression), empty for classification.
    pub targets: Vec<f64>,
    /// Number of classes (1 for regression: one output).
    pub classes: usize,
}

impl Points {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.dims
    }

    /// True if there are no points.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// True for a regression target (one output, least squares).
    pub fn is_regression(&self) -> bool {
        self.labels.is_empty()
    }

    /// The points at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Points {
        let d = self.dims;
        Points {
            dims: d,
            inputs: rows
                .iter()
                .flat_map(|&r| self.inputs[r * d..(r + 1) * d].iter().copied())
                .collect(),
            labels: rows
                .iter()
                .filter_map(|&r| self.labels.get(r).copied())
                .collect(),
            targets: rows
                .iter()
                .filter_map(|&r| self.targets.get(r).copied())
                .collect(),
            classes: self.classes,
        }
    }

    /// Splits off the last `share` of a seeded shuffle as the test set;
    /// returns `(train, test)`.
    pub fn split(&self, share: f64, seed: u64) -> (Points, Points) {
        let mut rows: Vec<usize> = (0..self.len()).collect();
        rows.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x5eed_7e57));
        let held = ((self.len() as f64 * share).round() as usize).min(self.len() - 1);
        let (train, test) = rows.split_at(self.len() - held);
        (self.select(train), self.select(test))
    }
}

/// The built-in set `config` names, drawn from `config.seed`.
///
/// # Panics
/// For [`DataKind::Csv`], which is not drawn but uploaded.
pub fn generate(config: &Config) -> Points {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let n = config.points;
    let noise = Normal::new(0.0, 1.0).expect("unit normal");
    let jitter = |rng: &mut StdRng, scale: f64| noise.sample(rng) * scale;
    let mut inputs = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    let s = config.noise;
    match config.data {
        DataKind::Circles => {
            for i in 0..n {
                let class = i % 2;
                let r = if class == 0 {
                    0.5 * rng.random::<f64>().sqrt()
                } else {
                    rng.random_range(0.7..1.0)
                };
                let angle = rng.random_range(0.0..2.0 * PI);
                inputs.push(r * angle.cos() + jitter(&mut rng, 0.2 * s));
                inputs.push(r * angle.sin() + jitter(&mut rng, 0.2 * s));
                labels.push(class);
            }
        }
        DataKind::Xor => {
            for _ in 0..n {
                // Kept a little away from the axes, as the quadrants' edges
                // are the boundary itself.
                let coordinate = |rng: &mut StdRng| {
                    let v: f64 = rng.random_range(0.05..1.0);
                    if rng.random::<bool>() { v } else { -v }
                };
                let (x, y) = (coordinate(&mut rng), coordinate(&mut rng));
                labels.push(usize::from(x * y < 0.0));
                inputs.push(x + jitter(&mut rng, 0.3 * s));
                inputs.push(y + jitter(&mut rng, 0.3 * s));
            }
        }
        DataKind::Spirals => {
            for i in 0..n {
                let class = i % 2;
                let t: f64 = rng.random_range(0.0..1.0);
                let angle = 3.0 * PI * t + PI * class as f64;
                let r = 0.05 + 0.95 * t;
                inputs.push(r * angle.cos() + jitter(&mut rng, 0.1 * s));
                inputs.push(r * angle.sin() + jitter(&mut rng, 0.1 * s));
                labels.push(class);
            }
        }
        DataKind::Blobs => {
            let k = config.classes;
            for i in 0..n {
                let class = i % k;
                let angle = 2.0 * PI * class as f64 / k as f64;
                let spread = 0.12 + 0.3 * s;
                inputs.push(0.6 * angle.cos() + jitter(&mut rng, spread));
                inputs.push(0.6 * angle.sin() + jitter(&mut rng, spread));
                labels.push(class);
            }
        }
        DataKind::Sawtooth => {
            let mut targets = Vec::with_capacity(n);
            for _ in 0..n {
                let x: f64 = rng.random_range(-1.0..1.0);
                // Three teeth over [-1, 1], each rising from -0.5 to 0.5.
                let phase = (x + 1.0) * 1.5;
                inputs.push(x);
                targets.push(phase - phase.floor() - 0.5 + jitter(&mut rng, 0.1 * s));
            }
            return Points {
                dims: 1,
                inputs,
                labels: Vec::new(),
                targets,
                classes: 1,
            };
        }
        DataKind::Csv => panic!("generate: CSV data is uploaded, not drawn"),
    }
    let classes = labels.iter().max().map_or(1, |m| m + 1).max(2);
    Points {
        dims: 2,
        inputs,
        labels,
        targets: Vec::new(),
        classes,
    }
}
