//! Reductions over axes: `sum` (any set of axes) and `max` (one axis), with
//! or without keeping the reduced axes as size 1; `mean` is `sum / n`.
//!
//! `d sum = broadcast(g)` back over the reduced axes; `d max = g` at the
//! first position of the maximum along the axis, 0 elsewhere.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest;
use crate::ops::Op;
use crate::shape::{Shape, broadcast_strides, for_each_row};
use crate::tape::Var;
use crate::tensor::Tensor;

#[derive(Clone, Debug)]
pub(crate) enum Reduce {
    Sum { axes: Shape, keepdim: bool },
    Max { axis: usize, keepdim: bool },
}

/// The input shape with `axes` set to 1 (or removed unless `keepdim`).
fn reduced_shape(shape: &[usize], axes: &[usize], keepdim: bool) -> Shape {
    let mut out = Shape::new();
    for (i, &d) in shape.iter().enumerate() {
        if !axes.contains(&i) {
            out.push(d);
        } else if keepdim {
            out.push(1);
        }
    }
    out
}

/// `axes` from the highest down: reducing them one at a time in this
/// order (axes removed) keeps the numbers of those still to come.
pub(crate) fn highest_first(axes: &[usize]) -> Vec<usize> {
    let mut order = axes.to_vec();
    order.sort_unstable_by(|a, b| b.cmp(a));
    order
}

pub(crate) fn check_axes(op: &str, shape: &[usize], axes: &[usize]) {
    for (i, &a) in axes.iter().enumerate() {
        assert!(
            a < shape.len(),
            "{op}: axis {a} out of range for shape {shape:?}"
        );
        assert!(!axes[..i].contains(&a), "{op}: axis {a} listed twice");
    }
}

impl Reduce {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Reduce::Sum { .. } => "sum",
            Reduce::Max { .. } => "max",
        }
    }

    pub(crate) fn forward<T: Float>(&self, x: &Tensor<T>) -> Tensor<T> {
        match self {
            Reduce::Sum { axes, keepdim } => sum_axes(x, axes, *keepdim),
            Reduce::Max { axis, keepdim } => {
                let (values, _) = max_axis(x, *axis);
                values.reshape(&reduced_shape(x.shape(), &[*axis], *keepdim))
            }
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(&self, x: &A, g: &A) -> A {
        let shape = x.shape();
        match self {
            // Leading axes summed away broadcast back without a reshape.
            Reduce::Sum { axes, .. } if axes.iter().enumerate().all(|(i, &a)| i == a) => {
                g.broadcast_to(&shape)
            }
            Reduce::Sum { axes, .. } => g
                .reshape(&reduced_shape(&shape, axes, true))
                .broadcast_to(&shape),
            Reduce::Max { axis, .. } => {
                let (_, firsts) = max_axis(&x.value(), *axis);
                // Eagerly, `g` is placed at each maximum in one pass.
                if let Some(reduced) = g.as_tensor() {
                    return g.constant(place_at_maxima(reduced, &firsts, &shape, *axis));
                }
                g.reshape(&reduced_shape(&shape, &[*axis], true))
                    .broadcast_to(&shape)
                    .where_zero(&first_max_mask(&firsts, &shape, *axis), true)
            }
        }
    }
}

/// Sums `x` over `axes`.
pub(crate) fn sum_axes<T: Float>(x: &Tensor<T>, axes: &[usize], keepdim: bool) -> Tensor<T> {
    check_axes("sum", x.shape(), axes);
    widest(
        #[inline(always)]
        || sum_axes_here(x, axes, keepdim),
    )
}

/// [`sum_axes`] at the vector width it is compiled for.
#[inline(always)]
fn sum_axes_here<T: Float>(x: &Tensor<T>, axes: &[usize], keepdim: bool) -> Tensor<T> {
    let out_shape = reduced_shape(x.shape(), axes, keepdim);
    let data = x.data();
    // Leading axes only (a bias gradient over the batch): add whole rows.
    let lead = (0..x.rank()).take_while(|a| axes.contains(a)).count();
    if lead == axes.len() && lead < x.rank() {
        let rest: usize = x.shape()[lead..].iter().product();
        let mut out = Buffer::filled(T::ZERO, rest);
        // Blocks of 16 columns stay in registers over all the rows; every
        // column still adds its rows in order, from zero.
        const BLOCK: usize = 16;
        let full = rest / BLOCK * BLOCK;
        for c in (0..full).step_by(BLOCK) {
            let mut acc = [T::ZERO; BLOCK];
            for row in data.chunks_exact(rest) {
                let part = <&[T; BLOCK]>::try_from(&row[c..c + BLOCK]).expect("a block");
                for (a, &v) in acc.iter_mut().zip(part) {
                    *a += v;
                }
            }
            out[c..c + BLOCK].copy_from_slice(&acc);
        }
        if full < rest {
            for row in data.chunks_exact(rest) {
                for (acc, &v) in out[full..].iter_mut().zip(&row[full..]) {
                    *acc += v;
                }
            }
        }
        return Tensor::from_parts(out_shape, out);
    }
    if lead == x.rank() {
        return Tensor::from_parts(out_shape, Buffer::filled(sum_lanes(data), 1));
    }
    let kept = reduced_shape(x.shape(), axes, true);
    let mut out = Buffer::filled(T::ZERO, kept.iter().product());
    let strides = broadcast_strides(&kept, x.shape());
    let inner = x.shape().last().copied().unwrap_or(1);
    let inner_reduced = strides.last().is_some_and(|&s| s == 0);
    for_each_row(x.shape(), [&strides], |row, [o]| {
        let src = &data[row * inner..(row + 1) * inner];
        if inner_reduced {
            out[o] += sum_lanes(src);
        } else {
            for (acc, &v) in out[o..o + inner].iter_mut().zip(src) {
                *acc += v;
            }
        }
    });
    Tensor::from_parts(out_shape, out)
}

/// The sum of `xs` in 16 interleaved partial sums, so the additions do not
/// wait on each other (and vectorise); also rounds less than one running
/// sum.
#[inline(always)]
fn sum_lanes<T: Float>(xs: &[T]) -> T {
    const LANES: usize = 16;
    let mut partial = [T::ZERO; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (p, &v) in partial.iter_mut().zip(chunk) {
            *p += v;
        }
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            partial[i] += partial[i + width];
        }
    }
    tail.iter().fold(partial[0], |total, &v| total + v)
}

