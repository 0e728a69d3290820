//! The Elman recurrence as one op: `h_t = act(z_t + h_{t-1}·op(W))` over
//! all time steps, where `z` holds every step's input projection.
//!
//! Recorded step by step, a 64-step recurrence is ~200 nodes, each with
//! its own buffer, and its weight gradient is 64 thin products. As one op,
//! the forward writes every state into one `[steps, batch, hidden]`
//! buffer, and the backward (back-propagation through time) keeps every
//! `dz_t` in one buffer too, so the weight gradient is a single long
//! product. Sequences may end early: past its length a row keeps its
//! state, exactly like `where` in a step-by-step unroll (and, after the
//! last row still running, costs nothing: see `lengths.rs`).
//!
//! This folder holds the whole op: the forward here, the backward as a
//! direct kernel for eager passes (`eager.rs`) and, for `create_graph`,
//! the step-by-step composition it fuses ([`composite`]), differentiated;
//! [`backward`] chooses. It also holds what the three fused recurrences
//! share (lengths, the composition's VJP, the gates' workspace).

use std::borrow::Cow;
use std::cell::{Ref, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

mod eager;
mod lengths;
mod packed;

pub(crate) use lengths::{
    check_lengths, ended_before, keep_ended, live_rows, pass_through_ended, running_counts,
    running_part, running_rows,
};
pub use packed::packed_rows;
pub(crate) use packed::{input_dims, spread, step_input, step_starts};

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::transpose::transpose_into;
use crate::kernels::wide::widest;
use crate::ops::{InputGrads, Op};
use crate::tape::Var;
use crate::tensor::Tensor;

/// The activation of an Elman recurrence (PyTorch's `nonlinearity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonlinearity {
    /// `tanh`.
    Tanh,
    /// `max(0, x)`.
    Relu,
}

/// How [`Var::elman_scan`] runs.
#[derive(Clone, Debug)]
pub struct ElmanScan {
    /// Applied to `z_t + h_{t-1}·op(W)`.
    pub nonlinearity: Nonlinearity,
    /// Multiply by `Wᵀ` instead of `W` (PyTorch stores `weight_hh` as
    /// `[hidden_out, hidden_in]`).
    pub transpose_weight: bool,
    /// Steps per sequence: row `b` keeps its state from step `lengths[b]`
    /// on. `None`: every sequence runs all steps. Rows ordered longest
    /// first (as PyTorch's packed sequences are) run faster: each step
    /// skips the rows after the last one still running.
    pub lengths: Option<Arc<[usize]>>,
}

impl ElmanScan {
    /// A scan with `nonlinearity`, `W` untransposed, all sequences full.
    pub fn new(nonlinearity: Nonlinearity) -> Self {
        Self {
            nonlinearity,
            transpose_weight: false,
            lengths: None,
        }
    }

    /// Which rows are still running at step `t`; `None` when all are.
    pub(crate) fn live(&self, t: usize) -> Option<Vec<bool>> {
        live_rows(self.lengths.as_deref(), t)
    }

    /// `(steps, batch, hidden)`, after checking every shape.
    pub(crate) fn dims(&self, z: &[usize], h0: &[usize], w: &[usize]) -> (usize, usize, usize) {
        let &[steps, batch, hidden] = z else {
            panic!("elman_scan: inputs must be [steps, batch, hidden], got {z:?}");
        };
        assert!(steps > 0, "elman_scan: no time steps");
        assert!(
            h0 == [batch, hidden],
            "elman_scan: initial state {h0:?} does not match inputs {z:?}"
        );
        assert!(
            w == [hidden, hidden],
            "elman_scan: weight {w:?} is not [{hidden}, {hidden}]"
        );
        check_lengths("elman_scan", self.lengths.as_deref(), batch, steps);
        (steps, batch, hidden)
    }

