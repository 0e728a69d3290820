//! Back-propagation through time for [`LstmScan`] as a direct kernel on
//! tensors: no op is recorded, every step's gate gradients land in one
//! buffer, and the weight gradient is one product over all steps.
//!
//! The gates and `tanh c_t` of every step come from the forward's
//! workspace (taken over: `dâ` overwrites the gates; a second eager
//! backward forms them again), the cell states from its output. From the
//! last step, with `dh = g^h_t + carry_h`,
//! `dc = g^c_t + carry_c + dh ⊙ o ⊙ (1 − tanh²c_t)`:
//! `dâ_i = dc ⊙ g ⊙ i(1 − i)`, `dâ_f = dc ⊙ c_{t-1} ⊙ f(1 − f)`,
//! `dâ_g = dc ⊙ i ⊙ (1 − g²)`, `dâ_o = dh ⊙ tanh c_t ⊙ o(1 − o)`;
//! `carry_c = dc ⊙ f`, `carry_h = dâ·W_hh` (rows already ended pass their
//! gradients on instead). Finally `dW_hh = dâᵀ·[h0; h_1 … h_{T-1}]`,
//! `dgi = dâ` (as computed for packed input products, spread over the
//! padded layout otherwise) and `db` the sum of `dâ` over every row of
//! every step, added up step by step while `dâ_t` is in cache. Rows after
//! the last one still running are skipped at each step, in the product and
//! in the sum (their `dâ` is zero), and `dâ`, in the gates' place, holds
//! the computed rows only, back to back.

use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest_kernel;
use crate::ops::InputGrads;
use crate::ops::lstm_scan::LstmScan;
use crate::ops::matmul::matmul_new;
use crate::ops::scan::{
    Workspace, add_rows, ended_before, pass_through_ended, running_counts, spread, step_starts,
};
use crate::tensor::Tensor;

/// Gradients of `(gi, h0, c0, W_hh, b)`.
pub(super) fn backward<T: Float>(
    scan: &LstmScan,
    workspace: &Workspace<T>,
    x: &[Tensor<T>],
    y: &Tensor<T>,
    g: &Tensor<T>,
    need: &[bool],
) -> InputGrads<Tensor<T>> {
    let (gi, h0, c0, w, bias) = (&x[0], &x[1], &x[2], &x[3], &x[4]);
    let (steps, batch, hidden) =
        scan.dims(gi.shape(), h0.shape(), c0.shape(), w.shape(), bias.shape());
    let (size, wide) = (batch * hidden, 4 * hidden);
    let (hs, cs) = y.data().split_at(steps * size);
    let (g_h, g_c) = g.data().split_at(steps * size);
    // `dâ` overwrites the kept gates, row by row: like them it holds the
    // computed rows of every step, back to back, which is packed input
    // products' gradient as it is.
    let [mut da_all, tanh_cs] = kept_parts(scan, workspace, x);
    let counts = running_counts(scan.lengths.as_deref(), steps, batch);
    let (mut carry_h, mut carry_c) = (Buffer::filled(T::ZERO, size), Buffer::filled(T::ZERO, size));
    let mut db = Buffer::filled(T::ZERO, wide);
    let starts = step_starts(&counts, true, batch);
    for (t, &running) in counts.iter().enumerate().rev() {
        let now = t * size..(t + 1) * size;
        let c_prev = if t == 0 {
            c0.data()
        } else {
            &cs[(t - 1) * size..t * size]
        };
        let da = &mut da_all[starts[t] * wide..(starts[t] + running) * wide];
        let tanh_c = &tanh_cs[now.clone()];
        let (g_h, g_c) = (&g_h[now.clone()], &g_c[now]);
        // Rows already ended pass h's and c's gradients through unchanged:
        // those before the last running row keep their carries first,
        // since this step's kernels overwrite them.
        let lengths = scan.lengths.as_deref();
        let ended: Vec<(usize, Vec<T>, Vec<T>)> = ended_before(lengths, t, running)
            .into_iter()
            .map(|row| {
                let cells = row * hidden..(row + 1) * hidden;
                let old_c = carry_c[cells.clone()].to_vec();
                (row, carry_h[cells].to_vec(), old_c)
            })
            .collect();
        {
            let rows = da
                .chunks_mut(wide)
                .zip(carry_h.chunks_mut(hidden).zip(carry_c.chunks_mut(hidden)))
                .zip(g_h.chunks(hidden).zip(g_c.chunks(hidden)))
                .zip(tanh_c.chunks(hidden).zip(c_prev.chunks(hidden)));
            for (((da, (ch, cc)), (gh, gc)), (tc, cp)) in rows {
                let n = hidden;
                let (i, rest) = da[..4 * n].split_at_mut(n);
                let (f, rest) = rest.split_at_mut(n);
                let (g, o) = rest.split_at_mut(n);
                widest_kernel!(
                    row::<T>,
                    Row<'_, T>,
                    ([i, f, g, o], (ch, cc), (gh, gc), (tc, cp))
                );
            }
        }
        for (row, old_h, old_c) in ended {
            da[row * wide..(row + 1) * wide].fill(T::ZERO);
            let cells = row * hidden..(row + 1) * hidden;
            for (k, j) in cells.enumerate() {
                carry_h[j] = g_h[j] + old_h[k];
                carry_c[j] = g_c[j] + old_c[k];
            }
        }
        if need[4] {
            add_rows(&mut db, da);
        }
        pass_through_ended(&mut carry_h, g_h, running, hidden);
        pass_through_ended(&mut carry_c, g_c, running, hidden);
        if t > 0 || need[1] {
            T::matmul_into(
                running,
                wide,
                hidden,
                da,
                false,
                w.data(),
                false,
                &mut carry_h[..running * hidden],
                true,
            );
        }
    }
    let dw = need[3].then(|| {
        let previous = starting_states(h0.data(), hs, &counts, hidden);
        let rows = previous.len() / hidden.max(1);
        let dw = matmul_new(1, wide, rows, hidden, &da_all, true, &previous, false);
        Tensor::from_parts(w.shape().into(), dw)
    });
    let dgi = need[0].then(|| match scan.packed {
        true => Tensor::from_parts(gi.shape().into(), da_all),
        false => Tensor::from_parts(gi.shape().into(), spread(da_all, &counts, batch, wide)),
    });
    let dh0 = need[1].then(|| Tensor::from_parts(h0.shape().into(), carry_h));
    let dc0 = need[2].then(|| Tensor::from_parts(c0.shape().into(), carry_c));
    let db = need[4].then(|| Tensor::from_parts(bias.shape().into(), db));
    smallvec::smallvec![dgi, dh0, dc0, dw, db]
}

