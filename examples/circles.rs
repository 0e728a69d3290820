//! # circles — a net no wider than its input cannot enclose a disk
//!
//! Beise, Dias Da Cruz & Schröder (2018): if no hidden layer is wider than
//! the input (here 2), every decision region is unbounded, so the net
//! cannot separate a disk from the ring around it; width 3 can. This
//! trains nets whose every hidden layer has width 1, 2, 3, 4 and 8 (three
//! hidden layers, tanh) on inner disk (r < 1) vs ring (1.5 < r < 2.5),
//! best of several seeds, and draws the decision regions of widths 2 and 3
//! and, for width 3, the input plane as it sits in the first hidden layer:
//! a bowl whose bottom holds the disk, cut from the ring by a plane.
//!
//! `cargo run --release --example circles [-- --quick]`; writes
//! `target/lab/circles_width2.svg`, `target/lab/circles_width3.svg` and
//! `target/lab/circles_bowl.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Init, Module, Sequential, mlp};
use origami::prelude::*;
use plotters::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn disk_and_ring(n: usize, seed: u64) -> (Tensor<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let inner = i % 2 == 0;
        let r = if inner {
            rng.random_range(0.0..1.0f32).sqrt()
        } else {
            rng.random_range(1.5..2.5f32)
        };
        let a = rng.random_range(0.0..std::f32::consts::TAU);
        xs.extend([r * a.cos(), r * a.sin()]);
        ys.push(usize::from(!inner));
    }
    (Tensor::from_vec(&[n, 2], xs).expect("sized"), ys)
}

fn accuracy(net: &Sequential<f32>, x: &Tensor<f32>, y: &[usize]) -> f64 {
    let tape = Tape::inference();
    let logits = net.forward(&tape, tape.constant(x.clone())).value();
    let hits = logits
        .data()
        .chunks(2)
        .zip(y)
        .filter(|(row, label)| usize::from(row[1] > row[0]) == **label)
        .count();
    hits as f64 / y.len() as f64
}

