//! End-to-end checks of the example: a resumed run reproduces an
//! uninterrupted one bit for bit, and bad data or flags stop it with a
//! message naming the problem.

use std::path::{Path, PathBuf};

use crate::cli::Args;
use crate::corpus;
use crate::workers::Workers;

/// The example's run, in this process (`--distributed` is checked under
/// `mpirun` by `scripts/mpi.sh showcase`).
fn run(args: &Args) -> Result<(), String> {
    crate::run(args, &Workers::new(args.threads, false)?)
}

/// A fresh directory with small train/test TSV files from the corpus.
fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("origami-example-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, n, seed) in [("train.tsv", 240, 3), ("test.tsv", 60, 4)] {
        let lines: String = corpus::generate(n, seed)
            .iter()
            .map(|(label, text)| format!("{}\t{text}\n", corpus::LABELS[*label]))
            .collect();
        std::fs::write(dir.join(file), lines).unwrap();
    }
    dir
}

fn args(dir: &Path, extra: &[&str]) -> Result<Args, String> {
    let base = [
        "--train",
        "train.tsv",
        "--test",
        "test.tsv",
        "--hidden",
        "12",
        "--embed",
        "8",
        "--batch-size",
        "16",
        "--quiet",
        "--no-baseline",
    ];
    let resolve = |s: &&str| {
        if s.ends_with(".tsv") || s.starts_with("ckpt") {
            dir.join(s).display().to_string()
        } else {
            s.to_string()
        }
    };
    Args::parse(base.iter().chain(extra).map(resolve))
}

