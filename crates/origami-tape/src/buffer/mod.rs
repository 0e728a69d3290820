//! `Buffer<T>`: the storage behind every tensor. A growable array like
//! `Vec<T>` for plain `Copy` elements, with two differences that make a
//! kernel's speed independent of where the system allocator happens to put
//! things:
//!
//! * every buffer starts on a 64-byte boundary (one cache line, one AVX-512
//!   register), so no vector load of a kernel splits a line by accident;
//! * blocks come from, and go back to, caches (`cache.rs`: a process-wide
//!   one for blocks over 60 KiB, per-thread free lists for smaller ones),
//!   so a training loop that needs the same shapes at every step stops
//!   asking the system for memory after its first step.
//!   Without it, glibc may hand the top of its heap back to the kernel at
//!   the end of one step and fault it in again, page by page, in the next
//!   (measured: W2 ran 2.4× slower for some lengths of the program's path).

pub(crate) mod cache;
mod small;
mod system;

use std::fmt;
use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// A 64-byte aligned, growable array of `Copy` elements.
pub(crate) struct Buffer<T> {
    ptr: NonNull<T>,
    len: usize,
    /// Elements the block holds (0: nothing allocated).
    capacity: usize,
}

// SAFETY: a `Buffer` owns its block exactly like a `Vec` owns its own, so
// it may move to and be shared between threads whenever `T` may.
unsafe impl<T: Copy + Send> Send for Buffer<T> {}
unsafe impl<T: Copy + Sync> Sync for Buffer<T> {}

impl<T: Copy> Buffer<T> {
    /// An empty buffer with room for `capacity` elements.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        assert!(size_of::<T>() > 0, "Buffer holds sized elements only");
        if capacity == 0 {
            return Self {
                ptr: NonNull::dangling(),
                len: 0,
                capacity: 0,
            };
        }
        let bytes = capacity
            .checked_mul(size_of::<T>())
            .unwrap_or_else(|| panic!("a buffer of {capacity} elements overflows usize"));
        let (block, granted) = cache::allocate(bytes);
        Self {
            ptr: block.cast(),
            len: 0,
            capacity: granted / size_of::<T>(),
        }
    }

    /// `len` copies of `value`.
    pub(crate) fn filled(value: T, len: usize) -> Self {
        let mut buffer = Self::with_capacity(len);
        buffer.extend_filled(value, len);
        buffer
    }

    /// Appends `count` copies of `value`.
    pub(crate) fn extend_filled(&mut self, value: T, count: usize) {
        self.reserve(count);
        self.spare_capacity_mut()[..count].fill(MaybeUninit::new(value));
        self.len += count;
    }

    /// A copy of `items`.
    pub(crate) fn from_slice(items: &[T]) -> Self {
        let mut buffer = Self::with_capacity(items.len());
        buffer.extend_from_slice(items);
        buffer
    }

    /// Room for at least `more` further elements.
    pub(crate) fn reserve(&mut self, more: usize) {
        if more > self.capacity - self.len {
            self.grow(more);
        }
    }

    /// Moves the elements to a block with room for `more` further ones.
    #[cold]
    fn grow(&mut self, more: usize) {
        let needed = self
            .len
            .checked_add(more)
            .unwrap_or_else(|| panic!("a buffer of {} + {more} elements", self.len));
        let mut grown = Self::with_capacity(needed.max(2 * self.capacity).max(8));
        grown.extend_from_slice(self);
        *self = grown;
    }

    /// Appends one element.
    #[inline]
    pub(crate) fn push(&mut self, value: T) {
        if self.len == self.capacity {
            self.grow(1);
        }
        // SAFETY: there is room for one more element past `len`.
        unsafe {
            self.ptr.as_ptr().add(self.len).write(value);
        }
        self.len += 1;
    }

    /// Appends a copy of `items`.
    pub(crate) fn extend_from_slice(&mut self, items: &[T]) {
        self.reserve(items.len());
        let spare = &mut self.spare_capacity_mut()[..items.len()];
        for (slot, &item) in spare.iter_mut().zip(items) {
            slot.write(item);
        }
        self.len += items.len();
    }

    /// The unwritten room past the elements, for kernels that fill a
    /// buffer in place before [`Buffer::set_len`].
    pub(crate) fn spare_capacity_mut(&mut self) -> &mut [MaybeUninit<T>] {
        // SAFETY: the block holds `capacity` elements; those past `len`
        // are exposed as possibly uninitialised, never as `T`.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.ptr.as_ptr().add(self.len).cast::<MaybeUninit<T>>(),
                self.capacity - self.len,
            )
        }
    }

    /// Declares the first `len` elements written.
    ///
    /// # Safety
    /// `len <= capacity`, and elements `0..len` must have been written.
    pub(crate) unsafe fn set_len(&mut self, len: usize) {
        debug_assert!(len <= self.capacity);
        self.len = len;
    }
}

