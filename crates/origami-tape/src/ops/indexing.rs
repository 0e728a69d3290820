//! Integer indexing: `index_select` (embedding lookup: whole slices by id)
//! and `gather` (one element per position), with their adjoints
//! `index_add` and `scatter_add`, which add into zeros (publicly: into a
//! given tensor).
//!
//! Each pair is adjoint: `d index_select = index_add(g)` and the other way
//! round, likewise for gather/scatter_add. So an embedding's gradient
//! touches only the rows that were used, and repeated ids accumulate. An
//! `index_select` whose ids are a permutation has the inverse permutation
//! as its adjoint, which is cheaper still.

use std::sync::Arc;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::Op;
use crate::ops::slice::split_at_axis;
use crate::shape::Shape;
use crate::tape::Var;
use crate::tensor::Tensor;

#[derive(Clone, Debug)]
pub(crate) enum Indexing {
    IndexSelect {
        axis: usize,
        ids: Arc<[usize]>,
    },
    IndexAdd {
        axis: usize,
        ids: Arc<[usize]>,
        size: usize,
    },
    Gather {
        axis: usize,
        index: Arc<[usize]>,
    },
    ScatterAdd {
        axis: usize,
        index: Arc<[usize]>,
        size: usize,
    },
}

impl Indexing {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Indexing::IndexSelect { .. } => "index_select",
            Indexing::IndexAdd { .. } => "index_add",
            Indexing::Gather { .. } => "gather",
            Indexing::ScatterAdd { .. } => "scatter_add",
        }
    }

    pub(crate) fn forward<T: Float>(&self, x: &Tensor<T>) -> Tensor<T> {
        let op = self.name();
        match self {
            Indexing::IndexSelect { axis, ids } => {
                let (outer, dim, inner) = split_at_axis(op, x.shape(), *axis);
                check_ids(op, ids, dim);
                let mut out = Buffer::with_capacity(outer * ids.len() * inner);
                for o in 0..outer {
                    for &id in ids.iter() {
                        let from = (o * dim + id) * inner;
                        out.extend_from_slice(&x.data()[from..from + inner]);
                    }
                }
                Tensor::from_parts(with_dim(x.shape(), *axis, ids.len()), out)
            }
            Indexing::IndexAdd { axis, ids, size } => {
                let (outer, dim, inner) = split_at_axis(op, x.shape(), *axis);
                assert_eq!(
                    dim,
                    ids.len(),
                    "{op}: {} ids for axis of size {dim}",
                    ids.len()
                );
                check_ids(op, ids, *size);
                let mut out = Buffer::filled(T::ZERO, outer * size * inner);
                for o in 0..outer {
                    for (j, &id) in ids.iter().enumerate() {
                        let src = &x.data()[(o * dim + j) * inner..][..inner];
                        let dst = &mut out[(o * size + id) * inner..][..inner];
                        dst.iter_mut().zip(src).for_each(|(d, &s)| *d += s);
                    }
                }
                Tensor::from_parts(with_dim(x.shape(), *axis, *size), out)
            }
            Indexing::Gather { axis, index } => {
                let (outer, dim, inner) = split_at_axis(op, x.shape(), *axis);
                let k = picks_per_axis(op, index.len(), outer * inner);
                check_ids(op, index, dim);
                let mut out = Buffer::with_capacity(index.len());
                for o in 0..outer {
                    for j in 0..k {
                        for i in 0..inner {
                            let id = index[(o * k + j) * inner + i];
                            out.push(x.data()[(o * dim + id) * inner + i]);
                        }
                    }
                }
                Tensor::from_parts(with_dim(x.shape(), *axis, k), out)
            }
            Indexing::ScatterAdd { axis, index, size } => {
                let (outer, k, inner) = split_at_axis(op, x.shape(), *axis);
                assert_eq!(
                    index.len(),
                    x.numel(),
                    "{op}: index length differs from source"
                );
                check_ids(op, index, *size);
                let mut out = Buffer::filled(T::ZERO, outer * size * inner);
                for o in 0..outer {
                    for j in 0..k {
                        for i in 0..inner {
                            let at = (o * k + j) * inner + i;
                            out[(o * size + index[at]) * inner + i] += x.data()[at];
                        }
                    }
                }
                Tensor::from_parts(with_dim(x.shape(), *axis, *size), out)
            }
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(&self, x: &A, g: &A) -> A {
        match self {
            Indexing::IndexSelect { axis, ids } => {
                let size = x.shape()[*axis];
                // A permutation's adjoint is its inverse: a plain gather,
                // with no zeros to add into (reversing sequences in time).
                match inverse_permutation(ids, size) {
                    Some(inverse) => g.gather_op(Indexing::IndexSelect {
                        axis: *axis,
                        ids: inverse.into(),
                    }),
                    None => g.gather_op(Indexing::IndexAdd {
                        axis: *axis,
                        ids: Arc::clone(ids),
                        size,
                    }),
                }
            }
            Indexing::IndexAdd { axis, ids, .. } => g.gather_op(Indexing::IndexSelect {
                axis: *axis,
                ids: Arc::clone(ids),
            }),
            Indexing::Gather { axis, index } => {
                let size = x.shape()[*axis];
                g.gather_op(Indexing::ScatterAdd {
                    axis: *axis,
                    index: Arc::clone(index),
                    size,
                })
            }
            Indexing::ScatterAdd { axis, index, .. } => g.gather_op(Indexing::Gather {
                axis: *axis,
                index: Arc::clone(index),
            }),
        }
    }
}

/// The ids that undo `ids`, when `ids` picks each of `0..size` exactly
/// once; `None` otherwise.
fn inverse_permutation(ids: &[usize], size: usize) -> Option<Vec<usize>> {
    if ids.len() != size {
        return None;
    }
    let mut inverse = vec![usize::MAX; size];
    for (position, &id) in ids.iter().enumerate() {
        let slot = inverse.get_mut(id).filter(|slot| **slot == usize::MAX)?;
        *slot = position;
    }
    Some(inverse)
}

fn with_dim(shape: &[usize], axis: usize, dim: usize) -> Shape {
    let mut s = Shape::from_slice(shape);
    s[axis] = dim;
    s
}

fn check_ids(op: &str, ids: &[usize], dim: usize) {
    if let Some((pos, &id)) = ids.iter().enumerate().find(|&(_, &id)| id >= dim) {
        panic!("{op}: index {id} at position {pos} is out of range for an axis of size {dim}");
    }
}

/// How many entries `gather` picks along its axis for each other position.
fn picks_per_axis(op: &str, len: usize, positions: usize) -> usize {
    assert!(
        (positions == 0 && len == 0) || (positions > 0 && len % positions == 0),
        "{op}: {len} indices do not cover {positions} positions evenly"
    );
    len.checked_div(positions).unwrap_or(0)
}

impl<'t, T: Float> Var<'t, T> {
    /// Whole slices along `axis` picked by id, in order (repeats allowed):
    /// an embedding lookup is `table.index_select(0, ids)`. Gradient: `g`
    /// added back into the picked rows only.
    ///
    /// # Panics
    /// If an id is out of range; the message names it and its position.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let table = tape.var(Tensor::arange(6).reshape(&[3, 2]));
    /// assert_eq!(table.index_select(0, &[2, 0]).value().data(), &[4.0, 5.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn index_select(self, axis: usize, ids: &[usize]) -> Self {
        let op = Indexing::IndexSelect {
            axis,
            ids: ids.into(),
        };
        self.apply(Op::Indexing(op), &[])
    }

    /// `out[.., j, ..] = x[.., index[.., j, ..], ..]` along `axis`
    /// (PyTorch's `gather`). `index` is row-major over the output shape,
    /// which is `x`'s shape with `axis` resized to `index.len() /
    /// (elements off that axis)`. Gradient: scattered back with addition.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::arange(6).reshape(&[2, 3]));
    /// // One pick per row: x[0, 2] and x[1, 0].
    /// assert_eq!(x.gather(1, &[2, 0]).value().data(), &[2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn gather(self, axis: usize, index: &[usize]) -> Self {
        let op = Indexing::Gather {
            axis,
            index: index.into(),
        };
        self.apply(Op::Indexing(op), &[])
    }

    /// `self` with slice `j` of `source` along `axis` added into slice
    /// `ids[j]` (PyTorch's `index_add`; repeated ids accumulate).
    /// `source` has `self`'s shape with `axis` resized to `ids.len()`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let base = tape.var(Tensor::zeros(&[3, 2]));
    /// let rows = tape.var(Tensor::ones(&[2, 2]));
    /// assert_eq!(base.index_add(0, &[2, 2], rows).value().data(), &[0.0, 0.0, 0.0, 0.0, 2.0, 2.0]);
    /// ```
    ///
    /// # Panics
    /// If an id is out of range or the shapes do not fit.
    #[track_caller]
    pub fn index_add(self, axis: usize, ids: &[usize], source: Self) -> Self {
        let size = self.axis_size("index_add", axis);
        let op = Indexing::IndexAdd {
            axis,
            ids: ids.into(),
            size,
        };
        self.add_same_shape("index_add", source.apply(Op::Indexing(op), &[]))
    }

    /// `self` with each element of `source` added at the position `index`
    /// gives along `axis` (PyTorch's `scatter_add`, the adjoint of
    /// [`Var::gather`]); `index` is row-major over `source`'s shape.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let base = tape.var(Tensor::zeros(&[2, 3]));
    /// let src = tape.var(Tensor::from_vec(&[2, 1], vec![5.0, 7.0]).unwrap());
    /// assert_eq!(base.scatter_add(1, &[2, 0], src).value().data(), &[0.0, 0.0, 5.0, 7.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If an index is out of range or the shapes do not fit.
    #[track_caller]
    pub fn scatter_add(self, axis: usize, index: &[usize], source: Self) -> Self {
        let size = self.axis_size("scatter_add", axis);
        let op = Indexing::ScatterAdd {
            axis,
            index: index.into(),
            size,
        };
        self.add_same_shape("scatter_add", source.apply(Op::Indexing(op), &[]))
    }

    #[track_caller]
    fn axis_size(self, op: &str, axis: usize) -> usize {
        let shape = self.shape();
        *shape
            .get(axis)
            .unwrap_or_else(|| panic!("{op}: axis {axis} out of range for {shape:?}"))
    }

    #[track_caller]
    fn add_same_shape(self, op: &str, spread: Self) -> Self {
        assert_eq!(
            self.shape(),
            spread.shape(),
            "{op}: the source does not fit the tensor added into"
        );
        self + spread
    }
}
