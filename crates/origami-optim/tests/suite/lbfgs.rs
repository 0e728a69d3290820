//! L-BFGS against PyTorch's, run for run: 432 pairs of `step` calls on
//! Rosenbrock from three points, under settings where each stopping rule
//! ends some of the runs (iteration and evaluation budgets, the gradient,
//! step and loss-change tolerances), with and without the line search, at
//! three rates and with a short history; and four on half the squared norm
//! where a tolerance is met exactly. `scripts/lbfgs_cases.py` wrote
//! PyTorch's counts and points to `fixtures/lbfgs.tsv`.

use origami_nn::{Param, impl_params};
use origami_optim::{Evaluation, Lbfgs, Optimizer, flatten_params};
use origami_tape::{Tape, Tensor, Var};

struct Point {
    x: Param<f64>,
}
impl_params!(f64 for Point { x });

fn rosenbrock(x: Var<'_, f64>) -> Var<'_, f64> {
    let (a, b) = (x.narrow(0, 0, 1), x.narrow(0, 1, 1));
    ((1.0 - a).square() + (b - a.square()).square() * 100.0).sum_all()
}

fn half_square(x: Var<'_, f64>) -> Var<'_, f64> {
    x.square().sum_all() * 0.5
}

fn step(opt: &mut Lbfgs, m: &mut Point, f: fn(Var<'_, f64>) -> Var<'_, f64>) {
    opt.step(m, &mut |m| {
        let tape = Tape::new();
        let loss = f(m.x.bind(&tape));
        Ok(Evaluation::new(loss.value().item(), loss.backward()))
    })
    .unwrap();
}

#[test]
fn each_run_takes_pytorchs_path() {
    let table = include_str!("../fixtures/lbfgs.tsv");
    let mut runs = 0;
    for line in table.lines().skip(1) {
        let (function, numbers) = line.split_once('\t').unwrap();
        let f = match function {
            "rosenbrock" => rosenbrock,
            "half_square" => half_square,
            other => panic!("fixtures/lbfgs.tsv: unknown function {other:?}"),
        };
        let v: Vec<f64> = numbers.split('\t').map(|s| s.parse().unwrap()).collect();
        let mut m = Point {
            x: Param::new(Tensor::from_vec(&[2], vec![v[0], v[1]]).unwrap()),
        };
        let mut opt = Lbfgs::new(v[3]);
        opt.line_search = v[2] == 1.0;
        (opt.max_iter, opt.max_eval) = (v[4] as usize, v[5] as usize);
        (opt.tolerance_grad, opt.tolerance_change) = (v[6], v[7]);
        opt.history = v[8] as usize;
        for (call, want) in v[9..].chunks(4).enumerate() {
            step(&mut opt, &mut m, f);
            let case = format!("run {runs} ({line}), call {call}");
            let counts = (opt.iterations as f64, opt.evaluations as f64);
            assert_eq!(
                counts,
                (want[0], want[1]),
                "{case}: iterations, evaluations"
            );
            let x = flatten_params(&m);
            for (got, want) in x.iter().zip(&want[2..]) {
                // Equal to 1e-12 in most runs; up to 6e-8 after two calls
                // without a line search, where ulp-sized differences in
                // rounding (PyTorch fuses some multiply-adds) grow.
                let err = (got - want).abs() / want.abs().max(1.0);
                assert!(err <= 1e-7, "{case}: {x:?} ({err:e} apart)");
            }
        }
        runs += 1;
    }
    assert_eq!(runs, 436);
}
