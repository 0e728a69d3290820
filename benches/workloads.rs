//! The benchmark workloads of the specification (W0 sgemm, W1 mlp-tiny,
//! W2 rnn-text, W3 mlp-wide, W4 Hessian-vector product, W5 lstm-text, W6
//! gru-text) and the
//! tape's per-op overhead, timed on one thread and printed as JSON lines
//! comparable with the PyTorch/JAX reference scripts.
//!
//! `cargo bench --bench workloads` runs them all; `-- w1` picks one;
//! `-- --threads 2` uses two threads; `-- --placements 16` runs the
//! workloads in 16 processes placed differently and prints the spread.
//! Pin to one core for 1-thread figures: `taskset -c 0 cargo bench …`.
//! Built with `--features mpi`, `-- --distributed w2` under `mpirun -np N`
//! splits each W2 (W5, W6) step over N ranks × `--threads` (rank 0 prints).

mod placement;
mod soak;
mod spread;
mod support;
mod tape_overhead;
mod w0_sgemm;
mod w1_mlp_tiny;
mod w2_rnn_text;
mod w3_mlp_wide;
mod w4_hvp;
mod w5_lstm_text;
mod w6_gru_text;

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let mut args = all.iter();
    let mut pick: Vec<String> = Vec::new();
    let mut threads = 1;
    let mut placements = 0;
    let mut placement = None;
    let mut distributed = false;
    let count = |flag: &str, value: Option<&String>| {
        value
            .and_then(|n| n.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("{flag} needs a positive count"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = count("--threads", args.next()),
            "--placements" => placements = count("--placements", args.next()),
            // Set by `--placements` for each of its runs.
            "--placement" => placement = args.next().and_then(|s| s.parse().ok()),
            "--pad" => drop(args.next()),
            "--distributed" => distributed = true,
            _ if !arg.starts_with('-') => pick.push(arg.clone()),
            _ => {}
        }
    }
    if placements > 0 {
        let mut rest: Vec<String> = pick.clone();
        rest.extend(["--threads".to_string(), threads.to_string()]);
        placement::run(placements, &rest);
        return;
    }
    // Large matrix products split their rows over the threads; W2's
    // minibatch is split into one shard per thread.
    origami::tape::set_threads(threads);
    let wanted = |name: &str| pick.is_empty() || pick.iter().any(|p| p == name);
    let spread = if distributed {
        distributed_spread(&pick, threads)
    } else {
        spread::Spread::Threads(threads)
    };
    match placement {
        Some(seed) => placement::shifted(seed, || run_workloads(&wanted, &spread)),
        None => run_workloads(&wanted, &spread),
    }
}

/// The ranks of `mpirun`, for the workloads that split a step (W2, W5,
/// W6) and no others.
fn distributed_spread(pick: &[String], threads: usize) -> spread::Spread {
    let splittable = ["w2", "w5", "w6"];
    if pick.is_empty() || pick.iter().any(|p| !splittable.contains(&p.as_str())) {
        panic!("--distributed runs w2, w5 or w6 only: name them");
    }
    #[cfg(feature = "mpi")]
    {
        let cluster = origami_mpi::Cluster::init().expect("MPI starts");
        spread::Spread::Ranks { cluster, threads }
    }
    #[cfg(not(feature = "mpi"))]
    panic!("--distributed needs `cargo bench --features mpi` ({threads} thread(s) per rank asked)")
}

/// Runs every workload `wanted` accepts, in the specification's order.
fn run_workloads(wanted: &dyn Fn(&str) -> bool, spread: &spread::Spread) {
    if wanted("w0") {
        w0_sgemm::run();
    }
    if wanted("w1") {
        w1_mlp_tiny::run();
    }
    if wanted("w2") {
        w2_rnn_text::run(spread);
    }
    if wanted("w3") {
        w3_mlp_wide::run();
    }
    if wanted("overhead") {
        tape_overhead::run();
    }
    if wanted("soak") {
        soak::run();
    }
    if wanted("w4") {
        w4_hvp::run();
    }
    if wanted("w5") {
        w5_lstm_text::run(spread);
    }
    if wanted("w6") {
        w6_gru_text::run(spread);
    }
}
