//! # layerwise_lr — give the lower layers more rate, so all layers move alike?
//!
//! Efficient BackProp (sec. 4.7): lower layers usually see smaller second
//! derivatives (and smaller gradients), so they should get larger rates,
//! with the aim that "all weights move at equal speed". Tested where the
//! lower layers' gradients really are small: a 20-24×6-10 *sigmoid* MLP at
//! LeCun init on ten Gaussian clusters, plain full-batch SGD, four schemes:
//!
//! * one rate for every layer;
//! * depth-descending rates (`Groups::depth_descending`, each layer 0.5×
//!   the one below, so the first layer gets the most);
//! * curvature-set rates: η_l ∝ 1/λ_l, the top eigenvalue of each layer's
//!   Hessian block at the start (`layer_top_eigenvalues`);
//! * gradient-set rates: η_l ∝ 1/‖∂L/∂W_l‖ at the start.
//!
//! Every scheme's per-layer scales have geometric mean 1, and every scheme
//! gets its own base-rate search on a log grid (seed 1000), so no scheme
//! wins by a larger overall rate. Over 10 inits: the final loss, and how
//! far each layer's weights moved, ‖W_l − W_l(0)‖ / ‖W_l(0)‖.
//!
//! `cargo run --release --example layerwise_lr [-- --quick]`; writes
//! `target/lab/layerwise_lr.svg`, `layerwise_lr_loss.svg` and
//! `layerwise_lr.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{clusters, evaluate};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, log_grid, over_seeds, sign_test};
use origami::nn::{Params, Sequential, mlp};
use origami::optim::{Groups, layer_top_eigenvalues, loss_fn};
use origami::prelude::*;
use origami::probe::layer_gradient_norms;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

const LAYERS: usize = 7;

fn net(seed: u64) -> Sequential<f64> {
    let mut widths = vec![20];
    widths.extend([24; LAYERS - 1]);
    widths.push(10);
    mlp(
        &widths,
        Activation::Sigmoid,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(seed),
    )
}

/// Each weight matrix's values, in layer order.
fn weights(net: &Sequential<f64>) -> Vec<Vec<f64>> {
    net.params()
        .iter()
        .filter(|(n, _)| n.ends_with("weight"))
        .map(|(_, p)| p.value().data().to_vec())
        .collect()
}

/// Per-layer scales with geometric mean 1.
fn normalised(scales: Vec<(String, f64)>) -> Vec<(String, f64)> {
    let mean_log = scales.iter().map(|(_, s)| s.ln()).sum::<f64>() / scales.len() as f64;
    scales
        .into_iter()
        .map(|(p, s)| (p, (s.ln() - mean_log).exp()))
        .collect()
}

/// A scheme's per-layer scales for the net of `seed`.
fn scales(scheme: &str, seed: u64, x: &Tensor<f64>, y: &[usize]) -> Vec<(String, f64)> {
    let m = net(seed);
    let raw: Vec<(String, f64)> = match scheme {
        "depth-descending 0.5" => (0..LAYERS)
            .map(|l| (format!("{}.", 2 * l), 0.5f64.powi(l as i32)))
            .collect(),
        "curvature-set" => {
            let loss = loss_fn(|t, m: &Sequential<f64>| {
                m.forward(t, t.constant(x.clone()))
                    .cross_entropy(y, Reduction::Mean)
            });
            layer_top_eigenvalues(&loss, &m, 100, &mut StdRng::seed_from_u64(seed + 7))
                .into_iter()
                .map(|(p, e)| (p, 1.0 / e.value.abs().max(1e-12)))
                .collect()
        }
        "gradient-set" => layer_gradient_norms(&m, &evaluate(&m, x, y).1)
            .into_iter()
            .map(|(p, n)| (p, 1.0 / n.max(1e-12)))
            .collect(),
        _ => (0..LAYERS).map(|l| (format!("{}.", 2 * l), 1.0)).collect(),
    };
    normalised(raw)
}

/// (loss every 25 steps, relative movement per layer) of one run.
fn train(
    scheme: &str,
    lr: f64,
    seed: u64,
    steps: usize,
    x: &Tensor<f64>,
    y: &[usize],
) -> (Vec<f64>, Vec<f64>) {
    let mut m = net(seed);
    let start = weights(&m);
    let mut opt = Sgd::new(lr).with_groups(Groups::from_scales(&scales(scheme, seed, x, y), 0.0));
    let mut losses = Vec::new();
    for step in 0..=steps {
        let (loss, grads) = evaluate(&m, x, y);
        if step % 25 == 0 {
            losses.push(if loss.is_finite() {
                loss
            } else {
                f64::INFINITY
            });
        }
        if step == steps || !loss.is_finite() || opt.update(&mut m, &grads).is_err() {
            break;
        }
    }
    let moved = weights(&m)
        .iter()
        .zip(&start)
        .map(|(w, w0)| {
            let d: f64 = w
                .iter()
                .zip(w0)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            d / w0.iter().map(|a| a * a).sum::<f64>().sqrt()
        })
        .collect();
    (losses, moved)
}

