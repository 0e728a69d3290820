//! # stochastic_vs_batch — redundancy favours stochastic learning
//!
//! Efficient BackProp (sec. 4.1–4.2): on redundant data, stochastic
//! (per-example) updates make progress many times per epoch while a full
//! batch makes one step; and examples should be shuffled, since presenting
//! them class by class ("AAAAAAAABABBB") drags the weights back and forth.
//!
//! The data: 100 distinct points of two half-moons, each repeated 10 times
//! (1,000 examples); the test set is 400 fresh points of the same moons. A
//! 2-16-16-2 tanh net, plain SGD, with batch 1 (shuffled and class-sorted),
//! batch 32 and the full batch; each schedule gets its own rate, searched
//! on a log grid by the training loss after 10 epochs (a seed outside the
//! reported ones). Every schedule then runs 10 epochs on 20 seeds (init and
//! order), and the full batch also runs on to 3,000 epochs, to see what it
//! costs to catch up. Runs are timed one at a time.
//!
//! `cargo run --release --example stochastic_vs_batch [-- --quick]`;
//! writes `target/lab/stochastic_vs_batch.svg` (loss against examples
//! seen), `stochastic_vs_batch_time.svg` (against wall time) and
//! `stochastic_vs_batch.json`.

#[path = "lab/mod.rs"]
mod lab;

use std::time::Instant;

use lab::axis::Axis;
use lab::data::moons;
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, log_grid};
use origami::nn::{Sequential, mlp};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::json;

/// One way of presenting the examples.
#[derive(Clone, Copy)]
struct Schedule {
    name: &'static str,
    batch: usize,
    sorted: bool,
}

/// The training set: 100 points repeated `copies` times.
fn redundant(copies: usize) -> (Vec<[f32; 2]>, Vec<usize>) {
    let (x, y) = moons::<f32>(100, 0.1);
    let points: Vec<[f32; 2]> = x.data().chunks(2).map(|p| [p[0], p[1]]).collect();
    let xs = points.iter().copied().cycle().take(100 * copies).collect();
    let ys = y.iter().copied().cycle().take(100 * copies).collect();
    (xs, ys)
}

fn loss_on(net: &Sequential<f32>, x: &Tensor<f32>, y: &[usize]) -> f64 {
    let tape = Tape::inference();
    let loss = net
        .forward(&tape, tape.constant(x.clone()))
        .cross_entropy(y, Reduction::Mean)
        .value()
        .item() as f64;
    if loss.is_finite() {
        loss
    } else {
        f64::INFINITY
    }
}

/// A run's trace: (examples seen, seconds of training, train loss) after
/// each evaluated epoch, and the final test loss.
struct Trace {
    points: Vec<(f64, f64, f64)>,
    test: f64,
}

