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
//! The input products may then come packed ([`LstmScan::packed`]): only
//! the rows each step computes, so the padding is never projected. The
//! forward keeps the gates of the computed rows only, back to back, in the
//! packed layout whatever the input's; the backward forms `dâ` in that
//! layout too, which is then at once the left operand of the weight
//! gradient and, packed, the input products' gradient.

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

/// How [`Var::lstm_scan`] runs.
#[derive(Clone, Debug, Default)]
pub struct LstmScan {
    /// Steps per sequence: row `b` keeps its state from step `lengths[b]`
    /// on. `None`: every sequence runs all steps. Rows ordered longest
    /// first (as PyTorch's packed sequences are) run faster: each step
    /// skips the rows after the last one still running.
    pub lengths: Option<Arc<[usize]>>,
    /// Whether the input products hold only the rows each step computes
    /// (PyTorch's packed sequence): `[Σ_t running(t), 4·hidden]`, step
    /// after step, where `running(t)` counts the rows up to the last one
    /// still running at step `t` ([`packed_rows`](crate::packed_rows)
    /// picks them from a padded `[steps, batch, ·]` tensor). Needs
    /// `lengths`; the scan then runs as many steps as the longest
    /// sequence. The padding's rows are then never projected, and their
    /// gradients never formed.
    pub packed: bool,
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
        let &[rows, hidden] = h0 else {
            panic!("lstm_scan: initial state must be [batch, hidden], got {h0:?}");
        };
        let lengths = self.lengths.as_deref();
        let (steps, batch, gates) = input_dims("lstm_scan", gi, self.packed, lengths, rows, 4);
        assert!(steps > 0, "lstm_scan: no time steps");
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

    /// Every `h_t` and `c_t`, as `[2, steps, batch, hidden]`; keeps the
    /// gates of the rows each step computes (back to back, as packed input
    /// products are laid out) and every `tanh c_t` in `workspace` for the
    /// eager backward.
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
        let counts = running_counts(self.lengths.as_deref(), steps, batch);
        let w_t = transposed(w.data(), wide, hidden);
        let mut hs = Buffer::with_capacity(2 * steps * size);
        let mut cs = Buffer::with_capacity(steps * size);
        let mut gates = Buffer::with_capacity(counts.iter().sum::<usize>() * wide);
        let mut tanh_cs = Buffer::with_capacity(steps * size);
        // This step's states: rows past the last one running keep theirs.
        let (mut h, mut c) = (Buffer::from_slice(h0.data()), Buffer::from_slice(c0.data()));
        let mut tanh_c = Buffer::filled(T::ZERO, size);
        let mut pre = Buffer::filled(T::ZERO, batch * wide);
        let mut scratch = vec![T::ZERO; 2 * hidden];
        let starts = step_starts(&counts, self.packed, batch);
        for (t, &rows) in counts.iter().enumerate() {
            let (h_prev, c_prev) = if t == 0 {
                (h0.data(), c0.data())
            } else {
                let last = (t - 1) * size..t * size;
                (&hs[last.clone()], &cs[last])
            };
            // The products land in `pre`, which stays in cache from step
            // to step; the gates of the computed rows are kept back to back.
            let act = &mut pre[..rows * wide];
            let h_rows = &h_prev[..rows * hidden];
            T::matmul_into(rows, hidden, wide, h_rows, false, &w_t, false, act, false);
            let gi_t = &gi.data()[starts[t] * wide..][..rows * wide];
            activate(act, gi_t, bias.data(), &mut scratch);
            gates.extend_from_slice(act);
            let computed = ..rows * hidden;
            let states = (&mut c[computed], &mut tanh_c[computed], &mut h[computed]);
            step_states(act, hidden, &c_prev[computed], states);
            if let Some(live) = live_rows(self.lengths.as_deref(), t) {
                for (row, _) in live[..rows].iter().enumerate().filter(|(_, l)| !**l) {
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

/// One step's states from its activated gates `act` (`[rows, 4H]`):
/// `c = f ⊙ c_prev + i ⊙ g`, `tanh c` and `h = o ⊙ tanh c`, for the rows
/// the step computes.
fn step_states<T: Float>(
    act: &[T],
    hidden: usize,
    c_prev: &[T],
    (c, tanh_c, h): (&mut [T], &mut [T], &mut [T]),
) {
    let (n, wide) = (hidden, (4 * hidden).max(1));
    widest(|| {
        for ((a, c), c_prev) in act.chunks(wide).zip(c.chunks_mut(n)).zip(c_prev.chunks(n)) {
            let (i, f, g) = (&a[..n], &a[n..2 * n], &a[2 * n..3 * n]);
            let (c, c_prev) = (&mut c[..n], &c_prev[..n]);
            for j in 0..n {
                c[j] = f[j] * c_prev[j] + i[j] * g[j];
            }
        }
    });
    T::tanh_slice(c, tanh_c);
    widest(|| {
        for ((a, h), tc) in act.chunks(wide).zip(h.chunks_mut(n)).zip(tanh_c.chunks(n)) {
            let (o, h, tc) = (&a[3 * n..4 * n], &mut h[..n], &tc[..n]);
            for j in 0..n {
                h[j] = o[j] * tc[j];
            }
        }
    });
}

/// The gate activations in place over `[rows, 4H]` products `h·W_hhᵀ`:
/// `σ` for i, f and o, `tanh` for g, of each row plus its input products
/// `gi` and `bias` (`scratch`: `2H` values, reused across steps).
fn activate<T: Float>(act: &mut [T], gi: &[T], bias: &[T], scratch: &mut [T]) {
    let hidden = bias.len() / 4;
    let (b_if, b_g, b_o) = (
        &bias[..2 * hidden],
        &bias[2 * hidden..3 * hidden],
        &bias[3 * hidden..],
    );
    let wide = (4 * hidden).max(1);
    for (row, gi) in act.chunks_mut(wide).zip(gi.chunks(wide)) {
        let (i_f, rest) = row.split_at_mut(2 * hidden);
        let (g, o) = rest.split_at_mut(hidden);
        let (gi_if, gi_g) = (&gi[..2 * hidden], &gi[2 * hidden..3 * hidden]);
        add_into(scratch, (gi_if, i_f), b_if);
        T::sigmoid_slice(scratch, i_f);
        add_into(&mut scratch[..hidden], (gi_g, g), b_g);
        T::tanh_slice(&scratch[..hidden], g);
        add_into(&mut scratch[..hidden], (&gi[3 * hidden..], o), b_o);
        T::sigmoid_slice(&scratch[..hidden], o);
    }
}

/// `sum = a + b + c`, element by element, at the widest vector width.
fn add_into<T: Float>(sum: &mut [T], (a, b): (&[T], &[T]), c: &[T]) {
    widest(|| {
        for (((s, &a), &b), &c) in sum.iter_mut().zip(a).zip(b).zip(c) {
            *s = a + b + c;
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
    let counts = running_counts(scan.lengths.as_deref(), steps, batch);
    let starts = step_starts(&counts, scan.packed, batch);
    for (t, (&rows, &start)) in counts.iter().zip(&starts).enumerate() {
        let gi_t = step_input(gi, scan.packed, t, (start, rows), batch);
        let a = gi_t + h.matmul_t(w, false, true) + bias;
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
