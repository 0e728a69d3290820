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
use crate::ops::reduce::{check_axes, highest_first};
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
            Softmax::Probs { axis } if contiguous_rows(x.shape(), axis) => {
                let dim = x.shape()[axis];
                let (mut probs, _) = shifted_exps(x.data(), dim);
                for row in probs.chunks_mut(dim) {
                    let total: T = row.iter().copied().sum();
                    row.iter_mut().for_each(|p| *p /= total);
                }
                Tensor::from_parts(x.shape().into(), probs)
            }
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
    let m = raw_max(row);
    if m.is_finite() { m } else { T::ZERO }
}

/// The largest entry (`-inf` for an empty row); NaN entries are skipped.
fn raw_max<T: Float>(row: &[T]) -> T {
    row.iter()
        .copied()
        .fold(T::NEG_INFINITY, |a, b| if b > a { b } else { a })
}

/// True if the rows along `axis` are contiguous and not empty (nothing
/// follows `axis` but axes of size 1).
fn contiguous_rows(shape: &[usize], axis: usize) -> bool {
    axis < shape.len() && shape[axis] > 0 && shape[axis + 1..].iter().all(|&d| d == 1)
}

/// `e^(x - m)` for every contiguous row of `dim` (> 0) entries, `m` the
/// row's [`row_max`], through the vectorised slice kernel; and the raw row
/// maxima (possibly infinite).
fn shifted_exps<T: Float>(x: &[T], dim: usize) -> (Buffer<T>, Buffer<T>) {
    let maxes: Buffer<T> = x.chunks(dim).map(raw_max).collect();
    let mut shifted = Buffer::filled(T::ZERO, x.len());
    for ((out, row), &m) in shifted.chunks_mut(dim).zip(x.chunks(dim)).zip(maxes.iter()) {
        let m = if m.is_finite() { m } else { T::ZERO };
        for (o, &v) in out.iter_mut().zip(row) {
            *o = v - m;
        }
    }
    let mut exps = Buffer::filled(T::ZERO, x.len());
    T::exp_slice(&shifted, &mut exps);
    (exps, maxes)
}

/// [`logsumexp`] of every contiguous row of `dim` entries, with exp and ln
/// run over whole slices (a classifier's loss: many short rows).
pub(crate) fn logsumexp_rows<T: Float>(x: &[T], dim: usize) -> Buffer<T> {
    if dim == 0 {
        return Buffer::filled(T::NEG_INFINITY, 0);
    }
    let (exps, maxes) = shifted_exps(x, dim);
    let sums: Buffer<T> = exps.chunks(dim).map(|r| r.iter().copied().sum()).collect();
    let mut logs = Buffer::filled(T::ZERO, sums.len());
    T::ln_slice(&sums, &mut logs);
    x.chunks(dim)
        .zip(maxes.iter().zip(logs.iter()))
        .map(|(row, (&m, &l))| if m.is_finite() { m + l } else { logsumexp(row) })
        .collect()
}

/// `ln Σ e^x` of one row, stable for large or very negative entries.
pub(crate) fn logsumexp<T: Float>(row: &[T]) -> T {
    let m = raw_max(row);
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

    /// `ln Σ e^x` over `axes`, removing them (one fused, stable node per
    /// axis: the log-sum-exp over several axes is the log-sum-exp over
    /// each in turn).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1e4, 1e4]).unwrap());
    /// assert!((x.logsumexp(&[0]).value().item() - (1e4 + 2f64.ln())).abs() < 1e-9);
    /// let y = tape.var(Tensor::zeros(&[2, 3, 2]));
    /// assert!((y.logsumexp(&[0, 2]).value().data()[0] - 4f64.ln()).abs() < 1e-15);
    /// ```
    ///
    /// # Panics
    /// If an axis is out of range or listed twice.
    #[track_caller]
    pub fn logsumexp(self, axes: &[usize]) -> Self {
        self.logsumexp_over(axes, false)
    }

    /// `ln Σ e^x` over `axes`, keeping them as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::zeros(&[3, 2]));
    /// assert_eq!(x.logsumexp_keepdim(&[1]).shape().as_slice(), &[3, 1]);
    /// ```
    #[track_caller]
    pub fn logsumexp_keepdim(self, axes: &[usize]) -> Self {
        self.logsumexp_over(axes, true)
    }

    #[track_caller]
    fn logsumexp_over(self, axes: &[usize], keepdim: bool) -> Self {
        check_axes("logsumexp", &self.shape(), axes);
        highest_first(axes).into_iter().fold(self, |x, axis| {
            x.apply(Op::Softmax(Softmax::LogSumExp { axis, keepdim }), &[])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows with ordinary, large, infinite and NaN entries, `dim` each.
    fn rows(dim: usize) -> Vec<f64> {
        let mut x: Vec<f64> = (0..40 * dim)
            .map(|i| ((i * 37 % 23) as f64 - 11.0) / 3.0)
            .collect();
        let specials = [1e4, -1e4, f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
        for (r, &s) in specials.iter().enumerate() {
            x[r * dim] = s;
        }
        x[5 * dim..6 * dim].fill(f64::NEG_INFINITY);
        x
    }

    #[test]
    fn row_logsumexp_matches_the_one_row_version() {
        for dim in [1, 2, 3, 10, 17] {
            let x = rows(dim);
            let fast = logsumexp_rows(&x, dim);
            for (row, &got) in x.chunks(dim).zip(fast.iter()) {
                let want = logsumexp(row);
                // f64 runs the same exp and ln in the same order: equal bits.
                assert_eq!(got.to_bits(), want.to_bits(), "{row:?}");
            }
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            for (row, &got) in x32.chunks(dim).zip(logsumexp_rows(&x32, dim).iter()) {
                let want = logsumexp(row);
                let close = (got - want).abs() <= 4.0 * f32::EPSILON * want.abs().max(1.0);
                assert!(
                    close || got.to_bits() == want.to_bits(),
                    "{row:?}: {got} vs {want}"
                );
            }
        }
        assert!(logsumexp_rows::<f32>(&[], 0).is_empty());
    }

    #[test]
    fn contiguous_softmax_matches_the_strided_row_kernel() {
        let data = rows(5)[..40].to_vec();
        let x = Tensor::from_vec(&[8, 5], data.clone()).unwrap();
        let xt: Vec<f64> = (0..40).map(|k| data[(k % 8) * 5 + k / 8]).collect();
        let fast = Softmax::Probs { axis: 1 }.forward(&x);
        // Along axis 0 of the transpose: the gathering path of `along_axis`.
        let slow = Softmax::Probs { axis: 0 }.forward(&Tensor::from_vec(&[5, 8], xt).unwrap());
        for (k, &got) in fast.data().iter().enumerate() {
            let want = slow.data()[(k % 5) * 8 + k / 5];
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "row {}, column {}",
                k / 5,
                k % 5
            );
        }
    }
}
