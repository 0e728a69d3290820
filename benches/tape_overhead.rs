//! Bookkeeping cost per op: a chain of scalar ops (where arithmetic is
//! free) recorded and back-propagated, reported per op.

use origami::prelude::*;

use crate::support::timing::{summary, time_steps};

const OPS: usize = 1000;

pub fn run() {
    let w = Tensor::scalar(0.999f32);
    let samples = time_steps(20, 500, |_| {
        let tape = Tape::new();
        let wv = tape.param(0, &w);
        let mut x = wv;
        for _ in 0..OPS / 2 {
            x = (x * wv).tanh();
        }
        std::hint::black_box(x.backward());
    });
    let per_op: Vec<f64> = samples.iter().map(|s| s / OPS as f64).collect();
    println!(
        "{{\"workload\": \"tape_overhead\", \"framework\": \"origami\", \"unit\": \"per op, forward + backward\", {}}}",
        summary(&per_op)
    );
}
