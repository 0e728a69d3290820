//! Who computes a training step's shards: this process's threads, or, with
//! `-- --distributed` (built with `--features mpi`, under `mpirun`), the
//! threads of every rank, summed across ranks in shard order so the losses
//! match one process with ranks × threads shards.

use origami::optim::{OptimError, sharded_gradient};
use origami::prelude::*;

pub enum Spread {
    Threads(usize),
    #[cfg(feature = "mpi")]
    Ranks {
        cluster: origami_mpi::Cluster,
        threads: usize,
    },
}

impl Spread {
    /// Shards per step over all processes.
    pub fn shards(&self) -> usize {
        match self {
            Spread::Threads(threads) => *threads,
            #[cfg(feature = "mpi")]
            Spread::Ranks { cluster, threads } => threads * cluster.size(),
        }
    }

    /// Whether this process prints the results.
    pub fn is_root(&self) -> bool {
        match self {
            Spread::Threads(_) => true,
            #[cfg(feature = "mpi")]
            Spread::Ranks { cluster, .. } => cluster.is_root(),
        }
    }

    /// The summed loss and gradients of [`Self::shards`] shards of a step
    /// whose parameters are `params` (bound as `ParamId(i)`; only the
    /// ranks need their shapes).
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables))]
    pub fn gradient(
        &self,
        params: &[Tensor<f32>],
        shard: impl Fn(usize) -> Result<(f64, Grads<f32>), OptimError> + Sync,
    ) -> (f64, Grads<f32>) {
        match self {
            Spread::Threads(threads) => {
                sharded_gradient(*threads, *threads, shard).expect("shards succeed")
            }
            #[cfg(feature = "mpi")]
            Spread::Ranks { cluster, threads } => {
                let shapes: Vec<_> = (0..params.len())
                    .map(|i| (ParamId(i), params[i].shape().to_vec()))
                    .collect();
                cluster
                    .sharded_gradient_by_shapes(&shapes, *threads, *threads, shard)
                    .expect("shards succeed on every rank")
            }
        }
    }
}
