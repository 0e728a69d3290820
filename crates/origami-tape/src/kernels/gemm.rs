//! Matrix multiply on row-major slices, delegated to the `gemm` crate.
//!
//! `gemm` was chosen over `matrixmultiply` after timing both on this project's
//! shapes (see the commit that introduced it); it selects AVX2 / AVX-512
//! micro-kernels at run time, so a default build runs well on any x86-64.
//! Transposed operands are passed as strides: no copy is made.

/// Element types the `gemm` crate multiplies.
pub(crate) trait GemmScalar: Copy + 'static {
    const ZERO: Self;
    const ONE: Self;
}

impl GemmScalar for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl GemmScalar for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// `C (m×n) = [C +] op(A) · op(B)`, all row-major and contiguous.
///
/// Panics if a slice is shorter than its shape says (an internal invariant:
/// callers pass tensors whose shapes were already checked).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm<T: GemmScalar>(
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
            c[..m * n].iter_mut().for_each(|x| *x = T::ZERO);
        }
        return;
    }
    // Strides (column stride, row stride) of op(A) as an m×k matrix and of
    // op(B) as a k×n matrix.
    let (a_cs, a_rs) = if ta { (m as isize, 1) } else { (1, k as isize) };
    let (b_cs, b_rs) = if tb { (k as isize, 1) } else { (1, n as isize) };
    let alpha = if accumulate { T::ONE } else { T::ZERO };
    // SAFETY: the assert above proves every index the strides reach lies
    // inside its slice: op(A) touches rows < m and columns < k of an m·k
    // buffer, op(B) rows < k and columns < n of a k·n buffer, C an m·n
    // buffer. `c` is borrowed mutably, so it aliases neither `a` nor `b`.
    // With alpha == 0, `gemm` never reads C, so stale values are harmless.
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
            alpha,
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
    use super::*;

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

    fn check<T: GemmScalar + Into<f64> + From<f32>>(m: usize, k: usize, n: usize) {
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
            let mut c = vec![T::ONE; m * n];
            gemm(m, k, n, &at, ta, &bt, tb, &mut c, false);
            for (got, want) in c.iter().zip(&want) {
                assert!(
                    ((*got).into() - want).abs() < 1e-4,
                    "{m}x{k}x{n} ta={ta} tb={tb}"
                );
            }
            gemm(m, k, n, &at, ta, &bt, tb, &mut c, true);
            for (got, want) in c.iter().zip(&want) {
                assert!(((*got).into() - 2.0 * want).abs() < 1e-4);
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
        ] {
            check::<f32>(m, k, n);
            check::<f64>(m, k, n);
        }
    }
}
