//! # linear_start — small weights start linear; non-linearity is grown when needed
//!
//! The essay: when weights start near zero, the units work in the linear
//! part of sigmoid and tanh, so the net starts out as a linear model; the
//! weights move away from zero only where the task needs non-linearity.
//!
//! A 2-16-16-2 tanh net started at 0.1× LeCun scale, trained with plain
//! SGD (rate 0.5) and with Adam (0.01), full batch, on three tasks: two Gaussian blobs (linearly separable),
//! XOR, and disk inside ring. Every 50 steps: the share of hidden
//! pre-activations beyond |z| > 1 (where tanh bends: tanh(1) = 0.76), and
//! how far the net is from its linearisation (the same weights with tanh
//! replaced by the identity): ‖f(x) − f_lin(x)‖ / ‖f(x)‖ on the data. 10
//! seeds per task.
//!
//! `cargo run --release --example linear_start [-- --quick]`; writes
//! `target/lab/linear_start.svg` and `linear_start.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{accuracy, disk_and_ring, evaluate, xor};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use origami::nn::{Params, Sequential, mlp};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

type Data = (Tensor<f64>, Vec<usize>);

/// Two Gaussian blobs (sd 0.6) at (−1, 0) and (1, 0): a line separates them
/// up to their overlap.
fn blobs(n: usize, seed: u64) -> Data {
    let noise =
        Tensor::<f64>::randn(&[n, 2], 0.0, 0.6, &mut StdRng::seed_from_u64(seed)).expect("std");
    let xs = (0..2 * n)
        .map(|k| {
            noise.data()[k]
                + if k % 2 == 0 {
                    if (k / 2) % 2 == 0 { -1.0 } else { 1.0 }
                } else {
                    0.0
                }
        })
        .collect();
    (
        Tensor::from_vec(&[n, 2], xs).expect("sized"),
        (0..n).map(|i| i % 2).collect(),
    )
}

