//! Row-major transposes, in small square tiles so that both the rows read
//! and the rows written stay in cache; a whole tile of 4-byte elements
//! moves through AVX registers (8 loads, 24 shuffles, 8 stores) where the
//! CPU has AVX2.

use std::mem::MaybeUninit;

use super::isa::{Isa, isa};

/// Side of the tiles. Small: rows of a power-of-two length map to the
/// same cache sets, and a tile's 8 rows fit in one set's ways (AVX-512
/// EPYC, 1024×1024 f32: tiles of 32 took ~1.3 ms, 16 ~0.9, 8 ~0.35).
const TILE: usize = 8;

/// Writes `src`, a row-major `rows×cols` matrix, into `dst` transposed
/// (`cols×rows`, row-major); every element of `dst` is written.
///
/// Tiles go in pairs down the rows, so each pair fills whole 64-byte lines
/// of `dst` (16 elements of 4 bytes) before they leave the cache. (Whole
/// tiles in AVX registers made no difference in W3, whose transposes are
/// large and bound by memory; they transpose the LSTM scan's `[512, 128]`
/// f32 weight, which stays in cache, in half the time: 20 µs instead of
/// 40 on an AMD EPYC, Zen 4.)
///
/// # Panics
/// If either slice does not hold `rows·cols` elements.
pub(crate) fn transpose_into<T: Copy>(
    src: &[T],
    rows: usize,
    cols: usize,
    dst: &mut [MaybeUninit<T>],
) {
    assert!(
        src.len() == rows * cols && dst.len() == rows * cols,
        "transpose: {rows}x{cols} from {} into {} elements",
        src.len(),
        dst.len()
    );
    let in_registers = size_of::<T>() == 4 && isa() >= Isa::Avx2;
    for band in (0..rows).step_by(2 * TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r0 in (band..rows).step_by(TILE).take(2) {
                let whole = r0 + TILE <= rows && c0 + TILE <= cols;
                if whole && in_registers {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the tile lies inside both matrices (`whole`,
                    // and the lengths were checked above), the elements
                    // are 4 bytes (moved as bits, never computed on), and
                    // `isa` found AVX2.
                    unsafe {
                        let from = src.as_ptr().add(r0 * cols + c0).cast::<f32>();
                        let to = dst.as_mut_ptr().add(c0 * rows + r0).cast::<f32>();
                        tile_avx(from, cols, to, rows);
                    }
                } else {
                    tile(src, rows, cols, dst, r0, c0);
                }
            }
        }
    }
}

/// The 8×8 tile of 4-byte elements at `from` (rows `from_stride` apart)
/// written transposed at `to` (rows `to_stride` apart).
///
/// # Safety
/// The CPU must have AVX; both tiles must lie inside their allocations.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn tile_avx(from: *const f32, from_stride: usize, to: *mut f32, to_stride: usize) {
    use std::arch::x86_64::{
        __m256, _mm256_loadu_ps, _mm256_permute2f128_ps, _mm256_shuffle_ps, _mm256_storeu_ps,
        _mm256_unpackhi_ps, _mm256_unpacklo_ps,
    };
    // SAFETY: the caller keeps every row of both tiles in bounds.
    let row = |i: usize| unsafe { _mm256_loadu_ps(from.add(i * from_stride)) };
    let r: [__m256; 8] = std::array::from_fn(row);
    // Pairs of rows interleaved, then pairs of pairs: each 128-bit half
    // then holds a 4×4 block transposed.
    let (lo, hi) = (_mm256_unpacklo_ps, _mm256_unpackhi_ps);
    let t = [
        lo(r[0], r[1]),
        hi(r[0], r[1]),
        lo(r[2], r[3]),
        hi(r[2], r[3]),
        lo(r[4], r[5]),
        hi(r[4], r[5]),
        lo(r[6], r[7]),
        hi(r[6], r[7]),
    ];
    let u = [
        _mm256_shuffle_ps::<0x44>(t[0], t[2]),
        _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
        _mm256_shuffle_ps::<0x44>(t[1], t[3]),
        _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
        _mm256_shuffle_ps::<0x44>(t[4], t[6]),
        _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
        _mm256_shuffle_ps::<0x44>(t[5], t[7]),
        _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
    ];
    // The low halves of rows 0–3 with the low halves of rows 4–7 make
    // output rows 0–3; the high halves, rows 4–7.
    for k in 0..4 {
        let low = _mm256_permute2f128_ps::<0x20>(u[k], u[k + 4]);
        let high = _mm256_permute2f128_ps::<0x31>(u[k], u[k + 4]);
        // SAFETY: as above.
        unsafe {
            _mm256_storeu_ps(to.add(k * to_stride), low);
            _mm256_storeu_ps(to.add((k + 4) * to_stride), high);
        }
    }
}

/// The tile at row `r0`, column `c0` of [`transpose_into`].
fn tile<T: Copy>(
    src: &[T],
    rows: usize,
    cols: usize,
    dst: &mut [MaybeUninit<T>],
    r0: usize,
    c0: usize,
) {
    let whole = r0 + TILE <= rows && c0 + TILE <= cols;
    if whole {
        // Fixed trip counts, unrolled by the compiler.
        for j in 0..TILE {
            let out = &mut dst[(c0 + j) * rows + r0..][..TILE];
            for (i, o) in out.iter_mut().enumerate() {
                o.write(src[(r0 + i) * cols + c0 + j]);
            }
        }
        return;
    }
    for c in c0..(c0 + TILE).min(cols) {
        for r in r0..(r0 + TILE).min(rows) {
            dst[c * rows + r].write(src[r * cols + c]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::isa::{capped, runnable};

    #[test]
    fn transposes_any_shape() {
        for (rows, cols) in [
            (1, 1),
            (3, 5),
            (33, 70),
            (64, 32),
            (0, 4),
            (4, 0),
            (8, 8),
            (24, 40),
            // Fewer rows than a tile, or fewer columns, with whole tiles
            // along the other side.
            (3, 20),
            (20, 3),
        ] {
            // 4-byte elements take the register route where it runs.
            for isa in runnable() {
                capped(isa, || check_transpose::<u32>(rows, cols));
            }
            check_transpose::<u64>(rows, cols);
        }
    }

    /// Transposes `0, 1, 2, …` as `T` and checks every element.
    fn check_transpose<T: Copy + PartialEq + std::fmt::Debug + From<u32>>(
        rows: usize,
        cols: usize,
    ) {
        let src: Vec<T> = (0..(rows * cols) as u32).map(T::from).collect();
        let mut dst = vec![MaybeUninit::new(T::from(u32::MAX)); rows * cols];
        transpose_into(&src, rows, cols, &mut dst);
        for r in 0..rows {
            for c in 0..cols {
                // SAFETY: every element was initialised (and overwritten).
                let got = unsafe { dst[c * rows + r].assume_init() };
                assert_eq!(got, src[r * cols + c], "{rows}x{cols}");
            }
        }
    }
}
