//! Blocks from the system allocator: 64-byte aligned, and "coloured".
//!
//! Blocks of one size class tend to sit a multiple of 4 KiB apart, and
//! then every buffer of a step shares the low 12 bits of its address. A
//! kernel that reads one such buffer while writing another stalls on
//! false store-to-load dependences (4K aliasing), so its speed depended
//! on where the allocator happened to start: W4's Hessian-vector product
//! took 70 or 80 µs depending on the length of the program's arguments.
//! A block of 4 KiB or more therefore starts at a rotating offset of 64 to
//! 4032 bytes into an allocation 4 KiB larger; the offset is written just
//! before the block, where `release_block` reads it back.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every block starts on a cache line.
pub(crate) const ALIGN: usize = 64;

/// Blocks from this size up are coloured.
const COLOUR_FROM: usize = 4096;

/// Offsets cycle through 64, 128, …, 63·64 bytes.
const COLOURS: usize = 63;

/// The next offset to hand out (any order will do; a counter spreads them).
static NEXT_COLOUR: AtomicUsize = AtomicUsize::new(0);

fn layout(bytes: usize) -> Layout {
    Layout::from_size_align(bytes, ALIGN)
        .unwrap_or_else(|_| panic!("a block of {bytes} bytes is too large to allocate"))
}

/// The allocation behind a block of `bytes`.
fn backing(bytes: usize) -> Layout {
    if bytes < COLOUR_FROM {
        layout(bytes)
    } else {
        layout(bytes.saturating_add(COLOUR_FROM))
    }
}

/// A fresh block of `bytes` (> 0) bytes from the system allocator.
pub(super) fn system_block(bytes: usize) -> NonNull<u8> {
    let layout = backing(bytes);
    // SAFETY: the layout is not empty (`bytes > 0`).
    let base = NonNull::new(unsafe { alloc(layout) }).unwrap_or_else(|| handle_alloc_error(layout));
    if bytes < COLOUR_FROM {
        return base;
    }
    let colour = ALIGN * (1 + NEXT_COLOUR.fetch_add(1, Ordering::Relaxed) % COLOURS);
    // SAFETY: `colour + bytes <= 4032 + bytes` lies inside the allocation of
    // `bytes + 4096`; the offset is stored in the 8 bytes before the block
    // (`colour >= 64`, so they belong to the allocation too), 8-aligned
    // since the block is 64-aligned.
    unsafe {
        let block = base.add(colour);
        block.sub(size_of::<usize>()).cast::<usize>().write(colour);
        block
    }
}

/// Gives a block from [`system_block`]`(bytes)` back to the system; nothing
/// may refer to it any more.
pub(super) fn release_block(block: NonNull<u8>, bytes: usize) {
    let base = if bytes < COLOUR_FROM {
        block
    } else {
        // SAFETY: `system_block` wrote the block's offset in the 8 bytes
        // before it, inside the same allocation.
        unsafe {
            let colour = block.sub(size_of::<usize>()).cast::<usize>().read();
            block.sub(colour)
        }
    };
    // SAFETY: `base` came from `alloc` with this layout (the one
    // `system_block(bytes)` used), and the caller guarantees that nothing
    // uses the block any more.
    unsafe { dealloc(base.as_ptr(), backing(bytes)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coloured_blocks_are_aligned_spread_and_round_trip() {
        let blocks: Vec<NonNull<u8>> = (0..100).map(|_| system_block(16 * 1024)).collect();
        let mut offsets: Vec<usize> = blocks.iter().map(|b| b.as_ptr() as usize % 4096).collect();
        assert!(blocks.iter().all(|b| b.as_ptr() as usize % ALIGN == 0));
        offsets.sort_unstable();
        offsets.dedup();
        assert!(
            offsets.len() > 30,
            "only {} distinct offsets in 4 KiB",
            offsets.len()
        );
        for block in blocks {
            // Writable from its first to its last byte.
            // SAFETY: the block holds 16 KiB.
            unsafe { std::ptr::write_bytes(block.as_ptr(), 0xAB, 16 * 1024) };
            release_block(block, 16 * 1024);
        }
        let small = system_block(100);
        assert_eq!(small.as_ptr() as usize % ALIGN, 0);
        release_block(small, 100);
    }
}
