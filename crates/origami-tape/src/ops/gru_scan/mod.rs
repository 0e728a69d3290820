//! The GRU recurrence as one op, with PyTorch's equations and gate order:
//! for every step, `gh = h·W_hhᵀ + b_hh` and, from the precomputed input
//! projections `gi = x·W_ihᵀ + b_ih`,
//! `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`, `n = tanh(gi_n + r ⊙ gh_n)`,
//! `h' = n + z ⊙ (h − n)` (PyTorch's `(1 − z) ⊙ n + z ⊙ h`, as its kernel
//! writes it).
//!
//! Recorded step by step a GRU step is ~20 nodes; here the forward is one
//! `[batch, hidden] × [hidden, 3·hidden]` product per step and one fused
//! pass over the gates, which it keeps for the eager backward (`eager.rs`):
//! one product per step, with the weight gradient formed as a single
//! product over all steps. The recorded backward differentiates the
//! step-by-step composition ([`composite`]), so second order works through
//! the op and the op spec table holds the fused kernels to it.
//! Sequences may end early: past its length a row keeps its state (and,
//! after the last row still running, costs nothing: see `scan/lengths.rs`);
//! the input projections may then come packed ([`GruScan::packed`]).

use std::sync::Arc;

mod eager;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest;
use crate::ops::scan::{
    Workspace, check_lengths, eager_or_composed, input_dims, keep_ended, live_rows, running_counts,
    step_input, step_starts, transposed,
};
use crate::ops::{InputGrads, Op};
use crate::tape::Var;
use crate::tensor::Tensor;

/// How [`Var::gru_scan`] runs.
#[derive(Clone, Debug, Default)]
pub struct GruScan {
    /// Steps per sequence: row `b` keeps its state from step `lengths[b]`
    /// on. `None`: every sequence runs all steps. Rows ordered longest
    /// first (as PyTorch's packed sequences are) run faster: each step
    /// skips the rows after the last one still running.
    pub lengths: Option<Arc<[usize]>>,
    /// Whether the input projections hold only the rows each step
    /// computes (PyTorch's packed sequence): `[Σ_t running(t), 3·hidden]`,
    /// step after step, where `running(t)` counts the rows up to the last
    /// one still running at step `t` ([`packed_rows`](crate::packed_rows)
    /// picks them from a padded `[steps, batch, ·]` tensor). Needs
    /// `lengths`; the scan then runs as many steps as the longest
    /// sequence, and the padding's rows are never projected.
    pub packed: bool,
}

impl GruScan {
    /// `(steps, batch, hidden)`, after checking every shape.
    pub(crate) fn dims(
        &self,
        gi: &[usize],
        h0: &[usize],
        w: &[usize],
        b: &[usize],
    ) -> (usize, usize, usize) {
        let &[rows, hidden] = h0 else {
            panic!("gru_scan: initial state must be [batch, hidden], got {h0:?}");
        };
        let lengths = self.lengths.as_deref();
        let (steps, batch, gates) = input_dims("gru_scan", gi, self.packed, lengths, rows, 3);
        assert!(steps > 0, "gru_scan: no time steps");
        assert!(
            rows == batch && gates == 3 * hidden,
            "gru_scan: initial state {h0:?} does not match input projections {gi:?}"
        );
        assert!(
            w == [3 * hidden, hidden],
            "gru_scan: weight_hh {w:?} is not [{}, {hidden}]",
            3 * hidden
        );
        assert!(
            b == [3 * hidden],
            "gru_scan: bias_hh {b:?} is not [{}]",
            3 * hidden
        );
        check_lengths("gru_scan", self.lengths.as_deref(), batch, steps);
        (steps, batch, hidden)
    }

