//! Losses: cross-entropy of logits against integer class targets (fused and
//! stable) and mean squared error.
//!
//! Cross-entropy of row `i` is `lse(x_i) - x_i[t_i]`; its gradient is
//! `softmax(x_i) - onehot(t_i)`, scaled by `g` (and by `1/N` for the mean).
//! The backward uses the differentiable softmax, so it differentiates again.

use std::sync::Arc;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::Op;
use crate::ops::softmax::logsumexp_rows;
use crate::shape::Shape;
use crate::tape::Var;
use crate::tensor::Tensor;

/// How per-example losses are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// The average over examples (PyTorch's default).
    Mean,
    /// The sum over examples.
    Sum,
    /// One loss per example.
    None,
}

#[derive(Clone, Debug)]
pub(crate) struct Loss {
    targets: Arc<[usize]>,
    reduction: Reduction,
}

impl Loss {
    pub(crate) fn name(&self) -> &'static str {
        "cross_entropy"
    }

    pub(crate) fn forward<T: Float>(&self, x: &Tensor<T>) -> Tensor<T> {
        let [n, c] = *x.shape() else {
            panic!(
                "cross_entropy: logits must be [batch, classes], got {:?}",
                x.shape()
            );
        };
        assert_eq!(
            self.targets.len(),
            n,
            "cross_entropy: {} targets for a batch of {n}",
            self.targets.len()
        );
        if let Some((i, &t)) = self.targets.iter().enumerate().find(|&(_, &t)| t >= c) {
            panic!("cross_entropy: target {t} of example {i} is not below {c} classes");
        }
        let lse = logsumexp_rows(x.data(), c);
        let losses: Buffer<T> = lse
            .iter()
            .zip(self.targets.iter().enumerate())
            .map(|(&l, (i, &t))| l - x.data()[i * c + t])
            .collect();
        match self.reduction {
            Reduction::None => Tensor::from_parts(Shape::from_slice(&[n]), losses),
            Reduction::Sum => Tensor::scalar(losses.iter().copied().sum()),
            Reduction::Mean => Tensor::scalar(losses.iter().copied().sum::<T>() / T::from_usize(n)),
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(&self, x: &A, g: &A) -> A {
        let shape = x.shape();
        let (n, c) = (shape[0], shape[1]);
        let mut onehot = Buffer::filled(T::ZERO, n * c);
        for (i, &t) in self.targets.iter().enumerate() {
            onehot[i * c + t] = T::ONE;
        }
        let onehot = x.constant(Tensor::from_parts(shape.clone(), onehot));
        let delta = x.softmax(1).sub(&onehot);
        match self.reduction {
            Reduction::None => delta.mul(&g.reshape(&[n, 1])),
            Reduction::Sum => delta.mul(g),
            Reduction::Mean => delta.mul(g).mul_scalar(T::ONE / T::from_usize(n)),
        }
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// Softmax cross-entropy of `[batch, classes]` logits against integer
    /// targets: `lse(x_i) - x_i[t_i]`, reduced as asked. Stable for logits
    /// of any size.
    ///
    /// # Panics
    /// If the logits are not 2-D, the target count differs from the batch,
    /// or a target is not below the number of classes.
    ///
    /// ```
    /// # use origami_tape::{Reduction, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let logits = tape.var(Tensor::zeros(&[2, 4]));
    /// let loss = logits.cross_entropy(&[0, 3], Reduction::Mean);
    /// assert!((loss.value().item() - 4f64.ln()).abs() < 1e-12);
    /// ```
    #[track_caller]
    pub fn cross_entropy(self, targets: &[usize], reduction: Reduction) -> Self {
        let loss = Loss {
            targets: targets.into(),
            reduction,
        };
        self.apply(Op::Loss(loss), &[])
    }

    /// Mean squared error against `target` (same shape or broadcastable):
    /// `mean((x - target)²)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1.0, 3.0]).unwrap());
    /// let t = tape.constant(Tensor::zeros(&[2]));
    /// assert_eq!(x.mse(t).value().item(), 5.0);
    /// ```
    #[track_caller]
    pub fn mse(self, target: Self) -> Self {
        (self - target).square().mean_all()
    }
}
