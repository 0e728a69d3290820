//! # rnn_text_classification — why a recurrent net reads word order
//!
//! Trains a recurrent text classifier and, next to it, a bag-of-words
//! baseline, then reports test accuracy, a confusion matrix, per-class
//! precision, recall and F1, and a plot.
//!
//! `cargo run --release --example rnn_text_classification` uses a built-in
//! corpus of short reviews whose labels depend on word order ("good but not
//! cheap" is negative, "not good but cheap" positive; see `corpus.rs`), so
//! the bag of words stays near its ceiling while the RNN reads the order.
//! `--train FILE --test FILE` trains on your own `label<TAB>text` data;
//! `--help` lists every flag.
//!
//! Pipeline: embedding → Elman RNN (or `--cell gru|lstm`, `--layers`,
//! `--bidirectional`) → last real state (or `--pool mean|max`) → a dense
//! head of `--head-depth` layers → softmax cross-entropy.

mod cli;
mod corpus;
mod data;
mod diagnose;
mod metrics;
mod model;
mod report;
#[cfg(test)]
mod tests;
mod train;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use origami::nn::{CellKind, Dropout, Metadata, RnnConfig};
use origami::prelude::*;
use origami::probe::Doctor;
use rand::SeedableRng;
use rand::rngs::StdRng;

use cli::Args;
use data::{Example, Tokens, Vocab, length_quantile, read_labelled};
use model::{Classifier, NgramClassifier, RnnClassifier};
use train::{Method, Settings, Split, evaluate};

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if let (Some(text), Some(dir)) = (&args.predict, &args.load) {
        return predict(dir, text);
    }
    let Loaded {
        train: examples,
        test,
        labels,
    } = load_data(args)?;
    let (train_set, valid_set) = split(examples, args.valid_split, args.seed);
    let texts: Vec<&str> = train_set.iter().map(|(_, t)| t.as_str()).collect();
    let max_len = args
        .max_len
        .unwrap_or_else(|| length_quantile(&texts, args.tokens, 0.99));
    let vocab = Vocab::build(&texts, args.tokens, 1);
    let encode = |set: &[Example]| Split {
        texts: set.iter().map(|(_, t)| t.clone()).collect(),
        encoded: set
            .iter()
            .map(|(l, t)| (*l, vocab.encode(t, args.tokens, max_len)))
            .collect(),
    };
    let (train, valid, test) = (encode(&train_set), encode(&valid_set), encode(&test));
    println!(
        "data: {} train, {} valid, {} test; {} classes; vocabulary {} ({:?} tokens, max length {max_len})",
        train.len(),
        valid.len(),
        test.len(),
        labels.len(),
        vocab.len(),
        args.tokens
    );
    let settings = Settings {
        epochs: args.epochs,
        batch_size: args.batch_size,
        clip: args.clip,
        seed: args.seed,
        threads: args.threads,
        quiet: args.quiet,
        classes: labels.len(),
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    let ngram_n = args
        .ngram
        .unwrap_or(if args.tokens == Tokens::Char { 3 } else { 1 });
    if args.model == "ngram" || args.baseline {
        let mut baseline =
            NgramClassifier::new(args.tokens, ngram_n, 1 << 14, labels.len(), &mut rng);
        let mut method = Method::Adam(Adam::new(0.05));
        let quiet = Settings {
            quiet: true,
            epochs: args.epochs.min(10),
            ..settings.clone()
        };
        train::train(&mut baseline, &mut method, &train, &valid, 0, &quiet, None)?;
        let scores = evaluate(&baseline, &test, args.batch_size, labels.len());
        println!(
            "baseline: bag of {ngram_n}-grams (logistic regression), test accuracy {:.4}",
            scores.accuracy
        );
        if args.model == "ngram" {
            return test_report(args, &labels, &scores.confusion, None);
        }
    }
    let config = RnnConfig {
        kind: args.cell,
        input_size: args.embed,
        hidden_size: args.hidden,
        layers: args.layers,
        bidirectional: args.bidirectional,
    };
    let mut model = RnnClassifier::new(
        vocab.len(),
        args.embed,
        config,
        args.head_depth,
        labels.len(),
        args.pool,
        &mut rng,
    );
    model.dropout = Dropout::new(args.dropout).map_err(|e| e.to_string())?;
    let mut method = Method::parse(&args.optimizer, args.lr)?;
    let mut first = 0;
    if let Some(dir) = &args.load {
        first = resume(dir, &mut model, &mut method)?;
        println!("resumed from {} after epoch {first}", dir.display());
    }
    println!(
        "model: embedding {} → {:?} hidden {} × {} layer(s){} → {:?} → head depth {} ({} parameters)",
        args.embed,
        args.cell,
        args.hidden,
        args.layers,
        if args.bidirectional {
            ", bidirectional"
        } else {
            ""
        },
        args.pool,
        args.head_depth,
        model.num_scalars()
    );
    let dir = args
        .save
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/rnn_text_classification"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut doctor = args.diagnose.then(|| Doctor::new().head("head."));
    let trained = train::train(
        &mut model,
        &mut method,
        &train,
        &valid,
        first,
        &settings,
        doctor.as_mut(),
    );
    if let Some(doctor) = &doctor {
        diagnose::report(doctor, &dir)?;
    }
    let logs = trained?;
    let scores = evaluate(&model, &test, args.batch_size, labels.len());
    println!("rnn: test accuracy {:.4}", scores.accuracy);
    let plot = dir.join("training.svg");
    report::plot(&plot, &logs)?;
    println!("plot: {}", plot.display());
    if args.save.is_some() {
        save(
            &dir,
            &model,
            &method,
            args,
            &vocab,
            &labels,
            max_len,
            args.epochs,
        )?;
        println!("saved: {}", dir.display());
    }
    // After saving, so a report that cannot be written loses no model.
    test_report(args, &labels, &scores.confusion, doctor.as_ref())
}

