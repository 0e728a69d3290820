//! What backward rules compute with. A rule is written once, generic over
//! [`Algebra`]: run on [`Tensor`]s it computes gradients eagerly and records
//! nothing (the hot path); run on [`Var`]s it records the backward pass on
//! the tape, so gradients can be differentiated again (`create_graph`).
//! The verbs are generic; an op with a faster direct kernel (the scan's
//! back-propagation through time, narrow's add into a window) asks
//! [`Algebra::as_tensor`] whether it is running eagerly and chooses itself.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::float::Float;
use crate::ops::{Binary, Indexing, Layout, Matmul, Op, Reduce, Slice, Softmax, Unary};
use crate::shape::Shape;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// What [`Algebra::on_tape`] runs: a computation on a tape's `Var`s.
pub(crate) type TapeBody<'b, T> =
    dyn for<'s> Fn(&'s Tape<T>, &[Var<'s, T>], bool) -> Vec<Var<'s, T>> + 'b;

/// A value a backward rule can compute with: a tensor, or a recorded `Var`.
pub(crate) trait Algebra<T: Float>: Clone {
    /// Applies `op` with `self` as the first input.
    fn apply(&self, op: Op<T>, others: &[&Self]) -> Self;
    /// The current value.
    fn value(&self) -> Tensor<T>;
    /// The shape of the value.
    fn shape(&self) -> Shape;
    /// A constant in the same world as `self` (same tape for a `Var`).
    fn constant(&self, t: Tensor<T>) -> Self;
    /// `self + other`, in place when the buffer is not shared.
    fn accumulate(self, other: Self) -> Self;
    /// The value as a tensor when this world is tensors (an eager
    /// backward pass), so a fused op can run its direct kernel; `None` for
    /// a recorded value.
    fn as_tensor(&self) -> Option<&Tensor<T>>;
    /// The value itself as a tensor when this world is tensors, to update
    /// in place; otherwise the value back.
    fn into_tensor(self) -> Result<Tensor<T>, Self>;
    /// Runs `body` on a tape where `values` are `Var`s (differentiable
    /// where `differentiable` says so) and returns its results in this
    /// world: tensors get a private tape whose results are read back as
    /// values; recorded values use their own tape, so `body` records onto
    /// it. `body`'s third argument tells which (true: recording).
    fn on_tape(values: &[Self], differentiable: &[bool], body: &TapeBody<'_, T>) -> Vec<Self>;
    /// True if no element is NaN or infinite.
    fn all_finite(&self) -> bool {
        self.value().data().iter().all(|x| x.is_finite())
    }

    fn add(&self, o: &Self) -> Self {
        self.apply(Op::Binary(Binary::Add), &[o])
    }
    fn sub(&self, o: &Self) -> Self {
        self.apply(Op::Binary(Binary::Sub), &[o])
    }
    fn mul(&self, o: &Self) -> Self {
        self.apply(Op::Binary(Binary::Mul), &[o])
    }
    fn div(&self, o: &Self) -> Self {
        self.apply(Op::Binary(Binary::Div), &[o])
    }
    fn unary(&self, u: Unary<T>) -> Self {
        self.apply(Op::Unary(u), &[])
    }
    fn mul_scalar(&self, c: T) -> Self {
        self.unary(Unary::MulScalar(c))
    }
    /// `self` times a constant tensor (a mask or a slope).
    fn mul_const(&self, t: Tensor<T>) -> Self {
        self.mul(&self.constant(t))
    }
    /// `self ⊙ slope(x)` for a piecewise-constant `slope` (relu and its
    /// kin): a constant mask, since its derivative is zero away from the
    /// kinks. Tensors compute it in one pass, without the mask.
    fn mul_slope(&self, x: &Tensor<T>, slope: impl Fn(T) -> T) -> Self {
        self.mul_const(x.map(slope))
    }
    fn matmul_t(&self, o: &Self, ta: bool, tb: bool) -> Self {
        self.apply(Op::Matmul(Matmul { ta, tb }), &[o])
    }
    fn reshape(&self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self.clone();
        }
        self.apply(Op::Layout(Layout::Reshape(Shape::from_slice(shape))), &[])
    }
    fn permute(&self, perm: &[usize]) -> Self {
        self.apply(Op::Layout(Layout::Permute(Shape::from_slice(perm))), &[])
    }
    fn broadcast_to(&self, shape: &[usize]) -> Self {
        if self.shape().as_slice() == shape {
            return self.clone();
        }
        self.apply(
            Op::Layout(Layout::BroadcastTo(Shape::from_slice(shape))),
            &[],
        )
    }
    fn sum_keepdim(&self, axes: &[usize]) -> Self {
        let axes = Shape::from_slice(axes);
        self.apply(
            Op::Reduce(Reduce::Sum {
                axes,
                keepdim: true,
            }),
            &[],
        )
    }
    /// Sums broadcast axes away so the result has `shape` (the adjoint of
    /// broadcasting `shape` up to `self.shape()`).
    fn sum_to(&self, shape: &[usize]) -> Self {
        let from = self.shape();
        if from.as_slice() == shape {
            return self.clone();
        }
        let lead = from.len() - shape.len();
        let axes: SmallVec<[usize; 4]> = (0..from.len())
            .filter(|&a| a < lead || (shape[a - lead] == 1 && from[a] != 1))
            .collect();
        if axes.len() == lead {
            // Only leading axes go (a bias over a batch): one op.
            return self.apply(
                Op::Reduce(Reduce::Sum {
                    axes: Shape::from_slice(&axes),
                    keepdim: false,
                }),
                &[],
            );
        }
        self.sum_keepdim(&axes).reshape(shape)
    }
    fn softmax(&self, axis: usize) -> Self {
        self.apply(Op::Softmax(Softmax::Probs { axis }), &[])
    }
    fn slice_op(&self, op: Slice) -> Self {
        self.apply(Op::Slice(op), &[])
    }
    fn gather_op(&self, op: Indexing) -> Self {
        self.apply(Op::Indexing(op), &[])
    }
    fn where_zero(&self, cond: &Arc<[bool]>, keep_when: bool) -> Self {
        let zeros = self.constant(Tensor::zeros(&self.shape()));
        let cond = Arc::clone(cond);
        if keep_when {
            self.apply(Op::Slice(Slice::Where { cond }), &[&zeros])
        } else {
            zeros.apply(Op::Slice(Slice::Where { cond }), &[self])
        }
    }
}

impl<T: Float> Algebra<T> for Tensor<T> {
    fn apply(&self, op: Op<T>, others: &[&Self]) -> Self {
        let mut inputs: SmallVec<[&Tensor<T>; 2]> = SmallVec::new();
        inputs.push(self);
        inputs.extend_from_slice(others);
        op.forward(&inputs)
    }
    fn value(&self) -> Tensor<T> {
        self.clone()
    }
    fn shape(&self) -> Shape {
        Shape::from_slice(Tensor::shape(self))
    }
    fn constant(&self, t: Tensor<T>) -> Self {
        t
    }
    fn accumulate(mut self, other: Self) -> Self {
        crate::ops::binary::add_assign(&mut self, &other);
        self
    }
    fn mul_slope(&self, x: &Tensor<T>, slope: impl Fn(T) -> T) -> Self {
        crate::ops::binary::zip_broadcast("mul", self, x, |g, v| g * slope(v))
    }
    fn as_tensor(&self) -> Option<&Tensor<T>> {
        Some(self)
    }
    fn into_tensor(self) -> Result<Tensor<T>, Self> {
        Ok(self)
    }
    fn on_tape(values: &[Self], differentiable: &[bool], body: &TapeBody<'_, T>) -> Vec<Self> {
        let tape = Tape::new();
        let vars: Vec<Var<'_, T>> = values
            .iter()
            .zip(differentiable)
            .map(|(v, &d)| match d {
                true => tape.var(v.clone()),
                false => tape.constant(v.clone()),
            })
            .collect();
        body(&tape, &vars, false).iter().map(Var::value).collect()
    }
}

impl<'t, T: Float> Algebra<T> for Var<'t, T> {
    fn apply(&self, op: Op<T>, others: &[&Self]) -> Self {
        let others: SmallVec<[Var<'t, T>; 2]> = others.iter().map(|v| **v).collect();
        Var::apply(*self, op, &others)
    }
    fn value(&self) -> Tensor<T> {
        Var::value(self)
    }
    fn shape(&self) -> Shape {
        Var::shape(self)
    }
    fn constant(&self, t: Tensor<T>) -> Self {
        self.tape.constant(t)
    }
    fn accumulate(self, other: Self) -> Self {
        Algebra::add(&self, &other)
    }
    fn as_tensor(&self) -> Option<&Tensor<T>> {
        None
    }
    fn into_tensor(self) -> Result<Tensor<T>, Self> {
        Err(self)
    }
    fn on_tape(values: &[Self], _differentiable: &[bool], body: &TapeBody<'_, T>) -> Vec<Self> {
        body(values[0].tape, values, true)
    }
}
