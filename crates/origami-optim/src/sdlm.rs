//! Stochastic diagonal Levenberg–Marquardt (LeCun et al., Efficient
//! BackProp, sec. 9.1): every weight gets its own rate
//! `η_k = ε / (μ + h_kk)`, where `h_kk` is a running average of the
//! Gauss–Newton diagonal (`h ← (1 − γ)h + γ·ĥ`, started at the first
//! estimate) and `μ` keeps the rate bounded where the curvature is tiny.
//! The closure supplies the estimate `ĥ` in [`Evaluation::curvature`]
//! (see [`crate::gauss_newton_diagonal_sample`]).

use origami_nn::Params;
use origami_tape::{Float, Grads};

use crate::error::OptimError;
use crate::optimizer::{
    Closure, Method, Needs, OptimState, Optimizer, Slots, check_finite_loss, pair_grads,
};

/// The SDLM method.
#[derive(Clone, Debug)]
pub struct Sdlm<T: Float> {
    /// Global rate ε.
    pub lr: f64,
    /// Damping μ.
    pub mu: f64,
    /// Averaging rate γ of the curvature estimate.
    pub gamma: f64,
    slots: Slots<T>,
    step_count: u64,
}

impl<T: Float> Sdlm<T> {
    /// SDLM with global rate `lr`, damping `mu` and averaging `gamma`.
    pub fn new(lr: f64, mu: f64, gamma: f64) -> Self {
        Self {
            lr,
            mu,
            gamma,
            slots: Slots::default(),
            step_count: 0,
        }
    }
}

impl<T: Float> Sdlm<T> {
    /// One update from gradients and a Gauss–Newton diagonal estimate
    /// (both keyed by parameter id), for loops that already hold them.
    ///
    /// # Errors
    /// [`OptimError::MissingGradient`] naming a parameter without a
    /// gradient or without a curvature estimate.
    pub fn update<M: Params<T>>(
        &mut self,
        model: &mut M,
        grads: &Grads<T>,
        curvature: &Grads<T>,
    ) -> Result<(), OptimError> {
        self.slots.check_restored(model, &["curvature"])?;
        let first = self.step_count == 0;
        let (gamma, mu, lr) = (
            T::from_f64(self.gamma),
            T::from_f64(self.mu),
            T::from_f64(self.lr),
        );
        let ids: Vec<_> = model.params().iter().map(|(_, p)| p.id()).collect();
        for ((name, p, g), id) in pair_grads(model, grads)?.into_iter().zip(ids) {
            let h_new = curvature
                .get(id)
                .ok_or_else(|| OptimError::MissingGradient {
                    name: format!("{name} (curvature)"),
                })?;
            let h = self.slots.zeros_like(&name, "curvature", p).data_mut();
            for (h, &e) in h.iter_mut().zip(h_new.data()) {
                *h = if first {
                    e
                } else {
                    (T::ONE - gamma) * *h + gamma * e
                };
            }
            for ((w, &g), &h) in p.data_mut().iter_mut().zip(g.data()).zip(h.iter()) {
                *w -= lr / (mu + h) * g;
            }
        }
        self.step_count += 1;
        Ok(())
    }
}

impl<T: Float, M: Params<T>> Optimizer<T, M> for Sdlm<T> {
    fn step(&mut self, model: &mut M, closure: &mut Closure<'_, T, M>) -> Result<f64, OptimError> {
        let (loss, grads, curvature) = {
            let eval = closure(model)?;
            (eval.loss, eval.grads, eval.curvature)
        };
        check_finite_loss(loss)?;
        let Some(curvature) = curvature else {
            let message =
                "the closure must fill Evaluation::curvature with a Gauss-Newton diagonal"
                    .to_string();
            return Err(OptimError::InvalidHyperparameter {
                optimizer: "sdlm",
                message,
            });
        };
        self.update(model, &grads, &curvature)?;
        Ok(loss)
    }
}

impl<T: Float> Method<T> for Sdlm<T> {
    fn name(&self) -> &'static str {
        "sdlm"
    }

    fn needs(&self) -> Needs {
        Needs::CurvatureDiagonal
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn state(&self) -> OptimState<T> {
        self.slots.to_state(self.step_count)
    }
    fn load_state(&mut self, state: OptimState<T>) -> Result<(), OptimError> {
        self.step_count = self.slots.load_state(state)?;
        Ok(())
    }
}
