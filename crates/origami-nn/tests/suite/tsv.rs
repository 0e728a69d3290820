//! The TSV reader against random bytes, truncations and damaged lines:
//! it never panics, keeps every good line, and names every bad one.

use std::path::Path;

use origami_nn::{LineProblem, TsvError, TsvOptions, parse_tsv, read_tsv};
use proptest::prelude::*;

fn lenient() -> TsvOptions {
    TsvOptions {
        max_bad_fraction: 1.0,
        ..TsvOptions::default()
    }
}

fn parse(
    bytes: &[u8],
    options: &TsvOptions,
) -> (Vec<String>, Result<origami_nn::TsvData, TsvError>) {
    let mut labels = Vec::new();
    let result = parse_tsv(bytes, Path::new("data.tsv"), &mut labels, options);
    (labels, result)
}

/// Labels and texts without tabs, newlines or surrounding spaces.
fn example() -> impl Strategy<Value = (String, String)> {
    ("[a-z]{1,3}", "[a-zA-Z0-9àéß漢 ,.!?-]{0,20}[a-zA-Zé漢]")
        .prop_map(|(label, text)| (label, text.trim_start().to_string()))
}

fn to_tsv(examples: &[(String, String)]) -> Vec<u8> {
    let mut out = String::new();
    for (label, text) in examples {
        out.push_str(&format!("{label}\t{text}\n"));
    }
    out.into_bytes()
}

#[test]
fn every_kind_of_bad_line_is_named_with_its_number() {
    let bytes = b"\xEF\xBB\xBFpos\tgood\r\n\nno tab here\n\tno label\nneg\t   \nneg\tok \xFF\xFE\nneg\tfine\n";
    let (labels, data) = parse(bytes, &lenient());
    let data = data.unwrap();
    assert_eq!(labels, ["pos", "neg"]);
    let texts: Vec<&str> = data.examples.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["good", "fine"]);
    let problems: Vec<(usize, LineProblem)> = data
        .skipped
        .iter()
        .map(|s| (s.line, s.problem.clone()))
        .collect();
    assert_eq!(
        problems,
        [
            (3, LineProblem::NoTab),
            (4, LineProblem::EmptyLabel),
            (5, LineProblem::EmptyText),
            (6, LineProblem::NotUtf8 { column: 8 }),
        ]
    );
}

#[test]
fn unknown_labels_and_long_lines_are_refused_when_asked() {
    let options = TsvOptions {
        new_labels: false,
        max_line_bytes: 10,
        max_bad_fraction: 1.0,
    };
    let mut labels = vec!["pos".to_string()];
    let data = parse_tsv(
        b"pos\tshort\nneg\tshort\npos\tfar too long\n",
        Path::new("t.tsv"),
        &mut labels,
        &options,
    )
    .unwrap();
    assert_eq!(labels, ["pos"]);
    assert_eq!(data.examples.len(), 1);
    assert_eq!(
        data.skipped[0].problem,
        LineProblem::UnknownLabel("neg".into())
    );
    assert_eq!(data.skipped[1].problem, LineProblem::TooLong { bytes: 16 });
}

#[test]
fn the_limits_are_inclusive() {
    // A line of exactly `max_line_bytes` is accepted; one byte more is not.
    let options = TsvOptions {
        max_line_bytes: 7,
        max_bad_fraction: 1.0,
        ..TsvOptions::default()
    };
    let (_, result) = parse(b"a\tseven\na\teight!\n", &options);
    let data = result.unwrap();
    assert_eq!(data.examples.len(), 1);
    assert_eq!(data.skipped[0].problem, LineProblem::TooLong { bytes: 8 });
    // Exactly the allowed fraction of bad lines (1 of 4 = 0.25) is accepted.
    let options = TsvOptions {
        max_bad_fraction: 0.25,
        ..TsvOptions::default()
    };
    let (_, result) = parse(b"a\tx\na\ty\na\tz\nno tab\n", &options);
    assert_eq!(result.unwrap().skipped.len(), 1);
    let (_, result) = parse(b"a\tx\na\ty\nno tab\nno tab\n", &options);
    assert!(matches!(
        result,
        Err(TsvError::TooManyBad {
            bad: 2,
            lines: 4,
            ..
        })
    ));
}

