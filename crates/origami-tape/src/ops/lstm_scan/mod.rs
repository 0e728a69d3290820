//! The LSTM recurrence as one op, with PyTorch's equations and gate order
//! (i, f, g, o): for every step, from the precomputed input products
//! `gi = x·W_ihᵀ` and the bias `b = b_ih + b_hh`,
//! `a = gi + h·W_hhᵀ + b`, `i = σ(a_i)`, `f = σ(a_f)`, `g = tanh(a_g)`,
//! `o = σ(a_o)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
//!
//! The forward is one `[batch, hidden] × [hidden, 4·hidden]` product per
//! step and one fused pass over the gates (adding the bias on the way, so
//! the input products need no pass of their own for it), which it keeps
//! (with `tanh c`) for the eager backward (`eager.rs`): one product per
//! step, with the weight gradient formed as a single product over all
//! steps and the bias gradient summed step by step while it is hot. The
//! recorded backward differentiates the step-by-step composition
//! ([`composite`]), so second order works through the op and the op spec
//! table holds the fused kernels to it.
//! Sequences may end early: past its length a row keeps `h` and `c`
//! (and, after the last row still running, costs nothing: see `scan/lengths.rs`).

use std::sync::Arc;

mod eager;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest;
use crate::ops::scan::{
    Workspace, check_lengths, eager_or_composed, keep_ended, live_rows, running_rows, transposed,
};
use crate::ops::{InputGrads, Op};
use crate::tape::Var;
use crate::tensor::Tensor;

/// How [`Var::lstm_scan`] runs.
#[derive(Clone, Debug, Default)]
pub struct LstmScan {
    /// Steps per sequence: row `b` keeps its state from step `lengths[b]`
    /// on. `None`: every sequence runs all steps. Rows ordered longest
    /// first (as PyTorch's packed sequences are) run faster: each step
    /// skips the rows after the last one still running.
    pub lengths: Option<Arc<[usize]>>,
}

impl LstmScan {
    /// `(steps, batch, hidden)`, after checking every shape.
    pub(crate) fn dims(
        &self,
        gi: &[usize],
        h0: &[usize],
        c0: &[usize],
        w: &[usize],
        bias: &[usize],
    ) -> (usize, usize, usize) {
        let &[steps, batch, gates] = gi else {
            panic!("lstm_scan: input projections must be [steps, batch, 4·hidden], got {gi:?}");
        };
        assert!(steps > 0, "lstm_scan: no time steps");
        let &[rows, hidden] = h0 else {
            panic!("lstm_scan: initial state must be [batch, hidden], got {h0:?}");
        };
        assert!(
            rows == batch && gates == 4 * hidden,
            "lstm_scan: initial state {h0:?} does not match input projections {gi:?}"
        );
        assert!(
            c0 == h0,
            "lstm_scan: initial cell state {c0:?} is not shaped like the initial state {h0:?}"
        );
        assert!(
            w == [4 * hidden, hidden],
            "lstm_scan: weight_hh {w:?} is not [{}, {hidden}]",
            4 * hidden
        );
        assert!(
            bias == [4 * hidden],
            "lstm_scan: bias {bias:?} is not [{}]",
            4 * hidden
        );
        check_lengths("lstm_scan", self.lengths.as_deref(), batch, steps);
        (steps, batch, hidden)
    }

