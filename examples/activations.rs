//! # activations — which non-linearity trains fastest, and what saturates
//!
//! The essay (after Efficient BackProp §4.4 and Glorot & Bengio 2010): tanh
//! is symmetric and converges faster than sigmoid; relu does not saturate on
//! the upper side and greatly accelerates training; relu outputs are sparse
//! when many inputs are negative; large weights saturate sigmoid and tanh
//! and slow learning, and so do small weights.
//!
//! A 20-32-32-32-10 MLP on ten Gaussian clusters, plain full-batch SGD, for
//! sigmoid, tanh, LeCun's 1.7159·tanh(2x/3) and relu, each at three init
//! scales (0.3×, 1× and 3× LeCun's 1/√fan_in); every one of the twelve
//! configurations gets its own rate search on a log grid (seed 1000), then
//! 10 seeds. Measured: steps to a training loss of 0.01, the loss curve, and
//! over training the share of saturated tanh/sigmoid units (derivative
//! below 5% of its peak) and of zero relu outputs.
//!
//! `cargo run --release --example activations [-- --quick]`; writes
//! `target/lab/activations.svg` (loss curves at LeCun scale),
//! `activations_speed.svg` (steps to the target against init scale),
//! `activations_stuck.svg` (saturated or zero units over training) and
//! `activations.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{clusters, evaluate};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, log_grid, over_seeds};
use origami::nn::{Sequential, mlp};
use origami::prelude::*;
use origami::probe::saturation;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

/// The training loss the configurations race to.
const TARGET: f64 = 0.01;

const ACTIVATIONS: [(&str, Activation); 4] = [
    ("sigmoid", Activation::Sigmoid),
    ("tanh", Activation::Tanh),
    ("LeCun tanh", Activation::ScaledTanh),
    ("relu", Activation::Relu),
];

const SCALES: [f64; 3] = [0.3, 1.0, 3.0];