    /// Every state `h_1 … h_steps`; keeps every step's gates `r`, `z`,
    /// `n` and `gh_n` in `workspace` for the eager backward.
    pub(crate) fn forward<T: Float>(
        &self,
        gi: &Tensor<T>,
        h0: &Tensor<T>,
        w: &Tensor<T>,
        b: &Tensor<T>,
        workspace: &Workspace<T>,
    ) -> Tensor<T> {
        let (steps, batch, hidden) = self.dims(gi.shape(), h0.shape(), w.shape(), b.shape());
        let (size, wide) = (batch * hidden, 3 * hidden);
        let w_t = transposed(w.data(), wide, hidden);
        let mut out = Buffer::with_capacity(steps * size);
        let mut rz_all = Buffer::with_capacity(2 * steps * size);
        let mut n_all = Buffer::with_capacity(steps * size);
        let mut ghn_all = Buffer::with_capacity(steps * size);
        let mut gh = Buffer::filled(T::ZERO, batch * wide);
        let mut gates = Gates::new(batch, hidden);
        let mut next = Buffer::filled(T::ZERO, size);
        let counts = running_counts(self.lengths.as_deref(), steps, batch);
        let starts = step_starts(&counts, self.packed, batch);
        for (t, &rows) in counts.iter().enumerate() {
            let prev = if t == 0 {
                h0.data()
            } else {
                &out[(t - 1) * size..t * size]
            };
            // Rows past `rows` have ended: their gates stay uncomputed.
            let gh_rows = &mut gh[..rows * wide];
            hidden_projection(&prev[..rows * hidden], &w_t, b.data(), hidden, gh_rows);
            let gi_rows = &gi.data()[starts[t] * wide..][..rows * wide];
            gates.compute(gi_rows, gh_rows);
            widest(|| {
                let rows = next[..rows * hidden]
                    .chunks_mut(hidden)
                    .zip(prev.chunks(hidden));
                for ((next, prev), (rz, n)) in
                    rows.zip(gates.rz.chunks(2 * hidden).zip(gates.n.chunks(hidden)))
                {
                    let (z, n, prev, next) = (
                        &rz[hidden..2 * hidden],
                        &n[..hidden],
                        &prev[..hidden],
                        &mut next[..hidden],
                    );
                    for j in 0..hidden {
                        next[j] = n[j] + z[j] * (prev[j] - n[j]);
                    }
                }
            });
            if let Some(live) = live_rows(self.lengths.as_deref(), t) {
                for (row, _) in live.iter().enumerate().filter(|(_, l)| !**l) {
                    let cells = row * hidden..(row + 1) * hidden;
                    next[cells.clone()].copy_from_slice(&prev[cells]);
                }
            }
            out.extend_from_slice(&next);
            rz_all.extend_from_slice(&gates.rz);
            n_all.extend_from_slice(&gates.n);
            for row in gh.chunks(wide) {
                ghn_all.extend_from_slice(&row[2 * hidden..]);
            }
        }
        workspace.keep(vec![rz_all, n_all, ghn_all]);
        Tensor::from_parts(vec![steps, batch, hidden].into(), out)
    }
}

/// `gh = h·W_hhᵀ + b_hh` for one step's rows of `h`, `W_hhᵀ` given laid
/// out plainly.
fn hidden_projection<T: Float>(h: &[T], w_t: &[T], b: &[T], hidden: usize, gh: &mut [T]) {
    for row in gh.chunks_mut(3 * hidden) {
        row.copy_from_slice(b);
    }
    let rows = h.len() / hidden.max(1);
    T::matmul_into(rows, hidden, 3 * hidden, h, false, w_t, false, gh, true);
}

/// One step's gates: `r` and `z` side by side per row (`[batch, 2H]`) and
/// `n` (`[batch, H]`), with the scratch their pre-activations need.
struct Gates<T: Float> {
    hidden: usize,
    /// `σ` of `gi_{r,z} + gh_{r,z}`, row by row: `r` then `z`.
    rz: Buffer<T>,
    /// `tanh(gi_n + r ⊙ gh_n)`.
    n: Buffer<T>,
    pre: Buffer<T>,
}

impl<T: Float> Gates<T> {
    fn new(batch: usize, hidden: usize) -> Self {
        Self {
            hidden,
            rz: Buffer::filled(T::ZERO, batch * 2 * hidden),
            n: Buffer::filled(T::ZERO, batch * hidden),
            pre: Buffer::filled(T::ZERO, batch * 2 * hidden),
        }
    }

