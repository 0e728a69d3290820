//! # linear_regions — depth folds space, but typical nets fold little
//!
//! Three measurements of the linear regions of ReLU networks:
//!
//! 1. Telgarsky's sawtooth: `L` composed tents (2 ReLUs each) have exactly
//!    `2^L` pieces on [0, 1]: the exponential maximum, reached by a
//!    hand-built net.
//! 2. Random nets with the same 64 hidden ReLUs split as 64, 32×2, 16×4,
//!    8×8 (He init, tiny random biases): regions crossed by a segment in
//!    16-D input space, and distinct patterns on a 2-D grid: the typical
//!    count grows with the number of neurons, not exponentially with depth
//!    (Hanin & Rolnick 2019).
//! 3. One random layer of n ReLUs in 2-D: exact regions by polygon
//!    splitting and the grid count, against `1 + n + C(n, 2)`.
//!
//! `cargo run --release --example linear_regions [-- --quick]`; writes
//! `target/lab/linear_regions.svg`.

#[path = "lab/plot.rs"]
mod plot;

use std::path::Path;

use origami::nn::{Activation, Init, Params, mlp};
use origami::prelude::*;
use origami::probe::{ReluNet, exact_regions_in_box, patterns_on_grid, regions_along_segment};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn tensor(shape: &[usize], data: Vec<f64>) -> Tensor<f64> {
    Tensor::from_vec(shape, data).expect("sized")
}

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

fn main() -> Result<(), String> {
    let quick = plot::quick();
    println!("1. Telgarsky's sawtooth: L tents, 2L ReLUs, regions on [0, 1]");
    println!("   L | regions | 2^L");
    let mut sawtooth_series = Vec::new();
    for depth in 1..=(if quick { 6 } else { 12 }) {
        let regions = regions_along_segment(&sawtooth(depth), &[0.0], &[1.0]).regions;
        println!("  {depth:>2} | {regions:>7} | {}", 1usize << depth);
        sawtooth_series.push((depth as f64, regions as f64));
    }

    println!("\n2. 64 hidden ReLUs split into layers, He weights");
    println!(
        "   segment between two N(0, I) points in 16-D (biases N(0, 1e-6), as Hanin & Rolnick);"
    );
    println!(
        "   distinct patterns on a grid over [-3, 3]² in 2-D (biases N(0, 0.25): with tiny biases every boundary passes the origin)"
    );
    println!("   split   | regions on segment (mean of seeds) | patterns on 2-D grid");
    let seeds = if quick { 2 } else { 5 };
    let resolution = if quick { 100 } else { 400 };
    let mut split_series = Vec::new();
    for (layers, width) in [(1usize, 64usize), (2, 32), (4, 16), (8, 8)] {
        let widths = |input: usize| -> Vec<usize> {
            let mut w = vec![input];
            w.extend(std::iter::repeat_n(width, layers));
            w.push(1);
            w
        };
        let along: f64 = (0..seeds)
            .map(|s| {
                let mut rng = StdRng::seed_from_u64(500 + s);
                let a = Tensor::<f64>::randn(&[16], 0.0, 1.0, &mut rng).expect("std");
                let b = Tensor::<f64>::randn(&[16], 0.0, 1.0, &mut rng).expect("std");
                regions_along_segment(&random_net(&widths(16), 1e-6, s), a.data(), b.data()).regions
                    as f64
            })
            .sum::<f64>()
            / seeds as f64;
        let grid = patterns_on_grid(
            &random_net(&widths(2), 0.5, 7),
            (-3.0, -3.0),
            (3.0, 3.0),
            resolution,
        )
        .distinct;
        println!("  {layers}x{width:<3}  | {along:>34.1} | {grid:>19}");
        split_series.push((layers as f64, along));
    }

    println!("\n3. One layer of n random ReLUs in 2-D, box sized to hold every intersection:");
    println!(
        "   exact regions by polygon splitting, grid patterns, and the formula 1 + n + C(n, 2)"
    );
    println!("   n | exact | grid | formula");
    for n in [4usize, 8, 12] {
        let mut rng = StdRng::seed_from_u64(n as u64);
        let w = Tensor::randn(&[n, 2], 0.0, 1.0, &mut rng).expect("std");
        let b = Tensor::randn(&[n], 0.0, 0.5, &mut rng).expect("std");
        let (wd, bd) = (w.data(), b.data());
        let mut reach: f64 = 1.0;
        for i in 0..n {
            for j in 0..i {
                let det = wd[2 * i] * wd[2 * j + 1] - wd[2 * i + 1] * wd[2 * j];
                let x = (-bd[i] * wd[2 * j + 1] + bd[j] * wd[2 * i + 1]) / det;
                let y = (-wd[2 * i] * bd[j] + wd[2 * j] * bd[i]) / det;
                reach = reach.max(x.abs()).max(y.abs());
            }
        }
        let r = 1.1 * reach;
        let net = ReluNet::new(&[
            (w.clone(), b.clone()),
            (Tensor::ones(&[1, n]), Tensor::zeros(&[1])),
        ]);
        let grid =
            patterns_on_grid(&net, (-r, -r), (r, r), if quick { 500 } else { 2000 }).distinct;
        let exact = exact_regions_in_box(&net, (-r, -r), (r, r));
        println!(
            "  {n:>2} | {exact:>5} | {grid:>4} | {:>7}   (box ±{r:.1})",
            1 + n + n * (n - 1) / 2
        );
    }
    println!("   (a grid is a lower bound: regions thinner than its spacing are missed)");

    let path = Path::new("target/lab/linear_regions.svg");
    plot::lines(
        path,
        "regions: sawtooth 2^L (by depth L) vs random nets of 64 ReLUs (by number of layers)",
        "depth",
        "regions",
        &[
            ("sawtooth".into(), sawtooth_series),
            ("random, 64 ReLUs split over depth".into(), split_series),
        ],
        true,
    )?;
    println!("\nplot: {}", path.display());
    Ok(())
}
