//! Narrow matrix products in registers: `C = op(A)·op(B)` with at most
//! [`MAX_COLUMNS`] columns whose right operand has at most [`MAX_RHS`]
//! elements.
//!
//! The `gemm` crate packs both operands into 16-wide panels and sets up
//! each call for large matrices; on the products of a small MLP
//! (256×16×16, 256×16×2, 16×256×2, …) that costs several times the
//! arithmetic (AVX-512 EPYC: 1.4–2.2 µs for 8–65k multiply-adds). Here
//! eight (AVX-512) or four (AVX2) rows of C at a time are accumulated as
//! fixed-size arrays of `n` columns, which the compiler keeps in vector
//! registers, over `k` in order, one fused multiply-add per term; `op(B)`
//! is read as `k` rows of `n` (copied into that layout first when it is
//! stored transposed).
//!
//! Only on CPUs with FMA (AVX-512, or AVX2 with FMA), so that every such
//! product rounds the same way; elsewhere [`try_products`] declines and the
//! caller uses `gemm`.
//!
//! Only x86-64 calls the kernel; on other targets (wasm32 for the
//! playground, ARM) it compiles unused.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use std::mem::MaybeUninit;

use super::gemm::GemmScalar;

/// Products with more columns than this go to `gemm`.
pub(crate) const MAX_COLUMNS: usize = 16;

/// Products whose `op(B)` has more elements than this go to `gemm`, whose
/// cache blocking wins once `op(B)` no longer fits the second-level cache.
/// Below it this kernel was faster at every size tried (AVX-512 EPYC,
/// `m×k×16`: 256×1024 43 against 65 µs, 1024×1024 207 against 272,
/// 256×4096 192 against 267, `op(A)` transposed 1024×256 63 against 115;
/// at 256×16384 transposed operands lost, 1.8 against 1.2 ms).
pub(crate) const MAX_RHS: usize = 1 << 16;

/// Writes the `batch` products `op(A_i)·op(B_i)` (`m×n` each, blocks laid
/// out one after another) into `out` and returns true if they are narrow
/// and small and the CPU has FMA; otherwise writes nothing and returns
/// false. `A_i` is `m×k` (or `k×m` if `ta`), `B_i` is `k×n` (or `n×k` if
/// `tb`), all row-major.
#[allow(clippy::too_many_arguments)]
pub(crate) fn try_products<T: GemmScalar>(
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    ta: bool,
    b: &[T],
    tb: bool,
    out: &mut [MaybeUninit<T>],
) -> bool {
    if n == 0 || n > MAX_COLUMNS || k * n > MAX_RHS {
        return false;
    }
    assert!(a.len() >= batch * m * k && b.len() >= batch * k * n && out.len() == batch * m * n);
    let shape = Shape {
        batch,
        m,
        k,
        n,
        ta,
        tb,
    };
    #[cfg(target_arch = "x86_64")]
    match super::isa::isa() {
        super::isa::Isa::Avx512 => {
            // SAFETY: `isa` never names more than the CPU supports (here
            // AVX-512 F and VL, AVX2 and FMA), the only requirement of a
            // `target_feature` function.
            unsafe { products_avx512(shape, a, b, out) };
            return true;
        }
        super::isa::Isa::Avx2 => {
            // SAFETY: as above (AVX2 and FMA).
            unsafe { products_avx2(shape, a, b, out) };
            return true;
        }
        super::isa::Isa::Baseline => {}
    }
    let _ = (shape, a, b, out);
    false
}

