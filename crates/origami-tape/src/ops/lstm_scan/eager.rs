//! Back-propagation through time for [`LstmScan`] as a direct kernel on
//! tensors: no op is recorded, every step's gate gradients land in one
//! buffer, and the weight gradient is one product over all steps.
//!
//! The gate pre-activations of every step are formed again first, as one
//! product `gi + [h0; h_1 … h_{T-1}]·W_hhᵀ`; the cell states come from the
//! output. Then, from the last step, with `dh = g^h_t + carry_h`,
//! `dc = g^c_t + carry_c + dh ⊙ o ⊙ (1 − tanh²c_t)`:
//! `dâ_i = dc ⊙ g ⊙ i(1 − i)`, `dâ_f = dc ⊙ c_{t-1} ⊙ f(1 − f)`,
//! `dâ_g = dc ⊙ i ⊙ (1 − g²)`, `dâ_o = dh ⊙ tanh c_t ⊙ o(1 − o)`;
//! `carry_c = dc ⊙ f`, `carry_h = dâ·W_hh` (rows already ended pass their
//! gradients on instead). Finally `dW_hh = dâᵀ·[h0; h_1 …]`, `dgi = dâ`.

use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::InputGrads;
use crate::ops::lstm_scan::{LstmScan, activate};
use crate::ops::matmul::matmul_new;
use crate::ops::scan::live_rows;
use crate::tensor::Tensor;

/// Gradients of `(gi, h0, c0, W_hh)`.
pub(super) fn backward<T: Float>(
    scan: &LstmScan,
    x: &[Tensor<T>],
    y: &Tensor<T>,
    g: &Tensor<T>,
    need: &[bool],
) -> InputGrads<Tensor<T>> {
    let (gi, h0, c0, w) = (&x[0], &x[1], &x[2], &x[3]);
    let (steps, batch, hidden) = scan.dims(gi.shape(), h0.shape(), c0.shape(), w.shape());
    let (size, wide) = (batch * hidden, 4 * hidden);
    let (hs, cs) = y.data().split_at(steps * size);
    let (g_h, g_c) = g.data().split_at(steps * size);
    let mut previous = Buffer::with_capacity(steps * size);
    previous.extend_from_slice(h0.data());
    previous.extend_from_slice(&hs[..(steps - 1) * size]);
    let mut act = matmul_new(
        1,
        steps * batch,
        hidden,
        wide,
        &previous,
        false,
        w.data(),
        true,
    );
    act.iter_mut().zip(gi.data()).for_each(|(a, &v)| *a += v);
    activate(&mut act, hidden);
    let mut da_all = Buffer::filled(T::ZERO, steps * batch * wide);
    let (mut carry_h, mut carry_c) = (Buffer::filled(T::ZERO, size), Buffer::filled(T::ZERO, size));
    let (mut dh, mut tanh_c) = (Buffer::filled(T::ZERO, size), Buffer::filled(T::ZERO, size));
    for t in (0..steps).rev() {
        let now = t * size..(t + 1) * size;
        let c_prev = if t == 0 {
            c0.data()
        } else {
            &cs[(t - 1) * size..t * size]
        };
        T::tanh_slice(&cs[now.clone()], &mut tanh_c);
        let a = &act[t * batch * wide..(t + 1) * batch * wide];
        let da = &mut da_all[t * batch * wide..(t + 1) * batch * wide];
        let live = live_rows(scan.lengths.as_deref(), t);
        for i in 0..size {
            let row = i / hidden;
            dh[i] = g_h[now.start + i] + carry_h[i];
            let incoming = g_c[now.start + i] + carry_c[i];
            if live.as_ref().is_some_and(|l| !l[row]) {
                // Ended: h and c pass through this step unchanged.
                carry_h[i] = dh[i];
                carry_c[i] = incoming;
                continue;
            }
            let at = row * wide + i % hidden;
            let (gate_i, gate_f, gate_g, gate_o) = (
                a[at],
                a[at + hidden],
                a[at + 2 * hidden],
                a[at + 3 * hidden],
            );
            let tc = tanh_c[i];
            let dc = incoming + dh[i] * gate_o * (T::ONE - tc * tc);
            da[at] = dc * gate_g * gate_i * (T::ONE - gate_i);
            da[at + hidden] = dc * c_prev[i] * gate_f * (T::ONE - gate_f);
            da[at + 2 * hidden] = dc * gate_i * (T::ONE - gate_g * gate_g);
            da[at + 3 * hidden] = dh[i] * tc * gate_o * (T::ONE - gate_o);
            carry_h[i] = T::ZERO;
            carry_c[i] = dc * gate_f;
        }
        if t > 0 || need[1] {
            T::matmul_into(
                batch,
                wide,
                hidden,
                da,
                false,
                w.data(),
                false,
                &mut carry_h,
                true,
            );
        }
    }
    let dw = need[3].then(|| {
        let dw = matmul_new(
            1,
            wide,
            steps * batch,
            hidden,
            &da_all,
            true,
            &previous,
            false,
        );
        Tensor::from_parts(w.shape().into(), dw)
    });
    let dgi = need[0].then(|| Tensor::from_parts(gi.shape().into(), da_all));
    let dh0 = need[1].then(|| Tensor::from_parts(h0.shape().into(), carry_h));
    let dc0 = need[2].then(|| Tensor::from_parts(c0.shape().into(), carry_c));
    smallvec::smallvec![dgi, dh0, dc0, dw]
}
