//! W1 — mlp-tiny: 2→16→16→2 tanh MLP, batch 32, plain SGD (lr 0.1).
//! Dominated by per-op overhead: the tape's bookkeeping is what is timed.

use origami::prelude::*;

use crate::support::bind_params;
use crate::support::splitmix::SplitMix64;
use crate::support::timing::{peak_rss_mb, summary, time_steps};

const N: usize = 2048;
const BATCH: usize = 32;
const LR: f32 = 0.1;
const WARMUP: usize = 200;
const STEPS: usize = 2000;
const CHECKS: [usize; 6] = [0, 1, 2, 10, 100, WARMUP + STEPS - 1];

/// One batch: inputs `[32, 2]` and their labels.
pub type Batch = (Tensor<f32>, Vec<usize>);

/// Batches and the six parameter tensors, drawn as the spec says.
pub fn data_and_params() -> (Vec<Batch>, Vec<Tensor<f32>>) {
    let mut rng = SplitMix64::new(1);
    let x = rng.uniform(&[N, 2], -1.0, 1.0);
    let labels: Vec<usize> = x
        .data()
        .chunks(2)
        .map(|r| ((r[0] > 0.0) == (r[1] > 0.0)) as usize)
        .collect();
    let mut params = Vec::new();
    for (fan_in, fan_out) in [(2, 16), (16, 16), (16, 2)] {
        params.extend(rng.linear(fan_in, fan_out));
    }
    let batches = (0..N / BATCH)
        .map(|b| {
            let rows = x.data()[b * BATCH * 2..(b + 1) * BATCH * 2].to_vec();
            let inputs = Tensor::from_vec(&[BATCH, 2], rows).expect("batch shape");
            (inputs, labels[b * BATCH..(b + 1) * BATCH].to_vec())
        })
        .collect();
    (batches, params)
}

/// One training step; returns the loss before the update.
pub fn step(params: &mut [Tensor<f32>], x: &Tensor<f32>, y: &[usize]) -> f32 {
    let (loss, grads) = {
        let tape = Tape::new();
        let p = bind_params(&tape, params);
        let h1 = (tape.constant(x.clone()).matmul(p[0]) + p[1]).tanh();
        let h2 = (h1.matmul(p[2]) + p[3]).tanh();
        let loss = (h2.matmul(p[4]) + p[5]).cross_entropy(y, Reduction::Mean);
        (loss.value().item(), loss.backward())
    };
    for (i, param) in params.iter_mut().enumerate() {
        let g = grads.get(i).expect("every parameter reaches the loss");
        for (w, d) in param.data_mut().iter_mut().zip(g.data()) {
            *w -= LR * d;
        }
    }
    loss
}

pub fn run() {
    let (batches, mut params) = data_and_params();
    let mut checks = Vec::new();
    let samples = time_steps(WARMUP, STEPS, |i| {
        let (x, y) = &batches[i % batches.len()];
        let loss = step(&mut params, x, y);
        if CHECKS.contains(&i) {
            checks.push(format!("\"loss_step{i}\": {loss:.6}"));
        }
    });
    println!(
        "{{\"workload\": \"mlp_tiny\", \"framework\": \"origami\", {}, \"peak_rss_mb\": {:.1}, \"check\": {{{}}}}}",
        summary(&samples),
        peak_rss_mb(),
        checks.join(", ")
    );
}
