//! W6 — gru-text: W2's task and training with a GRU cell (gates r, z, n in
//! blocks of 128; both biases, `b_hn` inside `r ⊙ (…)`), as the workload
//! specification says.

use std::ops::Range;

use origami::prelude::*;
use origami::tape::GruScan;

use crate::spread::Spread;
use crate::support::splitmix::SplitMix64;
use crate::support::{bind_params, transposed};
use crate::w2_rnn_text::{
    Batch, CLASSES, EMBED, HIDDEN, STEPS_T, VOCAB, batches, embedded, head_loss, run_with,
};

/// The batches and `E, W_ih, W_hhᵀ, b_ih, b_hh, W_o, b_o`: `W_hh` is drawn
/// as the specification's `[128, 384]` and stored transposed, PyTorch's
/// layout, which `gru_scan` takes.
pub fn data_and_params() -> (Vec<Batch>, Vec<Tensor<f32>>) {
    let mut rng = SplitMix64::new(2);
    let batches = batches(&mut rng);
    let bound = 1.0 / (HIDDEN as f64).sqrt();
    let params = vec![
        rng.uniform(&[VOCAB, EMBED], -1.0, 1.0),
        rng.uniform(&[EMBED, 3 * HIDDEN], -bound, bound),
        transposed(rng.uniform(&[HIDDEN, 3 * HIDDEN], -bound, bound)),
        rng.uniform(&[3 * HIDDEN], -bound, bound),
        rng.uniform(&[3 * HIDDEN], -bound, bound),
        rng.uniform(&[HIDDEN, CLASSES], -bound, bound),
        rng.uniform(&[CLASSES], -bound, bound),
    ];
    (batches, params)
}

fn shard_loss(params: &[Tensor<f32>], batch: &Batch, rows: Range<usize>) -> (f64, Grads<f32>) {
    let tape = Tape::new();
    let p = bind_params(&tape, params);
    let size = rows.len();
    // Every step's input projection (with b_ih) in one product, then the
    // recurrence, which adds b_hh inside.
    let gi = (embedded(p[0], batch, rows.clone()).matmul(p[1]) + p[3]).reshape(&[
        STEPS_T,
        size,
        3 * HIDDEN,
    ]);
    let h0 = tape.constant(Tensor::zeros(&[size, HIDDEN]));
    let states = gi.gru_scan(h0, p[2], p[4], &GruScan::default());
    let h = states.narrow(0, STEPS_T - 1, 1).reshape(&[size, HIDDEN]);
    head_loss(h, p[5], p[6], &batch.1[rows])
}

pub fn run(spread: &Spread) {
    let (batches, params) = data_and_params();
    run_with("gru", spread, &batches, params, shard_loss);
}
