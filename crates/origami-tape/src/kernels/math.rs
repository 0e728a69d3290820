//! Transcendental functions over whole slices: exp, ln, tanh, sigmoid.
//!
//! These are the hot loops of recurrent nets (an RNN step is mostly tanh),
//! and a libm call per element costs ~20 ns. The f32 kernels here are
//! branch-free scalar code that the compiler vectorises; each slice loop is
//! compiled three times (baseline x86-64, AVX2, AVX-512) and the widest the
//! CPU supports is picked at run time. No FMA contraction is used, so all
//! three give bit-identical results. f64 (used for gradient checks) calls
//! the standard library.
//!
//! Accuracy, measured by `tests::f32_error_bounds` against f64 references
//! over a sweep of every 509th f32 bit pattern:
//! exp 1.17 ulp, ln 1.86, tanh 2.49, sigmoid 2.12 (worst relative error in
//! units of the last place of the correctly rounded f32 result; the test
//! asserts 1.5, 2, 2.5, 2.5).
//! ±inf, NaN, overflow and underflow follow the standard library.
//!
//! The algorithms use exact Taylor coefficients, no fitted constants:
//! * `exp x = 2^n · e^r`, `n = round(x / ln 2)`, `|r| ≤ ln2 / 2` (with
//!   `ln 2` split in two for an exact reduction), `e^r` by its Taylor
//!   series to `r⁷` (truncation `< 6e-9`). `2^n` is applied as two
//!   factors so subnormal results come out right.
//! * `ln x = e · ln 2 + 2 atanh(s)`, `x = m · 2^e`, `m ∈ [√½, √2)`,
//!   `s = (m - 1)/(m + 1)`, `|s| < 0.172`, series to `s⁹` (the next
//!   term, `2s¹¹/11 < 7e-10`, changes no result of the sweep below).
//! * `tanh |x| = -u/(2 + u)` with `u = e^(-2|x|) - 1` from the same
//!   reduction and the Taylor series of `e^r - 1` (no cancellation near 0);
//!   the sign restored afterwards.
//! * `sigmoid x = 1/(1 + e)` for `x ≥ 0` and `e/(1 + e)` for `x < 0`, with
//!   `e = e^(-|x|) ≤ 1`, so nothing overflows.

// ln 2 = LN2_HI + LN2_LO; LN2_HI has 8 trailing zero bits, so n·LN2_HI is
// exact for |n| < 2^8 and reductions by it lose nothing.
const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;

/// `x = n·ln 2 + r` with integer `n` and `|r| ≤ ln 2 / 2`, for
/// `|x| < 2^8 · ln 2`: returns `(r, n)`.
#[inline(always)]
fn reduce_ln2(x: f32) -> (f32, i32) {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let n_int = shifted.to_bits() as i32 - 0x4B40_0000;
    ((x - n * LN2_HI) - n * LN2_LO, n_int)
}

/// `e^x` for one f32, branch-free.
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    let (r, n_int) = reduce_ln2(x.clamp(-104.0, 89.0));
    let p = 1.0 / 5040.0;
    let p = p * r + 1.0 / 720.0;
    let p = p * r + 1.0 / 120.0;
    let p = p * r + 1.0 / 24.0;
    let p = p * r + 1.0 / 6.0;
    let p = p * r + 0.5;
    let p = p * r + 1.0;
    let p = p * r + 1.0;
    // 2^n as two normal factors: n ∈ [-150, 129] splits into halves in range.
    let half = n_int >> 1;
    let scale1 = f32::from_bits(((half + 127) << 23) as u32);
    let scale2 = f32::from_bits(((n_int - half + 127) << 23) as u32);
    // Past e^88.72… the product overflows to inf, below e^-103.97… it
    // rounds to 0, and the clamp keeps it there for larger |x|
    // (`tests::exp_overflows_and_underflows_where_std_does`).
    p * scale1 * scale2
}

/// Natural logarithm of one f32, branch-free.
#[inline(always)]
fn ln_f32(x: f32) -> f32 {
    // Subnormals: scale up by 2^23 first.
    let subnormal = x < f32::MIN_POSITIVE;
    let xs = if subnormal { x * 8_388_608.0 } else { x };
    let bits = xs.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 - if subnormal { 23 } else { 0 };
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    e += big as i32;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let p = 1.0 / 9.0;
    let p = p * z + 1.0 / 7.0;
    let p = p * z + 1.0 / 5.0;
    let p = p * z + 1.0 / 3.0;
    let log_m = 2.0 * s + 2.0 * s * z * p;
    let ef = e as f32;
    let y = ef * LN2_HI + (log_m + ef * LN2_LO);
    if x == 0.0 {
        f32::NEG_INFINITY
    } else if x < 0.0 || x.is_nan() {
        f32::NAN
    } else if x == f32::INFINITY {
        f32::INFINITY
    } else {
        y
    }
}

