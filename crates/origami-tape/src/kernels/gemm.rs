//! Matrix multiply on row-major slices, delegated to the `gemm` crate.
//!
//! `gemm` was chosen over `matrixmultiply` after timing both on this project's
//! shapes (see the commit that introduced it); it selects AVX2 / AVX-512
//! micro-kernels at run time, so a default build runs well on any x86-64.
//! Transposed operands are passed as strides, except in large `A·Bᵀ`
//! products, which may be laid out anew first ([`transposed_rhs`]).
//!
//! Large products can be spread over threads ([`threads`](super::threads));
//! when threads were no faster than the caller alone would have been, the
//! next products run on the caller's thread for a while ([`ThreadBackoff`]).

use std::mem::MaybeUninit;
use std::ops::Range;

use super::backoff::ThreadBackoff;
use super::narrow;
use super::threads::{THREADS_HERE, in_chunks, threads};
use super::transposed_rhs::{self, Route};
use crate::buffer::Buffer;

/// Whether threaded products have been paying off lately.
static BACKOFF: ThreadBackoff = ThreadBackoff::new();

/// `A·Bᵀ` products from this many multiply-adds may be laid out anew
/// first ([`transposed_rhs`]). Under Miri, which interprets every
/// instruction, both thresholds are small, so that the tests' small
/// shapes reach the re-laid-out and threaded routes and Miri checks their
/// `unsafe` code too.
const FLIP_MIN_WORK: usize = if cfg!(miri) { 1 << 9 } else { 1 << 20 };

/// Products below this many multiply-adds stay on the calling thread:
/// starting a thread costs about as much as 10⁶ multiply-adds.
const PARALLEL_MIN_WORK: usize = if cfg!(miri) { 1 << 11 } else { 1 << 22 };

/// Whether `batch` `m×k · k×n` products are large enough to spread over
/// threads ([`PARALLEL_MIN_WORK`]).
fn worth_threads(batch: usize, m: usize, k: usize, n: usize) -> bool {
    batch * m * k * n >= PARALLEL_MIN_WORK
}

/// Whether an `m×k · (n×k)ᵀ` product is large enough that laying `B` out
/// anew may pay ([`FLIP_MIN_WORK`]).
fn worth_relaying(m: usize, k: usize, n: usize) -> bool {
    m * k * n >= FLIP_MIN_WORK
}

/// A pointer that may cross to the scoped threads writing disjoint row
/// blocks of one output buffer.
#[derive(Clone, Copy)]
struct Rows<T>(*mut T);
// SAFETY: each thread writes only the rows of the chunks it claimed from
// the shared counter, so no two threads touch the same element.
unsafe impl<T: Send> Send for Rows<T> {}
unsafe impl<T: Send> Sync for Rows<T> {}

impl<T> Rows<T> {
    /// The element `offset` places in (a method, so closures capture the
    /// whole `Send` wrapper rather than the bare pointer).
    fn at(self, offset: usize) -> *mut T {
        self.0.wrapping_add(offset)
    }
}

/// (Column stride, row stride) of `op(X)` as a `rows×cols` matrix, where
/// `X` is row-major and stored transposed (`cols×rows`) if `transposed`.
fn strides(transposed: bool, rows: usize, cols: usize) -> (isize, isize) {
    if transposed {
        (rows as isize, 1)
    } else {
        (1, cols as isize)
    }
}

/// Element types the `gemm` crate multiplies.
pub(crate) trait GemmScalar: Copy + Send + Sync + 'static {
    const ZERO: Self;
    const ONE: Self;
    /// `self · a + b` with one rounding (for the x86-64 narrow kernel).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn mul_add(self, a: Self, b: Self) -> Self;
}

impl GemmScalar for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32::mul_add(self, a, b)
    }
}

impl GemmScalar for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f64::mul_add(self, a, b)
    }
}

