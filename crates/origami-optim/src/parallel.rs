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
use std::time::{Duration, Instant};

use origami_tape::{Float, Grads};

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
    if shards == 0 || threads == 0 {
        return Err(OptimError::InvalidHyperparameter {
            optimizer: "sharded_gradient",
            message: format!("needs at least one shard and one thread, got {shards} and {threads}"),
        });
    }
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
    let mut loss = 0.0;
    let mut parts = Vec::with_capacity(shards);
    for result in results {
        let (l, g) = result.expect("every shard ran")?;
        loss += l;
        parts.push(g);
    }
    Ok((loss, Grads::sum(parts)))
}

/// Threads were no faster than the caller alone: skip them for a while.
struct Backoff {
    /// Calls left that run on the caller's thread alone.
    skip: AtomicUsize,
    /// How many calls the next failure skips.
    pause: AtomicUsize,
}

const FIRST_PAUSE: usize = 4;
const MAX_PAUSE: usize = 64;
/// Threads pay off when a call takes less than this share of the time the
/// caller's thread alone would have taken.
const PAYOFF: f64 = 0.9;

static BACKOFF: Backoff = Backoff::new();

impl Backoff {
    const fn new() -> Self {
        Self {
            skip: AtomicUsize::new(0),
            pause: AtomicUsize::new(FIRST_PAUSE),
        }
    }

    /// The threads this call may use: `wanted`, or 1 while backing off.
    fn threads(&self, wanted: usize) -> usize {
        let pausing = |n: usize| n.checked_sub(1);
        if wanted > 1
            && self
                .skip
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, pausing)
                .is_ok()
        {
            1
        } else {
            wanted
        }
    }

    /// After a call on several threads that took `elapsed`, where the
    /// caller's thread alone would have taken about `alone`.
    fn record(&self, elapsed: Duration, alone: Duration) {
        if elapsed.as_secs_f64() >= PAYOFF * alone.as_secs_f64() {
            let pause = self.pause.load(Ordering::Relaxed);
            self.skip.store(pause, Ordering::Relaxed);
            self.pause
                .store((2 * pause).min(MAX_PAUSE), Ordering::Relaxed);
        } else {
            self.pause.store(FIRST_PAUSE, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn threads_that_do_not_pay_off_are_skipped_for_longer_each_time() {
        let backoff = Backoff::new();
        assert_eq!(backoff.threads(2), 2);
        backoff.record(ms(6), ms(10)); // paid off
        assert_eq!(backoff.threads(2), 2);
        let mut pauses = Vec::new();
        for _ in 0..6 {
            backoff.record(ms(10), ms(10)); // no faster than alone
            let skipped = std::iter::from_fn(|| (backoff.threads(2) == 1).then_some(())).count();
            pauses.push(skipped);
        }
        // After each pause, one call tries threads again (and fails).
        assert_eq!(pauses, [4, 8, 16, 32, 64, 64]);
        backoff.record(ms(5), ms(10));
        backoff.record(ms(10), ms(10));
        let skipped = std::iter::from_fn(|| (backoff.threads(2) == 1).then_some(())).count();
        assert_eq!(skipped, 4, "a success resets the pause");
        assert_eq!(backoff.threads(1), 1);
    }
}
