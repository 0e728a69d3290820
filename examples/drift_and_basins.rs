//! # drift_and_basins — what stochastic noise buys: tracking, and other minima
//!
//! The essay: stochastic learning can track a function that changes over
//! time, and its noise lets it jump into a different, deeper basin where
//! batch learning falls into the nearest one.
//!
//! (a) A drifting target: 2-D points, labels from a boundary through the
//!     origin that turns once every 10,000 examples. Online SGD (logistic
//!     regression, one example at a time) against a batch learner that
//!     retrains on the last 500 examples every 500 (200 full-batch Adam
//!     steps, warm-started). Error on 500 fresh points of the current
//!     target every 100 examples, over 10 seeds.
//! (b) Basins: a small 2-6-6-2 tanh net on two wobbly moons (200 points)
//!     with every fifth label flipped, so no minimum reaches zero loss.
//!     From the same 20 initialisations, per-example SGD (100 epochs)
//!     against full-batch descent (3,000 steps), each at its searched rate,
//!     then both polished by 3,000 full-batch steps so each ends at the
//!     bottom of the basin it chose. Of each minimum: the training loss
//!     ("deeper"), the test error on clean moons, and the sharpness λ_max
//!     of the loss Hessian (power iteration on exact Hessian-vector
//!     products).
//!
//! `cargo run --release --example drift_and_basins [-- --quick]`; writes
//! `target/lab/drift_and_basins.svg` (error over time),
//! `drift_and_basins_minima.svg` (loss against sharpness) and
//! `drift_and_basins.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{accuracy, evaluate, moons};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, log_grid, over_seeds};
use origami::nn::{Params, Sequential, mlp};
use origami::optim::{hessian_vector, loss_fn, top_eigenvalue};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::json;

/// Examples per full turn of the drifting boundary.
const TURN: f64 = 10_000.0;

/// `n` points of the drifting task at time `t` (examples seen so far):
/// x ~ N(0, I), label 1 where x lies left of the boundary's direction.
fn drifting(n: usize, t: f64, rng: &mut StdRng) -> (Tensor<f64>, Vec<usize>) {
    let x = Tensor::<f64>::randn(&[n, 2], 0.0, 1.0, rng).expect("std");
    let angle = std::f64::consts::TAU * t / TURN;
    let (c, s) = (angle.cos(), angle.sin());
    let y = x
        .data()
        .chunks(2)
        .map(|p| usize::from(-s * p[0] + c * p[1] > 0.0))
        .collect();
    (x, y)
}

fn linear(seed: u64) -> Sequential<f64> {
    mlp(
        &[2, 2],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(seed),
    )
}

/// Error on fresh points of the current target every 100 examples, for the
/// online learner (`online`) or the periodic batch learner.
fn track(online: bool, seed: u64, total: usize) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut probe = StdRng::seed_from_u64(seed + 1);
    let mut m = linear(seed);
    let mut sgd = Sgd::<f64>::new(0.1);
    let mut window: Vec<(f64, f64, usize)> = Vec::new();
    let mut errors = Vec::new();
    for t in 0..total {
        let (x, y) = drifting(1, t as f64, &mut rng);
        if online {
            let (_, grads) = evaluate(&m, &x, &y);
            sgd.update(&mut m, &grads)
                .expect("every parameter has a gradient");
        } else {
            window.push((x.data()[0], x.data()[1], y[0]));
            if window.len() > 500 {
                window.remove(0);
            }
            if (t + 1) % 500 == 0 {
                let wx = Tensor::from_vec(
                    &[window.len(), 2],
                    window.iter().flat_map(|w| [w.0, w.1]).collect(),
                )
                .expect("sized");
                let wy: Vec<usize> = window.iter().map(|w| w.2).collect();
                let mut adam = Adam::<f64>::new(0.05);
                for _ in 0..200 {
                    let (_, grads) = evaluate(&m, &wx, &wy);
                    adam.update(&mut m, &grads)
                        .expect("every parameter has a gradient");
                }
            }
        }
        if (t + 1) % 100 == 0 {
            let (px, py) = drifting(500, t as f64, &mut probe);
            errors.push(1.0 - accuracy(&m, &px, &py));
        }
    }
    errors
}