/// `batch` products `C_i (m×n) = op(A_i) · op(B_i)` of consecutive
/// row-major blocks, written into `out` (`batch·m·n` elements, possibly
/// uninitialised), every element of which is written: a new buffer never
/// needs zero-filling first.
///
/// Panics if a slice is shorter than its shape says (an internal invariant:
/// callers pass tensors whose shapes were already checked).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_uninit<T: GemmScalar>(
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    ta: bool,
    b: &[T],
    tb: bool,
    out: &mut [MaybeUninit<T>],
) {
    assert!(a.len() >= batch * m * k && b.len() >= batch * k * n);
    let len = batch * m * n;
    assert_eq!(out.len(), len, "matmul: output of the wrong length");
    if k == 0 || len == 0 {
        out.fill(MaybeUninit::new(T::ZERO));
        return;
    }
    // Narrow products run on the calling thread: large ones go to `gemm`
    // when it may spread them over threads.
    let large = worth_threads(batch, m, k, n);
    let threaded = large && threads() > 1;
    if !threaded && narrow::try_products(batch, m, k, n, a, ta, b, tb, out) {
        return;
    }
    let laid_out: Buffer<T>;
    let (b, tb) = if tb && !ta && worth_relaying(m, k, n) {
        match transposed_rhs::route(m, k, n, transposed_rhs::avx512()) {
            Route::Swap => return transposed_rhs::swapped(batch, m, k, n, a, b, out),
            Route::FlipB => {
                laid_out = transposed_rhs::transposed_blocks(b, batch, n, k);
                (&laid_out[..], false)
            }
            Route::Strided => (b, tb),
        }
    } else {
        (b, tb)
    };
    let ((a_cs, a_rs), (b_cs, b_rs)) = (strides(ta, m, k), strides(tb, k, n));
    let dst = Rows(out.as_mut_ptr().cast::<T>());
    // Rows `rows` and columns `cols` of product `i`.
    let block = |i: usize, rows: Range<usize>, cols: Range<usize>| {
        let a_offset = i * m * k + rows.start * a_rs as usize;
        let b_offset = i * k * n + cols.start * b_cs as usize;
        // SAFETY: the assert above proves every index the strides reach
        // lies inside its slice: rows `rows` ⊆ 0..m of op(A_i) and columns
        // < k lie in the i-th m·k block of `a` (row r of op(A) starts at
        // r·a_rs), columns `cols` ⊆ 0..n of op(B_i) in the i-th k·n block
        // of `b` (column c starts at c·b_cs), and C writes that rectangle of
        // the i-th m·n block of `out` (checked to hold `len`). With
        // `read_dst == false` gemm only writes C, so the possibly
        // uninitialised elements are never read. `out` is a unique borrow,
        // so it aliases nothing, and callers give each rectangle to one
        // thread only.
        unsafe {
            gemm::gemm(
                rows.len(),
                cols.len(),
                k,
                dst.at(i * m * n + rows.start * n + cols.start),
                1,
                n as isize,
                false,
                a.as_ptr().add(a_offset),
                a_cs,
                a_rs,
                b.as_ptr().add(b_offset),
                b_cs,
                b_rs,
                T::ZERO,
                T::ONE,
                false,
                false,
                false,
                gemm::Parallelism::None,
            )
        }
    };
    let big = large && m.max(n) >= 32;
    let threads = match (big, THREADS_HERE.get()) {
        (false, _) => 1,
        (true, Some(fixed)) => fixed,
        (true, None) => BACKOFF.threads(threads()),
    };
    if threads > 1 {
        if let Some((elapsed, alone)) = in_chunks(threads, batch, m, n, &block) {
            BACKOFF.record(elapsed, alone);
        }
    } else {
        for i in 0..batch {
            block(i, 0..m, 0..n);
        }
    }
}

/// One product `C = op(A)·op(B)` (or `C += op(A)·op(B)` when `accumulate`)
/// into an existing `m×n` row-major buffer, on the calling thread: for the
/// many small products of a recurrence, where a new buffer per product
/// would cost more than the product.
///
/// Panics if a slice is shorter than its shape says.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_into<T: GemmScalar>(
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    ta: bool,
    b: &[T],
    tb: bool,
    c: &mut [T],
    accumulate: bool,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(T::ZERO);
        }
        return;
    }
    let ((a_cs, a_rs), (b_cs, b_rs)) = (strides(ta, m, k), strides(tb, k, n));
    // SAFETY: the assert proves every index the strides reach lies inside
    // its slice (op(A) is m×k within `a`, op(B) k×n within `b`, C m×n
    // within `c`); `c` is a unique borrow, so it aliases neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            if accumulate { T::ONE } else { T::ZERO },
            T::ONE,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

#[cfg(test)]
mod tests {
    /// The largest product (multiply-adds) the tests run under Miri, which
    /// interprets every instruction: the small shapes reach every layout,
    /// the large ones only the same calls with other sizes.
    const MIRI_WORK: usize = 4096;

    use super::*;
    use crate::float::Float;
    use crate::kernels::isa::{capped, runnable};
    use crate::ops::matmul::matmul_new;

