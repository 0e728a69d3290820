//! # linear_regions — depth can fold space exponentially, but typical nets fold little
//!
//! Four measurements of the linear regions of ReLU networks:
//!
//! 1. Telgarsky's sawtooth: `L` composed tents (2 ReLUs each) have exactly
//!    `2^L` pieces on [0, 1]: the exponential maximum, reached by a
//!    hand-built net.
//! 2. Random nets (He init, biases N(0, 1e-6) as Hanin & Rolnick) of 32, 64
//!    and 128 ReLUs split over 1, 2, 4 and 8 layers: regions crossed by a
//!    segment between two random points in 16-D, over 20 seeds.
//! 3. The essay's picture in 2-D: exact regions (polygon splitting) of
//!    nets with the same 8 or 16 ReLUs in one layer or several, against the
//!    one-layer maximum `1 + n + C(n, 2)`, over 20 seeds; region maps of one
//!    seed.
//! 4. Regions during training: a 1 → 16×4 → 1 ReLU net fitting sin(8πx)
//!    on [0, 1]; exact regions on [0, 1] every 250 steps, over 10 seeds.
//!
//! `cargo run --release --example linear_regions [-- --quick]`; writes
//! `target/lab/linear_regions.svg`, `linear_regions_maps.svg`,
//! `linear_regions_training.svg` and `linear_regions.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::figure::{Curve, Figure, Legend};
use lab::map::{self, Panel};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use origami::nn::{Activation, Init, Module, Params, mlp};
use origami::prelude::*;
use origami::probe::{ReluNet, exact_regions_in_box, patterns_on_grid, regions_along_segment};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

fn tensor(shape: &[usize], data: Vec<f64>) -> Tensor<f64> {
    Tensor::from_vec(shape, data).expect("sized")
}

/// Telgarsky's sawtooth: `depth` tents `t(x) = 2relu(x) − 4relu(x − ½)`.
fn sawtooth(depth: usize) -> ReluNet {
    let mut layers = vec![(
        tensor(&[2, 1], vec![1.0, 1.0]),
        tensor(&[2], vec![0.0, -0.5]),
    )];
    for _ in 1..depth {
        layers.push((
            tensor(&[2, 2], vec![2.0, -4.0, 2.0, -4.0]),
            tensor(&[2], vec![0.0, -0.5]),
        ));
    }
    layers.push((tensor(&[1, 2], vec![2.0, -4.0]), tensor(&[1], vec![0.0])));
    ReluNet::new(&layers)
}

/// `input → layers × width → 1`.
fn widths(input: usize, layers: usize, width: usize) -> Vec<usize> {
    let mut w = vec![input];
    w.extend(std::iter::repeat_n(width, layers));
    w.push(1);
    w
}

