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
    // Width 300: 91,502 scalars, two chunks of the chain on 2 and 3 ranks.
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
fn replicas_that_drift_apart_are_caught_at_the_next_check() {
    let out = mpirun(3, &["--shards", "1", "--steps", "8", "--nudge-at", "1:4"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: the replicas diverged at step 5: fingerprint"),
        "{stderr}"
    );
    assert!(stderr.contains("on rank 1"), "{stderr}");
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

/// `origami-sweep`: jobs spread over ranks (here each rank in its own
/// directory, as on separate machines), output in job order on rank 0,
/// collected files written on rank 0's side, a failed job reported after
/// the others ran.
#[test]
fn a_sweep_gathers_every_job_on_rank_0() {
    let sweep = env!("CARGO_BIN_EXE_origami-sweep");
    let root = tempdir("sweep");
    let (a, b) = (root.join("a"), root.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let job = [
        "--collect",
        "out/{}.txt",
        "--",
        "sh",
        "-c",
        "mkdir -p out; echo \"value {} from $(basename $PWD)\" | tee out/{}.txt; [ {} != 3 ]",
        ":::",
        "1",
        "2",
        "3",
        "4",
    ];
    let rank_in = |dir: &Path| -> Vec<String> {
        let mut words = vec!["-np".to_string(), "1".into(), "--wdir".into()];
        words.push(dir.to_str().unwrap().into());
        words.push(sweep.into());
        words.extend(job.iter().map(|w| w.to_string()));
        words
    };
    let out = Command::new("mpirun")
        .arg("--oversubscribe")
        .args(rank_in(&a))
        .arg(":")
        .args(rank_in(&b))
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("mpirun runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "job 2 fails");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("value")).collect();
    assert_eq!(
        lines,
        [
            "value 1 from a",
            "value 2 from b",
            "value 3 from a",
            "value 4 from b"
        ]
    );
    assert!(stderr.contains("job 2 (3) failed"), "{stderr}");
    assert!(stderr.contains("1 of 4 jobs failed: [2]"), "{stderr}");
    // Rank 1's records reached rank 0's directory.
    let collected = std::fs::read_to_string(a.join("out/4.txt")).unwrap();
    assert_eq!(collected, "value 4 from b\n");
}
