//! `sharded_gradient` stops using threads that do not pay off: a helper
//! stalled on a busy core sends the next calls to the caller's thread
//! alone, while helpers that keep up stay in use. (Its own process: the
//! back-off state is process-wide.) Shards sleep rather than compute, so
//! the timings hold on a loaded machine too.

use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::Duration;

use origami_optim::sharded_gradient;
use origami_tape::Grads;

/// Runs 4 shards on up to 2 threads; a shard sleeps `caller_ms` on the
/// calling thread, `helper_ms` elsewhere. Returns the thread of each shard.
fn call(caller_ms: u64, helper_ms: u64) -> Vec<ThreadId> {
    let caller = thread::current().id();
    let seen = Mutex::new(vec![caller; 4]);
    sharded_gradient::<f64, _>(4, 2, |i| {
        let here = thread::current().id();
        let ms = if here == caller { caller_ms } else { helper_ms };
        thread::sleep(Duration::from_millis(ms));
        seen.lock().unwrap()[i] = here;
        Ok((0.0, Grads::sum(vec![])))
    })
    .unwrap();
    seen.into_inner().unwrap()
}

#[test]
fn a_stalled_helper_sends_the_next_calls_to_the_caller_alone() {
    let caller = thread::current().id();
    // Helpers that keep up: shards are shared, and stay shared.
    for _ in 0..3 {
        let threads = call(20, 20);
        assert!(threads.iter().any(|&t| t != caller), "threads were used");
    }
    // A helper 20 times slower than the caller: the call takes longer than
    // the caller alone would have.
    let stalled = call(5, 100);
    assert!(
        stalled.iter().any(|&t| t != caller),
        "the helper took a shard"
    );
    for _ in 0..4 {
        assert!(call(5, 100).iter().all(|&t| t == caller), "backed off");
    }
    // Then threads are tried again.
    assert!(call(20, 20).iter().any(|&t| t != caller), "tried again");
}
