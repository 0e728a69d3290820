//! Who computes a minibatch's shards: this process's threads, or, with
//! `--distributed` (built with `--features mpi`, started by `mpirun`), the
//! threads of every rank, the gradient summed across ranks in shard order
//! so the run is bit-identical to one process given `--threads` equal to
//! ranks × threads. Every rank reads the data and trains a replica; only
//! rank 0 prints and writes files.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use origami::nn::Params;
use origami::optim::{Method, OptimError, sharded_gradient};
use origami::prelude::*;

#[cfg(feature = "mpi")]
#[path = "ranks.rs"]
mod ranks;
#[cfg(not(feature = "mpi"))]
#[path = "no_ranks.rs"]
mod ranks;

use ranks::Ranks;

/// Set on the ranks other than 0 of a distributed run.
static SILENT: AtomicBool = AtomicBool::new(false);

/// Whether this process prints: always, but for ranks other than 0.
pub fn speaks() -> bool {
    !SILENT.load(Ordering::Relaxed)
}

/// `println!` where [`speaks`] allows it.
macro_rules! say {
    ($($arg:tt)*) => {
        if $crate::workers::speaks() {
            println!($($arg)*)
        }
    };
}
pub(crate) use say;

/// One shard's loss and gradients.
pub type Shard = Result<(f64, Grads<f32>), OptimError>;

pub struct Workers {
    /// Threads per process.
    threads: usize,
    /// The other processes, with `--distributed`.
    ranks: Option<Ranks>,
}

impl Workers {
    /// `threads` per process; with `distributed`, MPI's ranks too.
    pub fn new(threads: usize, distributed: bool) -> Result<Self, String> {
        let ranks = distributed.then(Ranks::start).transpose()?;
        if let Some(r) = &ranks {
            SILENT.store(!r.is_root(), Ordering::Relaxed);
        }
        Ok(Self { threads, ranks })
    }

    /// Threads per process.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Shards per minibatch, over all ranks (results depend on this only).
    pub fn shards(&self) -> usize {
        self.threads * self.ranks.as_ref().map_or(1, Ranks::size)
    }

    /// Whether this is the process that reports and writes files.
    pub fn is_root(&self) -> bool {
        speaks()
    }

    /// The summed loss and gradients of `shards` pieces (at most
    /// [`Self::shards`]; a short last batch has fewer), `shard(i)`
    /// computing piece `i`.
    pub fn gradient<C: Params<f32>>(
        &self,
        model: &C,
        shards: usize,
        shard: impl Fn(usize) -> Shard + Sync,
    ) -> Result<(f64, Grads<f32>), String> {
        match &self.ranks {
            None => sharded_gradient(shards, self.threads, shard).map_err(|e| e.to_string()),
            // A piece past the batch's end reaches nothing and adds 0 to
            // the loss, as if it were not there.
            Some(ranks) => ranks.gradient(model, self.threads, |i| match i < shards {
                true => shard(i),
                false => Ok((0.0, Grads::from_entries(Vec::new()))),
            }),
        }
    }

    /// Starts every replica from rank 0's parameters and checks that the
    /// optimizer states agree (e.g. after `--load`).
    pub fn synchronise<C: Params<f32>>(
        &self,
        model: &mut C,
        method: &dyn Method<f32>,
    ) -> Result<(), String> {
        self.ranks
            .as_ref()
            .map_or(Ok(()), |r| r.synchronise(model, method))
    }

    /// Checks that every replica holds the same parameters and optimizer
    /// state (a cheap fingerprint; once per epoch).
    pub fn check_replicas<C: Params<f32>>(
        &self,
        model: &C,
        method: &dyn Method<f32>,
        when: &str,
    ) -> Result<(), String> {
        self.ranks
            .as_ref()
            .map_or(Ok(()), |r| r.check_replicas(model, method, when))
    }

    /// The exit of the run: with ranks, every rank learns whether any
    /// failed, rank 0 prints why, and all exit together.
    pub fn finish(&self, outcome: Result<(), String>) -> ExitCode {
        match (&self.ranks, outcome) {
            (Some(ranks), outcome) => ranks.finish(outcome),
            (None, Ok(())) => ExitCode::SUCCESS,
            (None, Err(message)) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        }
    }
}