/// `e^x - 1` for one f32 with `-30 ≤ x ≤ 0`, accurate near 0.
#[inline(always)]
fn expm1_nonpositive_f32(x: f32) -> f32 {
    let (r, n_int) = reduce_ln2(x);
    // e^r - 1 = r (1 + r/2 + r²/6 + … + r⁷/8!), truncation < 3e-10.
    let q = 1.0 / 40_320.0;
    let q = q * r + 1.0 / 5040.0;
    let q = q * r + 1.0 / 720.0;
    let q = q * r + 1.0 / 120.0;
    let q = q * r + 1.0 / 24.0;
    let q = q * r + 1.0 / 6.0;
    let q = q * r + 0.5;
    let q = q * r + 1.0;
    let q = q * r;
    // n ∈ [-44, 0], so 2^n is a normal f32 and 2^n - 1 is exact.
    let scale = f32::from_bits(((n_int + 127) << 23) as u32);
    scale * q + (scale - 1.0)
}

/// Hyperbolic tangent of one f32, branch-free.
#[inline(always)]
fn tanh_f32(x: f32) -> f32 {
    // tanh |x| = -u / (2 + u) with u = e^(-2|x|) - 1; past |x| = 15 the
    // result is 1 to f32 precision, so the argument is clamped there.
    let u = expm1_nonpositive_f32((-2.0 * x.abs()).max(-30.0));
    // u ≤ 0, so |tanh x| = |u| / (2 + u): `copysign` takes the magnitude.
    let y = u / (2.0 + u);
    if x.is_nan() { x } else { y.copysign(x) }
}

/// Logistic sigmoid of one f32, branch-free.
#[inline(always)]
fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    let y = if x < 0.0 {
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + e)
    };
    if x.is_nan() { x } else { y }
}

/// Defines a slice kernel that dispatches at run time to the widest
/// instruction set available.
macro_rules! dispatched {
    ($name:ident, $scalar:ident) => {
        pub(crate) fn $name(src: &[f32], dst: &mut [f32]) {
            #[inline(always)]
            fn body(src: &[f32], dst: &mut [f32]) {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = $scalar(s);
                }
            }
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn wide512(src: &[f32], dst: &mut [f32]) {
                    body(src, dst)
                }
                #[target_feature(enable = "avx2")]
                fn wide256(src: &[f32], dst: &mut [f32]) {
                    body(src, dst)
                }
                match $crate::kernels::isa::isa() {
                    // SAFETY: `isa` never names more than the CPU supports,
                    // the only requirement of a `target_feature` function.
                    $crate::kernels::isa::Isa::Avx512 => return unsafe { wide512(src, dst) },
                    // SAFETY: as above.
                    $crate::kernels::isa::Isa::Avx2 => return unsafe { wide256(src, dst) },
                    $crate::kernels::isa::Isa::Baseline => {}
                }
            }
            body(src, dst)
        }
    };
}

pub(crate) mod f32 {
    use super::{exp_f32, ln_f32, sigmoid_f32, tanh_f32};

    dispatched!(exp, exp_f32);
    dispatched!(ln, ln_f32);
    dispatched!(tanh, tanh_f32);
    dispatched!(sigmoid, sigmoid_f32);
}

pub(crate) mod f64 {
    pub(crate) fn exp(src: &[f64], dst: &mut [f64]) {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s.exp());
    }
    pub(crate) fn ln(src: &[f64], dst: &mut [f64]) {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s.ln());
    }
    pub(crate) fn tanh(src: &[f64], dst: &mut [f64]) {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s.tanh());
    }
    pub(crate) fn sigmoid(src: &[f64], dst: &mut [f64]) {
        dst.iter_mut().zip(src).for_each(|(d, &s)| {
            let e = (-s.abs()).exp();
            *d = if s < 0.0 {
                e / (1.0 + e)
            } else {
                1.0 / (1.0 + e)
            };
        });
    }
}

/// A slice kernel, as the tests see it.
#[cfg(test)]
type Kernel = fn(&[f32], &mut [f32]);

#[cfg(test)]
mod tests {
    use super::Kernel;
    use crate::kernels::isa::{Isa, capped, runnable};

