//! # 03 — a recurrent classifier: embedding, GRU, padding and lengths
//!
//! Short reviews such as "the film was not very good" are positive or
//! negative; "not" flips the adjective after it, so word order matters
//! (no linear model of word counts can tell "not good" from "good" and
//! "not bad" from "bad" at once). An `Embedding` turns word ids into
//! vectors, a GRU reads them in order, and a `Dense` head classifies its
//! state at each review's last word.
//!
//! Run with `cargo run --release --example 03_rnn`.

use origami::nn::{CellKind, Rnn, RnnConfig, impl_params};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

const POSITIVE: [&str; 3] = ["good", "great", "fine"];
const NEGATIVE: [&str; 3] = ["bad", "awful", "dull"];

/// Every review the templates make, with its label (1: positive).
fn reviews() -> Vec<(String, usize)> {
    let mut all = Vec::new();
    for subject in ["the film was", "it is", "the plot seemed"] {
        for not in ["", "not "] {
            for very in ["", "very ", "really very "] {
                for (words, positive) in [(POSITIVE, 1), (NEGATIVE, 0)] {
                    for adjective in words {
                        let negated = !not.is_empty();
                        let label = if negated { 1 - positive } else { positive };
                        all.push((format!("{subject} {not}{very}{adjective}"), label));
                    }
                }
            }
        }
    }
    all
}

/// A batch in the layout the RNN reads: one vector of word ids per time
/// step (`steps[t][row]`), padded with id 0 after a review ends, and each
/// review's true length. The RNN stops row `b` at `lengths[b]`, so the
/// padding never reaches the state the head reads.
struct Batch {
    steps: Vec<Vec<usize>>,
    lengths: Vec<usize>,
    labels: Vec<usize>,
}

fn batch(reviews: &[&(String, usize)], vocab: &[&str]) -> Batch {
    let ids: Vec<Vec<usize>> = reviews
        .iter()
        .map(|(text, _)| {
            text.split(' ')
                .map(|w| vocab.iter().position(|v| *v == w).unwrap())
                .collect()
        })
        .collect();
    let longest = ids.iter().map(Vec::len).max().unwrap_or(0);
    let steps = (0..longest)
        .map(|t| {
            ids.iter()
                .map(|review| review.get(t).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    let lengths = ids.iter().map(Vec::len).collect();
    Batch {
        steps,
        lengths,
        labels: reviews.iter().map(|(_, label)| *label).collect(),
    }
}

/// Embedding → GRU → Dense. Optimizers and checkpoints find parameters
/// through `Params`, by dotted names: `impl_params!` below lists each
/// field's parameters under the field's name ("embedding.weight",
/// "gru.weight_ih_l0", ..., "head.bias").
struct Classifier {
    embedding: Embedding<f32>,
    gru: Rnn<f32>,
    head: Dense<f32>,
}

impl Classifier {
    fn new(vocab: usize, rng: &mut StdRng) -> Self {
        let config = RnnConfig {
            kind: CellKind::Gru,
            input_size: 16,
            hidden_size: 32,
            layers: 1,
            bidirectional: false,
        };
        Self {
            embedding: Embedding::new(vocab, 16, rng),
            gru: Rnn::new(config, rng),
            head: Dense::new(32, 2, rng),
        }
    }

    fn logits<'t>(&self, tape: &'t Tape<f32>, batch: &Batch) -> Var<'t, f32> {
        // Every step's word ids in one lookup, laid out as PyTorch's RNNs
        // read a sequence: `[steps, batch, embed]`.
        let ids: Vec<usize> = batch.steps.concat();
        let (steps, rows) = (batch.steps.len(), batch.lengths.len());
        let xs = self
            .embedding
            .forward(tape, &ids)
            .reshape(&[steps, rows, 16]);
        // `last` holds each row's state after its own last word.
        let out = self.gru.forward_sequence(tape, xs, Some(&batch.lengths));
        self.head.forward(tape, out.last)
    }
}

impl_params!(f32 for Classifier { embedding, gru, head });

fn accuracy(model: &Classifier, batch: &Batch) -> f64 {
    let tape = Tape::new();
    let logits = model.logits(&tape, batch).value();
    let right = logits
        .data()
        .chunks(2)
        .zip(&batch.labels)
        .filter(|(l, y)| usize::from(l[1] > l[0]) == **y);
    right.count() as f64 / batch.labels.len() as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(3);
    let mut all = reviews();
    all.shuffle(&mut rng);
    // Id 0 is the padding; the words follow.
    let mut vocab = vec!["<pad>"];
    for (text, _) in &all {
        for word in text.split(' ') {
            if !vocab.contains(&word) {
                vocab.push(word);
            }
        }
    }
    let (train, test) = all.split_at(all.len() * 3 / 4);
    println!(
        "{} reviews for training, {} held out; vocabulary {}",
        train.len(),
        test.len(),
        vocab.len()
    );

    let mut model = Classifier::new(vocab.len(), &mut rng);
    let mut optimizer = Adam::new(0.01);
    let test_batch = batch(&test.iter().collect::<Vec<_>>(), &vocab);
    for epoch in 1..=20 {
        let mut order: Vec<&(String, usize)> = train.iter().collect();
        order.shuffle(&mut rng);
        for reviews in order.chunks(16) {
            let b = batch(reviews, &vocab);
            optimizer.step(&mut model, &mut |model| {
                let tape = Tape::new();
                let loss = model
                    .logits(&tape, &b)
                    .cross_entropy(&b.labels, Reduction::Mean);
                Ok(Evaluation::new(loss.value().item() as f64, loss.backward()))
            })?;
        }
        if epoch % 5 == 0 {
            println!(
                "epoch {epoch}  held-out accuracy {:.3}",
                accuracy(&model, &test_batch)
            );
        }
    }

    // Padding changes nothing but rounding: a review alone and the same
    // review padded in a batch beside a longer one get the same logits to
    // within a few f32 ulps (a batch of one and a batch of two can take
    // different matrix kernels, which sum in different orders).
    let short = ("it is not good".to_string(), 0);
    let long = ("the plot seemed not really very dull".to_string(), 1);
    let tape = Tape::new();
    let alone = model.logits(&tape, &batch(&[&short], &vocab)).value();
    let padded = model
        .logits(&tape, &batch(&[&short, &long], &vocab))
        .value();
    for (a, p) in alone.data().iter().zip(&padded.data()[..2]) {
        assert!(
            (a - p).abs() <= 1e-5 * a.abs().max(1.0),
            "{a} alone, {p} padded"
        );
    }
    let verdict = if alone.data()[1] > alone.data()[0] {
        "positive"
    } else {
        "negative"
    };
    println!(
        "\"{}\": {verdict}, logits {:?}, the same alone and padded (to rounding)",
        short.0,
        alone.data()
    );
    Ok(())
}
