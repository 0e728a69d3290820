//! Taking parts of tensors and putting them together: narrow (slice one
//! axis), its adjoint pad (place into zeros), concat/stack, and `where`.
//!
//! Every op here views a tensor as `[outer, dim, inner]` around one axis.
//! `d narrow = pad(g)`, `d pad = narrow(g)`, `d concat = the pieces of g`,
//! `d where(c, a, b) = (where(c, g, 0), where(c, 0, g))`.

use std::ops::Range;
use std::sync::Arc;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest;
use crate::ops::{InputGrads, Op};
use crate::shape::Shape;
use crate::tape::Var;
use crate::tensor::Tensor;

#[derive(Clone, Debug)]
pub(crate) enum Slice {
    Narrow {
        axis: usize,
        start: usize,
        len: usize,
    },
    Pad {
        axis: usize,
        start: usize,
        size: usize,
    },
    Concat {
        axis: usize,
    },
    Where {
        cond: Arc<[bool]>,
    },
}

/// `(outer, dim, inner)` of `shape` around `axis`.
pub(crate) fn split_at_axis(op: &str, shape: &[usize], axis: usize) -> (usize, usize, usize) {
    assert!(
        axis < shape.len(),
        "{op}: axis {axis} out of range for shape {shape:?}"
    );
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// `slot + pad(g)`, where `g` is the gradient of `narrow(axis, start, ..)`
/// of an input with `size` entries on `axis`: eagerly, `g` is added into
/// the window of the slot's own buffer, so many narrows of one tensor
/// (time steps, gates) cost their own size each rather than the whole
/// tensor's; the first of them pads `g` with zeros instead; recorded, it
/// is padded and added.
pub(crate) fn add_window<T: Float, A: Algebra<T>>(
    slot: Option<A>,
    g: A,
    axis: usize,
    start: usize,
    size: usize,
) -> A {
    let padded = |g: &A| g.slice_op(Slice::Pad { axis, start, size });
    let Some(window) = g.as_tensor() else {
        return match slot {
            Some(sum) => sum.accumulate(padded(&g)),
            None => padded(&g),
        };
    };
    let mut sum = match slot.map(A::into_tensor) {
        Some(Ok(sum)) => sum,
        Some(Err(recorded)) => return recorded.accumulate(padded(&g)),
        None => return g.constant(pad(window, axis, start, size)),
    };
    add_into_window(&mut sum, window, axis, start);
    g.constant(sum)
}

/// `x` placed at `start` along `axis` of zeros with `size` entries there,
/// in one pass (each entry written once).
fn pad<T: Float>(x: &Tensor<T>, axis: usize, start: usize, size: usize) -> Tensor<T> {
    let (outer, dim, inner) = split_at_axis("pad", x.shape(), axis);
    assert!(
        start + dim <= size,
        "pad: {dim} rows at {start} exceed size {size}"
    );
    let mut out = Buffer::with_capacity(outer * size * inner);
    for o in 0..outer {
        out.extend_filled(T::ZERO, start * inner);
        out.extend_from_slice(&x.data()[o * dim * inner..(o + 1) * dim * inner]);
        out.extend_filled(T::ZERO, (size - start - dim) * inner);
    }
    Tensor::from_parts(with_dim(x.shape(), axis, size), out)
}

/// `acc[.., start..start + len, ..] += g` along `axis`, where `g` has `len`
/// entries on that axis: the gradient of a narrow, added without building
/// the zero-padded full-size tensor.
pub(crate) fn add_into_window<T: Float>(
    acc: &mut Tensor<T>,
    g: &Tensor<T>,
    axis: usize,
    start: usize,
) {
    let (outer, size, inner) = split_at_axis("narrow backward", acc.shape(), axis);
    let len = g.shape()[axis];
    assert_eq!(
        g.data().len(),
        outer * len * inner,
        "narrow backward: gradient shape {:?} does not fit {:?}",
        g.shape(),
        acc.shape()
    );
    let (acc, g) = (acc.data_mut(), g.data());
    for o in 0..outer {
        let to = (o * size + start) * inner;
        let from = o * len * inner;
        for (a, &b) in acc[to..to + len * inner]
            .iter_mut()
            .zip(&g[from..from + len * inner])
        {
            *a += b;
        }
    }
}

fn with_dim(shape: &[usize], axis: usize, dim: usize) -> Shape {
    let mut s = Shape::from_slice(shape);
    s[axis] = dim;
    s
}

impl Slice {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Slice::Narrow { .. } => "narrow",
            Slice::Pad { .. } => "pad",
            Slice::Concat { .. } => "concat",
            Slice::Where { .. } => "where",
        }
    }

    pub(crate) fn forward<T: Float>(&self, x: &[&Tensor<T>]) -> Tensor<T> {
        match *self {
            Slice::Narrow { axis, start, len } => {
                let (outer, dim, inner) = split_at_axis("narrow", x[0].shape(), axis);
                assert!(
                    start + len <= dim,
                    "narrow: range {start}..{} exceeds axis {axis} of shape {:?}",
                    start + len,
                    x[0].shape()
                );
                let mut out = Buffer::with_capacity(outer * len * inner);
                for o in 0..outer {
                    let from = (o * dim + start) * inner;
                    out.extend_from_slice(&x[0].data()[from..from + len * inner]);
                }
                Tensor::from_parts(with_dim(x[0].shape(), axis, len), out)
            }
            Slice::Pad { axis, start, size } => pad(x[0], axis, start, size),
            Slice::Concat { axis } => concat(x, axis),
            Slice::Where { ref cond } => {
                let (a, b) = (x[0], x[1]);
                assert!(
                    a.shape() == b.shape() && cond.len() == a.numel(),
                    "where: condition of {} entries, branches {:?} and {:?}",
                    cond.len(),
                    a.shape(),
                    b.shape()
                );
                // `b` copied, then `a` written where `cond` holds: a copy
                // and a blend the compiler vectorises, where choosing
                // element by element into a fresh buffer did not.
                let mut data = Buffer::from_slice(b.data());
                widest(|| {
                    for ((out, &u), &c) in data.iter_mut().zip(a.data()).zip(cond.iter()) {
                        if c {
                            *out = u;
                        }
                    }
                });
                Tensor::from_parts(a.shape().into(), data)
            }
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(
        &self,
        x: &[A],
        g: &A,
        need: &[bool],
    ) -> InputGrads<A> {
        match *self {
            Slice::Narrow { .. } => unreachable!("narrow adds into its window: Op::backward_into"),
            Slice::Pad { axis, start, .. } => {
                let len = x[0].shape()[axis];
                smallvec::smallvec![Some(g.slice_op(Slice::Narrow { axis, start, len }))]
            }
            Slice::Concat { axis } => {
                let mut start = 0;
                x.iter()
                    .zip(need)
                    .map(|(xi, &needed)| {
                        let len = xi.shape()[axis];
                        start += len;
                        needed.then(|| {
                            g.slice_op(Slice::Narrow {
                                axis,
                                start: start - len,
                                len,
                            })
                        })
                    })
                    .collect()
            }
            Slice::Where { ref cond } => smallvec::smallvec![
                need[0].then(|| g.where_zero(cond, true)),
                need[1].then(|| g.where_zero(cond, false))
            ],
        }
    }
}

fn concat<T: Float>(x: &[&Tensor<T>], axis: usize) -> Tensor<T> {
    let first = x[0].shape();
    let (outer, _, inner) = split_at_axis("concat", first, axis);
    let mut total = 0;
    for t in x {
        let same = t.rank() == first.len()
            && (0..first.len()).all(|a| a == axis || t.shape()[a] == first[a]);
        assert!(
            same,
            "concat: shape {:?} does not match {first:?} off axis {axis}",
            t.shape()
        );
        total += t.shape()[axis];
    }
    let mut out = Buffer::with_capacity(outer * total * inner);
    for o in 0..outer {
        for t in x {
            let block = t.shape()[axis] * inner;
            out.extend_from_slice(&t.data()[o * block..(o + 1) * block]);
        }
    }
    Tensor::from_parts(with_dim(first, axis, total), out)
}

impl<'t, T: Float> Var<'t, T> {
    /// Elements `start..start + len` along `axis`. Gradient: `g` placed back
    /// into zeros.
    ///
    /// # Panics
    /// If the range leaves the axis.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::arange(5));
    /// assert_eq!(x.narrow(0, 1, 3).value().data(), &[1.0, 2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn narrow(self, axis: usize, start: usize, len: usize) -> Self {
        self.apply(Op::Slice(Slice::Narrow { axis, start, len }), &[])
    }

    /// One range per leading axis (`x[a..b, c..d]`); axes not listed are
    /// kept whole.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::arange(6).reshape(&[2, 3]));
    /// assert_eq!(x.slice(&[1..2, 0..2]).value().data(), &[3.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn slice(self, ranges: &[Range<usize>]) -> Self {
        ranges.iter().enumerate().fold(self, |v, (axis, r)| {
            assert!(
                r.start <= r.end,
                "slice: empty-reversed range {r:?} on axis {axis}"
            );
            v.narrow(axis, r.start, r.end - r.start)
        })
    }

    /// Joins `parts` along `axis`; all other axes must agree.
    ///
    /// # Panics
    /// If `parts` is empty or the shapes disagree off `axis`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor, Var};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::ones(&[1, 2]));
    /// let b = tape.var(Tensor::zeros(&[2, 2]));
    /// assert_eq!(Var::concat(&[a, b], 0).shape().as_slice(), &[3, 2]);
    /// ```
    #[track_caller]
    pub fn concat(parts: &[Self], axis: usize) -> Self {
        assert!(!parts.is_empty(), "concat: no tensors to join");
        parts[0].apply(Op::Slice(Slice::Concat { axis }), &parts[1..])
    }

    /// Joins equally shaped `parts` along a new axis at `axis`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor, Var};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::ones(&[2]));
    /// assert_eq!(Var::stack(&[a, a, a], 1).shape().as_slice(), &[2, 3]);
    /// ```
    #[track_caller]
    pub fn stack(parts: &[Self], axis: usize) -> Self {
        let lifted: Vec<Self> = parts.iter().map(|p| p.unsqueeze(axis)).collect();
        Self::concat(&lifted, axis)
    }

    /// Element-wise choice: `on_true` where `cond` holds, else `on_false`.
    /// The branches broadcast to a common shape; `cond` lists its elements
    /// in row-major order.
    ///
    /// # Panics
    /// If the branches do not broadcast or `cond` has the wrong length.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor, Var};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::arange(3));
    /// let b = tape.constant(Tensor::scalar(-1.0));
    /// let y = Var::where_cond(&[true, false, true], a, b);
    /// assert_eq!(y.value().data(), &[0.0, -1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn where_cond(cond: &[bool], on_true: Self, on_false: Self) -> Self {
        let shape = crate::shape::broadcast_shapes(&on_true.shape(), &on_false.shape())
            .unwrap_or_else(|| {
                panic!(
                    "where: branches {:?} and {:?} do not broadcast",
                    on_true.shape(),
                    on_false.shape()
                )
            });
        let (a, b) = (on_true.broadcast_to(&shape), on_false.broadcast_to(&shape));
        a.apply(Op::Slice(Slice::Where { cond: cond.into() }), &[b])
    }

    /// `value` where `mask` holds, `self` elsewhere.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::arange(3));
    /// assert_eq!(x.masked_fill(&[false, true, false], 9.0).value().data(), &[0.0, 9.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn masked_fill(self, mask: &[bool], value: T) -> Self {
        let shape = self.shape();
        assert!(
            mask.len() == shape.iter().product::<usize>(),
            "masked_fill: mask of {} entries for shape {shape:?}",
            mask.len()
        );
        let fill = self.tape.constant(Tensor::scalar(value));
        Self::where_cond(mask, fill, self)
    }

    /// Consecutive pieces along `axis` of the given `sizes`, which must
    /// add up to the axis (PyTorch's `split` with a list of sizes).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let parts = tape.var(Tensor::arange(5)).split(&[2, 3], 0);
    /// assert_eq!(parts[1].value().data(), &[2.0, 3.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or the sizes do not add up to it.
    #[track_caller]
    pub fn split(self, sizes: &[usize], axis: usize) -> Vec<Self> {
        let shape = self.shape();
        let total: usize = sizes.iter().sum();
        assert!(
            shape.get(axis) == Some(&total),
            "split: sizes {sizes:?} do not add up to axis {axis} of {shape:?}"
        );
        let mut start = 0;
        sizes
            .iter()
            .map(|&len| {
                start += len;
                self.narrow(axis, start - len, len)
            })
            .collect()
    }

    /// `chunks` pieces along `axis` of equal size, the last smaller if the
    /// axis does not divide evenly (PyTorch's `chunk`: pieces of
    /// `⌈size / chunks⌉`, so there may be fewer than `chunks`).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let parts = tape.var(Tensor::arange(5)).chunk(2, 0);
    /// assert_eq!((parts[0].shape()[0], parts[1].shape()[0]), (3, 2));
    /// ```
    ///
    /// # Panics
    /// If `chunks` is 0 or `axis` is out of range.
    #[track_caller]
    pub fn chunk(self, chunks: usize, axis: usize) -> Vec<Self> {
        let shape = self.shape();
        assert!(chunks > 0, "chunk: 0 chunks");
        let size = *shape
            .get(axis)
            .unwrap_or_else(|| panic!("chunk: axis {axis} out of range for {shape:?}"));
        let step = size.div_ceil(chunks).max(1);
        let sizes: Vec<usize> = (0..size)
            .step_by(step)
            .map(|start| step.min(size - start))
            .collect();
        self.split(&sizes, axis)
    }
}