fn main() -> Result<(), String> {
    let run = Run::start("layerwise_lr");
    let seeds = run.seeds(10, 2);
    let steps = run.pick(500, 50);
    let (x, y) = clusters::<f64>(500, 8);
    let grid = log_grid(0.01, 1000.0, 2);
    let mut record = Record::new(&run, &seeds);
    record.setting("rate grid", json!(grid));
    record.setting("SGD steps", json!(steps));
    let schemes = [
        "one rate",
        "depth-descending 0.5",
        "curvature-set",
        "gradient-set",
    ];

    let ratio = Summary::of(&over_seeds(&seeds, |s| {
        let m = net(s);
        let norms = layer_gradient_norms(&m, &evaluate(&m, &x, &y).1);
        norms[0].1 / norms[LAYERS - 1].1
    }));
    println!(
        "gradient norm of layer 1 ÷ the output layer's at the start: {}",
        ratio.display()
    );
    record.number("gradient norm of layer 1 / output layer at init", &ratio);
    let mut moved_fig = Figure::new(
        "how far each layer's weights moved (sigmoid 20-24x6-10)",
        Axis::integer("layer (7 = output)"),
        Axis::log("‖ΔW_l‖ / ‖W_l(0)‖"),
    );
    moved_fig.subtitle = format!(
        "{} inits, median and range; each scheme at its own searched base rate",
        seeds.len()
    );
    moved_fig.legend = Legend::UpperRight;
    let mut loss_fig = Figure::new(
        "training loss per scheme",
        Axis::integer("SGD step"),
        Axis::log("cross-entropy"),
    );
    loss_fig.subtitle = moved_fig.subtitle.clone();
    loss_fig.legend = Legend::LowerLeft;
    println!(
        "scheme               | base rate | final loss (median [min, max]) | spread of movement (sd of log10 over layers)"
    );
    let mut results = Vec::new();
    for scheme in schemes {
        let lr = best_rate(&grid, |lr| {
            let losses = train(scheme, lr, 1000, steps, &x, &y).0;
            losses.last().copied().unwrap_or(f64::INFINITY)
        });
        let runs = over_seeds(&seeds, |s| train(scheme, lr, s, steps, &x, &y));
        let final_loss = Summary::of(
            &runs
                .iter()
                .map(|r| *r.0.last().expect("a loss"))
                .collect::<Vec<_>>(),
        );
        let spread = Summary::of(
            &runs
                .iter()
                .map(|r| Summary::of(&r.1.iter().map(|m| m.log10()).collect::<Vec<_>>()).sd)
                .collect::<Vec<_>>(),
        );
        println!(
            "{scheme:<20} | {:<9} | {:>30} | {}",
            lab::axis::number(lr),
            final_loss.display_range(),
            spread.display()
        );
        record.setting(&format!("{scheme}: base rate"), json!(lr));
        record.number(&format!("{scheme}: final loss"), &final_loss);
        record.number(
            &format!("{scheme}: spread of log10 movement over layers"),
            &spread,
        );
        let per_layer: Vec<(f64, Summary)> = (0..LAYERS)
            .map(|l| {
                (
                    l as f64 + 1.0,
                    Summary::of(&runs.iter().map(|r| r.1[l]).collect::<Vec<_>>()),
                )
            })
            .collect();
        for (l, s) in &per_layer {
            record.number(&format!("{scheme}: movement of layer {l}"), s);
        }
        let label = format!("{scheme} (lr {})", lab::axis::number(lr));
        moved_fig
            .curves
            .push(Curve::median_range(&label, per_layer));
        let points = runs.iter().map(|r| r.0.len()).min().unwrap_or(0);
        loss_fig.curves.push(Curve::median_range(
            &label,
            (0..points).map(|k| {
                (
                    (25 * k) as f64,
                    Summary::of(&runs.iter().map(|r| r.0[k]).collect::<Vec<_>>()),
                )
            }),
        ));
        let finals: Vec<f64> = runs.iter().map(|r| *r.0.last().expect("a loss")).collect();
        results.push((scheme, final_loss, spread, finals));
    }
    moved_fig.write(&run, "layerwise_lr.svg")?;
    loss_fig.write(&run, "layerwise_lr_loss.svg")?;

    let one = &results[0];
    let best = results[1..]
        .iter()
        .min_by(|a, b| a.1.median.total_cmp(&b.1.median))
        .expect("three schemes");
    let evenest = results
        .iter()
        .min_by(|a, b| a.2.mean.total_cmp(&b.2.mean))
        .expect("four schemes");
    let n = seeds.len();
    let wins = best.3.iter().zip(&one.3).filter(|(b, o)| b < o).count();
    record.claim(
        "Larger rates for the lower layers make all layers learn at the same speed",
        if evenest.0 == "one rate" {
            Verdict::Contradicted
        } else {
            Verdict::Holds
        },
        &format!(
            "layer 1's gradient is {} of the output layer's at the start, yet layers move most evenly under {} (sd of log10 relative movement over layers {}); depth-descending rates give {}, curvature-set {}, gradient-set {}",
            ratio.display(),
            evenest.0,
            evenest.2.display(),
            results[1].2.display(),
            results[2].2.display(),
            results[3].2.display()
        ),
    );
    record.claim(
        "Larger rates for the lower layers train a deep net faster",
        Verdict::from_pairs(wins, n),
        &format!(
            "with each scheme's base rate searched, the final loss after {steps} steps is {} with one rate and {} with {} (lower in {wins}/{n} inits, sign test p = {:.3}); depth-descending {}, curvature-set {}",
            one.1.display_range(),
            best.1.display_range(),
            best.0,
            sign_test(wins, n),
            results[1].1.display_range(),
            results[2].1.display_range()
        ),
    );
    record.write()?;
    Ok(())
}
