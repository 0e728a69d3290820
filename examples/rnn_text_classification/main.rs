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

mod best;
mod checkpoint;
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
mod workers;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use origami::nn::{Dropout, RnnConfig};
use origami::optim::Schedule;
use origami::prelude::*;
use origami::probe::Doctor;
use rand::SeedableRng;
use rand::rngs::StdRng;

use cli::Args;
use data::{Example, Tokens, Vocab, length_quantile, read_labelled};
use model::{NgramClassifier, RnnClassifier};
use train::{Optim, Settings, Split, evaluate};
use workers::{Workers, say};

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match Workers::new(args.threads, args.distributed) {
        Ok(workers) => workers.finish(run(&args, &workers)),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args, workers: &Workers) -> Result<(), String> {
    if let (Some(text), Some(dir)) = (&args.predict, &args.load) {
        return checkpoint::predict(dir, text);
    }
    if let (Some(file), Some(dir)) = (&args.predict_file, &args.load) {
        return checkpoint::predict_file(dir, file);
    }
    let Loaded {
        train: examples,
        test,
        labels,
    } = load_data(args)?;
    let (train_set, valid_set) = split(examples, args.valid_split, args.seed);
    let texts: Vec<&str> = train_set.iter().map(|(_, t)| t.as_str()).collect();
    let tokens = match args.tokens {
        Some(tokens) => tokens,
        None => {
            let check: Vec<&str> = valid_set.iter().map(|(_, t)| t.as_str()).collect();
            let (tokens, share) = data::choose_tokens(&texts, &check);
            say!(
                "tokens: {tokens:?} ({:.0}% of the words checked are not in the training texts; characters above {:.0}%)",
                100.0 * share,
                100.0 * data::MAX_WORD_OOV
            );
            tokens
        }
    };
    let max_len = args
        .max_len
        .unwrap_or_else(|| length_quantile(&texts, tokens, 0.99));
    let vocab = Vocab::build(&texts, tokens, 1);
    let encode = |set: &[Example]| Split {
        texts: set.iter().map(|(_, t)| t.clone()).collect(),
        encoded: set
            .iter()
            .map(|(l, t)| (*l, vocab.encode(t, tokens, max_len)))
            .collect(),
    };
    let (train, valid, test) = (encode(&train_set), encode(&valid_set), encode(&test));
    say!(
        "data: {} train, {} valid, {} test; {} classes; vocabulary {} ({:?} tokens, max length {max_len})",
        train.len(),
        valid.len(),
        test.len(),
        labels.len(),
        vocab.len(),
        tokens
    );
    let settings = Settings {
        epochs: args.epochs,
        batch_size: args.batch_size,
        clip: args.clip,
        seed: args.seed,
        quiet: args.quiet,
        classes: labels.len(),
        lr: args.lr,
        schedule: args.schedule,
        patience: args.patience,
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    let baseline = (args.model != "rnn" || args.baseline)
        .then(|| {
            let n = args
                .ngram
                .unwrap_or(if tokens == Tokens::Char { 3 } else { 1 });
            let model = NgramClassifier::new(tokens, n, 1 << 14, labels.len(), &mut rng);
            train_baseline(model, &settings, workers, &train, &valid, &test)
        })
        .transpose()?;
    let baseline_scores = baseline.as_ref().map_or(serde_json::Value::Null, |b| {
        serde_json::json!({
            "model": format!("bag of {}-grams", b.model.max_n),
            "valid_accuracy": b.valid_accuracy,
            "test_accuracy": b.test.accuracy,
        })
    });
    if let (Some(b), "ngram") = (&baseline, args.model.as_str()) {
        if let Some(dir) = &args.save {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            b.save(dir, max_len, &vocab, &labels)?;
        }
        return test_report(args, &labels, &b.test.confusion, None, None);
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
    if let Some(every) = args.checkpoint_every {
        model.rnn = model.rnn.with_checkpoints(every);
    }
    let mut method = train::optimizer(&args.optimizer, args.lr)?;
    let mut first = 0;
    if let Some(dir) = &args.load {
        first = checkpoint::resume(dir, &mut model, &mut *method)?;
        say!("resumed from {} after epoch {first}", dir.display());
    }
    workers.synchronise(&mut model, &*method)?;
    say!(
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
        workers,
        doctor.as_mut(),
    );
    // The other ranks are done: rank 0 reports and writes the files.
    if !workers.is_root() {
        return trained.map(|_| ());
    }
    if let Some(doctor) = &doctor {
        diagnose::report(doctor, &dir)?;
    }
    let mut trained = trained?;
    let last = trained.logs.last().map_or(first, |log| log.epoch);
    // The epoch the model ends at: the best on validation, else the last.
    let (epoch, valid_accuracy) = trained.keep_best(first, &mut model, &mut *method)?;
    if let (Some(accuracy), true) = (valid_accuracy, epoch < last) {
        println!(
            "kept epoch {epoch} (best validation accuracy {accuracy:.4}) rather than epoch {last}"
        );
    }
    let logs = trained.logs;
    let scores = evaluate(&model, &test, args.batch_size, labels.len(), args.threads);
    println!("rnn: test accuracy {:.4}", scores.accuracy);
    let plot = dir.join("training.svg");
    report::plot(&plot, &logs)?;
    println!("plot: {}", plot.display());
    let kept_ngram = match (&baseline, args.model.as_str(), valid_accuracy) {
        (Some(b), "auto", Some(rnn)) => {
            prefer_simpler(b.valid_accuracy.unwrap_or(0.0), rnn, valid.len())
        }
        _ => false,
    };
    let kept = match (&baseline, kept_ngram) {
        (Some(b), true) => {
            println!(
                "kept the bag of n-grams: validation accuracy {:.4} against the rnn's {:.4} \
                 (the rnn is kept only if ahead by more than a standard error)",
                b.valid_accuracy.unwrap_or(0.0),
                valid_accuracy.unwrap_or(0.0)
            );
            if args.save.is_some() {
                b.save(&dir, max_len, &vocab, &labels)?;
            }
            &b.test
        }
        _ => {
            if args.save.is_some() {
                let config = checkpoint::rnn_config(args, tokens, max_len, epoch);
                checkpoint::save(&dir, &model, config, &*method, &vocab, &labels)?;
                println!("saved: {}", dir.display());
            }
            &scores
        }
    };
    // After saving, so a report that cannot be written loses no model.
    let seconds: f64 = logs.iter().map(|log| log.seconds).sum();
    let training = serde_json::json!({
        "epochs_trained": logs.len() + first,
        "kept_epoch": epoch,
        "valid_accuracy": valid_accuracy,
        "valid_texts": valid.len(),
        "test_accuracy": scores.accuracy,
        "seconds_per_epoch": seconds / logs.len().max(1) as f64,
        "baseline": baseline_scores,
        "kept_model": if kept_ngram { "ngram" } else { "rnn" },
    });
    test_report(
        args,
        &labels,
        &kept.confusion,
        doctor.as_ref(),
        Some(training),
    )
}

/// `--model auto`'s choice: keep the simpler model (the bag of n-grams,
/// validation accuracy `simple` on `n` texts) unless the RNN's validation
/// accuracy `rnn` beats it by more than one standard error of `simple`,
/// sqrt(p(1 - p) / n) — the "one standard error" rule of model selection,
/// since a smaller gain is within what another validation split could undo.
fn prefer_simpler(simple: f64, rnn: f64, n: usize) -> bool {
    let standard_error = (simple * (1.0 - simple) / n.max(1) as f64).sqrt();
    rnn <= simple + standard_error
}

/// The bag-of-n-grams model after training, at its best validation epoch.
struct BaselineRun {
    model: NgramClassifier,
    method: Optim<NgramClassifier>,
    test: train::Scores,
    valid_accuracy: Option<f64>,
    epoch: usize,
}

/// Trains the baseline (Adam at 0.05, at most 10 epochs, its best
/// validation epoch kept) and scores it on `test`.
fn train_baseline(
    mut model: NgramClassifier,
    settings: &Settings,
    workers: &Workers,
    train: &Split,
    valid: &Split,
    test: &Split,
) -> Result<BaselineRun, String> {
    let lr = 0.05;
    let mut method: Optim<NgramClassifier> = Box::new(Adam::new(lr));
    let quiet = Settings {
        quiet: true,
        epochs: settings.epochs.min(10),
        lr,
        schedule: Schedule::Constant,
        patience: None,
        ..settings.clone()
    };
    let mut trained = train::train(
        &mut model,
        &mut method,
        train,
        valid,
        0,
        &quiet,
        workers,
        None,
    )?;
    let (epoch, valid_accuracy) = trained.keep_best(0, &mut model, &mut *method)?;
    let test = evaluate(
        &model,
        test,
        settings.batch_size,
        settings.classes,
        workers.threads(),
    );
    say!(
        "baseline: bag of {}-grams (logistic regression), test accuracy {:.4}",
        model.max_n,
        test.accuracy
    );
    Ok(BaselineRun {
        model,
        method,
        test,
        valid_accuracy,
        epoch,
    })
}

impl BaselineRun {
    fn save(
        &self,
        dir: &Path,
        max_len: usize,
        vocab: &Vocab,
        labels: &[String],
    ) -> Result<(), String> {
        let config = checkpoint::ngram_config(&self.model, max_len, self.epoch);
        checkpoint::save(dir, &self.model, config, &*self.method, vocab, labels)?;
        println!("saved: {}", dir.display());
        Ok(())
    }
}

/// Prints the confusion matrix and per-class metrics of the test set and,
/// with `--metrics FILE`, writes them (and the doctor's findings, and how
/// many epochs ran and which was kept) as JSON.
fn test_report(
    args: &Args,
    labels: &[String],
    confusion: &[Vec<usize>],
    doctor: Option<&Doctor>,
    training: Option<serde_json::Value>,
) -> Result<(), String> {
    report::print_confusion(labels, confusion);
    let metrics = metrics::Metrics::new(labels, confusion);
    metrics.print();
    if let Some(path) = &args.metrics {
        let mut value = metrics.to_json();
        if let Some(doctor) = doctor {
            value["diagnosis"] = diagnose::findings(doctor);
        }
        if let Some(training) = training {
            value["training"] = training;
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
