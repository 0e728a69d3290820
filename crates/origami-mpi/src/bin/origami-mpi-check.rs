//! The program the MPI tests start under `mpirun`: a small classifier
//! trained for a few steps with its minibatches split over ranks, then
//! one line on rank 0 with the last loss and the fingerprint of
//! parameters and optimizer state, to compare with a one-process run.
//!
//! ```text
//! mpirun -np 2 origami-mpi-check --shards 3 --steps 12
//! origami-mpi-check --reference --shards 6 --steps 12   # the same line
//! ```
//!
//! `--save DIR --every E` writes a checkpoint (rank 0, atomically) every
//! `E` steps, `--load DIR` resumes from one; `--die-at RANK:STEP` makes a
//! rank abort at a step, `--fail-at RANK:STEP` return an error there,
//! `--nudge-at RANK:STEP` change one of its weights there, and `--width-on RANK:W` gives a rank another
//! model, for the failure tests; `--width W` (16) sizes the hidden layers
//! (300 makes the gradient travel in two chunks).

use std::path::PathBuf;
use std::process::ExitCode;

use origami_mpi::{Cluster, fingerprint};
use origami_nn::{Activation, Init, Metadata, Module, Params, Sequential, mlp};
use origami_optim::{Evaluation, OptimState, Optimizer, by_name, sharded_gradient};
use origami_tape::{Grads, Reduction, Tape, Tensor};
use rand::SeedableRng;

const POINTS: usize = 240;
const BATCH: usize = 48;

struct Args {
    shards: usize,
    threads: usize,
    width: usize,
    steps: usize,
    reference: bool,
    save: Option<PathBuf>,
    every: usize,
    load: Option<PathBuf>,
    die_at: Option<(usize, usize)>,
    fail_at: Option<(usize, usize)>,
    nudge_at: Option<(usize, usize)>,
    width_on: Option<(usize, usize)>,
}