fn net(seed: u64) -> Sequential<f64> {
    mlp(
        &[2, 6, 6, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    )
}

/// Two wobbly moons with every fifth label flipped: no net of this size
/// fits it, so its minima sit at different, non-zero losses.
fn noisy_moons(n: usize) -> (Tensor<f64>, Vec<usize>) {
    let (x, mut y) = moons::<f64>(n, 0.1);
    for (i, label) in y.iter_mut().enumerate() {
        if i % 5 == 3 {
            *label = 1 - *label;
        }
    }
    (x, y)
}

/// The minimum one learner reached from init `seed`: (training loss, test
/// error, λ_max). SGD runs `epochs` per-example epochs at `lr`, full-batch
/// descent `steps` steps at `lr`; then both are polished by `polish`
/// full-batch steps at `polish_lr`, so that each ends at the bottom of the
/// basin it chose rather than somewhere in SGD's noise.
#[allow(clippy::too_many_arguments)]
fn descend(
    stochastic: bool,
    lr: f64,
    seed: u64,
    epochs: usize,
    steps: usize,
    polish: (usize, f64),
    sharpness: bool,
) -> (f64, f64, f64) {
    let (x, y) = noisy_moons(200);
    let mut m = net(seed);
    let mut opt = Sgd::<f64>::new(lr);
    let failed = (f64::INFINITY, 1.0, f64::NAN);
    if stochastic {
        let mut order: Vec<usize> = (0..200).collect();
        let mut rng = StdRng::seed_from_u64(seed + 7);
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let xi =
                    Tensor::from_vec(&[1, 2], x.data()[2 * i..2 * i + 2].to_vec()).expect("sized");
                let (_, grads) = evaluate(&m, &xi, &y[i..=i]);
                if opt.update(&mut m, &grads).is_err() {
                    return failed;
                }
            }
        }
    } else {
        for _ in 0..steps {
            let (_, grads) = evaluate(&m, &x, &y);
            if opt.update(&mut m, &grads).is_err() {
                return failed;
            }
        }
    }
    opt.lr = polish.1;
    for _ in 0..polish.0 {
        let (_, grads) = evaluate(&m, &x, &y);
        if opt.update(&mut m, &grads).is_err() {
            return failed;
        }
    }
    let (loss, _) = evaluate(&m, &x, &y);
    if !loss.is_finite() {
        return failed;
    }
    let (tx, ty) = moons::<f64>(1000, 0.1);
    let error = 1.0 - accuracy(&m, &tx, &ty);
    let lambda = if sharpness {
        let f = loss_fn(|t, m: &Sequential<f64>| {
            m.forward(t, t.constant(x.clone()))
                .cross_entropy(&y, Reduction::Mean)
        });
        top_eigenvalue(
            |v| hessian_vector(&f, &m, v),
            m.num_scalars(),
            200,
            1e-8,
            &mut StdRng::seed_from_u64(seed + 9),
        )
        .value
    } else {
        f64::NAN
    };
    (loss, error, lambda)
}

