//! The lab's small data sets, each a function of its seed.

use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// `n` points of 10 classes in 20-D: class `i % 10` at a fixed random
/// centre (N(0, I), seed 7) plus N(0, 0.9²) noise drawn from `seed`. The
/// clusters overlap, so no net reaches 100% on fresh points.
pub fn clusters<T: Float>(n: usize, seed: u64) -> (Tensor<T>, Vec<usize>) {
    let centres =
        Tensor::<f64>::randn(&[10, 20], 0.0, 1.0, &mut StdRng::seed_from_u64(7)).expect("std");
    let noise =
        Tensor::<f64>::randn(&[n, 20], 0.0, 0.9, &mut StdRng::seed_from_u64(seed)).expect("std");
    let labels: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let data = (0..n * 20)
        .map(|k| T::from_f64(centres.data()[labels[k / 20] * 20 + k % 20] + noise.data()[k]))
        .collect();
    (Tensor::from_vec(&[n, 20], data).expect("sized"), labels)
}

/// Two interleaved half-moons, `n` points alternating between the classes,
/// with a deterministic wobble of ±`wobble` so they are not exactly
/// separable by a smooth boundary of any size.
pub fn moons<T: Float>(n: usize, wobble: f64) -> (Tensor<T>, Vec<usize>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let t = std::f64::consts::PI * (i / 2) as f64 / (n / 2) as f64;
        let w = ((i * 37 % 17) as f64 / 17.0 - 0.5) * 2.0 * wobble;
        let (x, y) = if i % 2 == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        xs.extend([T::from_f64(x + w), T::from_f64(y - w)]);
        ys.push(i % 2);
    }
    (Tensor::from_vec(&[n, 2], xs).expect("sized"), ys)
}

/// Mean cross-entropy and its gradients for `net` on `(x, y)`.
pub fn evaluate<T: Float, M: Module<T>>(net: &M, x: &Tensor<T>, y: &[usize]) -> (f64, Grads<T>) {
    let tape = Tape::new();
    let loss = net
        .forward(&tape, tape.constant(x.clone()))
        .cross_entropy(y, Reduction::Mean);
    (loss.value().item().to_f64(), loss.backward())
}

/// The share of rows of `x` whose largest logit is their label.
pub fn accuracy<T: Float, M: Module<T>>(net: &M, x: &Tensor<T>, y: &[usize]) -> f64 {
    let tape = Tape::inference();
    let logits = net.forward(&tape, tape.constant(x.clone())).value();
    let classes = logits.shape()[1];
    let hits = logits
        .data()
        .chunks(classes)
        .zip(y)
        .filter(|(row, label)| row.iter().all(|&v| v <= row[**label]))
        .count();
    hits as f64 / y.len() as f64
}
