//! Back-propagation through time for [`GruScan`] as a direct kernel on
//! tensors: no op is recorded, every step's gate gradients land in one
//! buffer, and the weight gradient is one product over all steps.
//!
//! The gates `r`, `z`, `n` and `gh_n` of every step come from the
//! forward's workspace. From the last step, with `dh = g_t + carry` and
//! `h_{t-1}` written `h`: `dn = dh ⊙ (1 − z)`, `dẑ = dh ⊙ (h − n) ⊙ z(1 − z)`,
//! `dn̂ = dn ⊙ (1 − n²)`, `dr̂ = dn̂ ⊙ gh_n ⊙ r(1 − r)`;
//! `dgi = [dr̂, dẑ, dn̂]`, `dgh = [dr̂, dẑ, dn̂ ⊙ r]`, and
//! `carry = dh ⊙ z + dgh·W_hh` (rows already ended pass `dh` on instead).
//! Finally `dW_hh = dghᵀ·[h0; h_1 … h_{T-1}]` and `db_hh = Σ dgh` (and
//! `dgi` cut to the computed rows for packed input projections). Rows
//! after the last one still running are skipped at each step and in the
//! product (their gradients are zero).

use std::borrow::Cow;
use std::mem::MaybeUninit;

use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest_kernel;
use crate::ops::InputGrads;
use crate::ops::gru_scan::GruScan;
use crate::ops::matmul::matmul_new;
use crate::ops::scan::{
    Workspace, add_rows, ended_before, pass_through_ended, running_part, running_rows,
};
use crate::tensor::Tensor;

/// Gradients of `(gi, h0, W_hh, b_hh)`.
pub(super) fn backward<T: Float>(
    scan: &GruScan,
    workspace: &Workspace<T>,
    x: &[Tensor<T>],
    y: &Tensor<T>,
    g: &Tensor<T>,
    need: &[bool],
) -> InputGrads<Tensor<T>> {
    let (gi, h0, w, b) = (&x[0], &x[1], &x[2], &x[3]);
    let (steps, batch, hidden) = scan.dims(gi.shape(), h0.shape(), w.shape(), b.shape());
    let (size, wide) = (batch * hidden, 3 * hidden);
    let parts = workspace.parts();
    let [rz_all, n_all, ghn_all] = &*parts else {
        unreachable!("gru_scan keeps three parts")
    };
    // Every step's previous state, stacked: [steps·batch, hidden].
    let mut previous = Buffer::with_capacity(steps * size);
    previous.extend_from_slice(h0.data());
    previous.extend_from_slice(&y.data()[..(steps - 1) * size]);
    // Each step's gradients are formed in cache (`dgi`, `dgh`; rows after
    // the running ones stay zero) and then copied into their block: every
    // entry of the two buffers is written once, with no zero fill first.
    let cells = steps * batch * wide;
    let (mut dgi_all, mut dgh_all) = (Buffer::with_capacity(cells), Buffer::with_capacity(cells));
    let (mut dgi, mut dgh) = (
        Buffer::filled(T::ZERO, batch * wide),
        Buffer::filled(T::ZERO, batch * wide),
    );
    let mut carry = Buffer::filled(T::ZERO, size);
    let (dgi_blocks, dgh_blocks) = (dgi_all.spare_capacity_mut(), dgh_all.spare_capacity_mut());
    for t in (0..steps).rev() {
        let now = t * size..(t + 1) * size;
        let g_t = &g.data()[now.clone()];
        // Rows already ended pass dh through: those before the last
        // running row keep their carries first (this step overwrites them).
        let lengths = scan.lengths.as_deref();
        let running = running_rows(lengths, batch, t);
        let ended: Vec<(usize, Vec<T>)> = ended_before(lengths, t, running)
            .into_iter()
            .map(|row| (row, carry[row * hidden..(row + 1) * hidden].to_vec()))
            .collect();
        let per_row = dgi[..running * wide]
            .chunks_mut(wide)
            .zip(dgh.chunks_mut(wide))
            .zip(carry.chunks_mut(hidden).zip(g_t.chunks(hidden)))
            .zip(rz_all[2 * now.start..2 * now.end].chunks(2 * hidden))
            .zip(
                n_all[now.clone()]
                    .chunks(hidden)
                    .zip(ghn_all[now.clone()].chunks(hidden)),
            )
            .zip(previous[now].chunks(hidden));
        for (((((dgi, dgh), (carry, g)), rz), (n, ghn)), h) in per_row {
            let n_ = hidden;
            let (dgi_r, rest) = dgi[..3 * n_].split_at_mut(n_);
            let (dgi_z, dgi_n) = rest.split_at_mut(n_);
            let (dgh_r, rest) = dgh[..3 * n_].split_at_mut(n_);
            let (dgh_z, dgh_n) = rest.split_at_mut(n_);
            widest_kernel!(
                row::<T>,
                Row<'_, T>,
                (
                    [&rz[..n_], &rz[n_..2 * n_], n, ghn, h],
                    (g, carry),
                    [dgi_r, dgi_z, dgi_n],
                    [dgh_r, dgh_z, dgh_n]
                )
            );
        }
        for (row, old) in ended {
            dgi[row * wide..(row + 1) * wide].fill(T::ZERO);
            dgh[row * wide..(row + 1) * wide].fill(T::ZERO);
            for (k, j) in (row * hidden..(row + 1) * hidden).enumerate() {
                carry[j] = g_t[j] + old[k];
            }
        }
        pass_through_ended(&mut carry, g_t, running, hidden);
        if t > 0 || need[1] {
            T::matmul_into(
                running,
                wide,
                hidden,
                &dgh[..running * wide],
                false,
                w.data(),
                false,
                &mut carry[..running * hidden],
                true,
            );
        }
        let block = t * batch * wide..(t + 1) * batch * wide;
        write_block(&mut dgi_blocks[block.clone()], &dgi);
        write_block(&mut dgh_blocks[block], &dgh);
    }
    // SAFETY: the loop wrote the block of every step, `cells` entries in
    // each buffer, within the capacity both were made with.
    unsafe {
        dgi_all.set_len(cells);
        dgh_all.set_len(cells);
    }
    let dw = need[2].then(|| {
        let lengths = scan.lengths.as_deref();
        let dgh = running_part(&dgh_all, lengths, 0, batch, wide);
        let previous = running_part(&previous, lengths, 0, batch, hidden);
        let rows = previous.len() / hidden.max(1);
        let dw = matmul_new(1, wide, rows, hidden, &dgh, true, &previous, false);
        Tensor::from_parts(w.shape().into(), dw)
    });
    let db = need[3].then(|| {
        let mut db = Buffer::filled(T::ZERO, wide);
        add_rows(&mut db, &dgh_all);
        Tensor::from_parts(b.shape().into(), db)
    });
    let dgi = need[0].then(|| match scan.packed {
        true => {
            let computed = match running_part(&dgi_all, scan.lengths.as_deref(), 0, batch, wide) {
                Cow::Owned(rows) => Buffer::from(rows),
                Cow::Borrowed(_) => dgi_all,
            };
            Tensor::from_parts(gi.shape().into(), computed)
        }
        false => Tensor::from_parts(gi.shape().into(), dgi_all),
    });
    let dh0 = need[1].then(|| Tensor::from_parts(h0.shape().into(), carry));
    smallvec::smallvec![dgi, dh0, dw, db]
}

