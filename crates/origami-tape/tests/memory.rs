//! Tensor memory: every buffer starts on a 64-byte line, repeated training
//! steps of the same shapes are served from the large-block cache after
//! the first, and blocks nobody asks for again are given back.
//!
//! One test function: the cache is process-wide, and tests of one binary
//! run on parallel threads.

use origami_tape::{Reduction, Tape, Tensor, memory_stats, release_cached_memory};

/// A step whose values and gradients are all large blocks (over 60 KiB).
fn step(w: &Tensor<f32>) -> f32 {
    let tape = Tape::new();
    let x = tape.constant(Tensor::full(&[256, 128], 0.01f32));
    let wv = tape.param(0, w);
    let h = x.matmul(wv).tanh();
    let loss = h.cross_entropy(&vec![3; 256], Reduction::Mean);
    let grads = loss.backward();
    let g = grads.get(0).expect("gradient");
    assert_eq!(g.data().as_ptr() as usize % 64, 0, "gradient buffer");
    assert_eq!(h.value().data().as_ptr() as usize % 64, 0, "value buffer");
    loss.value().item()
}

#[test]
fn steps_reuse_cached_blocks_and_stale_blocks_are_released() {
    let w = Tensor::full(&[128, 256], 0.02f32);
    assert_eq!(w.data().as_ptr() as usize % 64, 0);
    let from_vec = Tensor::from_vec(&[3], vec![1.0f64, 2.0, 3.0]).unwrap();
    assert_eq!(from_vec.data().as_ptr() as usize % 64, 0);

    let first = step(&w);
    let after_first = memory_stats();
    assert!(after_first.cached >= 4 * 128 * 256, "{after_first:?}");
    for _ in 0..20 {
        assert_eq!(step(&w), first, "same inputs, same loss");
        let now = memory_stats();
        assert_eq!(now, after_first, "a repeated step took fresh memory");
    }

    // A long run of requests of another size: the step's blocks go stale
    // and are given back; the block still cycling stays.
    for _ in 0..5000 {
        drop(Tensor::<f64>::zeros(&[70_000]));
    }
    let later = memory_stats();
    let one_block = 70_000 * 8usize;
    assert!(
        later.cached >= one_block && later.cached < one_block + one_block / 8,
        "stale blocks stayed: {later:?}"
    );
    assert_eq!(later.in_use, after_first.in_use);

    assert!(release_cached_memory() >= one_block);
    let released = memory_stats();
    assert_eq!(released.cached, 0);
    assert_eq!(released.high_water, released.in_use);
}
