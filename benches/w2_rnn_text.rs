//! W2 — rnn-text: Elman RNN over 64 steps (vocab 64, embedding 32, hidden
//! 128, batch 32, 4 classes), global-norm clipping at 5, momentum SGD
//! (μ 0.9, lr 0.05), exactly as the workload specification says; and the
//! data, the training step and the timing W5 and W6 share with it.

use std::ops::Range;

use origami::optim::clip_grad_norm;
use origami::prelude::*;
use origami::tape::{ElmanScan, Nonlinearity};

use crate::spread::Spread;
use crate::support::bind_params;
use crate::support::splitmix::SplitMix64;
use crate::support::timing::{peak_rss_mb, summary, time_steps};

pub const VOCAB: usize = 64;
pub const EMBED: usize = 32;
pub const HIDDEN: usize = 128;
pub const STEPS_T: usize = 64;
const BATCH: usize = 32;
pub const CLASSES: usize = 4;
const BATCHES: usize = 32;
const WARMUP: usize = 20;
const TIMED: usize = 200;

/// One batch: tokens per time step (`[64][32]`) and the labels.
pub type Batch = (Vec<Vec<usize>>, Vec<usize>);

/// The 1,024 sequences of stream 2, as 32 batches (W2, W5 and W6 all draw
/// them first, then their own parameters from the same stream).
pub fn batches(rng: &mut SplitMix64) -> Vec<Batch> {
    let mut seqs = Vec::with_capacity(BATCHES * BATCH);
    for _ in 0..BATCHES * BATCH {
        let label = rng.randint(CLASSES);
        let tokens: Vec<usize> = (0..STEPS_T)
            .map(|_| {
                let (u1, u2) = (rng.uniform01(), rng.uniform01());
                if u1 < 0.5 {
                    16 * label + (16.0 * u2).floor() as usize
                } else {
                    (64.0 * u2).floor() as usize
                }
            })
            .collect();
        seqs.push((label, tokens));
    }
    seqs.chunks(BATCH)
        .map(|chunk| {
            let steps = (0..STEPS_T)
                .map(|t| chunk.iter().map(|(_, s)| s[t]).collect())
                .collect();
            (steps, chunk.iter().map(|(l, _)| *l).collect())
        })
        .collect()
}

/// The 32 batches and the parameters `E, W_xh, W_hh, b_h, W_o, b_o`.
pub fn data_and_params() -> (Vec<Batch>, Vec<Tensor<f32>>) {
    let mut rng = SplitMix64::new(2);
    let batches = batches(&mut rng);
    let bound = 1.0 / (HIDDEN as f64).sqrt();
    let params = vec![
        rng.uniform(&[VOCAB, EMBED], -1.0, 1.0),
        rng.uniform(&[EMBED, HIDDEN], -bound, bound),
        rng.uniform(&[HIDDEN, HIDDEN], -bound, bound),
        rng.uniform(&[HIDDEN], -bound, bound),
        rng.uniform(&[HIDDEN, CLASSES], -bound, bound),
        rng.uniform(&[CLASSES], -bound, bound),
    ];
    (batches, params)
}

/// The tokens of batch rows `rows`, time-major, looked up in `E`:
/// `[64 · rows, 32]`.
pub fn embedded<'t>(e: Var<'t, f32>, batch: &Batch, rows: Range<usize>) -> Var<'t, f32> {
    let ids: Vec<usize> = batch
        .0
        .iter()
        .flat_map(|ids| &ids[rows.clone()])
        .copied()
        .collect();
    e.index_select(0, &ids)
}

/// The summed cross-entropy of the head on the last state `h`, divided by
/// the batch size (so shards add up to the batch mean), and its gradients.
pub fn head_loss<'t>(
    h: Var<'t, f32>,
    w_o: Var<'t, f32>,
    b_o: Var<'t, f32>,
    labels: &[usize],
) -> (f64, Grads<f32>) {
    let loss = (h.matmul(w_o) + b_o).cross_entropy(labels, Reduction::Sum) / BATCH as f32;
    (loss.value().item() as f64, loss.backward())
}

