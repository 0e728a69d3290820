//! # head_depth — does a deeper head starve the RNN of gradient?
//!
//! The founding essay asks whether replacing an RNN classifier's single
//! softmax layer by a deeper feed-forward head weakens the gradient the RNN
//! receives. The showcase's model (embedding 32 → Elman RNN, hidden 128 →
//! last state → tanh head of 1, 2, 4 or 8 layers) on the language-ID word
//! lists in `data/langid/` (8 languages, character tokens):
//!
//! 1. At initialisation, over 20 seeds per depth and for two head inits
//!    (the showcase's Xavier-uniform and LeCun-normal): the norm of the
//!    loss gradient reaching the RNN's weights on a batch of 256 words.
//! 2. Trained, over 5 seeds per depth, with Adam and with plain SGD (each
//!    optimizer's rate searched on a log grid at depth 1, seed 1000): the
//!    test accuracy, and the gradient reaching the RNN in the last epoch.
//!    To keep the full run to minutes, training uses 2,000 words per
//!    language (the test set is the full 16,000).
//!
//! `cargo run --release --example head_depth [-- --quick]`; writes
//! `target/lab/head_depth.svg`, `head_depth_accuracy.svg` and
//! `head_depth.json`.

#[path = "lab/mod.rs"]
mod lab;

#[allow(dead_code)]
#[path = "rnn_text_classification/best.rs"]
mod best;
#[allow(dead_code)]
#[path = "rnn_text_classification/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "rnn_text_classification/diagnose.rs"]
mod diagnose;
#[allow(dead_code)]
#[path = "rnn_text_classification/metrics.rs"]
mod metrics;
#[allow(dead_code)]
#[path = "rnn_text_classification/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "rnn_text_classification/train.rs"]
mod train;
#[allow(dead_code)]
#[path = "rnn_text_classification/workers.rs"]
mod workers;

use std::path::Path;

use data::{Example, Tokens, Vocab, batches, length_quantile, read_labelled};
use lab::axis::Axis;
use lab::figure::{Curve, Figure, Legend};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, best_rate, over_seeds};
use model::{Classifier, Pool, RnnClassifier};
use origami::nn::{CellKind, Params, RnnConfig};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use train::{Settings, Split};

const DEPTHS: [usize; 4] = [1, 2, 4, 8];

/// The language-ID data, encoded.
struct Data {
    train: Split,
    valid: Split,
    test: Split,
    vocab: usize,
    classes: usize,
}

fn load(per_language: usize, test_rows: usize) -> Result<Data, String> {
    let mut labels = Vec::new();
    let all = read_labelled(Path::new("data/langid/train.tsv"), &mut labels, true)?;
    let test = read_labelled(Path::new("data/langid/test.tsv"), &mut labels, false)?;
    let mut kept = vec![0usize; labels.len()];
    let train: Vec<Example> = all
        .into_iter()
        .filter(|(label, _)| {
            kept[*label] += 1;
            kept[*label] <= per_language
        })
        .collect();
    // Every tenth word is held out for validation.
    let (mut valid, mut kept_train) = (Vec::new(), Vec::new());
    for (i, example) in train.into_iter().enumerate() {
        if i % 10 == 0 {
            valid.push(example);
        } else {
            kept_train.push(example);
        }
    }
    let train = kept_train;
    let texts: Vec<&str> = train.iter().map(|(_, t)| t.as_str()).collect();
    let max_len = length_quantile(&texts, Tokens::Char, 0.99);
    let vocab = Vocab::build(&texts, Tokens::Char, 1);
    let encode = |set: &[Example]| Split {
        texts: set.iter().map(|(_, t)| t.clone()).collect(),
        encoded: set
            .iter()
            .map(|(l, t)| (*l, vocab.encode(t, Tokens::Char, max_len)))
            .collect(),
    };
    let test: Vec<Example> = test
        .into_iter()
        .step_by((16000 / test_rows).max(1))
        .collect();
    Ok(Data {
        train: encode(&train),
        valid: encode(&valid),
        test: encode(&test),
        vocab: vocab.len(),
        classes: labels.len(),
    })
}

