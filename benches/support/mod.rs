//! What every benchmark workload shares: the SplitMix64 stream that draws
//! the same data and parameters as the PyTorch/JAX reference scripts, the
//! timing and reporting rules of the workload specification, and binding
//! a workload's parameter list onto a tape.

#![allow(dead_code)]

pub mod splitmix;
pub mod timing;

use origami::prelude::*;

/// Binds `params[i]` as parameter `i` of `tape`.
pub fn bind_params<'t>(tape: &'t Tape<f32>, params: &[Tensor<f32>]) -> Vec<Var<'t, f32>> {
    params
        .iter()
        .enumerate()
        .map(|(i, t)| tape.param(i, t))
        .collect()
}

/// A 2-D tensor transposed (drawn in the specification's layout, stored
/// in PyTorch's).
pub fn transposed(t: Tensor<f32>) -> Tensor<f32> {
    Tape::new().constant(t).transpose(0, 1).value()
}
