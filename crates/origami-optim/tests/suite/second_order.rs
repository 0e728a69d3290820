//! Second-order tools on problems with known answers: quadratics (exact
//! top eigenvalue, the four gradient-descent regimes around η_opt, CG in
//! at most n steps), Rosenbrock for L-BFGS (against PyTorch's path, with
//! and without the line search), and Gauss–Newton products and diagonals
//! against an explicit Jacobian.

use origami_nn::{Activation, Init, Module, Param, Params, impl_params, mlp};
use origami_optim::{
    CgStop, Evaluation, Lbfgs, Method, Optimizer, OutputLoss, Sgd, conjugate_gradient,
    flatten_params, gauss_newton_diagonal_sample, gauss_newton_vector, hessian_vector, loss_fn,
    top_eigenvalue,
};
use origami_tape::{Reduction, Tape, Tensor, Var};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A model that is just a vector of parameters.
struct Point {
    x: Param<f64>,
}
impl_params!(f64 for Point { x });

fn point(x: &[f64]) -> Point {
    Point {
        x: Param::new(Tensor::from_vec(&[x.len()], x.to_vec()).unwrap()),
    }
}

/// A symmetric positive definite matrix `Qᵀ diag(eigs) Q` from a seed.
fn spd(eigs: &[f64], seed: u64) -> Tensor<f64> {
    let n = eigs.len();
    let q = Init::Orthogonal.tensor::<f64>(&[n, n], 1.0, &mut StdRng::seed_from_u64(seed));
    let q = q.data();
    let a: Vec<f64> = (0..n * n)
        .map(|ij| {
            (0..n)
                .map(|k| q[k * n + ij / n] * eigs[k] * q[k * n + ij % n])
                .sum()
        })
        .collect();
    Tensor::from_vec(&[n, n], a).unwrap()
}

/// `½ xᵀAx` on a tape.
fn quadratic<'t>(tape: &'t Tape<f64>, m: &Point, a: &Tensor<f64>) -> Var<'t, f64> {
    let x = m.x.bind(tape).unsqueeze(1);
    (x.matmul_t(tape.constant(a.clone()).matmul(x), true, false)).sum_all() * 0.5
}

#[test]
fn power_iteration_finds_the_top_eigenvalue() {
    let eigs = [3.0, 1.5, 0.7, 0.2, 0.05];
    let a = spd(&eigs, 1);
    let m = point(&[0.3; 5]);
    let loss = loss_fn(|t, m: &Point| quadratic(t, m, &a));
    let e = top_eigenvalue(
        |v| hessian_vector(&loss, &m, v),
        5,
        500,
        1e-12,
        &mut StdRng::seed_from_u64(2),
    );
    assert!(
        (e.value - 3.0).abs() <= 1e-6 * 3.0,
        "λ_max {} after {} products",
        e.value,
        e.iterations
    );
    assert!(
        (e.eta_opt() - 1.0 / 3.0).abs() < 1e-6 && (e.divergence_limit() - 2.0 / 3.0).abs() < 1e-6
    );
    // The sign comes from the Rayleigh quotient: -A has λ = -3.
    let neg = loss_fn(|t, m: &Point| -quadratic(t, m, &a));
    let e = top_eigenvalue(
        |v| hessian_vector(&neg, &m, v),
        5,
        500,
        1e-12,
        &mut StdRng::seed_from_u64(2),
    );
    assert!((e.value + 3.0).abs() <= 1e-6 * 3.0, "{}", e.value);
}