    /// Every `h_t` and `c_t`, as `[2, steps, batch, hidden]`; keeps every
    /// step's gates and `tanh c_t` in `workspace` for the eager backward.
    pub(crate) fn forward<T: Float>(
        &self,
        gi: &Tensor<T>,
        h0: &Tensor<T>,
        c0: &Tensor<T>,
        w: &Tensor<T>,
        bias: &Tensor<T>,
        workspace: &Workspace<T>,
    ) -> Tensor<T> {
        let (steps, batch, hidden) =
            self.dims(gi.shape(), h0.shape(), c0.shape(), w.shape(), bias.shape());
        let (size, wide) = (batch * hidden, 4 * hidden);
        let w_t = transposed(w.data(), wide, hidden);
        let mut hs = Buffer::with_capacity(2 * steps * size);
        let mut cs = Buffer::with_capacity(steps * size);
        let mut gates = Buffer::with_capacity(steps * batch * wide);
        let mut tanh_cs = Buffer::with_capacity(steps * size);
        let (mut h, mut c) = (Buffer::filled(T::ZERO, size), Buffer::filled(T::ZERO, size));
        let mut tanh_c = Buffer::filled(T::ZERO, size);
        let mut scratch = vec![T::ZERO; 2 * hidden];
        for t in 0..steps {
            let (h_prev, c_prev) = if t == 0 {
                (h0.data(), c0.data())
            } else {
                let last = (t - 1) * size..t * size;
                (&hs[last.clone()], &cs[last])
            };
            let block = t * batch * wide..(t + 1) * batch * wide;
            gates.extend_from_slice(&gi.data()[block.clone()]);
            // Rows past `rows` have ended: their gates stay uncomputed.
            let rows = running_rows(self.lengths.as_deref(), batch, t);
            let act = &mut gates[block.start..block.start + rows * wide];
            let h_rows = &h_prev[..rows * hidden];
            T::matmul_into(rows, hidden, wide, h_rows, false, &w_t, false, act, true);
            activate(act, bias.data(), &mut scratch);
            widest(|| {
                for ((a, c), c_prev) in act
                    .chunks(wide)
                    .zip(c.chunks_mut(hidden))
                    .zip(c_prev.chunks(hidden))
                {
                    let n = hidden;
                    let (i, f, g) = (&a[..n], &a[n..2 * n], &a[2 * n..3 * n]);
                    let (c, c_prev) = (&mut c[..n], &c_prev[..n]);
                    for j in 0..n {
                        c[j] = f[j] * c_prev[j] + i[j] * g[j];
                    }
                }
            });
            T::tanh_slice(&c[..rows * hidden], &mut tanh_c[..rows * hidden]);
            widest(|| {
                for ((a, h), tc) in act
                    .chunks(wide)
                    .zip(h.chunks_mut(hidden))
                    .zip(tanh_c.chunks(hidden))
                {
                    let (o, h, tc) = (&a[3 * hidden..4 * hidden], &mut h[..hidden], &tc[..hidden]);
                    for j in 0..hidden {
                        h[j] = o[j] * tc[j];
                    }
                }
            });
            if let Some(live) = live_rows(self.lengths.as_deref(), t) {
                for (row, _) in live.iter().enumerate().filter(|(_, l)| !**l) {
                    let cells = row * hidden..(row + 1) * hidden;
                    h[cells.clone()].copy_from_slice(&h_prev[cells.clone()]);
                    c[cells.clone()].copy_from_slice(&c_prev[cells]);
                }
            }
            hs.extend_from_slice(&h);
            cs.extend_from_slice(&c);
            tanh_cs.extend_from_slice(&tanh_c);
        }
        workspace.keep(vec![gates, tanh_cs]);
        hs.extend_from_slice(&cs);
        Tensor::from_parts(vec![2, steps, batch, hidden].into(), hs)
    }
}

/// The gate activations in place over `[batch, 4H]` pre-activations
/// before the bias: `σ` for i, f and o, `tanh` for g, of each row plus
/// `bias` (`scratch`: `2H` values, reused across steps).
fn activate<T: Float>(act: &mut [T], bias: &[T], scratch: &mut [T]) {
    let hidden = bias.len() / 4;
    let (b_if, b_g, b_o) = (
        &bias[..2 * hidden],
        &bias[2 * hidden..3 * hidden],
        &bias[3 * hidden..],
    );
    for row in act.chunks_mut(4 * hidden) {
        let (i_f, rest) = row.split_at_mut(2 * hidden);
        let (g, o) = rest.split_at_mut(hidden);
        add_into(scratch, i_f, b_if);
        T::sigmoid_slice(scratch, i_f);
        add_into(&mut scratch[..hidden], g, b_g);
        T::tanh_slice(&scratch[..hidden], g);
        add_into(&mut scratch[..hidden], o, b_o);
        T::sigmoid_slice(&scratch[..hidden], o);
    }
}

