//! # sensitivity — lower layers matter more ("remaining depth")
//!
//! Raghu et al. (2017): a trained network is far less robust to noise in
//! its lower layers' weights, because every later layer carries the
//! perturbation on. Over several trained nets (one init seed each):
//!
//! 1. A 20-32×6-10 tanh MLP trained on ten Gaussian clusters; Gaussian
//!    noise scaled to each layer's weight RMS, one layer at a time; the
//!    test-accuracy drop per layer.
//! 2. How a perturbation of layer 1 grows on its way up: the relative
//!    change of each later layer's activations, and the growth factor per
//!    layer from a least-squares fit of its logarithm.
//! 3. A shallow, wide net with the same number of parameters (20-202-10),
//!    perturbed the same way.
//!
//! `cargo run --release --example sensitivity [-- --quick]`; writes
//! `target/lab/sensitivity.svg`, `sensitivity_growth.svg` and
//! `sensitivity.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{accuracy, clusters};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use origami::nn::{Params, Sequential, mlp};
use origami::prelude::*;
use origami::probe::layer_sensitivity;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

/// The noise scale (× each layer's weight RMS) the verdicts use.
const SCALE: f64 = 1.0;

fn trained(widths: &[usize], seed: u64, steps: usize) -> Sequential<f32> {
    let (x, y) = clusters::<f32>(2000, 1);
    let mut net = mlp::<f32>(
        widths,
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let mut opt = Adam::new(0.003);
    for _ in 0..steps {
        opt.step(&mut net, &mut |m| {
            let (loss, grads) = lab::data::evaluate(m, &x, &y);
            Ok(Evaluation::new(loss, grads))
        })
        .expect("every parameter has a gradient");
    }
    net
}

/// Accuracy drop per layer (noise of `SCALE` × RMS, mean of `draws`), and
/// the clean test accuracy.
fn drops(net: &mut Sequential<f32>, seed: u64, draws: usize) -> (Vec<f64>, f64) {
    let (tx, ty) = clusters::<f32>(1000, 2);
    let base = accuracy(net, &tx, &ty);
    let rows = layer_sensitivity(
        net,
        |m| (accuracy(m, &tx, &ty), Tensor::<f32>::zeros(&[1])),
        &[SCALE],
        draws,
        &mut StdRng::seed_from_u64(seed + 50),
    );
    (rows.iter().map(|r| r.metric_drop).collect(), base)
}

/// Relative change of every layer's output (activations of each hidden
/// layer, then the logits) when layer 1's weights get noise of `SCALE` ×
/// their RMS.
fn growth(net: &mut Sequential<f32>, seed: u64) -> Vec<f64> {
    let (tx, _) = clusters::<f32>(1000, 2);
    let outputs = |net: &Sequential<f32>| -> Vec<Tensor<f32>> {
        let tape = Tape::inference();
        let outs = net.forward_all(&tape, tape.constant(tx.clone()));
        let last = outs.len() - 1;
        outs.iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == 1 || *i == last)
            .map(|(_, v)| v.value())
            .collect()
    };
    let clean = outputs(net);
    let mut rng = StdRng::seed_from_u64(seed + 90);
    let mut saved = None;
    for (name, p) in net.params_mut() {
        if name.starts_with("0.") && name.ends_with("weight") {
            let w = p.value_mut();
            saved = Some(w.clone());
            let rms = (w.data().iter().map(|v| v * v).sum::<f32>() / w.data().len() as f32).sqrt();
            let noise =
                Tensor::<f32>::randn(w.shape(), 0.0, SCALE as f32 * rms, &mut rng).expect("std");
            w.data_mut()
                .iter_mut()
                .zip(noise.data())
                .for_each(|(w, n)| *w += n);
        }
    }
    let norm = |t: &[f32]| t.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
    let noisy = outputs(net);
    for (name, p) in net.params_mut() {
        if name.starts_with("0.") && name.ends_with("weight") {
            *p.value_mut() = saved.take().expect("layer 1 was perturbed");
        }
    }
    noisy
        .iter()
        .zip(&clean)
        .map(|(n, c)| {
            let diff: Vec<f32> = n.data().iter().zip(c.data()).map(|(a, b)| a - b).collect();
            norm(&diff) / norm(c.data())
        })
        .collect()
}

/// Least-squares slope of `ln y` against the index.
fn log_slope(ys: &[f64]) -> f64 {
    let n = ys.len() as f64;
    let xs: Vec<f64> = (0..ys.len()).map(|i| i as f64).collect();
    let (mx, my) = (
        xs.iter().sum::<f64>() / n,
        ys.iter().map(|y| y.ln()).sum::<f64>() / n,
    );
    let cov: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| (x - mx) * (y.ln() - my))
        .sum();
    cov / xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>()
}

