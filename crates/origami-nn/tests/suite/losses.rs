//! Each loss's value against PyTorch's definition, written out in plain
//! f64 loops: `nn.CrossEntropyLoss` with and without class weights and
//! label smoothing, `nn.BCEWithLogitsLoss` and `nn.MSELoss`, under every
//! reduction. (`gradcheck_modules.rs` proves their gradients; this file
//! proves what they compute.)

use origami_nn::{CrossEntropy, bce_with_logits, mse};
use origami_tape::{Reduction, Tape, Tensor};
use proptest::prelude::*;

const REDUCTIONS: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

/// PyTorch's cross-entropy: example `i` costs
/// `-(1-ε)·w[tᵢ]·log pᵢ[tᵢ] - (ε/C)·Σ_c w[c]·log pᵢ[c]`; the mean divides
/// by `Σᵢ w[tᵢ]`.
fn cross_entropy_reference(
    logits: &[f64],
    classes: usize,
    targets: &[usize],
    weights: Option<&[f64]>,
    eps: f64,
) -> (Vec<f64>, f64) {
    let weight = |c: usize| weights.map_or(1.0, |w| w[c]);
    let per_example: Vec<f64> = logits
        .chunks(classes)
        .zip(targets)
        .map(|(row, &t)| {
            let top = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = top + row.iter().map(|x| (x - top).exp()).sum::<f64>().ln();
            let log_p = |c: usize| row[c] - lse;
            let spread: f64 = (0..classes).map(|c| weight(c) * log_p(c)).sum();
            -(1.0 - eps) * weight(t) * log_p(t) - eps / classes as f64 * spread
        })
        .collect();
    let mean_divisor = targets.iter().map(|&t| weight(t)).sum();
    (per_example, mean_divisor)
}

/// `values` reduced as `reduction` asks, the mean dividing by `divisor`.
fn reduced(values: &[f64], reduction: Reduction, divisor: f64) -> Vec<f64> {
    match reduction {
        Reduction::None => values.to_vec(),
        Reduction::Sum => vec![values.iter().sum()],
        Reduction::Mean => vec![values.iter().sum::<f64>() / divisor],
    }
}

fn assert_close(got: &Tensor<f64>, want: &[f64], what: &str) {
    assert_eq!(got.data().len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.data().iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
            "{what}: element {i} is {g}, PyTorch's definition gives {w}"
        );
    }
}

fn values(len: usize, seed: u64, scale: f64) -> Vec<f64> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state % 20_001) as f64 / 10_000.0 - 1.0) * scale
        })
        .collect()
}

proptest! {
    #[test]
    fn cross_entropy_follows_pytorchs_definition(
        n in 1usize..5, classes in 2usize..6, eps in prop_oneof![Just(0.0), 0.01f64..0.9],
        weighted: bool, seed: u64,
    ) {
        let logits = values(n * classes, seed, 4.0);
        let targets: Vec<usize> = (0..n).map(|i| (seed as usize / 7 + 3 * i) % classes).collect();
        let weights: Option<Vec<f64>> = weighted.then(|| values(classes, seed + 1, 1.0).iter().map(|w| 1.5 + w).collect());
        let (per_example, divisor) = cross_entropy_reference(&logits, classes, &targets, weights.as_deref(), eps);
        for reduction in REDUCTIONS {
            let tape = Tape::<f64>::new();
            let x = tape.var(Tensor::from_vec(&[n, classes], logits.clone()).unwrap());
            let loss = CrossEntropy { class_weights: weights.clone(), label_smoothing: eps, reduction };
            let what = format!("{reduction:?}, ε = {eps}, weights {weights:?}");
            assert_close(&loss.loss(x, &targets).value(), &reduced(&per_example, reduction, divisor), &what);
        }
    }

    #[test]
    fn bce_with_logits_and_mse_follow_pytorchs_definitions(len in 1usize..12, seed: u64) {
        let x = values(len, seed, 6.0);
        let y: Vec<f64> = values(len, seed + 1, 1.0).iter().map(|v| 0.5 + v / 2.0).collect();
        // nn.BCEWithLogitsLoss: -(y·log σ(x) + (1-y)·log(1-σ(x))).
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        let bce: Vec<f64> = x.iter().zip(&y)
            .map(|(&x, &y)| -(y * sigmoid(x).ln() + (1.0 - y) * (1.0 - sigmoid(x)).ln()))
            .collect();
        let squared: Vec<f64> = x.iter().zip(&y).map(|(x, y)| (x - y) * (x - y)).collect();
        for reduction in REDUCTIONS {
            let tape = Tape::<f64>::new();
            let var = |v: &[f64]| tape.var(Tensor::from_vec(&[len], v.to_vec()).unwrap());
            let (xv, yv) = (var(&x), var(&y));
            let what = format!("{reduction:?}");
            assert_close(&bce_with_logits(xv, yv, reduction).value(), &reduced(&bce, reduction, len as f64), &format!("bce {what}"));
            assert_close(&mse(xv, yv, reduction).value(), &reduced(&squared, reduction, len as f64), &format!("mse {what}"));
        }
    }
}