/// A random ReLU net with He weights and N(0, bias_std²) biases.
fn random_net(widths: &[usize], bias_std: f64, seed: u64) -> ReluNet {
    let mut net = mlp::<f64>(
        widths,
        Activation::Relu,
        Init::KaimingNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let mut rng = StdRng::seed_from_u64(seed + 1000);
    for (name, p) in net.params_mut() {
        if name.ends_with("bias") {
            let shape = p.shape().to_vec();
            *p.value_mut() = Tensor::randn(&shape, 0.0, bias_std, &mut rng).expect("valid std");
        }
    }
    ReluNet::from_params(&net)
}

/// Regions crossed by the segment between two N(0, I) points in 16-D.
fn segment_regions(layers: usize, width: usize, seed: u64) -> f64 {
    let mut rng = StdRng::seed_from_u64(500 + seed);
    let a = Tensor::<f64>::randn(&[16], 0.0, 1.0, &mut rng).expect("std");
    let b = Tensor::<f64>::randn(&[16], 0.0, 1.0, &mut rng).expect("std");
    let net = random_net(&widths(16, layers, width), 1e-6, seed);
    regions_along_segment(&net, a.data(), b.data()).regions as f64
}

/// The 2-D box the region counts and maps use.
const BOX: (f64, f64) = (-3.0, 3.0);

/// Exact regions in the box of a 2-D net (biases N(0, 0.25), so that
/// boundaries do not all pass through the origin).
fn box_regions(layers: usize, width: usize, seed: u64) -> f64 {
    let net = random_net(&widths(2, layers, width), 0.5, seed);
    exact_regions_in_box(&net, (BOX.0, BOX.0), (BOX.1, BOX.1)) as f64
}

/// Exact regions on [0, 1] of a 1 → 16×4 → 1 ReLU net while Adam fits
/// sin(8πx); one count every `every` steps.
fn regions_while_training(seed: u64, steps: usize, every: usize) -> Vec<f64> {
    let n = 256;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    let target: Vec<f64> = xs
        .iter()
        .map(|x| (8.0 * std::f64::consts::PI * x).sin())
        .collect();
    let (x, t) = (tensor(&[n, 1], xs), tensor(&[n, 1], target));
    let mut net = mlp::<f64>(
        &widths(1, 4, 16),
        Activation::Relu,
        Init::KaimingNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let count = |net: &origami::nn::Sequential<f64>| {
        regions_along_segment(&ReluNet::from_params(net), &[0.0], &[1.0]).regions as f64
    };
    let mut counts = vec![count(&net)];
    let mut opt = Adam::new(3e-3);
    for step in 1..=steps {
        opt.step(&mut net, &mut |m| {
            let tape = Tape::new();
            let err = m.forward(&tape, tape.constant(x.clone())) - tape.constant(t.clone());
            let loss = (err * err).mean_all();
            Ok(Evaluation::new(loss.value().item(), loss.backward()))
        })
        .expect("every parameter has a gradient");
        if step % every == 0 {
            counts.push(count(&net));
        }
    }
    counts
}

fn main() -> Result<(), String> {
    let run = Run::start("linear_regions");
    let seeds = run.seeds(20, 3);
    let mut record = Record::new(&run, &seeds);
    let mut figure = Figure::new(
        "linear regions: the sawtooth's 2^L against random nets",
        Axis::integer("hidden layers"),
        Axis::log("regions"),
    );
    figure.legend = Legend::UpperLeft;
    figure.subtitle = format!("random nets: {} seeds, mean ± sd", seeds.len());

    println!("1. Telgarsky's sawtooth: L tents, 2L ReLUs, regions on [0, 1]");
    let depths = 1..=run.pick(12, 6);
    let sawtooth_counts: Vec<(f64, f64)> = depths
        .map(|l| {
            let regions = regions_along_segment(&sawtooth(l), &[0.0], &[1.0]).regions;
            println!(
                "   L = {l:>2}: {regions:>5} regions (2^L = {})",
                1usize << l
            );
            (l as f64, regions as f64)
        })
        .collect();
    let deepest = *sawtooth_counts.last().expect("at least one depth");
    record.number(
        &format!("sawtooth regions, L = {}", deepest.0),
        &Summary::of(&[deepest.1]),
    );
    let exact = sawtooth_counts.iter().all(|&(l, r)| r == 2f64.powf(l));

    println!("\n2. N random ReLUs (He init) split over layers: regions on a 16-D segment");
    println!(
        "   N   | layers × width | regions, mean ± sd over {} seeds",
        seeds.len()
    );
    let mut by_total = Vec::new();
    for total in [32usize, 64, 128] {
        let mut curve = Vec::new();
        for layers in [1usize, 2, 4, 8] {
            let width = total / layers;
            let counts = over_seeds(&seeds, |s| segment_regions(layers, width, s));
            let s = Summary::of(&counts);
            println!(
                "   {total:<3} | {layers} × {width:<3}        | {}",
                s.display()
            );
            record.number(
                &format!("segment regions, {total} ReLUs as {layers}x{width}"),
                &s,
            );
            curve.push((layers as f64, s));
        }
        by_total.push((total, curve));
    }
    for (total, curve) in &by_total {
        figure.curves.push(Curve::mean_sd(
            &format!("random, {total} ReLUs"),
            curve.clone(),
        ));
    }
    figure.curves.push(Curve::new(
        "sawtooth, 2 ReLUs per layer",
        sawtooth_counts.clone(),
    ));
    figure.write(&run, "linear_regions.svg")?;

    println!(
        "\n3. 2-D, exact regions in [-3, 3]² (biases N(0, 0.25)); one-layer maximum 1 + n + C(n, 2)"
    );
    let mut panels = Vec::new();
    for total in [8usize, 16] {
        let max = 1 + total + total * (total - 1) / 2;
        record.number(
            &format!("one-layer maximum, {total} ReLUs"),
            &Summary::of(&[max as f64]),
        );
        for layers in [1usize, 2, 4] {
            let width = total / layers;
            let s = Summary::of(&over_seeds(&seeds, |seed| box_regions(layers, width, seed)));
            println!(
                "   {total:>2} ReLUs as {layers} × {width:<2}: {} (one-layer max {max})",
                s.display()
            );
            record.number(
                &format!("box regions, {total} ReLUs as {layers}x{width}"),
                &s,
            );
            if total == 8 && layers <= 2 {
                let net = random_net(&widths(2, layers, width), 0.5, 0);
                let grid = patterns_on_grid(&net, (BOX.0, BOX.0), (BOX.1, BOX.1), 300);
                let exact = exact_regions_in_box(&net, (BOX.0, BOX.0), (BOX.1, BOX.1));
                let mut panel = Panel::sample(
                    &format!(
                        "{layers} × {width} ReLUs (seed 0): {exact} regions (1-layer max {max})"
                    ),
                    BOX,
                    300,
                    |_| grid.map.iter().map(|&id| id as usize).collect(),
                );
                panel.regions = true;
                panels.push(panel);
            }
        }
    }
    map::write(&run, "linear_regions_maps.svg", &panels)?;

    let (steps, every) = run.pick((3000, 250), (200, 100));
    let train_seeds = run.seeds(10, 2);
    println!(
        "\n4. Regions on [0, 1] while a 1 → 16×4 → 1 net fits sin(8πx) ({} seeds)",
        train_seeds.len()
    );
    let traces = over_seeds(&train_seeds, |s| regions_while_training(s, steps, every));
    let during: Vec<(f64, Summary)> = (0..traces[0].len())
        .map(|k| {
            let at: Vec<f64> = traces.iter().map(|t| t[k]).collect();
            ((k * every) as f64, Summary::of(&at))
        })
        .collect();
    for (step, s) in &during {
        println!("   step {step:>5}: {}", s.display());
    }
    let (start, end) = (during[0].1, during[during.len() - 1].1);
    record.number("training: regions on [0, 1] at init", &start);
    record.number("training: regions on [0, 1] at the end", &end);
    record.setting("training steps", json!(steps));
    let mut training = Figure::new(
        "regions on [0, 1] while a 1-16x4-1 ReLU net fits sin(8πx)",
        Axis::integer("Adam step"),
        Axis::linear("regions on [0, 1]"),
    );
    training.subtitle = format!("{} seeds, mean ± sd", train_seeds.len());
    training.legend = Legend::LowerRight;
    training
        .curves
        .push(Curve::mean_sd("exact regions", during.clone()));
    training.write(&run, "linear_regions_training.svg")?;

    // The verdict, from the numbers above.
    let (shallow, deep) = (&by_total[1].1[0].1, &by_total[1].1[3].1);
    let exact_2d = |layers: usize| {
        Summary::of(&over_seeds(&seeds, |seed| {
            box_regions(layers, 8 / layers, seed)
        }))
    };
    let verdict = if !exact {
        Verdict::Contradicted
    } else if deep.mean > 2.0 * shallow.mean {
        Verdict::Holds
    } else {
        Verdict::HoldsOnlyWhen
    };
    record.claim(
        "Depth folds space: the number of linear regions can grow exponentially with depth",
        verdict,
        &format!(
            "only for hand-built nets: the sawtooth has exactly 2^L regions ({} at L = {}), while random He-initialised nets of 64 ReLUs cross {} regions of a 16-D segment as one layer and {} as 8 layers of 8, and 8 ReLUs in the plane make {} regions as one layer and {} as 4 layers of 2 ({} seeds)",
            deepest.1,
            deepest.0,
            shallow.display(),
            deep.display(),
            exact_2d(1).display(),
            exact_2d(4).display(),
            seeds.len()
        ),
    );
    record.write()?;
    Ok(())
}
