//! The built-in corpus: short restaurant reviews generated from a seed,
//! whose labels depend on word order, so a bag of words cannot read them.
//!
//! Grammar (each choice uniform unless noted):
//!
//! ```text
//! review  := clause                                (30%)
//!          | clause " but " clause                 (35%)
//!          | "although " clause " " clause         (17.5%)
//!          | clause " although " clause            (17.5%)
//! clause  := subject " is " [adverb " "] ["not "] adjective
//! subject := "the food" | "the service" | "the staff" | "the place"
//!          | "the coffee" | "the price" | "the music" | "the view"
//! adverb  := "really" | "quite" | "very" | "so" | "rather"    (50% present)
//! adjective := positive: good great tasty cheap friendly fresh lovely quick
//!            | negative: bad awful bland expensive rude stale dull slow
//! ```
//!
//! The label is the polarity of the main clause, flipped by its "not"
//! (negation is present in 40% of clauses): the clause after "but", and
//! the clause *not* introduced by "although". So "good but not cheap" is
//! negative while "not good but cheap" is positive, and "although the food
//! is good the price is bad" is negative while "the food is good although
//! the price is bad" is positive: the same bags of words, opposite labels.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SUBJECTS: [&str; 8] = [
    "the food",
    "the service",
    "the staff",
    "the place",
    "the coffee",
    "the price",
    "the music",
    "the view",
];
const ADVERBS: [&str; 5] = ["really", "quite", "very", "so", "rather"];
const POSITIVE: [&str; 8] = [
    "good", "great", "tasty", "cheap", "friendly", "fresh", "lovely", "quick",
];
const NEGATIVE: [&str; 8] = [
    "bad",
    "awful",
    "bland",
    "expensive",
    "rude",
    "stale",
    "dull",
    "slow",
];

/// The class names of the built-in corpus.
pub const LABELS: [&str; 2] = ["negative", "positive"];

/// One clause and its polarity (true = positive, after negation).
fn clause(rng: &mut StdRng) -> (String, bool) {
    let subject = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
    let positive = rng.random_bool(0.5);
    let adjective = if positive {
        POSITIVE[rng.random_range(0..8)]
    } else {
        NEGATIVE[rng.random_range(0..8)]
    };
    let negated = rng.random_bool(0.4);
    let mut words = vec![subject, "is"];
    if rng.random_bool(0.5) {
        words.push(ADVERBS[rng.random_range(0..ADVERBS.len())]);
    }
    if negated {
        words.push("not");
    }
    words.push(adjective);
    (words.join(" "), positive != negated)
}

/// `n` reviews with labels (0 negative, 1 positive), from `seed`.
pub fn generate(n: usize, seed: u64) -> Vec<(usize, String)> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let (first, p1) = clause(&mut rng);
            let form = rng.random_range(0..40);
            if form < 12 {
                return (p1 as usize, first);
            }
            let (second, p2) = clause(&mut rng);
            match form {
                12..26 => (p2 as usize, format!("{first} but {second}")),
                26..33 => (p2 as usize, format!("although {first} {second}")),
                _ => (p1 as usize, format!("{first} although {second}")),
            }
        })
        .collect()
}