/// The maximum along `axis` (keepdim shape) and, for each of its entries,
/// the first position along `axis` that holds it. NaN propagates to the
/// result.
fn max_axis<T: Float>(x: &Tensor<T>, axis: usize) -> (Tensor<T>, Vec<u32>) {
    check_axes("max", x.shape(), &[axis]);
    let shape = x.shape();
    let dim = shape[axis];
    // As PyTorch: an empty axis has no maximum, even where the output
    // would be empty too.
    assert!(dim > 0, "max: axis {axis} of shape {shape:?} is empty");
    assert!(
        dim <= u32::MAX as usize,
        "max: axis {axis} has {dim} elements, over 2³² − 1"
    );
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let data = x.data();
    let mut values = Buffer::with_capacity(outer * inner);
    let mut firsts = vec![0u32; outer * inner];
    // An empty output (`inner` 0) has nothing to compare.
    if inner > 0 {
        // Row by row along the axis, so every pass reads contiguous memory
        // (max pooling over time reduces the first axis of [steps, …]).
        // Selects rather than branches, so the loop vectorises (at the
        // widest width: `widest`); indices as u32, as wide as f32 lanes.
        let blocks = data.chunks(dim * inner).zip(firsts.chunks_mut(inner));
        for (block, best) in blocks {
            let start = values.len();
            values.extend_from_slice(&block[..inner]);
            let top = &mut values[start..];
            widest(
                #[inline(always)]
                || {
                    for (j, row) in block.chunks(inner).enumerate().skip(1) {
                        let j = j as u32;
                        for ((b, t), &v) in best.iter_mut().zip(top.iter_mut()).zip(row) {
                            // Non-short-circuit `|` and `&`: no branch.
                            let take = (v > *t) | (v.is_nan() & !t.is_nan());
                            *t = if take { v } else { *t };
                            *b = if take { j } else { *b };
                        }
                    }
                },
            );
        }
    }
    let mut kept: SmallVec<[usize; 4]> = SmallVec::from_slice(shape);
    kept[axis] = 1;
    (Tensor::from_parts(kept, values), firsts)
}

/// The flat position in a tensor of `shape` of each maximum `firsts`
/// names (as [`max_axis`] gives them), with the index of its entry in the
/// reduced tensor.
fn maxima_positions(
    firsts: &[u32],
    shape: &[usize],
    axis: usize,
) -> impl Iterator<Item = (usize, usize)> {
    let (dim, inner) = (shape[axis], shape[axis + 1..].iter().product::<usize>());
    firsts.iter().enumerate().map(move |(k, &j)| {
        let (o, i) = (k / inner.max(1), k % inner.max(1));
        ((o * dim + j as usize) * inner + i, k)
    })
}