/// Why a run failed: on every rank alike (rank 0 says it), or on this one.
enum Failure {
    Shared(String),
    Local(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Local(message)
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let cluster = match args.reference {
        true => None,
        false => match Cluster::init() {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    match (run(&args, cluster.as_ref()), &cluster) {
        (Ok(()), _) => ExitCode::SUCCESS,
        (Err(Failure::Shared(message)), Some(cluster)) => cluster.fail(&message),
        // The others learn of it at their next collective call.
        (Err(Failure::Local(message)), Some(cluster)) => {
            let agreed = cluster.agree(Err(message.clone()));
            cluster.fail(&agreed.err().map_or(message, |e| e.to_string()))
        }
        (Err(Failure::Shared(message) | Failure::Local(message)), _) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(mut words: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        shards: 1,
        threads: 1,
        width: 16,
        steps: 10,
        reference: false,
        save: None,
        every: 1,
        load: None,
        die_at: None,
        fail_at: None,
        nudge_at: None,
        width_on: None,
    };
    let pair = |v: &str| -> Result<(usize, usize), String> {
        let (a, b) = v.split_once(':').ok_or(format!("{v:?}: want RANK:N"))?;
        Ok((number(a)?, number(b)?))
    };
    while let Some(flag) = words.next() {
        if flag == "--reference" {
            args.reference = true;
            continue;
        }
        let value = words.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--shards" => args.shards = number(&value)?,
            "--threads" => args.threads = number(&value)?,
            "--steps" => args.steps = number(&value)?,
            "--width" => args.width = number(&value)?,
            "--every" => args.every = number(&value)?.max(1),
            "--save" => args.save = Some(value.into()),
            "--load" => args.load = Some(value.into()),
            "--die-at" => args.die_at = Some(pair(&value)?),
            "--fail-at" => args.fail_at = Some(pair(&value)?),
            "--nudge-at" => args.nudge_at = Some(pair(&value)?),
            "--width-on" => args.width_on = Some(pair(&value)?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

fn number(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| format!("{text:?} is not a count"))
}

/// Two interleaved spirals, the same on every rank.
fn point(i: usize) -> ([f32; 2], usize) {
    let t = (i / 2) as f32 / (POINTS / 2) as f32 * 9.0;
    let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
    ([sign * t * t.cos() / 9.0, sign * t * t.sin() / 9.0], i % 2)
}

/// The loss of shard `i` of `shards` of step `step`'s minibatch, as a
/// share of the whole batch's mean.
fn shard_loss(net: &Sequential<f32>, step: usize, i: usize, shards: usize) -> (f64, Grads<f32>) {
    let rows: Vec<usize> = (i * BATCH / shards..(i + 1) * BATCH / shards)
        .map(|r| (step * BATCH + r) % POINTS)
        .collect();
    let xs: Vec<f32> = rows.iter().flat_map(|&r| point(r).0).collect();
    let labels: Vec<usize> = rows.iter().map(|&r| point(r).1).collect();
    let tape = Tape::new();
    let x = tape.constant(Tensor::from_vec(&[rows.len(), 2], xs).expect("two per row"));
    let loss = net.forward(&tape, x).cross_entropy(&labels, Reduction::Sum) / BATCH as f32;
    (f64::from(loss.value().item()), loss.backward())
}

fn run(args: &Args, cluster: Option<&Cluster>) -> Result<(), Failure> {
    let rank = cluster.map_or(0, Cluster::rank);
    let ranks = cluster.map_or(1, Cluster::size);
    let shared = |e: origami_mpi::MpiError| Failure::Shared(e.to_string());
    let width = match args.width_on {
        Some((r, w)) if r == rank => w,
        _ => args.width,
    };
    // Each rank starts from its own draw: the broadcast must replace it.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7 + rank as u64);
    let mut net = mlp::<f32>(
        &[2, width, width, 2],
        Activation::Tanh,
        Init::XavierUniform,
        &mut rng,
    );
    let mut method: Box<dyn Optimizer<f32, Sequential<f32>>> =
        by_name("adam", 0.01).map_err(|e| e.to_string())?;
    if let Some(c) = cluster {
        c.broadcast_params(&mut net).map_err(shared)?;
    }
    let mut first = 0;
    if let Some(dir) = &args.load {
        first = load(dir, &mut net, &mut *method)?;
    }
    let total = args.shards * ranks;
    let mut last = f64::NAN;
    for step in first..args.steps {
        if args.die_at == Some((rank, step)) {
            eprintln!("rank {rank}: dying at step {step}, as asked");
            std::process::abort();
        }
        if args.fail_at == Some((rank, step)) {
            return Err(Failure::Local(format!("failing at step {step}, as asked")));
        }
        if args.nudge_at == Some((rank, step)) {
            let (_, first) = net.params_mut().swap_remove(0);
            first.value_mut().data_mut()[0] += 1e-6;
        }
        let net_now = net.clone();
        let gradient = |i: usize| Ok(shard_loss(&net_now, step, i, total));
        let (loss, grads) = match cluster {
            Some(c) => c
                .sharded_gradient(&net, args.shards, args.threads, gradient)
                .map_err(shared)?,
            None => sharded_gradient(total, args.threads, gradient).map_err(|e| e.to_string())?,
        };
        method
            .step(&mut net, &mut |_: &Sequential<f32>| {
                Ok(Evaluation::new(loss, grads.clone()))
            })
            .map_err(|e| e.to_string())?;
        last = loss;
        if let Some(c) = cluster {
            let print = fingerprint(&net, Some(&method.state()));
            c.check_replicas(&format!("step {}", step + 1), print)
                .map_err(shared)?;
        }
        if let (Some(dir), 0, 0) = (&args.save, rank, (step + 1) % args.every) {
            save(dir, &net, &*method, step + 1)?;
        }
    }
    if rank == 0 {
        println!(
            "steps {} loss {:016x} fingerprint {:016x}",
            args.steps,
            last.to_bits(),
            fingerprint(&net, Some(&method.state()))
        );
    }
    Ok(())
}

/// Parameters, optimizer state and step in one file, written atomically.
fn save(
    dir: &std::path::Path,
    net: &Sequential<f32>,
    method: &dyn Optimizer<f32, Sequential<f32>>,
    step: usize,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let state = method.state();
    let mut tensors: Vec<(String, &Tensor<f32>)> = net
        .params()
        .into_iter()
        .map(|(n, p)| (n, p.value()))
        .collect();
    tensors.extend(
        state
            .tensors
            .iter()
            .map(|(n, t)| (format!("optimizer/{n}"), t)),
    );
    let mut meta = Metadata::from([("step".to_string(), step.to_string())]);
    for (k, v) in &state.scalars {
        meta.insert(format!("optimizer/{k}"), format!("{:016x}", v.to_bits()));
    }
    origami_nn::save_tensors(&dir.join("checkpoint.safetensors"), &tensors, &meta)
        .map_err(|e| e.to_string())
}

fn load(
    dir: &std::path::Path,
    net: &mut Sequential<f32>,
    method: &mut dyn Optimizer<f32, Sequential<f32>>,
) -> Result<usize, String> {
    let path = dir.join("checkpoint.safetensors");
    let (tensors, meta) = origami_nn::load_tensors::<f32>(&path).map_err(|e| e.to_string())?;
    let (mut state, mut params) = (
        OptimState {
            tensors: Vec::new(),
            scalars: Vec::new(),
        },
        Vec::new(),
    );
    for (name, t) in tensors {
        match name.strip_prefix("optimizer/") {
            Some(n) => state.tensors.push((n.to_string(), t)),
            None => params.push((name, t)),
        }
    }
    for (k, v) in &meta {
        if let Some(n) = k.strip_prefix("optimizer/") {
            let bits =
                u64::from_str_radix(v, 16).map_err(|_| format!("{}: {k}={v:?}", path.display()))?;
            state.scalars.push((n.to_string(), f64::from_bits(bits)));
        }
    }
    origami_nn::assign(net, params).map_err(|e| e.to_string())?;
    method.load_state(state).map_err(|e| e.to_string())?;
    meta.get("step")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{}: no step count", path.display()))
}