/// A task: its name and its data generator (points, seed).
type Task = (&'static str, fn(usize, u64) -> Data);

const TASKS: [Task; 3] = [
    ("two blobs (linear)", blobs),
    ("XOR", xor::<f64>),
    ("disk and ring", disk_and_ring::<f64>),
];

/// The net with its weights scaled to 0.1× LeCun's.
fn small_net(seed: u64) -> Sequential<f64> {
    let mut net = mlp::<f64>(
        &[2, 16, 16, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    for (name, p) in net.params_mut() {
        if name.ends_with("weight") {
            p.value_mut().data_mut().iter_mut().for_each(|w| *w *= 0.1);
        }
    }
    net
}

/// The net's output computed with every tanh replaced by the identity.
fn linearised(net: &Sequential<f64>, x: &Tensor<f64>) -> Vec<f64> {
    let params = net.params();
    let weights: Vec<(Tensor<f64>, Tensor<f64>)> = params
        .chunks(2)
        .map(|wb| (wb[0].1.value().clone(), wb[1].1.value().clone()))
        .collect();
    let mut h: Vec<Vec<f64>> = x.data().chunks(2).map(<[f64]>::to_vec).collect();
    for (w, b) in &weights {
        let (outs, ins) = (w.shape()[0], w.shape()[1]);
        h = h
            .iter()
            .map(|row| {
                (0..outs)
                    .map(|o| {
                        b.data()[o]
                            + (0..ins)
                                .map(|i| w.data()[o * ins + i] * row[i])
                                .sum::<f64>()
                    })
                    .collect()
            })
            .collect();
    }
    h.concat()
}

/// (share of hidden pre-activations with |z| > 1, distance to the
/// linearisation) of `net` on `x`.
fn nonlinearity(net: &Sequential<f64>, x: &Tensor<f64>) -> (f64, f64) {
    let tape = Tape::inference();
    let outs = net.forward_all(&tape, tape.constant(x.clone()));
    let (mut beyond, mut total) = (0usize, 0usize);
    for z in outs.iter().step_by(2).take(2) {
        let z = z.value();
        beyond += z.data().iter().filter(|v| v.abs() > 1.0).count();
        total += z.data().len();
    }
    let f = outs.last().expect("layers").value();
    let lin = linearised(net, x);
    let diff: f64 = f
        .data()
        .iter()
        .zip(&lin)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    let size: f64 = f.data().iter().map(|a| a * a).sum::<f64>().sqrt();
    (beyond as f64 / total as f64, diff / size.max(1e-300))
}

/// Every 50 steps: (share beyond |z| > 1, distance to the linearisation);
/// and the final training accuracy.
fn train(
    task: fn(usize, u64) -> Data,
    adam: bool,
    seed: u64,
    steps: usize,
) -> (Vec<(f64, f64)>, f64) {
    let (x, y) = task(400, 20 + seed);
    let mut net = small_net(seed);
    let (mut sgd, mut adam_opt) = (Sgd::<f64>::new(0.5), Adam::<f64>::new(0.01));
    let mut trace = Vec::new();
    for step in 0..=steps {
        if step % 50 == 0 {
            trace.push(nonlinearity(&net, &x));
        }
        if step < steps {
            let (_, grads) = evaluate(&net, &x, &y);
            let step = if adam {
                adam_opt.update(&mut net, &grads)
            } else {
                sgd.update(&mut net, &grads)
            };
            step.expect("every parameter has a gradient");
        }
    }
    (trace, accuracy(&net, &x, &y))
}

fn main() -> Result<(), String> {
    let run = Run::start("linear_start");
    let seeds = run.seeds(10, 2);
    let steps = run.pick(2000, 100);
    let mut record = Record::new(&run, &seeds);
    record.setting(
        "net",
        json!("2-16-16-2 tanh, 0.1x LeCun init, Adam 0.01 full batch"),
    );
    record.setting("steps", json!(steps));
    let mut figure = Figure::new(
        "how far the net is from its linearisation, during training",
        Axis::integer("full-batch step"),
        Axis::log("‖f − f_lin‖ / ‖f‖"),
    );
    figure.subtitle = format!(
        "{} seeds per task, median and range; weights start at 0.1× LeCun scale",
        seeds.len()
    );
    figure.legend = Legend::LowerRight;
    let mut outcomes = Vec::new();
    for (optimizer, adam) in [("SGD 0.5", false), ("Adam 0.01", true)] {
        for (task_name, task) in TASKS {
            let name = format!("{task_name}, {optimizer}");
            let runs = over_seeds(&seeds, |s| train(task, adam, s, steps));
            let at = |k: usize, pick: fn(&(f64, f64)) -> f64| {
                Summary::of(&runs.iter().map(|r| pick(&r.0[k])).collect::<Vec<_>>())
            };
            let last = runs[0].0.len() - 1;
            let (share_start, share_end) = (at(0, |t| t.0), at(last, |t| t.0));
            let (gap_start, gap_end) = (at(0, |t| t.1), at(last, |t| t.1));
            let fit = Summary::of(&runs.iter().map(|r| r.1).collect::<Vec<_>>());
            println!(
                "{name}: |z| > 1 share {} → {}; distance to the linearisation {} → {}; training accuracy {}",
                share_start.display(),
                share_end.display(),
                gap_start.display(),
                gap_end.display(),
                fit.display()
            );
            record.number(
                &format!("{name}: share of |z| > 1 at the start"),
                &share_start,
            );
            record.number(&format!("{name}: share of |z| > 1 at the end"), &share_end);
            record.number(
                &format!("{name}: distance to the linearisation at the start"),
                &gap_start,
            );
            record.number(
                &format!("{name}: distance to the linearisation at the end"),
                &gap_end,
            );
            record.number(&format!("{name}: training accuracy"), &fit);
            figure.curves.push(Curve::median_range(
                &name,
                (0..=last).map(|k| ((50 * k) as f64, at(k, |t| t.1))),
            ));
            outcomes.push((name, share_start, share_end, gap_start, gap_end));
        }
    }
    figure.write(&run, "linear_start.svg")?;

    let starts_linear = outcomes.iter().all(|o| o.1.mean < 0.01 && o.3.mean < 0.05);
    record.claim(
        "Weights started near zero put sigmoid and tanh units in their linear part",
        if starts_linear { Verdict::Holds } else { Verdict::Contradicted },
        &format!(
            "at 0.1× LeCun scale no hidden pre-activation exceeds |z| = 1 at the start and the net is {} (blobs), {} (XOR), {} (disk and ring) away from its linearisation",
            outcomes[0].3.display(),
            outcomes[1].3.display(),
            outcomes[2].3.display()
        ),
    );
    // Grown where needed: the nets on XOR and disk end further from linear
    // than the one on the linearly separable blobs.
    let needed = |k: usize| {
        let (linear, xor_task, disk) =
            (&outcomes[3 * k], &outcomes[3 * k + 1], &outcomes[3 * k + 2]);
        xor_task.4.mean > linear.4.mean && disk.4.mean > linear.4.mean
    };
    let describe = |k: usize| {
        format!(
            "{}: {} (blobs), {} (XOR), {} (disk and ring)",
            ["SGD", "Adam"][k],
            outcomes[3 * k].4.display(),
            outcomes[3 * k + 1].4.display(),
            outcomes[3 * k + 2].4.display()
        )
    };
    record.claim(
        "The weights move away from the linear regime only where the task needs non-linearity",
        match (needed(0), needed(1)) {
            (true, true) => Verdict::Holds,
            (false, false) => Verdict::Contradicted,
            _ => Verdict::HoldsOnlyWhen,
        },
        &format!(
            "distance to the linearisation after training — {}; {}{}",
            describe(0),
            describe(1),
            if needed(0) && !needed(1) {
                ": with plain SGD the linearly separable task stays the most linear, with Adam it ends the least linear, its weights growing to sharpen the margin"
            } else {
                ""
            }
        ),
    );
    record.write()?;
    Ok(())
}