/// The sizes and layouts of a batch of products.
#[derive(Clone, Copy)]
struct Shape {
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn products_avx512<T: GemmScalar>(shape: Shape, a: &[T], b: &[T], out: &mut [MaybeUninit<T>]) {
    products::<T, 8>(shape, a, b, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn products_avx2<T: GemmScalar>(shape: Shape, a: &[T], b: &[T], out: &mut [MaybeUninit<T>]) {
    products::<T, 4>(shape, a, b, out);
}

/// Every product of the batch (inlined into the functions compiled for
/// FMA above, so that `mul_add` is one instruction), `op(B)` first laid out
/// as `k` rows of `n`.
#[inline(always)]
fn products<T: GemmScalar, const ROWS: usize>(
    shape: Shape,
    a: &[T],
    b: &[T],
    out: &mut [MaybeUninit<T>],
) {
    let Shape {
        batch,
        m,
        k,
        n,
        ta,
        tb,
    } = shape;
    for i in 0..batch {
        let a = &a[i * m * k..(i + 1) * m * k];
        let b = &b[i * k * n..(i + 1) * k * n];
        let out = &mut out[i * m * n..(i + 1) * m * n];
        let packed: Vec<T>;
        let b = if tb {
            packed = (0..k)
                .flat_map(|p| (0..n).map(move |j| b[j * k + p]))
                .collect();
            &packed[..]
        } else {
            b
        };
        match (n, ta) {
            (1, false) => rows::<T, 1, ROWS, false>(m, k, a, b, out),
            (1, true) => rows::<T, 1, ROWS, true>(m, k, a, b, out),
            (2, false) => rows::<T, 2, ROWS, false>(m, k, a, b, out),
            (2, true) => rows::<T, 2, ROWS, true>(m, k, a, b, out),
            (3, false) => rows::<T, 3, ROWS, false>(m, k, a, b, out),
            (3, true) => rows::<T, 3, ROWS, true>(m, k, a, b, out),
            (4, false) => rows::<T, 4, ROWS, false>(m, k, a, b, out),
            (4, true) => rows::<T, 4, ROWS, true>(m, k, a, b, out),
            (5..=8, false) => padded::<T, 8, ROWS, false>(m, k, n, a, b, out),
            (5..=8, true) => padded::<T, 8, ROWS, true>(m, k, n, a, b, out),
            (_, false) => padded::<T, 16, ROWS, false>(m, k, n, a, b, out),
            (_, true) => padded::<T, 16, ROWS, true>(m, k, n, a, b, out),
        }
    }
}

/// `op(B)` widened from `n` to `N` columns with zeros, then [`rows`]
/// into a scratch `m×N` result whose first `n` columns are copied out.
#[inline(always)]
fn padded<T: GemmScalar, const N: usize, const ROWS: usize, const TA: bool>(
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    b: &[T],
    out: &mut [MaybeUninit<T>],
) {
    if n == N {
        return rows::<T, N, ROWS, TA>(m, k, a, b, out);
    }
    let mut wide_b = vec![T::ZERO; k * N];
    for (to, from) in wide_b.chunks_exact_mut(N).zip(b.chunks_exact(n)) {
        to[..n].copy_from_slice(from);
    }
    let mut wide_c = vec![MaybeUninit::new(T::ZERO); m * N];
    rows::<T, N, ROWS, TA>(m, k, a, &wide_b, &mut wide_c);
    for (to, from) in out.chunks_exact_mut(n).zip(wide_c.chunks_exact(N)) {
        to.copy_from_slice(&from[..n]);
    }
}

/// The product with `op(B)` laid out as `k` rows of exactly `N` columns:
/// `ROWS` rows of C at a time, then the rest together. Each row of `op(B)`
/// is loaded once for all of them, and their independent chains of
/// multiply-adds hide each one's latency (4 cycles, two issued per cycle):
/// eight rows with AVX-512's 32 registers, four with AVX2's 16 (a row of
/// 16 f32 takes two there).
#[inline(always)]
fn rows<T: GemmScalar, const N: usize, const ROWS: usize, const TA: bool>(
    m: usize,
    k: usize,
    a: &[T],
    b: &[T],
    out: &mut [MaybeUninit<T>],
) {
    let mut i = 0;
    while i + ROWS <= m {
        block::<T, N, ROWS, TA>(i, m, k, a, b, out);
        i += ROWS;
    }
    match m - i {
        0 => {}
        1 => block::<T, N, 1, TA>(i, m, k, a, b, out),
        2 => block::<T, N, 2, TA>(i, m, k, a, b, out),
        3 => block::<T, N, 3, TA>(i, m, k, a, b, out),
        4 => block::<T, N, 4, TA>(i, m, k, a, b, out),
        5 => block::<T, N, 5, TA>(i, m, k, a, b, out),
        6 => block::<T, N, 6, TA>(i, m, k, a, b, out),
        _ => block::<T, N, 7, TA>(i, m, k, a, b, out),
    }
}

/// Rows `i..i + R` of C, accumulated in `R × N` registers over `k`.
#[inline(always)]
fn block<T: GemmScalar, const N: usize, const R: usize, const TA: bool>(
    i: usize,
    m: usize,
    k: usize,
    a: &[T],
    b: &[T],
    out: &mut [MaybeUninit<T>],
) {
    let mut acc = [[T::ZERO; N]; R];
    for (p, b_row) in b.chunks_exact(N).take(k).enumerate() {
        let b_row = <&[T; N]>::try_from(b_row).expect("rows of N");
        for (r, acc_row) in acc.iter_mut().enumerate() {
            // Element (i + r, p) of op(A).
            let x = if TA {
                a[p * m + i + r]
            } else {
                a[(i + r) * k + p]
            };
            for (c, &y) in acc_row.iter_mut().zip(b_row) {
                *c = x.mul_add(y, *c);
            }
        }
    }
    for (r, acc_row) in acc.iter().enumerate() {
        let row = &mut out[(i + r) * N..(i + r + 1) * N];
        for (o, &c) in row.iter_mut().zip(acc_row) {
            *o = MaybeUninit::new(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::isa::{Isa, capped, runnable};
    use proptest::prelude::*;

    /// `op(A)·op(B)` one element at a time, summing over `k` in order with
    /// one fused multiply-add per term: the kernel's rounding, exactly.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        m: usize,
        k: usize,
        n: usize,
        a: &[f64],
        ta: bool,
        b: &[f64],
        tb: bool,
    ) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).fold(0.0, |acc, p| {
                    let x = if ta { a[p * m + i] } else { a[i * k + p] };
                    let y = if tb { b[j * k + p] } else { b[p * n + j] };
                    x.mul_add(y, acc)
                });
            }
        }
        c
    }

    proptest! {
        // Under Miri, which interprets every instruction: a few cases.
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { ProptestConfig::default().cases },
            failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
            ..ProptestConfig::default()
        })]
        #[test]
        fn matches_an_in_order_fused_sum_bit_for_bit(
            batch in 1usize..3, m in 1usize..40, k in 1usize..40, n in 1usize..=MAX_COLUMNS,
            ta: bool, tb: bool, seed: u64,
        ) {
            let mut state = seed | 1;
            let mut draw = |len: usize| -> Vec<f64> {
                (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state % 2001) as f64 / 1000.0 - 1.0
                    })
                    .collect()
            };
            let (a, b) = (draw(batch * m * k), draw(batch * k * n));
            let check = |out: &[MaybeUninit<f64>]| -> Result<(), TestCaseError> {
                for i in 0..batch {
                    let want = reference(m, k, n, &a[i * m * k..], ta, &b[i * k * n..], tb);
                    let got: Vec<f64> = out[i * m * n..(i + 1) * m * n]
                        .iter()
                        // SAFETY: every element started initialised (NaN).
                        .map(|x| unsafe { x.assume_init() })
                        .collect();
                    prop_assert_eq!(got, want);
                }
                Ok(())
            };
            // Every route this CPU can run: eight rows at a time (AVX-512),
            // four (AVX2), or declined (baseline x86-64, which has no FMA).
            for isa in runnable() {
                let mut out = vec![MaybeUninit::new(f64::NAN); batch * m * n];
                let done = capped(isa, || try_products(batch, m, k, n, &a, ta, &b, tb, &mut out));
                prop_assert_eq!(done, isa >= Isa::Avx2);
                if done {
                    check(&out)?;
                }
            }
        }
    }

    #[test]
    fn wide_or_large_products_are_declined() {
        let a = vec![0.0f32; 64 * 64];
        let mut out = vec![MaybeUninit::new(0.0f32); 64 * 17];
        assert!(!try_products(1, 64, 64, 17, &a, false, &a, false, &mut out));
        // `op(B)` of 4097×16 elements, one more row than `MAX_RHS` allows.
        let (a, b) = (vec![0.0f32; 4097], vec![0.0f32; 4097 * 16]);
        let mut out = vec![MaybeUninit::new(0.0f32); 16];
        assert!(!try_products(
            1, 1, 4097, 16, &a, false, &b, false, &mut out
        ));
    }
}
