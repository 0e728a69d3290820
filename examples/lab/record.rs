//! Where a lab run came from and what it found.
//!
//! A [`Run`] knows the command that started it (`--quick` included) and the
//! commit it was built from; every figure carries that in its caption and
//! its SVG `<desc>`. A [`Record`] is the run's result as data —
//! each reported number as mean, sd and n, and a verdict per claim —
//! written beside the figures as `target/lab/<experiment>.json`;
//! `scripts/regenerate_lab.sh` copies full runs into `docs/lab/`, and
//! `tests/suite/lab_records.rs` checks them against the README.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::stats::{Summary, sign_test};

/// The lab's output directory.
pub const OUT: &str = "target/lab";

/// One invocation of a lab example.
#[derive(Clone, Debug)]
pub struct Run {
    pub experiment: String,
    /// The small configuration CI runs; never committed to `docs/`.
    pub quick: bool,
    pub command: String,
    pub commit: String,
}

impl Run {
    /// The run of `experiment` as this process was started. The lab
    /// examples take one flag, `--quick`; `--help` says so, and anything
    /// else is refused with exit code 2 (a typo must not start a full run
    /// that records a command nobody meant).
    pub fn start(experiment: &str) -> Run {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let usage = format!(
            "usage: cargo run --release --example {experiment} [-- --quick]\n  --quick  the small configuration CI runs (never for docs/)"
        );
        if args.iter().any(|a| a == "--help" || a == "-h") {
            println!("{usage}");
            std::process::exit(0);
        }
        if let Some(bad) = args.iter().find(|a| *a != "--quick") {
            eprintln!("{experiment}: unknown argument {bad:?}\n{usage}");
            std::process::exit(2);
        }
        let mut command = format!("cargo run --release --example {experiment}");
        if !args.is_empty() {
            command = format!("{command} -- {}", args.join(" "));
        }
        Run {
            experiment: experiment.into(),
            quick: args.iter().any(|a| a == "--quick"),
            command,
            commit: commit(),
        }
    }

    /// `full` seeds (`quick` of them under `--quick`): 0, 1, 2, …
    pub fn seeds(&self, full: usize, quick: usize) -> Vec<u64> {
        (0..if self.quick { quick } else { full } as u64).collect()
    }

    /// `full`, or `quick` under `--quick`.
    pub fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }

    /// The path of an output file.
    pub fn path(&self, file: &str) -> PathBuf {
        PathBuf::from(OUT).join(file)
    }

    /// One line naming the command and the commit, for figure captions.
    pub fn caption(&self) -> String {
        format!("{} · commit {}", self.command, self.commit)
    }

    /// The provenance embedded in each SVG's `<desc>`.
    pub fn provenance(&self) -> String {
        let kind = if self.quick {
            "QUICK run (--quick): not for docs/"
        } else {
            "full run"
        };
        format!(
            "origami lab · {kind} · command: {} · commit: {}",
            self.command, self.commit
        )
    }
}

/// The commit the working tree was built from (`+dirty` when tracked files
/// other than `docs/` and `README.md` differ from it: the committed results
/// and their report do not change what the code computes), or `unknown`
/// outside a git checkout.
fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short=10", "HEAD"]) {
        Some(hash) => {
            let dirty = git(&[
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":!docs",
                ":!README.md",
            ])
            .is_some_and(|s| !s.is_empty());
            if dirty { format!("{hash}+dirty") } else { hash }
        }
        None => "unknown".into(),
    }
}

/// How a claim fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    HoldsOnlyWhen,
    Contradicted,
    Inconclusive,
}

impl Verdict {
    /// The verdict on "A beats B" from paired comparisons: `wins` of the
    /// `decided` (untied) pairs went to A. Holds or is contradicted when a
    /// one-sided sign test says so at the 5% level; otherwise inconclusive.
    pub fn from_pairs(wins: usize, decided: usize) -> Verdict {
        if sign_test(wins, decided) < 0.05 {
            Verdict::Holds
        } else if sign_test(decided - wins, decided) < 0.05 {
            Verdict::Contradicted
        } else {
            Verdict::Inconclusive
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::HoldsOnlyWhen => "holds-only-when",
            Verdict::Contradicted => "contradicted",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// An experiment's results as data.
pub struct Record {
    run: Run,
    seeds: Vec<u64>,
    numbers: Map<String, Value>,
    settings: Map<String, Value>,
    claims: Vec<Value>,
}

impl Record {
    pub fn new(run: &Run, seeds: &[u64]) -> Record {
        Record {
            run: run.clone(),
            seeds: seeds.to_vec(),
            numbers: Map::new(),
            settings: Map::new(),
            claims: Vec::new(),
        }
    }

    /// Records a measured quantity under `name`.
    pub fn number(&mut self, name: &str, s: &Summary) {
        self.numbers.insert(
            name.into(),
            json!({
                "mean": s.mean, "sd": s.sd, "n": s.n,
                "min": s.min, "max": s.max, "median": s.median,
            }),
        );
    }

    /// Records a setting of the experiment (a grid, a chosen rate, a size).
    pub fn setting(&mut self, name: &str, value: Value) {
        self.settings.insert(name.into(), value);
    }

    /// Records the verdict on one claim: the essay's words, the verdict and
    /// one sentence saying why.
    pub fn claim(&mut self, claim: &str, verdict: Verdict, why: &str) {
        println!(
            "\nclaim: \"{claim}\"\nverdict: {} — {why}",
            verdict.as_str()
        );
        self.claims.push(json!({
            "claim": claim, "verdict": verdict.as_str(), "why": why,
        }));
    }

    /// Writes `target/lab/<experiment>.json` and returns its path.
    pub fn write(&self) -> Result<PathBuf, String> {
        let value = json!({
            "experiment": self.run.experiment,
            "command": self.run.command,
            "commit": self.run.commit,
            "quick": self.run.quick,
            "seeds": self.seeds,
            "settings": self.settings,
            "numbers": self.numbers,
            "claims": self.claims,
        });
        let path = self.run.path(&format!("{}.json", self.run.experiment));
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(OUT).map_err(|e| format!("{OUT}: {e}"))?;
        std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        println!("record: {}", path.display());
        Ok(path)
    }
}
