//! # origami-mpi — data-parallel training across processes and machines
//!
//! Each process (a *rank*, started by `mpirun`) holds the whole model and
//! computes the gradients of its own shards of every minibatch; the ranks
//! then sum those gradients **in the order one process would**, so `N`
//! ranks of `S` shards each give parameters bit-identical to
//! [`origami_optim::sharded_gradient`] with `N·S` shards in one process,
//! whichever rank finishes first. The ranks start from rank 0's parameters
//! ([`Cluster::broadcast_params`]), step their own optimizer on the same
//! summed gradient, and can check cheaply that they still agree
//! ([`Cluster::check_replicas`]).
//!
//! Failures end every rank together: each collective call starts by
//! asking whether any rank failed ([`Cluster::agree`]), so an error on one
//! rank reaches all of them as the same [`MpiError`], and
//! [`Cluster::fail`] lets rank 0 say it before the job stops.
//!
//! The sum is a pipelined chain: rank 0 sends its running sum, in chunks,
//! to rank 1, which adds its shards one at a time and passes it on; the
//! last rank broadcasts the total: `(N − 2 + C)` hops of a `1/C` chunk,
//! then a broadcast. Exactness has a price a reassociating tree does not
//! pay: a latency term linear in `N` (the README's cost model puts numbers
//! on it).
//!
//! Everything is behind the `mpi` feature, which needs an MPI library
//! (Open MPI or MPICH) and libclang to build; without it the crate is
//! empty, so `cargo test --workspace` passes on machines without MPI.
//!
//! ```
//! # #[cfg(feature = "mpi")] {
//! use origami_mpi::Cluster;
//! use origami_nn::{mlp, Activation, Init, Module};
//! use origami_tape::{Reduction, Tape, Tensor};
//! use rand::SeedableRng;
//!
//! let cluster = Cluster::init()?;
//! let mut net = mlp::<f64>(&[2, 8, 2], Activation::Tanh, Init::XavierUniform,
//!                          &mut rand::rngs::StdRng::seed_from_u64(1));
//! cluster.broadcast_params(&mut net)?;
//! // Two shards per rank; shard `i` is global, 0 .. 2 · ranks.
//! let (loss, grads) = cluster.sharded_gradient(&net, 2, 1, |i| {
//!     let tape = Tape::new();
//!     let x = tape.constant(Tensor::full(&[1, 2], i as f64));
//!     let loss = net.forward(&tape, x).cross_entropy(&[i % 2], Reduction::Sum);
//!     Ok((loss.value().item(), loss.backward()))
//! })?;
//! if cluster.is_root() {
//!     println!("loss {loss}, {} gradients", grads.len());
//! }
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Without the feature the items these docs link to do not exist.
#![cfg_attr(not(feature = "mpi"), allow(rustdoc::broken_intra_doc_links))]
#![cfg(feature = "mpi")]

mod error;
mod layout;
mod reduce;
mod replicas;
mod text;

use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

pub use error::MpiError;
pub use replicas::fingerprint;

/// The processes of one `mpirun`, seen from one of them. Make one per
/// process, at the start; MPI ends when it is dropped.
pub struct Cluster {
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    // Dropped last: finalises MPI.
    _universe: Universe,
}

impl Cluster {
    /// Starts MPI (threads may compute, only this thread talks). A
    /// program started without `mpirun` is a run of one rank.
    ///
    /// # Errors
    /// [`MpiError::Init`] if MPI was already started in this process.
    pub fn init() -> Result<Self, MpiError> {
        let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Funneled)
            .ok_or_else(|| MpiError::Init("already initialised in this process".into()))?;
        let world = universe.world();
        Ok(Self {
            rank: world.rank() as usize,
            size: world.size() as usize,
            world,
            _universe: universe,
        })
    }

    /// This process's rank, 0 ..  [`size`](Self::size).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is rank 0, the one that prints and writes files.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// Ends a run that failed on every rank alike (every [`MpiError`] this
    /// crate returns is such a failure): rank 0 prints `error: {message}`,
    /// then every rank returns exit code 1. The ranks wait for rank 0 to
    /// print, since `mpirun` stops the whole job when the first rank exits
    /// with an error.
    pub fn fail(&self, message: &str) -> std::process::ExitCode {
        if self.is_root() {
            eprintln!("error: {message}");
        }
        self.world.barrier();
        std::process::ExitCode::FAILURE
    }
}
