//! softmax, log_softmax and logsumexp along one axis, computed stably by
//! shifting with the maximum: `lse(x) = m + ln Σ e^(x - m)`.
//!
//! Fused forward, composed backward (so it differentiates again):
//! softmax `y`: `dx = y ⊙ (g - Σ g⊙y)`; log_softmax `y`: `dx = g - e^y Σ g`;
//! logsumexp: `dx = softmax(x) ⊙ g`.

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::Op;
use crate::ops::slice::split_at_axis;
use crate::shape::Shape;
use crate::tape::Var;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Softmax {
    Probs { axis: usize },
    LogProbs { axis: usize },
    LogSumExp { axis: usize, keepdim: bool },
}

impl Softmax {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Softmax::Probs { .. } => "softmax",
            Softmax::LogProbs { .. } => "log_softmax",
            Softmax::LogSumExp { .. } => "logsumexp",
        }
    }

    pub(crate) fn forward<T: Float>(&self, x: &Tensor<T>) -> Tensor<T> {
        let op = self.name();
        match *self {
            Softmax::Probs { axis } => along_axis(op, x, axis, |row, out| {
                let m = row_max(row);
                for (o, &v) in out.iter_mut().zip(row) {
                    *o = (v - m).exp();
                }
                let total: T = out.iter().copied().sum();
                out.iter_mut().for_each(|o| *o /= total);
            }),
            Softmax::LogProbs { axis } => along_axis(op, x, axis, |row, out| {
                let lse = logsumexp(row);
                for (o, &v) in out.iter_mut().zip(row) {
                    *o = v - lse;
                }
            }),
            Softmax::LogSumExp { axis, keepdim } => {
                let (outer, dim, inner) = split_at_axis(op, x.shape(), axis);
                let mut row = Buffer::filled(T::ZERO, dim);
                let mut out = Buffer::with_capacity(outer * inner);
                for o in 0..outer {
                    for i in 0..inner {
                        for (j, r) in row.iter_mut().enumerate() {
                            *r = x.data()[(o * dim + j) * inner + i];
                        }
                        out.push(logsumexp(&row));
                    }
                }
                let mut shape = Shape::from_slice(x.shape());
                if keepdim {
                    shape[axis] = 1;
                } else {
                    shape.remove(axis);
                }
                Tensor::from_parts(shape, out)
            }
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(&self, x: &A, y: &A, g: &A) -> A {
        match *self {
            Softmax::Probs { axis } => y.mul(&g.sub(&g.mul(y).sum_keepdim(&[axis]))),
            Softmax::LogProbs { axis } => {
                g.sub(&y.unary(crate::ops::Unary::Exp).mul(&g.sum_keepdim(&[axis])))
            }
            Softmax::LogSumExp { axis, .. } => {
                let mut kept = x.shape();
                kept[axis] = 1;
                x.softmax(axis).mul(&g.reshape(&kept))
            }
        }
    }
}

/// The row maximum, or 0 when it is infinite (so `x - m` stays finite for
/// finite entries and the sum decides the result).
fn row_max<T: Float>(row: &[T]) -> T {
    let m = row
        .iter()
        .copied()
        .fold(T::NEG_INFINITY, |a, b| if b > a { b } else { a });
    if m.is_finite() { m } else { T::ZERO }
}

/// `ln Σ e^x` of one row, stable for large or very negative entries.
pub(crate) fn logsumexp<T: Float>(row: &[T]) -> T {
    let m = row
        .iter()
        .copied()
        .fold(T::NEG_INFINITY, |a, b| if b > a { b } else { a });
    if !m.is_finite() {
        return if row.iter().any(|v| v.is_nan()) {
            T::from_f64(f64::NAN)
        } else {
            m
        };
    }
    let total: T = row.iter().map(|&v| (v - m).exp()).sum();
    m + total.ln()
}

/// Applies a row kernel along `axis`, gathering strided rows when needed.
fn along_axis<T: Float>(
    op: &str,
    x: &Tensor<T>,
    axis: usize,
    f: impl Fn(&[T], &mut [T]),
) -> Tensor<T> {
    let (outer, dim, inner) = split_at_axis(op, x.shape(), axis);
    let mut out = Buffer::filled(T::ZERO, x.numel());
    if inner == 1 {
        for (src, dst) in x.data().chunks(dim.max(1)).zip(out.chunks_mut(dim.max(1))) {
            f(src, dst);
        }
    } else {
        let (mut row, mut res) = (Buffer::filled(T::ZERO, dim), Buffer::filled(T::ZERO, dim));
        for o in 0..outer {
            for i in 0..inner {
                for (j, r) in row.iter_mut().enumerate() {
                    *r = x.data()[(o * dim + j) * inner + i];
                }
                f(&row, &mut res);
                for (j, r) in res.iter().enumerate() {
                    out[(o * dim + j) * inner + i] = *r;
                }
            }
        }
    }
    Tensor::from_parts(x.shape().into(), out)
}

impl<'t, T: Float> Var<'t, T> {
    /// `e^x / Σ e^x` along `axis`, stable for large logits.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1e4, 1e4]).unwrap());
    /// assert_eq!(x.softmax(0).value().data(), &[0.5, 0.5]);
    /// ```
    #[track_caller]
    pub fn softmax(self, axis: usize) -> Self {
        self.apply(Op::Softmax(Softmax::Probs { axis }), &[])
    }

    /// `x - logsumexp(x)` along `axis`, without forming the softmax.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![0.0, 0.0]).unwrap());
    /// assert!((x.log_softmax(0).value().data()[0] + 2f64.ln()).abs() < 1e-15);
    /// ```
    #[track_caller]
    pub fn log_softmax(self, axis: usize) -> Self {
        self.apply(Op::Softmax(Softmax::LogProbs { axis }), &[])
    }

    /// `ln Σ e^x` along `axis`, removing it.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1e4, 1e4]).unwrap());
    /// assert!((x.logsumexp(0).value().item() - (1e4 + 2f64.ln())).abs() < 1e-9);
    /// ```
    #[track_caller]
    pub fn logsumexp(self, axis: usize) -> Self {
        self.apply(
            Op::Softmax(Softmax::LogSumExp {
                axis,
                keepdim: false,
            }),
            &[],
        )
    }

    /// `ln Σ e^x` along `axis`, keeping it as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::zeros(&[3, 2]));
    /// assert_eq!(x.logsumexp_keepdim(1).shape().as_slice(), &[3, 1]);
    /// ```
    #[track_caller]
    pub fn logsumexp_keepdim(self, axis: usize) -> Self {
        self.apply(
            Op::Softmax(Softmax::LogSumExp {
                axis,
                keepdim: true,
            }),
            &[],
        )
    }
}