    /// The square `w` as a plain row-major right operand, transposed
    /// first if `transpose`: one copy per scan, because the GEMM would
    /// otherwise repack a transposed operand at every step.
    pub(crate) fn oriented<T: Float>(w: &[T], hidden: usize, transpose: bool) -> Cow<'_, [T]> {
        if !transpose {
            return Cow::Borrowed(w);
        }
        Cow::Owned(transposed(w, hidden, hidden))
    }

    /// `act(pre)` into `out`.
    pub(crate) fn activate<T: Float>(&self, pre: &[T], out: &mut [T]) {
        match self.nonlinearity {
            Nonlinearity::Tanh => T::tanh_slice(pre, out),
            Nonlinearity::Relu => {
                for (o, &p) in out.iter_mut().zip(pre) {
                    *o = if p > T::ZERO { p } else { T::ZERO };
                }
            }
        }
    }

    /// Every state `h_1 … h_steps` from `z`, `h0` and `W`.
    pub(crate) fn forward<T: Float>(
        &self,
        z: &Tensor<T>,
        h0: &Tensor<T>,
        w: &Tensor<T>,
    ) -> Tensor<T> {
        let (steps, batch, hidden) = self.dims(z.shape(), h0.shape(), w.shape());
        let size = batch * hidden;
        let mut out = Buffer::with_capacity(steps * size);
        let mut pre = Buffer::filled(T::ZERO, size);
        let mut next = Buffer::filled(T::ZERO, size);
        let w = Self::oriented(w.data(), hidden, self.transpose_weight);
        for t in 0..steps {
            let prev = if t == 0 {
                h0.data()
            } else {
                &out[(t - 1) * size..t * size]
            };
            // Rows past `rows` have ended and keep their state.
            let rows = running_rows(self.lengths.as_deref(), batch, t);
            let cells = rows * hidden;
            pre[..cells].copy_from_slice(&z.data()[t * size..][..cells]);
            let (prev_rows, pre_rows) = (&prev[..cells], &mut pre[..cells]);
            T::matmul_into(
                rows, hidden, hidden, prev_rows, false, &w, false, pre_rows, true,
            );
            self.activate(&pre[..cells], &mut next[..cells]);
            if let Some(live) = self.live(t) {
                for (b, _) in live.iter().enumerate().filter(|(_, l)| !**l) {
                    let row = b * hidden..(b + 1) * hidden;
                    next[row.clone()].copy_from_slice(&prev[row]);
                }
            }
            out.extend_from_slice(&next);
        }
        Tensor::from_parts(z.shape().into(), out)
    }
}

/// The `rows × cols` row-major `w` transposed, as a plain operand.
pub(crate) fn transposed<T: Float>(w: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut flipped = Vec::with_capacity(w.len());
    transpose_into(w, rows, cols, &mut flipped.spare_capacity_mut()[..w.len()]);
    // SAFETY: `transpose_into` wrote all `rows·cols` elements.
    unsafe { flipped.set_len(w.len()) };
    flipped
}

/// `sum += row` for every `sum.len()`-wide row of `rows`, at the widest
/// vector width: a bias gradient summed over rows (the gated scans).
pub(crate) fn add_rows<T: Float>(sum: &mut [T], rows: &[T]) {
    widest(|| {
        for row in rows.chunks(sum.len()) {
            for (s, &r) in sum.iter_mut().zip(row) {
                *s += r;
            }
        }
    });
}

/// What a gated recurrence's forward keeps for its eager backward (every
/// step's gates), so that the backward need not form them again: one per
/// recorded node, filled by its forward. A backward may take the parts
/// to overwrite them with gradients; a later one then forms them again.
#[derive(Clone, Default)]
pub(crate) struct Workspace<T: Float>(Rc<RefCell<Option<Vec<Buffer<T>>>>>);

impl<T: Float> Workspace<T> {
    /// Keeps `parts` (the first forward's; a repeat changes nothing).
    pub(crate) fn keep(&self, parts: Vec<Buffer<T>>) {
        self.0.borrow_mut().get_or_insert(parts);
    }

    /// What the forward kept, to read.
    pub(crate) fn parts(&self) -> Ref<'_, [Buffer<T>]> {
        Ref::map(self.0.borrow(), |parts| {
            parts
                .as_deref()
                .expect("the forward fills the workspace before any backward")
        })
    }

    /// What the forward kept, handed over (`None` once taken).
    pub(crate) fn take(&self) -> Option<Vec<Buffer<T>>> {
        self.0.borrow_mut().take()
    }
}

impl<T: Float> fmt::Debug for Workspace<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = self.0.borrow();
        let len: usize = parts.iter().flatten().map(|b| b.len()).sum();
        write!(f, "Workspace({len} values)")
    }
}

