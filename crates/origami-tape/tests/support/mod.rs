//! Shared test support: value domains and shape strategies for the op
//! spec table, and an `assert_close!` for tensors.

#![allow(dead_code)]

pub mod elman;

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
    /// Multiples of 1/4 in [-2, 2].
    Quarters,
    /// Halfway between two `Quarters` (odd multiples of 1/8): any value
    /// drawn here is at least 1/8 from any drawn there, so `maximum` and
    /// `minimum` never meet a near-tie that central differences straddle.
    Eighths,
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
            Domain::Quarters => (0..n)
                .map(|_| rng.random_range(-8..=8) as f64 * 0.25)
                .collect(),
            Domain::Eighths => (0..n)
                .map(|_| rng.random_range(-8..8) as f64 * 0.25 + 0.125)
                .collect(),
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
        let batch_of = |size: usize, mut s: Vec<usize>| {
            s.insert(0, size);
            s
        };
        match variant {
            0 => vec![a, w],
            1 => vec![batch(a), batch(w)],
            2 => vec![batch(a), w],
            // Vectors (untransposed only): [k]·[k, n], [m, k]·[k],
            // [k]·[k], [b, m, k]·[k] and [k]·[b, k, n].
            3 => vec![vec![k], w],
            4 => vec![a, vec![k]],
            5 => vec![vec![k], vec![k]],
            6 => vec![batch(a), vec![k]],
            7 => vec![vec![k], batch(w)],
            // Broadcast batch axes (untransposed only): [b, 1, m, k]·[2, k, n],
            // [m, k]·[b, 2, k, n] and [2, b, m, k]·[k, n].
            8 => vec![batch(batch_of(1, a)), batch_of(2, w)],
            9 => vec![a, batch(batch_of(2, w))],
            _ => vec![batch_of(2, batch(a)), w],
        }
    });
    case(shapes.boxed(), &[Domain::Any])
}

/// Einsum specs the tests draw from: products, contractions over several
/// letters, sums, permutations, three operands, the implicit output.
pub const EINSUM_SPECS: &[&str] = &[
    "ij,jk->ik",
    "bij,bkj->bik",
    "ij->ji",
    "ij->",
    "i,i->",
    "i,j->ij",
    "ijk,kj->i",
    "ab,bc,cd->ad",
    "abc->ca",
    "i,ij,j",
    "bi,ci->cb",
    "ab,cd->dbca",
    // Implicit outputs (the letters used once, sorted): a product, a transpose.
    "ij,jk",
    "ba",
];

/// Operands for `EINSUM_SPECS[choice]`, each letter 1 to 3 long (the same
/// length wherever it appears).
pub fn einsum_operands() -> BoxedStrategy<Case> {
    (
        0..EINSUM_SPECS.len(),
        proptest::collection::vec(1usize..=3, 26),
    )
        .prop_flat_map(|(which, sizes)| {
            let spec = EINSUM_SPECS[which];
            let inputs = spec.split("->").next().unwrap_or(spec);
            let shapes: Vec<Vec<usize>> = inputs
                .split(',')
                .map(|term| term.bytes().map(|l| sizes[(l - b'a') as usize]).collect())
                .collect();
            case(Just(shapes).boxed(), &[Domain::Any])
                .prop_map(move |c| Case { choice: which, ..c })
        })
        .boxed()
}
