//! Every activation against its formula at a few points, as a function
//! and as a module, and the gains PyTorch's `calculate_gain` gives.

use origami_nn::{Activation, Module};
use origami_tape::{Tape, Tensor};

/// The value an activation should give at a point.
type Formula = fn(f64) -> f64;

#[test]
fn activations_are_their_formulas() {
    let xs = [-2.5, -1.0, -0.25, 0.0, 0.5, 3.0];
    let cases: [(Activation, Formula); 7] = [
        (Activation::Tanh, f64::tanh),
        (Activation::ScaledTanh, |x| 1.7159 * (2.0 * x / 3.0).tanh()),
        (Activation::Sigmoid, |x| 1.0 / (1.0 + (-x).exp())),
        (Activation::Relu, |x| x.max(0.0)),
        (Activation::LeakyRelu(0.1), |x| {
            if x > 0.0 { x } else { 0.1 * x }
        }),
        (Activation::Softplus, |x| (1.0 + x.exp()).ln()),
        (Activation::Identity, |x| x),
    ];
    for (activation, formula) in cases {
        let tape = Tape::<f64>::new();
        let x = tape.constant(Tensor::from_vec(&[xs.len()], xs.to_vec()).unwrap());
        let by_function = activation.apply(x).value();
        let by_module = activation.forward(&tape, x).value();
        for (k, &v) in xs.iter().enumerate() {
            let want = formula(v);
            let got = [by_function.data()[k], by_module.data()[k]];
            for g in got {
                assert!(
                    (g - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "{activation:?}({v}) = {g}, want {want}"
                );
            }
        }
    }
}

#[test]
fn gains_are_pytorchs() {
    let cases = [
        (Activation::Tanh, 5.0 / 3.0),
        (Activation::ScaledTanh, 5.0 / 3.0),
        (Activation::Relu, 2f64.sqrt()),
        (Activation::LeakyRelu(0.2), (2.0 / 1.04f64).sqrt()),
        (Activation::Sigmoid, 1.0),
        (Activation::Softplus, 1.0),
        (Activation::Identity, 1.0),
    ];
    for (activation, want) in cases {
        assert!((activation.gain() - want).abs() < 1e-15, "{activation:?}");
    }
}