fn main() -> Result<(), String> {
    let run = Run::start("sensitivity");
    let seeds = run.seeds(10, 2);
    let (steps, draws) = run.pick((400, 8), (60, 2));
    let mut record = Record::new(&run, &seeds);
    record.setting("noise scale (x weight RMS)", json!(SCALE));
    record.setting("noise draws per layer", json!(draws));
    let mut deep_widths = vec![20];
    deep_widths.extend([32; 6]);
    deep_widths.push(10);
    let shallow_widths = [20, 202, 10];

    let mut figure = Figure::new(
        "test-accuracy drop when one layer's weights get noise of 1× their RMS",
        Axis::integer("noisy layer (last = output layer)"),
        Axis::linear("accuracy drop"),
    );
    figure.subtitle = format!("{} trained nets per architecture, mean ± sd", seeds.len());
    let mut per_arch = Vec::new();
    for (name, widths) in [
        ("deep 20-32x6-10", deep_widths.clone()),
        ("shallow 20-202-10", shallow_widths.to_vec()),
    ] {
        let nets = over_seeds(&seeds, |s| {
            let mut net = trained(&widths, s, steps);
            let parameters = net.num_scalars();
            let (d, base) = drops(&mut net, s, draws);
            (d, base, parameters, net)
        });
        let base = Summary::of(&nets.iter().map(|n| n.1).collect::<Vec<_>>());
        println!(
            "{name} ({} parameters): clean test accuracy {}",
            nets[0].2,
            base.display()
        );
        record.number(&format!("{name}: clean test accuracy"), &base);
        let layers = nets[0].0.len();
        let per_layer: Vec<Summary> = (0..layers)
            .map(|l| Summary::of(&nets.iter().map(|n| n.0[l]).collect::<Vec<_>>()))
            .collect();
        for (l, s) in per_layer.iter().enumerate() {
            println!("   noise in layer {}: accuracy drop {}", l + 1, s.display());
            record.number(
                &format!("{name}: accuracy drop, noise in layer {}", l + 1),
                s,
            );
        }
        figure.curves.push(Curve::mean_sd(
            name,
            per_layer
                .iter()
                .enumerate()
                .map(|(l, s)| (l as f64 + 1.0, *s)),
        ));
        // In how many nets does each hidden layer hurt more than the one
        // above it?
        let ordered = nets
            .iter()
            .filter(|n| n.0[..layers - 1].windows(2).all(|w| w[0] >= w[1]))
            .count();
        let first_over_last = nets.iter().filter(|n| n.0[0] > n.0[layers - 1]).count();
        println!(
            "   hidden layers monotone in {ordered}/{} nets; layer 1 above the output layer in {first_over_last}/{}",
            seeds.len(),
            seeds.len()
        );
        per_arch.push((per_layer, ordered, first_over_last, nets));
    }
    figure.write(&run, "sensitivity.svg")?;

    println!("\nhow noise in layer 1 grows on its way up (deep net): ‖Δh_k‖ / ‖h_k‖");
    let traces: Vec<Vec<f64>> = per_arch[0]
        .3
        .iter_mut()
        .zip(&seeds)
        .map(|(n, &s)| growth(&mut n.3, s))
        .collect();
    let by_layer: Vec<Summary> = (0..traces[0].len())
        .map(|k| Summary::of(&traces.iter().map(|t| t[k]).collect::<Vec<_>>()))
        .collect();
    for (k, s) in by_layer.iter().enumerate() {
        println!("   layer {}: {}", k + 1, s.display());
    }
    let factors = Summary::of(
        &traces
            .iter()
            .map(|t| log_slope(t).exp())
            .collect::<Vec<_>>(),
    );
    println!(
        "   growth factor per layer (exp of the fitted log-slope): {}",
        factors.display()
    );
    record.number(
        "deep: relative perturbation growth factor per layer",
        &factors,
    );
    let mut growth_fig = Figure::new(
        "relative change of each layer's output after noise in layer 1",
        Axis::integer("layer (7 = logits)"),
        Axis::log("‖Δh_k‖ / ‖h_k‖"),
    );
    growth_fig.subtitle = format!("{} trained nets, median and range", seeds.len());
    growth_fig.legend = Legend::LowerRight;
    growth_fig.curves.push(Curve::median_range(
        "deep 20-32x6-10, noise in layer 1",
        by_layer
            .iter()
            .enumerate()
            .map(|(k, s)| (k as f64 + 1.0, *s)),
    ));
    growth_fig.write(&run, "sensitivity_growth.svg")?;

    let (deep, ordered, first_over_last, _) = &per_arch[0];
    let shallow = &per_arch[1].0;
    record.claim(
        "Lower layers matter more: noise in a lower layer's weights hurts more than the same noise higher up",
        if *ordered * 2 > seeds.len() {
            Verdict::Holds
        } else if *first_over_last == seeds.len() {
            Verdict::HoldsOnlyWhen
        } else {
            Verdict::Inconclusive
        },
        &format!(
            "noise of one weight-RMS costs {} accuracy in layer 1, {} in layer 6 and {} in the output layer of the deep net; the hidden layers are ordered in {ordered}/{n} nets (the output layer is not: it hurts more than layer 6); the shallow net of equal size loses {} (hidden) and {} (output)",
            deep[0].display(),
            deep[5].display(),
            deep[6].display(),
            shallow[0].display(),
            shallow[1].display(),
            n = seeds.len()
        ),
    );
    record.claim(
        "Every layer above a perturbed one amplifies the perturbation",
        if factors.mean > 1.0 + 2.0 * factors.sd {
            Verdict::Holds
        } else if factors.mean < 1.0 - 2.0 * factors.sd {
            Verdict::Contradicted
        } else {
            Verdict::Inconclusive
        },
        &format!(
            "after noise in layer 1 the relative change of each later layer's output shrinks slightly, by ×{} per layer (fitted over layers 1-7): lower layers matter more because their error reaches every later layer, not because it grows",
            factors.display()
        ),
    );
    record.write()?;
    Ok(())
}
