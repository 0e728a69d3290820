//! # circles — a net no wider than its input cannot enclose a disk
//!
//! Beise, Dias Da Cruz & Schröder (2018): if no hidden layer is wider than
//! the input (here 2), every decision region is unbounded, so the net
//! cannot separate a disk from the ring around it; width 3 can. This
//! trains tanh nets of three hidden layers — every layer of width 1, 2, 3,
//! 4 or 8, and one 3-unit layer among 2-unit layers in each position — on
//! inner disk (r < 1) vs ring (1.5 < r < 2.5), over seeds, and counts the
//! seeds that succeed (test accuracy ≥ 0.99). It draws the decision regions
//! of the best width-2 and width-3 nets and, for width 3, the input plane
//! as it sits in the first hidden layer: a bowl whose bottom holds the
//! disk, cut from the ring by the plane a linear probe (logistic
//! regression on the three units) finds.
//!
//! `cargo run --release --example circles [-- --quick]`; writes
//! `target/lab/circles.svg`, `circles_bowl.svg` and `circles.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::data::{accuracy, disk_and_ring, linear_probe};
use lab::map::{self, Panel, circle};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use origami::nn::{Sequential, mlp};
use origami::prelude::*;
use plotters::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

/// A test accuracy at or above this counts as separating disk from ring.
const SUCCESS: f64 = 0.99;

