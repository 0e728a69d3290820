//! W5 — lstm-text: W2's task and training with an LSTM cell (gates i, f,
//! g, o in blocks of 128; one bias), as the workload specification says.

use std::ops::Range;

use origami::prelude::*;
use origami::tape::LstmScan;

use crate::spread::Spread;
use crate::support::splitmix::SplitMix64;
use crate::support::{bind_params, transposed};
use crate::w2_rnn_text::{
    Batch, CLASSES, EMBED, HIDDEN, STEPS_T, VOCAB, batches, embedded, head_loss, run_with,
};

/// The batches and `E, W_ih, W_hhᵀ, b, W_o, b_o`: `W_hh` is drawn as the
/// specification's `[128, 512]` and stored transposed, PyTorch's layout,
/// which `lstm_scan` takes.
pub fn data_and_params() -> (Vec<Batch>, Vec<Tensor<f32>>) {
    let mut rng = SplitMix64::new(2);
    let batches = batches(&mut rng);
    let bound = 1.0 / (HIDDEN as f64).sqrt();
    let params = vec![
        rng.uniform(&[VOCAB, EMBED], -1.0, 1.0),
        rng.uniform(&[EMBED, 4 * HIDDEN], -bound, bound),
        transposed(rng.uniform(&[HIDDEN, 4 * HIDDEN], -bound, bound)),
        rng.uniform(&[4 * HIDDEN], -bound, bound),
        rng.uniform(&[HIDDEN, CLASSES], -bound, bound),
        rng.uniform(&[CLASSES], -bound, bound),
    ];
    (batches, params)
}

fn shard_loss(params: &[Tensor<f32>], batch: &Batch, rows: Range<usize>) -> (f64, Grads<f32>) {
    let tape = Tape::new();
    let p = bind_params(&tape, params);
    let size = rows.len();
    // Every step's input product in one product, then the recurrence
    // (which adds the bias).
    let gi = embedded(p[0], batch, rows.clone())
        .matmul(p[1])
        .reshape(&[STEPS_T, size, 4 * HIDDEN]);
    let zeros = tape.constant(Tensor::zeros(&[size, HIDDEN]));
    let hc = gi.lstm_scan(zeros, zeros, p[2], p[3], &LstmScan::default());
    let h = hc
        .narrow(0, 0, 1)
        .narrow(1, STEPS_T - 1, 1)
        .reshape(&[size, HIDDEN]);
    head_loss(h, p[4], p[5], &batch.1[rows])
}

pub fn run(spread: &Spread) {
    let (batches, params) = data_and_params();
    run_with("lstm", spread, &batches, params, shard_loss);
}
