//! L-BFGS against PyTorch's, run for run: 288 pairs of `step` calls on
//! Rosenbrock from three points, under settings where each stopping rule
//! ends some of the runs (iteration and evaluation budgets, the gradient,
//! step and loss-change tolerances), with and without the line search, at
//! two rates and with a short history. `scripts/lbfgs_cases.py` wrote
//! PyTorch's counts and points to `fixtures/lbfgs.tsv`.

use origami_nn::{Param, impl_params};
use origami_optim::{Evaluation, Lbfgs, Optimizer, flatten_params};
use origami_tape::{Tape, Tensor};

struct Point {
    x: Param<f64>,
}
impl_params!(f64 for Point { x });

fn rosenbrock_step(opt: &mut Lbfgs, m: &mut Point) {
    opt.step(m, &mut |m| {
        let tape = Tape::new();
        let x = m.x.bind(&tape);
        let (a, b) = (x.narrow(0, 0, 1), x.narrow(0, 1, 1));
        let loss = ((1.0 - a).square() + (b - a.square()).square() * 100.0).sum_all();
        Ok(Evaluation::new(loss.value().item(), loss.backward()))
    })
    .unwrap();
}

#[test]
fn each_run_takes_pytorchs_path() {
    let table = include_str!("fixtures/lbfgs.tsv");
    let mut runs = 0;
    for line in table.lines().skip(1) {
        let v: Vec<f64> = line.split('\t').map(|s| s.parse().unwrap()).collect();
        let mut m = Point {
            x: Param::new(Tensor::from_vec(&[2], vec![v[0], v[1]]).unwrap()),
        };
        let mut opt = Lbfgs::new(v[3]);
        opt.line_search = v[2] == 1.0;
        (opt.max_iter, opt.max_eval) = (v[4] as usize, v[5] as usize);
        (opt.tolerance_grad, opt.tolerance_change) = (v[6], v[7]);
        opt.history = v[8] as usize;
        for (call, want) in v[9..].chunks(4).enumerate() {
            rosenbrock_step(&mut opt, &mut m);
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
    assert_eq!(runs, 288);
}