fn main() -> Result<(), String> {
    let run = Run::start("drift_and_basins");
    let mut record = Record::new(&run, &run.seeds(20, 2));

    // (a) Tracking a drifting boundary.
    let drift_seeds = run.seeds(10, 2);
    let total = run.pick(20_000, 2_000);
    record.setting("drift: examples, examples per turn", json!([total, TURN]));
    let mut drift = Figure::new(
        "error on the current target while the boundary turns",
        Axis::integer("examples seen"),
        Axis::linear("test error"),
    );
    drift.subtitle = format!(
        "{} seeds, median and range; one turn every 10,000 examples",
        drift_seeds.len()
    );
    drift.legend = Legend::UpperRight;
    let mut mean_errors = Vec::new();
    for (name, online) in [
        ("online SGD (rate 0.1)", true),
        ("batch: retrain on the last 500 every 500", false),
    ] {
        let traces = over_seeds(&drift_seeds, |s| track(online, s, total));
        let points: Vec<(f64, Summary)> = (0..traces[0].len())
            .map(|k| {
                (
                    (100 * (k + 1)) as f64,
                    Summary::of(&traces.iter().map(|t| t[k]).collect::<Vec<_>>()),
                )
            })
            .collect();
        let skip = traces[0].len() / 10; // leave out the first tenth: both start cold
        let mean = Summary::of(
            &traces
                .iter()
                .map(|t| t[skip..].iter().sum::<f64>() / (t.len() - skip) as f64)
                .collect::<Vec<_>>(),
        );
        println!(
            "(a) {name}: mean test error after the first tenth {}",
            mean.display()
        );
        record.number(&format!("drift, {name}: mean test error"), &mean);
        drift.curves.push(Curve::median_range(name, points));
        mean_errors.push((name, mean, traces));
    }
    drift.write(&run, "drift_and_basins.svg")?;
    let online_better = mean_errors[0]
        .2
        .iter()
        .zip(&mean_errors[1].2)
        .filter(|(o, b)| o.iter().sum::<f64>() < b.iter().sum::<f64>())
        .count();
    record.claim(
        "Stochastic learning can track a function that changes over time",
        Verdict::from_pairs(online_better, drift_seeds.len()),
        &format!(
            "with the boundary turning once per 10,000 examples, online SGD's mean test error is {} against {} for a batch learner retrained every 500 examples; online lower in {online_better}/{} seeds",
            mean_errors[0].1.display(),
            mean_errors[1].1.display(),
            drift_seeds.len()
        ),
    );

    // (b) Which minimum: SGD against full-batch descent from the same inits.
    let seeds = run.seeds(20, 2);
    let (epochs, steps) = run.pick((100, 3000), (3, 30));
    let grid = log_grid(0.01, 10.0, 2);
    record.setting(
        "basins: SGD epochs, full-batch steps",
        json!([epochs, steps]),
    );
    let gd_lr = best_rate(&grid, |lr| {
        descend(false, lr, 1000, 0, steps, (0, lr), false).0
    });
    let polish = (run.pick(3000, 30), gd_lr);
    let sgd_lr = best_rate(&grid, |lr| {
        descend(true, lr, 1000, epochs, 0, polish, false).0
    });
    record.setting("basins: rates (SGD, full batch)", json!([sgd_lr, gd_lr]));
    record.setting("basins: polishing full-batch steps", json!(polish.0));
    let sgd = over_seeds(&seeds, |s| {
        descend(true, sgd_lr, s, epochs, 0, polish, true)
    });
    let gd = over_seeds(&seeds, |s| descend(false, gd_lr, s, 0, steps, polish, true));
    let mut minima = Figure::new(
        "the minima found from the same 20 inits: training loss against sharpness",
        Axis::log("λ_max of the loss Hessian at the end"),
        Axis::log("training loss at the end"),
    );
    minima.subtitle = "one point per init".into();
    minima.legend = Legend::UpperRight;
    let mut summaries = Vec::new();
    for (name, found) in [("per-example SGD", &sgd), ("full-batch descent", &gd)] {
        let pick =
            |f: fn(&(f64, f64, f64)) -> f64| Summary::of(&found.iter().map(f).collect::<Vec<_>>());
        let (loss, error, lambda) = (pick(|r| r.0), pick(|r| r.1), pick(|r| r.2));
        println!(
            "(b) {name}: training loss {}, test error {}, λ_max {}",
            loss.display_range(),
            error.display(),
            lambda.display()
        );
        record.number(&format!("basins, {name}: training loss"), &loss);
        record.number(&format!("basins, {name}: test error"), &error);
        record.number(&format!("basins, {name}: lambda_max"), &lambda);
        let mut points: Vec<(f64, f64)> = found.iter().map(|r| (r.2, r.0)).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut curve = Curve::new(name, points);
        curve.scatter = true;
        minima.curves.push(curve);
        summaries.push((loss, error, lambda));
    }
    minima.write(&run, "drift_and_basins_minima.svg")?;
    let n = seeds.len();
    let deeper = sgd.iter().zip(&gd).filter(|(s, g)| s.0 < g.0).count();
    let flatter = sgd.iter().zip(&gd).filter(|(s, g)| s.2 < g.2).count();
    let better = sgd.iter().zip(&gd).filter(|(s, g)| s.1 < g.1).count();
    let tested = |wins: usize| Verdict::from_pairs(wins, n);
    record.claim(
        "Stochastic noise lets learning jump into a different, deeper basin, where batch learning falls into the nearest one",
        tested(deeper),
        &format!(
            "from the same {n} inits, SGD ends at training loss {} and full-batch descent at {} (median [min, max]); SGD deeper in {deeper}/{n}, flatter (λ_max {} against {}) in {flatter}/{n}, lower test error ({} against {}) in {better}/{n}",
            summaries[0].0.display_range(),
            summaries[1].0.display_range(),
            summaries[0].2.display(),
            summaries[1].2.display(),
            summaries[0].1.display(),
            summaries[1].1.display()
        ),
    );
    record.write()?;
    Ok(())
}
