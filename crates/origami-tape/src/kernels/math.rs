//! Transcendental functions over whole slices: exp, ln, tanh, sigmoid.
//!
//! These are the hot loops of recurrent nets (an RNN step is mostly tanh).
//! This first version calls the standard library per element.

macro_rules! slice_kernels {
    ($t:ident) => {
        pub(crate) mod $t {
            pub(crate) fn exp(src: &[$t], dst: &mut [$t]) {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = s.exp();
                }
            }
            pub(crate) fn ln(src: &[$t], dst: &mut [$t]) {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = s.ln();
                }
            }
            pub(crate) fn tanh(src: &[$t], dst: &mut [$t]) {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = s.tanh();
                }
            }
            pub(crate) fn sigmoid(src: &[$t], dst: &mut [$t]) {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = 1.0 / (1.0 + (-s).exp());
                }
            }
        }
    };
}

slice_kernels!(f32);
slice_kernels!(f64);
