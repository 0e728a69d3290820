//! The lab's committed results are full runs and the README reports them
//! as recorded: every figure and record in `docs/lab/` names a full-run
//! command and a clean commit, every verdict is one of the four allowed,
//! and every `mean ± sd` in the README's claims table matches a number of
//! the record it links to. Also the lab's axis labels and summaries.

use crate::lab::{axis, stats};

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

const VERDICTS: [&str; 4] = ["holds", "holds-only-when", "contradicted", "inconclusive"];

fn records() -> BTreeMap<String, Value> {
    let mut records = BTreeMap::new();
    for entry in std::fs::read_dir("docs/lab").expect("docs/lab exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("readable");
            let record: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            let name = path
                .file_stem()
                .expect("named")
                .to_string_lossy()
                .to_string();
            records.insert(name, record);
        }
    }
    records
}

#[test]
fn records_come_from_full_runs_of_clean_commits() {
    let records = records();
    assert!(!records.is_empty(), "docs/lab holds no records");
    for (name, r) in &records {
        assert_eq!(r["experiment"], name.as_str(), "{name}: experiment field");
        assert_eq!(r["quick"], false, "{name}.json came from a --quick run");
        let command = r["command"].as_str().expect("command");
        assert!(
            command.starts_with(&format!("cargo run --release --example {name}"))
                && !command.contains("--quick"),
            "{name}: command {command:?}"
        );
        let commit = r["commit"].as_str().expect("commit");
        assert!(
            commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}: commit {commit:?} (a run from a dirty tree cannot be reproduced)"
        );
        let claims = r["claims"].as_array().expect("claims");
        assert!(!claims.is_empty(), "{name}: no verdict");
        for c in claims {
            let verdict = c["verdict"].as_str().expect("verdict");
            assert!(VERDICTS.contains(&verdict), "{name}: verdict {verdict:?}");
            assert!(
                !c["why"].as_str().expect("why").is_empty(),
                "{name}: no reason"
            );
        }
        for (key, n) in r["numbers"].as_object().expect("numbers") {
            for field in ["mean", "sd", "n", "min", "max", "median"] {
                assert!(n[field].is_number(), "{name}: {key} lacks {field}");
            }
        }
    }
}

#[test]
fn figures_carry_their_full_run_provenance() {
    let mut figures = 0;
    for entry in std::fs::read_dir("docs/lab").expect("docs/lab exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "svg") {
            figures += 1;
            let svg = std::fs::read_to_string(&path).expect("readable");
            let desc = svg
                .split_once("<desc>")
                .and_then(|(_, rest)| rest.split_once("</desc>"))
                .map(|(desc, _)| desc)
                .unwrap_or_else(|| panic!("{}: no <desc> provenance", path.display()));
            assert!(
                desc.starts_with("origami lab · full run · command: cargo run --release --example")
                    && !desc.contains("QUICK")
                    && !desc.contains("+dirty"),
                "{}: provenance {desc:?}",
                path.display()
            );
        }
    }
    assert!(figures > 0, "docs/lab holds no figures");
}

