//! Element-wise loops at the widest vector width the CPU has.
//!
//! The crate is compiled for baseline x86-64, whose vectors are 128 bits
//! wide; on an AVX-512 machine a plain Rust loop therefore runs at a
//! quarter of the width it could. [`widest`] runs a closure inside a
//! function compiled for AVX-512 (or AVX2), chosen at run time by
//! [`isa`](super::isa::isa), so the loops in the closure, once inlined
//! there, are vectorised for it. No FMA contraction or reassociation is
//! enabled by this, so every path gives bit-identical results (the tests
//! below check each width this CPU can run).

/// Runs `body` compiled for the widest instruction set this CPU supports
/// (AVX-512, AVX2, or the baseline), so that element-wise loops inlined
/// into it are vectorised at that width; the results are bit-identical at
/// every width. Mark the closure `#[inline(always)]` if it calls helpers.
///
/// ```
/// let (x, y) = (vec![1.0f32; 1000], vec![2.0f32; 1000]);
/// let sum: Vec<f32> = origami_tape::widest(|| x.iter().zip(&y).map(|(a, b)| a + b).collect());
/// assert!(sum.iter().all(|&s| s == 3.0));
/// ```
#[inline(always)]
pub fn widest<R>(body: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx512vl,avx2")]
        fn wide512<R>(body: impl FnOnce() -> R) -> R {
            body()
        }
        #[target_feature(enable = "avx2")]
        fn wide256<R>(body: impl FnOnce() -> R) -> R {
            body()
        }
        match super::isa::isa() {
            // SAFETY: `isa` never names more than the CPU supports, and
            // that support is the only requirement of a `target_feature`
            // function.
            super::isa::Isa::Avx512 => return unsafe { wide512(body) },
            // SAFETY: as above.
            super::isa::Isa::Avx2 => return unsafe { wide256(body) },
            super::isa::Isa::Baseline => {}
        }
    }
    body()
}

/// `$kernel($args)` compiled for the widest instruction set this CPU
/// supports, like [`widest`], for kernels over several slices: the
/// arguments (of type `$args_type`, generic over `T: Float`) are passed
/// into the feature-enabled function and `$kernel` (`#[inline(always)]`)
/// is inlined there, so the compiler knows the slices apart and emits
/// vector code, which a loop over slices split inside one closure did not
/// get (the LSTM backward stayed scalar, even through a generic caller).
macro_rules! widest_kernel {
    ($kernel:ident::<$t:ty>, $args_type:ty, $args:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,avx512vl,avx2")]
            fn wide512<T: $crate::float::Float>(args: $args_type) {
                $kernel(args)
            }
            #[target_feature(enable = "avx2")]
            fn wide256<T: $crate::float::Float>(args: $args_type) {
                $kernel(args)
            }
            match $crate::kernels::isa::isa() {
                // SAFETY: `isa` never names more than the CPU supports,
                // the only requirement of a `target_feature` function.
                $crate::kernels::isa::Isa::Avx512 => unsafe { wide512::<$t>($args) },
                // SAFETY: as above.
                $crate::kernels::isa::Isa::Avx2 => unsafe { wide256::<$t>($args) },
                $crate::kernels::isa::Isa::Baseline => $kernel::<$t>($args),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        $kernel::<$t>($args)
    }};
}
pub(crate) use widest_kernel;

#[cfg(test)]
mod tests {
    use super::widest;
    use crate::float::Float;
    use crate::kernels::isa::{capped, runnable};

    #[test]
    fn every_width_rounds_like_the_plain_loop() {
        let a: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.11).cos() * 3.0).collect();
        // A multiply-add (no FMA contraction) and a running sum (no
        // reassociation) must round exactly as on the baseline path.
        let body = || {
            let ys: Vec<f32> = a.iter().zip(&b).map(|(&x, &y)| x * y + x).collect();
            let total = ys.iter().fold(0.0f32, |s, &y| s + y);
            ys.iter()
                .map(|y| y.to_bits())
                .chain([total.to_bits()])
                .collect::<Vec<u32>>()
        };
        for isa in runnable() {
            assert_eq!(capped(isa, || widest(body)), body(), "{isa:?}");
        }
    }

    /// `y ← x·y + x` over two slices, in the shape `widest_kernel!` takes.
    #[inline(always)]
    fn multiply_add<T: Float>((xs, ys): (&[T], &mut [T])) {
        for (y, &x) in ys.iter_mut().zip(xs) {
            *y = x * *y + x;
        }
    }

    #[test]
    fn every_width_of_a_kernel_rounds_like_the_plain_loop() {
        let xs: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let start: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.11).cos() * 3.0).collect();
        let mut want = start.clone();
        multiply_add::<f32>((&xs, &mut want));
        for isa in runnable() {
            let mut ys = start.clone();
            capped(isa, || {
                widest_kernel!(multiply_add::<f32>, (&[T], &mut [T]), (&xs, &mut ys))
            });
            let bits = |v: &[f32]| v.iter().map(|y| y.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&ys), bits(&want), "{isa:?}");
        }
    }
}