/// The input gradients of a fused op: its direct `eager` kernel when the
/// backward pass is eager (every value a tensor), else the VJP of its
/// `composite`, recorded ([`by_composition`]).
pub(crate) fn eager_or_composed<T: Float, A: Algebra<T>>(
    x: &[A],
    y: &A,
    g: &A,
    need: &[bool],
    eager: impl FnOnce(&[Tensor<T>], &Tensor<T>, &Tensor<T>) -> InputGrads<Tensor<T>>,
    composite: &dyn for<'s> Fn(&[Var<'s, T>]) -> Var<'s, T>,
) -> InputGrads<A> {
    let tensors: Option<Vec<Tensor<T>>> = x.iter().map(|v| v.as_tensor().cloned()).collect();
    match (tensors, y.as_tensor(), g.as_tensor()) {
        (Some(x_values), Some(y_value), Some(g_value)) => eager(&x_values, y_value, g_value)
            .into_iter()
            .map(|grad| grad.map(|t| g.constant(t)))
            .collect(),
        _ => by_composition(x, g, need, composite),
    }
}

/// The input gradients of a fused op through the composition it fuses:
/// `composite` rebuilds the op from its inputs on a tape and the VJP is
/// taken through it (recorded when `A` is; this is how a fused op's
/// backward can itself be differentiated).
pub(crate) fn by_composition<T: Float, A: Algebra<T>>(
    x: &[A],
    g: &A,
    need: &[bool],
    composite: &dyn for<'s> Fn(&[Var<'s, T>]) -> Var<'s, T>,
) -> InputGrads<A> {
    let n = x.len();
    let mut values = x.to_vec();
    values.push(g.clone());
    let mut differentiable = need.to_vec();
    differentiable.push(false);
    let mut results = A::on_tape(&values, &differentiable, &|tape, vars, record| {
        let output = composite(&vars[..n]);
        let wrt: Vec<Var<'_, T>> = (0..n).filter(|&k| need[k]).map(|k| vars[k]).collect();
        tape.vjp(&[output], &vars[n..], &wrt, record)
    })
    .into_iter();
    (0..n)
        .map(|k| need[k].then(|| results.next().expect("one gradient per needed input")))
        .collect()
}

impl<'t, T: Float> Var<'t, T> {
    /// The Elman recurrence over precomputed input projections: `self` is
    /// `z`, `[steps, batch, hidden]` (typically `x·W_ihᵀ + b` for every
    /// step at once); the result holds every state, `h_t = act(z_t +
    /// h_{t-1}·op(W))` for `t = 1…steps`, starting from `h0`
    /// (`[batch, hidden]`). Equal to the step-by-step unroll, with one node
    /// instead of several per step and a backward that forms the weight
    /// gradient as one product; differentiable to any order.
    ///
    /// # Panics
    /// If the shapes do not fit or a length exceeds the step count.
    ///
    /// ```
    /// # use origami_tape::{ElmanScan, Nonlinearity, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let z = tape.constant(Tensor::ones(&[3, 1, 2]));
    /// let h0 = tape.constant(Tensor::zeros(&[1, 2]));
    /// let w = tape.var(Tensor::zeros(&[2, 2]));
    /// let h = z.elman_scan(h0, w, &ElmanScan::new(Nonlinearity::Relu));
    /// assert_eq!(h.value().data(), &[1.0; 6]);
    /// ```
    #[track_caller]
    pub fn elman_scan(self, h0: Self, weight: Self, scan: &ElmanScan) -> Self {
        self.apply(Op::Scan(scan.clone()), &[h0, weight])
    }
}

/// The input gradients of an [`ElmanScan`]: the direct kernel when the
/// backward pass is eager (tensors), the composition's recorded rule
/// otherwise.
pub(crate) fn backward<T: Float, A: Algebra<T>>(
    scan: &ElmanScan,
    x: &[A],
    y: &A,
    g: &A,
    need: &[bool],
) -> InputGrads<A> {
    eager_or_composed(
        x,
        y,
        g,
        need,
        |x, y, g| eager::backward(scan, x, y, g, need),
        &|vars| composite(scan, vars),
    )
}

/// The op as the step-by-step composition of recorded ops it fuses: the
/// definition its recorded backward differentiates.
fn composite<'s, T: Float>(scan: &ElmanScan, x: &[Var<'s, T>]) -> Var<'s, T> {
    let (z, h0, w) = (x[0], x[1], x[2]);
    let (steps, batch, hidden) = scan.dims(&z.shape(), &h0.shape(), &w.shape());
    let mut h = h0;
    let mut states = Vec::with_capacity(steps);
    for t in 0..steps {
        let pre = z.narrow(0, t, 1).reshape(&[batch, hidden])
            + h.matmul_t(w, false, scan.transpose_weight);
        let next = match scan.nonlinearity {
            Nonlinearity::Tanh => pre.tanh(),
            Nonlinearity::Relu => pre.relu(),
        };
        h = keep_ended(scan.lengths.as_deref(), t, next, h);
        states.push(h);
    }
    Var::stack(&states, 0)
}
