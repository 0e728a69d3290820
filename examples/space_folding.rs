//! # space_folding — each layer folds the plane; what is drawn on the fold is copied
//!
//! The essay: each layer acts like a folding operator, and any function
//! computed on the folded space applies to every region folded onto it (a
//! hole made after three folds appears in two regions after two, in four
//! after one). Montúfar et al. (2014) and Telgarsky's tent maps make it
//! exact:
//!
//! 1. A ReLU net of L layers, 3 units each, whose layer k computes the tent
//!    `t(u) = 2relu(u) − 4relu(u − ½)` along x (k odd) or y (k even) and
//!    passes the other coordinate on, folds the unit square L times. A
//!    "hole" (a disc) drawn in the folded square shows up 2^L times in the
//!    input square, mirrored; the copies are counted on a grid.
//! 2. Do trained nets fold? The target is the hole after two folds (4
//!    mirrored discs). Nets see only the left half of the square; if they
//!    had learned the fold they would draw the two unseen discs in the right
//!    half. A deep-narrow ReLU net (2-8×4-2) and a shallow-wide one of equal
//!    size (2-51-2), 10 seeds each: accuracy on the seen half, the overlap
//!    (IoU) of the predicted and the true discs in the unseen half, and the
//!    share of the unseen discs' area predicted as hole.
//!
//! `cargo run --release --example space_folding [-- --quick]`; writes
//! `target/lab/space_folding.svg`, `space_folding_trained.svg` and
//! `space_folding.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::data::evaluate;
use lab::map::{self, Panel};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use origami::nn::{Dense, Param, Sequential, mlp};
use origami::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

/// The hole, in the folded square: a disc.
const HOLE: (f64, f64, f64) = (0.3, 0.35, 0.2);

fn tensor(shape: &[usize], data: Vec<f64>) -> Tensor<f64> {
    Tensor::from_vec(shape, data).expect("sized")
}

/// The three units of a fold along `axis` (0 = x, 1 = y), as rows over the
/// two coordinates: relu(a), relu(a − ½), relu(other).
fn fold_units(axis: usize) -> ([[f64; 2]; 3], [f64; 3]) {
    let mut w = [[0.0; 2]; 3];
    w[0][axis] = 1.0;
    w[1][axis] = 1.0;
    w[2][1 - axis] = 1.0;
    (w, [0.0, -0.5, 0.0])
}

/// The two coordinates after a fold along `axis`, read from its 3 units:
/// the tent 2·u₀ − 4·u₁ and the passed coordinate u₂.
fn fold_readout(axis: usize) -> [[f64; 3]; 2] {
    let mut r = [[0.0; 3]; 2];
    r[axis] = [2.0, -4.0, 0.0];
    r[1 - axis] = [0.0, 0.0, 1.0];
    r
}

/// The folding net: `folds` ReLU layers of 3 units (x, y, x, … folds), then
/// a linear readout of the folded coordinates. `folds` = 0 is the identity.
fn folding_net(folds: usize) -> Sequential<f64> {
    let mut net = Sequential::new();
    let mut readout: Option<[[f64; 3]; 2]> = None;
    for k in 0..folds {
        let (w, b) = fold_units(k % 2);
        // Compose this fold's units with the previous fold's readout.
        let (weight, inputs) = match readout {
            None => (w.iter().flatten().copied().collect::<Vec<_>>(), 2),
            Some(r) => {
                let m = w
                    .iter()
                    .flat_map(|row| r[0].iter().zip(&r[1]).map(|(a, b)| row[0] * a + row[1] * b))
                    .collect();
                (m, 3)
            }
        };
        net = net
            .push(Dense {
                weight: Param::new(tensor(&[3, inputs], weight)),
                bias: Some(Param::new(tensor(&[3], b.to_vec()))),
            })
            .push(Activation::Relu);
        readout = Some(fold_readout(k % 2));
    }
    let (weight, inputs) = match readout {
        None => (vec![1.0, 0.0, 0.0, 1.0], 2),
        Some(r) => (r.iter().flatten().copied().collect(), 3),
    };
    net.push(Dense {
        weight: Param::new(tensor(&[2, inputs], weight)),
        bias: Some(Param::new(tensor(&[2], vec![0.0, 0.0]))),
    })
}

/// Whether folded coordinates fall in the hole.
fn in_hole(p: &[f64]) -> bool {
    (p[0] - HOLE.0).powi(2) + (p[1] - HOLE.1).powi(2) < HOLE.2 * HOLE.2
}

