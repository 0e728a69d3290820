//! # second_order — what curvature buys on a small problem
//!
//! SGD, momentum, Adam, SDLM, L-BFGS and Hessian-free on the same full-batch
//! problem (a 2-10-10-2 tanh net on two half-moons, f64), each with a
//! budget of gradient evaluations (a loss-and-gradient evaluation, a
//! Gauss–Newton product and a Gauss–Newton diagonal sample each count
//! one). Prints the loss against evaluations and wall time.
//!
//! `cargo run --release --example second_order [-- --quick]`; writes
//! `target/lab/second_order.svg` (against evaluations) and
//! `target/lab/second_order_time.svg` (against wall time).

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;
use std::time::Instant;

use origami::nn::{Activation, Init, Module, Sequential, mlp};
use origami::optim::{
    HessianFree, Lbfgs, OutputLoss, Sdlm, gauss_newton_diagonal_sample, gauss_newton_vector,
    grads_like, loss_fn,
};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn moons() -> (Tensor<f64>, Vec<usize>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let t = std::f64::consts::PI * (i / 2) as f64 / 100.0;
        let wobble = ((i * 37 % 17) as f64 / 17.0 - 0.5) * 0.2;
        let (x, y) = if i % 2 == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        xs.extend([x + wobble, y - wobble]);
        ys.push(i % 2);
    }
    (Tensor::from_vec(&[200, 2], xs).expect("sized"), ys)
}

fn net() -> Sequential<f64> {
    mlp(
        &[2, 10, 10, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(11),
    )
}

/// (evaluations, seconds, loss) after each step.
type Trace = Vec<(f64, f64, f64)>;

/// A first-order method's update, boxed.
type Update = Box<dyn FnMut(&mut Sequential<f64>, &Grads<f64>)>;

/// A method's name and how to start it.
type Named = (&'static str, fn() -> Update);

fn sgd() -> Update {
    let mut o = Sgd::new(3.0);
    Box::new(move |m, g| o.update(m, g).expect("every parameter has a gradient"))
}

fn momentum() -> Update {
    let mut o = Sgd::momentum(1.0, 0.9);
    Box::new(move |m, g| o.update(m, g).expect("every parameter has a gradient"))
}

fn adam() -> Update {
    let mut o = Adam::new(0.03);
    Box::new(move |m, g| o.update(m, g).expect("every parameter has a gradient"))
}

fn evaluate(m: &Sequential<f64>, x: &Tensor<f64>, y: &[usize]) -> (f64, Grads<f64>) {
    let tape = Tape::new();
    let l = m
        .forward(&tape, tape.constant(x.clone()))
        .cross_entropy(y, Reduction::Mean);
    (l.value().item(), l.backward())
}

fn main() -> Result<(), String> {
    let budget = if plot::quick() { 60.0 } else { 300.0 };
    let (x, y) = moons();
    let outputs = {
        let x = x.clone();
        loss_fn(move |t, m: &Sequential<f64>| m.forward(t, t.constant(x.clone())))
    };
    let target = OutputLoss::CrossEntropy(y.clone());
    let mut traces: Vec<(String, Trace)> = Vec::new();
    let first_order: [Named; 3] = [
        ("SGD lr 3", sgd),
        ("momentum lr 1", momentum),
        ("Adam lr 0.03", adam),
    ];
    for (name, make) in first_order {
        let (mut m, mut update, start) = (net(), make(), Instant::now());
        let mut trace = Trace::new();
        for step in 1..=budget as usize {
            let (loss, grads) = evaluate(&m, &x, &y);
            update(&mut m, &grads);
            trace.push((step as f64, start.elapsed().as_secs_f64(), loss));
        }
        traces.push((name.to_string(), trace));
    }
    // SDLM: one gradient and one diagonal sample per step.
    let (mut m, mut opt, mut rng, start) = (
        net(),
        Sdlm::new(3.0, 1.0, 0.05),
        StdRng::seed_from_u64(3),
        Instant::now(),
    );
    let mut trace = Trace::new();
    for step in 1..=(budget as usize / 2) {
        let loss = opt
            .step(&mut m, &mut |m| {
                let (l, g) = evaluate(m, &x, &y);
                let diag = gauss_newton_diagonal_sample(&outputs, &target, m, &mut rng);
                Ok(Evaluation::new(l, g).with_curvature(grads_like(m, &diag)))
            })
            .map_err(|e| e.to_string())?;
        trace.push((2.0 * step as f64, start.elapsed().as_secs_f64(), loss));
    }
    traces.push(("SDLM eps 3 mu 1".into(), trace));
    // L-BFGS and Hessian-free count their own evaluations.
    let (mut m, mut lbfgs, start) = (net(), Lbfgs::new(1.0), Instant::now());
    let mut trace = Trace::new();
    while (lbfgs.evaluations as f64) < budget - 25.0 {
        let loss = lbfgs
            .step(&mut m, &mut |m| {
                let (l, g) = evaluate(m, &x, &y);
                Ok(Evaluation::new(l, g))
            })
            .map_err(|e| e.to_string())?;
        trace.push((
            lbfgs.evaluations as f64,
            start.elapsed().as_secs_f64(),
            loss,
        ));
    }
    traces.push(("L-BFGS".into(), trace));
    let (mut m, mut hf, start) = (net(), HessianFree::new(1.0, 20), Instant::now());
    let mut trace = Trace::new();
    while ((hf.products + hf.evaluations) as f64) < budget {
        let loss = hf
            .step(&mut m, &mut |m| {
                let (l, g) = evaluate(m, &x, &y);
                let (outputs, target) = (outputs.clone(), target.clone());
                Ok(Evaluation::new(l, g)
                    .with_product(move |v| gauss_newton_vector(&outputs, &target, m, v)))
            })
            .map_err(|e| e.to_string())?;
        trace.push((
            (hf.products + hf.evaluations) as f64,
            start.elapsed().as_secs_f64(),
            loss,
        ));
    }
    traces.push(("Hessian-free".into(), trace));

    println!("method            | evaluations | wall time | loss at the last evaluation");
    for (name, trace) in &traces {
        let &(evals, secs, loss) = trace.last().expect("at least one step");
        println!(
            "{name:<17} | {evals:>11.0} | {:>7.1} ms | {loss:.3e}",
            secs * 1e3
        );
    }
    let by_evals: Vec<plot::Series> = traces
        .iter()
        .map(|(n, t)| (n.clone(), t.iter().map(|&(e, _, l)| (e, l)).collect()))
        .collect();
    let path = Path::new("target/lab/second_order.svg");
    plot::lines(
        path,
        "loss against gradient evaluations",
        "gradient evaluations",
        "loss",
        &by_evals,
        true,
    )?;
    let by_time: Vec<plot::Series> = traces
        .iter()
        .map(|(n, t)| (n.clone(), t.iter().map(|&(_, s, l)| (s * 1e3, l)).collect()))
        .collect();
    let time_path = Path::new("target/lab/second_order_time.svg");
    plot::lines(
        time_path,
        "loss against wall time",
        "milliseconds",
        "loss",
        &by_time,
        true,
    )?;
    println!("\nplots: {}, {}", path.display(), time_path.display());
    Ok(())
}
