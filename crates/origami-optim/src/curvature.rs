//! Exact curvature products for a model, and the largest Hessian
//! eigenvalue they reveal.
//!
//! * [`hessian_vector`]: `H v` by reverse-over-reverse on the tape.
//! * [`gauss_newton_vector`]: `G v = Jᵀ H_L J v` (Schraudolph 2002): `J v`
//!   by the double-VJP trick, the small output-space loss Hessian `H_L`
//!   (softmax cross-entropy: `(diag p − p pᵀ)/N` per row; mean squared
//!   error: `2/n · I`), then one VJP. `G` is positive semi-definite.
//! * [`gauss_newton_diagonal_sample`]: an unbiased estimate of `diag G`
//!   from one VJP: draw `u` with `E[u uᵀ] = H_L` (for cross-entropy,
//!   `u = (onehot(y) − p)/√N` with `y ~ p`), then `(Jᵀu)²`.
//! * [`top_eigenvalue`]: power iteration on `H v`, with the sign from the
//!   Rayleigh quotient; `η_opt = 1/λ_max` (Efficient BackProp, sec. 9.2).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use origami_nn::Params;
use origami_tape::{Float, Tape, Tensor, Var};

use crate::flat::{concat, dot, norm, split_like};

/// Builds a scalar loss of the model on a tape.
pub trait LossFn<T: Float, M>: for<'t> Fn(&'t Tape<T>, &M) -> Var<'t, T> {}
impl<T: Float, M, F: for<'t> Fn(&'t Tape<T>, &M) -> Var<'t, T>> LossFn<T, M> for F {}

/// Pins a closure's signature to [`LossFn`]'s, lifetimes included, so it
/// can be stored in a `let` and used for several products.
pub fn loss_fn<T: Float, M, F: for<'t> Fn(&'t Tape<T>, &M) -> Var<'t, T>>(f: F) -> F {
    f
}

/// The loss a network's outputs are scored with, for Gauss–Newton products.
#[derive(Clone, Debug)]
pub enum OutputLoss<T: Float> {
    /// Softmax cross-entropy of `[N, C]` logits, mean over `N`.
    CrossEntropy(Vec<usize>),
    /// `mean((y − target)²)` over all elements.
    MeanSquared(Tensor<T>),
}

/// The model's parameters bound on `tape`, in `params()` order.
fn bound<'t, T: Float>(tape: &'t Tape<T>, model: &impl Params<T>) -> Vec<Var<'t, T>> {
    model.params().iter().map(|(_, p)| p.bind(tape)).collect()
}

/// `H v` of `loss(model)` with respect to the parameters (flat vectors).
pub fn hessian_vector<T: Float, M: Params<T>>(
    loss: &impl LossFn<T, M>,
    model: &M,
    v: &[f64],
) -> Vec<f64> {
    let tape = Tape::new();
    let params = bound(&tape, model);
    let l = loss(&tape, model);
    concat(&tape.hvp(l, &params, &split_like(model, v)))
}

/// `H_L u` for outputs `y` and the loss: the output-space Hessian.
fn loss_hessian_times<T: Float>(loss: &OutputLoss<T>, y: &Tensor<T>, u: &Tensor<T>) -> Tensor<T> {
    match loss {
        OutputLoss::MeanSquared(_) => {
            let scale = T::from_f64(2.0 / y.numel().max(1) as f64);
            u.map(|x| x * scale)
        }
        OutputLoss::CrossEntropy(_) => {
            let (n, c) = (y.shape()[0], y.shape()[1]);
            let mut out = Vec::with_capacity(n * c);
            for (row, ur) in y.data().chunks(c).zip(u.data().chunks(c)) {
                let p = softmax(row);
                let pu: f64 = p.iter().zip(ur).map(|(p, u)| p * u.to_f64()).sum();
                out.extend(
                    p.iter()
                        .zip(ur)
                        .map(|(p, u)| T::from_f64(p * (u.to_f64() - pu) / n as f64)),
                );
            }
            Tensor::from_vec(y.shape(), out).expect("same shape")
        }
    }
}