    /// Error of `got` in units of the last place of `want` rounded to f32.
    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        if got == w || (got.is_nan() && want.is_nan()) {
            return 0.0;
        }
        if !w.is_finite() || !got.is_finite() {
            return f64::INFINITY;
        }
        let ulp = (f32::from_bits(w.abs().to_bits() + 1) - w.abs()) as f64;
        (got as f64 - want).abs() / ulp
    }

    /// Bit-pattern step of the sweep (a prime, so every exponent and many
    /// mantissas are visited: 8.4 million inputs; about 1,600 under Miri,
    /// which interprets every instruction).
    const STRIDE: usize = if cfg!(miri) { 2_654_441 } else { 509 };

    /// Worst error over every `stride`-th positive and negative f32 whose
    /// reference is finite and `domain` accepts.
    fn worst(kernel: Kernel, reference: fn(f64) -> f64, domain: fn(f32) -> bool) -> (f64, f32) {
        let xs: Vec<f32> = (0..0x7f80_0000u32)
            .step_by(STRIDE)
            .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
            .filter(|&x| domain(x))
            .collect();
        let mut ys = vec![0.0; xs.len()];
        kernel(&xs, &mut ys);
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| (ulps(y, reference(x as f64)), x))
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
    }

    #[test]
    fn f32_error_bounds() {
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        type Case = (&'static str, Kernel, fn(f64) -> f64, fn(f32) -> bool, f64);
        let cases: [Case; 4] = [
            ("exp", super::f32::exp, f64::exp, |_| true, 1.5),
            ("ln", super::f32::ln, f64::ln, |x| x > 0.0, 2.0),
            ("tanh", super::f32::tanh, f64::tanh, |_| true, 2.5),
            ("sigmoid", super::f32::sigmoid, sigmoid, |_| true, 2.5),
        ];
        for (name, kernel, reference, domain, bound) in cases {
            let (err, at) = worst(kernel, reference, domain);
            println!("{name}: worst {err:.3} ulp at x = {at:e}");
            assert!(
                err <= bound,
                "{name}: {err:.2} ulp at x = {at:e} (bound {bound})"
            );
        }
    }

    #[test]
    fn every_width_gives_the_same_bits() {
        let xs: Vec<f32> = (0..u32::MAX)
            .step_by(if cfg!(miri) { 16_777_259 } else { 65_537 })
            .map(f32::from_bits)
            .chain([0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN])
            .collect();
        let kernels: [Kernel; 4] = [
            super::f32::exp,
            super::f32::ln,
            super::f32::tanh,
            super::f32::sigmoid,
        ];
        for kernel in kernels {
            let run = |isa| {
                let mut ys = vec![0.0; xs.len()];
                capped(isa, || kernel(&xs, &mut ys));
                ys.iter().map(|y| y.to_bits()).collect::<Vec<u32>>()
            };
            let baseline = run(Isa::Baseline);
            for isa in runnable() {
                assert_eq!(run(isa), baseline, "{isa:?}");
            }
        }
    }

    #[test]
    fn exp_overflows_and_underflows_where_std_does() {
        // Every f32 around both edges (a sample under Miri): inf exactly
        // where e^x rounds past f32::MAX, 0 where it rounds to 0, and
        // within the sweep's bound between (subnormal results included).
        let step = if cfg!(miri) { 4099 } else { 1 };
        let edges = [(88.0f32, 89.0f32), (-105.0, -86.0)];
        for (lo, hi) in edges {
            let xs: Vec<f32> = (lo.to_bits().min(hi.to_bits())..=lo.to_bits().max(hi.to_bits()))
                .step_by(step)
                .map(f32::from_bits)
                .collect();
            let mut ys = vec![0.0; xs.len()];
            super::f32::exp(&xs, &mut ys);
            for (&x, &y) in xs.iter().zip(&ys) {
                let want = (x as f64).exp();
                match want as f32 {
                    w if w.is_infinite() || w == 0.0 => assert_eq!(y, w, "exp({x:e})"),
                    w if w < f32::MIN_POSITIVE => {
                        // A subnormal result has fewer bits: one of them off at most.
                        assert!(
                            (y - w).abs() <= f32::from_bits(1),
                            "exp({x:e}) = {y:e}, want {w:e}"
                        )
                    }
                    _ => assert!(ulps(y, want) <= 1.5, "exp({x:e}) = {y:e}, want {want:e}"),
                }
            }
        }
    }

    #[test]
    fn special_values_follow_std() {
        let specials = [
            0.0f32,
            -0.0,
            1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            100.0,
            -100.0,
            88.7,
            -103.9,
            1e-40,
            f32::MAX,
            f32::MIN,
        ];
        type Case = (&'static str, Kernel, fn(f32) -> f32);
        let kernels: [Case; 4] = [
            ("exp", super::f32::exp, f32::exp),
            ("ln", super::f32::ln, f32::ln),
            ("tanh", super::f32::tanh, f32::tanh),
            ("sigmoid", super::f32::sigmoid, |x| {
                (1.0 / (1.0 + (-x as f64).exp())) as f32
            }),
        ];
        for (name, kernel, reference) in kernels {
            let mut out = [0.0; 13];
            kernel(&specials, &mut out);
            for (&x, &y) in specials.iter().zip(&out) {
                let want = reference(x);
                let same = (y.is_nan() && want.is_nan())
                    || y == want
                    || (want.is_finite() && ((y - want) / want).abs() < 1e-6);
                assert!(same, "{name}({x}) = {y}, std gives {want}");
            }
        }
    }
}
