//! How a large `C = A·Bᵀ` product (both operands stored row-major, `B` as
//! `n×k`) reaches `gemm`, whose speed on this layout depends on the shape
//! and on the vector width it runs with.
//!
//! Measured 2026-11-30, one core of an AVX-512 AMD EPYC, with `gemm`'s
//! AVX-512 kernels and with its AVX2 kernels (µs per product, `m×k×n`):
//!
//! | shape | strided `Bᵀ` | `Bᵀ` laid out first | swapped |
//! |---|---|---|---|
//! | 256×1024×1024, AVX-512 | 4034 | 2796 | **2344** |
//! | 256×1024×1024, AVX2 | 4625 | 4988 | **4377** |
//! | 32×1024×1024, AVX-512 | 2079 | 787 | **298** |
//! | 32×1024×1024, AVX2 | 901 | 2299 | **569** |
//! | 1024×1024×256, AVX-512 | 2672 | **2416** | 3124 |
//! | 1024×1024×256, AVX2 | **4374** | 4432 | 5373 |
//! | 512×1024×512, AVX-512 | 2932 | **2396** | 2549 |
//! | 128×128×512, AVX-512 | **77** | 94 | 98 |
//!
//! "Swapped" computes `Cᵀ = B·Aᵀ` with every operand row-major and
//! transposes `A` before and `Cᵀ` after: two passes over `m·(k+n)`
//! elements, which pays when `A` is the short operand. Laying `Bᵀ` out
//! first pays only with `gemm`'s AVX-512 kernels and a long `k`.

use std::mem::MaybeUninit;

use super::gemm::{GemmScalar, matmul_uninit};
use super::transpose::transpose_into;
use crate::buffer::Buffer;

/// The way an `A·Bᵀ` product is handed to `gemm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `Bᵀ` passed as strides.
    Strided,
    /// `Bᵀ` laid out row-major first.
    FlipB,
    /// `Cᵀ = B·Aᵀ`, then transposed into `C`.
    Swap,
}

/// The fastest route for an `m×k×n` product of this layout (see the table
/// above); `avx512` says whether `gemm` runs its AVX-512 kernels.
pub(crate) fn route(m: usize, k: usize, n: usize, avx512: bool) -> Route {
    if m < n && m < k {
        Route::Swap
    } else if avx512 && k >= 512 && m >= 64 {
        Route::FlipB
    } else {
        Route::Strided
    }
}

/// Whether this CPU runs `gemm`'s AVX-512 kernels.
pub(crate) fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The `batch` blocks of `x`, each a row-major `rows×cols` matrix, each
/// transposed in place of the block (`cols×rows`).
pub(crate) fn transposed_blocks<T: Copy>(
    x: &[T],
    batch: usize,
    rows: usize,
    cols: usize,
) -> Buffer<T> {
    let size = rows * cols;
    let mut flipped = Buffer::with_capacity(batch * size);
    let into = flipped.spare_capacity_mut()[..batch * size].chunks_exact_mut(size);
    for (block, into) in x.chunks_exact(size).take(batch).zip(into) {
        transpose_into(block, rows, cols, into);
    }
    // SAFETY: the loop wrote all `batch` blocks of `size` elements (`x`
    // holds at least that many, as the caller checked).
    unsafe { flipped.set_len(batch * size) };
    flipped
}

/// The `batch` products `A_i·B_iᵀ` into `out` by [`Route::Swap`]: every
/// element of `out` is written.
pub(crate) fn swapped<T: GemmScalar>(
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    b: &[T],
    out: &mut [MaybeUninit<T>],
) {
    let a_t = transposed_blocks(a, batch, m, k);
    let mut c_t = Buffer::with_capacity(batch * n * m);
    matmul_uninit(
        batch,
        n,
        k,
        m,
        b,
        false,
        &a_t,
        false,
        &mut c_t.spare_capacity_mut()[..batch * n * m],
    );
    // SAFETY: `matmul_uninit` writes every element of its output.
    unsafe { c_t.set_len(batch * n * m) };
    for (block, into) in c_t.chunks_exact(n * m).zip(out.chunks_exact_mut(m * n)) {
        transpose_into(block, n, m, into);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_the_measurements() {
        for avx512 in [false, true] {
            assert_eq!(route(256, 1024, 1024, avx512), Route::Swap);
            assert_eq!(route(32, 1024, 1024, avx512), Route::Swap);
            assert_eq!(route(128, 128, 512, avx512), Route::Strided);
        }
        assert_eq!(route(1024, 1024, 256, true), Route::FlipB);
        assert_eq!(route(1024, 1024, 256, false), Route::Strided);
        assert_eq!(route(512, 1024, 512, true), Route::FlipB);
    }

    #[test]
    fn blocks_are_transposed_one_by_one() {
        let x: Vec<u32> = (0..12).collect();
        let flipped = transposed_blocks(&x, 2, 2, 3);
        assert_eq!(flipped[..], [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
    }
}