/// A mask of `shape` marking the first position of each maximum.
fn first_max_mask(firsts: &[u32], shape: &[usize], axis: usize) -> Arc<[bool]> {
    let mut mask = vec![false; shape.iter().product()];
    for (at, _) in maxima_positions(firsts, shape, axis) {
        mask[at] = true;
    }
    mask.into()
}

/// The gradient of a max along `axis` of a tensor of `shape`: `g` (the
/// reduced shape's gradient) at the first position of each maximum, 0
/// elsewhere.
fn place_at_maxima<T: Float>(
    g: &Tensor<T>,
    firsts: &[u32],
    shape: &[usize],
    axis: usize,
) -> Tensor<T> {
    let mut out = Buffer::filled(T::ZERO, shape.iter().product());
    for (at, k) in maxima_positions(firsts, shape, axis) {
        out[at] = g.data()[k];
    }
    Tensor::from_parts(Shape::from_slice(shape), out)
}

impl<'t, T: Float> Var<'t, T> {
    #[track_caller]
    fn reduce(self, r: Reduce) -> Self {
        self.apply(Op::Reduce(r), &[])
    }

    /// Sums over `axes`, removing them. Gradient: `g` broadcast back.
    ///
    /// # Panics
    /// If an axis is out of range or repeated.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.sum(&[0]).value().data(), &[4.0, 6.0]);
    /// ```
    #[track_caller]
    pub fn sum(self, axes: &[usize]) -> Self {
        check_axes("sum", &self.shape(), axes);
        self.reduce(Reduce::Sum {
            axes: Shape::from_slice(axes),
            keepdim: false,
        })
    }

    /// Sums over `axes`, keeping them as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.sum_keepdim(&[1]).shape().as_slice(), &[2, 1]);
    /// ```
    #[track_caller]
    pub fn sum_keepdim(self, axes: &[usize]) -> Self {
        check_axes("sum_keepdim", &self.shape(), axes);
        self.reduce(Reduce::Sum {
            axes: Shape::from_slice(axes),
            keepdim: true,
        })
    }

    /// Sums every element into a 0-d scalar.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[3], vec![1.0, 2.0, 3.0]).unwrap());
    /// assert_eq!(x.sum_all().value().item(), 6.0);
    /// ```
    #[track_caller]
    pub fn sum_all(self) -> Self {
        let axes: Shape = (0..self.shape().len()).collect();
        self.reduce(Reduce::Sum {
            axes,
            keepdim: false,
        })
    }

    /// Mean over `axes` (sum divided by the number of elements reduced).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.mean(&[1]).value().data(), &[1.5, 3.5]);
    /// ```
    #[track_caller]
    pub fn mean(self, axes: &[usize]) -> Self {
        let n = self.count_over(axes);
        self.sum(axes) / n
    }

    /// Mean over `axes`, keeping them as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.mean_keepdim(&[0]).value().data(), &[2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn mean_keepdim(self, axes: &[usize]) -> Self {
        let n = self.count_over(axes);
        self.sum_keepdim(axes) / n
    }

    /// Mean of every element, as a 0-d scalar.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[4], vec![1.0, 2.0, 3.0, 6.0]).unwrap());
    /// assert_eq!(x.mean_all().value().item(), 3.0);
    /// ```
    #[track_caller]
    pub fn mean_all(self) -> Self {
        let n = T::from_usize(self.shape().iter().product());
        self.sum_all() / n
    }

    /// Maximum along `axis`, removing it. Gradient flows to the first
    /// maximal entry only.
    ///
    /// # Panics
    /// If `axis` is out of range or has size 0.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 5.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.max(1).value().data(), &[5.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn max(self, axis: usize) -> Self {
        self.reduce(Reduce::Max {
            axis,
            keepdim: false,
        })
    }

    /// Maximum along `axis`, keeping it as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 5.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.max_keepdim(0).value().data(), &[3.0, 5.0]);
    /// ```
    #[track_caller]
    pub fn max_keepdim(self, axis: usize) -> Self {
        self.reduce(Reduce::Max {
            axis,
            keepdim: true,
        })
    }

    #[track_caller]
    fn count_over(&self, axes: &[usize]) -> T {
        let shape = self.shape();
        check_axes("mean", &shape, axes);
        T::from_usize(axes.iter().map(|&a| shape[a]).product())
    }
}