/// The hole seen in input space through `folds` folds, at `points`.
fn holes(folds: usize, points: &[(f64, f64)]) -> Vec<usize> {
    let net = folding_net(folds);
    let tape = Tape::inference();
    let x = tensor(
        &[points.len(), 2],
        points.iter().flat_map(|&(a, b)| [a, b]).collect(),
    );
    let folded = net.forward(&tape, tape.constant(x)).value();
    folded
        .data()
        .chunks(2)
        .map(|p| usize::from(in_hole(p)))
        .collect()
}

/// Connected groups of cells equal to 1 on an `n × n` grid (4-neighbours).
fn components(cells: &[usize], n: usize) -> usize {
    let mut seen = vec![false; cells.len()];
    let mut count = 0;
    for start in 0..cells.len() {
        if cells[start] != 1 || seen[start] {
            continue;
        }
        count += 1;
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(k) = stack.pop() {
            let (r, c) = (k / n, k % n);
            let mut near = Vec::new();
            if r > 0 {
                near.push(k - n);
            }
            if r + 1 < n {
                near.push(k + n);
            }
            if c > 0 {
                near.push(k - 1);
            }
            if c + 1 < n {
                near.push(k + 1);
            }
            for j in near {
                if cells[j] == 1 && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    count
}

/// The unit square's grid-cell centres, row by row from the bottom.
fn grid(n: usize) -> Vec<(f64, f64)> {
    (0..n * n)
        .map(|k| {
            (
                ((k % n) as f64 + 0.5) / n as f64,
                ((k / n) as f64 + 0.5) / n as f64,
            )
        })
        .collect()
}

fn predict(net: &Sequential<f64>, points: &[(f64, f64)]) -> Vec<usize> {
    let tape = Tape::inference();
    let x = tensor(
        &[points.len(), 2],
        points.iter().flat_map(|&(a, b)| [a, b]).collect(),
    );
    let logits = net.forward(&tape, tape.constant(x)).value();
    logits
        .data()
        .chunks(2)
        .map(|r| usize::from(r[1] > r[0]))
        .collect()
}

/// What one trained net did: (accuracy on the seen half, IoU of the discs
/// in the unseen half, share of the unseen discs predicted), and the net.
fn trained(widths: &[usize], seed: u64, steps: usize) -> ((f64, f64, f64), Sequential<f64>) {
    let mut rng = StdRng::seed_from_u64(seed + 77);
    let points: Vec<(f64, f64)> = (0..2000)
        .map(|_| (rng.random_range(0.0..0.5), rng.random_range(0.0..1.0)))
        .collect();
    let labels = holes(2, &points);
    let x = tensor(
        &[points.len(), 2],
        points.iter().flat_map(|&(a, b)| [a, b]).collect(),
    );
    let mut net = mlp::<f64>(
        widths,
        Activation::Relu,
        Init::KaimingNormal,
        &mut StdRng::seed_from_u64(seed),
    );
    let mut opt = Adam::new(0.01);
    for _ in 0..steps {
        let (_, grads) = evaluate(&net, &x, &labels);
        opt.update(&mut net, &grads)
            .expect("every parameter has a gradient");
    }
    let n = 100;
    let cells = grid(n);
    let (truth, guess) = (holes(2, &cells), predict(&net, &cells));
    let (mut seen_right, mut seen_total, mut inter, mut union, mut discs) = (0, 0, 0, 0, 0);
    for (k, &(px, _)) in cells.iter().enumerate() {
        if px < 0.5 {
            seen_total += 1;
            seen_right += usize::from(truth[k] == guess[k]);
        } else {
            inter += usize::from(truth[k] == 1 && guess[k] == 1);
            union += usize::from(truth[k] == 1 || guess[k] == 1);
            discs += truth[k];
        }
    }
    let iou = if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    };
    (
        (
            seen_right as f64 / seen_total as f64,
            iou,
            inter as f64 / discs.max(1) as f64,
        ),
        net,
    )
}

fn main() -> Result<(), String> {
    let run = Run::start("space_folding");
    let seeds = run.seeds(10, 2);
    let steps = run.pick(3000, 200);
    let mut record = Record::new(&run, &seeds);
    record.setting("hole in the folded square (x, y, radius)", json!(HOLE));
    record.setting("Adam steps (lr 0.01)", json!(steps));

    println!("1. The folding net: copies of the hole in the input square");
    let n = 240;
    let cells = grid(n);
    let mut panels = Vec::new();
    let mut exact = true;
    for folds in 0..=run.pick(4, 2) {
        let hole = holes(folds, &cells);
        let copies = components(&hole, n);
        println!(
            "   {folds} folds: {copies} copies (2^{folds} = {})",
            1 << folds
        );
        exact &= copies == 1 << folds;
        record.number(
            &format!("copies after {folds} folds"),
            &Summary::of(&[copies as f64]),
        );
        let mut panel = Panel::sample(
            &format!(
                "{folds} fold{}: {copies} cop{}",
                if folds == 1 { "" } else { "s" },
                if copies == 1 { "y" } else { "ies" }
            ),
            (0.0, 1.0),
            n,
            |_| hole.clone(),
        );
        if folds == 0 {
            panel.legend = vec![("the hole".into(), 1), ("elsewhere".into(), 0)];
        }
        panels.push(panel);
    }
    map::write(&run, "space_folding.svg", &panels)?;

    println!(
        "\n2. Trained ReLU nets, shown only the left half of the 2-fold target ({} seeds)",
        seeds.len()
    );
    let architectures: [(&str, &[usize]); 2] = [
        ("deep 2-8x4-2", &[2, 8, 8, 8, 8, 2]),
        ("shallow 2-51-2", &[2, 51, 2]),
    ];
    let mut trained_panels = Vec::new();
    let mut outcomes = Vec::new();
    for (name, widths) in architectures {
        let runs = over_seeds(&seeds, |s| trained(widths, s, steps));
        let pick = |f: fn(&(f64, f64, f64)) -> f64| {
            Summary::of(&runs.iter().map(|r| f(&r.0)).collect::<Vec<_>>())
        };
        let (fit, iou, found) = (pick(|r| r.0), pick(|r| r.1), pick(|r| r.2));
        println!(
            "   {name}: seen-half accuracy {}, unseen-half disc IoU {}, share of unseen discs found {}",
            fit.display(),
            iou.display(),
            found.display()
        );
        record.number(&format!("{name}: accuracy on the seen half"), &fit);
        record.number(&format!("{name}: IoU of the unseen discs"), &iou);
        record.number(
            &format!("{name}: share of the unseen discs predicted"),
            &found,
        );
        let best = runs
            .iter()
            .max_by(|a, b| a.0.1.total_cmp(&b.0.1))
            .expect("a seed");
        let mut panel = Panel::sample(
            &format!("{name}, best seed: unseen IoU {:.2}", best.0.1),
            (0.0, 1.0),
            120,
            |points| predict(&best.1, points),
        );
        panel.legend = vec![
            ("predicted hole".into(), 1),
            ("predicted outside".into(), 0),
        ];
        panel.overlays = vec![vec![(0.5, 0.0), (0.5, 1.0)]];
        for (cx, cy) in [(0.15, 0.175), (0.15, 0.825), (0.85, 0.175), (0.85, 0.825)] {
            panel.overlays.push(
                lab::map::circle(0.1)
                    .into_iter()
                    .map(|(x, y)| (cx + x, cy + y))
                    .collect(),
            );
        }
        trained_panels.push(panel);
        outcomes.push((name, fit, iou, found));
    }
    let truth = {
        let mut panel = Panel::sample(
            "the target (training points only left of x = ½)",
            (0.0, 1.0),
            120,
            |points| holes(2, points),
        );
        panel.legend = vec![("hole".into(), 1), ("outside".into(), 0)];
        panel.overlays = vec![vec![(0.5, 0.0), (0.5, 1.0)]];
        panel
    };
    trained_panels.insert(0, truth);
    map::write(&run, "space_folding_trained.svg", &trained_panels)?;

    record.claim(
        "Each layer folds the space, and a function computed on the folded space is copied to every region folded onto it",
        if exact { Verdict::Holds } else { Verdict::Contradicted },
        &format!(
            "a net of 3-unit ReLU tent layers folds the unit square onto itself; a disc drawn after L folds appears exactly 2^L times in input space (1, 2, 4, {} copies counted for L = 0…{})",
            if run.quick { "…".to_string() } else { "8, 16".to_string() },
            run.pick(4, 2)
        ),
    );
    let (deep, shallow) = (&outcomes[0], &outcomes[1]);
    let copies = |o: &Summary| o.mean > 0.5;
    let verdict = match (copies(&deep.2), copies(&shallow.2)) {
        (true, true) => Verdict::Holds,
        (true, false) | (false, true) => Verdict::HoldsOnlyWhen,
        _ if deep.2.mean < 0.1 && shallow.2.mean < 0.1 => Verdict::Contradicted,
        _ => Verdict::Inconclusive,
    };
    record.claim(
        "Trained networks generalise by folding: what they learn in one region is copied to the mirrored ones",
        verdict,
        &format!(
            "shown only the left half of a mirrored 4-disc target, nets fit it (seen-half accuracy {} deep, {} shallow) and draw {} of the two unseen discs (IoU {} deep, {} shallow; share of their area predicted {} and {})",
            deep.1.display(),
            shallow.1.display(),
            if verdict == Verdict::Contradicted { "none" } else { "some" },
            deep.2.display(),
            shallow.2.display(),
            deep.3.display(),
            shallow.3.display()
        ),
    );
    record.write()?;
    Ok(())
}