fn softmax<T: Float>(row: &[T]) -> Vec<f64> {
    let m = row
        .iter()
        .map(|x| x.to_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = row.iter().map(|x| (x.to_f64() - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// `G v = Jᵀ H_L J v`, where `outputs(model)` gives the network outputs
/// that `loss` scores.
pub fn gauss_newton_vector<T: Float, M: Params<T>>(
    outputs: &impl LossFn<T, M>,
    loss: &OutputLoss<T>,
    model: &M,
    v: &[f64],
) -> Vec<f64> {
    let tape = Tape::new();
    let params = bound(&tape, model);
    let y = outputs(&tape, model);
    let jv = tape.jvp(y, &params, &split_like(model, v));
    let hjv = tape.constant(loss_hessian_times(loss, &y.value(), &jv));
    concat(
        &tape
            .vjp(&[y], &[hjv], &params, false)
            .iter()
            .map(Var::value)
            .collect::<Vec<_>>(),
    )
}

/// One unbiased sample of `diag G` (flat), from one VJP.
pub fn gauss_newton_diagonal_sample<T: Float, M: Params<T>>(
    outputs: &impl LossFn<T, M>,
    loss: &OutputLoss<T>,
    model: &M,
    rng: &mut impl Rng,
) -> Vec<f64> {
    let tape = Tape::new();
    let params = bound(&tape, model);
    let y = outputs(&tape, model);
    let value = y.value();
    let u: Vec<T> = match loss {
        OutputLoss::MeanSquared(_) => {
            let s = (2.0 / value.numel().max(1) as f64).sqrt();
            (0..value.numel())
                .map(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    T::from_f64(s * z)
                })
                .collect()
        }
        OutputLoss::CrossEntropy(_) => {
            let (n, c) = (value.shape()[0], value.shape()[1]);
            let scale = 1.0 / (n as f64).sqrt();
            let mut u = Vec::with_capacity(n * c);
            for row in value.data().chunks(c) {
                let p = softmax(row);
                let mut pick = rng.random::<f64>();
                let y = p.iter().position(|&q| {
                    pick -= q;
                    pick < 0.0
                });
                let y = y.unwrap_or(c - 1);
                u.extend(
                    p.iter()
                        .enumerate()
                        .map(|(k, &q)| T::from_f64(scale * ((k == y) as u8 as f64 - q))),
                );
            }
            u
        }
    };
    let u = tape.constant(Tensor::from_vec(value.shape(), u).expect("same shape"));
    let jtu = concat(
        &tape
            .vjp(&[y], &[u], &params, false)
            .iter()
            .map(Var::value)
            .collect::<Vec<_>>(),
    );
    jtu.into_iter().map(|x| x * x).collect()
}

/// The result of power iteration.
#[derive(Clone, Debug)]
pub struct Eigen {
    /// The eigenvalue of largest magnitude, with its sign.
    pub value: f64,
    /// Its unit eigenvector (flat).
    pub vector: Vec<f64>,
    /// Matrix-vector products used.
    pub iterations: usize,
}

impl Eigen {
    /// `η_opt = 1/λ_max`: the rate that reaches the minimum of the
    /// quadratic along the top eigenvector in one step.
    pub fn eta_opt(&self) -> f64 {
        1.0 / self.value
    }

    /// `2/λ_max`: gradient descent diverges above this rate.
    pub fn divergence_limit(&self) -> f64 {
        2.0 / self.value
    }
}

/// Power iteration on `apply` (a symmetric operator on flat vectors of
/// length `n`) from a random start, until the Rayleigh quotient changes by
/// less than `tol` relative, or `max_iters` products.
pub fn top_eigenvalue(
    mut apply: impl FnMut(&[f64]) -> Vec<f64>,
    n: usize,
    max_iters: usize,
    tol: f64,
    rng: &mut impl Rng,
) -> Eigen {
    let mut v: Vec<f64> = (0..n).map(|_| StandardNormal.sample(rng)).collect();
    let s = norm(&v).max(f64::MIN_POSITIVE);
    v.iter_mut().for_each(|x| *x /= s);
    let mut value = 0.0;
    for it in 1..=max_iters {
        let w = apply(&v);
        let rayleigh = dot(&v, &w);
        let wn = norm(&w);
        if wn == 0.0 {
            return Eigen {
                value: 0.0,
                vector: v,
                iterations: it,
            };
        }
        let done = it > 1 && (rayleigh - value).abs() <= tol * rayleigh.abs();
        value = rayleigh;
        v = w.into_iter().map(|x| x / wn).collect();
        if done {
            return Eigen {
                value,
                vector: v,
                iterations: it,
            };
        }
    }
    Eigen {
        value,
        vector: v,
        iterations: max_iters,
    }
}

/// The on-line estimate of Efficient BackProp sec. 9.2: a running average
/// `ψ ← (1 − γ)ψ + γ·(g(w + α ψ/‖ψ‖) − g(w))/α` whose norm tends to
/// `|λ_max|`. `gradient` evaluates the (stochastic) gradient at a point.
pub fn online_top_eigenvalue(
    mut gradient: impl FnMut(&[f64]) -> Vec<f64>,
    w: &[f64],
    steps: usize,
    alpha: f64,
    gamma: f64,
    rng: &mut impl Rng,
) -> f64 {
    let mut psi: Vec<f64> = (0..w.len()).map(|_| StandardNormal.sample(rng)).collect();
    for _ in 0..steps {
        let n = norm(&psi).max(f64::MIN_POSITIVE);
        let shifted: Vec<f64> = w.iter().zip(&psi).map(|(x, p)| x + alpha * p / n).collect();
        let (g1, g0) = (gradient(&shifted), gradient(w));
        for ((p, a), b) in psi.iter_mut().zip(&g1).zip(&g0) {
            *p = (1.0 - gamma) * *p + gamma * (a - b) / alpha;
        }
    }
    norm(&psi)
}
