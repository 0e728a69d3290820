//! # depth_vs_width — deep-narrow against shallow-wide at equal size
//!
//! The essay: depth contributes to generalisation while width contributes
//! to memorisation; deep nets are expressive, but wide shallow ones are
//! more stable, because perturbations grow along depth.
//!
//! Tanh MLPs on ten Gaussian clusters in 20-D, at three parameter budgets
//! (about 1.3k, 4.2k and 14.5k): deep-narrow (four hidden layers of 16, 32
//! or 64) against shallow-wide (one hidden layer of 42, 134 or 467), 5
//! seeds each, Adam at a rate searched per architecture on a validation
//! set. Measured:
//!
//! * generalisation: test accuracy on the clusters (500 training points),
//!   and on two spirals (600 points, 2,000 steps, rates searched over
//!   1,000; budgets of about 0.9k, 3.3k and 7.3k parameters, deep 4 ×
//!   16/32/48 against one layer of 179/665/1,459), a task with structure
//!   to compose;
//! * memorisation (Zhang et al. 2017): Adam steps until the net fits 500
//!   points with *random* labels (capped at 3,000);
//! * stability: the relative change of the outputs, ‖f(x; W + δ) − f(x; W)‖
//!   / ‖f(x; W)‖, when every weight gets noise of 0.1× its layer's RMS.
//!
//! `cargo run --release --example depth_vs_width [-- --quick]`; writes
//! `target/lab/depth_vs_width.svg`, `depth_vs_width_spirals.svg`,
//! `depth_vs_width_memorisation.svg`, `depth_vs_width_stability.svg` and
//! `depth_vs_width.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{accuracy, clusters, evaluate, spirals};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, over_seeds};
use origami::nn::{Params, Sequential, mlp};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::json;

/// (budget label, deep width, shallow width).
const BUDGETS: [(&str, usize, usize); 3] =
    [("1.3k", 16, 42), ("4.2k", 32, 134), ("14.5k", 64, 467)];

/// The same, for two spirals (2 inputs, 2 classes): about 0.9k, 3.3k and
/// 7.3k parameters.
const SPIRAL_BUDGETS: [(&str, usize, usize); 3] =
    [("0.9k", 16, 179), ("3.3k", 32, 665), ("7.3k", 48, 1459)];

/// What one seed measured: (test accuracy, steps to fit random labels,
/// relative output change under weight noise).
type Measured = (f64, f64, f64);

/// `inputs → 4 × width (deep) or 1 × width → classes`.
fn widths(deep: bool, width: usize) -> Vec<usize> {
    layered(20, deep, width, 10)
}

fn layered(inputs: usize, deep: bool, width: usize, classes: usize) -> Vec<usize> {
    let mut w = vec![inputs];
    w.extend(std::iter::repeat_n(width, if deep { 4 } else { 1 }));
    w.push(classes);
    w
}

fn net(widths: &[usize], seed: u64) -> Sequential<f64> {
    mlp(
        widths,
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    )
}

/// Trains on `(x, y)` with Adam at `lr` for `steps`, or until the training
/// accuracy is 1 if `until_fit`; returns the net and the steps taken.
fn fit(
    widths: &[usize],
    lr: f64,
    seed: u64,
    x: &Tensor<f64>,
    y: &[usize],
    steps: usize,
    until_fit: bool,
) -> (Sequential<f64>, usize) {
    let mut m = net(widths, seed);
    let mut opt = Adam::new(lr);
    for step in 0..steps {
        if until_fit && accuracy(&m, x, y) == 1.0 {
            return (m, step);
        }
        let (_, grads) = evaluate(&m, x, y);
        opt.update(&mut m, &grads)
            .expect("every parameter has a gradient");
    }
    (m, steps)
}

