//! W0 — sgemm: `C = A·B`, f32, square n = 256 … 2048, through the tape's
//! matmul kernel (the `gemm` crate). Reports the best call's GFLOP/s.

use std::time::Instant;

use origami::prelude::*;

use crate::support::splitmix::SplitMix64;
use crate::support::timing::peak_rss_mb;

pub fn run() {
    for n in [256usize, 512, 1024, 2048] {
        let mut rng = SplitMix64::new(1000 + n as u64);
        let a = rng.uniform(&[n, n], -1.0, 1.0);
        let b = rng.uniform(&[n, n], -1.0, 1.0);
        let multiply = || {
            let tape = Tape::inference();
            tape.constant(a.clone())
                .matmul(tape.constant(b.clone()))
                .value()
        };
        for _ in 0..3 {
            std::hint::black_box(multiply());
        }
        let (mut best, mut calls, start) = (f64::INFINITY, 0, Instant::now());
        let mut c = multiply();
        while calls < 5 || start.elapsed().as_secs_f64() < 1.0 {
            let t = Instant::now();
            c = multiply();
            best = best.min(t.elapsed().as_secs_f64());
            calls += 1;
        }
        // Max |C − f64 reference| over the first four rows.
        let mut err = 0.0f64;
        for i in 0..4 {
            for j in 0..n {
                let want: f64 = (0..n)
                    .map(|k| a.data()[i * n + k] as f64 * b.data()[k * n + j] as f64)
                    .sum();
                err = err.max((c.data()[i * n + j] as f64 - want).abs());
            }
        }
        let gflops = 2.0 * (n as f64).powi(3) / best / 1e9;
        println!(
            "{{\"workload\": \"sgemm\", \"framework\": \"origami\", \"n\": {n}, \"gflops_best\": {gflops:.1}, \"calls\": {calls}, \"peak_rss_mb\": {:.1}, \"check\": {{\"max_abs_err_rows0_3\": {err:.3e}}}}}",
            peak_rss_mb()
        );
    }
}