#[test]
fn a_mostly_broken_file_is_refused_with_file_line_and_reason() {
    let mut bytes = to_tsv(&vec![("a".into(), "x".into()); 95]);
    bytes.extend_from_slice(b"a x\n".repeat(5).as_slice());
    let (_, result) = parse(&bytes, &TsvOptions::default());
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("data.tsv: 5 of 100 lines are malformed")
            && message.contains("line 96: no tab"),
        "{message}"
    );
    let (_, nothing) = parse(b"\n  \n", &TsvOptions::default());
    assert!(matches!(nothing, Err(TsvError::Empty { skipped: 0, .. })));
    let missing = read_tsv(
        Path::new("/nonexistent/train.tsv"),
        &mut Vec::new(),
        &TsvOptions::default(),
    );
    assert!(
        missing
            .unwrap_err()
            .to_string()
            .starts_with("/nonexistent/train.tsv: "),
        "the error names the file"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any bytes at all: a result, never a panic, and a consistent one.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (labels, result) = parse(&bytes, &lenient());
        let lines = bytes.split(|&b| b == b'\n').count();
        if let Ok(data) = result {
            prop_assert!(data.examples.len() + data.skipped.len() <= lines);
            for e in &data.examples {
                prop_assert!(e.label < labels.len());
                prop_assert!(!e.text.trim().is_empty());
            }
            for s in &data.skipped {
                prop_assert!(s.line >= 1 && s.line <= lines);
            }
        }
    }

    /// A well-formed file reads back exactly.
    #[test]
    fn valid_files_round_trip(examples in proptest::collection::vec(example(), 1..40)) {
        let (labels, result) = parse(&to_tsv(&examples), &TsvOptions::default());
        let data = result.unwrap();
        prop_assert!(data.skipped.is_empty());
        let back: Vec<(String, String)> = data
            .examples
            .iter()
            .map(|e| (labels[e.label].clone(), e.text.clone()))
            .collect();
        prop_assert_eq!(back, examples);
    }

    /// A file cut anywhere keeps every complete line before the cut.
    #[test]
    fn truncated_files_keep_the_complete_lines(
        examples in proptest::collection::vec(example(), 1..30),
        fraction in 0.0f64..1.0,
    ) {
        let bytes = to_tsv(&examples);
        let cut = (bytes.len() as f64 * fraction) as usize;
        let whole_lines = bytes[..cut].iter().filter(|&&b| b == b'\n').count();
        let (labels, result) = parse(&bytes[..cut], &lenient());
        match result {
            Ok(data) => {
                prop_assert!(data.examples.len() >= whole_lines);
                for (e, (label, text)) in data.examples.iter().zip(&examples).take(whole_lines) {
                    prop_assert_eq!(&labels[e.label], label);
                    prop_assert_eq!(&e.text, text);
                }
            }
            Err(TsvError::Empty { .. }) => prop_assert_eq!(whole_lines, 0),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    /// Damaged lines are skipped with their own line numbers, and the file
    /// is refused exactly when their share passes the limit.
    #[test]
    fn damaged_lines_are_counted_against_the_limit(
        examples in proptest::collection::vec(example(), 2..60),
        damaged in proptest::collection::btree_set(0usize..60, 0..8),
        allowed in 0.0f64..0.3,
    ) {
        let mut text = String::new();
        let mut bad_lines = Vec::new();
        for (i, (label, body)) in examples.iter().enumerate() {
            if damaged.contains(&i) {
                text.push_str(&format!("{label} {body}\n"));
                bad_lines.push(i + 1);
            } else {
                text.push_str(&format!("{label}\t{body}\n"));
            }
        }
        let options = TsvOptions { max_bad_fraction: allowed, ..TsvOptions::default() };
        let (_, result) = parse(text.as_bytes(), &options);
        let good = examples.len() - bad_lines.len();
        let too_many = bad_lines.len() as f64 > allowed * examples.len() as f64;
        match result {
            Ok(data) => {
                prop_assert!(!too_many);
                prop_assert_eq!(data.examples.len(), good);
                let lines: Vec<usize> = data.skipped.iter().map(|s| s.line).collect();
                prop_assert_eq!(lines, bad_lines);
            }
            Err(TsvError::TooManyBad { bad, lines, first, .. }) => {
                prop_assert!(too_many && good > 0);
                prop_assert_eq!((bad, lines), (bad_lines.len(), examples.len()));
                prop_assert_eq!(first.line, bad_lines[0]);
            }
            Err(TsvError::Empty { .. }) => prop_assert_eq!(good, 0),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}
