//! Timing per the workload specification: every step timed alone, the
//! median reported, with peak RSS, as one JSON line per measurement.

use std::time::Instant;

/// Runs `step(i)` for `warmup + timed` consecutive indices and returns the
/// per-step times (ns) of the timed ones.
pub fn time_steps(warmup: usize, timed: usize, mut step: impl FnMut(usize)) -> Vec<f64> {
    for i in 0..warmup {
        step(i);
    }
    (warmup..warmup + timed)
        .map(|i| {
            let start = Instant::now();
            step(i);
            start.elapsed().as_nanos() as f64
        })
        .collect()
}

/// Median, mean, min, p10 and p90 in microseconds.
pub fn summary(samples: &[f64]) -> String {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize] / 1e3;
    let mean = s.iter().sum::<f64>() / s.len() as f64 / 1e3;
    format!(
        "\"median_us\": {:.3}, \"mean_us\": {mean:.3}, \"min_us\": {:.3}, \"p10_us\": {:.3}, \"p90_us\": {:.3}",
        at(0.5),
        s[0] / 1e3,
        at(0.1),
        at(0.9)
    )
}

/// A memory figure of this process from `/proc/self/status` in MB (Linux;
/// 0 elsewhere), e.g. `"VmRSS"` (resident now) or `"VmHWM"` (peak).
pub fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Peak resident set size of this process in MB (Linux `VmHWM`).
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM")
}
