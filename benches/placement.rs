//! `--placements N`: run the chosen workloads N times, each in a fresh
//! process placed differently, and print the spread of each measurement's
//! median. A kernel whose speed depends on where the allocator or the
//! stack happened to put its buffers shows up as a large max / min; one
//! run of the plain benchmark shows only one placement.
//!
//! Placement `s` differs from the others the ways a user's run would: the
//! length of its arguments (a padding argument of `8s + 1` characters,
//! which moves where the heap and the stack start, as a longer program
//! path does), and, inside the process, a few small blocks and one large
//! block of seeded random sizes held while the workloads run, under a
//! seeded number of extra stack frames.

use std::hint::black_box;
use std::process::Command;

use crate::support::splitmix::SplitMix64;

/// Runs `f` shifted as placement `seed` says (inside the child process).
pub fn shifted(seed: u64, f: impl FnOnce()) {
    let mut rng = SplitMix64::new(0x9ace + seed);
    let small: Vec<Vec<u8>> = (0..rng.randint(48))
        .map(|_| vec![1u8; 1 + rng.randint(4096)])
        .collect();
    let large = vec![1u8; 1 + rng.randint(512 * 1024)];
    below(rng.randint(400), &mut Some(f));
    black_box((small, large));
}

/// Calls `f` under `frames` more stack frames of 16 bytes each at least.
#[inline(never)]
fn below(frames: usize, f: &mut Option<impl FnOnce()>) {
    let pad = black_box([frames as u8; 16]);
    if frames == 0 {
        if let Some(f) = f.take() {
            f();
        }
    } else {
        below(frames - 1, f);
    }
    black_box(pad);
}

/// The measurement a JSON line of a workload reports, and its median.
fn measurement(line: &str) -> Option<(String, f64)> {
    let field = |key: &str| {
        let start = line.find(&format!("\"{key}\": "))? + key.len() + 4;
        let rest = &line[start..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].trim_matches('"').to_string())
    };
    let median = field("median_us")?.parse().ok()?;
    let mut name = field("workload")?;
    for key in ["variant", "n"] {
        if let Some(v) = field(key) {
            name = format!("{name} {v}");
        }
    }
    Some((name, median))
}

/// Runs this benchmark binary `placements` times with `args` (the
/// workloads and flags, without `--placements`) and prints, for every
/// measurement, one JSON line with the min, median and max of its medians
/// and each placement's median in order.
pub fn run(placements: usize, args: &[String]) {
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    let mut names: Vec<String> = Vec::new();
    let mut medians: Vec<Vec<f64>> = Vec::new();
    for seed in 0..placements {
        let out = Command::new(&exe)
            .args(args)
            .args(["--placement", &seed.to_string(), "--pad"])
            .arg("x".repeat(8 * seed + 1))
            .output()
            .expect("the benchmark runs itself");
        assert!(
            out.status.success(),
            "placement {seed} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (name, median) in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(measurement)
        {
            let i = names.iter().position(|n| *n == name).unwrap_or_else(|| {
                names.push(name);
                medians.push(Vec::new());
                names.len() - 1
            });
            medians[i].push(median);
        }
    }
    for (name, each) in names.iter().zip(&medians) {
        let mut sorted = each.clone();
        sorted.sort_by(f64::total_cmp);
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        let each: Vec<String> = each.iter().map(|m| format!("{m:.1}")).collect();
        println!(
            "{{\"placements\": {placements}, \"measurement\": \"{name}\", \"min_us\": {min:.3}, \"median_us\": {:.3}, \"max_us\": {max:.3}, \"max_over_min\": {:.3}, \"each_us\": [{}]}}",
            sorted[sorted.len() / 2],
            max / min,
            each.join(", ")
        );
    }
}
