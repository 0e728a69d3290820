//! # 04 — second order: Hessian-vector products, η_opt, L-BFGS
//!
//! A small tanh network fits `sin` on [-3, 3]. At its starting point we
//! take exact Hessian-vector products (checked against differences of
//! gradients), find the largest curvature λ_max by power iteration, and
//! run plain gradient descent at multiples of η_opt = 1/λ_max. Its first
//! steps follow the quadratic model: the largest single-step drop at
//! η_opt, a slower fall below it, growth beyond 2 η_opt. Later steps leave
//! the model behind: at 2.5 η_opt the loss grows, then falls once the
//! network has moved to a flatter region; at 4 η_opt it never comes back.
//! Then L-BFGS, which estimates curvature from gradients, trains the same
//! network for the same number of gradient evaluations.
//!
//! Run with `cargo run --release --example 04_second_order`.

use origami::nn::{Sequential, mlp, mse};
use origami::optim::{
    Lbfgs, flatten_grads, flatten_params, hessian_vector, loss_fn, top_eigenvalue, unflatten_into,
};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

type Net = Sequential<f64>;

/// The network at its starting point: a 1-16-1 tanh net, always the same.
fn start() -> Net {
    mlp(
        &[1, 16, 1],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(2),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let xs: Vec<f64> = (0..64).map(|i| -3.0 + 6.0 * i as f64 / 63.0).collect();
    let x = Tensor::from_vec(&[64, 1], xs.clone())?;
    let y = Tensor::from_vec(&[64, 1], xs.iter().map(|v| v.sin()).collect())?;

    // The loss as a function of the model, to evaluate on any tape.
    let loss = loss_fn(|tape, net: &Net| {
        let prediction = net.forward(tape, tape.constant(x.clone()));
        mse(prediction, tape.constant(y.clone()), Reduction::Mean)
    });
    let value_and_gradient = |net: &Net| {
        let tape = Tape::new();
        let l = loss(&tape, net);
        (l.value().item(), l.backward())
    };

    // H v exactly, by differentiating the gradient on the tape; against
    // (g(w + εv) − g(w − εv)) / 2ε it agrees to the differences' error.
    let w = flatten_params(&start());
    let v: Vec<f64> = (0..w.len()).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
    let hv = hessian_vector(&loss, &start(), &v);
    let gradient_at = |shift: f64| {
        let mut net = start();
        unflatten_into(
            &mut net,
            &w.iter()
                .zip(&v)
                .map(|(w, v)| w + shift * v)
                .collect::<Vec<_>>(),
        );
        flatten_grads(&net, &value_and_gradient(&net).1).expect("every parameter is used")
    };
    let (up, down) = (gradient_at(1e-5), gradient_at(-1e-5));
    let worst = hv
        .iter()
        .zip(up.iter().zip(&down))
        .map(|(h, (u, d))| (h - (u - d) / 2e-5).abs())
        .fold(0.0, f64::max);
    println!(
        "H v: {} entries, largest difference from central differences {worst:.1e}",
        hv.len()
    );

    // λ_max by power iteration on H v; η_opt = 1/λ_max.
    let top = top_eigenvalue(
        |v| hessian_vector(&loss, &start(), v),
        w.len(),
        200,
        1e-8,
        &mut StdRng::seed_from_u64(0),
    );
    println!(
        "λ_max {:.3} after {} products: η_opt {:.3}, divergence beyond {:.3}",
        top.value,
        top.iterations,
        top.eta_opt(),
        top.divergence_limit()
    );

    // Gradient descent at multiples of η_opt, 100 steps each.
    for multiple in [0.5, 1.0, 1.9, 2.5, 4.0] {
        let mut net = start();
        let mut sgd = Sgd::new(multiple * top.eta_opt());
        let mut losses = Vec::new();
        for _ in 0..100 {
            losses.push(sgd.step(&mut net, &mut |net| {
                let (l, g) = value_and_gradient(net);
                Ok(Evaluation::new(l, g))
            })?);
        }
        let shown: Vec<String> = [0, 1, 2, 3, 10, 99]
            .iter()
            .map(|&i| format!("{:.2e}", losses[i]))
            .collect();
        println!(
            "gradient descent at {multiple:.1} η_opt: loss at steps 0, 1, 2, 3, 10, 99: {}",
            shown.join(" ")
        );
    }

    // L-BFGS with a strong-Wolfe line search: each step runs up to 20
    // iterations; count the gradient evaluations it spends.
    let mut net = start();
    let mut lbfgs = Lbfgs::new(1.0);
    while lbfgs.evaluations < 100 {
        lbfgs.step(&mut net, &mut |net| {
            let (l, g) = value_and_gradient(net);
            Ok(Evaluation::new(l, g))
        })?;
    }
    println!(
        "L-BFGS: loss {:.2e} after {} gradient evaluations",
        value_and_gradient(&net).0,
        lbfgs.evaluations
    );
    Ok(())
}