/// The loss of batch rows `rows` of one batch (a share of the batch mean)
/// and its gradients, for the parameters a workload draws.
pub type ShardLoss = fn(&[Tensor<f32>], &Batch, Range<usize>) -> (f64, Grads<f32>);

fn shard_loss(params: &[Tensor<f32>], batch: &Batch, rows: Range<usize>) -> (f64, Grads<f32>) {
    let tape = Tape::new();
    let p = bind_params(&tape, params);
    let size = rows.len();
    // As nn.RNN does: the input projection (and bias) of all 64 steps in
    // one GEMM; then the recurrence as one op.
    let projected =
        (embedded(p[0], batch, rows.clone()).matmul(p[1]) + p[3]).reshape(&[STEPS_T, size, HIDDEN]);
    let h0 = tape.constant(Tensor::zeros(&[size, HIDDEN]));
    let states = projected.elman_scan(h0, p[2], &ElmanScan::new(Nonlinearity::Tanh));
    let h = states.narrow(0, STEPS_T - 1, 1).reshape(&[size, HIDDEN]);
    head_loss(h, p[4], p[5], &batch.1[rows])
}

/// One training step, the batch split over the threads (of every rank,
/// with `--distributed`); returns the loss before the update.
pub fn step(
    params: &mut [Tensor<f32>],
    velocity: &mut [Tensor<f32>],
    first: bool,
    batch: &Batch,
    spread: &Spread,
    shard_loss: ShardLoss,
) -> f32 {
    // One shard per thread. When a helper's core is busy, sharded_gradient
    // runs every shard on this thread, and more, smaller shards then cost
    // more than the 1-thread step (AVX-512 EPYC, core 1 busy: 8 shards
    // 1.57-1.65 ms, 2 shards 1.36, 1 thread 1.33). Idle, 2 shards take
    // 0.99 ms against 0.93 for 8. (Session 3 found 16-sequence shards 1.5x
    // slower per shard on the AVX2 machine; glibc was then returning their
    // 512 KB buffers to the system at every free, which the tensor buffer
    // cache now prevents.)
    let shards = spread.shards();
    let rows = |i: usize| BATCH * i / shards..BATCH * (i + 1) / shards;
    let (loss, mut grads) = if shards == 1 {
        shard_loss(params, batch, 0..BATCH)
    } else {
        let params = &*params;
        spread.gradient(params, |i| Ok(shard_loss(params, batch, rows(i))))
    };
    let loss = loss as f32;
    clip_grad_norm(&mut grads, 5.0).expect("finite gradients");
    for (i, (param, v)) in params.iter_mut().zip(velocity.iter_mut()).enumerate() {
        let g = grads.get(i).expect("every parameter reaches the loss");
        for ((w, m), &d) in param.data_mut().iter_mut().zip(v.data_mut()).zip(g.data()) {
            *m = if first { d } else { 0.9 * *m + d };
            *w -= 0.05 * *m;
        }
    }
    loss
}

pub fn run(spread: &Spread) {
    let (batches, params) = data_and_params();
    run_with("rnn", spread, &batches, params, shard_loss);
}

/// Times `workload` (20 warm-up and 200 timed steps over the 32 batches)
/// and prints its JSON line, with the losses the specification checks.
pub fn run_with(
    workload: &str,
    spread: &Spread,
    batches: &[Batch],
    mut params: Vec<Tensor<f32>>,
    shard_loss: ShardLoss,
) {
    let mut velocity: Vec<Tensor<f32>> = params.iter().map(|p| Tensor::zeros(p.shape())).collect();
    let mut checks = Vec::new();
    let samples = time_steps(WARMUP, TIMED, |i| {
        let loss = step(
            &mut params,
            &mut velocity,
            i == 0,
            &batches[i % BATCHES],
            spread,
            shard_loss,
        );
        if [0, 1, 2, 10, WARMUP + TIMED - 1].contains(&i) {
            checks.push(format!("\"loss_step{i}\": {loss:.6}"));
        }
    });
    if !spread.is_root() {
        return;
    }
    println!(
        "{{\"workload\": \"{workload}\", \"framework\": \"origami\", {}, \"peak_rss_mb\": {:.1}, \"check\": {{{}}}}}",
        summary(&samples),
        peak_rss_mb(),
        checks.join(", ")
    );
}