#[test]
fn gradient_descent_regimes_around_eta_opt() {
    // Along the top eigenvector the error is multiplied by 1 − η·λ each step.
    let a = spd(&[4.0, 1.0], 3);
    let loss = loss_fn(|t, m: &Point| quadratic(t, m, &a));
    let probe = point(&[0.0, 0.0]);
    let top = top_eigenvalue(
        |v| hessian_vector(&loss, &probe, v),
        2,
        500,
        1e-14,
        &mut StdRng::seed_from_u64(4),
    );
    let u = top.vector.clone();
    for (ratio, factor) in [(0.5, 0.5), (1.0, 0.0), (1.5, -0.5), (2.1, -1.1)] {
        let mut m = point(&u);
        let mut opt = Sgd::<f64>::new(ratio * top.eta_opt());
        let mut along = vec![1.0];
        for _ in 0..6 {
            opt.step(&mut m, &mut |m| {
                let tape = Tape::new();
                let l = quadratic(&tape, m, &a);
                Ok(Evaluation::new(l.value().item(), l.backward()))
            })
            .unwrap();
            let x = flatten_params(&m);
            along.push(x.iter().zip(&u).map(|(a, b)| a * b).sum());
        }
        for w in along.windows(2) {
            assert!(
                (w[1] - factor * w[0]).abs() < 1e-9,
                "η = {ratio} η_opt: {along:?}"
            );
        }
        let last = along.last().unwrap().abs();
        match ratio {
            r if r < 1.0 => assert!(
                along.windows(2).all(|w| w[1] < w[0] && w[1] > 0.0),
                "monotone"
            ),
            1.0 => assert!(last < 1e-12, "one step"),
            r if r < 2.0 => assert!(
                along.windows(2).all(|w| w[1] * w[0] <= 0.0) && last < 1.0,
                "oscillating"
            ),
            _ => assert!(last > 1.5, "diverging"),
        }
    }
}

#[test]
fn conjugate_gradient_solves_spd_systems_in_n_steps() {
    for n in [1, 3, 8, 12] {
        let eigs: Vec<f64> = (0..n).map(|i| 0.5 + i as f64).collect();
        let a = spd(&eigs, n as u64);
        let apply = |v: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|i| (0..n).map(|j| a.data()[i * n + j] * v[j]).sum())
                .collect()
        };
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).cos() + 0.1).collect();
        let stop = CgStop {
            max_iters: n,
            tol: 1e-10,
            martens: false,
        };
        let out = conjugate_gradient(apply, &b, &vec![0.0; n], stop);
        let r: Vec<f64> = apply(&out.x).iter().zip(&b).map(|(ax, b)| ax - b).collect();
        let rel = r.iter().map(|x| x * x).sum::<f64>().sqrt()
            / b.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(
            rel < 1e-8,
            "n = {n}: residual {rel} after {} products",
            out.iterations
        );
        assert!(
            out.iterations <= n + 1,
            "n = {n}: {} products (one is the initial residual)",
            out.iterations
        );
    }
}

/// CG written out plainly, with `φ(x) = ½xᵀAx − bᵀx` computed from `A`
/// itself: the iterate and the number of products at which it stops, and
/// the iterations whose iterates it keeps (1, 2, 3, 4, 6, 8, 11, …: each
/// step ×1.3 rounded up, and the last).
fn reference_cg(a: &[f64], b: &[f64], stop: CgStop) -> (Vec<f64>, usize, Vec<usize>) {
    let n = b.len();
    let mul = |v: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| (0..n).map(|j| a[i * n + j] * v[j]).sum())
            .collect()
    };
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>();
    let phi = |x: &[f64]| 0.5 * dot(x, &mul(x)) - dot(b, x);
    let (mut x, mut r, mut products) = (vec![0.0; n], b.to_vec(), 1);
    let mut p = r.clone();
    let mut history = vec![phi(&x)];
    let (mut kept_at, mut next_keep) = (Vec::new(), 1.0f64);
    for k in 1..=stop.max_iters {
        if dot(&r, &r).sqrt() / dot(b, b).sqrt() <= stop.tol {
            break;
        }
        let ap = mul(&p);
        products += 1;
        let alpha = dot(&r, &r) / dot(&p, &ap);
        let rr = dot(&r, &r);
        (0..n).for_each(|i| x[i] += alpha * p[i]);
        (0..n).for_each(|i| r[i] -= alpha * ap[i]);
        let beta = dot(&r, &r) / rr;
        (0..n).for_each(|i| p[i] = r[i] + beta * p[i]);
        history.push(phi(&x));
        if k as f64 >= next_keep {
            kept_at.push(k);
            next_keep = (next_keep * 1.3).ceil();
        }
        if stop.martens && k > 10 {
            let s = (k / 10).max(10).min(k);
            let (now, then) = (history[k], history[k - s]);
            if now < 0.0 && (now - then) / now < s as f64 * 5e-4 {
                break;
            }
        }
    }
    if kept_at.last() != Some(&(history.len() - 1)) {
        kept_at.push(history.len() - 1);
    }
    (x, products, kept_at)
}