fn train(
    width: usize,
    seed: u64,
    steps: usize,
    x: &Tensor<f32>,
    y: &[usize],
) -> Result<Sequential<f32>, String> {
    let mut net = mlp::<f32>(
        &[2, width, width, width, 2],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let mut opt = Adam::new(0.02);
    for _ in 0..steps {
        opt.step(&mut net, &mut |m| {
            let tape = Tape::new();
            let loss = m
                .forward(&tape, tape.constant(x.clone()))
                .cross_entropy(y, Reduction::Mean);
            Ok(Evaluation::new(loss.value().item() as f64, loss.backward()))
        })
        .map_err(|e| e.to_string())?;
    }
    Ok(net)
}

/// The predicted class on a grid over [-3, 3]², as coloured cells.
fn draw_regions(path: &Path, net: &Sequential<f32>, title: &str) -> Result<(), String> {
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        std::fs::create_dir_all(path.parent().expect("in a directory"))?;
        let root = SVGBackend::new(path, (420, 440)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(30)
            .build_cartesian_2d(-3.0f32..3.0, -3.0f32..3.0)?;
        chart.configure_mesh().disable_mesh().draw()?;
        let n = 60;
        let cell = 6.0 / n as f32;
        let points: Vec<f32> = (0..n * n)
            .flat_map(|k| {
                [
                    -3.0 + cell * ((k % n) as f32 + 0.5),
                    -3.0 + cell * ((k / n) as f32 + 0.5),
                ]
            })
            .collect();
        let tape = Tape::inference();
        let logits = net
            .forward(
                &tape,
                tape.constant(Tensor::from_vec(&[n * n, 2], points.clone())?),
            )
            .value();
        chart.draw_series(
            logits
                .data()
                .chunks(2)
                .zip(points.chunks(2))
                .map(|(row, p)| {
                    let color = if row[1] > row[0] {
                        RGBColor(250, 200, 120)
                    } else {
                        RGBColor(120, 170, 240)
                    };
                    Rectangle::new(
                        [
                            (p[0] - cell / 2.0, p[1] - cell / 2.0),
                            (p[0] + cell / 2.0, p[1] + cell / 2.0),
                        ],
                        color.filled(),
                    )
                }),
        )?;
        chart.draw_series([1.0f32, 1.5, 2.5].map(|r| {
            PathElement::new(
                (0..=64)
                    .map(|i| {
                        let a = i as f32 * std::f32::consts::TAU / 64.0;
                        (r * a.cos(), r * a.sin())
                    })
                    .collect::<Vec<_>>(),
                BLACK,
            )
        }))?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("{}: {e}", path.display()))
}

/// The surface the input square makes in the first hidden layer (3 units
/// for width 3), drawn as a mesh in 3-D: the plane is bent into a bowl
/// whose bottom holds the disk and whose rim holds the ring, so later
/// layers can cut them apart with a plane.
fn draw_bowl(path: &Path, net: &Sequential<f32>) -> Result<(), String> {
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
        let tape = Tape::inference();
        let outs = net.forward_all(
            &tape,
            tape.constant(Tensor::from_vec(&[n * n, 2], coords.clone())?),
        );
        let hidden = outs[1].value(); // the first hidden layer, after its tanh
        let logits = outs[outs.len() - 1].value();
        let h = |k: usize| {
            (
                hidden.data()[3 * k] as f64,
                hidden.data()[3 * k + 1] as f64,
                hidden.data()[3 * k + 2] as f64,
            )
        };
        let root = SVGBackend::new(path, (560, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "width 3: the input plane in the first hidden layer",
                ("sans-serif", 16),
            )
            .margin(10)
            .build_cartesian_3d(-1.0..1.0, -1.0..1.0, -1.0..1.0)?;
        chart.with_projection(|mut p| {
            p.pitch = 0.5;
            p.yaw = 0.7;
            p.scale = 0.85;
            p.into_matrix()
        });
        chart.configure_axes().draw()?;
        let colour = |k: usize| {
            if logits.data()[2 * k + 1] > logits.data()[2 * k] {
                RGBColor(230, 140, 40)
            } else {
                RGBColor(40, 110, 220)
            }
        };
        for i in 0..n {
            for j in 0..n - 1 {
                for (a, b) in [(i * n + j, i * n + j + 1), (j * n + i, (j + 1) * n + i)] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![h(a), h(b)],
                        colour(a),
                    )))?;
                }
            }
        }
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("{}: {e}", path.display()))
}

fn main() -> Result<(), String> {
    let quick = plot::quick();
    let (x, y) = disk_and_ring(if quick { 200 } else { 600 }, 1);
    let (tx, ty) = disk_and_ring(1000, 2);
    let (seeds, steps) = if quick { (2, 150) } else { (5, 1500) };
    println!(
        "width of every hidden layer (3 hidden layers, tanh) | best test accuracy over {seeds} seeds"
    );
    for width in [1usize, 2, 3, 4, 8] {
        let mut best: Option<(f64, Sequential<f32>)> = None;
        for seed in 0..seeds {
            let net = train(width, seed, steps, &x, &y)?;
            let acc = accuracy(&net, &tx, &ty);
            if best.as_ref().is_none_or(|(b, _)| acc > *b) {
                best = Some((acc, net));
            }
        }
        let (acc, net) = best.expect("at least one seed");
        println!("{width:>52} | {acc:.3}");
        if width == 2 || width == 3 {
            let path = format!("target/lab/circles_width{width}.svg");
            draw_regions(
                Path::new(&path),
                &net,
                &format!("width {width}: test accuracy {acc:.3}"),
            )?;
            println!("{:>52}   plot: {path}", "");
        }
        if width == 3 {
            let path = "target/lab/circles_bowl.svg";
            draw_bowl(Path::new(path), &net)?;
            println!("{:>52}   plot: {path}", "");
        }
    }
    Ok(())
}