fn model(data: &Data, depth: usize, lecun_head: bool, seed: u64) -> RnnClassifier {
    let config = RnnConfig {
        kind: CellKind::ElmanTanh,
        input_size: 32,
        hidden_size: 128,
        layers: 1,
        bidirectional: false,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = RnnClassifier::new(
        data.vocab,
        32,
        config,
        depth,
        data.classes,
        Pool::Last,
        &mut rng,
    );
    if lecun_head {
        for (name, p) in m.head.params_mut() {
            if name.ends_with("weight") {
                let shape = p.shape().to_vec();
                *p.value_mut() = Init::LecunNormal.tensor(&shape, 1.0, &mut rng);
            }
        }
    }
    m
}

/// The norm of the loss gradient reaching the RNN's weights on `rows`.
fn rnn_gradient(m: &RnnClassifier, split: &Split, rows: &[usize]) -> f64 {
    let batch = batches(&split.encoded, rows, rows.len()).remove(0);
    let texts: Vec<&str> = batch
        .indices
        .iter()
        .map(|&i| split.texts[i].as_str())
        .collect();
    let tape = Tape::new();
    let loss = m
        .logits(&tape, &batch, &texts, None)
        .cross_entropy(&batch.labels, Reduction::Mean);
    let grads = loss.backward();
    m.params_with_prefix("rnn")
        .iter()
        .filter_map(|(_, p)| grads.get(p.id()))
        .flat_map(|g| g.data().iter().map(|&x| f64::from(x).powi(2)))
        .sum::<f64>()
        .sqrt()
}

/// Trains one model; its test accuracy and the RNN gradient norm (mean
/// over the last epoch's batches).
fn trained(
    data: &Data,
    depth: usize,
    optimizer: &str,
    lr: f64,
    seed: u64,
    epochs: usize,
) -> (f64, f64) {
    let mut m = model(data, depth, false, seed);
    let mut method = train::optimizer(optimizer, lr).expect("a known optimizer");
    let settings = Settings {
        epochs,
        batch_size: 32,
        clip: Some(5.0),
        seed,
        quiet: true,
        classes: data.classes,
        lr,
        schedule: origami::optim::Schedule::Constant,
        patience: None,
    };
    // The study reads the model after its last epoch (not the best one).
    let trained = train::train(
        &mut m,
        &mut method,
        &data.train,
        &data.valid,
        0,
        &settings,
        &workers::Workers::new(1, false).expect("threads need no set-up"),
        None,
    )
    .expect("training runs");
    let accuracy = train::evaluate(&m, &data.test, 256, data.classes, 1).accuracy;
    (
        accuracy,
        trained.logs.last().map_or(0.0, |l| l.rnn_grad_norm),
    )
}

fn main() -> Result<(), String> {
    let run = Run::start("head_depth");
    let data = load(run.pick(2000, 100), run.pick(16000, 800))?;
    println!(
        "language ID: {} train, {} valid, {} test words; {} classes; {} characters",
        data.train.len(),
        data.valid.len(),
        data.test.len(),
        data.classes,
        data.vocab
    );
    let init_seeds = run.seeds(20, 3);
    let train_seeds = run.seeds(5, 2);
    let epochs = run.pick(10, 1);
    let mut record = Record::new(&run, &train_seeds);
    record.setting(
        "seeds for the gradient at initialisation",
        json!(init_seeds),
    );
    record.setting("training words per language", json!(run.pick(2000, 100)));
    record.setting("epochs", json!(epochs));

    println!(
        "\n1. ‖∂L/∂W_rnn‖ at initialisation, batch of 256 words, {} seeds",
        init_seeds.len()
    );
    // 256 words spread over the (language-grouped) training file.
    let n = data.train.len();
    let rows: Vec<usize> = (0..256.min(n)).map(|k| k * n / 256.min(n)).collect();
    let mut at_init = Figure::new(
        "gradient reaching the RNN at initialisation, by head depth",
        Axis::integer("head depth (layers)"),
        Axis::log("‖∂L/∂W_rnn‖"),
    );
    at_init.subtitle = format!("{} seeds, mean ± sd", init_seeds.len());
    at_init.legend = Legend::MiddleRight;
    let mut init_norms = Vec::new();
    for (name, lecun) in [("Xavier-uniform head", false), ("LeCun-normal head", true)] {
        let mut curve = Vec::new();
        for depth in DEPTHS {
            let norms = over_seeds(&init_seeds, |s| {
                rnn_gradient(&model(&data, depth, lecun, s), &data.train, &rows)
            });
            let s = Summary::of(&norms);
            println!("   {name}, depth {depth}: {}", s.display());
            record.number(&format!("{name}, depth {depth}: rnn gradient at init"), &s);
            curve.push((depth as f64, s));
        }
        init_norms.push((name, curve.clone()));
        at_init.curves.push(Curve::mean_sd(name, curve));
    }
    at_init.write(&run, "head_depth.svg")?;

    println!(
        "\n2. Trained {epochs} epochs, {} seeds per depth",
        train_seeds.len()
    );
    let mut accuracy_fig = Figure::new(
        "test accuracy on language ID, by head depth",
        Axis::integer("head depth (layers)"),
        Axis::linear("test accuracy"),
    );
    accuracy_fig.subtitle = format!(
        "{} seeds, mean ± sd; each optimizer at its searched rate",
        train_seeds.len()
    );
    accuracy_fig.legend = Legend::LowerLeft;
    let mut trained_results = Vec::new();
    for (optimizer, grid) in [
        ("adam", [3e-4, 1e-3, 3e-3, 1e-2]),
        ("sgd", [0.03, 0.1, 0.3, 1.0]),
    ] {
        let lr = best_rate(&grid, |lr| {
            -trained(&data, 1, optimizer, lr, 1000, epochs).0
        });
        record.setting(&format!("{optimizer}: rate grid"), json!(grid));
        record.setting(&format!("{optimizer}: rate"), json!(lr));
        let mut curve = Vec::new();
        for depth in DEPTHS {
            let runs = over_seeds(&train_seeds, |s| {
                trained(&data, depth, optimizer, lr, s, epochs)
            });
            let accuracy = Summary::of(&runs.iter().map(|r| r.0).collect::<Vec<_>>());
            let gradient = Summary::of(&runs.iter().map(|r| r.1).collect::<Vec<_>>());
            println!(
                "   {optimizer} (lr {}), depth {depth}: test accuracy {}, rnn gradient in the last epoch {}",
                lab::axis::number(lr),
                accuracy.display(),
                gradient.display()
            );
            record.number(
                &format!("{optimizer}, depth {depth}: test accuracy"),
                &accuracy,
            );
            record.number(
                &format!("{optimizer}, depth {depth}: rnn gradient in the last epoch"),
                &gradient,
            );
            curve.push((depth as f64, accuracy));
        }
        accuracy_fig.curves.push(Curve::mean_sd(
            &format!("{optimizer} (lr {})", lab::axis::number(lr)),
            curve.clone(),
        ));
        trained_results.push((optimizer, curve));
    }
    accuracy_fig.write(&run, "head_depth_accuracy.svg")?;

    let xavier = &init_norms[0].1;
    let lecun = &init_norms[1].1;
    // Weaker: depth 8's mean + sd below depth 1's mean − sd.
    let weaker = |curve: &[(f64, Summary)]| {
        curve[3].1.mean + curve[3].1.sd < curve[0].1.mean - curve[0].1.sd
    };
    record.claim(
        "A deeper head weakens the gradient that reaches the RNN",
        match (weaker(xavier), weaker(lecun)) {
            (true, true) => Verdict::Holds,
            (false, false) => Verdict::Contradicted,
            _ => Verdict::HoldsOnlyWhen,
        },
        &format!(
            "at initialisation the RNN's gradient with a Xavier-uniform tanh head is {} at depth 1 and {} at depth 8; with a LeCun-normal head {} and {} ({} seeds)",
            xavier[0].1.display(),
            xavier[3].1.display(),
            lecun[0].1.display(),
            lecun[3].1.display(),
            init_seeds.len()
        ),
    );
    let (adam, sgd) = (&trained_results[0].1, &trained_results[1].1);
    let worse = |curve: &[(f64, Summary)]| {
        curve[3].1.mean + curve[3].1.sd < curve[0].1.mean - curve[0].1.sd
    };
    record.claim(
        "A deeper head makes the RNN classifier learn worse",
        match (worse(adam), worse(sgd)) {
            (true, true) => Verdict::Holds,
            (false, false) => Verdict::Contradicted,
            _ => Verdict::HoldsOnlyWhen,
        },
        &format!(
            "test accuracy after {epochs} epochs, head depth 1 against 8: Adam {} against {}, SGD {} against {} ({} seeds)",
            adam[0].1.display(),
            adam[3].1.display(),
            sgd[0].1.display(),
            sgd[3].1.display(),
            train_seeds.len()
        ),
    );
    record.write()?;
    Ok(())
}
