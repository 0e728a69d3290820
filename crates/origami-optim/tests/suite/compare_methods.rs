//! Second-order methods against tuned SGD on a small tanh MLP, at the same
//! budget of gradient evaluations (a closure call, a Gauss–Newton product
//! and a Gauss–Newton diagonal sample each count as one). Prints the
//! table; asserts only what is robust.

use origami_nn::{Activation, Init, Module, Sequential, mlp};
use origami_optim::{
    Evaluation, HessianFree, Lbfgs, Optimizer, OutputLoss, Sdlm, Sgd, gauss_newton_diagonal_sample,
    gauss_newton_vector, grads_like, loss_fn,
};
use origami_tape::{Grads, Reduction, Tape, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

const BUDGET: usize = 300;

/// Two interleaved half-moons, 200 points.
fn data() -> (Tensor<f64>, Vec<usize>) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for i in 0..200 {
        let t = std::f64::consts::PI * (i / 2) as f64 / 100.0;
        let (x, y, label) = if i % 2 == 0 {
            (t.cos(), t.sin(), 0)
        } else {
            (1.0 - t.cos(), 0.5 - t.sin(), 1)
        };
        let wobble = ((i * 37 % 17) as f64 / 17.0 - 0.5) * 0.2;
        xs.extend([x + wobble, y - wobble]);
        ys.push(label);
    }
    (Tensor::from_vec(&[200, 2], xs).unwrap(), ys)
}

fn net() -> Sequential<f64> {
    mlp(
        &[2, 10, 10, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(11),
    )
}

fn loss_and_grads(m: &Sequential<f64>, x: &Tensor<f64>, y: &[usize]) -> (f64, Grads<f64>) {
    let tape = Tape::new();
    let l = m
        .forward(&tape, tape.constant(x.clone()))
        .cross_entropy(y, Reduction::Mean);
    (l.value().item(), l.backward())
}

fn final_loss(m: &Sequential<f64>, x: &Tensor<f64>, y: &[usize]) -> f64 {
    loss_and_grads(m, x, y).0
}

fn sgd(lr: f64, momentum: f64) -> f64 {
    let (x, y) = data();
    let mut m = net();
    let mut opt = if momentum > 0.0 {
        Sgd::momentum(lr, momentum)
    } else {
        Sgd::new(lr)
    };
    for _ in 0..BUDGET {
        opt.step(&mut m, &mut |m| {
            let (l, g) = loss_and_grads(m, &x, &y);
            Ok(Evaluation::new(l, g))
        })
        .unwrap();
    }
    final_loss(&m, &x, &y)
}

fn sdlm(lr: f64, mu: f64) -> f64 {
    let (x, y) = data();
    let mut m = net();
    let mut opt = Sdlm::new(lr, mu, 0.05);
    let mut rng = StdRng::seed_from_u64(3);
    let outputs = loss_fn(|t, m: &Sequential<f64>| m.forward(t, t.constant(x.clone())));
    let target = OutputLoss::CrossEntropy(y.clone());
    for _ in 0..BUDGET / 2 {
        opt.step(&mut m, &mut |m| {
            let (l, g) = loss_and_grads(m, &x, &y);
            let diag = gauss_newton_diagonal_sample(&outputs, &target, m, &mut rng);
            Ok(Evaluation::new(l, g).with_curvature(grads_like(m, &diag)))
        })
        .unwrap();
    }
    final_loss(&m, &x, &y)
}

fn hessian_free() -> (f64, usize) {
    let (x, y) = data();
    let mut m = net();
    let mut opt = HessianFree::new(1.0, 20);
    let x_owned = x.clone();
    let outputs = loss_fn(move |t, m: &Sequential<f64>| m.forward(t, t.constant(x_owned.clone())));
    let target = OutputLoss::CrossEntropy(y.clone());
    while opt.products + opt.evaluations < BUDGET {
        opt.step(&mut m, &mut |m| {
            let (l, g) = loss_and_grads(m, &x, &y);
            // The product owns what it needs (clones share buffers) and borrows the model.
            let (outputs, target) = (outputs.clone(), target.clone());
            Ok(Evaluation::new(l, g)
                .with_product(move |v| gauss_newton_vector(&outputs, &target, m, v)))
        })
        .unwrap();
    }
    (final_loss(&m, &x, &y), opt.products + opt.evaluations)
}

fn lbfgs() -> f64 {
    let (x, y) = data();
    let mut m = net();
    let mut opt = Lbfgs::new(1.0);
    while opt.evaluations < BUDGET - 25 {
        opt.step(&mut m, &mut |m| {
            let (l, g) = loss_and_grads(m, &x, &y);
            Ok(Evaluation::new(l, g))
        })
        .unwrap();
    }
    final_loss(&m, &x, &y)
}

#[test]
fn second_order_methods_against_tuned_sgd() {
    let rates = [0.1, 0.3, 1.0, 3.0, 10.0];
    let best_sgd = rates
        .iter()
        .map(|&lr| (sgd(lr, 0.0), lr))
        .fold((f64::INFINITY, 0.0), |a, b| if b.0 < a.0 { b } else { a });
    let best_momentum = rates
        .iter()
        .map(|&lr| (sgd(lr * 0.1, 0.9), lr * 0.1))
        .fold((f64::INFINITY, 0.0), |a, b| if b.0 < a.0 { b } else { a });
    let grid = [
        (0.01, 0.01),
        (0.03, 0.01),
        (0.1, 0.01),
        (0.1, 0.1),
        (0.3, 0.1),
        (1.0, 0.1),
        (1.0, 1.0),
        (3.0, 1.0),
    ];
    let sdlm_runs: Vec<(f64, (f64, f64))> = grid
        .iter()
        .map(|&(lr, mu)| (sdlm(lr, mu), (lr, mu)))
        .collect();
    for (l, (lr, mu)) in &sdlm_runs {
        println!("  SDLM eps {lr} mu {mu}: {l:.3e}");
    }
    let best_sdlm = sdlm_runs.iter().fold((f64::INFINITY, 0.0), |a, b| {
        if b.0 < a.0 { (b.0, (b.1).0) } else { a }
    });
    let (hf, hf_evals) = hessian_free();
    let lb = lbfgs();
    println!("method                 final loss   ({BUDGET} gradient evaluations)");
    println!("SGD (best lr {:<5})     {:.3e}", best_sgd.1, best_sgd.0);
    println!(
        "momentum (best lr {:<5}) {:.3e}",
        best_momentum.1, best_momentum.0
    );
    println!("SDLM (best eps {:<5})   {:.3e}", best_sdlm.1, best_sdlm.0);
    println!("Hessian-free           {hf:.3e}   ({hf_evals} evaluations)");
    println!("L-BFGS                 {lb:.3e}");
    // What is robust across seeds and grids: L-BFGS (full batch) beats
    // tuned SGD outright; SDLM and Hessian-free land within a small factor
    // of it and far below the starting loss. (Measured, not asserted: on
    // this problem momentum SGD beats both; see the printed table.)
    let start = final_loss(&net(), &data().0, &data().1);
    assert!(lb < best_sgd.0, "L-BFGS {lb} vs SGD {}", best_sgd.0);
    for (name, l) in [("SDLM", best_sdlm.0), ("Hessian-free", hf)] {
        assert!(
            l < 10.0 * best_sgd.0 && l < start / 100.0,
            "{name}: {l} (SGD {}, start {start})",
            best_sgd.0
        );
    }
}