/// `block = values`, into room not yet written.
fn write_block<T: Float>(block: &mut [MaybeUninit<T>], values: &[T]) {
    for (slot, &value) in block.iter_mut().zip(values) {
        slot.write(value);
    }
}

/// The slices of one row of one step: the gates `r`, `z`, `n`, `gh_n` and
/// the previous state; the output gradient and the carry (updated); the
/// gradients of the input and hidden projections (written, r, z, n).
type Row<'a, T> = (
    [&'a [T]; 5],
    (&'a [T], &'a mut [T]),
    [&'a mut [T]; 3],
    [&'a mut [T]; 3],
);

/// One row of one step (called through `widest_kernel!`).
#[inline(always)]
fn row<T: Float>(
    ([r, z, n, ghn, h], (g, carry), [dgi_r, dgi_z, dgi_n], [dgh_r, dgh_z, dgh_n]): Row<'_, T>,
) {
    // Every slice exactly `len` long: no bounds checks in the loop.
    let len = r.len();
    let (z, n, ghn, h, g, carry) = (
        &z[..len],
        &n[..len],
        &ghn[..len],
        &h[..len],
        &g[..len],
        &mut carry[..len],
    );
    let (dgi_r, dgi_z, dgi_n) = (&mut dgi_r[..len], &mut dgi_z[..len], &mut dgi_n[..len]);
    let (dgh_r, dgh_z, dgh_n) = (&mut dgh_r[..len], &mut dgh_z[..len], &mut dgh_n[..len]);
    for j in 0..len {
        let dh = g[j] + carry[j];
        let dz_pre = dh * (h[j] - n[j]) * z[j] * (T::ONE - z[j]);
        let dn_pre = dh * (T::ONE - z[j]) * (T::ONE - n[j] * n[j]);
        let dr_pre = dn_pre * ghn[j] * r[j] * (T::ONE - r[j]);
        dgi_r[j] = dr_pre;
        dgi_z[j] = dz_pre;
        dgi_n[j] = dn_pre;
        dgh_r[j] = dr_pre;
        dgh_z[j] = dz_pre;
        dgh_n[j] = dn_pre * r[j];
        carry[j] = dh * z[j];
    }
}
