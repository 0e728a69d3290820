//! The choices a run makes for its user: the strong preset, the token
//! kind, and whether to keep the RNN or the n-gram model.

use super::*;

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