fn train(
    schedule: Schedule,
    lr: f64,
    seed: u64,
    epochs: usize,
    data: &(Vec<[f32; 2]>, Vec<usize>),
    test: &(Tensor<f32>, Vec<usize>),
) -> Trace {
    let (xs, ys) = data;
    let all =
        Tensor::from_vec(&[xs.len(), 2], xs.iter().flatten().copied().collect()).expect("sized");
    let mut net = mlp::<f32>(
        &[2, 16, 16, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let mut opt = Sgd::new(lr);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    if schedule.sorted {
        order.sort_by_key(|&i| ys[i]);
    }
    let mut shuffle = StdRng::seed_from_u64(seed + 500);
    let (mut points, mut seconds) = (Vec::new(), 0.0);
    for epoch in 1..=epochs {
        let start = Instant::now();
        if !schedule.sorted {
            order.shuffle(&mut shuffle);
        }
        for chunk in order.chunks(schedule.batch) {
            let x = Tensor::from_vec(
                &[chunk.len(), 2],
                chunk.iter().flat_map(|&i| xs[i]).collect(),
            )
            .expect("sized");
            let y: Vec<usize> = chunk.iter().map(|&i| ys[i]).collect();
            let (_, grads) = lab::data::evaluate(&net, &x, &y);
            opt.update(&mut net, &grads)
                .expect("every parameter has a gradient");
        }
        seconds += start.elapsed().as_secs_f64();
        if logged(epoch) || epoch == epochs {
            let loss = loss_on(&net, &all, ys);
            points.push(((epoch * xs.len()) as f64, seconds, loss));
            if !loss.is_finite() {
                break;
            }
        }
    }
    Trace {
        points,
        test: loss_on(&net, &test.0, &test.1),
    }
}

/// Every epoch up to 10, then the first epoch of each twelfth of a decade.
fn logged(epoch: usize) -> bool {
    let bin = |e: usize| (12.0 * (e as f64).log10()).floor();
    epoch <= 10 || bin(epoch) > bin(epoch - 1)
}

/// The train loss once `examples` had been seen (∞ if the run stopped).
fn loss_after(trace: &Trace, examples: f64) -> f64 {
    trace
        .points
        .iter()
        .find(|p| p.0 >= examples)
        .map_or(f64::INFINITY, |p| p.2)
}

/// Train loss after `epochs` at each rate of `grid` (seed 1000); the best.
fn search(
    schedule: Schedule,
    grid: &[f64],
    epochs: usize,
    data: &(Vec<[f32; 2]>, Vec<usize>),
    test: &(Tensor<f32>, Vec<usize>),
) -> f64 {
    best_rate(grid, |lr| {
        let trace = train(schedule, lr, 1000, epochs, data, test);
        trace.points.last().map_or(f64::INFINITY, |p| p.2)
    })
}

/// The training loss the schedules race to.
const TARGET: f64 = 0.01;

/// What a schedule needed to reach `TARGET`: its name, the share of seeds
/// that did, and (examples, seconds) over those seeds.
type Reach = (&'static str, f64, Option<(Summary, Summary)>);

/// "median [min, max] (share of seeds)" of examples (`which` 0) or seconds (1).
fn describe(reach: &Reach, which: usize) -> String {
    match &reach.2 {
        None => "more than the run allowed (no seed got there)".into(),
        Some(pair) => {
            let s = if which == 0 { pair.0 } else { pair.1 };
            format!("{} ({:.0}% of seeds)", s.display_range(), 100.0 * reach.1)
        }
    }
}

/// Which of two schedules reached `TARGET` sooner in wall time.
fn wall_time(a: &Reach, b: &Reach) -> String {
    match (&a.2, &b.2) {
        (Some(x), Some(y)) => format!(
            "{} takes {} s and {} {} s",
            a.0,
            x.1.display_range(),
            b.0,
            y.1.display_range()
        ),
        (Some(x), None) => format!(
            "{} takes {} s; {} never gets there",
            a.0,
            x.1.display_range(),
            b.0
        ),
        _ => format!("{} never gets there", a.0),
    }
}

fn main() -> Result<(), String> {
    let run = Run::start("stochastic_vs_batch");
    let seeds = run.seeds(20, 2);
    let (epochs, long) = run.pick((10, 3000), (3, 30));
    let data = redundant(run.pick(10, 3));
    let test = moons::<f32>(400, 0.1);
    let grid = log_grid(0.003, 3.0, 2);
    let mut record = Record::new(&run, &seeds);
    record.setting("rate grid", json!(grid));
    record.setting("epochs", json!(epochs));
    record.setting("full batch, long run: epochs", json!(long));
    let schedules = [
        Schedule {
            name: "SGD, shuffled",
            batch: 1,
            sorted: false,
        },
        Schedule {
            name: "SGD, class-sorted",
            batch: 1,
            sorted: true,
        },
        Schedule {
            name: "minibatch 32",
            batch: 32,
            sorted: false,
        },
        Schedule {
            name: "full batch",
            batch: data.0.len(),
            sorted: false,
        },
    ];
    let mut by_examples = Figure::new(
        "training loss on redundant data (100 points × 10)",
        Axis::log("examples seen"),
        Axis::log("training loss"),
    );
    by_examples.subtitle = format!(
        "{} seeds, median and range; each schedule at its own rate",
        seeds.len()
    );
    by_examples.legend = Legend::UpperRight;
    let mut by_time = Figure::new(
        "training loss against wall time",
        Axis::log("seconds of training (one run at a time)"),
        Axis::log("training loss"),
    );
    by_time.subtitle = by_examples.subtitle.clone();
    by_time.legend = Legend::LowerLeft;
    println!(
        "{} epochs; rate searched on {} per schedule",
        epochs,
        grid.iter()
            .map(|r| lab::axis::number(*r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("schedule           | rate  | train loss after {epochs} epochs | test loss | seconds");
    let mut results = Vec::new();
    for schedule in schedules {
        let lr = search(schedule, &grid, epochs, &data, &test);
        let runs = if schedule.batch == data.0.len() {
            long
        } else {
            epochs
        };
        let traces: Vec<Trace> = seeds
            .iter()
            .map(|&s| train(schedule, lr, s, runs, &data, &test))
            .collect();
        let budget = (epochs * data.0.len()) as f64;
        let train_loss = Summary::of(
            &traces
                .iter()
                .map(|t| loss_after(t, budget))
                .collect::<Vec<_>>(),
        );
        let seconds = Summary::of(
            &traces
                .iter()
                .map(|t| {
                    t.points
                        .iter()
                        .find(|p| p.0 >= budget)
                        .map_or(f64::NAN, |p| p.1)
                })
                .collect::<Vec<_>>(),
        );
        let test_loss = Summary::of(
            &traces
                .iter()
                .map(|t| if runs == epochs { t.test } else { f64::NAN })
                .collect::<Vec<_>>(),
        );
        println!(
            "{:<18} | {:<5} | {:>30} | {:>9} | {}",
            schedule.name,
            lab::axis::number(lr),
            train_loss.display_range(),
            if runs == epochs {
                test_loss.display()
            } else {
                "—".into()
            },
            seconds.display()
        );
        record.setting(&format!("{}: rate", schedule.name), json!(lr));
        record.number(
            &format!("{}: train loss after {epochs} epochs", schedule.name),
            &train_loss,
        );
        if runs == epochs {
            record.number(
                &format!("{}: test loss after {epochs} epochs", schedule.name),
                &test_loss,
            );
        }
        let points = traces[0].points.len();
        let complete = traces.iter().all(|t| t.points.len() == points);
        if complete {
            let curve = |pick: fn(&(f64, f64, f64)) -> f64| -> Vec<(f64, Summary)> {
                (0..points)
                    .map(|k| {
                        let xs: Vec<f64> = traces.iter().map(|t| pick(&t.points[k])).collect();
                        let ls: Vec<f64> = traces.iter().map(|t| t.points[k].2).collect();
                        (Summary::of(&xs).median, Summary::of(&ls))
                    })
                    .collect()
            };
            let label = format!("{} (lr {})", schedule.name, lab::axis::number(lr));
            by_examples
                .curves
                .push(Curve::median_range(&label, curve(|p| p.0)));
            by_time
                .curves
                .push(Curve::median_range(&label, curve(|p| p.1)));
        }
        results.push((schedule, train_loss, test_loss, traces));
    }
    by_examples.write(&run, "stochastic_vs_batch.svg")?;
    by_time.write(&run, "stochastic_vs_batch_time.svg")?;

    // What each schedule needs to reach a training loss of TARGET.
    println!(
        "\nto reach a training loss of {TARGET}: examples seen and seconds, median [min, max] of the seeds that do"
    );
    let mut reach = Vec::new();
    for (schedule, _, _, traces) in &results {
        let hits: Vec<(f64, f64)> = traces
            .iter()
            .filter_map(|t| t.points.iter().find(|p| p.2 <= TARGET).map(|p| (p.0, p.1)))
            .collect();
        let share = hits.len() as f64 / traces.len() as f64;
        if hits.is_empty() {
            println!("   {:<18}: never", schedule.name);
            reach.push((schedule.name, share, None));
            continue;
        }
        let examples = Summary::of(&hits.iter().map(|h| h.0).collect::<Vec<_>>());
        let seconds = Summary::of(&hits.iter().map(|h| h.1).collect::<Vec<_>>());
        println!(
            "   {:<18}: {} examples, {} s ({}/{} seeds)",
            schedule.name,
            examples.display_range(),
            seconds.display_range(),
            hits.len(),
            traces.len()
        );
        record.number(
            &format!("{}: examples seen to reach loss {TARGET}", schedule.name),
            &examples,
        );
        record.number(
            &format!("{}: seconds to reach loss {TARGET}", schedule.name),
            &seconds,
        );
        reach.push((schedule.name, share, Some((examples, seconds))));
    }
    let long_final = Summary::of(
        &results[3]
            .3
            .iter()
            .map(|t| t.points.last().map_or(f64::INFINITY, |p| p.2))
            .collect::<Vec<_>>(),
    );
    println!(
        "   full batch after {long} epochs: training loss {}",
        long_final.display_range()
    );
    record.number(
        &format!("full batch: train loss after {long} epochs"),
        &long_final,
    );
    let (shuffled, sorted, mini, batch) =
        (&results[0].1, &results[1].1, &results[2].1, &results[3].1);
    let budget = (epochs * data.0.len()) as f64;
    let better = results[0]
        .3
        .iter()
        .zip(&results[3].3)
        .filter(|(s, f)| loss_after(s, budget) < loss_after(f, budget))
        .count();
    record.claim(
        "On redundant data, stochastic updates learn far faster than the full batch",
        match (&reach[0].2, &reach[3].2) {
            _ if better < seeds.len() => Verdict::Inconclusive,
            (Some(sgd), Some(full)) if sgd.1.median * 2.0 > full.1.median => Verdict::HoldsOnlyWhen,
            _ => Verdict::Holds,
        },
        &format!(
            "after 10 epochs the training loss is {} with per-example SGD, {} with minibatches of 32 and {} with the full batch (median [min, max]; SGD lower in {better}/{} seeds); to reach loss {TARGET} SGD needs {} examples, the full batch {}; in wall time {}, and minibatches of 32 take {} s",
            shuffled.display_range(),
            mini.display_range(),
            batch.display_range(),
            seeds.len(),
            describe(&reach[0], 0),
            describe(&reach[3], 0),
            wall_time(&reach[0], &reach[3]),
            describe(&reach[2], 1),
        ),
    );
    let worse = results[0]
        .3
        .iter()
        .zip(&results[1].3)
        .filter(|(s, c)| loss_after(s, budget) < loss_after(c, budget))
        .count();
    record.claim(
        "Examples should be shuffled: presenting them class by class hurts",
        if worse == seeds.len() { Verdict::Holds } else { Verdict::Inconclusive },
        &format!(
            "class-sorted per-example SGD ends at {} against shuffled {} (shuffled lower in {worse}/{} seeds)",
            sorted.display_range(),
            shuffled.display_range(),
            seeds.len()
        ),
    );
    record.write()?;
    Ok(())
}