/// Prints the confusion matrix and per-class metrics of the test set and,
/// with `--metrics FILE`, writes them (and the doctor's findings) as JSON.
fn test_report(
    args: &Args,
    labels: &[String],
    confusion: &[Vec<usize>],
    doctor: Option<&Doctor>,
) -> Result<(), String> {
    report::print_confusion(labels, confusion);
    let metrics = metrics::Metrics::new(labels, confusion);
    metrics.print();
    if let Some(path) = &args.metrics {
        let mut value = metrics.to_json();
        if let Some(doctor) = doctor {
            value["diagnosis"] = diagnose::findings(doctor);
        }
        metrics::write_json(path, &value)?;
        println!("metrics: {}", path.display());
    }
    Ok(())
}

/// Training examples, test examples and label names.
struct Loaded {
    train: Vec<Example>,
    test: Vec<Example>,
    labels: Vec<String>,
}

fn load_data(args: &Args) -> Result<Loaded, String> {
    match (&args.train, &args.test) {
        (Some(train), Some(test)) => {
            let mut labels = Vec::new();
            let train = read_labelled(train, &mut labels, true)?;
            let test = read_labelled(test, &mut labels, false)?;
            Ok(Loaded {
                train,
                test,
                labels,
            })
        }
        _ => {
            let labels = corpus::LABELS.iter().map(|s| s.to_string()).collect();
            let train = corpus::generate(6000, args.seed);
            let test = corpus::generate(2000, args.seed + 1_000_003);
            Ok(Loaded {
                train,
                test,
                labels,
            })
        }
    }
}

/// A deterministic split: every example goes to validation with
/// probability `fraction`, decided by a hash of its position and the seed.
fn split(examples: Vec<Example>, fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5157);
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for e in examples {
        if rand::RngExt::random_bool(&mut rng, fraction) {
            valid.push(e)
        } else {
            train.push(e)
        }
    }
    if train.is_empty() {
        std::mem::swap(&mut train, &mut valid);
    }
    (train, valid)
}

#[allow(clippy::too_many_arguments)]
fn save(
    dir: &Path,
    model: &RnnClassifier,
    method: &Method,
    args: &Args,
    vocab: &Vocab,
    labels: &[String],
    max_len: usize,
    epoch: usize,
) -> Result<(), String> {
    let cell = match args.cell {
        CellKind::Gru => "gru",
        CellKind::Lstm => "lstm",
        _ => "elman",
    };
    let tokens = if args.tokens == Tokens::Char {
        "char"
    } else {
        "word"
    };
    let pool = format!("{:?}", args.pool).to_lowercase();
    let config = format!(
        "cell={cell};embed={};hidden={};layers={};bidirectional={};pool={pool};head_depth={};tokens={tokens};max_len={max_len};epoch={epoch};optimizer={};lr={}",
        args.embed,
        args.hidden,
        args.layers,
        args.bidirectional,
        args.head_depth,
        args.optimizer,
        args.lr
    );
    let meta = Metadata::from([
        ("config".to_string(), config),
        ("vocab".to_string(), vocab.tokens.join("\n")),
        ("labels".to_string(), labels.join("\n")),
    ]);
    origami::nn::save(&dir.join("model.safetensors"), model, &meta).map_err(|e| e.to_string())?;
    let state = method.state();
    let tensors: Vec<(String, &Tensor<f32>)> =
        state.tensors.iter().map(|(n, t)| (n.clone(), t)).collect();
    let scalars = state
        .scalars
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    origami::nn::save_tensors(&dir.join("optimizer.safetensors"), &tensors, &scalars)
        .map_err(|e| e.to_string())
}