    /// The gates of the first rows from one step's input and hidden
    /// projections (`[rows, 3H]` each); later rows are left as they were.
    fn compute(&mut self, gi: &[T], gh: &[T]) {
        let h = self.hidden;
        let rows = gi.len() / (3 * h).max(1);
        let (pre, rz, n) = (
            &mut self.pre[..rows * 2 * h],
            &mut self.rz[..rows * 2 * h],
            &mut self.n[..rows * h],
        );
        for ((pre, i), g) in pre
            .chunks_mut(2 * h)
            .zip(gi.chunks(3 * h))
            .zip(gh.chunks(3 * h))
        {
            for ((p, &a), &b) in pre.iter_mut().zip(&i[..2 * h]).zip(&g[..2 * h]) {
                *p = a + b;
            }
        }
        T::sigmoid_slice(pre, rz);
        let n_pre = &mut pre[..n.len()];
        for (row, ((i, g), rz)) in gi
            .chunks(3 * h)
            .zip(gh.chunks(3 * h))
            .zip(rz.chunks(2 * h))
            .enumerate()
        {
            for col in 0..h {
                n_pre[row * h + col] = i[2 * h + col] + rz[col] * g[2 * h + col];
            }
        }
        T::tanh_slice(n_pre, n);
    }
}

/// The op as the step-by-step composition of recorded ops it fuses: the
/// definition its recorded backward differentiates.
pub(crate) fn composite<'s, T: Float>(scan: &GruScan, x: &[Var<'s, T>]) -> Var<'s, T> {
    let (gi, h0, w, b) = (x[0], x[1], x[2], x[3]);
    let (steps, batch, hidden) = scan.dims(&gi.shape(), &h0.shape(), &w.shape(), &b.shape());
    let mut h = h0;
    let mut states = Vec::with_capacity(steps);
    let counts = running_counts(scan.lengths.as_deref(), steps, batch);
    let starts = step_starts(&counts, scan.packed, batch);
    for (t, (&rows, &start)) in counts.iter().zip(&starts).enumerate() {
        let gi_t = step_input(gi, scan.packed, t, (start, rows), batch);
        let gh = h.matmul_t(w, false, true) + b;
        let gate = |v: Var<'s, T>, k: usize| v.narrow(1, k * hidden, hidden);
        let r = (gate(gi_t, 0) + gate(gh, 0)).sigmoid();
        let z = (gate(gi_t, 1) + gate(gh, 1)).sigmoid();
        let n = (gate(gi_t, 2) + r * gate(gh, 2)).tanh();
        let next = n + z * (h - n);
        h = keep_ended(scan.lengths.as_deref(), t, next, h);
        states.push(h);
    }
    Var::stack(&states, 0)
}

impl<'t, T: Float> Var<'t, T> {
    /// The GRU recurrence over precomputed input projections: `self` is
    /// `gi`, `[steps, batch, 3·hidden]` (`x·W_ihᵀ + b_ih` for every step
    /// at once, gates r, z, n); `weight_hh` is PyTorch's `[3·hidden,
    /// hidden]` and `bias_hh` its `[3·hidden]`. Returns every state
    /// `h_1 … h_steps` as `[steps, batch, hidden]`, starting from `h0`.
    /// Equal to the step-by-step composition (see the module docs), with
    /// one node instead of ~20 per step; differentiable to any order.
    ///
    /// # Panics
    /// If the shapes do not fit or a length exceeds the step count.
    ///
    /// ```
    /// # use origami_tape::{GruScan, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let gi = tape.constant(Tensor::zeros(&[2, 1, 3]));
    /// let h0 = tape.constant(Tensor::from_vec(&[1, 1], vec![0.5]).unwrap());
    /// let (w, b) = (tape.var(Tensor::zeros(&[3, 1])), tape.var(Tensor::zeros(&[3])));
    /// // All pre-activations zero: z = 1/2, n = 0, so h halves each step.
    /// let h = gi.gru_scan(h0, w, b, &GruScan::default());
    /// assert_eq!(h.value().data(), &[0.25, 0.125]);
    /// ```
    #[track_caller]
    pub fn gru_scan(self, h0: Self, weight_hh: Self, bias_hh: Self, scan: &GruScan) -> Self {
        let op = Op::GruScan(scan.clone(), Workspace::default());
        self.apply(op, &[h0, weight_hh, bias_hh])
    }
}

/// The input gradients: the direct kernel when the backward pass is eager
/// (tensors), the composition's recorded rule otherwise.
pub(crate) fn backward<T: Float, A: Algebra<T>>(
    scan: &GruScan,
    workspace: &Workspace<T>,
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
        |x, y, g| eager::backward(scan, workspace, x, y, g, need),
        &|vars| composite(scan, vars),
    )
}
