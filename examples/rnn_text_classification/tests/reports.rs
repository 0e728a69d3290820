//! What a run reports: the doctor's findings, per-class metrics, the
//! metrics file and labelled predictions.

use super::*;

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
