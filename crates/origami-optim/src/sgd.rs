//! Stochastic gradient descent with PyTorch's exact update, momentum (heavy
//! ball) and Nesterov included:
//!
//! ```text
//! g ← g + wd·p
//! b ← g                          on the first step (if momentum > 0)
//! b ← μ·b + (1 − dampening)·g    afterwards
//! g ← g + μ·b  (Nesterov)   or   g ← b
//! p ← p − lr·scale·g
//! ```

use origami_nn::Params;
use origami_tape::{Float, Grads};

use crate::error::OptimError;
use crate::groups::Groups;
use crate::optimizer::{FirstOrder, Slots, first_order_optimizer, pair_grads};

/// SGD, optionally with momentum or Nesterov momentum.
#[derive(Clone, Debug)]
pub struct Sgd<T: Float> {
    /// Learning rate.
    pub lr: f64,
    /// Momentum coefficient μ (0: plain SGD).
    pub momentum: f64,
    /// Dampening of the gradient in the momentum buffer.
    pub dampening: f64,
    /// Use Nesterov's look-ahead form.
    pub nesterov: bool,
    /// Per-parameter rate scales and weight decay.
    pub groups: Groups,
    slots: Slots<T>,
    step_count: u64,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with rate `lr`.
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            groups: Groups::default(),
            slots: Slots::default(),
            step_count: 0,
        }
    }

    /// Heavy-ball momentum `μ` (PyTorch's convention: `b ← μb + g`).
    pub fn momentum(lr: f64, momentum: f64) -> Self {
        Self {
            momentum,
            ..Self::new(lr)
        }
    }

    /// Nesterov momentum `μ`.
    pub fn nesterov(lr: f64, momentum: f64) -> Self {
        Self {
            momentum,
            nesterov: true,
            ..Self::new(lr)
        }
    }

    /// Replaces the parameter groups.
    pub fn with_groups(mut self, groups: Groups) -> Self {
        self.groups = groups;
        self
    }
}

impl<T: Float> FirstOrder<T> for Sgd<T> {
    fn update<M: Params<T>>(&mut self, model: &mut M, grads: &Grads<T>) -> Result<(), OptimError> {
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            let message = "Nesterov momentum needs momentum > 0 and zero dampening".to_string();
            return Err(OptimError::InvalidHyperparameter {
                optimizer: "sgd",
                message,
            });
        }
        self.slots.check_restored(model, &["momentum"])?;
        let first = self.step_count == 0;
        for (name, p, g) in pair_grads(model, grads)? {
            let group = self.groups.of(&name);
            let (wd, lr) = (
                T::from_f64(group.weight_decay),
                T::from_f64(self.lr * group.lr_scale),
            );
            let mut d: Vec<T> = g
                .data()
                .iter()
                .zip(p.data())
                .map(|(&g, &w)| g + wd * w)
                .collect();
            if self.momentum != 0.0 {
                let (mu, keep) = (
                    T::from_f64(self.momentum),
                    T::from_f64(1.0 - self.dampening),
                );
                let buf = self.slots.zeros_like(&name, "momentum", p).data_mut();
                for (b, &x) in buf.iter_mut().zip(&d) {
                    *b = if first { x } else { mu * *b + keep * x };
                }
                for (x, &b) in d.iter_mut().zip(buf.iter()) {
                    *x = if self.nesterov { *x + mu * b } else { b };
                }
            }
            for (w, x) in p.data_mut().iter_mut().zip(d) {
                *w -= lr * x;
            }
        }
        self.step_count += 1;
        Ok(())
    }
}

first_order_optimizer!(
    Sgd,
    "sgd",
    fn heavy_ball_momentum(&self) -> Option<f64> {
        (!self.nesterov).then_some(self.momentum)
    }
);
