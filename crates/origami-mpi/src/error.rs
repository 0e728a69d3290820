//! What can go wrong across processes, each error naming the rank or the
//! parameter concerned.

use thiserror::Error;

/// An error of a distributed run. Every rank of the run returns the same
/// error (they agree on it before returning), so none is left waiting.
#[derive(Debug, Error)]
pub enum MpiError {
    /// MPI could not start (already started in this process, or the
    /// library refused).
    #[error("MPI: {0}")]
    Init(String),
    /// The ranks do not hold the same model.
    #[error("the ranks' parameters differ: {0}")]
    Shapes(String),
    /// The replicas were meant to be identical and are not: parameters or
    /// optimizer state diverged (a bug, or ranks fed different data).
    #[error(
        "the replicas diverged at {what}: fingerprint {root:016x} on rank 0, {other:016x} on rank {rank}"
    )]
    Diverged {
        what: String,
        rank: usize,
        root: u64,
        other: u64,
    },
    /// A rank's own work failed; the text names the rank(s) and why.
    #[error("{0}")]
    Rank(String),
}
