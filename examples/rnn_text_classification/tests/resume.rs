//! Runs that resume, checkpoint, keep their best epoch or follow a
//! schedule end exactly where an uninterrupted run ends.

use super::*;

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
