//! `--placements N`: run the chosen workloads N times, each time after
//! shifting where the heap and the stack stand by a different, seeded
//! amount, and print the spread of each measurement's median. A kernel
//! whose speed depends on where the allocator or the stack happened to put
//! its buffers shows up here as a large max / min; one run of the plain
//! benchmark would show only one of those placements.

use std::hint::black_box;

use crate::support::splitmix::SplitMix64;
use crate::support::timing::take_medians;

/// Runs `f` with the heap and the stack shifted as placement `seed` says:
/// origami's block caches are emptied, a few small blocks and one large
/// block of random sizes stay allocated while `f` runs, and `f` runs under
/// a random number of stack frames.
fn shifted(seed: u64, f: &mut dyn FnMut()) {
    // Otherwise the caches would hand the same blocks to every placement.
    origami::tape::release_cached_memory();
    let mut rng = SplitMix64::new(0x9ace + seed);
    let small: Vec<Vec<u8>> = (0..rng.randint(48))
        .map(|_| vec![1u8; 1 + rng.randint(4096)])
        .collect();
    let large = vec![1u8; 1 + rng.randint(512 * 1024)];
    below(rng.randint(400), f);
    black_box((small, large));
}

/// Calls `f` under `frames` more stack frames of 16 bytes each at least.
#[inline(never)]
fn below(frames: usize, f: &mut dyn FnMut()) {
    let pad = black_box([frames as u8; 16]);
    if frames == 0 {
        f();
    } else {
        below(frames - 1, f);
    }
    black_box(pad);
}

/// Runs `workloads` under `placements` placements and prints, for every
/// measurement, one JSON line with the min, median and max of its medians,
/// and each placement's median in order (a slow placement stays slow when
/// rerun; a transient slowdown of the machine does not).
pub fn run(placements: usize, workloads: &mut dyn FnMut()) {
    take_medians();
    let mut runs: Vec<Vec<(String, f64)>> = Vec::new();
    for seed in 0..placements as u64 {
        shifted(seed, workloads);
        runs.push(take_medians());
    }
    let Some(first) = runs.first() else { return };
    for (i, (measurement, _)) in first.iter().enumerate() {
        let in_order: Vec<f64> = runs.iter().map(|r| r[i].1).collect();
        let mut medians = in_order.clone();
        medians.sort_by(f64::total_cmp);
        let (min, max) = (medians[0], medians[medians.len() - 1]);
        let each: Vec<String> = in_order.iter().map(|m| format!("{m:.1}")).collect();
        println!(
            "{{\"placements\": {placements}, \"measurement\": \"{measurement}\", \"min_us\": {min:.3}, \"median_us\": {:.3}, \"max_us\": {max:.3}, \"max_over_min\": {:.3}, \"each_us\": [{}]}}",
            medians[medians.len() / 2],
            max / min,
            each.join(", ")
        );
    }
}