/// `sum = a + b`, element by element, at the widest vector width.
fn add_into<T: Float>(sum: &mut [T], a: &[T], b: &[T]) {
    widest(|| {
        for ((s, &a), &b) in sum.iter_mut().zip(a).zip(b) {
            *s = a + b;
        }
    });
}

/// The op as the step-by-step composition of recorded ops it fuses: the
/// definition its recorded backward differentiates.
pub(crate) fn composite<'s, T: Float>(scan: &LstmScan, x: &[Var<'s, T>]) -> Var<'s, T> {
    let (gi, h0, c0, w, bias) = (x[0], x[1], x[2], x[3], x[4]);
    let (steps, batch, hidden) = scan.dims(
        &gi.shape(),
        &h0.shape(),
        &c0.shape(),
        &w.shape(),
        &bias.shape(),
    );
    let (mut h, mut c) = (h0, c0);
    let (mut hs, mut cs) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    for t in 0..steps {
        let a =
            gi.narrow(0, t, 1).reshape(&[batch, 4 * hidden]) + h.matmul_t(w, false, true) + bias;
        let gate = |k: usize| a.narrow(1, k * hidden, hidden);
        let (i, f, g, o) = (
            gate(0).sigmoid(),
            gate(1).sigmoid(),
            gate(2).tanh(),
            gate(3).sigmoid(),
        );
        let c_next = f * c + i * g;
        let h_next = o * c_next.tanh();
        let lengths = scan.lengths.as_deref();
        (h, c) = (
            keep_ended(lengths, t, h_next, h),
            keep_ended(lengths, t, c_next, c),
        );
        hs.push(h);
        cs.push(c);
    }
    Var::stack(&[Var::stack(&hs, 0), Var::stack(&cs, 0)], 0)
}

impl<'t, T: Float> Var<'t, T> {
    /// The LSTM recurrence over precomputed input products: `self` is
    /// `gi`, `[steps, batch, 4·hidden]` (`x·W_ihᵀ` for every step at
    /// once, gates i, f, g, o); `weight_hh` is PyTorch's `[4·hidden,
    /// hidden]` and `bias` its `b_ih + b_hh`, `[4·hidden]` (added here, in
    /// the pass over the gates, rather than to `gi` by an op of its own).
    /// Returns every `h_t` and `c_t` as `[2, steps, batch, hidden]`
    /// (index 0: `h`, 1: `c`), starting from `h0` and `c0`. Equal to the
    /// step-by-step composition (see the module docs), with one node
    /// instead of ~20 per step; differentiable to any order.
    ///
    /// # Panics
    /// If the shapes do not fit or a length exceeds the step count.
    ///
    /// ```
    /// # use origami_tape::{LstmScan, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let gi = tape.constant(Tensor::zeros(&[1, 1, 4]));
    /// let c0 = tape.constant(Tensor::from_vec(&[1, 1], vec![1.0]).unwrap());
    /// let (h0, w) = (tape.constant(Tensor::zeros(&[1, 1])), tape.var(Tensor::zeros(&[4, 1])));
    /// let bias = tape.var(Tensor::zeros(&[4]));
    /// // Gates at zero: i = f = o = 1/2, g = 0, so c = c0 / 2.
    /// let hc = gi.lstm_scan(h0, c0, w, bias, &LstmScan::default());
    /// assert_eq!(hc.value().data(), &[0.5 * 0.5f64.tanh(), 0.5]);
    /// ```
    #[track_caller]
    pub fn lstm_scan(
        self,
        h0: Self,
        c0: Self,
        weight_hh: Self,
        bias: Self,
        scan: &LstmScan,
    ) -> Self {
        let op = Op::LstmScan(scan.clone(), Workspace::default());
        self.apply(op, &[h0, c0, weight_hh, bias])
    }
}

/// The input gradients: the direct kernel when the backward pass is eager
/// (tensors), the composition's recorded rule otherwise.
pub(crate) fn backward<T: Float, A: Algebra<T>>(
    scan: &LstmScan,
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