/// `a ± b` pairs in a table cell, as written.
fn pairs(cell: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = cell
        .split(|c: char| c.is_whitespace() || "(),;:".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(3)
        .filter(|w| w[1] == "±")
        .map(|w| (w[0].to_string(), w[2].to_string()))
        .collect()
}

/// True if `written` is `value` rounded to the digits it shows.
fn shows(written: &str, value: f64) -> bool {
    // A typographic minus (U+2212) reads as a minus sign.
    let written = &written.replace('\u{2212}', "-");
    let Ok(shown) = written.parse::<f64>() else {
        return false;
    };
    let mantissa = written.split(['e', 'E']).next().unwrap_or(written);
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    let exponent = written
        .split_once(['e', 'E'])
        .map_or(0, |(_, e)| e.parse::<i32>().unwrap_or(0));
    let half_unit = 0.5 * 10f64.powi(exponent - decimals);
    (shown - value).abs() <= half_unit * (1.0 + 1e-9)
}

#[test]
fn the_readme_claims_table_matches_the_records() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let table = readme
        .split_once("<!-- lab-claims -->")
        .and_then(|(_, rest)| rest.split_once("<!-- /lab-claims -->"))
        .map(|(table, _)| table)
        .expect("README has a lab-claims table");
    let records = records();
    let mut seen = Vec::new();
    for row in table.lines().filter(|l| l.starts_with('|')).skip(2) {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(
            cells.len(),
            4,
            "row {row:?}: claim | experiment | numbers | verdict"
        );
        let name = cells[1]
            .split_once("(docs/lab/")
            .and_then(|(_, rest)| rest.split_once(".json)"))
            .map(|(name, _)| name)
            .unwrap_or_else(|| panic!("row {row:?}: no link to docs/lab/<name>.json"));
        let record = records
            .get(name)
            .unwrap_or_else(|| panic!("row {row:?}: docs/lab/{name}.json missing"));
        let claim = cells[0].trim_matches(['"', '“', '”']);
        let recorded = record["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .find(|c| c["claim"] == claim)
            .unwrap_or_else(|| panic!("{name}: no recorded claim {claim:?}"));
        assert_eq!(
            recorded["verdict"],
            cells[3].trim_matches('*'),
            "{name}: verdict"
        );
        let numbers = record["numbers"].as_object().expect("numbers");
        let found = pairs(cells[2]);
        assert!(!found.is_empty(), "row {row:?}: no mean ± sd");
        for (mean, sd) in found {
            assert!(
                numbers.values().any(|n| {
                    shows(&mean, n["mean"].as_f64().expect("mean"))
                        && shows(&sd, n["sd"].as_f64().expect("sd"))
                }),
                "{name}: the README's {mean} ± {sd} is not in the record"
            );
        }
        seen.push(name.to_string());
    }
    for name in records.keys() {
        assert!(
            seen.contains(name),
            "docs/lab/{name}.json has no README row"
        );
    }
}

#[test]
fn reading_a_written_number_respects_its_digits() {
    assert!(shows("0.149", 0.1494));
    assert!(!shows("0.149", 0.1496));
    assert!(shows("3.1e-13", 3.14e-13));
    assert!(!shows("3.1e-13", 3.2e-13));
    assert!(shows("4096", 4096.0));
    assert!(shows("\u{2212}1.59", -1.591));
    assert_eq!(
        pairs("1 layer 31.5 ± 8.8, 8 layers (30 ± 23)"),
        [("31.5".into(), "8.8".into()), ("30".into(), "23".into())]
    );
}

#[test]
fn tick_labels_read_as_a_person_writes_them() {
    use axis::{Axis, number};
    assert_eq!(number(1e-5), "1e-5");
    assert_eq!(number(0.001), "0.001");
    assert_eq!(number(10.0), "10");
    assert_eq!(number(0.30000000000000004), "0.3");
    assert_eq!(number(2.5e6), "2.5e6");
    assert_eq!(number(3.16227766), "3.162");
    assert_eq!(number(0.0316227766), "0.03162");
    assert_eq!(number(1234.5678), "1235");
    assert_eq!(number(1000.0), "1000");
    assert_eq!(number(10f64.powf(4.0)), "10000");
    assert_eq!(number(100.0), "100");
    let log = Axis::log("loss");
    let ticks = log.ticks(-5.2, 1.3);
    let labels: Vec<String> = ticks.iter().map(|&t| log.label(t)).collect();
    assert_eq!(labels, ["1e-5", "1e-4", "0.001", "0.01", "0.1", "1", "10"]);
    // A narrow log range still gets several ticks.
    for (lo, hi) in [(0.1, 0.6), (0.35, 0.37), (-3.2, -2.9)] {
        let ticks = log.ticks(lo, hi);
        assert!(ticks.len() >= 3, "{lo}..{hi}: {ticks:?}");
        for t in ticks {
            let label = log.label(t);
            assert!(label.len() <= 6, "{lo}..{hi}: label {label}");
        }
    }
    let layers = Axis::integer("layer");
    for (lo, hi) in [(0.6, 3.4), (0.5, 10.5), (-0.2, 300.0)] {
        let ticks = layers.ticks(lo, hi);
        assert!(ticks.len() >= 3, "{lo}..{hi}: {ticks:?}");
        assert!(ticks.iter().all(|t| t.fract() == 0.0), "{ticks:?}");
    }
    let linear = Axis::linear("x").ticks(0.0, 1.0);
    assert_eq!(linear, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert!(Path::new("examples/lab/axis.rs").exists());
}

#[test]
fn summaries_report_mean_sd_and_range() {
    let s = stats::Summary::of(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(
        (s.mean, s.n, s.min, s.max, s.median),
        (2.5, 4, 1.0, 4.0, 2.5)
    );
    assert!((s.sd - 1.2909944).abs() < 1e-6);
    assert_eq!(s.display(), "2.5 ± 1.3");
    assert_eq!(stats::Summary::of(&[4096.0]).display(), "4096 ± 0");
    assert_eq!(
        stats::Summary::of(&[3e-13, 3.2e-13]).display(),
        "3.1e-13 ± 1.4e-14"
    );
    assert_eq!(
        stats::Summary::of(&[1.234567890123, 1.234567890124]).display(),
        "1.2346 ± 7.1e-13"
    );
    assert_eq!(
        stats::Summary::of(&[1.8e-5, 0.5, 18.6]).display_range(),
        "0.500 [1.80e-5, 18.6]"
    );
    let squares = stats::over_seeds(&[5, 1, 9, 2], |s| s * s);
    assert_eq!(squares, [25, 1, 81, 4]);
    assert_eq!(stats::sign_test(10, 10), 1.0 / 1024.0);
    assert_eq!(stats::sign_test(9, 10), 11.0 / 1024.0);
    assert_eq!(stats::sign_test(0, 7), 1.0);
    assert_eq!(stats::sign_test(5, 5), 1.0 / 32.0);
    let grid = stats::log_grid(0.01, 1.0, 2);
    assert_eq!(grid.len(), 5);
    assert!((grid[1] - 0.0316227766).abs() < 1e-9);
}
