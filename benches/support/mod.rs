//! What every benchmark workload shares: the SplitMix64 stream that draws
//! the same data and parameters as the PyTorch/JAX reference scripts, and
//! the timing and reporting rules of the workload specification.

#![allow(dead_code)]

pub mod splitmix;
pub mod timing;
