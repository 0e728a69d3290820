//! W4 — exact Hessian-vector product vs gradient, W1's MLP at its initial
//! point on the first 256 rows as one batch; `v` from stream seed 4.

use origami::prelude::*;

use crate::support::splitmix::SplitMix64;
use crate::support::timing::{peak_rss_mb, summary, time_steps};
use crate::w1_mlp_tiny::data_and_params;

const ROWS: usize = 256;
const WARMUP: usize = 200;
const REPS: usize = 2000;

fn loss<'t>(tape: &'t Tape<f32>, p: &[Var<'t, f32>], x: &Tensor<f32>, y: &[usize]) -> Var<'t, f32> {
    let h1 = (tape.constant(x.clone()).matmul(p[0]) + p[1]).tanh();
    let h2 = (h1.matmul(p[2]) + p[3]).tanh();
    (h2.matmul(p[4]) + p[5]).cross_entropy(y, Reduction::Mean)
}

pub fn run() {
    let (batches, params) = data_and_params();
    let xs: Vec<f32> = batches
        .iter()
        .flat_map(|(x, _)| x.data().to_vec())
        .take(ROWS * 2)
        .collect();
    let x = Tensor::from_vec(&[ROWS, 2], xs).expect("rows");
    let y: Vec<usize> = batches
        .iter()
        .flat_map(|(_, y)| y.clone())
        .take(ROWS)
        .collect();
    let mut rng = SplitMix64::new(4);
    let v: Vec<Tensor<f32>> = params
        .iter()
        .map(|p| rng.uniform(p.shape(), -1.0, 1.0))
        .collect();

    let gradient = || {
        let tape = Tape::new();
        let p: Vec<_> = params.iter().map(|t| tape.var(t.clone())).collect();
        let l = loss(&tape, &p, &x, &y);
        tape.grad(&[l], &p, false)
            .iter()
            .map(Var::value)
            .collect::<Vec<_>>()
    };
    let hvp = || {
        let tape = Tape::new();
        let p: Vec<_> = params.iter().map(|t| tape.var(t.clone())).collect();
        let l = loss(&tape, &p, &x, &y);
        tape.hvp(l, &p, &v)
    };
    let report = |name: &str, out: &[Tensor<f32>], samples: &[f64], ratio: Option<f64>| {
        let norm = out
            .iter()
            .flat_map(|t| t.data())
            .map(|&a| (a as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        let dot_v: f64 = out
            .iter()
            .zip(&v)
            .flat_map(|(a, b)| a.data().iter().zip(b.data()))
            .map(|(&a, &b)| a as f64 * b as f64)
            .sum();
        let ratio = ratio.map_or(String::new(), |r| format!(", \"ratio_vs_grad\": {r:.3}"));
        println!(
            "{{\"workload\": \"hvp\", \"framework\": \"origami\", \"variant\": \"{name}\", {}{ratio}, \"peak_rss_mb\": {:.1}, \"check\": {{\"norm\": {norm:.6}, \"dot_v\": {dot_v:.6}}}}}",
            summary(samples),
            peak_rss_mb()
        );
    };
    let g_samples = time_steps(WARMUP, REPS, |_| drop(gradient()));
    let h_samples = time_steps(WARMUP, REPS, |_| drop(hvp()));
    let median = |s: &[f64]| {
        let mut s = s.to_vec();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    report("grad", &gradient(), &g_samples, None);
    report(
        "hvp_reverse_over_reverse",
        &hvp(),
        &h_samples,
        Some(median(&h_samples) / median(&g_samples)),
    );
}
