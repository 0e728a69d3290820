//! Back-propagation through time for [`ElmanScan`] as a direct kernel on
//! tensors (the hot path of an eager backward pass): no op is recorded and
//! every `dz_t` lands in one buffer. The recorded rule in `recorded.rs`
//! computes the same gradients (the op spec table checks that they agree).
//!
//! Walking back from the last step with `carry` = the gradient reaching
//! `h_t` from later steps: `dh_t = g_t + carry`, `dz_t = dh_t ⊙ act'(h_t)`,
//! `carry = dz_t·op(W)ᵀ` (rows already ended pass `dh_t` through instead).
//! Then `dz = [dz_1 … dz_T]`, `dh0 = carry`, and `dW` = `Σ_t h_{t-1}ᵀ·dz_t`
//! (or its transpose) as one product over all steps stacked. Rows after
//! the last one still running are skipped at each step and in the product
//! (their `dz` is zero).

use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::InputGrads;
use crate::ops::matmul::matmul_new;
use crate::ops::scan::{ElmanScan, Nonlinearity, running_part, running_rows};
use crate::tensor::Tensor;

/// Gradients of `(z, h0, W)` with tensors: no op is recorded and every
/// `dz_t` lands in one buffer.
pub(super) fn backward<T: Float>(
    scan: &ElmanScan,
    x: &[Tensor<T>],
    y: &Tensor<T>,
    g: &Tensor<T>,
    need: &[bool],
) -> InputGrads<Tensor<T>> {
    let (z, h0, w) = (&x[0], &x[1], &x[2]);
    let (steps, batch, hidden) = scan.dims(z.shape(), h0.shape(), w.shape());
    let size = batch * hidden;
    let (ys, gs) = (y.data(), g.data());
    let mut dz_all = Buffer::filled(T::ZERO, steps * size);
    let mut carry = Buffer::filled(T::ZERO, size);
    let mut dh = Buffer::filled(T::ZERO, size);
    // `carry = dz·op(W)ᵀ`, with op(W)ᵀ laid out once as a plain operand.
    let back = ElmanScan::oriented(w.data(), hidden, !scan.transpose_weight);
    for t in (0..steps).rev() {
        let now = t * size..(t + 1) * size;
        for ((d, &gv), &c) in dh.iter_mut().zip(&gs[now.clone()]).zip(&carry) {
            *d = gv + c;
        }
        let dz = &mut dz_all[now.clone()];
        let pairs = dz.iter_mut().zip(&ys[now]).zip(&dh);
        match scan.nonlinearity {
            Nonlinearity::Tanh => pairs.for_each(|((d, &h), &v)| *d = v * (T::ONE - h * h)),
            Nonlinearity::Relu => {
                pairs.for_each(|((d, &h), &v)| *d = if h > T::ZERO { v } else { T::ZERO })
            }
        }
        let live = scan.live(t);
        let dead = || {
            let live = live.as_deref().unwrap_or(&[]);
            (0..live.len())
                .filter(move |&b| !live[b])
                .map(move |b| b * hidden..(b + 1) * hidden)
        };
        for row in dead() {
            dz[row].fill(T::ZERO);
        }
        let rows = running_rows(scan.lengths.as_deref(), batch, t);
        if t > 0 || need[1] {
            let (dz, out) = (&dz[..rows * hidden], &mut carry[..rows * hidden]);
            T::matmul_into(rows, hidden, hidden, dz, false, &back, false, out, false);
            for row in dead() {
                carry[row.clone()].copy_from_slice(&dh[row]);
            }
        }
    }
    let dw = need[2].then(|| {
        // Steps 2… pair with the stored states h_1…h_{T-1}: one product of
        // depth (steps − 1)·batch, less the rows that ended; step 1 pairs
        // with h0.
        let rest = (steps - 1) * size;
        let lengths = scan.lengths.as_deref();
        let later = running_part(&dz_all[size..], lengths, 1, batch, hidden);
        let early = running_part(&ys[..rest], lengths, 1, batch, hidden);
        let k = early.len() / hidden.max(1);
        let first_rows = running_rows(lengths, batch, 0);
        let first = &dz_all[..first_rows * hidden];
        let h0 = &h0.data()[..first_rows * hidden];
        let (later, early) = (&*later, &*early);
        let mut dw = if scan.transpose_weight {
            matmul_new(1, hidden, k, hidden, later, true, early, false)
        } else {
            matmul_new(1, hidden, k, hidden, early, true, later, false)
        };
        let (a, b) = if scan.transpose_weight {
            (first, h0)
        } else {
            (h0, first)
        };
        T::matmul_into(hidden, first_rows, hidden, a, true, b, false, &mut dw, true);
        Tensor::from_parts(w.shape().into(), dw)
    });
    let dz = need[0].then(|| Tensor::from_parts(z.shape().into(), dz_all));
    let dh0 = need[1].then(|| Tensor::from_parts(h0.shape().into(), carry));
    smallvec::smallvec![dz, dh0, dw]
}
