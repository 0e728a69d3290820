//! How many threads a matrix product may use, and how its blocks are
//! spread over them.
//!
//! Large products can be spread over threads ([`set_threads`]): the rows
//! (or columns) of C are cut into chunks that scoped threads take from a
//! shared counter until none are left, so a thread whose core is busy
//! with another process simply takes fewer chunks. Nothing spins; idle
//! threads do not exist between products.

use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Threads a large matrix product may use (1 until changed).
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets how many threads one large matrix product may use (at least 1;
/// default 1). Products smaller than about 4·10⁶ multiply-adds always run
/// on the calling thread, so small models are unaffected.
///
/// ```
/// origami_tape::set_threads(2);
/// assert_eq!(origami_tape::threads(), 2);
/// origami_tape::set_threads(1);
/// ```
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// How many threads a matrix product started on the calling thread may
/// use: the count set by [`set_threads`], or 1 inside [`single_threaded`].
pub fn threads() -> usize {
    THREADS_HERE
        .get()
        .unwrap_or_else(|| THREADS.load(Ordering::Relaxed))
}

thread_local! {
    /// The threads this thread's products use, where fixed for this
    /// thread alone: 1 while it runs one part of work that is already
    /// spread over threads; in the tests, an exact count (no backing off).
    pub(crate) static THREADS_HERE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `f` with every matrix product on the calling thread, whatever
/// [`set_threads`] says. For code that is itself one of several parallel
/// workers (one shard of a data-parallel step): products that started
/// threads of their own there would put more threads than cores to work,
/// and each product would then wait for a helper that is not running.
///
/// ```
/// origami_tape::set_threads(2);
/// assert_eq!(origami_tape::single_threaded(origami_tape::threads), 1);
/// assert_eq!(origami_tape::threads(), 2);
/// origami_tape::set_threads(1);
/// ```
pub fn single_threaded<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the previous setting, also when `f` panics.
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            THREADS_HERE.set(self.0);
        }
    }
    let _restore = Restore(THREADS_HERE.replace(Some(1)));
    f()
}

/// Calls `block(i, rows, cols)` for rectangles that together cover each
/// of `batch` `m×n` products exactly once, on `threads` threads (the
/// caller's among them). Returns how long that took and how long the
/// caller's thread alone would have taken at its own pace, or `None` if
/// the caller ran no rectangle (its pace is then unknown).
pub(crate) fn in_chunks(
    threads: usize,
    batch: usize,
    m: usize,
    n: usize,
    block: &(impl Fn(usize, Range<usize>, Range<usize>) + Sync),
) -> Option<(Duration, Duration)> {
    // Each chunk packs its own slice of one operand and all of the other,
    // so cut the dimension whose uncut operand is smaller: rows of C (B is
    // repeated) when n < m, columns (A is repeated) else. Chunks are whole
    // 16-wide micro-panels, two per thread.
    let by_rows = n < m;
    let extent = if by_rows { m } else { n };
    let width = extent.div_ceil(2 * threads).next_multiple_of(16);
    let per_product = extent.div_ceil(width);
    let chunks = batch * per_product;
    let next = AtomicUsize::new(0);
    // Runs chunks until none is left; returns how many it ran.
    let work = || {
        let mut done = 0_u32;
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks {
                return done;
            }
            let start = (c % per_product) * width;
            let part = start..(start + width).min(extent);
            if by_rows {
                block(c / per_product, part, 0..n);
            } else {
                block(c / per_product, 0..m, part);
            }
            done += 1;
        }
    };
    let start = Instant::now();
    let (own, own_time) = std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        let own = work();
        (own, start.elapsed())
    });
    (own > 0).then(|| (start.elapsed(), own_time / own * chunks as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_each_product_once_cutting_its_longer_side() {
        // (threads, batch, m, n, chunk width): the width is the smallest
        // multiple of 16 that gives each thread at most two chunks.
        for (threads, batch, m, n, width) in [
            (2, 1, 512, 8, 128),
            (3, 2, 512, 40, 96),
            (3, 1, 20, 700, 128),
            (5, 3, 33, 33, 16),
            (2, 2, 100, 101, 32),
        ] {
            let seen = std::sync::Mutex::new(Vec::new());
            in_chunks(threads, batch, m, n, &|i, rows, cols| {
                seen.lock().unwrap().push((i, rows, cols))
            });
            let mut covered = vec![0; batch * m * n];
            let case = format!("{threads} threads, {batch}×{m}×{n}");
            for (i, rows, cols) in seen.into_inner().unwrap() {
                let (cut, whole, side) = if n < m {
                    (&rows, &cols, n)
                } else {
                    (&cols, &rows, m)
                };
                assert_eq!(*whole, 0..side, "{case}: only the longer side is cut");
                assert_eq!(cut.start % width, 0, "{case}: {cut:?}");
                let extent = m.max(n);
                assert_eq!(cut.end, (cut.start + width).min(extent), "{case}: {cut:?}");
                for r in rows {
                    for c in cols.clone() {
                        covered[i * m * n + r * n + c] += 1;
                    }
                }
            }
            assert!(covered.iter().all(|&c| c == 1), "{case}: {covered:?}");
        }
    }
}
