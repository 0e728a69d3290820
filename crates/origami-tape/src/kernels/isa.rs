//! Which instruction set the vectorised kernels run: the widest this CPU
//! supports, detected at run time (the crate itself is compiled for
//! baseline x86-64).
//!
//! One function decides for every kernel, so they all take the same route,
//! and the kernels' unit tests can lower it (`capped`) to run the
//! narrower routes on a machine that has the wider ones: an AVX-512 test
//! machine checks the AVX2 code too. (A machine without AVX-512 cannot
//! check the AVX-512 route.)

/// Instruction sets the kernels are compiled for, narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Isa {
    /// Baseline x86-64 (128-bit vectors), and every other target.
    Baseline,
    /// AVX2 with FMA (256-bit vectors).
    Avx2,
    /// AVX-512 F and VL, with AVX2 and FMA (512-bit vectors).
    Avx512,
}

/// The instruction set to run: never wider than the CPU supports, so a
/// function compiled for it (`#[target_feature]`) may be called.
pub(crate) fn isa() -> Isa {
    detected().min(cap())
}

/// The widest instruction set this CPU supports.
fn detected() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as has;
        let avx2 = has!("avx2") && has!("fma");
        if avx2 && has!("avx512f") && has!("avx512vl") {
            return Isa::Avx512;
        }
        if avx2 {
            return Isa::Avx2;
        }
    }
    Isa::Baseline
}

#[cfg(test)]
thread_local! {
    static CAP: std::cell::Cell<Isa> = const { std::cell::Cell::new(Isa::Avx512) };
}

/// The widest instruction set allowed: every one outside the tests.
fn cap() -> Isa {
    #[cfg(test)]
    return CAP.get();
    #[cfg(not(test))]
    Isa::Avx512
}

/// Runs `body` with this thread's kernels held to `cap` or narrower.
#[cfg(test)]
pub(crate) fn capped<R>(cap: Isa, body: impl FnOnce() -> R) -> R {
    let before = CAP.replace(cap);
    let result = body();
    CAP.set(before);
    result
}

/// Every instruction set this CPU can run, narrowest first.
#[cfg(test)]
pub(crate) fn runnable() -> Vec<Isa> {
    [Isa::Baseline, Isa::Avx2, Isa::Avx512]
        .into_iter()
        .filter(|&isa| isa <= detected())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_lowers_the_route_on_this_thread_only() {
        let widest = isa();
        assert_eq!(runnable().last(), Some(&widest));
        capped(Isa::Baseline, || {
            assert_eq!(isa(), Isa::Baseline);
            let other = std::thread::spawn(isa).join().expect("no panic");
            assert_eq!(other, widest);
        });
        assert_eq!(isa(), widest);
    }
}
