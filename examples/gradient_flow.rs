//! # gradient_flow — how far back does the gradient reach?
//!
//! 1. Deep MLPs (20 → 10 hidden layers of 32 → 10 classes) with tanh,
//!    sigmoid or relu, under LeCun init (std 1/√fan_in), a tiny init (std
//!    0.01) and a large one (3/√fan_in), trained with plain SGD (each
//!    configuration its own rate, searched on a log grid) on ten Gaussian
//!    clusters with their real labels. Per seed: the gradient norm reaching
//!    each layer at the start and during training, the share of saturated
//!    units, and the loss curve.
//! 2. An Elman RNN (tanh, hidden 32) whose recurrent matrix is a random
//!    orthogonal matrix times ρ = 0.5, 0.95, 1.5: ‖∂L/∂h_t‖ for each of 40
//!    steps, L at the last step, over seeds.
//!
//! `cargo run --release --example gradient_flow [-- --quick]`; writes
//! `target/lab/gradient_flow_mlp.svg`, `gradient_flow_training.svg`,
//! `gradient_flow_loss.svg`, `gradient_flow_rnn.svg` and
//! `gradient_flow.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::axis::Axis;
use lab::data::{clusters, elman_gradient_over_time, evaluate};
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, log_grid, over_seeds};
use origami::nn::{Sequential, mlp};
use origami::prelude::*;
use origami::probe::{layer_gradient_norms, saturation};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

const DEPTH: usize = 10;

/// One activation and initialisation.
#[derive(Clone, Copy)]
struct Config {
    activation: Activation,
    init: &'static str,
}

impl Config {
    fn name(&self) -> String {
        format!("{:?} {}", self.activation, self.init).to_lowercase()
    }

    fn net(&self, seed: u64) -> Sequential<f64> {
        let mut widths = vec![20];
        widths.extend([32; DEPTH]);
        widths.push(10);
        let init = match self.init {
            "tiny" => Init::Normal(0.01),
            _ => Init::LecunNormal,
        };
        let mut net = mlp::<f64>(
            &widths,
            self.activation,
            init,
            &mut StdRng::seed_from_u64(seed),
        );
        if self.init == "3x lecun" {
            for (_, p) in net.params_mut() {
                p.value_mut().data_mut().iter_mut().for_each(|w| *w *= 3.0);
            }
        }
        net
    }
}

/// What one seed of one configuration measured.
struct Trace {
    /// Gradient norm per layer (hidden 1..DEPTH, output) at each checkpoint.
    norms: Vec<Vec<f64>>,
    loss: Vec<f64>,
    /// Mean share of saturated (or dead) hidden units at the start.
    saturated: f64,
}

fn train(config: Config, lr: f64, seed: u64, steps: usize, every: usize) -> Trace {
    let (x, y) = clusters::<f64>(500, 100 + seed);
    let mut net = config.net(seed);
    let tape = Tape::new();
    let outs = net.forward_all(&tape, tape.constant(x.clone()));
    let saturated = outs
        .iter()
        .step_by(2)
        .take(DEPTH)
        .map(|z| saturation(&z.value(), config.activation, 0.05).saturated)
        .sum::<f64>()
        / DEPTH as f64;
    let mut opt = Sgd::new(lr);
    let (mut norms, mut loss) = (Vec::new(), Vec::new());
    for step in 0..=steps {
        let (l, grads) = evaluate(&net, &x, &y);
        if step % every == 0 {
            norms.push(
                layer_gradient_norms(&net, &grads)
                    .iter()
                    .map(|(_, n)| *n)
                    .collect(),
            );
            loss.push(if l.is_finite() { l } else { f64::INFINITY });
        }
        if step < steps && opt.update(&mut net, &grads).is_err() {
            break;
        }
    }
    Trace {
        norms,
        loss,
        saturated,
    }
}

/// The rate of `grid` whose final loss (seed 1000, outside the reported
/// seeds) is lowest.
fn search(config: Config, grid: &[f64], steps: usize) -> f64 {
    best_rate(grid, |lr| {
        let trace = train(config, lr, 1000, steps, steps);
        trace.loss.last().copied().unwrap_or(f64::INFINITY)
    })
}

