//! The training doctor on planted pathologies (`examples/lab/pathology.rs`):
//! over five seeds each, every planted pathology is named, and the clean
//! runs get no finding at all. The `doctor` lab example reports the same
//! over twenty seeds.

use crate::lab::pathology::{Pathology, diagnose};
use crate::lab::stats::over_seeds;

const SEEDS: [u64; 5] = [0, 1, 2, 3, 4];

fn steps(p: Pathology) -> usize {
    if p == Pathology::Overfit { 600 } else { 300 }
}

#[test]
fn every_planted_pathology_is_named_in_every_seed() {
    for p in Pathology::ALL {
        let Some(kind) = p.expected() else { continue };
        for (seed, d) in SEEDS
            .iter()
            .zip(over_seeds(&SEEDS, |s| diagnose(p, s, steps(p))))
        {
            assert!(
                d.found_at(kind).is_some(),
                "{} (seed {seed}): expected {kind}, found {:?}",
                p.name(),
                d.findings.iter().map(|f| f.kind).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn clean_runs_get_no_finding() {
    for p in Pathology::ALL
        .into_iter()
        .filter(|p| p.expected().is_none())
    {
        for (seed, d) in SEEDS
            .iter()
            .zip(over_seeds(&SEEDS, |s| diagnose(p, s, 300)))
        {
            assert!(
                d.findings.is_empty(),
                "{} (seed {seed}) is healthy, yet: {}",
                p.name(),
                d.findings
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            assert!(
                d.final_loss < 0.1 || d.steps == 0,
                "{} (seed {seed}) did not train: {}",
                p.name(),
                d.final_loss
            );
        }
    }
}

#[test]
fn a_nan_in_the_data_is_traced_to_its_op() {
    let d = diagnose(Pathology::NanInput, 0, 300);
    let located = d
        .findings
        .iter()
        .find(|f| f.subject.as_deref() == Some("matmul"));
    let located = located.expect("the anomaly names the op");
    assert!(
        located.evidence.contains("dense.rs"),
        "{}",
        located.evidence
    );
}