/// The saved configuration as key → value.
fn saved_config(meta: &Metadata) -> Result<std::collections::HashMap<String, String>, String> {
    let config = meta
        .get("config")
        .ok_or("the checkpoint has no configuration")?;
    Ok(config
        .split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

fn resume(dir: &Path, model: &mut RnnClassifier, method: &mut Method) -> Result<usize, String> {
    let meta =
        origami::nn::load(&dir.join("model.safetensors"), model).map_err(|e| e.to_string())?;
    let (tensors, scalars) = origami::nn::load_tensors::<f32>(&dir.join("optimizer.safetensors"))
        .map_err(|e| e.to_string())?;
    let scalars = scalars
        .into_iter()
        .map(|(k, v)| {
            v.parse()
                .map(|x| (k.clone(), x))
                .map_err(|_| format!("optimizer state: {k}={v:?}"))
        })
        .collect::<Result<_, _>>()?;
    method
        .load_state(origami::optim::OptimState { tensors, scalars })
        .map_err(|e| e.to_string())?;
    let config = saved_config(&meta)?;
    config
        .get("epoch")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| "the checkpoint has no epoch count".to_string())
}

fn predict(dir: &Path, text: &str) -> Result<(), String> {
    let path = dir.join("model.safetensors");
    let (_, meta) = origami::nn::load_tensors::<f32>(&path).map_err(|e| e.to_string())?;
    let config = saved_config(&meta)?;
    let get = |k: &str| {
        config
            .get(k)
            .cloned()
            .ok_or_else(|| format!("{}: configuration lacks {k}", path.display()))
    };
    let num = |k: &str| {
        get(k).and_then(|v| {
            v.parse::<usize>()
                .map_err(|_| format!("{}: bad {k}={v}", path.display()))
        })
    };
    let vocab = Vocab::from_list(
        meta.get("vocab")
            .ok_or("no vocabulary in the checkpoint")?
            .split('\n')
            .map(String::from)
            .collect(),
    );
    let labels: Vec<String> = meta
        .get("labels")
        .ok_or("no labels in the checkpoint")?
        .split('\n')
        .map(String::from)
        .collect();
    let tokens = if get("tokens")? == "char" {
        Tokens::Char
    } else {
        Tokens::Word
    };
    let kind = match get("cell")?.as_str() {
        "gru" => CellKind::Gru,
        "lstm" => CellKind::Lstm,
        _ => CellKind::ElmanTanh,
    };
    let pool = match get("pool")?.as_str() {
        "mean" => model::Pool::Mean,
        "max" => model::Pool::Max,
        _ => model::Pool::Last,
    };
    let config = RnnConfig {
        kind,
        input_size: num("embed")?,
        hidden_size: num("hidden")?,
        layers: num("layers")?,
        bidirectional: get("bidirectional")? == "true",
    };
    let mut model = RnnClassifier::new(
        vocab.len(),
        num("embed")?,
        config,
        num("head_depth")?,
        labels.len(),
        pool,
        &mut StdRng::seed_from_u64(0),
    );
    origami::nn::load(&path, &mut model).map_err(|e| e.to_string())?;
    let ids = vocab.encode(text, tokens, num("max_len")?);
    let batch = data::Batch {
        indices: vec![0],
        steps: ids.iter().map(|&i| vec![i]).collect(),
        lengths: vec![ids.len()],
        labels: vec![0],
    };
    let tape = Tape::inference();
    let probs = model
        .logits(&tape, &batch, &[text], None)
        .softmax(1)
        .value();
    let best = (0..labels.len()).fold(0, |b, k| {
        if probs.data()[k] > probs.data()[b] {
            k
        } else {
            b
        }
    });
    println!("{}", labels[best]);
    for (l, p) in labels.iter().zip(probs.data()) {
        println!("  {l:<16} {p:.4}");
    }
    Ok(())
}