/// Relative output change under weight noise of `scale` × each layer's RMS.
fn output_change(m: &mut Sequential<f64>, x: &Tensor<f64>, scale: f64, seed: u64) -> f64 {
    let out = |m: &Sequential<f64>| {
        let tape = Tape::inference();
        m.forward(&tape, tape.constant(x.clone()))
            .value()
            .data()
            .to_vec()
    };
    let clean = out(m);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut saved = Vec::new();
    for (name, p) in m.params_mut() {
        if name.ends_with("weight") {
            let w = p.value_mut();
            saved.push(w.clone());
            let rms = (w.data().iter().map(|v| v * v).sum::<f64>() / w.data().len() as f64).sqrt();
            let noise = Tensor::<f64>::randn(w.shape(), 0.0, scale * rms, &mut rng).expect("std");
            w.data_mut()
                .iter_mut()
                .zip(noise.data())
                .for_each(|(w, n)| *w += n);
        }
    }
    let noisy = out(m);
    let mut saved = saved.into_iter();
    for (name, p) in m.params_mut() {
        if name.ends_with("weight") {
            *p.value_mut() = saved.next().expect("one saved per weight");
        }
    }
    let diff: f64 = noisy
        .iter()
        .zip(&clean)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    diff / clean.iter().map(|a| a * a).sum::<f64>().sqrt()
}