/// Trains `2 → hidden → 2` (tanh, Xavier init) with Adam on cross-entropy.
fn train(
    hidden: &[usize],
    seed: u64,
    steps: usize,
    x: &Tensor<f32>,
    y: &[usize],
) -> Sequential<f32> {
    let mut widths = vec![x.shape()[1]];
    widths.extend(hidden);
    widths.push(2);
    let mut net = mlp::<f32>(
        &widths,
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let mut opt = Adam::new(0.02);
    for _ in 0..steps {
        opt.step(&mut net, &mut |m| {
            let (loss, grads) = lab::data::evaluate(m, x, y);
            Ok(Evaluation::new(loss, grads))
        })
        .expect("every parameter has a gradient");
    }
    net
}

/// The first hidden layer's outputs (after tanh) for the rows of `x`.
fn first_hidden(net: &Sequential<f32>, x: &Tensor<f32>) -> Tensor<f32> {
    let tape = Tape::inference();
    net.forward_all(&tape, tape.constant(x.clone()))[1].value()
}

/// A linear probe on the first hidden layer: logistic regression (one
/// dense layer, 2 logits) on its outputs. Returns the probe's test
/// accuracy and its plane `w · h + b = 0` (logit difference).
fn probe(
    net: &Sequential<f32>,
    data: &(Tensor<f32>, Vec<usize>),
    test: &(Tensor<f32>, Vec<usize>),
) -> (f64, [f64; 4]) {
    let (h, test_h) = (first_hidden(net, &data.0), first_hidden(net, &test.0));
    let (accuracy, linear) = linear_probe((&h, &data.1), (&test_h, &test.1), 2);
    let params = origami::nn::Params::params(&linear);
    let (w, b) = (params[0].1.value(), params[1].1.value());
    let (w, b) = (w.data(), b.data());
    let units = w.len() / 2;
    let mut plane = [0.0; 4];
    for k in 0..units.min(3) {
        plane[k] = f64::from(w[units + k] - w[k]);
    }
    plane[3] = f64::from(b[1] - b[0]);
    (accuracy, plane)
}

/// The predicted class of `net` on the centres of a grid, as map cells.
fn classes(net: &Sequential<f32>, centres: &[(f64, f64)]) -> Vec<usize> {
    let points: Vec<f32> = centres
        .iter()
        .flat_map(|&(x, y)| [x as f32, y as f32])
        .collect();
    let tape = Tape::inference();
    let input = Tensor::from_vec(&[centres.len(), 2], points).expect("sized");
    let logits = net.forward(&tape, tape.constant(input)).value();
    logits
        .data()
        .chunks(2)
        .map(|row| usize::from(row[1] > row[0]))
        .collect()
}

/// The input square as it sits in a 3-unit first hidden layer, drawn as a
/// mesh in 3-D (coloured by the net's prediction), with the probe's plane.
fn draw_bowl(
    run: &Run,
    file: &str,
    net: &Sequential<f32>,
    plane: [f64; 4],
    probe_accuracy: f64,
) -> Result<(), String> {
    let path = run.path(file);
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let n = 25;
        let coords: Vec<f32> = (0..n * n)
            .flat_map(|k| {
                [
                    -2.5 + 5.0 * (k % n) as f32 / (n - 1) as f32,
                    -2.5 + 5.0 * (k / n) as f32 / (n - 1) as f32,
                ]
            })
            .collect();
        let grid = Tensor::from_vec(&[n * n, 2], coords)?;
        let hidden = first_hidden(net, &grid);
        let tape = Tape::inference();
        let logits = net.forward(&tape, tape.constant(grid)).value();
        let h = |k: usize| {
            let d = hidden.data();
            (
                f64::from(d[3 * k]),
                f64::from(d[3 * k + 1]),
                f64::from(d[3 * k + 2]),
            )
        };
        let root = SVGBackend::new(&path, (620, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let (body, foot) = root.split_vertically(578);
        lab::figure::caption(&foot, run)?;
        let mut chart = ChartBuilder::on(&body)
            .caption(
                format!("width 3: the input plane in the first hidden layer; grey: the probe's plane (accuracy {probe_accuracy:.3})"),
                ("sans-serif", 14),
            )
            .margin(16)
            .build_cartesian_3d(-1.0..1.0, -1.0..1.0, -1.0..1.0)?;
        chart.with_projection(|mut p| {
            p.pitch = 0.5;
            p.yaw = 0.7;
            p.scale = 0.8;
            p.into_matrix()
        });
        chart
            .configure_axes()
            .label_style(("sans-serif", 11))
            .draw()?;
        for (name, at) in [
            ("h₁", (1.15, -1.0, -1.0)),
            ("h₂", (-1.0, 1.15, -1.0)),
            ("h₃", (-1.0, -1.0, 1.15)),
        ] {
            chart.draw_series([Text::new(name, at, ("sans-serif", 16))])?;
        }
        let colour = |k: usize| {
            if logits.data()[2 * k + 1] > logits.data()[2 * k] {
                lab::palette::colour(1)
            } else {
                lab::palette::colour(0)
            }
        };
        for i in 0..n {
            for j in 0..n - 1 {
                for (p, q) in [(i * n + j, i * n + j + 1), (j * n + i, (j + 1) * n + i)] {
                    chart.draw_series([PathElement::new(
                        vec![h(p), h(q)],
                        colour(p).stroke_width(2),
                    )])?;
                }
            }
        }
        // The probe's plane w·h + b = 0, solved for its steepest coordinate.
        let solve = plane[..3]
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(k, _)| k)
            .expect("three coefficients");
        let (a, b) = ((solve + 1) % 3, (solve + 2) % 3);
        let point = |u: f64, v: f64| {
            let mut p = [0.0; 3];
            p[a] = u;
            p[b] = v;
            p[solve] = -(plane[3] + plane[a] * u + plane[b] * v) / plane[solve];
            (p[solve].abs() <= 1.0).then_some((p[0], p[1], p[2]))
        };
        // Filled, translucent cells where the plane is inside the cube, and
        // its outline grid in darker grey.
        let cells = 24;
        let at = |k: usize| -1.0 + 2.0 * k as f64 / cells as f64;
        for i in 0..cells {
            for j in 0..cells {
                let corners: Option<Vec<_>> = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
                    .iter()
                    .map(|&(u, v)| point(at(u), at(v)))
                    .collect();
                if let Some(corners) = corners {
                    chart.draw_series([Polygon::new(corners, BLACK.mix(0.12).filled())])?;
                }
            }
        }
        let grey = BLACK.mix(0.45);
        for i in (0..=cells).step_by(4) {
            for line in [
                (0..=cells)
                    .filter_map(|j| point(at(i), at(j)))
                    .collect::<Vec<_>>(),
                (0..=cells)
                    .filter_map(|j| point(at(j), at(i)))
                    .collect::<Vec<_>>(),
            ] {
                chart.draw_series([PathElement::new(line, grey)])?;
            }
        }
        for (name, c) in [("predicted disk", 0), ("predicted ring", 1)] {
            chart
                .draw_series([PathElement::new(
                    vec![(0.0, 0.0, 0.0)],
                    lab::palette::colour(c),
                )])?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 16, y)],
                        lab::palette::colour(c).stroke_width(2),
                    )
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .border_style(RGBColor(150, 150, 150))
            .background_style(WHITE.mix(0.9))
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("{}: {e}", path.display()))?;
    lab::figure::stamp(&path, run)?;
    println!("figure: {}", path.display());
    Ok(())
}

