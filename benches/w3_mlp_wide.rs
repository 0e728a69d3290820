//! W3 — mlp-wide: 784→1024→1024→10 relu MLP, batch 256, plain SGD
//! (lr 0.01). Compute bound: almost all time is in the GEMMs.

use origami::prelude::*;

use crate::support::bind_params;
use crate::support::splitmix::SplitMix64;
use crate::support::timing::{peak_rss_mb, summary, time_steps};

const BATCH: usize = 256;
const BATCHES: usize = 8;
const WARMUP: usize = 20;
const TIMED: usize = 200;

pub fn run() {
    let mut rng = SplitMix64::new(3);
    let x = rng.uniform(&[BATCH * BATCHES, 784], 0.0, 1.0);
    let y: Vec<usize> = (0..BATCH * BATCHES).map(|_| rng.randint(10)).collect();
    let mut params = Vec::new();
    for (fan_in, fan_out) in [(784, 1024), (1024, 1024), (1024, 10)] {
        params.extend(rng.linear(fan_in, fan_out));
    }
    let batches: Vec<(Tensor<f32>, Vec<usize>)> = (0..BATCHES)
        .map(|b| {
            let rows = x.data()[b * BATCH * 784..(b + 1) * BATCH * 784].to_vec();
            (
                Tensor::from_vec(&[BATCH, 784], rows).expect("batch"),
                y[b * BATCH..(b + 1) * BATCH].to_vec(),
            )
        })
        .collect();
    let mut checks = Vec::new();
    let samples = time_steps(WARMUP, TIMED, |i| {
        let (xb, yb) = &batches[i % BATCHES];
        let (loss, grads) = {
            let tape = Tape::new();
            let p = bind_params(&tape, &params);
            let h1 = (tape.constant(xb.clone()).matmul(p[0]) + p[1]).relu();
            let h2 = (h1.matmul(p[2]) + p[3]).relu();
            let loss = (h2.matmul(p[4]) + p[5]).cross_entropy(yb, Reduction::Mean);
            (loss.value().item(), loss.backward())
        };
        for (k, param) in params.iter_mut().enumerate() {
            let g = grads.get(k).expect("gradient");
            for (w, d) in param.data_mut().iter_mut().zip(g.data()) {
                *w -= 0.01 * d;
            }
        }
        if [0, 1, 2, 10, WARMUP + TIMED - 1].contains(&i) {
            checks.push(format!("\"loss_step{i}\": {loss:.6}"));
        }
    });
    println!(
        "{{\"workload\": \"mlp_wide\", \"framework\": \"origami\", {}, \"peak_rss_mb\": {:.1}, \"check\": {{{}}}}}",
        summary(&samples),
        peak_rss_mb(),
        checks.join(", ")
    );
}
