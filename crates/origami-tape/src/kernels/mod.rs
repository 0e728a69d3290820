//! Numeric kernels on contiguous slices, free of any notion of a tape.

pub(crate) mod backoff;
pub(crate) mod gemm;
pub(crate) mod isa;
pub(crate) mod math;
pub(crate) mod narrow;
pub(crate) mod threads;
pub(crate) mod transpose;
pub(crate) mod transposed_rhs;
pub(crate) mod wide;
