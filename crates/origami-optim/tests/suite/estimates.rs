//! The curvature estimates: one-VJP samples of the Gauss–Newton diagonal
//! average to the exact diagonal (for both losses, with logits far from 0
//! too) and give each layer's mean, and power iteration normalises its
//! start, counts its products and stops when the Rayleigh quotient
//! settles.

use origami_nn::{Activation, Init, Module, Params, Sequential, mlp};
use origami_optim::{
    OutputLoss, gauss_newton_diagonal_by_layer, gauss_newton_diagonal_sample, gauss_newton_vector,
    loss_fn, top_eigenvalue,
};
use origami_tape::Tensor;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn net() -> Sequential<f64> {
    mlp(
        &[3, 4, 3],
        Activation::Tanh,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(2),
    )
}

fn inputs(scale: f64) -> Tensor<f64> {
    Tensor::randn(&[6, 3], 0.0, scale, &mut StdRng::seed_from_u64(3)).unwrap()
}

/// The exact diagonal, one Gauss–Newton product per parameter, and the
/// mean of `samples` one-VJP estimates.
fn exact_and_estimate(
    loss: &OutputLoss<f64>,
    x: &Tensor<f64>,
    samples: usize,
) -> (Vec<f64>, Vec<f64>) {
    let model = net();
    let outputs = loss_fn(|t, m: &Sequential<f64>| m.forward(t, t.constant(x.clone())));
    let n = model.num_scalars();
    let exact = (0..n)
        .map(|i| {
            let mut e = vec![0.0; n];
            e[i] = 1.0;
            gauss_newton_vector(&outputs, loss, &model, &e)[i]
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(4);
    let mut mean = vec![0.0; n];
    for _ in 0..samples {
        let sample = gauss_newton_diagonal_sample(&outputs, loss, &model, &mut rng);
        mean.iter_mut()
            .zip(sample)
            .for_each(|(m, s)| *m += s / samples as f64);
    }
    (exact, mean)
}

fn assert_close(exact: &[f64], mean: &[f64], what: &str) {
    let (trace, estimate): (f64, f64) = (exact.iter().sum(), mean.iter().sum());
    assert!(
        exact.iter().chain(mean).all(|x| x.is_finite()),
        "{what}: not finite"
    );
    assert!(
        (estimate - trace).abs() <= 0.03 * trace,
        "{what}: the samples' trace {estimate} against the exact {trace}"
    );
    let largest = exact.iter().cloned().fold(0.0, f64::max);
    for (i, (e, m)) in exact.iter().zip(mean).enumerate() {
        assert!(
            (e - m).abs() <= 0.1 * largest,
            "{what}: element {i}: {m} against {e}"
        );
    }
}

#[test]
fn diagonal_samples_average_to_the_gauss_newton_diagonal() {
    let target = Tensor::randn(&[6, 3], 0.0, 1.0, &mut StdRng::seed_from_u64(5)).unwrap();
    let (exact, mean) = exact_and_estimate(&OutputLoss::MeanSquared(target), &inputs(1.0), 20_000);
    assert_close(&exact, &mean, "mean squared");
    let labels = vec![0, 1, 2, 2, 1, 0];
    let (exact, mean) = exact_and_estimate(
        &OutputLoss::CrossEntropy(labels.clone()),
        &inputs(1.0),
        20_000,
    );
    assert_close(&exact, &mean, "cross-entropy");
}

#[test]
fn the_diagonal_by_layer_is_each_layers_mean_of_the_sampled_diagonal() {
    let target = Tensor::randn(&[6, 3], 0.0, 1.0, &mut StdRng::seed_from_u64(5)).unwrap();
    let loss = OutputLoss::MeanSquared(target);
    let model = net();
    let x = inputs(1.0);
    let outputs = loss_fn(|t, m: &Sequential<f64>| m.forward(t, t.constant(x.clone())));
    let samples = 50;
    let by_layer = gauss_newton_diagonal_by_layer(
        &outputs,
        &loss,
        &model,
        samples,
        &mut StdRng::seed_from_u64(4),
    );
    // The same samples by hand: `[3, 4, 3]` has layer "0." (12 weights,
    // 4 biases) and layer "2." (12 weights, 3 biases).
    let mut rng = StdRng::seed_from_u64(4);
    let mut mean = vec![0.0; model.num_scalars()];
    for _ in 0..samples {
        let sample = gauss_newton_diagonal_sample(&outputs, &loss, &model, &mut rng);
        mean.iter_mut()
            .zip(sample)
            .for_each(|(m, s)| *m += s / samples as f64);
    }
    let layer_mean = |range: std::ops::Range<usize>| {
        mean[range.clone()].iter().sum::<f64>() / range.len() as f64
    };
    let want = [("0.", layer_mean(0..16)), ("2.", layer_mean(16..31))];
    assert_eq!(by_layer.len(), 2);
    for ((name, got), (want_name, want)) in by_layer.iter().zip(want) {
        assert_eq!(name, want_name);
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "{name}: {got} against {want}"
        );
        assert!(*got > 0.0, "{name}: a Gauss–Newton diagonal is positive");
    }
    // No samples asked for: one is taken.
    let none =
        gauss_newton_diagonal_by_layer(&outputs, &loss, &model, 0, &mut StdRng::seed_from_u64(4));
    let one =
        gauss_newton_diagonal_by_layer(&outputs, &loss, &model, 1, &mut StdRng::seed_from_u64(4));
    assert_eq!(none, one);
}

/// Logits in the hundreds: the softmax inside the sampler must subtract
/// the row's largest logit, or `exp` overflows.
#[test]
fn diagonal_samples_stay_finite_for_large_logits() {
    let model = net();
    let x = inputs(1.0);
    let outputs =
        loss_fn(|t, m: &Sequential<f64>| m.forward(t, t.constant(x.clone())).mul_scalar(800.0));
    let loss = OutputLoss::CrossEntropy(vec![0, 1, 2, 2, 1, 0]);
    let sample =
        gauss_newton_diagonal_sample(&outputs, &loss, &model, &mut StdRng::seed_from_u64(6));
    assert!(sample.iter().all(|x| x.is_finite()), "{sample:?}");
}

#[test]
fn power_iteration_normalises_counts_and_stops() {
    // diag(3, 1, 0.5): λ_max = 3.
    let apply = |v: &[f64]| vec![3.0 * v[0], v[1], 0.5 * v[2]];
    // One product with 2·I: the Rayleigh quotient of a unit start is 2,
    // whatever the start (an unnormalised one gives 2·‖v‖²).
    let twice = |v: &[f64]| v.iter().map(|x| 2.0 * x).collect::<Vec<_>>();
    let one = top_eigenvalue(twice, 3, 1, 1e-12, &mut StdRng::seed_from_u64(7));
    assert_eq!(one.iterations, 1);
    assert!((one.value - 2.0).abs() < 1e-12, "{}", one.value);
    let top = top_eigenvalue(apply, 3, 1000, 1e-10, &mut StdRng::seed_from_u64(7));
    assert!((top.value - 3.0).abs() < 1e-8, "{}", top.value);
    assert!(
        (2..200).contains(&top.iterations),
        "stopped after {}",
        top.iterations
    );
    assert!((top.vector[0].abs() - 1.0).abs() < 1e-4);
    // A scaled operator: the same number of products, the value scaled.
    let scaled = top_eigenvalue(
        |v| apply(v).iter().map(|x| 1e3 * x).collect(),
        3,
        1000,
        1e-10,
        &mut StdRng::seed_from_u64(7),
    );
    assert_eq!(scaled.iterations, top.iterations);
    assert!((scaled.value - 3e3).abs() < 1e-5);
}
