//! Bounded memory: 10,000 training steps of the showcase's recurrent
//! classifier (embedding 32 → Elman RNN 128 → dense head, ragged batches
//! of 32 sequences up to 13 tokens, Adam, clipping), reporting resident
//! memory every 1,000 steps. Everything a step allocates is freed by its
//! end, so the figures stay flat after warm-up.

use origami::nn::{CellKind, Dense, Embedding, Module, Rnn, RnnConfig, impl_params};
use origami::optim::clip_grad_norm;
use origami::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::support::timing::{peak_rss_mb, status_mb};

struct Classifier {
    embedding: Embedding<f32>,
    rnn: Rnn<f32>,
    head: Dense<f32>,
}

impl_params!(f32 for Classifier { embedding, rnn, head });

pub fn run() {
    let mut rng = StdRng::seed_from_u64(1);
    let config = RnnConfig {
        kind: CellKind::ElmanTanh,
        input_size: 32,
        hidden_size: 128,
        layers: 1,
        bidirectional: false,
    };
    let mut model = Classifier {
        embedding: Embedding::new(40, 32, &mut rng),
        rnn: Rnn::new(config, &mut rng),
        head: Dense::new(128, 2, &mut rng),
    };
    let mut opt = Adam::new(0.002);
    let mut figures = Vec::new();
    for step in 1..=10_000 {
        let lengths: Vec<usize> = (0..32).map(|_| rng.random_range(1..=13)).collect();
        let steps: Vec<Vec<usize>> = (0..13)
            .map(|_| (0..32).map(|_| rng.random_range(0..40)).collect())
            .collect();
        let labels: Vec<usize> = (0..32).map(|b| steps[0][b] % 2).collect();
        let mut grads = {
            let tape = Tape::new();
            let xs: Vec<_> = steps
                .iter()
                .map(|ids| model.embedding.forward(&tape, ids))
                .collect();
            let out = model.rnn.forward(&tape, &xs, Some(&lengths));
            model
                .head
                .forward(&tape, out.last)
                .cross_entropy(&labels, Reduction::Mean)
                .backward()
        };
        clip_grad_norm(&mut grads, 5.0).expect("finite");
        opt.update(&mut model, &grads)
            .expect("every parameter has a gradient");
        if step % 1000 == 0 {
            figures.push(format!("\"rss_mb_step{step}\": {:.2}", status_mb("VmRSS")));
        }
    }
    println!(
        "{{\"workload\": \"soak\", \"framework\": \"origami\", \"steps\": 10000, \"peak_rss_mb\": {:.1}, \"check\": {{{}}}}}",
        peak_rss_mb(),
        figures.join(", ")
    );
}