fn tensors(path: PathBuf) -> Vec<(String, Vec<u32>)> {
    let (tensors, _) = origami::nn::load_tensors::<f32>(&path).unwrap();
    tensors
        .into_iter()
        .map(|(name, t)| (name, t.data().iter().map(|x| x.to_bits()).collect()))
        .collect()
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one_bit_for_bit() {
    for (threads, cell) in [("1", "elman"), ("2", "lstm")] {
        let dir = workspace(&format!("resume-{cell}"));
        let common = [
            "--threads",
            threads,
            "--cell",
            cell,
            "--dropout",
            "0.2",
            "--optimizer",
            "momentum",
        ];
        let with = |extra: &[&str]| args(&dir, &[&common[..], extra].concat()).unwrap();
        run(&with(&["--epochs", "3", "--save", "ckpt-whole"])).unwrap();
        run(&with(&["--epochs", "1", "--save", "ckpt-part"])).unwrap();
        run(&with(&[
            "--epochs",
            "3",
            "--load",
            "ckpt-part",
            "--save",
            "ckpt-resumed",
        ]))
        .unwrap();
        for file in ["model.safetensors", "optimizer.safetensors"] {
            assert_eq!(
                tensors(dir.join("ckpt-whole").join(file)),
                tensors(dir.join("ckpt-resumed").join(file)),
                "{cell}, {threads} thread(s): {file} differs after resuming"
            );
        }
    }
}

/// `--checkpoint-every` trades memory for recomputation and changes
/// nothing else: a bidirectional GRU in chunks of 3 steps ends where the
/// plain run ends, to rounding (the scans form each weight gradient as one
/// product per chunk instead of one over the sequence).
#[test]
fn checkpointed_training_ends_where_plain_training_does() {
    let dir = workspace("checkpoint-every");
    let common = [
        "--cell",
        "gru",
        "--bidirectional",
        "--epochs",
        "2",
        "--dropout",
        "0.2",
    ];
    let with = |extra: &[&str]| args(&dir, &[&common[..], extra].concat()).unwrap();
    run(&with(&["--save", "ckpt-plain"])).unwrap();
    run(&with(&[
        "--save",
        "ckpt-chunked",
        "--checkpoint-every",
        "3",
    ]))
    .unwrap();
    let file = "model.safetensors";
    let (plain, chunked) = (
        tensors(dir.join("ckpt-plain").join(file)),
        tensors(dir.join("ckpt-chunked").join(file)),
    );
    // Measured: 551 of the weights differ, by at most 7e-8 relative
    // (2026-11-30); a wrong rule would be off by orders more.
    for ((name, a), (other, b)) in plain.iter().zip(&chunked) {
        assert_eq!(name, other);
        for (&x, &y) in a.iter().zip(b) {
            let (x, y) = (f32::from_bits(x), f32::from_bits(y));
            assert!(
                (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                "{name}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn malformed_data_stops_the_run_with_file_and_line() {
    let dir = workspace("malformed");
    let mut bad = std::fs::read(dir.join("train.tsv")).unwrap();
    for _ in 0..20 {
        bad.extend_from_slice(b"positive no tab here\n\xFF\xFE\tbroken\n");
    }
    std::fs::write(dir.join("train.tsv"), bad).unwrap();
    let err = run(&args(&dir, &["--epochs", "1"]).unwrap()).unwrap_err();
    assert!(
        err.contains("train.tsv: 40 of 280 lines are malformed")
            && err.contains("line 241: no tab"),
        "{err}"
    );
    let dir = workspace("unknown-label");
    std::fs::write(dir.join("test.tsv"), "unheard-of\tsome words\n").unwrap();
    let err = run(&args(&dir, &["--epochs", "1"]).unwrap()).unwrap_err();
    assert!(err.contains("no usable examples"), "{err}");
}

#[test]
fn bad_flags_are_named() {
    let dir = workspace("flags");
    for (extra, expected) in [
        (&["--dropout", "1.5"][..], "--dropout 1.5 is not in [0, 1)"),
        (&["--threads", "0"][..], "--threads must be at least 1"),
        (
            &["--checkpoint-every", "0"][..],
            "--checkpoint-every must be at least 1",
        ),
        (
            &["--threads", "two"][..],
            "--threads: \"two\" is not a valid number",
        ),
        (
            &["--cell", "transformer"][..],
            "--cell: \"transformer\" is not elman, gru or lstm",
        ),
        (&["--epochs"][..], "--epochs needs a value"),
        (
            &["--optimizer", "lbfgs"][..],
            "--optimizer: unknown method \"lbfgs\" (sgd, momentum, nesterov, adam, adamw, sdlm)",
        ),
    ] {
        let err = args(&dir, extra)
            .err()
            .unwrap_or_else(|| panic!("{extra:?} was accepted"));
        assert!(err.contains(expected), "{extra:?}: {err}");
    }
    let err = run(&args(&dir, &["--load", "ckpt-missing", "--epochs", "1"]).unwrap()).unwrap_err();
    assert!(err.contains("ckpt-missing"), "{err}");
}

#[test]
fn diagnose_watches_without_changing_the_run_and_names_a_blow_up() {
    let dir = workspace("diagnose");
    let common = ["--epochs", "2", "--optimizer", "momentum"];
    let with = |extra: &[&str]| args(&dir, &[&common[..], extra].concat()).unwrap();
    run(&with(&["--save", "ckpt-plain"])).unwrap();
    run(&with(&["--save", "ckpt-watched", "--diagnose"])).unwrap();
    assert_eq!(
        tensors(dir.join("ckpt-plain").join("model.safetensors")),
        tensors(dir.join("ckpt-watched").join("model.safetensors")),
        "the doctor must only watch"
    );
    let read = |ckpt: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(ckpt).join("diagnosis.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    assert!(read("ckpt-watched")["findings"].is_array());

    let err = run(&with(&[
        "--save",
        "ckpt-blown",
        "--diagnose",
        "--optimizer",
        "sgd",
        "--lr",
        "1e38",
        "--clip",
        "0",
    ]))
    .unwrap_err();
    assert!(err.contains("the loss became"), "{err}");
    let findings = read("ckpt-blown")["findings"].as_array().unwrap().clone();
    let kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["rate-above-stable-limit", "non-finite", "non-finite"],
        "{findings:?}"
    );
    assert_eq!(findings[2]["subject"], "matmul", "the anomaly names the op");

    // Plain SGD's rate is judged against the curvature at the first step.
    run(&with(&[
        "--save",
        "ckpt-rate",
        "--diagnose",
        "--optimizer",
        "sgd",
        "--lr",
        "20",
        "--clip",
        "0",
    ]))
    .unwrap();
    let first = read("ckpt-rate")["findings"][0].clone();
    assert_eq!(first["kind"], "rate-above-stable-limit", "{first}");
    assert_eq!(first["step"], 0);
}

#[test]
fn per_class_metrics_follow_their_definitions() {
    let labels = ["a", "b", "c"].map(String::from);
    // Class a: 8 right, 2 taken for b; b: 5 right, 5 taken for a; c: absent
    // from the test set and never predicted.
    let m = crate::metrics::Metrics::new(&labels, &[vec![8, 2, 0], vec![5, 5, 0], vec![0, 0, 0]]);
    let f1 = |p: f64, r: f64| 2.0 * p * r / (p + r);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    let (a, b, c) = (&m.classes[0], &m.classes[1], &m.classes[2]);
    assert!(close(a.precision, 8.0 / 13.0) && close(a.recall, 0.8) && a.support == 10);
    assert!(close(b.precision, 5.0 / 7.0) && close(b.recall, 0.5) && b.support == 10);
    assert!(close(a.f1, f1(8.0 / 13.0, 0.8)) && close(b.f1, f1(5.0 / 7.0, 0.5)));
    assert_eq!((c.precision, c.recall, c.f1, c.support), (0.0, 0.0, 0.0, 0));
    assert!(close(m.accuracy, 0.65));
    assert!(close(m.macro_f1, (a.f1 + b.f1) / 3.0));
}

#[test]
fn metrics_file_holds_the_test_scores_and_the_findings() {
    let dir = workspace("metrics");
    let file = dir.join("metrics.json");
    let path = file.display().to_string();
    run(&args(
        &dir,
        &[
            "--epochs",
            "1",
            "--valid-split",
            "0",
            "--diagnose",
            "--metrics",
            &path,
        ],
    )
    .unwrap())
    .unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let classes = value["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2);
    let support: u64 = classes.iter().map(|c| c["support"].as_u64().unwrap()).sum();
    assert_eq!(support, 60, "every test example counted once");
    assert!((0.0..=1.0).contains(&value["macro_f1"].as_f64().unwrap()));
    assert!(value["diagnosis"].is_array());
    let bad = dir
        .join("no-such-dir")
        .join("metrics.json")
        .display()
        .to_string();
    let err = args(&dir, &["--epochs", "1", "--metrics", &bad])
        .err()
        .unwrap();
    assert!(
        err.contains("no-such-dir") && err.contains("does not exist"),
        "{err}"
    );
}

/// The `"training"` object of a run's `--metrics` file.
fn training_summary(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let file = dir.join("metrics.json").display().to_string();
    run(&args(dir, &[extra, &["--metrics", &file]].concat()).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["training"].clone()
}

#[test]
fn the_best_validation_epoch_is_kept_and_saved() {
    let dir = workspace("best");
    let common = ["--lr", "0.02", "--valid-split", "0.3"];
    let long = training_summary(
        &dir,
        &[&common[..], &["--epochs", "6", "--save", "ckpt-long"]].concat(),
    );
    assert_eq!(long["epochs_trained"], 6);
    let kept = long["kept_epoch"].as_u64().unwrap();
    assert!((1..=6).contains(&kept), "{long}");
    // A run that stops at the kept epoch ends with the same parameters:
    // the long run went back to them.
    let stop = kept.to_string();
    run(&args(
        &dir,
        &[&common[..], &["--epochs", &stop, "--save", "ckpt-short"]].concat(),
    )
    .unwrap())
    .unwrap();
    assert_eq!(
        tensors(dir.join("ckpt-long").join("model.safetensors")),
        tensors(dir.join("ckpt-short").join("model.safetensors")),
        "kept epoch {kept}"
    );
    // With a patience, training stops that many epochs after the best one
    // (or at the last epoch).
    let patient = training_summary(
        &dir,
        &[&common[..], &["--epochs", "40", "--patience", "2"]].concat(),
    );
    let (trained, kept) = (
        patient["epochs_trained"].as_u64().unwrap(),
        patient["kept_epoch"].as_u64().unwrap(),
    );
    assert!(trained == kept + 2 || trained == 40, "{patient}");
}

#[test]
fn a_cosine_schedule_changes_the_run_and_resumes_exactly() {
    let dir = workspace("cosine");
    let with = |extra: &[&str]| {
        let base = [
            "--schedule",
            "cosine",
            "--epochs",
            "3",
            "--valid-split",
            "0",
        ];
        args(&dir, &[&base[..], extra].concat()).unwrap()
    };
    run(&with(&["--save", "ckpt-cosine"])).unwrap();
    run(&args(
        &dir,
        &[
            "--epochs",
            "3",
            "--valid-split",
            "0",
            "--save",
            "ckpt-constant",
        ],
    )
    .unwrap())
    .unwrap();
    let cosine = tensors(dir.join("ckpt-cosine").join("model.safetensors"));
    assert_ne!(
        cosine,
        tensors(dir.join("ckpt-constant").join("model.safetensors"))
    );
    // The rate depends on the epoch only, so a resumed run follows it
    // (epoch 1's rate is the base rate whatever the schedule's length).
    run(&args(
        &dir,
        &[
            "--schedule",
            "cosine",
            "--epochs",
            "1",
            "--valid-split",
            "0",
            "--save",
            "ckpt-part",
        ],
    )
    .unwrap())
    .unwrap();
    run(&with(&["--load", "ckpt-part", "--save", "ckpt-resumed"])).unwrap();
    assert_eq!(
        cosine,
        tensors(dir.join("ckpt-resumed").join("model.safetensors"))
    );
}

#[test]
fn predict_file_labels_every_line_like_predict() {
    let dir = workspace("predict-file");
    run(&args(&dir, &["--epochs", "2", "--save", "ckpt"]).unwrap()).unwrap();
    let lines = "good but not cheap\n\nnot good but cheap\r\ncheap\n";
    std::fs::write(dir.join("input.txt"), lines).unwrap();
    let model = dir.join("ckpt");
    let out = crate::checkpoint::predictions(&model, &dir.join("input.txt")).unwrap();
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0][..2], ["line", "label"]);
    assert_eq!(rows[0].len(), 2 + corpus::LABELS.len());
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[0]).collect();
    assert_eq!(
        numbers,
        ["1", "3", "4"],
        "blank lines are skipped, numbers kept"
    );
    let saved = crate::checkpoint::Saved::load(&model).unwrap();
    for (row, text) in rows[1..]
        .iter()
        .zip(["good but not cheap", "not good but cheap", "cheap"])
    {
        let probs: Vec<f32> = row[2..].iter().map(|p| p.parse().unwrap()).collect();
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-3, "{row:?}");
        // Batched with longer lines (padded) or alone: the same answer.
        let alone = &saved.probabilities(&[text])[0];
        let printed: Vec<String> = alone.iter().map(|p| format!("{p:.4}")).collect();
        assert_eq!(row[2..], printed, "{text}");
    }
    std::fs::write(dir.join("bad.txt"), b"fine\n\xff\xfe\n").unwrap();
    let err = crate::checkpoint::predictions(&model, &dir.join("bad.txt")).unwrap_err();
    assert!(err.contains("bad.txt:2") && err.contains("UTF-8"), "{err}");
    let err = args(&dir, &["--predict-file", "input.txt"]).err().unwrap();
    assert!(err.contains("--load"), "{err}");
}

#[test]
fn the_strong_preset_sets_only_what_is_not_given() {
    let dir = workspace("preset");
    let strong = args(&dir, &["--preset", "strong"]).unwrap();
    assert_eq!(strong.cell, origami::nn::CellKind::Gru);
    assert_eq!(
        (strong.tokens, strong.pool, strong.clip),
        (None, crate::model::Pool::Max, Some(1.0))
    );
    assert!(matches!(
        strong.schedule,
        origami::optim::Schedule::Cosine { epochs: 10, .. }
    ));
    assert!(strong.bidirectional);
    let mine = args(
        &dir,
        &[
            "--preset",
            "strong",
            "--cell",
            "lstm",
            "--tokens",
            "word",
            "--clip",
            "0",
            "--unidirectional",
        ],
    )
    .unwrap();
    assert_eq!(mine.cell, origami::nn::CellKind::Lstm);
    assert!(!mine.bidirectional);
    let err = args(&dir, &["--bidirectional", "--unidirectional"])
        .err()
        .unwrap();
    assert!(err.contains("one of the two"), "{err}");
    assert_eq!(
        (mine.tokens, mine.clip),
        (Some(crate::data::Tokens::Word), None)
    );
    let err = args(&dir, &["--preset", "fast"]).err().unwrap();
    assert!(err.contains("--preset") && err.contains("fast"), "{err}");
}

#[test]
fn auto_tokens_read_characters_when_words_are_mostly_unseen() {
    use crate::data::{Tokens, choose_tokens};
    let reviews: Vec<String> = corpus::generate(200, 5)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let reviews: Vec<&str> = reviews.iter().map(String::as_str).collect();
    let (tokens, share) = choose_tokens(&reviews[..150], &reviews[150..]);
    assert!(
        tokens == Tokens::Word && share < crate::data::MAX_WORD_OOV,
        "{share}"
    );
    // Without checked texts, half of the training texts are checked.
    let words = ["tree", "house", "river", "stone", "cloud", "field"];
    let (tokens, share) = choose_tokens(&words, &[]);
    assert_eq!((tokens, share), (Tokens::Char, 1.0));
}

#[test]
fn an_ngram_model_is_saved_and_predicts_but_is_not_resumed() {
    let dir = workspace("ngram-save");
    run(&args(
        &dir,
        &["--model", "ngram", "--epochs", "3", "--save", "ckpt"],
    )
    .unwrap())
    .unwrap();
    std::fs::write(dir.join("input.txt"), "good but not cheap\ncheap\n").unwrap();
    let out = crate::checkpoint::predictions(&dir.join("ckpt"), &dir.join("input.txt")).unwrap();
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(corpus::LABELS.contains(&rows[1][1]), "{out}");
    let probs: f32 = rows[2][2..].iter().map(|p| p.parse::<f32>().unwrap()).sum();
    assert!((probs - 1.0).abs() < 1e-3, "{out}");
    let err = run(&args(&dir, &["--epochs", "4", "--load", "ckpt"]).unwrap()).unwrap_err();
    assert!(
        err.contains("bag-of-n-grams") && err.contains("ckpt"),
        "{err}"
    );
}

#[test]
fn model_auto_keeps_the_rnn_only_when_clearly_better_on_validation() {
    let dir = workspace("auto");
    let summary = |extra: &[&str]| {
        let file = dir.join("metrics.json").display().to_string();
        let base = [
            "--model",
            "auto",
            "--valid-split",
            "0.3",
            "--save",
            "ckpt",
            "--metrics",
            &file,
        ];
        run(&args(&dir, &[&base[..], extra].concat()).unwrap()).unwrap();
        let text = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    // A trained RNN reads word order, which the bag of words cannot; an
    // RNN that has barely moved from its start reads nothing.
    for (extra, want) in [
        (&["--epochs", "15", "--lr", "0.01"][..], "rnn"),
        (&["--epochs", "1", "--lr", "1e-7"][..], "ngram"),
    ] {
        let value = summary(extra);
        let training = &value["training"];
        let (rnn, ngram) = (
            training["valid_accuracy"].as_f64().unwrap(),
            training["baseline"]["valid_accuracy"].as_f64().unwrap(),
        );
        let n = training["valid_texts"].as_u64().unwrap() as usize;
        assert_eq!(
            training["kept_model"], want,
            "rnn {rnn} ngram {ngram} on {n}"
        );
        assert_eq!(want == "ngram", crate::prefer_simpler(ngram, rnn, n));
        let test = if want == "ngram" {
            &training["baseline"]["test_accuracy"]
        } else {
            &training["test_accuracy"]
        };
        assert_eq!(&value["accuracy"], test, "the report is the kept model's");
        let saved = crate::checkpoint::Saved::load(&dir.join("ckpt")).unwrap();
        assert_eq!(saved.is_ngram(), want == "ngram");
    }
}

#[test]
fn model_auto_needs_the_rnn_ahead_by_more_than_a_standard_error() {
    // At 0.9 on 100 texts the standard error is 0.03.
    assert!(crate::prefer_simpler(0.9, 0.9, 100), "a tie");
    assert!(crate::prefer_simpler(0.9, 0.929, 100), "within one error");
    assert!(!crate::prefer_simpler(0.9, 0.931, 100), "beyond it");
    // The same gain counts on 10,000 texts, where the error is 0.003.
    assert!(!crate::prefer_simpler(0.9, 0.91, 10_000));
    // A perfect simple model is never replaced; an empty split keeps it too.
    assert!(crate::prefer_simpler(1.0, 1.0, 50));
    assert!(crate::prefer_simpler(0.0, 0.0, 0));
}

#[test]
fn batches_run_longest_first_and_split_deals_their_rows() {
    use crate::data::{PAD, batches, longest_first};
    // Eleven sequences of lengths 1…5 in a scrambled order; sequence `i`
    // holds the ids `i + 1, i + 1, …` so every cell can be traced back.
    let lengths = [3, 1, 5, 2, 4, 5, 1, 3, 2, 4, 3];
    let encoded: Vec<(usize, Vec<usize>)> = lengths
        .iter()
        .enumerate()
        .map(|(i, &l)| (i % 3, vec![i + 1; l]))
        .collect();
    let mut order: Vec<usize> = (0..encoded.len()).rev().collect();
    longest_first(&mut order, &encoded, 4);
    // Each chunk of four sorted longest first; ties keep their order.
    assert_eq!(order, [9, 10, 7, 8, 5, 4, 3, 6, 2, 0, 1]);
    for batch in batches(&encoded, &order, 4) {
        for parts in 1..=5 {
            let pieces = batch.split(parts);
            assert_eq!(pieces.len(), parts.min(batch.labels.len()));
            let mut dealt: Vec<usize> = Vec::new();
            for (k, piece) in pieces.iter().enumerate() {
                // Rows k, k + parts, … in order, still longest first.
                let rows: Vec<usize> = (k..batch.labels.len()).step_by(pieces.len()).collect();
                let expected: Vec<usize> = rows.iter().map(|&r| batch.indices[r]).collect();
                assert_eq!(piece.indices, expected);
                assert!(piece.lengths.windows(2).all(|w| w[0] >= w[1]));
                assert_eq!(piece.steps.len(), piece.lengths[0]);
                for (row, &i) in piece.indices.iter().enumerate() {
                    assert_eq!(piece.labels[row], encoded[i].0);
                    assert_eq!(piece.lengths[row], lengths[i]);
                    for (t, ids) in piece.steps.iter().enumerate() {
                        let id = if t < lengths[i] { i + 1 } else { PAD };
                        assert_eq!(ids[row], id, "piece {k}, row {row}, step {t}");
                    }
                }
                dealt.extend(&piece.indices);
            }
            dealt.sort_unstable();
            let mut all = batch.indices.clone();
            all.sort_unstable();
            assert_eq!(dealt, all);
        }
    }
}

#[test]
fn evaluation_scores_do_not_depend_on_the_thread_count() {
    use crate::model::{Pool, RnnClassifier};
    use crate::train::{Split, evaluate};
    use origami::nn::{CellKind, RnnConfig};
    use rand::SeedableRng;
    // 53 texts of lengths 1…9 over 4 classes: batches of 8 leave a short
    // last batch, and 3 threads get unequal shares.
    let encoded: Vec<(usize, Vec<usize>)> = (0..53)
        .map(|i| {
            (
                i % 4,
                (0..1 + i % 9).map(|t| 2 + (i * 7 + t) % 11).collect(),
            )
        })
        .collect();
    let split = Split {
        texts: (0..53).map(|i| format!("text {i}")).collect(),
        encoded,
    };
    let config = RnnConfig {
        kind: CellKind::Lstm,
        input_size: 0,
        hidden_size: 6,
        layers: 1,
        bidirectional: true,
    };
    let rng = &mut rand::rngs::StdRng::seed_from_u64(9);
    let model = RnnClassifier::new(13, 5, config, 1, 4, Pool::Max, rng);
    let one = evaluate(&model, &split, 8, 4, 1);
    assert_eq!(one.confusion.iter().flatten().sum::<usize>(), 53);
    // Predictions that differ, so a batch scored against another batch's
    // labels would show.
    let guessed = (0..4).filter(|&k| one.confusion.iter().any(|row| row[k] > 0));
    assert!(guessed.count() > 1, "{:?}", one.confusion);
    for threads in [2, 3, 16] {
        let many = evaluate(&model, &split, 8, 4, threads);
        assert_eq!(many.confusion, one.confusion, "{threads} threads");
        assert_eq!(many.loss.to_bits(), one.loss.to_bits(), "{threads} threads");
        assert_eq!(many.accuracy, one.accuracy, "{threads} threads");
    }
}

/// Padding never changes a result: every sequence's logits, and the
/// gradient of their sum, are those it gets alone, for every pooling,
/// cell and direction (max pooling reads the padding, which repeats
/// states the row already had).
#[test]
fn a_padded_batch_scores_every_sequence_as_it_scores_alone() {
    use crate::data::batches;
    use crate::model::{Classifier, Pool, RnnClassifier};
    use origami::nn::{CellKind, Params, RnnConfig};
    use origami::prelude::*;
    use rand::SeedableRng;
    let encoded: Vec<(usize, Vec<usize>)> = [5, 2, 4, 1, 3]
        .iter()
        .enumerate()
        .map(|(i, &l)| (i % 4, (0..l).map(|t| 2 + (i * 5 + t * 3) % 11).collect()))
        .collect();
    let texts = vec![""; encoded.len()];
    for kind in [CellKind::Lstm, CellKind::Gru, CellKind::ElmanTanh] {
        for (bidirectional, pool) in [(true, Pool::Max), (false, Pool::Max), (true, Pool::Mean)] {
            let config = RnnConfig {
                kind,
                input_size: 0,
                hidden_size: 6,
                layers: 1,
                bidirectional,
            };
            let rng = &mut rand::rngs::StdRng::seed_from_u64(3);
            let model = RnnClassifier::new(13, 5, config, 1, 4, pool, rng);
            let score = |rows: &[usize]| {
                let batch = batches(&encoded, rows, rows.len()).remove(0);
                let tape = Tape::new();
                let logits = model.logits(&tape, &batch, &texts[..rows.len()], None);
                let grads = logits.sum_all().backward();
                (logits.value().data().to_vec(), grads)
            };
            let (together, summed) = score(&[0, 1, 2, 3, 4]);
            let mut alone_grads = Vec::new();
            for i in 0..encoded.len() {
                let (alone, grads) = score(&[i]);
                let row = &together[4 * i..4 * i + 4];
                let close = row.iter().zip(&alone).all(|(a, b)| (a - b).abs() < 1e-5);
                assert!(close, "{kind:?} {pool:?} row {i}: {row:?} vs {alone:?}");
                alone_grads.push(grads);
            }
            for (name, param) in model.params() {
                let want = summed.get(param.id()).unwrap();
                let mut got = vec![0.0f32; want.numel()];
                for grads in &alone_grads {
                    for (g, x) in got.iter_mut().zip(grads.get(param.id()).unwrap().data()) {
                        *g += x;
                    }
                }
                let close = got
                    .iter()
                    .zip(want.data())
                    .all(|(a, b)| (a - b).abs() < 1e-4);
                assert!(close, "{kind:?} {pool:?} gradient of {name}");
            }
        }
    }
}
