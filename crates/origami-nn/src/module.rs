//! The two traits every layer implements: [`Params`] enumerates its
//! parameters under stable dotted names (PyTorch's, so checkpoints
//! interoperate), and [`Module`] maps one recorded input to one output.

use origami_tape::{Float, Tape, Var};

use crate::activation::Activation;
use crate::param::Param;

/// Named parameters, enumerated in a fixed order.
pub trait Params<T: Float> {
    /// Every parameter with its dotted name relative to `self`.
    fn params(&self) -> Vec<(String, &Param<T>)>;

    /// The same list, mutable (optimizers, checkpoint loading).
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)>;

    /// The parameters whose names start with `prefix` (a parameter group).
    fn params_with_prefix(&self, prefix: &str) -> Vec<(String, &Param<T>)> {
        self.params()
            .into_iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .collect()
    }

    /// The number of trainable scalars.
    fn num_scalars(&self) -> usize {
        self.params().iter().map(|(_, p)| p.value().numel()).sum()
    }
}

/// A layer with one input and one output.
pub trait Module<T: Float>: Params<T> {
    /// Records the layer's computation on `tape`.
    fn forward<'t>(&self, tape: &'t Tape<T>, input: Var<'t, T>) -> Var<'t, T>;

    /// The element-wise nonlinearity this module applies, if it is one
    /// (probes read saturation from the input such a module receives).
    fn activation(&self) -> Option<Activation> {
        None
    }
}

/// Prefixes every name of `child` with `prefix.`.
pub fn prefixed<'a, T: Float>(
    prefix: &str,
    child: Vec<(String, &'a Param<T>)>,
) -> Vec<(String, &'a Param<T>)> {
    child
        .into_iter()
        .map(|(n, p)| (format!("{prefix}.{n}"), p))
        .collect()
}

/// Mutable version of [`prefixed`].
pub fn prefixed_mut<'a, T: Float>(
    prefix: &str,
    child: Vec<(String, &'a mut Param<T>)>,
) -> Vec<(String, &'a mut Param<T>)> {
    child
        .into_iter()
        .map(|(n, p)| (format!("{prefix}.{n}"), p))
        .collect()
}