/// CG stops where the plain reference stops, by the residual tolerance and
/// by Martens' rule (which reads φ), and counts every product it asked for.
#[test]
fn conjugate_gradient_stops_by_tolerance_and_by_martens_rule() {
    // The third system converges slowly enough for Martens' rule to fire
    // after iteration 110, where its window `k/10` outgrows 10.
    let uneven = |n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| 1.0 + 1e3 * (i as f64 / n as f64).powi(4))
            .collect()
    };
    let spread = |n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| 10f64.powf(5.0 * i as f64 / (n - 1) as f64))
            .collect()
    };
    let stop = |max_iters, tol, martens| CgStop {
        max_iters,
        tol,
        martens,
    };
    let cases = [
        (60, uneven(60), stop(200, 1e-3, false)),
        (60, uneven(60), stop(200, 0.0, true)),
        (300, spread(300), stop(1000, 0.0, true)),
    ];
    for (n, eigs, stop) in cases {
        let a = spd(&eigs, 5);
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).sin() + 0.2).collect();
        let calls = std::cell::Cell::new(0);
        let apply = |v: &[f64]| -> Vec<f64> {
            calls.set(calls.get() + 1);
            (0..n)
                .map(|i| (0..n).map(|j| a.data()[i * n + j] * v[j]).sum())
                .collect()
        };
        let out = conjugate_gradient(apply, &b, &vec![0.0; n], stop);
        let (x, products, kept_at) = reference_cg(a.data(), &b, stop);
        assert_eq!(out.iterations, calls.get(), "{stop:?}: products counted");
        assert_eq!(out.iterations, products, "{stop:?}: where it stopped");
        assert_eq!(out.kept_at, kept_at, "{stop:?}: iterates kept");
        assert_eq!(
            out.kept.last(),
            Some(&out.x),
            "{stop:?}: the last kept is the answer"
        );
        assert!(products < stop.max_iters, "{stop:?}: the rule never fired");
        if n == 300 {
            assert!(
                products > 111,
                "{stop:?}: stopped at {products}, before k/10 > 10"
            );
        }
        for (p, q) in out.x.iter().zip(&x) {
            assert!(
                (p - q).abs() <= 1e-9 * (1.0 + q.abs()),
                "{stop:?}: {p} vs {q}"
            );
        }
    }
}

fn rosenbrock<'t>(tape: &'t Tape<f64>, m: &Point) -> Var<'t, f64> {
    let x = m.x.bind(tape);
    let (a, b) = (x.narrow(0, 0, 1), x.narrow(0, 1, 1));
    ((1.0 - a).square() + (b - a.square()).square() * 100.0).sum_all()
}

#[test]
fn lbfgs_solves_rosenbrock() {
    // PyTorch (scripts/lbfgs_rosenbrock.py, same tolerances): 2 step calls,
    // 37 iterations, 46 evaluations, final |g| = 3.3e-7.
    let mut m = point(&[-1.2, 1.0]);
    let mut opt = Lbfgs::new(1.0);
    opt.tolerance_grad = 1e-9;
    opt.tolerance_change = 1e-14;
    let mut norm = f64::INFINITY;
    let mut steps = 0;
    while norm >= 1e-6 && steps < 20 {
        opt.step(&mut m, &mut |m| {
            let tape = Tape::new();
            let l = rosenbrock(&tape, m);
            Ok(Evaluation::new(l.value().item(), l.backward()))
        })
        .unwrap();
        steps += 1;
        let tape = Tape::new();
        let g = rosenbrock(&tape, &m).backward();
        norm = g
            .iter()
            .flat_map(|(_, g)| g.data().to_vec())
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt();
    }
    let x = flatten_params(&m);
    println!(
        "origami L-BFGS: {steps} steps, {} iterations, {} evaluations, |g| = {norm:.2e}",
        opt.iterations, opt.evaluations
    );
    assert!(norm < 1e-6, "|g| = {norm} at {x:?}");
    // Same rules as PyTorch's LBFGS, so the same path: the same counts and
    // the same end point (PyTorch: 1.000000003286, 1.000000005841).
    assert_eq!(
        (steps, opt.iterations, opt.evaluations),
        (2, 37, 46),
        "steps, iterations, evaluations"
    );
    for (got, want) in x.iter().zip([1.000000003286, 1.000000005841]) {
        assert!((got - want).abs() < 2e-12, "{x:?}");
    }
}

