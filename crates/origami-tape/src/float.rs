//! The element types a tensor can hold: `f32` for training, `f64` for
//! gradient checks. [`Float`] gathers the scalar arithmetic and the slice
//! kernels (transcendentals, GEMM) that differ between the two.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::mem::MaybeUninit;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::kernels::math;

/// A floating-point element type: implemented for `f32` and `f64` only.
pub trait Float:
    Copy
    + Send
    + Sync
    + 'static
    + Debug
    + Display
    + Default
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
{
    /// The dtype name used in messages and checkpoints (`"f32"`, `"f64"`).
    const DTYPE: &'static str;
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Positive infinity.
    const INFINITY: Self;
    /// Negative infinity.
    const NEG_INFINITY: Self;

    /// Rounds an `f64` to this type (to nearest).
    fn from_f64(x: f64) -> Self;
    /// Widens (or keeps) this value as an `f64`.
    fn to_f64(self) -> f64;
    /// Converts a count, e.g. the number of elements averaged over.
    fn from_usize(n: usize) -> Self {
        Self::from_f64(n as f64)
    }

    /// e^x.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// x^p for a real exponent.
    fn powf(self, p: Self) -> Self;
    /// `ln(1 + x)`, accurate near zero.
    fn ln_1p(self) -> Self;
    /// `e^x - 1`, accurate near zero.
    fn exp_m1(self) -> Self;
    /// Sine (radians).
    fn sin(self) -> Self;
    /// Cosine (radians).
    fn cos(self) -> Self;
    /// True unless the value is NaN or infinite.
    fn is_finite(self) -> bool;
    /// True if the value is NaN.
    fn is_nan(self) -> bool;
    /// The larger value; NaN if either is NaN.
    fn max_nan(self, other: Self) -> Self {
        if self.is_nan() || other.is_nan() {
            Self::from_f64(f64::NAN)
        } else if other > self {
            other
        } else {
            self
        }
    }

    /// `dst[i] = exp(src[i])` over whole slices (vectorised where possible).
    fn exp_slice(src: &[Self], dst: &mut [Self]);
    /// `dst[i] = tanh(src[i])` over whole slices.
    fn tanh_slice(src: &[Self], dst: &mut [Self]);
    /// `dst[i] = 1 / (1 + exp(-src[i]))` over whole slices.
    fn sigmoid_slice(src: &[Self], dst: &mut [Self]);
    /// `dst[i] = ln(src[i])` over whole slices.
    fn ln_slice(src: &[Self], dst: &mut [Self]);

    /// `batch` products `op(A_i)·op(B_i)` of consecutive row-major
    /// blocks, written into `out` (`batch·m·n` elements, every one of
    /// which is written, so it may start uninitialised): `A_i` is `m×k`
    /// (or `k×m` if `ta`), `B_i` is `k×n` (or `n×k` if `tb`), each result
    /// `m×n`.
    #[allow(clippy::too_many_arguments)]
    fn matmul_uninit(
        batch: usize,
        m: usize,
        k: usize,
        n: usize,
        a: &[Self],
        ta: bool,
        b: &[Self],
        tb: bool,
        out: &mut [MaybeUninit<Self>],
    );

    /// One product `op(A)·op(B)` written into (or, with `accumulate`,
    /// added to) the `m×n` buffer `c`, on the calling thread.
    #[allow(clippy::too_many_arguments)]
    fn matmul_into(
        m: usize,
        k: usize,
        n: usize,
        a: &[Self],
        ta: bool,
        b: &[Self],
        tb: bool,
        c: &mut [Self],
        accumulate: bool,
    );
}

macro_rules! impl_float {
    ($t:ident, $name:literal) => {
        impl Float for $t {
            const DTYPE: &'static str = $name;
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const INFINITY: Self = $t::INFINITY;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;

            fn from_f64(x: f64) -> Self {
                x as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn exp(self) -> Self {
                $t::exp(self)
            }
            fn ln(self) -> Self {
                $t::ln(self)
            }
            fn tanh(self) -> Self {
                $t::tanh(self)
            }
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }
            fn abs(self) -> Self {
                $t::abs(self)
            }
            fn powf(self, p: Self) -> Self {
                $t::powf(self, p)
            }
            fn ln_1p(self) -> Self {
                $t::ln_1p(self)
            }
            fn exp_m1(self) -> Self {
                $t::exp_m1(self)
            }
            fn sin(self) -> Self {
                $t::sin(self)
            }
            fn cos(self) -> Self {
                $t::cos(self)
            }
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            fn exp_slice(src: &[Self], dst: &mut [Self]) {
                math::$t::exp(src, dst)
            }
            fn tanh_slice(src: &[Self], dst: &mut [Self]) {
                math::$t::tanh(src, dst)
            }
            fn sigmoid_slice(src: &[Self], dst: &mut [Self]) {
                math::$t::sigmoid(src, dst)
            }
            fn ln_slice(src: &[Self], dst: &mut [Self]) {
                math::$t::ln(src, dst)
            }
            fn matmul_uninit(
                batch: usize,
                m: usize,
                k: usize,
                n: usize,
                a: &[Self],
                ta: bool,
                b: &[Self],
                tb: bool,
                out: &mut [MaybeUninit<Self>],
            ) {
                crate::kernels::gemm::matmul_uninit(batch, m, k, n, a, ta, b, tb, out)
            }
            fn matmul_into(
                m: usize,
                k: usize,
                n: usize,
                a: &[Self],
                ta: bool,
                b: &[Self],
                tb: bool,
                c: &mut [Self],
                accumulate: bool,
            ) {
                crate::kernels::gemm::matmul_into(m, k, n, a, ta, b, tb, c, accumulate)
            }
        }
    };
}

impl_float!(f32, "f32");
impl_float!(f64, "f64");