    fn naive(m: usize, k: usize, n: usize, a: &[f64], ta: bool, b: &[f64], tb: bool) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    let x = if ta { a[p * m + i] } else { a[i * k + p] };
                    let y = if tb { b[j * k + p] } else { b[p * n + j] };
                    c[i * n + j] += x * y;
                }
            }
        }
        c
    }

    fn check<T: Float + Into<f64> + From<f32>>(m: usize, k: usize, n: usize) {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 4.0)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0)
                .collect();
            let a64: Vec<f64> = a.iter().map(|&x| x as f64).collect();
            let b64: Vec<f64> = b.iter().map(|&x| x as f64).collect();
            let at: Vec<T> = a.iter().map(|&x| T::from(x)).collect();
            let bt: Vec<T> = b.iter().map(|&x| T::from(x)).collect();
            let want = naive(m, k, n, &a64, ta, &b64, tb);
            let c = matmul_new(1, m, k, n, &at, ta, &bt, tb);
            assert_eq!(c.len(), m * n);
            for (got, want) in c.iter().zip(&want) {
                assert!(
                    (Into::<f64>::into(*got) - want).abs() < 1e-4,
                    "{m}x{k}x{n} ta={ta} tb={tb}"
                );
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri lowers both thresholds")]
    fn routes_change_at_the_documented_sizes() {
        // Threads from 4·2²⁰ multiply-adds, counting every product of a batch.
        assert!(worth_threads(1, 2048, 1024, 2));
        assert!(!worth_threads(1, 2047, 1024, 2));
        assert!(worth_threads(4, 512, 1024, 2));
        assert!(!worth_threads(4, 511, 1024, 2));
        // `B` laid out anew from 2²⁰ multiply-adds.
        assert!(worth_relaying(1024, 512, 2));
        assert!(!worth_relaying(1023, 512, 2));
    }

    #[test]
    fn products_into_a_buffer_overwrite_or_accumulate() {
        let (m, k, n) = (5, 7, 3);
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a: Vec<f64> = (0..m * k).map(|i| (i % 9) as f64 - 4.0).collect();
            let b: Vec<f64> = (0..k * n).map(|i| (i % 5) as f64 - 2.0).collect();
            let want = naive(m, k, n, &a, ta, &b, tb);
            let mut c = vec![f64::NAN; m * n];
            matmul_into(m, k, n, &a, ta, &b, tb, &mut c, false);
            assert_eq!(c, want, "overwrite ta={ta} tb={tb}");
            matmul_into(m, k, n, &a, ta, &b, tb, &mut c, true);
            let twice: Vec<f64> = want.iter().map(|x| 2.0 * x).collect();
            assert_eq!(c, twice, "accumulate ta={ta} tb={tb}");
        }
        // An empty inner dimension: C = 0, or C += 0.
        let mut c = vec![f64::NAN; m * n];
        matmul_into(m, 0, n, &[], false, &[], false, &mut c, false);
        assert_eq!(c, vec![0.0; m * n]);
        let mut c = vec![1.5; m * n];
        matmul_into(m, 0, n, &[], false, &[], false, &mut c, true);
        assert_eq!(c, vec![1.5; m * n]);
    }

    #[test]
    fn threaded_products_equal_single_threaded_ones() {
        // Under Miri threads start at 2,048 multiply-adds, not 4·10⁶.
        let (big, small) = if cfg!(miri) { (40, 5) } else { (150, 97) };
        let k = if cfg!(miri) { 6 } else { 300 };
        for (m, n, ta, tb) in [
            (big, small, false, false),
            (big, small, true, false),
            (small, big, false, true),
            (small, big, true, true),
        ] {
            let a: Vec<f32> = (0..2 * m * k).map(|i| (i % 13) as f32 - 6.0).collect();
            let b: Vec<f32> = (0..2 * k * n).map(|i| (i % 7) as f32 - 3.0).collect();
            let one = matmul_new(2, m, k, n, &a, ta, &b, tb);
            // Exactly three threads: a process-wide count could back off.
            THREADS_HERE.set(Some(3));
            let three = matmul_new(2, m, k, n, &a, ta, &b, tb);
            THREADS_HERE.set(None);
            assert_eq!(one, three, "ta={ta} tb={tb}");
        }
    }

    #[test]
    fn batched_blocks_are_independent_products() {
        // Under the baseline cap the narrow kernel declines, so the first
        // two shapes reach `gemm` one block at a time; the third takes
        // `A·Bᵀ`'s swapped route.
        for (m, k, n) in [(3, 4, 5), (9, 6, 20), (16, 128, 512)] {
            if cfg!(miri) && m * k * n > MIRI_WORK {
                continue;
            }
            let a: Vec<f64> = (0..3 * m * k).map(|i| (i % 7) as f64 - 3.0).collect();
            let b: Vec<f64> = (0..3 * k * n).map(|i| (i % 5) as f64 - 2.0).collect();
            for (isa, ta, tb) in runnable().into_iter().flat_map(|isa| {
                [
                    (isa, false, false),
                    (isa, true, false),
                    (isa, false, true),
                    (isa, true, true),
                ]
            }) {
                let all = capped(isa, || matmul_new(3, m, k, n, &a, ta, &b, tb));
                for i in 0..3 {
                    let a_i = &a[i * m * k..(i + 1) * m * k];
                    let b_i = &b[i * k * n..(i + 1) * k * n];
                    assert_eq!(
                        all[i * m * n..(i + 1) * m * n],
                        naive(m, k, n, a_i, ta, b_i, tb),
                        "{m}x{k}x{n} product {i}, ta={ta} tb={tb}, {isa:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn matches_naive_reference_in_both_precisions() {
        for (m, k, n) in [
            (1, 1, 1),
            (3, 5, 2),
            (17, 9, 33),
            (64, 1, 7),
            (2, 0, 3),
            (0, 4, 2),
            (256, 16, 16),
            (70, 40, 33),
            (130, 600, 2),
            // From FLIP_MIN_WORK on, `A·Bᵀ` takes one of three routes
            // (under Miri, from 512: swapped and strided; no AVX-512 there).
            (64, 128, 128),
            (64, 512, 32),
            (128, 128, 64),
            (4, 16, 12),
            (16, 8, 8),
        ] {
            if cfg!(miri) && m * k * n > MIRI_WORK {
                continue;
            }
            check::<f32>(m, k, n);
            check::<f64>(m, k, n);
        }
    }
}
