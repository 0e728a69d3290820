//! Activations as plain functions and as modules (a `Sequential` entry).
//!
//! LeCun's scaled tanh `1.7159 · tanh(2x/3)` keeps unit variance at unit
//! input variance and has its maximum second derivative at ±1 (Efficient
//! BackProp, sec. 4.4).

use origami_tape::{Float, Tape, Var};

use crate::module::Module;

/// A parameter-free element-wise nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `tanh x`.
    Tanh,
    /// `1.7159 · tanh(2x/3)`.
    ScaledTanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x > 0`, else `slope · x`.
    LeakyRelu(f64),
    /// `ln(1 + e^x)`.
    Softplus,
    /// `x`.
    Identity,
}

impl Activation {
    /// Applies the activation to a recorded value.
    pub fn apply<'t, T: Float>(self, x: Var<'t, T>) -> Var<'t, T> {
        match self {
            Activation::Tanh => x.tanh(),
            Activation::ScaledTanh => (x * T::from_f64(2.0 / 3.0)).tanh() * T::from_f64(1.7159),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Relu => x.relu(),
            Activation::LeakyRelu(slope) => x.leaky_relu(T::from_f64(slope)),
            Activation::Softplus => x.softplus(),
            Activation::Identity => x,
        }
    }

    /// The gain PyTorch's `calculate_gain` gives for this nonlinearity.
    pub fn gain(self) -> f64 {
        match self {
            Activation::Tanh | Activation::ScaledTanh => 5.0 / 3.0,
            Activation::Relu => 2f64.sqrt(),
            Activation::LeakyRelu(s) => (2.0 / (1.0 + s * s)).sqrt(),
            Activation::Sigmoid | Activation::Softplus | Activation::Identity => 1.0,
        }
    }
}

crate::impl_params!(<T> for Activation {});

impl<T: Float> Module<T> for Activation {
    fn forward<'t>(&self, _tape: &'t Tape<T>, input: Var<'t, T>) -> Var<'t, T> {
        self.apply(input)
    }
    fn activation(&self) -> Option<Activation> {
        Some(*self)
    }
}
