//! `Dense`: the affine layer `y = x Wᵀ + b` with PyTorch's weight layout
//! `[out, in]`, so checkpoints move between the two unchanged.

use rand::Rng;

use origami_tape::{Float, Tape, Var};

use crate::init::Init;
use crate::module::Module;
use crate::param::Param;

/// A fully connected layer.
#[derive(Clone, Debug)]
pub struct Dense<T: Float> {
    /// `[out, in]`.
    pub weight: Param<T>,
    /// `[out]`, if the layer has a bias.
    pub bias: Option<Param<T>>,
}

impl<T: Float> Dense<T> {
    /// A layer initialised like PyTorch's `nn.Linear`: weight and bias
    /// uniform in `±1/√in`.
    pub fn new(inputs: usize, outputs: usize, rng: &mut impl Rng) -> Self {
        Self::with_init(inputs, outputs, Init::PytorchDefault, 1.0, true, rng)
    }

    /// A layer with the weight drawn from `init` (with `gain`); the bias,
    /// if any, starts at zero unless `init` is `PytorchDefault`.
    pub fn with_init(
        inputs: usize,
        outputs: usize,
        init: Init,
        gain: f64,
        bias: bool,
        rng: &mut impl Rng,
    ) -> Self {
        let weight = Param::new(init.tensor(&[outputs, inputs], gain, rng));
        let bias = bias.then(|| {
            let bias_init = if init == Init::PytorchDefault {
                Init::Uniform(1.0 / (inputs.max(1) as f64).sqrt())
            } else {
                Init::Zeros
            };
            Param::new(bias_init.tensor(&[outputs], 1.0, rng))
        });
        Self { weight, bias }
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Output width.
    pub fn outputs(&self) -> usize {
        self.weight.shape()[0]
    }
}

crate::impl_params!(<T> for Dense<T> { weight, bias });

impl<T: Float> Module<T> for Dense<T> {
    /// `x Wᵀ + b` for `x` of shape `[…, in]`.
    fn forward<'t>(&self, tape: &'t Tape<T>, input: Var<'t, T>) -> Var<'t, T> {
        let y = input.matmul_t(self.weight.bind(tape), false, true);
        match &self.bias {
            Some(b) => y + b.bind(tape),
            None => y,
        }
    }
}
