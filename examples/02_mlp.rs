//! # 02 — a network, an optimizer, a training loop, a checkpoint
//!
//! Builds a small classifier from `Dense` layers in a `Sequential`, trains
//! it on points inside and outside a circle with minibatches, saves the
//! model and the optimizer state, and loads them back into a fresh network.
//!
//! Run with `cargo run --release --example 02_mlp [-- --optimizer NAME]`
//! (any name `origami::optim::by_name` knows that needs only gradients:
//! sgd, momentum, nesterov, adam, adamw, lbfgs).

use origami::nn::{Sequential, load, save};
use origami::optim::{Needs, by_name, load_state, save_state};
use origami::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

/// `n` points in the square [-1, 1]²: class 1 inside the circle of radius
/// 0.6, class 0 outside it.
fn circle(n: usize, rng: &mut StdRng) -> (Vec<[f32; 2]>, Vec<usize>) {
    let points: Vec<[f32; 2]> = (0..n)
        .map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)])
        .collect();
    let labels = points
        .iter()
        .map(|[x, y]| usize::from(x * x + y * y < 0.36))
        .collect();
    (points, labels)
}

/// The rows `rows` of the data as a `[rows, 2]` tensor and their labels.
fn batch(points: &[[f32; 2]], labels: &[usize], rows: &[usize]) -> (Tensor<f32>, Vec<usize>) {
    let x = rows.iter().flat_map(|&i| points[i]).collect();
    let x = Tensor::from_vec(&[rows.len(), 2], x).expect("two numbers per row");
    (x, rows.iter().map(|&i| labels[i]).collect())
}

/// A 2-16-16-2 tanh network: the layers and activations in order. (The
/// `mlp` helper builds the same stack in one call.) Parameters are named
/// by position, as in PyTorch: "0.weight", "0.bias", "2.weight", ...
fn network(rng: &mut StdRng) -> Sequential<f32> {
    Sequential::new()
        .push(Dense::new(2, 16, rng))
        .push(Activation::Tanh)
        .push(Dense::new(16, 16, rng))
        .push(Activation::Tanh)
        .push(Dense::new(16, 2, rng))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let name = match args.iter().position(|a| a == "--optimizer") {
        Some(i) => args.get(i + 1).ok_or("--optimizer needs a name")?.as_str(),
        None => "adam",
    };
    let mut rng = StdRng::seed_from_u64(1);
    let (points, labels) = circle(1000, &mut rng);
    let mut net = network(&mut rng);

    // Any method of the family, chosen by name at run time. Our closure
    // supplies the loss and its gradients; SDLM and Hessian-free also
    // want curvature (see 04_second_order).
    let mut optimizer = by_name::<f32, Sequential<f32>>(name, 0.01)?;
    if optimizer.needs() != Needs::Gradient {
        return Err(format!("{name} needs curvature; this tutorial gives gradients only").into());
    }

    let mut order: Vec<usize> = (0..points.len()).collect();
    for epoch in 1..=30 {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for rows in order.chunks(32) {
            let (x, y) = batch(&points, &labels, rows);
            // The closure evaluates the loss at the network's current
            // parameters; `step` calls it (once for Adam, several times
            // for L-BFGS) and updates the network in place.
            total += optimizer.step(&mut net, &mut |net| {
                let tape = Tape::new();
                let logits = net.forward(&tape, tape.constant(x.clone()));
                let loss = logits.cross_entropy(&y, Reduction::Mean);
                Ok(Evaluation::new(loss.value().item() as f64, loss.backward()))
            })? * rows.len() as f64;
        }
        if epoch % 10 == 0 {
            let accuracy = accuracy(&net, &points, &labels);
            let loss = total / points.len() as f64;
            println!("epoch {epoch:2}  loss {loss:.4}  accuracy {accuracy:.3}");
        }
    }

    // A checkpoint: the parameters by name (safetensors, written
    // atomically) and the optimizer's state, so training can resume exactly.
    let dir = std::path::Path::new("target/tutorial_02");
    std::fs::create_dir_all(dir)?;
    save(&dir.join("model.safetensors"), &net, &Default::default())?;
    save_state(
        &dir.join("optimizer.safetensors"),
        optimizer.name(),
        &optimizer.state(),
    )?;

    // A fresh network (other random weights) takes the saved ones back.
    let mut restored = network(&mut StdRng::seed_from_u64(99));
    load(&dir.join("model.safetensors"), &mut restored)?;
    let mut resumed = by_name::<f32, Sequential<f32>>(name, 0.01)?;
    resumed.load_state(load_state(
        &dir.join("optimizer.safetensors"),
        resumed.name(),
    )?)?;
    let (before, after) = (
        accuracy(&net, &points, &labels),
        accuracy(&restored, &points, &labels),
    );
    assert_eq!(before, after, "the restored network predicts the same");
    println!(
        "saved to {} and restored: accuracy {after:.3}",
        dir.display()
    );
    Ok(())
}

/// The share of points the network classifies correctly.
fn accuracy(net: &Sequential<f32>, points: &[[f32; 2]], labels: &[usize]) -> f64 {
    let rows: Vec<usize> = (0..points.len()).collect();
    let (x, y) = batch(points, labels, &rows);
    let tape = Tape::new();
    let logits = net.forward(&tape, tape.constant(x)).value();
    let hits = logits
        .data()
        .chunks(2)
        .zip(&y)
        .filter(|(row, label)| usize::from(row[1] > row[0]) == **label)
        .count();
    hits as f64 / y.len() as f64
}