fn main() -> Result<(), String> {
    let run = Run::start("depth_vs_width");
    let seeds = run.seeds(5, 2);
    let (steps, cap) = run.pick((400, 3000), (40, 200));
    let (x, y) = clusters::<f64>(500, 1);
    let (vx, vy) = clusters::<f64>(500, 999);
    let (tx, ty) = clusters::<f64>(2000, 2);
    let random_labels: Vec<usize> = {
        let mut labels = y.clone();
        labels.shuffle(&mut StdRng::seed_from_u64(5));
        labels
    };
    let grid = [3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
    let mut record = Record::new(&run, &seeds);
    record.setting("Adam rate grid", json!(grid));
    record.setting("steps on the clusters", json!(steps));
    record.setting("step cap for random labels", json!(cap));
    let mut figures: Vec<Figure> = [
        "test accuracy (clusters)",
        "Adam steps to fit random labels",
        "output change under 0.1×RMS weight noise",
    ]
    .iter()
    .map(|title| {
        let mut f = Figure::new(title, Axis::log("parameters"), Axis::linear(title));
        f.subtitle = format!("{} seeds, mean ± sd", seeds.len());
        f.legend = Legend::LowerRight;
        f
    })
    .collect();
    let mut results = Vec::new();
    for deep in [true, false] {
        let kind = if deep { "deep-narrow" } else { "shallow-wide" };
        let mut curves = [Vec::new(), Vec::new(), Vec::new()];
        for (budget, dw, sw) in BUDGETS {
            let w = widths(deep, if deep { dw } else { sw });
            let parameters = net(&w, 0).num_scalars() as f64;
            let lr = best_rate(&grid, |lr| {
                -accuracy(&fit(&w, lr, 1000, &x, &y, steps, false).0, &vx, &vy)
            });
            // Memorising random labels gets its own rate search.
            let memorise_lr = best_rate(&grid, |lr| {
                fit(&w, lr, 1000, &x, &random_labels, cap, true).1 as f64
            });
            let runs = over_seeds(&seeds, |s| {
                let (mut m, _) = fit(&w, lr, s, &x, &y, steps, false);
                let test = accuracy(&m, &tx, &ty);
                let change = output_change(&mut m, &tx, 0.1, s + 40);
                let (_, memorise) = fit(&w, memorise_lr, s, &x, &random_labels, cap, true);
                (test, memorise as f64, change)
            });
            let pick = |f: fn(&(f64, f64, f64)) -> f64| {
                Summary::of(&runs.iter().map(f).collect::<Vec<_>>())
            };
            let (test, memorise, change) = (pick(|r| r.0), pick(|r| r.1), pick(|r| r.2));
            println!(
                "{kind:<12} {budget:>5} ({parameters} parameters, lr {}): test accuracy {}, steps to fit random labels {}, output change {}",
                lab::axis::number(lr),
                test.display(),
                memorise.display(),
                change.display()
            );
            let key = format!("{kind}, {budget}");
            record.setting(&format!("{key}: rate"), json!(lr));
            record.setting(
                &format!("{key}: rate for random labels"),
                json!(memorise_lr),
            );
            record.setting(&format!("{key}: parameters"), json!(parameters));
            record.number(&format!("{key}: test accuracy"), &test);
            record.number(&format!("{key}: steps to fit random labels"), &memorise);
            record.number(
                &format!("{key}: relative output change under weight noise"),
                &change,
            );
            for (curve, s) in curves.iter_mut().zip([test, memorise, change]) {
                curve.push((parameters, s));
            }
            results.push((deep, budget, runs));
        }
        for (figure, curve) in figures.iter_mut().zip(curves) {
            figure.curves.push(Curve::mean_sd(kind, curve));
        }
    }
    for (figure, file) in figures.iter().zip([
        "depth_vs_width.svg",
        "depth_vs_width_memorisation.svg",
        "depth_vs_width_stability.svg",
    ]) {
        figure.write(&run, file)?;
    }

    // Paired by budget and seed: deep against shallow.
    let pairs: Vec<(&Measured, &Measured)> = BUDGETS
        .iter()
        .flat_map(|(budget, _, _)| {
            let deep = &results
                .iter()
                .find(|r| r.0 && r.1 == *budget)
                .expect("ran")
                .2;
            let shallow = &results
                .iter()
                .find(|r| !r.0 && r.1 == *budget)
                .expect("ran")
                .2;
            deep.iter().zip(shallow.iter())
        })
        .collect();
    let n = pairs.len();
    // Wins and losses of the claim's side; ties leave the sign test.
    let count = |better: fn(&Measured, &Measured) -> Option<bool>| {
        let outcomes: Vec<bool> = pairs.iter().filter_map(|(d, s)| better(d, s)).collect();
        (outcomes.iter().filter(|&&w| w).count(), outcomes.len())
    };
    let verdict = |(wins, decided): (usize, usize)| Verdict::from_pairs(wins, decided);
    /// Whether `a < b`, or `None` when they tie.
    fn unless_tied(a: f64, b: f64) -> Option<bool> {
        (a != b).then_some(a < b)
    }
    let deep_generalises = count(|d, s| unless_tied(s.0, d.0));
    let shallow_memorises = count(|d, s| unless_tied(s.1, d.1));
    let shallow_stable = count(|d, s| unless_tied(s.2, d.2));
    let tally =
        |(wins, decided): (usize, usize)| format!("{wins} of {decided} untied pairs (of {n})");
    let summary = |deep: bool, i: usize| {
        BUDGETS
            .iter()
            .map(|(budget, _, _)| {
                let runs = &results
                    .iter()
                    .find(|r| r.0 == deep && r.1 == *budget)
                    .expect("ran")
                    .2;
                let values: Vec<f64> = runs.iter().map(|r| [r.0, r.1, r.2][i]).collect();
                Summary::of(&values).display()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A task with structure to compose: two spirals.
    let spiral_steps = run.pick(2000, 30);
    let (sx, sy) = spirals::<f64>(600, 10);
    let (svx, svy) = spirals::<f64>(600, 11);
    let (stx, sty) = spirals::<f64>(2000, 12);
    record.setting("spirals: Adam steps", json!(spiral_steps));
    let mut spiral_fig = Figure::new(
        "test accuracy on two spirals",
        Axis::log("parameters"),
        Axis::linear("test accuracy (two spirals)"),
    );
    spiral_fig.subtitle = format!("{} seeds, mean ± sd", seeds.len());
    spiral_fig.legend = Legend::LowerRight;
    let mut spiral_runs = Vec::new();
    let mut spiral_curves = [Vec::new(), Vec::new()];
    for (budget, dw, sw) in SPIRAL_BUDGETS {
        for (k, deep) in [true, false].into_iter().enumerate() {
            let w = layered(2, deep, if deep { dw } else { sw }, 2);
            let parameters = net(&w, 0).num_scalars() as f64;
            let lr = best_rate(&grid, |lr| {
                -accuracy(
                    &fit(&w, lr, 1000, &sx, &sy, spiral_steps / 2, false).0,
                    &svx,
                    &svy,
                )
            });
            let accuracies = over_seeds(&seeds, |s| {
                accuracy(&fit(&w, lr, s, &sx, &sy, spiral_steps, false).0, &stx, &sty)
            });
            let summary = Summary::of(&accuracies);
            let kind = if deep { "deep-narrow" } else { "shallow-wide" };
            println!(
                "spirals {kind:<12} {budget:>5} ({parameters} parameters, lr {}): test accuracy {}",
                lab::axis::number(lr),
                summary.display()
            );
            record.setting(&format!("spirals, {kind}, {budget}: rate"), json!(lr));
            record.number(
                &format!("spirals, {kind}, {budget}: test accuracy"),
                &summary,
            );
            spiral_curves[k].push((parameters, summary));
            spiral_runs.push((deep, accuracies));
        }
    }
    for (kind, curve) in ["deep-narrow", "shallow-wide"]
        .iter()
        .zip(spiral_curves.clone())
    {
        spiral_fig.curves.push(Curve::mean_sd(kind, curve));
    }
    spiral_fig.write(&run, "depth_vs_width_spirals.svg")?;
    let spiral_pairs: Vec<Option<bool>> = spiral_runs
        .chunks(2)
        .flat_map(|pair| {
            pair[0]
                .1
                .iter()
                .zip(&pair[1].1)
                .map(|(d, s)| unless_tied(*s, *d))
                .collect::<Vec<_>>()
        })
        .collect();
    let spiral_decided: Vec<bool> = spiral_pairs.into_iter().flatten().collect();
    let spiral_wins = (
        spiral_decided.iter().filter(|&&w| w).count(),
        spiral_decided.len(),
    );
    let show = |k: usize| {
        spiral_curves[k]
            .iter()
            .map(|(_, s)| s.display())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let generalises = match (verdict(deep_generalises), verdict(spiral_wins)) {
        (a, b) if a == b => a,
        (Verdict::Holds, _) | (_, Verdict::Holds) => Verdict::HoldsOnlyWhen,
        _ => Verdict::Inconclusive,
    };
    record.claim(
        "Depth contributes to generalisation",
        generalises,
        &format!(
            "on ten Gaussian clusters (a nearly linear task), test accuracy at the 1.3k, 4.2k and 14.5k budgets is {} deep against {} shallow, deep higher in {}; on two spirals (0.9k, 3.3k, 7.3k) {} deep against {} shallow, deep higher in {}",
            summary(true, 0),
            summary(false, 0),
            tally(deep_generalises),
            show(0),
            show(1),
            tally(spiral_wins)
        ),
    );
    record.claim(
        "Width contributes to memorisation",
        verdict(shallow_memorises),
        &format!(
            "Adam steps to fit 500 random labels (each at its own searched rate), shallow {} against deep {}; shallow faster in {}",
            summary(false, 1),
            summary(true, 1),
            tally(shallow_memorises)
        ),
    );
    record.claim(
        "Wide shallow nets are more stable than deep ones, because perturbations grow along depth",
        verdict(shallow_stable),
        &format!(
            "relative output change under 0.1×RMS weight noise, shallow {} against deep {}; shallow steadier in {}",
            summary(false, 2),
            summary(true, 2),
            tally(shallow_stable)
        ),
    );
    record.write()?;
    Ok(())
}
