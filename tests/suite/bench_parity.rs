//! The benchmark workloads compute the same thing as the PyTorch and JAX
//! reference scripts: same SplitMix64 data, same initial parameters, same
//! losses at the check steps (values from the reference runs on
//! ../shared/bench, committed here).

use crate::w1_mlp_tiny;

fn close(got: f32, want: f64) -> bool {
    ((got as f64 - want) / want).abs() < 1e-5
}

#[test]
fn w1_losses_match_pytorch() {
    // PyTorch `manual` and JAX `jit`: losses of batches 0, 1, 2 and 10.
    let want = [(0, 0.631669), (1, 0.809272), (2, 0.677458), (10, 0.690753)];
    let (batches, mut params) = w1_mlp_tiny::data_and_params();
    let mut losses = Vec::new();
    for i in 0..=10 {
        let (x, y) = &batches[i % batches.len()];
        losses.push(w1_mlp_tiny::step(&mut params, x, y));
    }
    for (step, value) in want {
        assert!(
            close(losses[step], value),
            "step {step}: {} vs {value}",
            losses[step]
        );
    }
}
