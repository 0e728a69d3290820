//! # layerwise_lr — lower layers get weaker gradients: give them more rate
//!
//! Efficient BackProp (sec. 4.7): the second derivative of the cost with
//! respect to lower layers' weights is usually smaller, so they should
//! learn faster. Three schemes on a 6-hidden-layer tanh MLP (20-24x6-10,
//! 10 Gaussian clusters), Adam-free plain SGD, the same number of steps:
//!
//! * one rate for every layer;
//! * depth-descending rates (`Groups::depth_descending`, each layer 0.7x
//!   the one below);
//! * curvature-set rates: η_l = 1/λ_l from power iteration on each layer's
//!   Hessian block at the start (`layer_top_eigenvalues`), scaled so the
//!   top layer keeps the single rate.
//!
//! Reports the relative distance each layer's weights moved,
//! ‖W_l − W_l(0)‖/‖W_l(0)‖, and the final loss.
//!
//! `cargo run --release --example layerwise_lr [-- --quick]`; writes
//! `target/lab/layerwise_lr.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Init, Module, Params, Sequential, mlp};
use origami::optim::{Groups, layer_top_eigenvalues, loss_fn};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn clusters(n: usize) -> (Tensor<f64>, Vec<usize>) {
    let centres =
        Tensor::<f64>::randn(&[10, 20], 0.0, 1.0, &mut StdRng::seed_from_u64(7)).expect("std");
    let noise =
        Tensor::<f64>::randn(&[n, 20], 0.0, 0.9, &mut StdRng::seed_from_u64(8)).expect("std");
    let labels: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let data = (0..n * 20)
        .map(|k| centres.data()[labels[k / 20] * 20 + k % 20] + noise.data()[k])
        .collect();
    (Tensor::from_vec(&[n, 20], data).expect("sized"), labels)
}

fn weights(net: &Sequential<f64>) -> Vec<(String, Vec<f64>)> {
    net.params()
        .iter()
        .filter(|(n, _)| n.ends_with("weight"))
        .map(|(n, p)| (n.clone(), p.value().data().to_vec()))
        .collect()
}

fn main() -> Result<(), String> {
    let steps = if plot::quick() { 30 } else { 300 };
    let (x, y) = clusters(500);
    let make = || {
        let mut widths = vec![20];
        widths.extend([24; 6]);
        widths.push(10);
        mlp::<f64>(
            &widths,
            Activation::Tanh,
            Init::LecunNormal,
            &mut StdRng::seed_from_u64(3),
        )
    };
    let loss = loss_fn(|t, m: &Sequential<f64>| {
        m.forward(t, t.constant(x.clone()))
            .cross_entropy(&y, Reduction::Mean)
    });
    let base_lr = 0.3;
    let layers = layer_top_eigenvalues(&loss, &make(), 100, &mut StdRng::seed_from_u64(4));
    println!("top Hessian eigenvalue of each layer's block at the start:");
    for (prefix, e) in &layers {
        println!("  layer {prefix:<3} lambda {:.3e}", e.value);
    }
    let top = layers.last().map_or(1.0, |(_, e)| e.value.abs().max(1e-12));
    let curvature: Vec<(String, f64)> = layers
        .iter()
        .map(|(p, e)| (p.clone(), (top / e.value.abs().max(1e-12)).min(100.0)))
        .collect();
    let schemes = [
        ("one rate", Groups::default()),
        (
            "depth-descending 0.7",
            Groups::depth_descending(&make(), 0.7, 0.0),
        ),
        ("curvature-set", Groups::from_scales(&curvature, 0.0)),
    ];
    let mut series = Vec::new();
    println!(
        "\nrelative weight movement per layer after {steps} steps of SGD (base lr {base_lr}), and the final loss"
    );
    for (name, groups) in schemes {
        let mut net = make();
        let start = weights(&net);
        let mut opt = Sgd::new(base_lr).with_groups(groups.clone());
        let mut last = 0.0;
        for _ in 0..steps {
            last = opt
                .step(&mut net, &mut |m| {
                    let tape = Tape::new();
                    let l = loss(&tape, m);
                    Ok(Evaluation::new(l.value().item(), l.backward()))
                })
                .map_err(|e| e.to_string())?;
        }
        let moved: Vec<f64> = weights(&net)
            .iter()
            .zip(&start)
            .map(|((_, w), (_, w0))| {
                let d: f64 = w
                    .iter()
                    .zip(w0)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
                    .sqrt();
                d / w0.iter().map(|a| a * a).sum::<f64>().sqrt()
            })
            .collect();
        let scales: Vec<String> = weights(&net)
            .iter()
            .map(|(n, _)| format!("{:.2}", groups.of(n).lr_scale))
            .collect();
        println!("{name:<21} rate scales [{}]", scales.join(", "));
        println!(
            "{:<21} moved       [{}]  loss {last:.4}",
            "",
            moved
                .iter()
                .map(|m| format!("{m:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        series.push((
            name.to_string(),
            moved
                .iter()
                .enumerate()
                .map(|(i, m)| (i as f64 + 1.0, *m))
                .collect(),
        ));
    }
    let path = Path::new("target/lab/layerwise_lr.svg");
    plot::lines(
        path,
        "how far each layer's weights moved",
        "layer",
        "‖ΔW‖ / ‖W(0)‖",
        &series,
        true,
    )?;
    println!("\nplot: {}", path.display());
    Ok(())
}
