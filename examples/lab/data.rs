//! The lab's small data sets, each a function of its seed, and the
//! measurements every experiment shares (loss and gradients, accuracy, a
//! linear probe, the gradient over an Elman cell's time steps).

use origami::nn::{Cell, Elman, Sequential, State, mlp};
use origami::prelude::*;
use origami::probe::time_step_gradient_norms;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

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

/// `n` points alternating between an inner disk (r < 1, class 0) and the
/// ring 1.5 < r < 2.5 around it (class 1), uniform in area and angle.
pub fn disk_and_ring<T: Float>(n: usize, seed: u64) -> (Tensor<T>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let inner = i % 2 == 0;
        let r = if inner {
            rng.random_range(0.0..1.0f64).sqrt()
        } else {
            rng.random_range(1.5..2.5f64)
        };
        let a = rng.random_range(0.0..std::f64::consts::TAU);
        xs.extend([T::from_f64(r * a.cos()), T::from_f64(r * a.sin())]);
        ys.push(usize::from(!inner));
    }
    (Tensor::from_vec(&[n, 2], xs).expect("sized"), ys)
}

/// XOR: `n` points from four Gaussian blobs (sd 0.35) at (±1, ±1), class 1
/// where the signs differ.
pub fn xor<T: Float>(n: usize, seed: u64) -> (Tensor<T>, Vec<usize>) {
    let noise =
        Tensor::<f64>::randn(&[n, 2], 0.0, 0.35, &mut StdRng::seed_from_u64(seed)).expect("std");
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let (sx, sy) = (
            if i % 2 == 0 { 1.0 } else { -1.0 },
            if i % 4 < 2 { 1.0 } else { -1.0 },
        );
        xs.extend([
            T::from_f64(sx + noise.data()[2 * i]),
            T::from_f64(sy + noise.data()[2 * i + 1]),
        ]);
        ys.push(usize::from(sx != sy));
    }
    (Tensor::from_vec(&[n, 2], xs).expect("sized"), ys)
}

/// Two interleaved spirals of 1.5 turns, `n` points alternating between
/// them, with N(0, 0.05²) noise.
pub fn spirals<T: Float>(n: usize, seed: u64) -> (Tensor<T>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = Tensor::<f64>::randn(&[n, 2], 0.0, 0.05, &mut rng).expect("std");
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let t: f64 = rng.random_range(0.05..1.0);
        let angle = 3.0 * std::f64::consts::PI * t
            + if i % 2 == 0 {
                0.0
            } else {
                std::f64::consts::PI
            };
        xs.extend([
            T::from_f64(t * angle.cos() + noise.data()[2 * i]),
            T::from_f64(t * angle.sin() + noise.data()[2 * i + 1]),
        ]);
        ys.push(i % 2);
    }
    (Tensor::from_vec(&[n, 2], xs).expect("sized"), ys)
}

/// A linear probe (Alain & Bengio 2016): logistic regression — one dense
/// layer, Xavier init (seed 0), Adam 0.02 for 600 full-batch steps — fitted
/// on `train` features, scored on `test` features. Returns the test
/// accuracy and the fitted layer.
pub fn linear_probe<T: Float>(
    train: (&Tensor<T>, &[usize]),
    test: (&Tensor<T>, &[usize]),
    classes: usize,
) -> (f64, Sequential<T>) {
    let mut probe = mlp::<T>(
        &[train.0.shape()[1], classes],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(0),
    );
    let mut opt = Adam::new(0.02);
    for _ in 0..600 {
        let (_, grads) = evaluate(&probe, train.0, train.1);
        opt.update(&mut probe, &grads)
            .expect("every parameter has a gradient");
    }
    (accuracy(&probe, test.0, test.1), probe)
}

/// `‖∂L/∂h_t‖` for each of `steps` steps of an Elman cell (8 inputs, hidden
/// 32, batch 16, N(0, 1) inputs) whose recurrent matrix is a random
/// orthogonal matrix times `gain`, with L the mean square of the last state.
pub fn elman_gradient_over_time(
    activation: Activation,
    gain: f64,
    steps: usize,
    seed: u64,
) -> Vec<f64> {
    let mut cell = Elman::<f64>::new(8, 32, activation, &mut StdRng::seed_from_u64(seed));
    *cell.weights.weight_hh.value_mut() =
        Init::Orthogonal.tensor(&[32, 32], gain, &mut StdRng::seed_from_u64(seed + 100));
    let tape = Tape::new();
    let mut rng = StdRng::seed_from_u64(seed + 200);
    let mut state = State {
        h: tape.constant(Tensor::zeros(&[16, 32])),
        c: None,
    };
    let mut hs = Vec::new();
    for _ in 0..steps {
        let x = tape.constant(Tensor::randn(&[16, 8], 0.0, 1.0, &mut rng).expect("std"));
        state = cell.step(&tape, x, &state);
        hs.push(state.h);
    }
    let loss = (state.h * state.h).mean_all();
    time_step_gradient_norms(&tape, loss, &hs)
}
