//! # 05 — looking inside your own network
//!
//! The probes of `origami::probe` measure what a network does, not just
//! how well: here the exact number of linear regions a ReLU net cuts the
//! plane into (before and after training), and, for a deep tanh net under
//! three initialisations, how much gradient reaches each layer and how
//! many units sit saturated.
//!
//! Run with `cargo run --release --example 05_probe`.

use origami::nn::{Sequential, mlp};
use origami::prelude::*;
use origami::probe::{
    ReluNet, exact_regions_in_box, layer_gradient_norms, regions_along_segment, saturation,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// 200 points in [-1, 1]², class 1 inside the circle of radius 0.6.
fn circle() -> (Tensor<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(4);
    let points: Vec<f64> = (0..400).map(|_| rng.random_range(-1.0..1.0)).collect();
    let labels = points
        .chunks(2)
        .map(|p| usize::from(p[0] * p[0] + p[1] * p[1] < 0.36))
        .collect();
    (
        Tensor::from_vec(&[200, 2], points).expect("two numbers per point"),
        labels,
    )
}

fn loss_and_gradient(net: &Sequential<f64>, x: &Tensor<f64>, y: &[usize]) -> (f64, Grads<f64>) {
    let tape = Tape::new();
    let loss = net
        .forward(&tape, tape.constant(x.clone()))
        .cross_entropy(y, Reduction::Mean);
    (loss.value().item(), loss.backward())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (x, y) = circle();

    // Linear regions. Inside each region a ReLU net is one affine map; the
    // probe finds them exactly by splitting the square along every unit's
    // boundary, layer by layer.
    let mut relu = mlp::<f64>(
        &[2, 16, 16, 2],
        Activation::Relu,
        Init::KaimingNormal,
        &mut StdRng::seed_from_u64(1),
    );
    let count = |net: &Sequential<f64>| {
        let net = ReluNet::from_params(net);
        let square = exact_regions_in_box(&net, (-1.0, -1.0), (1.0, 1.0));
        let diagonal = regions_along_segment(&net, &[-1.0, -1.0], &[1.0, 1.0]).regions;
        (square, diagonal)
    };
    // At init the biases are zero, so every first-layer boundary passes
    // through the origin: the diagonal crosses them all at one point.
    let (square, diagonal) = count(&relu);
    println!(
        "relu 2-16-16-2 at init: {square} regions in the square, {diagonal} along its diagonal"
    );
    let mut adam = Adam::new(0.01);
    for _ in 0..500 {
        adam.step(&mut relu, &mut |net| {
            let (loss, grads) = loss_and_gradient(net, &x, &y);
            Ok(Evaluation::new(loss, grads))
        })?;
    }
    let (square, diagonal) = count(&relu);
    let loss = loss_and_gradient(&relu, &x, &y).0;
    println!(
        "after 500 Adam steps (loss {loss:.1e}): {square} regions in the square, {diagonal} along its diagonal"
    );

    // Gradient flow and saturation in an 8-layer tanh net. The layers are
    // the Dense modules at even positions: "0.", "2.", ..., "14.".
    println!("\n8 × 32 tanh net   |∂L/∂θ| first layer / last layer   saturated   dead units");
    for (name, init) in [
        ("N(0, 0.05²)", Init::Normal(0.05)),
        ("LeCun normal", Init::LecunNormal),
        ("N(0, 1)", Init::Normal(1.0)),
    ] {
        let mut widths = vec![32; 9];
        (widths[0], widths[8]) = (2, 2);
        let net = mlp::<f64>(
            &widths,
            Activation::Tanh,
            init,
            &mut StdRng::seed_from_u64(2),
        );
        let norms = layer_gradient_norms(&net, &loss_and_gradient(&net, &x, &y).1);
        let (first, last) = (norms[0].1, norms[norms.len() - 1].1);
        // The outputs of the Dense modules are the pre-activations the
        // tanh units see; saturated means tanh' < 0.05 there.
        let tape = Tape::new();
        let outputs = net.forward_all(&tape, tape.constant(x.clone()));
        let hidden: Vec<_> = (0..7)
            .map(|i| saturation(&outputs[2 * i].value(), Activation::Tanh, 0.05))
            .collect();
        let saturated = hidden.iter().map(|s| s.saturated).sum::<f64>() / 7.0;
        let dead = hidden.iter().map(|s| s.dead_units).sum::<f64>() / 7.0;
        println!(
            "{name:>16}   {first:.1e} / {last:.1e} = {:>8.1e}   {:>9.1}%   {:>9.1}%",
            first / last,
            100.0 * saturated,
            100.0 * dead
        );
    }
    Ok(())
}
