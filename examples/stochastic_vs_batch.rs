//! # stochastic_vs_batch — redundancy favours stochastic learning
//!
//! Efficient BackProp (sec. 4.1–4.2): on redundant data, stochastic
//! (per-example) updates make progress many times per epoch while a full
//! batch makes one step; and examples should be shuffled, since presenting
//! them class by class ("AAAAAAAABABBB") drags the weights back and forth.
//!
//! The data: 100 distinct points of two half-moons, each repeated 10 times
//! (1,000 examples). A 2-16-16-2 tanh net, plain SGD, 10 epochs, with
//! batch 1 (shuffled and class-sorted), batch 32 and the full batch; each
//! rate is the best of a small grid.
//!
//! `cargo run --release --example stochastic_vs_batch [-- --quick]`; writes
//! `target/lab/stochastic_vs_batch.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Init, Module, Sequential, mlp};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

fn redundant_moons(copies: usize) -> (Vec<[f32; 2]>, Vec<usize>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for _ in 0..copies {
        for i in 0..100 {
            let t = std::f32::consts::PI * (i / 2) as f32 / 50.0;
            xs.push(if i % 2 == 0 {
                [t.cos(), t.sin()]
            } else {
                [1.0 - t.cos(), 0.5 - t.sin()]
            });
            ys.push(i % 2);
        }
    }
    (xs, ys)
}

fn loss_on(net: &Sequential<f32>, xs: &[[f32; 2]], ys: &[usize]) -> f64 {
    let tape = Tape::inference();
    let x =
        Tensor::from_vec(&[xs.len(), 2], xs.iter().flatten().copied().collect()).expect("sized");
    net.forward(&tape, tape.constant(x))
        .cross_entropy(ys, Reduction::Mean)
        .value()
        .item() as f64
}

/// Loss after each epoch for one schedule of batches.
fn run(
    batch: usize,
    sorted: bool,
    lr: f64,
    epochs: usize,
    xs: &[[f32; 2]],
    ys: &[usize],
) -> Vec<f64> {
    let mut net = mlp::<f32>(
        &[2, 16, 16, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(1),
    );
    let mut opt = Sgd::new(lr);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    if sorted {
        order.sort_by_key(|&i| ys[i]);
    }
    let mut curve = Vec::new();
    for epoch in 0..epochs {
        if !sorted {
            order.shuffle(&mut StdRng::seed_from_u64(epoch as u64));
        }
        for chunk in order.chunks(batch) {
            let x = Tensor::from_vec(
                &[chunk.len(), 2],
                chunk.iter().flat_map(|&i| xs[i]).collect(),
            )
            .expect("sized");
            let y: Vec<usize> = chunk.iter().map(|&i| ys[i]).collect();
            let tape = Tape::new();
            let loss = net
                .forward(&tape, tape.constant(x))
                .cross_entropy(&y, Reduction::Mean);
            let grads = loss.backward();
            opt.update(&mut net, &grads)
                .expect("every parameter has a gradient");
        }
        curve.push(loss_on(&net, xs, ys));
    }
    curve
}

fn main() -> Result<(), String> {
    let quick = plot::quick();
    let (xs, ys) = redundant_moons(if quick { 3 } else { 10 });
    let epochs = if quick { 3 } else { 10 };
    let rates = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0];
    let mut series = Vec::new();
    println!("loss after each epoch (best rate of {rates:?} by final loss)");
    for (name, batch, sorted) in [
        ("SGD, shuffled", 1, false),
        ("SGD, class-sorted", 1, true),
        ("minibatch 32", 32, false),
        ("full batch", xs.len(), false),
    ] {
        let (lr, curve) = rates
            .iter()
            .map(|&lr| (lr, run(batch, sorted, lr, epochs, &xs, &ys)))
            .filter(|(_, c)| c.last().is_some_and(|l| l.is_finite()))
            .min_by(|a, b| a.1.last().partial_cmp(&b.1.last()).expect("finite"))
            .expect("some rate works");
        let shown: Vec<String> = curve.iter().map(|l| format!("{l:.3}")).collect();
        println!("{name:<18} (lr {lr:<5}) {}", shown.join(" "));
        series.push((
            name.to_string(),
            curve
                .iter()
                .enumerate()
                .map(|(e, l)| (e as f64 + 1.0, *l))
                .collect(),
        ));
    }
    let path = Path::new("target/lab/stochastic_vs_batch.svg");
    plot::lines(
        path,
        "training loss per epoch on redundant data",
        "epoch",
        "loss",
        &series,
        true,
    )?;
    println!("\nplot: {}", path.display());
    Ok(())
}