fn net(activation: Activation, scale: f64, seed: u64) -> Sequential<f64> {
    let mut net = mlp::<f64>(
        &[20, 32, 32, 32, 10],
        activation,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    for (name, p) in net.params_mut() {
        if name.ends_with("weight") {
            p.value_mut()
                .data_mut()
                .iter_mut()
                .for_each(|w| *w *= scale);
        }
    }
    net
}

/// The share of hidden units that are saturated (tanh, sigmoid) or output
/// zero (relu) on the data.
fn stuck_share(net: &Sequential<f64>, activation: Activation, x: &Tensor<f64>) -> f64 {
    let tape = Tape::inference();
    let outs = net.forward_all(&tape, tape.constant(x.clone()));
    let hidden: Vec<f64> = outs
        .iter()
        .step_by(2)
        .take(3)
        .map(|z| saturation(&z.value(), activation, 0.05).saturated)
        .collect();
    hidden.iter().sum::<f64>() / hidden.len() as f64
}

/// One run: the loss every 10 steps, the step the loss first reached
/// `TARGET` (if it did), the stuck share every 50 steps, and the stuck
/// share at the start and the end.
struct Trace {
    loss: Vec<f64>,
    reached: Option<usize>,
    stuck_over_time: Vec<f64>,
    stuck: (f64, f64),
}

fn train(activation: Activation, scale: f64, lr: f64, seed: u64, steps: usize) -> Trace {
    let (x, y) = clusters::<f64>(500, 40 + seed);
    let mut m = net(activation, scale, seed);
    let start = stuck_share(&m, activation, &x);
    let mut opt = Sgd::new(lr);
    let (mut loss, mut reached, mut stuck_over_time) = (Vec::new(), None, Vec::new());
    for step in 0..=steps {
        if step % 50 == 0 {
            stuck_over_time.push(stuck_share(&m, activation, &x));
        }
        let (l, grads) = evaluate(&m, &x, &y);
        let l = if l.is_finite() { l } else { f64::INFINITY };
        if step % 10 == 0 {
            loss.push(l);
        }
        if reached.is_none() && l <= TARGET {
            reached = Some(step);
        }
        if step == steps || !l.is_finite() || opt.update(&mut m, &grads).is_err() {
            break;
        }
    }
    Trace {
        loss,
        reached,
        stuck_over_time,
        stuck: (start, stuck_share(&m, activation, &x)),
    }
}

fn main() -> Result<(), String> {
    let run = Run::start("activations");
    let seeds = run.seeds(10, 2);
    let steps = run.pick(1500, 60);
    let grid = log_grid(0.01, 100.0, 2);
    let mut record = Record::new(&run, &seeds);
    record.setting("rate grid", json!(grid));
    record.setting("SGD steps", json!(steps));
    record.setting("target training loss", json!(TARGET));

    let mut curves = Figure::new(
        "training loss at LeCun-scale init (20-32-32-32-10, ten clusters)",
        Axis::integer("SGD step"),
        Axis::log("cross-entropy"),
    );
    curves.subtitle = format!(
        "{} seeds, median and range; each activation at its searched rate",
        seeds.len()
    );
    curves.legend = Legend::LowerLeft;
    let mut stuck_fig = Figure::new(
        "share of saturated (tanh, sigmoid) or zero (relu) hidden units, LeCun scale",
        Axis::integer("SGD step"),
        Axis::linear("share of hidden units"),
    );
    stuck_fig.subtitle = format!(
        "{} seeds, median and range; saturated: derivative below 5% of its peak",
        seeds.len()
    );
    stuck_fig.legend = Legend::MiddleRight;
    let mut speed = Figure::new(
        "steps to reach training loss 0.01, by init scale",
        Axis::log("init scale (× LeCun's 1/√fan_in)"),
        Axis::log("SGD steps"),
    );
    speed.subtitle = format!(
        "{} seeds, median and range of the seeds that got there; missing points: none did",
        seeds.len()
    );
    speed.legend = Legend::UpperMiddle;
    println!(
        "activation | scale | rate   | steps to loss {TARGET}: median [min, max] (seeds) | stuck share start → end | final loss"
    );
    let mut steps_at = std::collections::BTreeMap::new();
    for (name, activation) in ACTIVATIONS {
        let mut points = Vec::new();
        for scale in SCALES {
            let lr = best_rate(&grid, |lr| {
                let t = train(activation, scale, lr, 1000, steps);
                t.reached.map_or(
                    steps as f64 + t.loss.last().copied().unwrap_or(f64::INFINITY),
                    |s| s as f64,
                )
            });
            let traces = over_seeds(&seeds, |s| train(activation, scale, lr, s, steps));
            let reached: Vec<f64> = traces
                .iter()
                .filter_map(|t| t.reached.map(|s| s as f64))
                .collect();
            let stuck_start = Summary::of(&traces.iter().map(|t| t.stuck.0).collect::<Vec<_>>());
            let stuck_end = Summary::of(&traces.iter().map(|t| t.stuck.1).collect::<Vec<_>>());
            let final_loss = Summary::of(
                &traces
                    .iter()
                    .map(|t| *t.loss.last().expect("a loss"))
                    .collect::<Vec<_>>(),
            );
            let key = format!("{name}, scale {scale}");
            println!(
                "{name:<10} | {scale:<5} | {:<6} | {:>34} ({}/{}) | {} → {} | {}",
                lab::axis::number(lr),
                if reached.is_empty() {
                    "never".to_string()
                } else {
                    Summary::of(&reached).display_range()
                },
                reached.len(),
                seeds.len(),
                stuck_start.display(),
                stuck_end.display(),
                final_loss.display_range()
            );
            record.setting(&format!("{key}: rate"), json!(lr));
            record.number(
                &format!("{key}: share of seeds reaching the target"),
                &Summary::of(
                    &traces
                        .iter()
                        .map(|t| f64::from(u8::from(t.reached.is_some())))
                        .collect::<Vec<_>>(),
                ),
            );
            if !reached.is_empty() {
                let s = Summary::of(&reached);
                record.number(&format!("{key}: steps to the target"), &s);
                points.push((scale, s));
            }
            record.number(&format!("{key}: stuck share at the start"), &stuck_start);
            record.number(&format!("{key}: stuck share at the end"), &stuck_end);
            record.number(&format!("{key}: final loss"), &final_loss);
            if scale == 1.0 {
                stuck_fig.curves.push(Curve::median_range(
                    name,
                    (0..traces
                        .iter()
                        .map(|t| t.stuck_over_time.len())
                        .min()
                        .unwrap_or(0))
                        .map(|k| {
                            (
                                (50 * k) as f64,
                                Summary::of(
                                    &traces
                                        .iter()
                                        .map(|t| t.stuck_over_time[k])
                                        .collect::<Vec<_>>(),
                                ),
                            )
                        }),
                ));
                curves.curves.push(Curve::median_range(
                    &format!("{name} (lr {})", lab::axis::number(lr)),
                    (0..traces.iter().map(|t| t.loss.len()).min().unwrap_or(0)).map(|k| {
                        (
                            (10 * k) as f64,
                            Summary::of(&traces.iter().map(|t| t.loss[k]).collect::<Vec<_>>()),
                        )
                    }),
                ));
            }
            // Steps per seed (the budget + 1 when it never got there), for
            // paired comparisons.
            let per_seed: Vec<f64> = traces
                .iter()
                .map(|t| t.reached.map_or(steps as f64 + 1.0, |s| s as f64))
                .collect();
            steps_at.insert(key, (per_seed, stuck_end));
        }
        speed.curves.push(Curve::median_range(name, points));
    }
    curves.write(&run, "activations.svg")?;
    speed.write(&run, "activations_speed.svg")?;
    stuck_fig.write(&run, "activations_stuck.svg")?;

    let n = seeds.len();
    let faster = |a: &str, b: &str| {
        let (x, y) = (&steps_at[a].0, &steps_at[b].0);
        x.iter().zip(y).filter(|(p, q)| p < q).count()
    };
    let median = |key: &str| Summary::of(&steps_at[key].0).median;
    let verdict = |wins: usize| Verdict::from_pairs(wins, n);
    let tanh_wins = faster("tanh, scale 1", "sigmoid, scale 1");
    record.claim(
        "tanh is symmetric and converges faster than sigmoid",
        verdict(tanh_wins),
        &format!(
            "at LeCun scale, each at its searched rate, tanh reaches loss {TARGET} in {} steps and sigmoid in {} (medians; budget + 1 where it never did); tanh first in {tanh_wins}/{n} seeds",
            median("tanh, scale 1"),
            median("sigmoid, scale 1")
        ),
    );
    let relu_wins = faster("relu, scale 1", "tanh, scale 1");
    record.claim(
        "relu does not saturate on the upper side and greatly accelerates training",
        verdict(relu_wins),
        &format!(
            "at LeCun scale relu reaches loss {TARGET} in {} steps, tanh in {}, LeCun tanh in {} (medians); relu first against tanh in {relu_wins}/{n} seeds",
            median("relu, scale 1"),
            median("tanh, scale 1"),
            median("LeCun tanh, scale 1")
        ),
    );
    let zero = &steps_at["relu, scale 1"].1;
    record.claim(
        "relu outputs are sparse",
        if zero.mean > 0.3 {
            Verdict::Holds
        } else {
            Verdict::Contradicted
        },
        &format!(
            "after training, {} of the relu units' outputs are zero (LeCun scale)",
            zero.display()
        ),
    );
    let (large_sig, small_sig) = (
        faster("sigmoid, scale 1", "sigmoid, scale 3"),
        faster("sigmoid, scale 1", "sigmoid, scale 0.3"),
    );
    let (large_tanh, small_tanh) = (
        faster("tanh, scale 1", "tanh, scale 3"),
        faster("tanh, scale 1", "tanh, scale 0.3"),
    );
    record.claim(
        "Large weights saturate sigmoid and tanh and slow learning, and so do small weights",
        match (
            verdict(large_tanh) == Verdict::Holds && verdict(large_sig) == Verdict::Holds,
            verdict(small_tanh) == Verdict::Holds && verdict(small_sig) == Verdict::Holds,
        ) {
            (true, true) => Verdict::Holds,
            (false, false) => Verdict::Contradicted,
            _ => Verdict::HoldsOnlyWhen,
        },
        &format!(
            "steps to loss {TARGET} (medians) for tanh at 0.3×, 1×, 3× LeCun scale: {}, {}, {}; sigmoid: {}, {}, {}; LeCun scale first against 3× in {large_tanh}/{n} (tanh) and {large_sig}/{n} (sigmoid) seeds, against 0.3× in {small_tanh}/{n} and {small_sig}/{n}; tanh's saturated share at the end: {} at 3×, {} at 1×",
            median("tanh, scale 0.3"),
            median("tanh, scale 1"),
            median("tanh, scale 3"),
            median("sigmoid, scale 0.3"),
            median("sigmoid, scale 1"),
            median("sigmoid, scale 3"),
            steps_at["tanh, scale 3"].1.display(),
            steps_at["tanh, scale 1"].1.display()
        ),
    );
    record.write()?;
    Ok(())
}
