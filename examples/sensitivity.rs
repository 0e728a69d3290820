//! # sensitivity — lower layers matter more ("remaining depth")
//!
//! Raghu et al. (2017): a trained network is far less robust to noise in
//! its lower layers' weights, because every later layer amplifies the
//! perturbation. This trains a 6-hidden-layer tanh MLP on a 10-class task
//! (Gaussian clusters in 20-D with overlapping noise), then adds Gaussian
//! noise scaled to each layer's weight RMS, one layer at a time, for
//! several scales and draws, and reports the test-accuracy drop.
//!
//! `cargo run --release --example sensitivity [-- --quick]`; writes
//! `target/lab/sensitivity.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Init, Module, Sequential, mlp};
use origami::prelude::*;
use origami::probe::layer_sensitivity;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// `n` points of 10 classes: a random centre per class plus noise.
fn clusters(n: usize, seed: u64) -> (Tensor<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(7);
    let centres = Tensor::<f32>::randn(&[10, 20], 0.0, 1.0, &mut rng).expect("std");
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = Tensor::<f32>::randn(&[n, 20], 0.0, 0.9, &mut rng).expect("std");
    let labels: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let data = (0..n * 20)
        .map(|k| centres.data()[labels[k / 20] * 20 + k % 20] + noise.data()[k])
        .collect();
    (Tensor::from_vec(&[n, 20], data).expect("sized"), labels)
}

fn accuracy(net: &Sequential<f32>, x: &Tensor<f32>, y: &[usize]) -> (f64, Tensor<f32>) {
    let tape = Tape::inference();
    let logits = net.forward(&tape, tape.constant(x.clone())).value();
    let correct = logits
        .data()
        .chunks(10)
        .zip(y)
        .filter(|(row, label)| (0..10).all(|k| row[k] <= row[**label]))
        .count();
    (correct as f64 / y.len() as f64, logits)
}

fn main() -> Result<(), String> {
    let quick = plot::quick();
    let (x, y) = clusters(if quick { 500 } else { 2000 }, 1);
    let (tx, ty) = clusters(1000, 2);
    let mut widths = vec![20];
    widths.extend([32; 6]);
    widths.push(10);
    let mut net = mlp::<f32>(
        &widths,
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(3),
    );
    let mut opt = Adam::new(0.003);
    for _ in 0..(if quick { 100 } else { 400 }) {
        opt.step(&mut net, &mut |m| {
            let tape = Tape::new();
            let loss = m
                .forward(&tape, tape.constant(x.clone()))
                .cross_entropy(&y, Reduction::Mean);
            Ok(Evaluation::new(loss.value().item() as f64, loss.backward()))
        })
        .map_err(|e| e.to_string())?;
    }
    let (base, _) = accuracy(&net, &tx, &ty);
    println!("trained 20-32x6-10 tanh MLP: test accuracy {base:.3}");
    let scales = [0.05, 0.1, 0.2, 0.5, 1.0];
    let draws = if quick { 2 } else { 8 };
    let result = layer_sensitivity(
        &mut net,
        |m| accuracy(m, &tx, &ty),
        &scales,
        draws,
        &mut StdRng::seed_from_u64(4),
    );
    println!(
        "\naccuracy drop when one layer's weights get noise of std = scale x that layer's RMS (mean of {draws} draws)"
    );
    print!("layer  ");
    for s in scales {
        print!("| {s:>9} ");
    }
    println!();
    let mut series = Vec::new();
    for (i, rows) in result.chunks(scales.len()).enumerate() {
        print!(
            "{:<6} ",
            if i == 6 {
                "output".to_string()
            } else {
                format!("{}", i + 1)
            }
        );
        for r in rows {
            print!("| {:>9.3} ", r.metric_drop);
        }
        println!();
        let name = if i == 6 {
            "output layer".to_string()
        } else {
            format!("hidden layer {}", i + 1)
        };
        series.push((
            name,
            rows.iter()
                .map(|r| (r.scale, r.metric_drop.max(1e-4)))
                .collect(),
        ));
    }
    let path = Path::new("target/lab/sensitivity.svg");
    plot::lines(
        path,
        "accuracy drop vs noise, one curve per layer",
        "noise scale (x weight RMS)",
        "accuracy drop",
        &series,
        true,
    )?;
    println!("\nplot: {}", path.display());
    Ok(())
}
