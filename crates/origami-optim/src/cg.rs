//! Conjugate gradients for `A x = b` with a symmetric positive
//! (semi-)definite operator given only by its products. In exact
//! arithmetic it solves an `n × n` system in at most `n` iterations.

use crate::flat::dot;

/// What CG returns: the iterates it kept (for Hessian-free backtracking)
/// and the number of products used.
#[derive(Clone, Debug)]
pub struct CgResult {
    /// The final solution.
    pub x: Vec<f64>,
    /// Iterates at the iterations listed in `kept_at` (for backtracking).
    pub kept: Vec<Vec<f64>>,
    /// Iteration numbers of `kept`.
    pub kept_at: Vec<usize>,
    /// Products `A p` computed.
    pub iterations: usize,
}

/// Stops CG: the relative residual falls below `tol`, or Martens' (2010)
/// rule on the quadratic model `φ(x) = ½xᵀAx − bᵀx`: after `k > 10`
/// iterations stop when `φ(x_k) < 0` and `(φ(x_k) − φ(x_{k−s}))/φ(x_k) <
/// s·ε` with `s = max(10, k/10)` and `ε = 5e-4`.
#[derive(Clone, Copy, Debug)]
pub struct CgStop {
    /// Maximum iterations.
    pub max_iters: usize,
    /// Relative residual `‖r‖/‖b‖` to stop at.
    pub tol: f64,
    /// Apply Martens' progress rule.
    pub martens: bool,
}

/// Solves `A x = b` from `x0`, keeping iterates at geometrically spaced
/// iterations (every ~1.3×) for backtracking.
pub fn conjugate_gradient(
    mut apply: impl FnMut(&[f64]) -> Vec<f64>,
    b: &[f64],
    x0: &[f64],
    stop: CgStop,
) -> CgResult {
    let mut x = x0.to_vec();
    let ax = apply(&x);
    let mut iterations = 1;
    let mut r: Vec<f64> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let bnorm = dot(b, b).sqrt().max(f64::MIN_POSITIVE);
    let phi = |x: &[f64], r: &[f64]| -0.5 * (dot(x, r) + dot(x, b)); // ½xᵀAx − bᵀx with Ax = b − r
    let mut history = vec![phi(&x, &r)];
    let (mut kept, mut kept_at, mut next_keep) = (Vec::new(), Vec::new(), 1.0f64);
    for k in 1..=stop.max_iters {
        if rr.sqrt() / bnorm <= stop.tol {
            break;
        }
        let ap = apply(&p);
        iterations += 1;
        let pap = dot(&p, &ap);
        if pap <= 0.0 {
            break; // not positive definite along p: stop with what we have
        }
        let alpha = rr / pap;
        x.iter_mut().zip(&p).for_each(|(x, p)| *x += alpha * p);
        r.iter_mut().zip(&ap).for_each(|(r, a)| *r -= alpha * a);
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        rr = rr_new;
        p.iter_mut().zip(&r).for_each(|(p, r)| *p = r + beta * *p);
        history.push(phi(&x, &r));
        if k as f64 >= next_keep {
            kept.push(x.clone());
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
    if kept.last() != Some(&x) {
        kept.push(x.clone());
        kept_at.push(history.len() - 1);
    }
    CgResult {
        x,
        kept,
        kept_at,
        iterations,
    }
}
