//! # learning_rate — the four regimes around η_opt = 1/λ_max
//!
//! Efficient BackProp (sec. 5): on a quadratic, gradient descent with rate
//! η multiplies the error along the top eigenvector by `1 − ηλ_max` each
//! step: η < η_opt creeps monotonically, η = η_opt lands in one step,
//! η_opt < η < 2η_opt oscillates but converges, η > 2η_opt diverges.
//!
//! 1. A 2-D quadratic with Hessian eigenvalues 4 and 1: the trajectory
//!    along the top eigenvector for η = 0.5, 1, 1.5, 2.1 × η_opt.
//! 2. A small tanh network on two half-moons: λ_max of the loss Hessian at
//!    the start by power iteration on exact Hessian-vector products, then
//!    full-batch gradient descent at multiples of the predicted η_opt; the
//!    final loss against η/η_opt.
//!
//! `cargo run --release --example learning_rate [-- --quick]`; writes
//! `target/lab/learning_rate_quadratic.svg` and `target/lab/learning_rate_network.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Init, Module, Sequential, mlp};
use origami::optim::{hessian_vector, loss_fn, top_eigenvalue};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn moons() -> (Tensor<f64>, Vec<usize>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let t = std::f64::consts::PI * (i / 2) as f64 / 100.0;
        let (x, y) = if i % 2 == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        xs.extend([x, y]);
        ys.push(i % 2);
    }
    (Tensor::from_vec(&[200, 2], xs).expect("sized"), ys)
}

fn main() -> Result<(), String> {
    let quick = plot::quick();
    // 1. The quadratic E = ½(4u² + v²): along u the error shrinks by 1 − 4η.
    println!(
        "1. Quadratic with eigenvalues 4 and 1 (η_opt = 1/4): error along the top eigenvector"
    );
    let mut series = Vec::new();
    for ratio in [0.5, 1.0, 1.5, 2.1] {
        let eta = ratio / 4.0;
        let mut u = 1.0;
        let mut points = vec![(0.0, u)];
        for step in 1..=8 {
            u -= eta * 4.0 * u;
            points.push((step as f64, u));
        }
        let shown: Vec<String> = points
            .iter()
            .take(5)
            .map(|(_, u)| format!("{u:+.3}"))
            .collect();
        let regime = match ratio {
            r if r < 1.0 => "monotone",
            1.0 => "one step",
            r if r < 2.0 => "oscillating, converging",
            _ => "diverging",
        };
        println!("   η = {ratio:.1} η_opt: {}  … ({regime})", shown.join(" "));
        series.push((format!("η = {ratio} η_opt"), points));
    }
    let quad_plot = Path::new("target/lab/learning_rate_quadratic.svg");
    plot::lines(
        quad_plot,
        "error along the top eigenvector",
        "step",
        "u",
        &series,
        false,
    )?;

    // 2. A tanh network: predict η_opt from the Hessian, then sweep η.
    let (x, y) = moons();
    let make = || {
        mlp::<f64>(
            &[2, 12, 12, 2],
            Activation::Tanh,
            Init::LecunNormal,
            &mut StdRng::seed_from_u64(4),
        )
    };
    let net = make();
    let loss = loss_fn(|t, m: &Sequential<f64>| {
        m.forward(t, t.constant(x.clone()))
            .cross_entropy(&y, Reduction::Mean)
    });
    let n = origami::nn::Params::num_scalars(&net);
    let top = top_eigenvalue(
        |v| hessian_vector(&loss, &net, v),
        n,
        300,
        1e-8,
        &mut StdRng::seed_from_u64(5),
    );
    println!(
        "\n2. 2-12-12-2 tanh net on two moons: λ_max = {:.4} ({} Hv products), η_opt = {:.3}, 2/λ_max = {:.3}",
        top.value,
        top.iterations,
        top.eta_opt(),
        top.divergence_limit()
    );
    println!(
        "   η/η_opt | loss after {} full-batch steps",
        if quick { 50 } else { 200 }
    );
    let mut sweep = Vec::new();
    for ratio in [0.25, 0.5, 1.0, 1.5, 1.9, 2.5, 4.0, 8.0, 16.0] {
        let mut net = make();
        let mut opt = Sgd::<f64>::new(ratio * top.eta_opt());
        let mut last = f64::NAN;
        for _ in 0..(if quick { 50 } else { 200 }) {
            let result = opt.step(&mut net, &mut |m| {
                let tape = Tape::new();
                let l = loss(&tape, m);
                Ok(Evaluation::new(l.value().item(), l.backward()))
            });
            match result {
                Ok(l) => last = l,
                Err(_) => {
                    last = f64::INFINITY;
                    break;
                }
            }
        }
        let tape = Tape::new();
        let end = if last.is_finite() {
            loss(&tape, &net).value().item()
        } else {
            f64::INFINITY
        };
        println!("   {ratio:>7.2} | {end:.4e}");
        sweep.push((ratio, if end.is_finite() { end } else { 1e3 }));
    }
    let net_plot = Path::new("target/lab/learning_rate_network.svg");
    plot::lines(
        net_plot,
        "final loss against η / η_opt (tanh net)",
        "η / η_opt",
        "loss",
        &[("full-batch GD".into(), sweep)],
        true,
    )?;
    println!("\nplots: {}, {}", quad_plot.display(), net_plot.display());
    Ok(())
}