impl<T> Drop for Buffer<T> {
    /// Frees the block; the elements need no drop (every constructor asks
    /// for `Copy`).
    fn drop(&mut self) {
        if self.capacity > 0 {
            cache::free(self.ptr.cast(), self.capacity * size_of::<T>());
        }
    }
}

impl<T> Deref for Buffer<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: the first `len` elements are initialised, and the pointer
        // is aligned and non-null (dangling only when `len == 0`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> DerefMut for Buffer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> Clone for Buffer<T> {
    fn clone(&self) -> Self {
        Self::from_slice(self)
    }
}

impl<T: PartialEq> PartialEq for Buffer<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: fmt::Debug> fmt::Debug for Buffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Copy> Extend<T> for Buffer<T> {
    // Inlined, so that the loop is compiled into a caller's wider
    // instruction set (`kernels::wide`).
    #[inline(always)]
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        let items = items.into_iter();
        match items.size_hint() {
            // The common case (maps over slices): one tight loop straight
            // into the spare room, which the compiler can vectorise.
            (lower, Some(upper)) if lower == upper => {
                self.reserve(lower);
                let written = self.spare_capacity_mut()[..lower]
                    .iter_mut()
                    .zip(items)
                    .map(|(slot, item)| slot.write(item))
                    .count();
                self.len += written;
            }
            _ => items.for_each(|item| self.push(item)),
        }
    }
}

impl<'a, T: Copy> IntoIterator for &'a Buffer<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Copy> FromIterator<T> for Buffer<T> {
    #[inline(always)]
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut buffer = Self::with_capacity(0);
        buffer.extend(items);
        buffer
    }
}

impl<T: Copy> From<Vec<T>> for Buffer<T> {
    /// Copies: a `Vec`'s block has the element's alignment, not 64 bytes.
    fn from(items: Vec<T>) -> Self {
        Self::from_slice(&items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_buffer_starts_on_a_cache_line() {
        for len in [1, 3, 17, 1000, 20_000, 100_000] {
            let b = Buffer::<f32>::filled(1.5, len);
            assert_eq!(b.as_ptr() as usize % 64, 0, "{len} elements");
            assert!(b.iter().all(|&x| x == 1.5));
        }
    }

    #[test]
    fn behaves_like_a_vec() {
        let mut b: Buffer<f64> = (0..5).map(f64::from).collect();
        b.push(5.0);
        b.extend_from_slice(&[6.0, 7.0]);
        b.extend((8..40).map(f64::from));
        let v: Vec<f64> = (0..40).map(f64::from).collect();
        assert_eq!(&*b, v.as_slice());
        assert_eq!(b.clone(), b);
        assert_eq!(Buffer::from(v.clone()).to_vec(), v);
        assert!(Buffer::<f32>::with_capacity(0).is_empty());
        assert_eq!(format!("{:?}", Buffer::from_slice(&[1.0f32])), "[1.0]");
    }
}
