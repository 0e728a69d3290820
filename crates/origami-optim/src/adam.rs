//! Adam and AdamW with PyTorch's exact arithmetic:
//!
//! ```text
//! g ← g + wd·p                     (Adam: L2 in the gradient)
//! p ← p·(1 − lr·wd)                (AdamW: decoupled decay)
//! m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//! ```

use origami_nn::Params;
use origami_tape::{Float, Grads, widest};

use crate::error::OptimError;
use crate::groups::Groups;
use crate::optimizer::{FirstOrder, Slots, first_order_optimizer, pair_grads};

/// Adam (Kingma & Ba), or AdamW (Loshchilov & Hutter) when `decoupled`.
#[derive(Clone, Debug)]
pub struct Adam<T: Float> {
    /// Learning rate.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the denominator.
    pub eps: f64,
    /// Decoupled weight decay (AdamW) instead of L2 in the gradient.
    pub decoupled: bool,
    /// Per-parameter rate scales and weight decay.
    pub groups: Groups,
    slots: Slots<T>,
    step_count: u64,
}

impl<T: Float> Adam<T> {
    /// Adam with PyTorch's defaults (β = 0.9, 0.999; ε = 1e-8).
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            decoupled: false,
            groups: Groups::default(),
            slots: Slots::default(),
            step_count: 0,
        }
    }

    /// AdamW with decoupled weight decay `weight_decay` for every parameter.
    pub fn adamw(lr: f64, weight_decay: f64) -> Self {
        Self {
            decoupled: true,
            groups: Groups::uniform(weight_decay),
            ..Self::new(lr)
        }
    }

    /// Replaces the parameter groups.
    pub fn with_groups(mut self, groups: Groups) -> Self {
        self.groups = groups;
        self
    }
}

impl<T: Float> FirstOrder<T> for Adam<T> {
    fn update<M: Params<T>>(&mut self, model: &mut M, grads: &Grads<T>) -> Result<(), OptimError> {
        let t = (self.step_count + 1) as i32;
        let (c1, c2) = (1.0 - self.beta1.powi(t), 1.0 - self.beta2.powi(t));
        let (b1, b2, eps) = (
            T::from_f64(self.beta1),
            T::from_f64(self.beta2),
            T::from_f64(self.eps),
        );
        self.slots
            .check_restored(model, &["exp_avg", "exp_avg_sq"])?;
        for (name, p, g) in pair_grads(model, grads)? {
            let group = self.groups.of(&name);
            let lr = self.lr * group.lr_scale;
            let moment = Moments {
                b1,
                b2,
                eps,
                step: T::from_f64(lr / c1),
                root_c2: T::from_f64(c2.sqrt()),
            };
            let [m, v] = self.slots.pair_like(&name, ["exp_avg", "exp_avg_sq"], p);
            let (m, v, w, g) = (m.data_mut(), v.data_mut(), p.data_mut(), g.data());
            let all = w.iter_mut().zip(g).zip(m).zip(v);
            if self.decoupled {
                let shrink = T::from_f64(1.0 - lr * group.weight_decay);
                widest(|| {
                    for (((w, &g), m), v) in all {
                        *w *= shrink;
                        *w -= moment.update(m, v, g);
                    }
                });
            } else {
                let wd = T::from_f64(group.weight_decay);
                widest(|| {
                    for (((w, &g), m), v) in all {
                        *w -= moment.update(m, v, g + wd * *w);
                    }
                });
            }
        }
        self.step_count += 1;
        Ok(())
    }
}

first_order_optimizer!(Adam, "adam");

/// One step's constants of the moment update.
struct Moments<T> {
    b1: T,
    b2: T,
    eps: T,
    /// `lr / (1 − β₁ᵗ)`.
    step: T,
    /// `√(1 − β₂ᵗ)`.
    root_c2: T,
}

impl<T: Float> Moments<T> {
    /// Moves the moments `m`, `v` by the gradient `g` and gives the step to
    /// subtract from the weight, in PyTorch's order of operations.
    #[inline(always)]
    fn update(&self, m: &mut T, v: &mut T, g: T) -> T {
        *m = self.b1 * *m + (T::ONE - self.b1) * g;
        *v = self.b2 * *v + (T::ONE - self.b2) * g * g;
        self.step * *m / (v.sqrt() / self.root_c2 + self.eps)
    }
}