#[test]
fn lbfgs_without_a_line_search_follows_pytorch() {
    // PyTorch (scripts/lbfgs_rosenbrock.py): `LBFGS(lr, max_iter=20)`
    // without a line search, three step calls from (-1.2, 1), for lr 1 and
    // 0.5: 20, 40 and 60 iterations, as many evaluations (the last
    // iteration of a call does not evaluate), ending at these points. The
    // paths agree to 4e-13 after the first call; rounding differences (an
    // ulp here and there: PyTorch's kernels fuse some multiply-adds) grow
    // about tenfold per call along Rosenbrock's valley, hence the widening
    // bounds.
    let calls = [(20, 1e-12), (40, 1e-10), (60, 2e-9)];
    let pytorch: [(f64, [[f64; 2]; 3]); 2] = [
        (
            1.0,
            [
                [-3.929_095_248_880_504e-1, 1.469_680_848_935_159_6e-1],
                [2.404_031_472_325_156_3e-1, 5.297_048_748_520_57e-2],
                [9.998_033_259_127_6e-1, 9.996_078_455_480_785e-1],
            ],
        ),
        (
            0.5,
            [
                [-6.274_488_003_693_928e-1, 3.654_439_410_143_084e-1],
                [6.362_944_338_168_833e-1, 3.994_190_004_641_863e-1],
                [9.999_458_371_527_927e-1, 9.998_885_689_467_901e-1],
            ],
        ),
    ];
    for (lr, points) in pytorch {
        let mut m = point(&[-1.2, 1.0]);
        let mut opt = Lbfgs::new(lr);
        opt.line_search = false;
        for ((count, bound), want) in calls.into_iter().zip(points) {
            opt.step(&mut m, &mut |m| {
                let tape = Tape::new();
                let l = rosenbrock(&tape, m);
                Ok(Evaluation::new(l.value().item(), l.backward()))
            })
            .unwrap();
            assert_eq!((opt.iterations, opt.evaluations), (count, count), "lr {lr}");
            let x = flatten_params(&m);
            for (got, want) in x.iter().zip(want) {
                assert!((got - want).abs() < bound, "lr {lr}, after {count}: {x:?}");
            }
        }
    }
}

#[test]
fn a_coarse_tolerance_stops_lbfgs_as_in_pytorch() {
    // PyTorch (scripts/lbfgs_rosenbrock.py): one step with the strong-Wolfe
    // line search and `tolerance_change` 0.1 or 0.01: the loss changes
    // by less after two iterations.
    let pytorch = [
        (0.1, (2, 3), [-1.024_531_930_346_033, 1.071_619_620_266_925]),
        (
            0.01,
            (2, 4),
            [-1.028_456_574_556_235, 1.068_187_455_748_677],
        ),
    ];
    for (tolerance, counts, want) in pytorch {
        let mut m = point(&[-1.2, 1.0]);
        let mut opt = Lbfgs::new(1.0);
        opt.tolerance_change = tolerance;
        opt.step(&mut m, &mut |m| {
            let tape = Tape::new();
            let l = rosenbrock(&tape, m);
            Ok(Evaluation::new(l.value().item(), l.backward()))
        })
        .unwrap();
        assert_eq!((opt.iterations, opt.evaluations), counts, "{tolerance}");
        let x = flatten_params(&m);
        for (got, want) in x.iter().zip(want) {
            assert!((got - want).abs() < 1e-13, "{tolerance}: {x:?}");
        }
    }
}

#[test]
fn lbfgs_at_a_minimum_evaluates_once_and_stops() {
    // PyTorch's rule: a gradient within `tolerance_grad` ends the step
    // after the first evaluation, before any iteration.
    let mut m = point(&[0.0, 0.0]);
    let mut opt = Lbfgs::new(1.0);
    let loss = opt
        .step(&mut m, &mut |m| {
            let tape = Tape::new();
            let l = (m.x.bind(&tape) - 1e-9).square().sum_all();
            Ok(Evaluation::new(l.value().item(), l.backward()))
        })
        .unwrap();
    assert_eq!((opt.iterations, opt.evaluations), (0, 1));
    assert_eq!(flatten_params(&m), [0.0, 0.0]);
    assert!(loss < 1e-17);
}

/// A small tanh network on fixed data, for Gauss–Newton checks.
fn net_and_data() -> (origami_nn::Sequential<f64>, Tensor<f64>, Vec<usize>) {
    let net = mlp::<f64>(
        &[3, 4, 3],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(5),
    );
    let x = Tensor::rand_uniform(&[5, 3], -1.0, 1.0, &mut StdRng::seed_from_u64(6)).unwrap();
    (net, x, vec![0, 2, 1, 1, 0])
}

