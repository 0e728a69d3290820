//! # gradient_flow — how far back does the gradient reach?
//!
//! 1. Deep MLPs (10 hidden layers of 32) with tanh, sigmoid or relu, under
//!    LeCun init (std 1/√fan_in), a tiny init (std 0.01) and a large one
//!    (std 3/√fan_in): the gradient norm reaching each layer for one batch,
//!    and the fraction of saturated (or dead) units. LeCun keeps tanh's
//!    gradient roughly level; tiny weights make it vanish; large weights
//!    saturate tanh and sigmoid.
//! 2. An Elman RNN (tanh, hidden 32) whose recurrent matrix is an
//!    orthogonal matrix times ρ = 0.5, 0.95, 1.5: ‖∂L/∂h_t‖ for each of 40
//!    steps, L at the last step. Below 1 the gradient decays geometrically
//!    backwards in time; above 1 tanh saturation caps the growth.
//!
//! `cargo run --release --example gradient_flow [-- --quick]`; writes
//! `target/lab/gradient_flow_mlp.svg` and `target/lab/gradient_flow_rnn.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Cell, Elman, Init, Params, State, mlp};
use origami::prelude::*;
use origami::probe::{layer_gradient_norms, saturation, time_step_gradient_norms};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() -> Result<(), String> {
    let quick = plot::quick();
    let (depth, width, batch) = (if quick { 5 } else { 10 }, 32, 64);
    let mut rng = StdRng::seed_from_u64(1);
    let x = Tensor::<f64>::randn(&[batch, width], 0.0, 1.0, &mut rng).map_err(|e| e.to_string())?;
    let labels: Vec<usize> = (0..batch).map(|i| i % 4).collect();
    let mut series = Vec::new();
    println!(
        "1. {depth} hidden layers of {width}: gradient norm reaching layer 1 / layer {depth} / output; saturated fraction (mean over layers)"
    );
    println!("   activation | init    | first layer | last hidden | output  | saturated");
    for activation in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
        for (init_name, std_scale) in [("lecun", 1.0), ("tiny", 0.0), ("large", 3.0)] {
            let mut widths = vec![width; depth + 1];
            widths.push(4);
            let init = if std_scale == 0.0 {
                Init::Normal(0.01)
            } else {
                Init::LecunNormal
            };
            let mut net = mlp::<f64>(&widths, activation, init, &mut StdRng::seed_from_u64(2));
            if std_scale > 1.0 {
                for (_, p) in net.params_mut() {
                    p.value_mut()
                        .data_mut()
                        .iter_mut()
                        .for_each(|w| *w *= std_scale);
                }
            }
            let tape = Tape::new();
            let outs = net.forward_all(&tape, tape.constant(x.clone()));
            let loss = outs
                .last()
                .expect("layers")
                .cross_entropy(&labels, Reduction::Mean);
            let norms = layer_gradient_norms(&net, &loss.backward());
            let sat: f64 = outs
                .iter()
                .step_by(2)
                .take(depth)
                .map(|z| saturation(&z.value(), activation, 0.05).saturated)
                .sum::<f64>()
                / depth as f64;
            println!(
                "   {:<10} | {init_name:<7} | {:>11.3e} | {:>11.3e} | {:>7.1e} | {sat:>9.2}",
                format!("{activation:?}"),
                norms[0].1,
                norms[depth - 1].1,
                norms[depth].1
            );
            let points = norms
                .iter()
                .enumerate()
                .map(|(i, (_, n))| (i as f64 + 1.0, *n))
                .collect();
            series.push((format!("{activation:?} {init_name}"), points));
        }
    }
    let mlp_plot = Path::new("target/lab/gradient_flow_mlp.svg");
    plot::lines(
        mlp_plot,
        "gradient norm per layer (deep MLP)",
        "layer",
        "‖∂L/∂W_l‖",
        &series,
        true,
    )?;

    println!("\n2. Elman RNN, hidden 32, 40 steps: ‖∂L/∂h_t‖ at t = 1, 10, 20, 30, 40");
    let steps = if quick { 20 } else { 40 };
    let mut rnn_series = Vec::new();
    for rho in [0.5, 0.95, 1.5] {
        let mut cell = Elman::<f64>::new(8, 32, Activation::Tanh, &mut StdRng::seed_from_u64(3));
        *cell.weights.weight_hh.value_mut() =
            Init::Orthogonal.tensor(&[32, 32], rho, &mut StdRng::seed_from_u64(4));
        let tape = Tape::new();
        let mut rng = StdRng::seed_from_u64(5);
        let mut state = State {
            h: tape.constant(Tensor::zeros(&[16, 32])),
            c: None,
        };
        let mut hs = Vec::new();
        for _ in 0..steps {
            let x = tape
                .constant(Tensor::randn(&[16, 8], 0.0, 1.0, &mut rng).map_err(|e| e.to_string())?);
            state = cell.step(&tape, x, &state);
            hs.push(state.h);
        }
        let loss = (state.h * state.h).mean_all();
        let norms = time_step_gradient_norms(&tape, loss, &hs);
        let pick: Vec<String> = [0, 9, 19, 29, 39]
            .iter()
            .filter(|&&t| t < steps)
            .map(|&t| format!("{:.2e}", norms[t]))
            .collect();
        println!("   rho {rho:<4}: {}", pick.join("  "));
        rnn_series.push((
            format!("rho = {rho}"),
            norms
                .iter()
                .enumerate()
                .map(|(t, n)| (t as f64 + 1.0, *n))
                .collect(),
        ));
    }
    let rnn_plot = Path::new("target/lab/gradient_flow_rnn.svg");
    plot::lines(
        rnn_plot,
        "gradient reaching each time step (Elman RNN)",
        "time step t",
        "‖∂L/∂h_t‖",
        &rnn_series,
        true,
    )?;
    println!("\nplots: {}, {}", mlp_plot.display(), rnn_plot.display());
    Ok(())
}
