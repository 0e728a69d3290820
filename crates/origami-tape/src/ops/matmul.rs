//! Matrix products: the op multiplies 2-D and batched 3-D operands, either
//! one transposed; `matmul` adds vectors and broadcast batch axes around it.
//!
//! `C = op(A)·op(B)` is bilinear, so its backward is two more products:
//! for `C = A·B`, `dA = g·Bᵀ` and `dB = Aᵀ·g`; the transposed variants
//! permute the same pattern. Transposes are GEMM strides, never copies.

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::{InputGrads, Op};
use crate::shape::{Shape, broadcast_shapes};
use crate::tape::Var;
use crate::tensor::Tensor;

/// `batch` products `op(A_i)·op(B_i)` in a new buffer (see
/// [`Float::matmul_uninit`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_new<T: Float>(
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    ta: bool,
    b: &[T],
    tb: bool,
) -> Buffer<T> {
    let len = batch * m * n;
    let mut out = Buffer::with_capacity(len);
    T::matmul_uninit(
        batch,
        m,
        k,
        n,
        a,
        ta,
        b,
        tb,
        &mut out.spare_capacity_mut()[..len],
    );
    // SAFETY: `matmul_uninit` wrote all `len` elements.
    unsafe { out.set_len(len) };
    out
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Matmul {
    pub(crate) ta: bool,
    pub(crate) tb: bool,
}

/// `(batch, rows, cols)` of a 2-D or 3-D operand, transposed if `t`.
fn dims(op: &str, shape: &[usize], t: bool) -> (Option<usize>, usize, usize) {
    let (batch, r, c) = match *shape {
        [r, c] => (None, r, c),
        [b, r, c] => (Some(b), r, c),
        _ => panic!("{op}: operands must be 2-D or 3-D, got shape {shape:?}"),
    };
    if t { (batch, c, r) } else { (batch, r, c) }
}

impl Matmul {
    pub(crate) fn forward<T: Float>(&self, a: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
        let (ba, m, k) = dims("matmul", a.shape(), self.ta);
        let (bb, k2, n) = dims("matmul", b.shape(), self.tb);
        assert!(
            k == k2 && ba == bb,
            "matmul: shapes {:?}{} and {:?}{} do not multiply",
            a.shape(),
            if self.ta { "ᵀ" } else { "" },
            b.shape(),
            if self.tb { "ᵀ" } else { "" },
        );
        let batch = ba.unwrap_or(1);
        let out = matmul_new(batch, m, k, n, a.data(), self.ta, b.data(), self.tb);
        let shape: Shape = match ba {
            Some(bt) => Shape::from_slice(&[bt, m, n]),
            None => Shape::from_slice(&[m, n]),
        };
        Tensor::from_parts(shape, out)
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(
        &self,
        a: &A,
        b: &A,
        g: &A,
        need: &[bool],
    ) -> InputGrads<A> {
        let (da, db) = match (self.ta, self.tb) {
            (false, false) => ((g, b, false, true), (a, g, true, false)),
            (false, true) => ((g, b, false, false), (g, a, true, false)),
            (true, false) => ((b, g, false, true), (a, g, false, false)),
            (true, true) => ((b, g, true, true), (g, a, true, true)),
        };
        let product = |(x, y, tx, ty): (&A, &A, bool, bool)| x.matmul_t(y, tx, ty);
        smallvec::smallvec![need[0].then(|| product(da)), need[1].then(|| product(db))]
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// Matrix product with PyTorch's rules (`torch.matmul`): `[m, k]·[k, n]
    /// → [m, n]`; operands of more than two axes are stacks of matrices
    /// whose leading (batch) axes broadcast as in NumPy, e.g.
    /// `[b, 1, m, k]·[c, k, n] → [b, c, m, n]` and `[b, m, k]·[k, n] →
    /// [b, m, n]` (one weight matrix shared across the batch, folded into a
    /// single product). A vector on either side is a row (left) or a
    /// column (right) that is dropped again: `[k]·[k, n] → [n]`,
    /// `[m, k]·[k] → [m]`, `[b, m, k]·[k] → [b, m]`, `[k]·[b, k, n] →
    /// [b, n]`, `[k]·[k] → []`. Gradients: `dA = g·Bᵀ`, `dB = Aᵀ·g`, summed
    /// over broadcast axes.
    ///
    /// # Panics
    /// If an operand is 0-D, the inner dimensions differ, or the batch
    /// axes do not broadcast.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::from_vec(&[1, 2], vec![1.0, 2.0]).unwrap());
    /// let b = tape.var(Tensor::from_vec(&[2, 1], vec![3.0, 4.0]).unwrap());
    /// assert_eq!(a.matmul(b).value().data(), &[11.0]);
    /// let v = tape.var(Tensor::from_vec(&[2], vec![3.0, 4.0]).unwrap());
    /// assert_eq!(a.matmul(v).shape().as_slice(), &[1]);
    /// assert_eq!(v.matmul(v).value().item(), 25.0);
    /// let stack = tape.var(Tensor::zeros(&[4, 1, 3, 2]));
    /// let weights = tape.var(Tensor::zeros(&[5, 2, 6]));
    /// assert_eq!(stack.matmul(weights).shape().as_slice(), &[4, 5, 3, 6]);
    /// ```
    #[track_caller]
    pub fn matmul(self, other: Self) -> Self {
        let (ra, rb) = (self.shape().len(), other.shape().len());
        assert!(
            ra > 0 && rb > 0,
            "matmul: operands need at least one axis, got shapes {:?} and {:?}",
            self.shape(),
            other.shape()
        );
        if ra == 1 {
            let row = self.unsqueeze(0).matmul(other);
            let rank = row.shape().len();
            return row.squeeze(if rb == 1 { 0 } else { rank - 2 });
        }
        if rb == 1 {
            let column = self.matmul(other.unsqueeze(1));
            return column.squeeze(column.shape().len() - 1);
        }
        let same_batch = ra == 3 && rb == 3 && self.shape()[0] == other.shape()[0];
        if (ra <= 3 && rb == 2) || same_batch {
            return self.matmul_t(other, false, false);
        }
        self.broadcast_matmul(other)
    }

    /// [`Var::matmul`] of two stacks of matrices (one may be a plain
    /// matrix) whose batch axes broadcast.
    #[track_caller]
    fn broadcast_matmul(self, other: Self) -> Self {
        let (sa, sb) = (self.shape(), other.shape());
        let (ra, rb) = (sa.len(), sb.len());
        let (m, k, n) = (sa[ra - 2], sa[ra - 1], sb[rb - 1]);
        let mismatch = || format!("matmul: shapes {sa:?} and {sb:?} do not multiply");
        assert!(sb[rb - 2] == k, "{}", mismatch());
        let with = |batch: &[usize], rows: usize, cols: usize| {
            let mut shape = batch.to_vec();
            shape.extend([rows, cols]);
            shape
        };
        if rb == 2 {
            // Fold every batch axis into the rows: one GEMM.
            let rows: usize = sa[..ra - 1].iter().product();
            let flat = self.reshape(&[rows, k]).matmul_t(other, false, false);
            return flat.reshape(&with(&sa[..ra - 2], m, n));
        }
        let batch = broadcast_shapes(&sa[..ra - 2], &sb[..rb - 2])
            .unwrap_or_else(|| panic!("{}: batch axes do not broadcast", mismatch()));
        let count: usize = batch.iter().product();
        let a = self
            .broadcast_to(&with(&batch, m, k))
            .reshape(&[count, m, k]);
        let b = other
            .broadcast_to(&with(&batch, k, n))
            .reshape(&[count, k, n]);
        a.matmul_t(b, false, false).reshape(&with(&batch, m, n))
    }

    /// `op(self)·op(other)` where `op` transposes the last two axes when its
    /// flag is set: `a.matmul_t(b, false, true)` is `a·bᵀ` with no copy.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::from_vec(&[1, 2], vec![1.0, 2.0]).unwrap());
    /// assert_eq!(a.matmul_t(a, false, true).value().data(), &[5.0]);
    /// ```
    ///
    /// A 3-D `self` times a 2-D `other` shares `other` across the batch,
    /// as in [`Var::matmul`], with either operand transposed.
    #[track_caller]
    pub fn matmul_t(self, other: Self, ta: bool, tb: bool) -> Self {
        let (sa, sb) = (self.shape(), other.shape());
        if sa.len() == 3 && sb.len() == 2 {
            if !ta {
                // Fold the batch into the rows: one GEMM instead of b small ones.
                let (b, m, k) = (sa[0], sa[1], sa[2]);
                let flat = Algebra::reshape(&self, &[b * m, k]).matmul_t(other, false, tb);
                let n = flat.shape()[1];
                return Algebra::reshape(&flat, &[b, m, n]);
            }
            // Transposed blocks do not stack into one matrix: give every
            // block its own copy of `other` (its gradient sums them back).
            let shared = other.broadcast_to(&[sa[0], sb[0], sb[1]]);
            return self.apply(Op::Matmul(Matmul { ta, tb }), &[shared]);
        }
        self.apply(Op::Matmul(Matmul { ta, tb }), &[other])
    }
}