/// The forward's gates and `tanh c_t` of every step, taken over from the
/// workspace; formed again by a second forward when an earlier eager
/// backward through this node took them.
fn kept_parts<T: Float>(
    scan: &LstmScan,
    workspace: &Workspace<T>,
    x: &[Tensor<T>],
) -> [Buffer<T>; 2] {
    let parts = workspace.take().unwrap_or_else(|| {
        let again = Workspace::default();
        scan.forward(&x[0], &x[1], &x[2], &x[3], &x[4], &again);
        again.take().expect("the forward fills the workspace")
    });
    parts
        .try_into()
        .unwrap_or_else(|_| unreachable!("lstm_scan keeps two parts"))
}

/// The state every step starts from, `h0, h_1 … h_{steps-1}` (`hs` holds
/// `h_1 … h_steps`), each cut to the `counts` rows computed at that step
/// and laid back to back: the right operand of the weight gradient's
/// product, in one copy.
fn starting_states<T: Float>(h0: &[T], hs: &[T], counts: &[usize], hidden: usize) -> Buffer<T> {
    let size = h0.len();
    let mut states = Buffer::with_capacity(counts.iter().sum::<usize>() * hidden);
    for (t, &running) in counts.iter().enumerate() {
        let state = if t == 0 {
            h0
        } else {
            &hs[(t - 1) * size..t * size]
        };
        states.extend_from_slice(&state[..running * hidden]);
    }
    states
}

/// The slices of one row of one step: the gates `i, f, g, o` (overwritten
/// by their gradients); the carries `h`, `c` (updated); the output
/// gradients `g^h`, `g^c`; `tanh c_t` and `c_{t-1}`.
type Row<'a, T> = (
    [&'a mut [T]; 4],
    (&'a mut [T], &'a mut [T]),
    (&'a [T], &'a [T]),
    (&'a [T], &'a [T]),
);

/// One row of one step: the gate gradients from `dh`, `dc` and the gates,
/// in place of the gates; the carries updated in place (called through
/// `widest_kernel!`).
#[inline(always)]
fn row<T: Float>(([i, f, g, o], (carry_h, carry_c), (g_h, g_c), (tanh_c, c_prev)): Row<'_, T>) {
    // Every slice exactly `n` long: no bounds checks in the loop.
    let n = i.len();
    let (i, f, g, o) = (&mut i[..n], &mut f[..n], &mut g[..n], &mut o[..n]);
    let (carry_h, carry_c, g_h, g_c) = (&mut carry_h[..n], &mut carry_c[..n], &g_h[..n], &g_c[..n]);
    let (tanh_c, c_prev) = (&tanh_c[..n], &c_prev[..n]);
    for j in 0..n {
        let (i_j, f_j, g_j, o_j) = (i[j], f[j], g[j], o[j]);
        let dh = g_h[j] + carry_h[j];
        let dc = g_c[j] + carry_c[j] + dh * o_j * (T::ONE - tanh_c[j] * tanh_c[j]);
        i[j] = dc * g_j * i_j * (T::ONE - i_j);
        f[j] = dc * c_prev[j] * f_j * (T::ONE - f_j);
        g[j] = dc * i_j * (T::ONE - g_j * g_j);
        o[j] = dh * tanh_c[j] * o_j * (T::ONE - o_j);
        carry_h[j] = T::ZERO;
        carry_c[j] = dc * f_j;
    }
}
