//! The distributed runs, under `mpirun` on this machine: parameters and
//! optimizer state after K steps are bit-identical to one process with
//! the same shard total, whatever the rank count; a checkpoint resumes a
//! run exactly, on another rank count too; a rank that dies, or builds
//! another model, ends the run with a clear error and leaves the last
//! checkpoint intact. Needs `mpirun` (Open MPI or MPICH) on the path.

#![cfg(feature = "mpi")]

use std::path::Path;
use std::process::{Command, Output};

const CHECK: &str = env!("CARGO_BIN_EXE_origami-mpi-check");

/// `origami-mpi-check args` in one process, without MPI collectives.
fn reference(args: &[&str]) -> String {
    let out = Command::new(CHECK)
        .arg("--reference")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `mpirun -np ranks origami-mpi-check args` (as root too, on one host).
fn mpirun(ranks: usize, args: &[&str]) -> Output {
    Command::new("mpirun")
        .args(["--oversubscribe", "-np", &ranks.to_string(), CHECK])
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("mpirun is installed (apt-get install openmpi-bin libopenmpi-dev)")
}

fn succeeds(ranks: usize, args: &[&str]) -> String {
    let out = mpirun(ranks, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn ranks_times_shards_is_one_process_bit_for_bit() {
    let six = reference(&["--shards", "6", "--steps", "12"]);
    assert_eq!(succeeds(2, &["--shards", "3", "--steps", "12"]), six);
    assert_eq!(
        succeeds(3, &["--shards", "2", "--steps", "12", "--threads", "2"]),
        six
    );
    assert_eq!(succeeds(1, &["--shards", "6", "--steps", "12"]), six);
    // The comparison can fail: another shard total sums in another order.
    assert_ne!(reference(&["--shards", "3", "--steps", "12"]), six);
}

#[test]
fn a_gradient_larger_than_one_chunk_is_summed_in_order() {
    // Width 300: 91,502 scalars, two chunks of the chain.
    let args = ["--steps", "3", "--width", "300"];
    let six = reference(&[&["--shards", "6"][..], &args].concat());
    assert_eq!(succeeds(3, &[&["--shards", "2"][..], &args].concat()), six);
    assert_eq!(succeeds(2, &[&["--shards", "3"][..], &args].concat()), six);
}

#[test]
fn a_checkpoint_resumes_exactly_on_another_rank_count() {
    let dir = tempdir("resume");
    let d = dir.to_str().expect("utf-8 path");
    let straight = reference(&["--shards", "6", "--steps", "12"]);
    succeeds(2, &["--shards", "3", "--steps", "6", "--save", d]);
    assert_eq!(
        succeeds(3, &["--shards", "2", "--steps", "12", "--load", d]),
        straight
    );
}

#[test]
fn a_rank_that_dies_ends_the_run_and_the_checkpoint_survives() {
    let dir = tempdir("die");
    let d = dir.to_str().expect("utf-8 path");
    let out = mpirun(
        2,
        &[
            "--shards", "3", "--steps", "12", "--save", d, "--every", "3", "--die-at", "1:7",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rank 1"), "{stderr}");
    // The checkpoint of step 6 is whole and is the six-step state.
    let six = reference(&["--shards", "6", "--steps", "6"]);
    let resumed = reference(&["--shards", "6", "--steps", "6", "--load", d]);
    assert_eq!(fingerprint(&resumed), fingerprint(&six));
    // And the run goes on from it to the end it would have reached.
    let twelve = reference(&["--shards", "6", "--steps", "12"]);
    assert_eq!(
        succeeds(2, &["--shards", "3", "--steps", "12", "--load", d]),
        twelve
    );
}

#[test]
fn an_error_on_one_rank_reaches_rank_0_and_ends_every_rank() {
    let out = mpirun(3, &["--shards", "1", "--steps", "8", "--fail-at", "2:3"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: rank 2: failing at step 3, as asked"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("failing at step 3").count(), 1, "{stderr}");
}

#[test]
fn ranks_with_different_models_are_told_which_parameter_differs() {
    let out = mpirun(3, &["--shards", "1", "--steps", "2", "--width-on", "2:9"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "parameter 0 is `0.weight #0 [16, 2]` on rank 0 and `0.weight #0 [9, 2]` on rank 2"
        ),
        "{stderr}"
    );
}

fn fingerprint(line: &str) -> &str {
    line.split("fingerprint")
        .nth(1)
        .expect("a fingerprint")
        .trim()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mpirun-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
