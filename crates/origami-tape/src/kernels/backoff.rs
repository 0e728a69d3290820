//! When extra threads do not pay off, stop using them for a while.
//!
//! A helper thread whose core another process is using can be
//! descheduled for a whole time slice (milliseconds) while it holds the
//! last piece of shared work, and the caller must wait for it: the call
//! then takes longer than the caller's thread alone would have. A
//! [`ThreadBackoff`] records that and sends the next calls to the
//! caller's thread alone (4 calls, doubling after each further failure up
//! to 1024), then tries threads again; a call that pays off resets it.
//! Threaded matrix products and `origami_optim::sharded_gradient` each
//! keep one, process-wide, as the cores are.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Whether recent calls on several threads paid off (see the module
/// documentation); cheap enough for every call.
///
/// ```
/// use std::time::Duration;
/// use origami_tape::ThreadBackoff;
/// static BACKOFF: ThreadBackoff = ThreadBackoff::new();
/// assert_eq!(BACKOFF.threads(2), 2);
/// // Two threads took 10 ms where the caller alone would have taken 10 ms:
/// BACKOFF.record(Duration::from_millis(10), Duration::from_millis(10));
/// assert_eq!(BACKOFF.threads(2), 1); // the next calls stay on one thread
/// ```
#[derive(Debug)]
pub struct ThreadBackoff {
    /// Calls left that run on the caller's thread alone.
    skip: AtomicUsize,
    /// How many calls the next failure skips.
    pause: AtomicUsize,
}

const FIRST_PAUSE: usize = 4;
/// A core another process keeps busy tends to stay busy: each retry there
/// stalls for up to a time slice, so retries must be rare (at 64, a
/// 2-thread W3 step with core 1 busy was 4% slower than 1 thread; at 1024,
/// see the README's busy-core table). A core that frees up again is found
/// within 1024 calls.
const MAX_PAUSE: usize = 1024;
/// Threads pay off when a call takes less than this share of the time the
/// caller's thread alone would have taken.
const PAYOFF: f64 = 0.9;

impl ThreadBackoff {
    /// Threads in use, no failure recorded.
    pub const fn new() -> Self {
        Self {
            skip: AtomicUsize::new(0),
            pause: AtomicUsize::new(FIRST_PAUSE),
        }
    }

    /// The threads the next call may use: `wanted`, or 1 while backing off.
    pub fn threads(&self, wanted: usize) -> usize {
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
    /// caller's thread alone would have taken about `alone` (its own pace
    /// times the whole work): threads failed unless `elapsed` was below
    /// 90% of `alone`.
    pub fn record(&self, elapsed: Duration, alone: Duration) {
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

impl Default for ThreadBackoff {
    fn default() -> Self {
        Self::new()
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
        let backoff = ThreadBackoff::new();
        assert_eq!(backoff.threads(2), 2);
        backoff.record(ms(6), ms(10)); // paid off
        assert_eq!(backoff.threads(2), 2);
        let mut pauses = Vec::new();
        for _ in 0..10 {
            backoff.record(ms(10), ms(10)); // no faster than alone
            let skipped = std::iter::from_fn(|| (backoff.threads(2) == 1).then_some(())).count();
            pauses.push(skipped);
        }
        // After each pause, one call tries threads again (and fails).
        assert_eq!(pauses, [4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024]);
        backoff.record(ms(5), ms(10));
        backoff.record(ms(10), ms(10));
        let skipped = std::iter::from_fn(|| (backoff.threads(2) == 1).then_some(())).count();
        assert_eq!(skipped, 4, "a success resets the pause");
        assert_eq!(backoff.threads(1), 1);
    }

    #[test]
    fn calls_that_want_one_thread_leave_the_pause_alone() {
        let backoff = ThreadBackoff::new();
        backoff.record(ms(10), ms(10));
        for _ in 0..10 {
            assert_eq!(backoff.threads(1), 1);
        }
        let skipped = std::iter::from_fn(|| (backoff.threads(2) == 1).then_some(())).count();
        assert_eq!(skipped, 4, "single-thread calls used up the pause");
    }
}