fn main() -> Result<(), String> {
    let run = Run::start("circles");
    let seeds = run.seeds(10, 2);
    let steps = run.pick(1500, 150);
    let data = disk_and_ring(run.pick(600, 200), 1);
    let test = disk_and_ring(1000, 2);
    let mut record = Record::new(&run, &seeds);
    record.setting("success: test accuracy at least", json!(SUCCESS));
    record.setting("Adam steps", json!(steps));
    let architectures: [&[usize]; 8] = [
        &[1, 1, 1],
        &[2, 2, 2],
        &[3, 3, 3],
        &[4, 4, 4],
        &[8, 8, 8],
        &[3, 2, 2],
        &[2, 3, 2],
        &[2, 2, 3],
    ];
    println!(
        "hidden widths (tanh) | test accuracy over {} seeds | seeds ≥ {SUCCESS}",
        seeds.len()
    );
    let mut outcomes = Vec::new();
    for hidden in architectures {
        let nets = over_seeds(&seeds, |s| {
            let net = train(hidden, s, steps, &data.0, &data.1);
            (accuracy(&net, &test.0, &test.1), net)
        });
        let accs: Vec<f64> = nets.iter().map(|n| n.0).collect();
        let s = Summary::of(&accs);
        let wins = accs.iter().filter(|&&a| a >= SUCCESS).count();
        let name = format!("{hidden:?}");
        println!("{name:<20} | {:>27} | {wins}/{}", s.display(), seeds.len());
        record.number(&format!("{name}: test accuracy"), &s);
        record.number(
            &format!("{name}: share of seeds that succeed"),
            &Summary::of(
                &accs
                    .iter()
                    .map(|&a| f64::from(u8::from(a >= SUCCESS)))
                    .collect::<Vec<_>>(),
            ),
        );
        outcomes.push((hidden, s, wins, nets));
    }
    let best = |i: usize| {
        outcomes[i]
            .3
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("a seed")
    };
    let mut panels = Vec::new();
    for i in [1, 2] {
        let (acc, net) = best(i);
        let mut panel = Panel::sample(
            &format!(
                "best of {} seeds, widths {:?}: test accuracy {acc:.3}",
                seeds.len(),
                outcomes[i].0
            ),
            (-3.0, 3.0),
            120,
            |centres| classes(net, centres),
        );
        panel.legend = vec![("predicted disk".into(), 0), ("predicted ring".into(), 1)];
        panel.overlays = vec![circle(1.0), circle(1.5), circle(2.5)];
        panels.push(panel);
    }
    map::write(&run, "circles.svg", &panels)?;

    // Linear probes on the first hidden layer of every successful width-3 net.
    let probes: Vec<(f64, [f64; 4])> = outcomes[2]
        .3
        .iter()
        .filter(|(a, _)| *a >= SUCCESS)
        .map(|(_, net)| probe(net, &data, &test))
        .collect();
    let probe_summary = Summary::of(&probes.iter().map(|p| p.0).collect::<Vec<_>>());
    println!(
        "linear probe on the 3 units of layer 1 (successful width-3 nets): accuracy {}",
        probe_summary.display()
    );
    record.number(
        "width 3: linear probe accuracy on the first hidden layer",
        &probe_summary,
    );
    let (_, bowl_net) = best(2);
    let (probe_acc, plane) = probe(bowl_net, &data, &test);
    draw_bowl(&run, "circles_bowl.svg", bowl_net, plane, probe_acc)?;

    let narrow: usize = outcomes[..2].iter().map(|o| o.2).sum();
    let wide: usize = outcomes[2..5].iter().map(|o| o.2).sum();
    let mixed: Vec<String> = outcomes[5..]
        .iter()
        .map(|o| format!("{:?} {}/{}", o.0, o.2, seeds.len()))
        .collect();
    let n = seeds.len();
    record.claim(
        "A net no wider than its input cannot enclose a disk; with three units per layer it can",
        if narrow == 0 && wide == 3 * n { Verdict::Holds } else { Verdict::Inconclusive },
        &format!(
            "no seed of widths 1 or 2 separates disk from ring (test accuracy, median [min, max]: {} and {}), all {} seeds of widths 3, 4 and 8 do (mean {}, {}, {})",
            outcomes[0].1.display_range(),
            outcomes[1].1.display_range(),
            3 * n,
            outcomes[2].1.display(),
            outcomes[3].1.display(),
            outcomes[4].1.display(),
        ),
    );
    record.claim(
        "At least one layer with at least three units is enough",
        if outcomes[5..].iter().all(|o| o.2 == n) {
            Verdict::Holds
        } else if outcomes[5..].iter().any(|o| o.2 == n) {
            Verdict::HoldsOnlyWhen
        } else {
            Verdict::Contradicted
        },
        &format!(
            "it depends on where the 3-unit layer sits among 2-unit layers; seeds that succeed: {}; a linear probe on a width-3 net's first layer separates disk from ring with accuracy {}",
            mixed.join(", "),
            probe_summary.display()
        ),
    );
    record.write()?;
    Ok(())
}
