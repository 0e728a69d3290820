//! The doctor's thresholds, each beside the measurement it rests on.
//! Records named `*.json` are the lab's (`docs/lab/`, rerun with
//! `cargo run --release --example <name>`); every threshold sits between
//! the healthy and the pathological ranges measured there, with a margin
//! of at least an order of magnitude where the data allow one.

/// A layer whose gradient norm is below this fraction of the largest
/// layer's has a vanishing gradient. gradient_flow.json (ten layers of
/// 32): layer 1 ÷ layer 10 at init is 0.82 ± 0.17 for tanh and 0.58 ± 0.31
/// for relu under LeCun init; 3.8e-6 ± 1.7e-6 for sigmoid, and the
/// layer-1 gradient of std-0.01 tanh weights is 3.7e-13.
pub const VANISHING_RATIO: f64 = 1e-3;

/// A layer whose gradient norm exceeds the top layer's by this factor has
/// an exploding gradient. gradient_flow.json: the largest healthy ratio is
/// tanh at 3× LeCun, 6.8 ± 1.0 at init.
pub const EXPLODING_RATIO: f64 = 1e3;

/// A global gradient norm this many times the median of the previous
/// window is a spike.
pub const SPIKE_FACTOR: f64 = 100.0;

/// Recurrent layers: the first time step's gradient below this fraction of
/// the largest step's is a vanishing gradient over time.
/// gradient_flow.json (40 steps): step 1 ÷ step 40 is 2.7e-14 at ρ = 0.5,
/// 1.3e-4 at ρ = 0.95, 2.34 ± 0.75 at ρ = 1.5.
pub const TIME_VANISHING_RATIO: f64 = 1e-3;

/// Recurrent layers: the first step's gradient above this multiple of the
/// median step's is an exploding gradient over time (tanh at ρ = 1.5 stays
/// near 2, gradient_flow.json).
pub const TIME_EXPLODING_RATIO: f64 = 1e3;

/// tanh/sigmoid: a unit counts as saturated where its derivative is below
/// this (the lab's saturation probe uses the same value).
pub const SATURATION_DERIVATIVE: f64 = 0.05;

/// A layer with more than this share of saturated (example, unit) pairs
/// while the loss has not yet halved. gradient_flow.json: 0.40 ± 0.005 at
/// 3× LeCun tanh, 0.010 at LeCun. A trained tanh net also saturates (0.41
/// ± 0.08 at the end, activations.json), so later saturation is not
/// reported; and since 3× LeCun tanh still trained well there, the finding
/// carries low confidence unless the loss is also stuck.
pub const SATURATED_SHARE: f64 = 0.3;

/// A relu layer with at least this share of units off for every
/// inspected example has dead units.
pub const DEAD_SHARE: f64 = 0.25;

/// `η·λ_max` below this is regime (a), far below `η_opt`.
/// learning_rate.json: after the same steps the loss at 0.25 η_opt was
/// 0.19 ± 0.05 against 0.018 ± 0.023 at η_opt.
pub const SLOW_RATE: f64 = 0.1;

/// `η·λ_max` from which the divergence is called with high confidence.
/// learning_rate.json: 10% of seeds diverged at 8 η_opt, 50% at 16.
pub const SURE_DIVERGENCE: f64 = 16.0;

/// Plateau: after three windows the loss is still above this fraction of
/// its first window's mean …
pub const PLATEAU_LEVEL: f64 = 0.9;

/// … and the last two windows' means differ by less than this fraction.
pub const PLATEAU_FLAT: f64 = 0.01;

/// Unstable loss: the mean of the last three windows above this multiple
/// of the lowest earlier such mean …
pub const RISE_FACTOR: f64 = 1.2;

/// … having given back at least this share of the progress made so far,
pub const RISE_GIVEN_BACK: f64 = 0.1;

/// … by at least this many times its noise (from the median change between
/// the last ten window means), so that minibatch noise is not taken for a rise: the
/// lowest of many noisy means is biased low. Comparing single 20-step
/// windows without it flagged a healthy language-ID run (a window 1.22×
/// the best of 58 earlier ones).
pub const RISE_SIGNIFICANCE: f64 = 4.0;

/// Overfitting: the last two validation losses at least this multiple of
/// the lowest one, while the training loss kept falling. bias_variance.json
/// measured the variance growing as a 64-unit net overfits (0.026 →
/// 0.124).
pub const OVERFIT_RISE: f64 = 1.1;

/// Labels needed before the class order or balance is judged.
pub const MIN_LABELS: usize = 200;

/// Class-sorted: fewer label runs than this share of the runs an i.i.d.
/// stream with the same class frequencies would have.
/// stochastic_vs_batch.json: class-sorted SGD ends at loss 0.40 ± 0.08
/// against 4.3e-5 shuffled.
pub const RUNS_RATIO: f64 = 0.5;

/// Class imbalance: the most frequent class at least this many times the
/// least frequent one.
pub const IMBALANCE: f64 = 10.0;

/// A body whose largest layer gradient is below this fraction of the
/// head's largest is starved by its head.
pub const STARVING_RATIO: f64 = 1e-3;
