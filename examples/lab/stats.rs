//! Numbers over seeds: a [`Summary`] (mean, sample standard deviation,
//! n, range, median), seeds run side by side on every core ([`over_seeds`]),
//! rate searches ([`log_grid`], [`best_rate`]) and a paired sign test
//! ([`sign_test`]).

use std::sync::Mutex;

/// What several runs measured of one quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator; 0 when n = 1).
    pub sd: f64,
    pub n: usize,
    pub min: f64,
    pub max: f64,
    pub median: f64,
}

impl Summary {
    /// Summarises `values`.
    ///
    /// # Panics
    /// If `values` is empty: a number with no measurement is a bug in the
    /// experiment, not something to report.
    pub fn of(values: &[f64]) -> Summary {
        assert!(!values.is_empty(), "a summary needs at least one value");
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        Summary {
            mean,
            sd,
            n,
            min: sorted[0],
            max: sorted[n - 1],
            median,
        }
    }

    /// `mean ± sd`, the sd to two significant digits and the mean to the
    /// same decimal place (`0.149 ± 0.012`, `4096 ± 0`, `3.1e-13 ± 2.0e-14`,
    /// and `2.3026 ± 4.4e-15` when the spread is negligible).
    pub fn display(&self) -> String {
        let (m, s) = (self.mean, self.sd);
        let scale = m.abs().max(s);
        if scale != 0.0 && !(1e-3..1e5).contains(&scale) {
            return format!("{m:.1e} ± {s:.1e}");
        }
        if s > 0.0 && s < 1e-4 * m.abs() {
            // A spread far below the mean's size: four decimals say enough.
            return format!("{m:.4} ± {s:.1e}");
        }
        let decimals = if s > 0.0 {
            (1 - s.log10().floor() as i32).max(0) as usize
        } else {
            significant_decimals(m)
        };
        format!("{m:.decimals$} ± {s:.decimals$}")
    }

    /// `median [min, max]`, for skewed distributions.
    pub fn display_range(&self) -> String {
        format!(
            "{} [{}, {}]",
            three_digits(self.median),
            three_digits(self.min),
            three_digits(self.max)
        )
    }
}

/// `v` to three significant digits (`e` notation below 0.001 or from 10⁵).
fn three_digits(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e5).contains(&v.abs()) {
        format!("{v:.2e}")
    } else {
        format!("{v:.*}", significant_decimals(v))
    }
}

/// Decimals that show three significant digits of `v` (none for integers).
fn significant_decimals(v: f64) -> usize {
    if v == v.round() || v == 0.0 {
        0
    } else {
        (2 - v.abs().log10().floor() as i32).max(0) as usize
    }
}

/// Runs `run(seed)` for every seed, spread over the machine's cores, and
/// returns the results in the order of `seeds` (so the outcome never
/// depends on which thread finished first).
pub fn over_seeds<T: Send>(seeds: &[u64], run: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(seeds.len().max(1));
    let slots: Vec<Mutex<Option<T>>> = seeds.iter().map(|_| Mutex::new(None)).collect();
    let next = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut next = next.lock().expect("no panics while held");
                        let i = *next;
                        *next += 1;
                        i
                    };
                    let Some(&seed) = seeds.get(i) else { break };
                    let result = run(seed);
                    *slots[i].lock().expect("no panics while held") = Some(result);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no panics while held")
                .expect("every seed ran")
        })
        .collect()
}

/// The rate of `grid` with the lowest `score(rate)` (NaN counts as the
/// worst; the first of equal scores wins), the rates tried side by side on
/// every core.
pub fn best_rate(grid: &[f64], score: impl Fn(f64) -> f64 + Sync) -> f64 {
    let indices: Vec<u64> = (0..grid.len() as u64).collect();
    let scores = over_seeds(&indices, |i| score(grid[i as usize]));
    let key = |s: f64| if s.is_nan() { f64::INFINITY } else { s };
    let best = (0..grid.len())
        .min_by(|&a, &b| key(scores[a]).total_cmp(&key(scores[b])))
        .expect("a non-empty grid");
    grid[best]
}

/// One-sided sign test: the chance of at least `wins` wins in `n` paired
/// comparisons if neither side were better (each pair a fair coin).
pub fn sign_test(wins: usize, n: usize) -> f64 {
    let mut choose = 1.0f64;
    let mut tail = 0.0;
    for k in 0..=n {
        if k >= wins {
            tail += choose;
        }
        choose = choose * (n - k) as f64 / (k + 1) as f64;
    }
    tail / 2f64.powi(n as i32)
}

/// `per_decade` log-spaced values from `lo` to `hi` inclusive
/// (`log_grid(0.01, 1.0, 2)` = 0.01, 0.0316, 0.1, 0.316, 1).
pub fn log_grid(lo: f64, hi: f64, per_decade: usize) -> Vec<f64> {
    let steps = ((hi / lo).log10() * per_decade as f64).round() as usize;
    (0..=steps)
        .map(|k| lo * 10f64.powf(k as f64 / per_decade as f64))
        .collect()
}
