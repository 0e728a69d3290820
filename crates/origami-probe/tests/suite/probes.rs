//! The probes on cases with known answers: Telgarsky's sawtooth (exactly
//! 2^L regions), random nets against brute-force sampling, one layer in
//! 2-D against the arrangement formula, a zeroed layer's sensitivity,
//! hand-computed gradient flow, saturation and trajectory length.

use origami_nn::{Activation, Dense, Init, Params, Sequential, mlp};
use origami_probe::{
    ReluNet, arc_length, circle, layer_gradient_norms, layer_sensitivity, patterns_on_grid,
    regions_along_segment, saturation, time_step_gradient_norms, trajectory_lengths,
};
use origami_tape::{Tape, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn t(shape: &[usize], data: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(shape, data.to_vec()).unwrap()
}

/// L composed tents `t(x) = 2 relu(x) − 4 relu(x − ½)` on [0, 1].
fn sawtooth(depth: usize) -> ReluNet {
    let mut layers = vec![(t(&[2, 1], &[1.0, 1.0]), t(&[2], &[0.0, -0.5]))];
    for _ in 1..depth {
        layers.push((t(&[2, 2], &[2.0, -4.0, 2.0, -4.0]), t(&[2], &[0.0, -0.5])));
    }
    layers.push((t(&[1, 2], &[2.0, -4.0]), t(&[1], &[0.0])));
    ReluNet::new(&layers)
}

#[test]
fn the_sawtooth_has_exactly_two_to_the_depth_regions() {
    for depth in 1..=12 {
        let found = regions_along_segment(&sawtooth(depth), &[0.0], &[1.0]);
        assert_eq!(found.regions, 1 << depth, "depth {depth}");
    }
}

/// Pattern changes between `samples` evenly spaced points: a lower bound.
fn sampled_regions(net: &ReluNet, a: &[f64], b: &[f64], samples: usize) -> usize {
    let at = |s: usize| -> Vec<f64> {
        let f = s as f64 / samples as f64;
        a.iter().zip(b).map(|(x, y)| x + f * (y - x)).collect()
    };
    (1..=samples)
        .filter(|&s| net.pattern(&at(s)) != net.pattern(&at(s - 1)))
        .count()
        + 1
}

#[test]
fn segment_counts_agree_with_brute_force_sampling() {
    for seed in 0..6 {
        let model = mlp::<f64>(
            &[3, 8, 8, 1],
            Activation::Relu,
            Init::KaimingNormal,
            &mut StdRng::seed_from_u64(seed),
        );
        let net = ReluNet::from_params(&model);
        let (a, b) = ([-2.0, 1.0, 0.5], [2.0, -1.5, 1.0]);
        let exact = regions_along_segment(&net, &a, &b);
        let sampled = sampled_regions(&net, &a, &b, 200_000);
        assert_eq!(
            exact.regions, sampled,
            "seed {seed}: boundaries {:?}",
            exact.boundaries
        );
        assert!(exact.boundaries.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn one_layer_in_the_plane_matches_the_arrangement_formula() {
    // n lines in general position: 1 + n + C(n, 2) regions once the box
    // holds every intersection; a fine grid sees them all (weights chosen
    // so no region is a sliver).
    let n = 6;
    let angles: Vec<f64> = (0..n)
        .map(|i| 0.3 + std::f64::consts::PI * i as f64 / n as f64)
        .collect();
    let w: Vec<f64> = angles.iter().flat_map(|a| [a.cos(), a.sin()]).collect();
    let b: Vec<f64> = (0..n).map(|i| 0.6 * (i as f64 - 2.5)).collect();
    let net = ReluNet::new(&[
        (t(&[n, 2], &w), t(&[n], &b)),
        (t(&[1, n], &vec![1.0; n]), t(&[1], &[0.0])),
    ]);
    // Every pairwise intersection lies inside the box.
    for i in 0..n {
        for j in 0..i {
            let det = w[2 * i] * w[2 * j + 1] - w[2 * i + 1] * w[2 * j];
            let x = (-b[i] * w[2 * j + 1] + b[j] * w[2 * i + 1]) / det;
            let y = (-w[2 * i] * b[j] + w[2 * j] * b[i]) / det;
            assert!(
                x.abs() < 9.0 && y.abs() < 9.0,
                "lines {i}, {j} meet at ({x}, {y})"
            );
        }
    }
    let grid = patterns_on_grid(&net, (-10.0, -10.0), (10.0, 10.0), 2500);
    assert_eq!(grid.distinct, 1 + n + n * (n - 1) / 2);
    assert_eq!(grid.map.len(), 2500 * 2500);
}

#[test]
fn noise_in_a_zeroed_layer_changes_nothing() {
    let mut net = mlp::<f64>(
        &[2, 4, 4, 2],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(1),
    );
    for (name, p) in net.params_mut() {
        if name.starts_with("2.") {
            let shape = p.shape().to_vec();
            *p.value_mut() = Tensor::zeros(&shape);
        }
    }
    let x = Tensor::rand_uniform(&[16, 2], -1.0, 1.0, &mut StdRng::seed_from_u64(2)).unwrap();
    let evaluate = |m: &Sequential<f64>| {
        let tape = Tape::inference();
        let y = origami_nn::Module::forward(m, &tape, tape.constant(x.clone())).value();
        (y.data().iter().sum::<f64>(), y)
    };
    let result = layer_sensitivity(
        &mut net,
        evaluate,
        &[0.1, 1.0],
        3,
        &mut StdRng::seed_from_u64(3),
    );
    assert_eq!(result.len(), 3 * 2);
    for s in result.iter().filter(|s| s.layer == "2.") {
        assert_eq!(
            (s.metric_drop, s.output_change),
            (0.0, 0.0),
            "noise scaled to a zero RMS: {s:?}"
        );
    }
    // The same net without the zeroed layer reacts to noise in every layer,
    // and more to more noise.
    let mut intact = mlp::<f64>(
        &[2, 4, 4, 2],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(1),
    );
    let result = layer_sensitivity(
        &mut intact,
        evaluate,
        &[0.1, 1.0],
        3,
        &mut StdRng::seed_from_u64(3),
    );
    for pair in result.chunks(2) {
        assert!(
            pair[0].output_change > 0.0 && pair[1].output_change > pair[0].output_change,
            "{pair:?}"
        );
    }
}

#[test]
fn gradient_flow_matches_a_hand_computed_two_layer_case() {
    // y = w2 · tanh(w1 · x), scalar: dy/dw1 = w2 (1 − tanh²(w1 x)) x, dy/dw2 = tanh(w1 x).
    let mut rng = StdRng::seed_from_u64(0);
    let first = Dense::<f64>::with_init(1, 1, Init::Constant(0.7), 1.0, false, &mut rng);
    let second = Dense::<f64>::with_init(1, 1, Init::Constant(-1.3), 1.0, false, &mut rng);
    let net = Sequential::new()
        .push(first)
        .push(Activation::Tanh)
        .push(second);
    let tape = Tape::new();
    let y = origami_nn::Module::forward(&net, &tape, tape.constant(t(&[1, 1], &[2.0]))).sum_all();
    let norms = layer_gradient_norms(&net, &y.backward());
    let h = (0.7f64 * 2.0).tanh();
    assert_eq!(norms[0].0, "0.");
    assert!((norms[0].1 - (1.3 * (1.0 - h * h) * 2.0)).abs() < 1e-12);
    assert!((norms[1].1 - h.abs()).abs() < 1e-12);
}

#[test]
fn time_step_norms_of_a_linear_recurrence_are_powers() {
    // h_t = a h_{t−1} + x_t, L = h_T: ∂L/∂h_t = a^(T−t).
    let tape = Tape::<f64>::new();
    let a = 0.8;
    let mut h = tape.var(Tensor::scalar(0.0));
    let mut states = Vec::new();
    for step in 0..6 {
        h = h * a + tape.constant(Tensor::scalar(step as f64));
        states.push(h);
    }
    let norms = time_step_gradient_norms(&tape, h, &states);
    for (i, n) in norms.iter().enumerate() {
        assert!((n - a.powi(5 - i as i32)).abs() < 1e-12, "step {i}: {n}");
    }
}

#[test]
fn saturation_and_dead_units() {
    let z = t(&[2, 3], &[-1.0, 5.0, 0.1, -2.0, -6.0, 0.2]);
    let relu = saturation(&z, Activation::Relu, 0.0);
    assert_eq!(relu.saturated, 3.0 / 6.0);
    assert_eq!(relu.dead_units, 1.0 / 3.0);
    let tanh = saturation(&z, Activation::Tanh, 0.05);
    assert_eq!(tanh.saturated, 2.0 / 6.0); // |z| = 5 and 6
    assert_eq!(tanh.dead_units, 1.0 / 3.0); // the second unit, saturated for both examples
}

#[test]
fn trajectory_lengths_follow_the_curve() {
    let ring = circle::<f64>(&[2.0, 0.0], &[0.0, 2.0], 2000);
    assert!((arc_length(&ring) - 4.0 * std::f64::consts::PI).abs() < 1e-4);
    let identity = Sequential::new()
        .push(Activation::Identity)
        .push(Activation::Relu);
    let lengths = trajectory_lengths(&identity, &ring);
    assert_eq!(lengths[0], lengths[1]);
    assert!(
        lengths[2] < lengths[1],
        "relu folds the circle onto the quadrant's edges"
    );
}

#[test]
fn polygon_splitting_counts_regions_exactly() {
    use origami_probe::exact_regions_in_box;
    // One layer of n random lines, box holding every intersection:
    // exactly 1 + n + C(n, 2).
    for n in [3usize, 6, 12] {
        let mut rng = StdRng::seed_from_u64(n as u64);
        let w = Tensor::<f64>::randn(&[n, 2], 0.0, 1.0, &mut rng).unwrap();
        let b = Tensor::<f64>::randn(&[n], 0.0, 0.5, &mut rng).unwrap();
        let (wd, bd) = (w.data().to_vec(), b.data().to_vec());
        let mut reach: f64 = 1.0;
        for i in 0..n {
            for j in 0..i {
                let det = wd[2 * i] * wd[2 * j + 1] - wd[2 * i + 1] * wd[2 * j];
                reach = reach.max(((-bd[i] * wd[2 * j + 1] + bd[j] * wd[2 * i + 1]) / det).abs());
                reach = reach.max(((-wd[2 * i] * bd[j] + wd[2 * j] * bd[i]) / det).abs());
            }
        }
        let r = 1.5 * reach;
        let net = ReluNet::new(&[(w, b), (Tensor::ones(&[1, n]), Tensor::zeros(&[1]))]);
        assert_eq!(
            exact_regions_in_box(&net, (-r, -r), (r, r)),
            1 + n + n * (n - 1) / 2,
            "n = {n}, box ±{r}"
        );
    }
    // A deeper random net: never fewer than the grid sees, and every grid
    // pattern is a region.
    let model = mlp::<f64>(
        &[2, 6, 6, 1],
        Activation::Relu,
        Init::KaimingNormal,
        &mut StdRng::seed_from_u64(9),
    );
    let net = ReluNet::from_params(&model);
    let exact = exact_regions_in_box(&net, (-2.0, -2.0), (2.0, 2.0));
    let grid = patterns_on_grid(&net, (-2.0, -2.0), (2.0, 2.0), 800).distinct;
    assert!(
        grid <= exact && exact <= grid + 5,
        "grid {grid}, exact {exact}"
    );
}

#[test]
fn region_polygons_tile_the_box_and_carry_their_patterns() {
    use origami_probe::exact_region_polygons;
    let model = mlp::<f64>(
        &[2, 5, 4, 1],
        Activation::Relu,
        Init::KaimingNormal,
        &mut StdRng::seed_from_u64(3),
    );
    let net = ReluNet::from_params(&model);
    let regions = exact_region_polygons(&net, (-2.0, -1.0), (2.0, 1.0));
    let area = |v: &[[f64; 2]]| {
        let n = v.len();
        (0..n)
            .map(|i| v[i][0] * v[(i + 1) % n][1] - v[(i + 1) % n][0] * v[i][1])
            .sum::<f64>()
            .abs()
            / 2.0
    };
    let total: f64 = regions.iter().map(|r| area(&r.vertices)).sum();
    assert!(
        (total - 8.0).abs() < 1e-9,
        "areas sum to {total}, not the box's 8"
    );
    let mut patterns = std::collections::HashSet::new();
    for region in &regions {
        assert_eq!(region.pattern.len(), 9, "one state per hidden unit");
        let n = region.vertices.len() as f64;
        let centre = region
            .vertices
            .iter()
            .fold([0.0, 0.0], |c, v| [c[0] + v[0] / n, c[1] + v[1] / n]);
        assert_eq!(net.pattern(&centre), region.pattern, "at {centre:?}");
        patterns.insert(region.pattern.clone());
    }
    assert_eq!(patterns.len(), regions.len(), "no pattern twice");
}
