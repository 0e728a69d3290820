//! The strong-Wolfe line search against PyTorch's (`_strong_wolfe`, the
//! search its L-BFGS runs), step for step: 534 searches from several points
//! along two descent directions each, starting steps from far too short
//! (the bracketing phase grows them) to far too long (the zoom shrinks
//! them), three evaluation budgets and two bracket tolerances; on
//! Rosenbrock (five points); on a slope with a narrow bump (two), where a
//! step can land past the bump, higher than the step before it or back at
//! the starting loss; and on a slope with a narrow dip (one), where the
//! zoom's trial steps land near the far end of the bracket and are moved
//! inside. `scripts/strong_wolfe_cases.py` wrote PyTorch's results to
//! `fixtures/strong_wolfe.tsv`.

use origami_optim::{WolfeSettings, strong_wolfe};

/// Rosenbrock's loss and gradient at `x + t·d`.
fn rosenbrock(x: [f64; 2], d: [f64; 2], t: f64) -> (f64, Vec<f64>) {
    let (a, b) = (x[0] + t * d[0], x[1] + t * d[1]);
    let valley = b - a * a;
    let f = (1.0 - a) * (1.0 - a) + 100.0 * valley * valley;
    (
        f,
        vec![-2.0 * (1.0 - a) - 400.0 * a * valley, 200.0 * valley],
    )
}

/// `−a + a²/100 + h·exp(−((a − c)/0.1)²) + b²` and its gradient at
/// `x + t·d`: a gentle slope down with a narrow bump (`h > 0`) or dip
/// (`h < 0`) of height `h` at `a = c` across it.
fn slope_with(h: f64, c: f64, x: [f64; 2], d: [f64; 2], t: f64) -> (f64, Vec<f64>) {
    let (a, b) = (x[0] + t * d[0], x[1] + t * d[1]);
    let z = (a - c) / 0.1;
    let feature = h * (-z * z).exp();
    let f = -a + a * a / 100.0 + feature + b * b;
    (f, vec![-1.0 + a / 50.0 - feature * 2.0 * z / 0.1, 2.0 * b])
}

/// Equal to 1e-10 of the larger magnitude (PyTorch's autograd and the
/// closed-form gradient above round a few ulps apart).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn each_search_takes_pytorchs_steps() {
    let table = include_str!("../fixtures/strong_wolfe.tsv");
    let mut cases = 0;
    for line in table.lines().skip(1) {
        let (function, numbers) = line.split_once('\t').unwrap();
        let loss = match function {
            "rosenbrock" => rosenbrock,
            "bump" => |x, d, t| slope_with(1.77, 0.92, x, d, t),
            "dip" => |x, d, t| slope_with(-2.0, 1.0, x, d, t),
            other => panic!("fixtures/strong_wolfe.tsv: unknown function {other:?}"),
        };
        let v: Vec<f64> = numbers.split('\t').map(|s| s.parse().unwrap()).collect();
        let (x, d) = ([v[0], v[1]], [v[2], v[3]]);
        let (start, tolerance, budget) = (v[4], v[5], v[6] as usize);
        let (want_t, want_f, want_evals) = (v[7], v[8], v[9] as usize);
        let (f0, g0) = loss(x, d, 0.0);
        let gtd0 = g0[0] * d[0] + g0[1] * d[1];
        let settings = WolfeSettings {
            tolerance_change: tolerance,
            max_evals: budget,
            ..WolfeSettings::default()
        };
        let probe = |t: f64| loss(x, d, t);
        let (t, f, g, evals) = strong_wolfe(probe, &d, start, f0, &g0, gtd0, settings);
        let case = format!(
            "{function} from {x:?} along {d:?}, step {start}, tolerance {tolerance}, budget {budget}"
        );
        assert_eq!(evals, want_evals, "{case}: evaluations");
        assert!(close(t, want_t), "{case}: step {t}, PyTorch {want_t}");
        assert!(close(f, want_f), "{case}: loss {f}, PyTorch {want_f}");
        assert_eq!(g, loss(x, d, t).1, "{case}: the gradient at the step");
        cases += 1;
    }
    assert_eq!(cases, 534);
}
