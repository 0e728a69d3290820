//! Hessian-free optimisation (Martens 2010): each step solves the damped
//! Gauss–Newton system `(G + λI) p = −g` approximately by conjugate
//! gradients from the previous solution (decayed by 0.95), with Martens'
//! stopping rule; backtracks over the kept CG iterates to the best loss;
//! adapts λ by Levenberg–Marquardt (×3/2 when the reduction ratio
//! `ρ = (f(θ + p) − f(θ)) / q(p)` is below 1/4, ×2/3 above 3/4, where
//! `q(p) = ½pᵀGp + gᵀp`); and falls back to an Armijo line search if the
//! chosen step does not reduce the loss.
//!
//! The closure must supply `G v` through [`Evaluation::with_product`]
//! (see [`crate::gauss_newton_vector`]).

use origami_nn::Params;
use origami_tape::Float;

use crate::cg::{CgStop, conjugate_gradient};
use crate::error::OptimError;
use crate::flat::{dot, flatten_grads, flatten_params, unflatten_into};
use crate::optimizer::{
    Closure, Evaluation, Method, Needs, OptimState, Optimizer, check_finite_loss,
};

/// The Hessian-free method.
#[derive(Clone, Debug)]
pub struct HessianFree {
    /// Levenberg–Marquardt damping λ (adapted every step).
    pub damping: f64,
    /// Maximum CG iterations per step.
    pub cg_iters: usize,
    /// Warm start factor for CG (Martens: 0.95).
    pub decay: f64,
    previous: Vec<f64>,
    /// Curvature products and loss evaluations so far.
    pub products: usize,
    /// Closure calls so far.
    pub evaluations: usize,
    step_count: u64,
}

impl HessianFree {
    /// Hessian-free with initial damping `damping` and at most `cg_iters`
    /// CG iterations per step.
    pub fn new(damping: f64, cg_iters: usize) -> Self {
        Self {
            damping,
            cg_iters,
            decay: 0.95,
            previous: Vec::new(),
            products: 0,
            evaluations: 0,
            step_count: 0,
        }
    }
}

impl<T: Float, M: Params<T>> Optimizer<T, M> for HessianFree {
    fn step(&mut self, model: &mut M, closure: &mut Closure<'_, T, M>) -> Result<f64, OptimError> {
        let theta = flatten_params(model);
        let (loss0, g, kept, gp_of_best) = {
            let eval: Evaluation<'_, T> = closure(model)?;
            self.evaluations += 1;
            check_finite_loss(eval.loss)?;
            let product =
                eval.product
                    .as_ref()
                    .ok_or_else(|| OptimError::InvalidHyperparameter {
                        optimizer: "hessian_free",
                        message: "the closure must supply G v with Evaluation::with_product"
                            .to_string(),
                    })?;
            let g = flatten_grads(model, &eval.grads)?;
            let b: Vec<f64> = g.iter().map(|x| -x).collect();
            let x0: Vec<f64> = if self.previous.len() == theta.len() {
                self.previous.iter().map(|p| p * self.decay).collect()
            } else {
                vec![0.0; theta.len()]
            };
            let lambda = self.damping;
            let mut products = 0;
            let damped = |v: &[f64]| {
                products += 1;
                product(v)
                    .iter()
                    .zip(v)
                    .map(|(gv, v)| gv + lambda * v)
                    .collect::<Vec<f64>>()
            };
            let cg = conjugate_gradient(
                damped,
                &b,
                &x0,
                CgStop {
                    max_iters: self.cg_iters,
                    tol: 1e-10,
                    martens: true,
                },
            );
            self.products += products + 1;
            let last = cg.kept.last().cloned().unwrap_or(cg.x.clone());
            let gp = product(&last);
            (eval.loss, g, cg.kept, (last, gp))
        };
        // Backtrack over the kept iterates, newest first, while the loss improves.
        let mut loss_at =
            |model: &mut M, p: &[f64], evaluations: &mut usize| -> Result<f64, OptimError> {
                let x: Vec<f64> = theta.iter().zip(p).map(|(t, p)| t + p).collect();
                unflatten_into(model, &x);
                *evaluations += 1;
                Ok(closure(model)?.loss)
            };
        let mut best = kept.len() - 1;
        let last_loss = loss_at(model, &kept[best], &mut self.evaluations)?;
        let mut best_loss = last_loss;
        for i in (0..kept.len() - 1).rev() {
            let l = loss_at(model, &kept[i], &mut self.evaluations)?;
            if l.is_nan() || l >= best_loss {
                break;
            }
            best = i;
            best_loss = l;
        }
        let p = kept[best].clone();
        // Levenberg–Marquardt update of λ from the reduction ratio of the
        // final CG iterate.
        let (last, gp) = gp_of_best;
        let q = 0.5 * dot(&last, &gp) + dot(&g, &last);
        let rho = if q < 0.0 && last_loss.is_finite() {
            (last_loss - loss0) / q
        } else {
            0.0
        };
        if rho < 0.25 {
            self.damping *= 1.5;
        } else if rho > 0.75 {
            self.damping *= 2.0 / 3.0;
        }
        // Armijo backtracking if the step does not reduce the loss.
        let slope = dot(&g, &p);
        let mut alpha = 1.0;
        let mut accepted = best_loss.is_finite() && best_loss <= loss0 + 0.01 * slope;
        for _ in 0..60 {
            if accepted {
                break;
            }
            alpha *= 0.8;
            let scaled: Vec<f64> = p.iter().map(|x| alpha * x).collect();
            let l = loss_at(model, &scaled, &mut self.evaluations)?;
            accepted = l.is_finite() && l <= loss0 + 0.01 * alpha * slope;
        }
        let alpha = if accepted { alpha } else { 0.0 };
        let x: Vec<f64> = theta.iter().zip(&p).map(|(t, p)| t + alpha * p).collect();
        unflatten_into(model, &x);
        self.previous = p;
        self.step_count += 1;
        Ok(loss0)
    }
}

impl<T: Float> Method<T> for HessianFree {
    fn name(&self) -> &'static str {
        "hessian_free"
    }

    fn needs(&self) -> Needs {
        Needs::CurvatureProduct
    }

    fn learning_rate(&self) -> f64 {
        1.0 / self.damping
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.damping = 1.0 / lr;
    }
    fn state(&self) -> OptimState<T> {
        let previous = origami_tape::Tensor::from_vec(
            &[self.previous.len()],
            self.previous.iter().map(|&x| T::from_f64(x)).collect(),
        )
        .expect("1-d");
        OptimState {
            tensors: vec![("previous".to_string(), previous)],
            scalars: vec![
                ("damping".to_string(), self.damping),
                ("step".to_string(), self.step_count as f64),
            ],
        }
    }
    fn load_state(&mut self, state: OptimState<T>) -> Result<(), OptimError> {
        let scalar = |k: &str| state.scalars.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
        let (Some(damping), Some(step)) = (scalar("damping"), scalar("step")) else {
            return Err(OptimError::State {
                message: "hessian_free: missing damping or step".to_string(),
            });
        };
        let previous = state
            .tensors
            .iter()
            .find(|(n, _)| n == "previous")
            .map(|(_, t)| t.data().iter().map(|x| x.to_f64()).collect());
        self.damping = damping;
        self.step_count = step as u64;
        self.previous = previous.unwrap_or_default();
        Ok(())
    }
}
