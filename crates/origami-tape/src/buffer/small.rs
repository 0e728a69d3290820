//! Small blocks (up to 60 KiB): a free list per size class on each thread.
//!
//! A step of a small network (W1, W4) makes hundreds of small tensors, and
//! the system allocator's aligned path (`posix_memalign`) is slower than
//! its plain one: it cost W4's Hessian-vector product a quarter of its
//! time. Freed blocks therefore wait on the freeing thread, up to
//! [`KEEP_PER_CLASS`] per class, for the next request of their class; a
//! thread's lists are given back to the system when the thread ends.

use std::cell::RefCell;
use std::ptr::NonNull;

use super::system::{release_block, system_block};

/// Classes: multiples of 64 bytes up to 1 KiB, then eight per doubling.
const CLASSES: usize = 16 + 6 * 8;

/// At most this many free blocks wait per class and thread.
const KEEP_PER_CLASS: usize = 64;

/// The largest small request: the last class below 64 KiB.
pub(crate) const SMALL_MAX: usize = 60 * 1024;

/// The class index of a request of `bytes` (1 ≤ bytes ≤ [`SMALL_MAX`]) and
/// the size of its blocks.
fn class_of(bytes: usize) -> (usize, usize) {
    if bytes <= 1024 {
        let size = bytes.next_multiple_of(64);
        return (size / 64 - 1, size);
    }
    let octave = bytes.ilog2() as usize; // 10..=15
    let step = 1usize << (octave - 3);
    let size = bytes.next_multiple_of(step);
    // `size` may round up to the next power of two: that is the next
    // octave's first class.
    let (octave, eighth) = if size == 2 << octave {
        (octave + 1, 0)
    } else {
        (octave, size / step - 8)
    };
    (16 + (octave - 10) * 8 + eighth, size)
}

/// One thread's free lists; dropping it (at thread exit) frees them.
struct FreeLists([Vec<NonNull<u8>>; CLASSES]);

impl FreeLists {
    /// Gives every kept block back to the system; returns the bytes.
    fn release(&mut self) -> usize {
        let mut released = 0;
        for (class, blocks) in self.0.iter_mut().enumerate() {
            let size = size_of_class(class);
            for block in blocks.drain(..) {
                release_block(block, size);
                released += size;
            }
        }
        released
    }
}

impl Drop for FreeLists {
    fn drop(&mut self) {
        self.release();
    }
}

fn size_of_class(class: usize) -> usize {
    if class < 16 {
        (class + 1) * 64
    } else {
        let (octave, eighth) = (10 + (class - 16) / 8, (class - 16) % 8);
        (1 << octave) + eighth * (1 << (octave - 3))
    }
}

thread_local! {
    static FREE: RefCell<FreeLists> = RefCell::new(FreeLists(std::array::from_fn(|_| Vec::new())));
}

/// A block of at least `bytes` (1 ≤ bytes ≤ [`SMALL_MAX`]) and its real
/// size.
pub(crate) fn allocate(bytes: usize) -> (NonNull<u8>, usize) {
    let (class, size) = class_of(bytes);
    // During thread teardown the lists may be gone: use the system then.
    let kept = FREE
        .try_with(|free| free.borrow_mut().0[class].pop())
        .ok()
        .flatten();
    (kept.unwrap_or_else(|| system_block(size)), size)
}

/// Gives this thread's kept small blocks back to the system; returns the
/// bytes released.
pub(super) fn release_local() -> usize {
    FREE.try_with(|free| free.borrow_mut().release())
        .unwrap_or(0)
}

/// Gives back a block of `size` bytes from [`allocate`].
pub(crate) fn free(block: NonNull<u8>, size: usize) {
    let (class, _) = class_of(size);
    let kept = FREE.try_with(|free| {
        let list = &mut free.borrow_mut().0[class];
        let room = list.len() < KEEP_PER_CLASS;
        if room {
            list.push(block);
        }
        room
    });
    if kept != Ok(true) {
        release_block(block, size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_small_size_tightly() {
        let mut last = (0, 0);
        for bytes in 1..=SMALL_MAX {
            let (class, size) = class_of(bytes);
            assert!(class < CLASSES, "{bytes}");
            assert!(
                size >= bytes && size - bytes < bytes.max(512) / 7,
                "{bytes} -> {size}"
            );
            assert_eq!(size_of_class(class), size, "{bytes}");
            assert_eq!(
                class_of(size),
                (class, size),
                "a class's size is its own class"
            );
            assert!((class, size) >= last, "classes grow with the size");
            last = (class, size);
        }
    }
}
