//! # doctor — does the training doctor name what is wrong, and only that?
//!
//! Plants one pathology at a time into a small training run (too-large
//! and too-small init, ten sigmoid layers, a rate of 5 η_opt, class-sorted
//! order, imbalanced classes, dead relu units, a deep sigmoid head, a
//! small mislabelled training set, a NaN in the data, a recurrence that
//! forgets and one that explodes; see `lab/pathology.rs`) and lets
//! `origami_probe::Doctor` watch. Per scenario and seed: whether the
//! expected finding appears, at which step, and what else is reported; the
//! two clean scenarios measure false alarms. Prints the diagnosis of the
//! first seed of each scenario in full.
//!
//! `cargo run --release --example doctor [-- --quick]`; writes
//! `target/lab/doctor.json`.

#[path = "lab/mod.rs"]
mod lab;

use lab::pathology::{Diagnosis, Pathology, diagnose};
use lab::record::{Record, Run, Verdict};
use lab::stats::{Summary, over_seeds};
use serde_json::json;

/// Training steps of the feed-forward runs (the small mislabelled set
/// trains twice as long, so that it can overfit).
fn steps_for(p: Pathology, steps: usize) -> usize {
    if p == Pathology::Overfit {
        2 * steps
    } else {
        steps
    }
}

fn main() -> Result<(), String> {
    let run = Run::start("doctor");
    let seeds = run.seeds(20, 2);
    let steps = run.pick(300, 150);
    let mut record = Record::new(&run, &seeds);
    record.setting("SGD steps", json!(steps));
    record.setting(
        "thresholds",
        json!("origami_probe::doctor::thresholds (documented beside the lab records they rest on)"),
    );

    let mut detection = Vec::new();
    let mut false_alarms = Vec::new();
    for p in Pathology::ALL {
        let runs: Vec<Diagnosis> = over_seeds(&seeds, |s| diagnose(p, s, steps_for(p, steps)));
        println!("\n== {} ==", p.name());
        for f in &runs[0].findings {
            println!("  {f}");
        }
        record.setting(
            &format!("diagnosis of the first seed: {}", p.name()),
            json!(
                runs[0]
                    .findings
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
            ),
        );
        let mut others: Vec<&str> = runs
            .iter()
            .flat_map(|d| d.findings.iter())
            .filter(|f| Some(f.kind) != p.expected())
            .map(|f| f.kind.name())
            .collect();
        others.sort_unstable();
        others.dedup();
        record.setting(&format!("other findings: {}", p.name()), json!(others));
        match p.expected() {
            None => {
                let any: Vec<f64> = runs
                    .iter()
                    .map(|d| f64::from(!d.findings.is_empty()))
                    .collect();
                let share = Summary::of(&any);
                println!("  seeds with any finding: {}", share.display());
                record.number(
                    &format!("{}: share of seeds with a finding", p.name()),
                    &share,
                );
                false_alarms.push((p, share));
            }
            Some(kind) => {
                let found: Vec<f64> = runs
                    .iter()
                    .map(|d| f64::from(d.found_at(kind).is_some()))
                    .collect();
                let share = Summary::of(&found);
                println!("  seeds where {kind} was found: {}", share.display());
                record.number(&format!("{}: share of seeds detected", p.name()), &share);
                let at: Vec<f64> = runs
                    .iter()
                    .filter_map(|d| d.found_at(kind).map(|s| s as f64))
                    .collect();
                if !at.is_empty() {
                    record.number(&format!("{}: step found", p.name()), &Summary::of(&at));
                }
                detection.push((p, share));
            }
        }
    }

    let missed: Vec<String> = detection
        .iter()
        .filter(|(_, s)| s.mean < 1.0)
        .map(|(p, s)| format!("{} ({:.0}%)", p.name(), 100.0 * s.mean))
        .collect();
    let lowest = detection.iter().map(|(_, s)| s.mean).fold(1.0, f64::min);
    let verdict = if lowest >= 0.9 {
        Verdict::Holds
    } else if lowest >= 0.5 {
        Verdict::HoldsOnlyWhen
    } else {
        Verdict::Contradicted
    };
    let why = if missed.is_empty() {
        format!(
            "all {} planted pathologies were named in every one of {} seeds",
            detection.len(),
            seeds.len()
        )
    } else {
        format!("missed in some seeds: {}", missed.join(", "))
    };
    record.claim(
        "Why a network is not learning can be read from measurements taken while it trains",
        verdict,
        &why,
    );
    let alarms: f64 = false_alarms.iter().map(|(_, s)| s.mean).sum();
    record.claim(
        "A healthy run gets no diagnosis",
        if alarms == 0.0 {
            Verdict::Holds
        } else {
            Verdict::HoldsOnlyWhen
        },
        &false_alarms
            .iter()
            .map(|(p, s)| format!("{}: a finding in {:.0}% of seeds", p.name(), 100.0 * s.mean))
            .collect::<Vec<_>>()
            .join("; "),
    );
    record.write()?;
    Ok(())
}
