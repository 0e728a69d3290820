//! Shared test support: value domains and shape strategies for the op
//! spec table, and an `assert_close!` for tensors.

#![allow(dead_code)]

use origami_tape::Tensor;
use proptest::prelude::*;
use proptest::test_runner::TestRng;
use rand::seq::SliceRandom;

/// Where an input's values are drawn from. Kinks and domain edges are
/// avoided by construction, never by loosening a tolerance.
#[derive(Clone, Copy, Debug)]
pub enum Domain {
    /// Uniform in [-2, 2].
    Any,
    /// Uniform in [0.1, 2] (log, sqrt, powf).
    Positive,
    /// |x| in [0.05, 2], random sign (relu, abs: away from the kink).
    AwayFromZero,
    /// |x| in [0.5, 2], random sign (divisors).
    Divisor,
    /// All distinct, spaced by 0.1 (max: a clear winner on every axis).
    Distinct,
    /// At least 0.05 away from ±0.5 (the clamp bounds used in the table).
    AwayFromHalf,
}

impl Domain {
    pub fn fill(self, n: usize, rng: &mut TestRng) -> Vec<f64> {
        let sign = |rng: &mut TestRng| if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        match self {
            Domain::Any => (0..n).map(|_| rng.random_range(-2.0..2.0)).collect(),
            Domain::Positive => (0..n).map(|_| rng.random_range(0.1..2.0)).collect(),
            Domain::AwayFromZero => (0..n)
                .map(|_| sign(rng) * rng.random_range(0.05..2.0))
                .collect(),
            Domain::Divisor => (0..n)
                .map(|_| sign(rng) * rng.random_range(0.5..2.0))
                .collect(),
            Domain::Distinct => {
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(rng);
                order
                    .iter()
                    .map(|&i| i as f64 * 0.1 - n as f64 * 0.05)
                    .collect()
            }
            Domain::AwayFromHalf => (0..n)
                .map(|_| {
                    let side = rng.random_range(0..3);
                    let magnitude = [0.0, 0.55, 0.55][side] + rng.random_range(0.0..0.45);
                    if side == 0 {
                        sign(rng) * magnitude
                    } else {
                        sign(rng) * magnitude.max(0.55)
                    }
                })
                .collect(),
        }
    }
}

/// One drawn case: the inputs and a free number ops use to pick an axis,
/// an exponent, indices, …
#[derive(Clone, Debug)]
pub struct Case {
    pub inputs: Vec<Tensor<f64>>,
    pub choice: usize,
}

/// Dimensions of size 1..=3, or 0 once in a while when `zero_ok`.
pub fn dim(zero_ok: bool) -> BoxedStrategy<usize> {
    if zero_ok {
        prop_oneof![12 => 1usize..=3, 1 => Just(0usize)].boxed()
    } else {
        (1usize..=3).boxed()
    }
}

pub fn shape(min_rank: usize, max_rank: usize, zero_ok: bool) -> BoxedStrategy<Vec<usize>> {
    prop::collection::vec(dim(zero_ok), min_rank..=max_rank).boxed()
}

/// Turns shapes into a case with values from the given domains (cycled).
pub fn case(
    shapes: BoxedStrategy<Vec<Vec<usize>>>,
    domains: &'static [Domain],
) -> BoxedStrategy<Case> {
    (shapes, any::<usize>())
        .prop_perturb(move |(shapes, choice), mut rng| {
            let inputs = shapes
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let n = s.iter().product();
                    let values = domains[i % domains.len()].fill(n, &mut rng);
                    Tensor::from_vec(s, values).expect("numel matches")
                })
                .collect();
            Case { inputs, choice }
        })
        .boxed()
}

/// One tensor of rank `min_rank..=3`.
pub fn one(min_rank: usize, zero_ok: bool, domain: &'static [Domain]) -> BoxedStrategy<Case> {
    case(
        shape(min_rank, 3, zero_ok).prop_map(|s| vec![s]).boxed(),
        domain,
    )
}

/// `n` tensors of one shape.
pub fn same(n: usize, min_rank: usize, domains: &'static [Domain]) -> BoxedStrategy<Case> {
    case(
        shape(min_rank, 3, true)
            .prop_map(move |s| vec![s; n])
            .boxed(),
        domains,
    )
}

/// Two shapes that broadcast: the second drops leading axes and sets some
/// axes to 1; the pair is swapped half the time.
pub fn broadcast_pair(domains: &'static [Domain]) -> BoxedStrategy<Case> {
    let shapes = (shape(0, 3, true), any::<u8>(), any::<bool>()).prop_map(|(a, bits, swap)| {
        let drop = (bits as usize) % (a.len() + 1);
        let b: Vec<usize> = a[drop..]
            .iter()
            .enumerate()
            .map(|(i, &d)| if bits & (8 << i) != 0 { 1 } else { d })
            .collect();
        if swap { vec![b, a] } else { vec![a, b] }
    });
    case(shapes.boxed(), domains)
}

/// `[m, k]`, `[k, n]` style operands for the matmul variants `choice`
/// selects (2-D, batched 3-D, 3-D by 2-D; each with transposes).
pub fn matmul_operands(variant: usize, ta: bool, tb: bool) -> BoxedStrategy<Case> {
    let shapes = (1usize..=3, 0usize..=3, 1usize..=3, 1usize..=2).prop_map(move |(m, k, n, b)| {
        let a = if ta { vec![k, m] } else { vec![m, k] };
        let w = if tb { vec![n, k] } else { vec![k, n] };
        let batch = |mut s: Vec<usize>| {
            s.insert(0, b);
            s
        };
        match variant {
            0 => vec![a, w],
            1 => vec![batch(a), batch(w)],
            2 => vec![batch(a), w],
            // Vectors (untransposed only): [k]·[k, n], [m, k]·[k],
            // [k]·[k] and [b, m, k]·[k].
            3 => vec![vec![k], w],
            4 => vec![a, vec![k]],
            5 => vec![vec![k], vec![k]],
            _ => vec![batch(a), vec![k]],
        }
    });
    case(shapes.boxed(), &[Domain::Any])
}