/// The summary of one quantity over the seeds.
fn per_point(values: impl Iterator<Item = f64>) -> Summary {
    Summary::of(&values.collect::<Vec<_>>())
}

fn main() -> Result<(), String> {
    let run = Run::start("gradient_flow");
    let seeds = run.seeds(10, 2);
    let (steps, every) = run.pick((600, 50), (40, 20));
    let mut record = Record::new(&run, &seeds);
    let grid = log_grid(1e-4, 3.0, 2);
    record.setting("rate grid", json!(grid));
    record.setting("SGD steps", json!(steps));

    let mut configs = Vec::new();
    for activation in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
        for init in ["lecun", "tiny", "3x lecun"] {
            configs.push(Config { activation, init });
        }
    }
    let mut at_init = Figure::new(
        "gradient norm reaching each layer at initialisation",
        Axis::integer("layer (11 = output)"),
        Axis::log("‖∂L/∂W_l‖"),
    );
    at_init.subtitle = format!("{} seeds, median and range", seeds.len());
    at_init.legend = Legend::LowerRight;
    let mut ratio_fig = Figure::new(
        "gradient at layer 1 ÷ gradient at layer 10 during training",
        Axis::integer("SGD step"),
        Axis::log("‖∂L/∂W_1‖ / ‖∂L/∂W_10‖"),
    );
    ratio_fig.subtitle = at_init.subtitle.clone();
    let mut loss_fig = Figure::new(
        "training loss (each configuration at its best rate)",
        Axis::integer("SGD step"),
        Axis::log("cross-entropy"),
    );
    loss_fig.subtitle = format!("{} seeds, median and range", seeds.len());
    loss_fig.legend = Legend::LowerLeft;
    println!(
        "deep MLPs: {DEPTH} hidden layers of 32, ten clusters; SGD {steps} steps, rate searched on {}",
        grid.iter()
            .map(|r| lab::axis::number(*r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "config           | rate   | ‖g₁‖ at init      | ‖g₁‖/‖g₁₀‖ at init | ‖g₁‖/‖g₁₀‖ at end | saturated at init | final loss"
    );
    let mut ratios = std::collections::BTreeMap::new();
    for (i, config) in configs.iter().enumerate() {
        let lr = search(*config, &grid, steps);
        let traces = over_seeds(&seeds, |s| train(*config, lr, s, steps, every));
        let ratio_at =
            |k: usize| per_point(traces.iter().map(|t| t.norms[k][0] / t.norms[k][DEPTH - 1]));
        let checkpoints = traces[0].norms.len();
        let (start, end) = (ratio_at(0), ratio_at(checkpoints - 1));
        let first_layer = per_point(traces.iter().map(|t| t.norms[0][0]));
        let saturated = per_point(traces.iter().map(|t| t.saturated));
        let final_loss = per_point(traces.iter().map(|t| *t.loss.last().expect("a loss")));
        println!(
            "{:<16} | {lr:<6.4} | {:>17} | {:>18} | {:>17} | {:>17} | {}",
            config.name(),
            first_layer.display(),
            start.display(),
            end.display(),
            saturated.display(),
            final_loss.display()
        );
        let name = config.name();
        record.number(
            &format!("{name}: gradient ratio layer 1 / layer 10 at init"),
            &start,
        );
        record.number(
            &format!("{name}: gradient ratio layer 1 / layer 10 at the end"),
            &end,
        );
        record.number(
            &format!("{name}: gradient norm at layer 1 at init"),
            &first_layer,
        );
        record.number(&format!("{name}: saturated share at init"), &saturated);
        record.number(&format!("{name}: final loss"), &final_loss);
        record.setting(&format!("{name}: rate"), json!(lr));
        ratios.insert(name.clone(), (start, saturated, first_layer));
        let shown = i % 3 == 0 || config.activation == Activation::Tanh;
        if shown {
            at_init.curves.push(Curve::median_range(
                &name,
                (0..=DEPTH).map(|l| {
                    (
                        l as f64 + 1.0,
                        per_point(traces.iter().map(|t| t.norms[0][l])),
                    )
                }),
            ));
            ratio_fig.curves.push(Curve::median_range(
                &name,
                (0..checkpoints).map(|k| ((k * every) as f64, ratio_at(k))),
            ));
            loss_fig.curves.push(Curve::median_range(
                &format!("{name} (lr {lr:.3})"),
                (0..checkpoints).map(|k| {
                    (
                        (k * every) as f64,
                        per_point(traces.iter().map(|t| t.loss[k])),
                    )
                }),
            ));
        }
    }
    at_init.write(&run, "gradient_flow_mlp.svg")?;
    ratio_fig.write(&run, "gradient_flow_training.svg")?;
    loss_fig.write(&run, "gradient_flow_loss.svg")?;

    let rnn_steps = run.pick(40, 20);
    println!("\nElman RNN, hidden 32, {rnn_steps} steps: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖");
    let mut rnn = Figure::new(
        "gradient reaching each time step (Elman RNN, tanh)",
        Axis::integer("time step t"),
        Axis::log("‖∂L/∂h_t‖"),
    );
    rnn.subtitle = format!("{} seeds, median and range", seeds.len());
    rnn.legend = Legend::LowerRight;
    let mut rnn_ratios = Vec::new();
    for rho in [0.5, 0.95, 1.5] {
        let norms = over_seeds(&seeds, |s| {
            elman_gradient_over_time(Activation::Tanh, rho, rnn_steps, s)
        });
        let ratio = per_point(norms.iter().map(|n| n[0] / n[rnn_steps - 1]));
        println!("   ρ = {rho:<4}: {}", ratio.display());
        record.number(
            &format!("rnn rho {rho}: gradient ratio step 1 / last step"),
            &ratio,
        );
        rnn_ratios.push(ratio);
        rnn.curves.push(Curve::median_range(
            &format!("ρ = {rho}"),
            (0..rnn_steps).map(|t| (t as f64 + 1.0, per_point(norms.iter().map(|n| n[t])))),
        ));
    }
    rnn.write(&run, "gradient_flow_rnn.svg")?;

    let (lecun, tiny, large) = (
        &ratios["tanh lecun"],
        &ratios["tanh tiny"],
        &ratios["tanh 3x lecun"],
    );
    let sigmoid = &ratios["sigmoid lecun"];
    record.claim(
        "With a poor activation or initialisation the gradient vanishes before it reaches the lower layers",
        if tiny.2.mean < 1e-6 && sigmoid.0.mean < 1e-2 && lecun.0.mean > 0.1 {
            Verdict::HoldsOnlyWhen
        } else {
            Verdict::Inconclusive
        },
        &format!(
            "it vanishes with tiny weights (gradient norm at layer 1 {} for tanh with std-0.01 weights, against {} at LeCun init: the forward signal vanishes too) and with sigmoid even at LeCun init (layer-1 / layer-10 gradient ratio {}), but tanh at LeCun init passes it nearly level (ratio {})",
            tiny.2.display(),
            lecun.2.display(),
            sigmoid.0.display(),
            lecun.0.display()
        ),
    );
    record.claim(
        "Large weights saturate the units and so shrink the gradient",
        if large.0.mean > lecun.0.mean {
            Verdict::Contradicted
        } else {
            Verdict::Holds
        },
        &format!(
            "3× LeCun weights saturate {} of tanh units (LeCun: {}), yet the gradient reaching layer 1 relative to layer 10 is {} against LeCun's {}: saturation is real, the shrinking is not",
            large.1.display(),
            lecun.1.display(),
            large.0.display(),
            lecun.0.display()
        ),
    );
    record.claim(
        "In a recurrent net the gradient fades over time steps unless the recurrent weights are large",
        if rnn_ratios[0].mean < 1e-6 && rnn_ratios[2].mean > 1e-2 {
            Verdict::Holds
        } else {
            Verdict::Inconclusive
        },
        &format!(
            "step-1 / step-{rnn_steps} gradient ratio {} at ρ = 0.5, {} at ρ = 0.95 and {} at ρ = 1.5 (tanh saturation caps the growth)",
            rnn_ratios[0].display(),
            rnn_ratios[1].display(),
            rnn_ratios[2].display()
        ),
    );
    record.write()?;
    Ok(())
}
