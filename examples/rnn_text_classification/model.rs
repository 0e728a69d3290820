//! The two classifiers: the recurrent one (embedding → RNN → pooling →
//! dense head) and the bag-of-n-grams baseline (hashed n-gram frequencies
//! → one dense layer, i.e. logistic regression).

use origami::nn::{
    Activation, Dense, Dropout, Embedding, Init, Module, Params, Rnn, RnnConfig, impl_params, mlp,
};
use origami::prelude::*;
use origami::probe::Doctor;
use rand::rngs::StdRng;

use crate::data::{Batch, Tokens};

/// How the RNN's outputs over time become one vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    Last,
    Mean,
    Max,
}

/// Anything that maps a batch to logits. `noise` draws dropout masks while
/// training; `None` evaluates.
pub trait Classifier: Params<f32> {
    fn logits<'t>(
        &self,
        tape: &'t Tape<f32>,
        batch: &Batch,
        texts: &[&str],
        noise: Option<&mut StdRng>,
    ) -> Var<'t, f32>;

    /// The costlier measurements for the training doctor on one batch
    /// (none unless the model has something to inspect).
    fn inspect(&self, _doctor: &mut Doctor, _step: usize, _batch: &Batch) {}
}

pub struct RnnClassifier {
    pub embedding: Embedding<f32>,
    pub rnn: Rnn<f32>,
    pub head: origami::nn::Sequential<f32>,
    pub pool: Pool,
    /// Applied to the embeddings and to the pooled representation.
    pub dropout: Dropout,
}

impl RnnClassifier {
    pub fn new(
        vocab: usize,
        embed: usize,
        config: RnnConfig,
        head_depth: usize,
        classes: usize,
        pool: Pool,
        rng: &mut StdRng,
    ) -> Self {
        let embedding = Embedding::new(vocab, embed, rng);
        let rnn = Rnn::new(
            RnnConfig {
                input_size: embed,
                ..config
            },
            rng,
        );
        let width = rnn.output_size();
        let mut widths = vec![width; head_depth.max(1)];
        widths.push(classes);
        let head = mlp(&widths, Activation::Tanh, Init::XavierUniform, rng);
        Self {
            embedding,
            rnn,
            head,
            pool,
            dropout: Dropout::new(0.0).expect("0 is a valid probability"),
        }
    }

    /// The pooled sequence representation `[batch, directions·hidden]`.
    pub fn encode<'t>(
        &self,
        tape: &'t Tape<f32>,
        batch: &Batch,
        mut noise: Option<&mut StdRng>,
    ) -> Var<'t, f32> {
        let xs = self.embed(tape, batch, noise.as_deref_mut());
        self.read(tape, batch, xs, noise)
    }

    /// Dropout while training (`noise` given), the identity otherwise.
    fn drop<'t>(&self, x: Var<'t, f32>, noise: Option<&mut StdRng>) -> Var<'t, f32> {
        match noise {
            Some(rng) => self.dropout.train(x, rng),
            None => x,
        }
    }

    /// The embeddings of every step, `[steps, batch, embed]`: one lookup.
    pub fn embed<'t>(
        &self,
        tape: &'t Tape<f32>,
        batch: &Batch,
        noise: Option<&mut StdRng>,
    ) -> Var<'t, f32> {
        let ids: Vec<usize> = batch.steps.concat();
        let rows = self.embedding.forward(tape, &ids);
        let width = rows.shape()[1];
        let xs = rows.reshape(&[batch.steps.len(), batch.lengths.len(), width]);
        self.drop(xs, noise)
    }

    /// The RNN over the embeddings `xs` (`[steps, batch, embed]`), pooled
    /// over each sequence's own steps.
    pub fn read<'t>(
        &self,
        tape: &'t Tape<f32>,
        batch: &Batch,
        xs: Var<'t, f32>,
        noise: Option<&mut StdRng>,
    ) -> Var<'t, f32> {
        let out = self.rnn.forward_sequence(tape, xs, Some(&batch.lengths));
        let pooled = match self.pool {
            Pool::Last => out.last,
            Pool::Mean => {
                let width = self.rnn.output_size();
                let mut padding =
                    Vec::with_capacity(batch.steps.len() * batch.lengths.len() * width);
                for t in 0..batch.steps.len() {
                    for &length in &batch.lengths {
                        padding.resize(padding.len() + width, t >= length);
                    }
                }
                let sum = out.outputs.masked_fill(&padding, 0.0).sum(&[0]);
                let lengths: Vec<f32> = batch.lengths.iter().map(|&l| l as f32).collect();
                sum / tape
                    .constant(Tensor::from_vec(&[lengths.len(), 1], lengths).expect("one per row"))
            }
            // Past its length a row keeps its state, in both directions,
            // so its padding only repeats outputs it has: the max over all
            // steps is the max over its own (every sequence has a token).
            Pool::Max => out.outputs.max(0),
        };
        self.drop(pooled, noise)
    }
}

impl_params!(f32 for RnnClassifier { embedding, rnn, head });

impl Classifier for RnnClassifier {
    fn logits<'t>(
        &self,
        tape: &'t Tape<f32>,
        batch: &Batch,
        _texts: &[&str],
        noise: Option<&mut StdRng>,
    ) -> Var<'t, f32> {
        self.head.forward(tape, self.encode(tape, batch, noise))
    }

    fn inspect(&self, doctor: &mut Doctor, step: usize, batch: &Batch) {
        crate::diagnose::inspect_rnn(self, doctor, step, batch);
    }
}

/// Logistic regression on hashed n-gram frequencies.
pub struct NgramClassifier {
    pub ngram: Dense<f32>,
    pub tokens: Tokens,
    pub max_n: usize,
    pub buckets: usize,
}

impl NgramClassifier {
    pub fn new(
        tokens: Tokens,
        max_n: usize,
        buckets: usize,
        classes: usize,
        rng: &mut StdRng,
    ) -> Self {
        Self {
            ngram: Dense::with_init(buckets, classes, Init::Zeros, 1.0, true, rng),
            tokens,
            max_n,
            buckets,
        }
    }

    /// Hashed n-gram frequencies of each text, `[texts, buckets]`.
    pub fn features(&self, texts: &[&str]) -> Tensor<f32> {
        let mut data = vec![0.0f32; texts.len() * self.buckets];
        for (row, text) in data.chunks_mut(self.buckets).zip(texts) {
            let toks = self.tokens.split(text);
            let mut total: f32 = 0.0;
            for n in 1..=self.max_n {
                for gram in toks.windows(n) {
                    row[fnv(&gram.join("\u{1}")) % self.buckets] += 1.0;
                    total += 1.0;
                }
            }
            row.iter_mut().for_each(|x| *x /= total.max(1.0));
        }
        Tensor::from_vec(&[texts.len(), self.buckets], data).expect("sized")
    }
}

/// FNV-1a: a stable hash, so features are the same on every run.
fn fnv(s: &str) -> usize {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    }) as usize
}

impl_params!(f32 for NgramClassifier { ngram });

impl Classifier for NgramClassifier {
    fn logits<'t>(
        &self,
        tape: &'t Tape<f32>,
        _batch: &Batch,
        texts: &[&str],
        _noise: Option<&mut StdRng>,
    ) -> Var<'t, f32> {
        self.ngram
            .forward(tape, tape.constant(self.features(texts)))
    }
}
