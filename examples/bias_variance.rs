//! # bias_variance — training lowers the bias; overfitting raises the variance
//!
//! The essay: train on several samples of the population; bias falls with
//! training; when we overfit, the network models the noise of its sample
//! and the variance across samples grows.
//!
//! 1-D regression: y = sin(2πx) + N(0, 0.3²) on [0, 1]. K = 20 training
//! sets of 30 points, each drawn afresh from the population, each fitted
//! by a 1-H-H-1 tanh MLP (H = 4, 16, 64) with Adam for 3,000 full-batch
//! steps. At checkpoints, on 100 test inputs, with f̄ the mean prediction
//! over the K nets (Geman, Bienenstock & Doursat 1992):
//! bias² = mean_x (f̄(x) − sin 2πx)², variance = mean_x mean_k (f_k(x) −
//! f̄(x))². The whole K-ensemble is repeated 5 times (mean ± sd over the
//! repeats).
//!
//! `cargo run --release --example bias_variance [-- --quick]`; writes
//! `target/lab/bias_variance.svg` (bias²), `bias_variance_variance.svg` and
//! `bias_variance.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use origami::nn::{Sequential, mlp};
use origami::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

const SIZES: [usize; 3] = [4, 16, 64];

fn truth(x: f64) -> f64 {
    (std::f64::consts::TAU * x).sin()
}

fn column(values: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(&[values.len(), 1], values.to_vec()).expect("sized")
}

/// One net fitted to one fresh sample: its predictions on `test` at each
/// of `checkpoints` (Adam steps).
fn fit(hidden: usize, sample: u64, test: &[f64], checkpoints: &[usize]) -> Vec<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(sample);
    let xs: Vec<f64> = (0..30).map(|_| rng.random_range(0.0..1.0)).collect();
    let noise = Tensor::<f64>::randn(&[30], 0.0, 0.3, &mut rng).expect("std");
    let ys: Vec<f64> = xs
        .iter()
        .zip(noise.data())
        .map(|(&x, n)| truth(x) + n)
        .collect();
    let (x, y, tx) = (column(&xs), column(&ys), column(test));
    let mut net: Sequential<f64> = mlp(
        &[1, hidden, hidden, 1],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(sample + 1),
    );
    let mut opt = Adam::new(0.01);
    let mut out = Vec::new();
    for step in 0..=*checkpoints.last().expect("checkpoints") {
        if checkpoints.contains(&step) {
            let tape = Tape::inference();
            out.push(
                net.forward(&tape, tape.constant(tx.clone()))
                    .value()
                    .data()
                    .to_vec(),
            );
        }
        let tape = Tape::new();
        let err = net.forward(&tape, tape.constant(x.clone())) - tape.constant(y.clone());
        let loss = (err * err).mean_all();
        opt.update(&mut net, &loss.backward())
            .expect("every parameter has a gradient");
    }
    out
}

/// (bias², variance) of the K nets' predictions `preds[k][x]`.
fn decompose(preds: &[&Vec<f64>], test: &[f64]) -> (f64, f64) {
    let k = preds.len() as f64;
    let (mut bias, mut variance) = (0.0, 0.0);
    for (i, &x) in test.iter().enumerate() {
        let mean = preds.iter().map(|p| p[i]).sum::<f64>() / k;
        bias += (mean - truth(x)).powi(2);
        variance += preds.iter().map(|p| (p[i] - mean).powi(2)).sum::<f64>() / k;
    }
    (bias / test.len() as f64, variance / test.len() as f64)
}

