//! Where tensor memory comes from: 64-byte aligned blocks, small ones
//! recycled on each thread (`small.rs`), large ones (over 60 KiB) through
//! a process-wide cache.
//!
//! A large block is rounded up to a size class (eight per doubling, so at
//! most 1/8 is wasted) and, when freed, kept for the next request of its
//! class instead of going back to the system. A training loop asks for the
//! same classes at every step, so after its first step it is served from
//! the cache alone. A kept block that has not been asked for again within
//! the next [`KEEP_FOR`] large requests is given back to the system, so
//! classes a program stopped using (another sequence length, a finished
//! evaluation) do not stay; [`release_cached_memory`] gives everything back
//! at once.
//!
//! (A tighter rule was tried first: keep at most what would fit under the
//! peak of memory in use. A step whose mix of sizes changes within the
//! step, as W2's does, then released and re-requested blocks at every
//! step, and the page faults came back.)
//!
//! One mutex guards the cache; it is taken only for large blocks, each of
//! which costs far more to fill than the lock does.

use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

use super::small::{self, SMALL_MAX};
use super::system::{release_block, system_block};

/// A kept block is released once this many large requests have passed
/// without it being reused.
const KEEP_FOR: u64 = 4096;

/// Large-block memory (blocks over 60 KiB), in bytes (see
/// [`memory_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Held by live buffers (tensors, gradients, kernel scratch).
    pub in_use: usize,
    /// Freed by their buffers and kept for reuse.
    pub cached: usize,
    /// The most that was ever in use at once since the process started or
    /// since the last [`release_cached_memory`].
    pub high_water: usize,
}

/// A block kept for reuse. The pointer is owned by the cache alone.
struct Kept {
    block: NonNull<u8>,
    /// The count of large requests when it was freed.
    stamp: u64,
}

// SAFETY: a kept block is plain memory that no buffer points to any more;
// it moves between threads only inside the mutex.
unsafe impl Send for Kept {}

struct Cache {
    /// Kept blocks by size class, oldest first within a class.
    kept: BTreeMap<usize, Vec<Kept>>,
    stats: MemoryStats,
    /// Large requests so far.
    requests: u64,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    kept: BTreeMap::new(),
    stats: MemoryStats {
        in_use: 0,
        cached: 0,
        high_water: 0,
    },
    requests: 0,
});

fn cache() -> MutexGuard<'static, Cache> {
    // The cache's state is updated before any call that could panic, so a
    // poisoned lock still guards consistent data.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `bytes` rounded up to its size class: a multiple of 1/8 of the power of
/// two at or below it.
fn size_class(bytes: usize) -> usize {
    let step = (1usize << bytes.ilog2()) / 8;
    bytes.next_multiple_of(step)
}

/// A block of at least `bytes` (> 0) bytes, 64-byte aligned, and how many
/// bytes it really holds (pass that to [`free`]).
pub(crate) fn allocate(bytes: usize) -> (NonNull<u8>, usize) {
    if bytes <= SMALL_MAX {
        return small::allocate(bytes);
    }
    let class = size_class(bytes);
    let reused = {
        let mut cache = cache();
        cache.requests += 1;
        let reused = cache.kept.get_mut(&class).and_then(Vec::pop);
        if reused.is_some() {
            cache.stats.cached -= class;
        }
        cache.stats.in_use += class;
        cache.stats.high_water = cache.stats.high_water.max(cache.stats.in_use);
        reused
    };
    let block = reused.map_or_else(|| system_block(class), |kept| kept.block);
    (block, class)
}

/// Gives back a block that [`allocate`] returned with `bytes` bytes.
pub(crate) fn free(block: NonNull<u8>, bytes: usize) {
    if bytes <= SMALL_MAX {
        small::free(block, bytes);
        return;
    }
    let stale = {
        let mut cache = cache();
        let stamp = cache.requests;
        cache.stats.in_use -= bytes;
        cache.stats.cached += bytes;
        cache
            .kept
            .entry(bytes)
            .or_default()
            .push(Kept { block, stamp });
        cache.take_stale()
    };
    for (block, size) in stale {
        release_block(block, size);
    }
}

impl Cache {
    /// Takes out the kept blocks that waited more than [`KEEP_FOR`]
    /// requests; the caller frees them outside the lock. Within a class
    /// the oldest block comes first.
    fn take_stale(&mut self) -> Vec<(NonNull<u8>, usize)> {
        let horizon = self.requests.saturating_sub(KEEP_FOR);
        let mut stale = Vec::new();
        for (&size, blocks) in &mut self.kept {
            let old = blocks.iter().take_while(|k| k.stamp < horizon).count();
            stale.extend(blocks.drain(..old).map(|k| (k.block, size)));
            self.stats.cached -= old * size;
        }
        self.kept.retain(|_, blocks| !blocks.is_empty());
        stale
    }
}

/// How much large-block memory (blocks over 60 KiB) tensors hold
/// and how much the cache keeps for reuse.
///
/// ```
/// let big = origami_tape::Tensor::<f32>::zeros(&[256, 256]); // 256 KiB
/// let stats = origami_tape::memory_stats();
/// assert!(stats.in_use >= 256 * 1024);
/// assert!(stats.high_water >= stats.in_use);
/// # drop(big);
/// ```
pub fn memory_stats() -> MemoryStats {
    cache().stats
}

/// Returns every cached large block, and the small blocks kept on the
/// calling thread, to the system, and restarts the high-water mark from
/// what is in use now; returns the bytes released. Useful after a phase
/// that needed much more memory than the rest of the program will (a large
/// evaluation before small training steps).
///
/// ```
/// drop(origami_tape::Tensor::<f64>::zeros(&[100_000]));
/// origami_tape::release_cached_memory();
/// assert_eq!(origami_tape::memory_stats().cached, 0);
/// ```
pub fn release_cached_memory() -> usize {
    let kept = {
        let mut cache = cache();
        cache.stats.cached = 0;
        cache.stats.high_water = cache.stats.in_use;
        std::mem::take(&mut cache.kept)
    };
    let mut released = small::release_local();
    for (size, blocks) in kept {
        for kept in blocks {
            release_block(kept.block, size);
            released += size;
        }
    }
    released
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_waste_at_most_an_eighth() {
        for bytes in [SMALL_MAX + 1, 64 * 1024, 100_000, 1 << 20, 3_000_001] {
            let class = size_class(bytes);
            assert!(
                class >= bytes && (class - bytes) * 8 <= bytes,
                "{bytes} -> {class}"
            );
            assert_eq!(size_class(class), class, "a class is its own class");
        }
    }
}