/// The explicit Jacobian of the logits (rows: outputs, columns: params).
fn jacobian(net: &origami_nn::Sequential<f64>, x: &Tensor<f64>) -> Vec<Vec<f64>> {
    let outputs = 15;
    (0..outputs)
        .map(|k| {
            let tape = Tape::new();
            let params: Vec<_> = net.params().iter().map(|(_, p)| p.bind(&tape)).collect();
            let y = net.forward(&tape, tape.constant(x.clone()));
            let mut e = Tensor::zeros(&[5, 3]);
            e.data_mut()[k] = 1.0;
            let row = tape.vjp(&[y], &[tape.constant(e)], &params, false);
            row.iter().flat_map(|g| g.value().data().to_vec()).collect()
        })
        .collect()
}

/// The output-space Hessian of mean softmax cross-entropy, explicitly.
fn loss_hessian(net: &origami_nn::Sequential<f64>, x: &Tensor<f64>) -> Vec<Vec<f64>> {
    let tape = Tape::new();
    let logits = net
        .forward(&tape, tape.constant(x.clone()))
        .softmax(1)
        .value();
    let mut h = vec![vec![0.0; 15]; 15];
    for i in 0..5 {
        let p = &logits.data()[i * 3..i * 3 + 3];
        for a in 0..3 {
            for b in 0..3 {
                h[i * 3 + a][i * 3 + b] = ((a == b) as u8 as f64 * p[a] - p[a] * p[b]) / 5.0;
            }
        }
    }
    h
}

#[test]
fn gauss_newton_products_match_the_explicit_jacobian() {
    let (net, x, targets) = net_and_data();
    let (j, h) = (jacobian(&net, &x), loss_hessian(&net, &x));
    let n = j[0].len();
    let outputs = loss_fn(|t, m: &origami_nn::Sequential<f64>| m.forward(t, t.constant(x.clone())));
    let loss = OutputLoss::CrossEntropy(targets);
    let v: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) / 5.0).collect();
    let gv = gauss_newton_vector(&outputs, &loss, &net, &v);
    let jv: Vec<f64> = j
        .iter()
        .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
        .collect();
    let hjv: Vec<f64> = h
        .iter()
        .map(|row| row.iter().zip(&jv).map(|(a, b)| a * b).sum())
        .collect();
    for k in 0..n {
        let want: f64 = (0..15).map(|o| j[o][k] * hjv[o]).sum();
        assert!(
            (gv[k] - want).abs() < 1e-12,
            "component {k}: {} vs {want}",
            gv[k]
        );
    }
    let vgv: f64 = v.iter().zip(&gv).map(|(a, b)| a * b).sum();
    assert!(vgv >= 0.0, "G is positive semi-definite");
    // The Gauss–Newton matrix drops the second-order terms of the Hessian:
    // they differ on a nonlinear net.
    let ce = loss_fn(|t, m: &origami_nn::Sequential<f64>| {
        m.forward(t, t.constant(x.clone()))
            .cross_entropy(&[0, 2, 1, 1, 0], Reduction::Mean)
    });
    let hv = hessian_vector(&ce, &net, &v);
    assert!(hv.iter().zip(&gv).any(|(a, b)| (a - b).abs() > 1e-6));
}

#[test]
fn sampled_gauss_newton_diagonal_converges_to_the_exact_one() {
    let (net, x, targets) = net_and_data();
    let (j, h) = (jacobian(&net, &x), loss_hessian(&net, &x));
    let n = j[0].len();
    let exact: Vec<f64> = (0..n)
        .map(|k| {
            (0..15)
                .map(|a| (0..15).map(|b| j[a][k] * h[a][b] * j[b][k]).sum::<f64>())
                .sum()
        })
        .collect();
    let outputs = loss_fn(|t, m: &origami_nn::Sequential<f64>| m.forward(t, t.constant(x.clone())));
    let loss = OutputLoss::CrossEntropy(targets);
    let mut rng = StdRng::seed_from_u64(7);
    let samples = 4000;
    let mut mean = vec![0.0; n];
    for _ in 0..samples {
        for (m, s) in mean.iter_mut().zip(gauss_newton_diagonal_sample(
            &outputs, &loss, &net, &mut rng,
        )) {
            *m += s / samples as f64;
        }
    }
    let total_exact: f64 = exact.iter().sum();
    let total_error: f64 = exact.iter().zip(&mean).map(|(a, b)| (a - b).abs()).sum();
    assert!(
        total_error < 0.1 * total_exact,
        "relative L1 error {}",
        total_error / total_exact
    );
}