fn main() -> Result<(), String> {
    let run = Run::start("bias_variance");
    let (samples, repeats) = run.pick((20u64, 5u64), (4, 2));
    let checkpoints: Vec<usize> = run.pick(vec![0, 10, 30, 100, 300, 1000, 3000], vec![0, 10, 30]);
    let test: Vec<f64> = (0..100).map(|i| (i as f64 + 0.5) / 100.0).collect();
    let seeds: Vec<u64> = (0..repeats).collect();
    let mut record = Record::new(&run, &seeds);
    record.setting(
        "training sets per ensemble, points per set, noise sd",
        json!([samples, 30, 0.3]),
    );
    record.setting("checkpoints (Adam steps)", json!(checkpoints));
    let mut figures: Vec<Figure> = ["bias²", "variance"]
        .iter()
        .map(|what| {
            let mut f = Figure::new(
                &format!("{what} of the prediction over 20 training samples, by hidden width H"),
                Axis::log("Adam steps (+1)"),
                Axis::log(what),
            );
            f.subtitle = format!("{repeats} repeats of the 20-sample ensemble, mean ± sd");
            f.legend = Legend::LowerLeft;
            f
        })
        .collect();
    let mut results = Vec::new();
    for hidden in SIZES {
        // Every net of every repeat, then the decomposition per repeat.
        let ids: Vec<u64> = (0..repeats * samples).collect();
        let preds = over_seeds(&ids, |id| {
            fit(hidden, 1000 * hidden as u64 + id, &test, &checkpoints)
        });
        let per_repeat: Vec<Vec<(f64, f64)>> = (0..repeats as usize)
            .map(|r| {
                (0..checkpoints.len())
                    .map(|c| {
                        let ensemble: Vec<&Vec<f64>> = preds
                            [r * samples as usize..(r + 1) * samples as usize]
                            .iter()
                            .map(|p| &p[c])
                            .collect();
                        decompose(&ensemble, &test)
                    })
                    .collect()
            })
            .collect();
        let at = |c: usize, pick: fn(&(f64, f64)) -> f64| {
            Summary::of(&per_repeat.iter().map(|r| pick(&r[c])).collect::<Vec<_>>())
        };
        let bias: Vec<(f64, Summary)> = (0..checkpoints.len())
            .map(|c| (checkpoints[c] as f64 + 1.0, at(c, |d| d.0)))
            .collect();
        let variance: Vec<(f64, Summary)> = (0..checkpoints.len())
            .map(|c| (checkpoints[c] as f64 + 1.0, at(c, |d| d.1)))
            .collect();
        for (c, step) in checkpoints.iter().enumerate() {
            println!(
                "H = {hidden:>2}, step {step:>4}: bias² {}, variance {}",
                bias[c].1.display(),
                variance[c].1.display()
            );
            record.number(
                &format!("H = {hidden}, step {step}: bias squared"),
                &bias[c].1,
            );
            record.number(
                &format!("H = {hidden}, step {step}: variance"),
                &variance[c].1,
            );
        }
        figures[0]
            .curves
            .push(Curve::mean_sd(&format!("H = {hidden}"), bias.clone()));
        figures[1]
            .curves
            .push(Curve::mean_sd(&format!("H = {hidden}"), variance.clone()));
        results.push((hidden, bias, variance));
    }
    figures[0].write(&run, "bias_variance.svg")?;
    figures[1].write(&run, "bias_variance_variance.svg")?;

    let falls = results.iter().all(|(_, bias, _)| {
        let (first, last) = (bias[1].1.mean, bias[bias.len() - 1].1.mean);
        last < first / 2.0
    });
    let describe_bias: Vec<String> = results
        .iter()
        .map(|(h, bias, _)| {
            format!(
                "H = {h}: {} → {}",
                bias[1].1.display(),
                bias[bias.len() - 1].1.display()
            )
        })
        .collect();
    record.claim(
        "Bias falls as training goes on",
        if falls {
            Verdict::Holds
        } else {
            Verdict::Contradicted
        },
        &format!(
            "bias² from step 10 to the end — {}",
            describe_bias.join("; ")
        ),
    );
    // Variance grows late in training: its last value well above its
    // smallest after the start.
    let grows: Vec<bool> = results
        .iter()
        .map(|(_, _, variance)| {
            let least = variance[1..]
                .iter()
                .map(|v| v.1.mean)
                .fold(f64::INFINITY, f64::min);
            variance[variance.len() - 1].1.mean > 2.0 * least
        })
        .collect();
    let describe_variance: Vec<String> = results
        .iter()
        .map(|(h, _, variance)| {
            let least = variance[1..]
                .iter()
                .min_by(|a, b| a.1.mean.total_cmp(&b.1.mean))
                .expect("checkpoints");
            format!(
                "H = {h}: least {} (step {}), end {}",
                least.1.display(),
                least.0 - 1.0,
                variance[variance.len() - 1].1.display()
            )
        })
        .collect();
    record.claim(
        "When the network overfits, it models the noise of its sample and the variance grows",
        if grows.iter().all(|&g| g) {
            Verdict::Holds
        } else if grows.iter().any(|&g| g) {
            Verdict::HoldsOnlyWhen
        } else {
            Verdict::Contradicted
        },
        &format!(
            "variance over the 20 training samples — {}",
            describe_variance.join("; ")
        ),
    );
    record.write()?;
    Ok(())
}
