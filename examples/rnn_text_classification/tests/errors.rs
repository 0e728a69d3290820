//! Bad data and bad flags stop a run with a message naming the problem.

use super::*;

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
