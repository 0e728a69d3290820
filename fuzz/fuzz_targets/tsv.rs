//! Any bytes as a labelled-text TSV file, under options drawn from the
//! first bytes: a result, never a panic, and one consistent with the input.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use origami_nn::{TsvOptions, parse_tsv};

fuzz_target!(|input: &[u8]| {
    let Some((&[flags, limit, line_bytes], bytes)) = input.split_first_chunk::<3>() else {
        return;
    };
    let options = TsvOptions {
        new_labels: flags & 1 == 1,
        max_bad_fraction: f64::from(limit) / 255.0,
        max_line_bytes: usize::from(line_bytes) * 4,
    };
    let mut labels = if flags & 2 == 2 {
        vec!["en".to_string(), "de".to_string()]
    } else {
        Vec::new()
    };
    let known = labels.len();
    let Ok(data) = parse_tsv(bytes, Path::new("fuzz.tsv"), &mut labels, &options) else {
        return;
    };
    let lines = bytes.split(|&b| b == b'\n').count();
    assert!(data.examples.len() + data.skipped.len() <= lines);
    assert!(options.new_labels || labels.len() == known);
    for example in &data.examples {
        assert!(example.label < labels.len());
        assert!(!example.text.is_empty() && example.text.trim() == example.text);
    }
    for skipped in &data.skipped {
        assert!((1..=lines).contains(&skipped.line));
    }
});
