//! Data-parallel gradients for one minibatch: the batch is cut into
//! shards, each shard's loss and gradient are computed on its own tape by
//! one of a few scoped threads, and the results are summed in shard
//! order, so the answer depends on the number of shards, never on timing.
//! Threads claim shards from a shared counter and only ever block on
//! joining (nothing spins): with more shards than threads, a thread whose
//! core is taken by another process simply claims fewer shards. When even
//! that does not pay off (a helper descheduled while holding the last
//! shard makes everyone wait for its core), later calls run on the
//! caller's thread alone for a while, then try threads again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use origami_tape::{Float, Grads, ThreadBackoff};

use crate::error::OptimError;

/// One shard's loss and gradients, or why it failed.
type ShardResult<T> = Result<(f64, Grads<T>), OptimError>;

/// The summed loss and gradients of `shards` pieces of work, `shard(i)`
/// computing piece `i`, spread over at most `threads` threads (the
/// caller's thread is one of them). For a mean over the whole batch, let
/// each shard return its sum divided by the full batch size.
///
/// # Errors
/// [`OptimError::InvalidHyperparameter`] if `shards` or `threads` is 0;
/// otherwise the first failing shard's error, in shard order.
///
/// A shard that panics propagates its panic to the caller.
///
/// Threads are used only while they pay off: after a call on several
/// threads that took at least 90% of what the caller's thread alone would
/// have needed (its own pace times the shard count), the next few calls
/// (4, doubling after each further failure up to 64) run on the caller's
/// thread alone. That state is process-wide, as the cores are. Results do
/// not depend on it: they depend on the shard count only.
///
/// ```
/// use origami_optim::sharded_gradient;
/// use origami_tape::{ParamId, Tape, Tensor};
/// let w = Tensor::<f64>::from_vec(&[2], vec![1.0, 2.0]).unwrap();
/// let xs = [1.0, 2.0, 3.0, 4.0];
/// // loss = Σ_i (x_i · w_0 + w_1)², in two shards on two threads.
/// let (loss, grads) = sharded_gradient(2, 2, |s| {
///     let tape = Tape::new();
///     let w = tape.param(ParamId(0), &w);
///     let x = tape.constant(Tensor::from_vec(&[2], xs[2 * s..2 * s + 2].to_vec()).unwrap());
///     let loss = (x * w.narrow(0, 0, 1) + w.narrow(0, 1, 1)).square().sum_all();
///     Ok((loss.value().item(), loss.backward()))
/// })?;
/// assert_eq!(loss, 9.0 + 16.0 + 25.0 + 36.0);
/// assert_eq!(grads.get(ParamId(0)).unwrap().data(), &[2.0 * 50.0, 2.0 * 18.0]);
/// # Ok::<(), origami_optim::OptimError>(())
/// ```
pub fn sharded_gradient<T, F>(
    shards: usize,
    threads: usize,
    shard: F,
) -> Result<(f64, Grads<T>), OptimError>
where
    T: Float,
    F: Fn(usize) -> ShardResult<T> + Sync,
{
    let mut loss = 0.0;
    let mut parts = Vec::with_capacity(shards);
    for (l, g) in shard_gradients(0..shards, threads, shard)? {
        loss += l;
        parts.push(g);
    }
    Ok((loss, Grads::sum(parts)))
}

/// Each shard's loss and gradients, for shards `range` (in that order),
/// computed as [`sharded_gradient`] computes them but not yet summed: for
/// a sum that continues elsewhere, as `origami-mpi`'s does across
/// processes. Summing them in order, starting from a loss of 0, gives
/// `sharded_gradient`'s result bit for bit.
///
/// # Errors
/// As [`sharded_gradient`], for an empty range in place of 0 shards.
pub fn shard_gradients<T, F>(
    range: std::ops::Range<usize>,
    threads: usize,
    shard: F,
) -> Result<Vec<(f64, Grads<T>)>, OptimError>
where
    T: Float,
    F: Fn(usize) -> ShardResult<T> + Sync,
{
    let (first, shards) = (range.start, range.len());
    if shards == 0 || threads == 0 {
        return Err(OptimError::InvalidHyperparameter {
            optimizer: "sharded_gradient",
            message: format!("needs at least one shard and one thread, got {shards} and {threads}"),
        });
    }
    let shard = |i: usize| shard(first + i);
    let wanted = threads.min(shards);
    let threads = BACKOFF.threads(wanted);
    // Threads claim shards from a shared counter, so one whose core is
    // busy with another process takes fewer of them.
    let next = AtomicUsize::new(0);
    let run = || -> Vec<(usize, ShardResult<T>)> {
        std::iter::from_fn(|| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            // The shards are meant to fill the threads: products inside
            // one must not start threads of their own.
            let run_shard = || {
                if wanted > 1 {
                    origami_tape::single_threaded(|| shard(i))
                } else {
                    shard(i)
                }
            };
            (i < shards).then(|| (i, run_shard()))
        })
        .collect()
    };
    let start = Instant::now();
    let finished = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(run)).collect();
        let mut all = run();
        let own = (start.elapsed(), all.len());
        for helper in helpers {
            all.extend(
                helper
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        if threads > 1 && own.1 > 0 {
            BACKOFF.record(start.elapsed(), own.0 / own.1 as u32 * shards as u32);
        }
        all
    });
    let mut results: Vec<_> = (0..shards).map(|_| None).collect();
    for (i, result) in finished {
        results[i] = Some(result);
    }
    results
        .into_iter()
        .map(|result| result.expect("every shard ran"))
        .collect()
}

static BACKOFF: ThreadBackoff = ThreadBackoff::new();
