//! Back-propagation through time for [`GruScan`] as a direct kernel on
//! tensors: no op is recorded, every step's gate gradients land in one
//! buffer, and the weight gradient is one product over all steps.
//!
//! The hidden projections of every step are formed again first, as one
//! product `[h0; h_1 … h_{T-1}]·W_hhᵀ + b_hh`. Then, from the last step,
//! with `dh = g_t + carry` and `h_{t-1}` written `h`:
//! `dn = dh ⊙ (1 − z)`, `dz = dh ⊙ (h − n)`, `dn̂ = dn ⊙ (1 − n²)`,
//! `dr̂ = dn̂ ⊙ gh_n ⊙ r(1 − r)`, `dẑ = dz ⊙ z(1 − z)`;
//! `dgi = [dr̂, dẑ, dn̂]`, `dgh = [dr̂, dẑ, dn̂ ⊙ r]`, and
//! `carry = dh ⊙ z + dgh·W_hh` (rows already ended pass `dh` on instead).
//! Finally `dW_hh = dghᵀ·[h0; h_1 …]` and `db_hh = Σ dgh`.

use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::InputGrads;
use crate::ops::gru_scan::{Gates, GruScan};
use crate::ops::matmul::matmul_new;
use crate::ops::scan::live_rows;
use crate::tensor::Tensor;

/// Gradients of `(gi, h0, W_hh, b_hh)`.
pub(super) fn backward<T: Float>(
    scan: &GruScan,
    x: &[Tensor<T>],
    y: &Tensor<T>,
    g: &Tensor<T>,
    need: &[bool],
) -> InputGrads<Tensor<T>> {
    let (gi, h0, w, b) = (&x[0], &x[1], &x[2], &x[3]);
    let (steps, batch, hidden) = scan.dims(gi.shape(), h0.shape(), w.shape(), b.shape());
    let (size, wide) = (batch * hidden, 3 * hidden);
    // Every step's previous state, stacked: [steps·batch, hidden].
    let mut previous = Buffer::with_capacity(steps * size);
    previous.extend_from_slice(h0.data());
    previous.extend_from_slice(&y.data()[..(steps - 1) * size]);
    let mut gh_all = matmul_new(
        1,
        steps * batch,
        hidden,
        wide,
        &previous,
        false,
        w.data(),
        true,
    );
    for row in gh_all.chunks_mut(wide) {
        row.iter_mut()
            .zip(b.data())
            .for_each(|(v, &bias)| *v += bias);
    }
    let mut dgi_all = Buffer::filled(T::ZERO, steps * batch * wide);
    let mut dgh_all = Buffer::filled(T::ZERO, steps * batch * wide);
    let mut carry = Buffer::filled(T::ZERO, size);
    let mut dh = Buffer::filled(T::ZERO, size);
    let mut gates = Gates::new(batch, hidden);
    for t in (0..steps).rev() {
        let block = t * batch * wide..(t + 1) * batch * wide;
        let gh = &gh_all[block.clone()];
        gates.compute(&gi.data()[block.clone()], gh);
        let h = &previous[t * size..(t + 1) * size];
        for ((d, &gv), &c) in dh
            .iter_mut()
            .zip(&g.data()[t * size..(t + 1) * size])
            .zip(&carry)
        {
            *d = gv + c;
        }
        let (dgi, dgh) = (&mut dgi_all[block.clone()], &mut dgh_all[block]);
        for i in 0..size {
            let (row, col) = (i / hidden, i % hidden);
            let (r, z, n) = (gates.r(i), gates.z(i), gates.n[i]);
            let dn = dh[i] * (T::ONE - z);
            let dz_pre = dh[i] * (h[i] - n) * z * (T::ONE - z);
            let dn_pre = dn * (T::ONE - n * n);
            let at = row * wide + col;
            let dr_pre = dn_pre * gh[at + 2 * hidden] * r * (T::ONE - r);
            dgi[at] = dr_pre;
            dgi[at + hidden] = dz_pre;
            dgi[at + 2 * hidden] = dn_pre;
            dgh[at] = dr_pre;
            dgh[at + hidden] = dz_pre;
            dgh[at + 2 * hidden] = dn_pre * r;
            carry[i] = dh[i] * z;
        }
        if let Some(live) = live_rows(scan.lengths.as_deref(), t) {
            for (row, _) in live.iter().enumerate().filter(|(_, l)| !**l) {
                dgi[row * wide..(row + 1) * wide].fill(T::ZERO);
                dgh[row * wide..(row + 1) * wide].fill(T::ZERO);
                let cells = row * hidden..(row + 1) * hidden;
                carry[cells.clone()].copy_from_slice(&dh[cells]);
            }
        }
        if t > 0 || need[1] {
            T::matmul_into(
                batch,
                wide,
                hidden,
                dgh,
                false,
                w.data(),
                false,
                &mut carry,
                true,
            );
        }
    }
    let dw = need[2].then(|| {
        let dw = matmul_new(
            1,
            wide,
            steps * batch,
            hidden,
            &dgh_all,
            true,
            &previous,
            false,
        );
        Tensor::from_parts(w.shape().into(), dw)
    });
    let db = need[3].then(|| {
        let mut db = Buffer::filled(T::ZERO, wide);
        for row in dgh_all.chunks(wide) {
            db.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
        }
        Tensor::from_parts(b.shape().into(), db)
    });
    let dgi = need[0].then(|| Tensor::from_parts(gi.shape().into(), dgi_all));
    let dh0 = need[1].then(|| Tensor::from_parts(h0.shape().into(), carry));
    smallvec::smallvec![dgi, dh0, dw, db]
}
