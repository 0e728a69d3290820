//! Ops that move elements without arithmetic: reshape, permute (transpose),
//! broadcast. Their backward rules are the inverse moves: reshape back,
//! the inverse permutation, and `sum_to` (summing the stretched axes).

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::Op;
use crate::shape::{Shape, broadcast_shapes, broadcast_strides, for_each_row};
use crate::tape::Var;
use crate::tensor::Tensor;

#[derive(Clone, Debug)]
pub(crate) enum Layout {
    Reshape(Shape),
    Permute(Shape),
    BroadcastTo(Shape),
}

impl Layout {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Layout::Reshape(_) => "reshape",
            Layout::Permute(_) => "permute",
            Layout::BroadcastTo(_) => "broadcast_to",
        }
    }

    pub(crate) fn forward<T: Float>(&self, x: &Tensor<T>) -> Tensor<T> {
        match self {
            Layout::Reshape(shape) => x.reshape(shape),
            Layout::Permute(perm) => permute(x, perm),
            Layout::BroadcastTo(shape) => broadcast_to(x, shape),
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(&self, x: &A, g: &A) -> A {
        match self {
            Layout::Reshape(_) => g.reshape(&x.shape()),
            Layout::Permute(perm) => {
                let mut inverse = perm.clone();
                for (i, &p) in perm.iter().enumerate() {
                    inverse[p] = i;
                }
                g.permute(&inverse)
            }
            Layout::BroadcastTo(_) => g.sum_to(&x.shape()),
        }
    }
}

fn permute<T: Float>(x: &Tensor<T>, perm: &[usize]) -> Tensor<T> {
    let shape = x.shape();
    let mut seen = Buffer::filled(false, shape.len());
    let valid = perm.len() == shape.len()
        && perm
            .iter()
            .all(|&p| p < shape.len() && !std::mem::replace(&mut seen[p], true));
    assert!(
        valid,
        "permute: {perm:?} is not a permutation of the axes of {shape:?}"
    );
    let in_strides = broadcast_strides(shape, shape);
    let out_shape: Shape = perm.iter().map(|&p| shape[p]).collect();
    let strides: Shape = perm.iter().map(|&p| in_strides[p]).collect();
    let inner = out_shape.last().copied().unwrap_or(1);
    let step = strides.last().copied().unwrap_or(0);
    let mut out = Buffer::with_capacity(x.numel());
    let data = x.data();
    for_each_row(&out_shape, [&strides], |_, [o]| {
        out.extend((0..inner).map(|i| data[o + i * step]));
    });
    Tensor::from_parts(out_shape, out)
}

fn broadcast_to<T: Float>(x: &Tensor<T>, shape: &[usize]) -> Tensor<T> {
    let ok = shape.len() >= x.rank()
        && broadcast_shapes(x.shape(), shape).is_some_and(|s| s.as_slice() == shape);
    assert!(
        ok,
        "broadcast_to: shape {:?} does not broadcast to {shape:?}",
        x.shape()
    );
    let strides = broadcast_strides(x.shape(), shape);
    let inner = shape.last().copied().unwrap_or(1);
    let step = strides.last().copied().unwrap_or(0);
    let n: usize = shape.iter().product();
    let mut out = Buffer::with_capacity(n);
    let data = x.data();
    let spare = &mut out.spare_capacity_mut()[..n];
    for_each_row(shape, [&strides], |r, [o]| {
        let dst = &mut spare[r * inner..(r + 1) * inner];
        if step == 1 {
            for (d, &v) in dst.iter_mut().zip(&data[o..o + inner]) {
                d.write(v);
            }
        } else {
            // The last axis is broadcast (stride 0): one value along the row.
            for d in dst.iter_mut() {
                d.write(data[o]);
            }
        }
    });
    // SAFETY: every row r wrote r·inner..(r + 1)·inner, and
    // `for_each_row` visits all n / inner rows once.
    unsafe { out.set_len(n) };
    Tensor::from_parts(Shape::from_slice(shape), out)
}

impl<'t, T: Float> Var<'t, T> {
    /// The same elements under `shape` (same element count, row-major).
    ///
    /// # Panics
    /// If the element counts differ.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros(&[2, 3]));
    /// assert_eq!(x.reshape(&[3, 2]).shape().as_slice(), &[3, 2]);
    /// ```
    #[track_caller]
    pub fn reshape(self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self;
        }
        self.apply(Op::Layout(Layout::Reshape(Shape::from_slice(shape))), &[])
    }

    /// Reorders the axes: output axis `i` is input axis `perm[i]`.
    ///
    /// # Panics
    /// If `perm` is not a permutation of `0..rank`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros(&[2, 3, 4]));
    /// assert_eq!(x.permute(&[2, 0, 1]).shape().as_slice(), &[4, 2, 3]);
    /// ```
    #[track_caller]
    pub fn permute(self, perm: &[usize]) -> Self {
        self.apply(Op::Layout(Layout::Permute(Shape::from_slice(perm))), &[])
    }

    /// Swaps two axes.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.transpose(0, 1).value().data(), &[1.0, 3.0, 2.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn transpose(self, a: usize, b: usize) -> Self {
        let mut perm: Shape = (0..self.shape().len()).collect();
        assert!(
            a < perm.len() && b < perm.len(),
            "transpose: axes {a}, {b} out of range"
        );
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// Repeats size-1 (or missing leading) axes to reach `shape`, by NumPy
    /// rules. Gradient: summed back over the stretched axes.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1.0, 2.0]).unwrap());
    /// assert_eq!(x.broadcast_to(&[2, 2]).value().data(), &[1.0, 2.0, 1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn broadcast_to(self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self;
        }
        self.apply(
            Op::Layout(Layout::BroadcastTo(Shape::from_slice(shape))),
            &[],
        )
    }

    /// Inserts a size-1 axis at `axis`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros(&[3]));
    /// assert_eq!(x.unsqueeze(0).shape().as_slice(), &[1, 3]);
    /// ```
    #[track_caller]
    pub fn unsqueeze(self, axis: usize) -> Self {
        let mut shape = self.shape();
        assert!(
            axis <= shape.len(),
            "unsqueeze: axis {axis} out of range for {shape:?}"
        );
        shape.insert(axis, 1);
        self.reshape(&shape)
    }

    /// Removes `axis`, which must have size 1 (the inverse of
    /// [`Var::unsqueeze`]).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros(&[2, 1, 3]));
    /// assert_eq!(x.squeeze(1).shape().as_slice(), &[2, 3]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or its size is not 1.
    #[track_caller]
    pub fn squeeze(self, axis: usize) -> Self {
        let mut shape = self.shape();
        assert!(
            shape.get(axis) == Some(&1),
            "squeeze: axis {axis} of {shape:?} is not of size 1"
        );
        shape.remove(axis);
        self.reshape(&shape)
    }

    /// Merges axes `first..=last` into one (row-major, like
    /// `torch.flatten(x, first, last)`).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros(&[2, 3, 4, 5]));
    /// assert_eq!(x.flatten(1, 2).shape().as_slice(), &[2, 12, 5]);
    /// ```
    ///
    /// # Panics
    /// If `first > last` or `last` is out of range.
    #[track_caller]
    pub fn flatten(self, first: usize, last: usize) -> Self {
        let shape = self.shape();
        assert!(
            first <= last && last < shape.len(),
            "flatten: axes {first}..={last} out of range for {shape:?}"
        );
        let merged: usize = shape[first..=last].iter().product();
        let mut out: Vec<usize> = shape[..first].to_vec();
        out.push(merged);
        out.extend_from_slice(&shape[last + 1..]);
        self.reshape(&out)
    }
}
