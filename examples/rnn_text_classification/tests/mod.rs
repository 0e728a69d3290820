//! End-to-end checks of the example, by theme, and the helpers they
//! share: a run in this process on small files from the corpus.

mod batches;
mod choices;
mod errors;
mod reports;
mod resume;

use std::path::{Path, PathBuf};

use crate::cli::Args;
use crate::corpus;
use crate::workers::Workers;

/// The example's run, in this process (`--distributed` is checked under
/// `mpirun` by `scripts/mpi.sh showcase`).
fn run(args: &Args) -> Result<(), String> {
    crate::run(args, &Workers::new(args.threads, false)?)
}

/// A fresh directory with small train/test TSV files from the corpus.
fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("origami-example-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, n, seed) in [("train.tsv", 240, 3), ("test.tsv", 60, 4)] {
        let lines: String = corpus::generate(n, seed)
            .iter()
            .map(|(label, text)| format!("{}\t{text}\n", corpus::LABELS[*label]))
            .collect();
        std::fs::write(dir.join(file), lines).unwrap();
    }
    dir
}

fn args(dir: &Path, extra: &[&str]) -> Result<Args, String> {
    let base = [
        "--train",
        "train.tsv",
        "--test",
        "test.tsv",
        "--hidden",
        "12",
        "--embed",
        "8",
        "--batch-size",
        "16",
        "--quiet",
        "--no-baseline",
    ];
    let resolve = |s: &&str| {
        if s.ends_with(".tsv") || s.starts_with("ckpt") {
            dir.join(s).display().to_string()
        } else {
            s.to_string()
        }
    };
    Args::parse(base.iter().chain(extra).map(resolve))
}

fn tensors(path: PathBuf) -> Vec<(String, Vec<u32>)> {
    let (tensors, _) = origami::nn::load_tensors::<f32>(&path).unwrap();
    tensors
        .into_iter()
        .map(|(name, t)| (name, t.data().iter().map(|x| x.to_bits()).collect()))
        .collect()
}

/// The `"training"` object of a run's `--metrics` file.
fn training_summary(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let file = dir.join("metrics.json").display().to_string();
    run(&args(dir, &[extra, &["--metrics", &file]].concat()).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["training"].clone()
}