#[test]
fn online_estimate_approaches_the_top_eigenvalue() {
    let a = spd(&[2.0, 0.5, 0.1], 8);
    let gradient = |w: &[f64]| -> Vec<f64> {
        (0..3)
            .map(|i| (0..3).map(|j| a.data()[i * 3 + j] * w[j]).sum())
            .collect()
    };
    let estimate = origami_optim::online_top_eigenvalue(
        gradient,
        &[0.3, -0.2, 0.5],
        200,
        1e-3,
        0.1,
        &mut StdRng::seed_from_u64(9),
    );
    assert!((estimate - 2.0).abs() < 0.02, "{estimate}");
}

#[test]
fn per_layer_curvature_sets_per_layer_rates() {
    let (net, x, targets) = net_and_data();
    let loss = loss_fn(|t, m: &origami_nn::Sequential<f64>| {
        m.forward(t, t.constant(x.clone()))
            .cross_entropy(&targets, Reduction::Mean)
    });
    let layers =
        origami_optim::layer_top_eigenvalues(&loss, &net, 300, &mut StdRng::seed_from_u64(10));
    let prefixes: Vec<&str> = layers.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(prefixes, ["0.", "2."]);
    let groups = origami_optim::Groups::from_curvature(&layers, 0.1, 0.0);
    for (prefix, e) in &layers {
        assert!(e.value > 0.0);
        assert!(
            (groups.of(&format!("{prefix}weight")).lr_scale - 1.0 / e.value / 0.1).abs() < 1e-12
        );
    }
}

#[test]
fn layers_without_positive_curvature_keep_the_base_rate() {
    let eigen = |value: f64| origami_optim::Eigen {
        value,
        vector: vec![1.0],
        iterations: 1,
    };
    let layers = [
        ("0.".to_string(), eigen(0.0)),
        ("2.".to_string(), eigen(-3.0)),
        ("4.".to_string(), eigen(4.0)),
    ];
    let groups = origami_optim::Groups::from_curvature(&layers, 0.1, 0.0);
    assert_eq!(groups.of("0.weight").lr_scale, 1.0);
    assert_eq!(groups.of("2.bias").lr_scale, 1.0);
    assert!((groups.of("4.weight").lr_scale - 2.5).abs() < 1e-12);
}

#[test]
fn optimizer_state_files_round_trip_and_name_the_method() {
    let dir = std::env::temp_dir().join(format!("origami-optim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("adam.safetensors");
    let mut m = point(&[1.0, 2.0]);
    let mut opt = origami_optim::Adam::<f64>::new(0.1);
    opt.step(&mut m, &mut |m| {
        let tape = Tape::new();
        let l = m.x.bind(&tape).square().sum_all();
        Ok(Evaluation::new(l.value().item(), l.backward()))
    })
    .unwrap();
    origami_optim::save_state(&path, "adam", &opt.state()).unwrap();
    let back = origami_optim::load_state::<f64>(&path, "adam").unwrap();
    assert_eq!(back, opt.state());
    let err = origami_optim::load_state::<f64>(&path, "sgd").unwrap_err();
    assert!(err.to_string().contains("\"adam\""), "{err}");
}

#[test]
fn gauss_newton_for_mean_squared_error_is_scaled_jtj() {
    let (net, x, _) = net_and_data();
    let j = jacobian(&net, &x);
    let n = j[0].len();
    let target = Tensor::zeros(&[5, 3]);
    let outputs = loss_fn(|t, m: &origami_nn::Sequential<f64>| m.forward(t, t.constant(x.clone())));
    let v: Vec<f64> = (0..n).map(|i| ((i * 5 % 7) as f64 - 3.0) / 3.0).collect();
    let gv = gauss_newton_vector(&outputs, &OutputLoss::MeanSquared(target), &net, &v);
    let jv: Vec<f64> = j
        .iter()
        .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
        .collect();
    for k in 0..n {
        let want: f64 = (0..15).map(|o| j[o][k] * jv[o]).sum::<f64>() * 2.0 / 15.0;
        assert!((gv[k] - want).abs() < 1e-12, "component {k}");
    }
}
