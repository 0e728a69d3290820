//! What the simple layers report about themselves and how they start:
//! `Dense`'s widths and PyTorch's bias bound, `Embedding`'s sizes,
//! `Dropout`'s probability, which modules of an `mlp` are nonlinearities
//! and how its gain scales the init, what `Sequential` reports and keeps,
//! fans as PyTorch counts them, and bounds that draw nothing.

use origami_nn::{
    Activation, Dense, Dropout, Embedding, Init, Module, Params, Sequential, fans, mlp,
};
use origami_tape::{Tape, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn dense_reports_its_widths_and_starts_like_pytorch() {
    let mut rng = StdRng::seed_from_u64(7);
    let layer = Dense::<f64>::new(100, 300, &mut rng);
    assert_eq!((layer.inputs(), layer.outputs()), (100, 300));
    assert_eq!(layer.weight.shape(), &[300, 100]);
    // nn.Linear: weight and bias uniform in ±1/√in = ±0.1; 300 draws
    // come within 0.01 of the bound.
    let bias = layer.bias.as_ref().expect("a bias").value().data().to_vec();
    let largest = bias.iter().fold(0.0f64, |m, &b| m.max(b.abs()));
    assert!(largest <= 0.1 && largest > 0.09, "largest |bias| {largest}");
    // Other initialisations start the bias at zero.
    let xavier = Dense::<f64>::with_init(100, 300, Init::XavierNormal, 1.0, true, &mut rng);
    let zero_bias = xavier.bias.as_ref().expect("a bias").value();
    assert!(zero_bias.data().iter().all(|&b| b == 0.0));
    let no_bias = Dense::<f64>::with_init(4, 2, Init::PytorchDefault, 1.0, false, &mut rng);
    assert!(no_bias.bias.is_none());
}

#[test]
fn dropout_reports_its_probability() {
    for p in [0.0, 0.25, 0.5] {
        assert_eq!(Dropout::new(p).unwrap().p(), p);
    }
}

#[test]
fn an_mlp_names_its_nonlinearities_in_order() {
    let tanh = Some(Activation::Tanh);
    let cases: [(&[usize], &[Option<Activation>]); 4] = [
        (&[3, 2], &[None]),
        (&[3, 5, 2], &[None, tanh, None]),
        (&[3, 5, 4, 2], &[None, tanh, None, tanh, None]),
        (
            &[3, 5, 4, 4, 4, 2],
            &[None, tanh, None, tanh, None, tanh, None, tanh, None],
        ),
    ];
    for (widths, want) in cases {
        let net = mlp::<f64>(
            widths,
            Activation::Tanh,
            Init::XavierNormal,
            &mut StdRng::seed_from_u64(1),
        );
        assert_eq!(net.activations(), want, "{widths:?}");
        assert_eq!(net.len(), want.len(), "{widths:?}");
        assert!(!net.is_empty());
    }
    assert!(Sequential::<f64>::new().is_empty());
    assert_eq!(Sequential::<f64>::new().len(), 0);
}

#[test]
fn an_mlp_scales_its_init_by_the_nonlinearitys_gain_except_lecuns() {
    // 400 inputs: std = gain / 20; 160,000 draws estimate it within 1%.
    let spread = |activation: Activation, init: Init| {
        let net = mlp::<f64>(
            &[400, 400, 1],
            activation,
            init,
            &mut StdRng::seed_from_u64(2),
        );
        let first = net
            .params()
            .into_iter()
            .find(|(n, _)| n == "0.weight")
            .unwrap()
            .1;
        let w = first.value().data().to_vec();
        (w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64).sqrt()
    };
    let cases = [
        (Activation::Relu, Init::KaimingNormal, 2f64.sqrt() / 20.0),
        (Activation::Tanh, Init::XavierNormal, 5.0 / 3.0 / 20.0),
        // LeCun normal (SELU's init) ignores the gain.
        (Activation::Tanh, Init::LecunNormal, 1.0 / 20.0),
        (Activation::Relu, Init::LecunNormal, 1.0 / 20.0),
    ];
    for (activation, init, want) in cases {
        let got = spread(activation, init);
        assert!(
            (got / want - 1.0).abs() < 0.01,
            "{activation:?} {init:?}: std {got}, want {want}"
        );
    }
}

#[test]
fn forward_all_keeps_every_modules_output() {
    let net = mlp::<f64>(
        &[3, 4, 2],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(3),
    );
    let tape = Tape::new();
    let x = tape.constant(Tensor::from_vec(&[2, 3], vec![0.5, -1.0, 2.0, 0.1, 0.2, -0.3]).unwrap());
    let outs = net.forward_all(&tape, x);
    assert_eq!(outs.len(), 3);
    assert_eq!(outs[1].value(), outs[0].tanh().value());
    assert_eq!(outs[0].shape()[..], [2, 4]);
    assert_eq!(outs[2].value(), net.forward(&tape, x).value());
}

#[test]
fn embedding_reports_its_sizes() {
    let table = Embedding::<f32>::new(11, 4, &mut StdRng::seed_from_u64(3));
    assert_eq!((table.vocab(), table.dim()), (11, 4));
}

/// PyTorch's `_calculate_fan_in_and_fan_out`: `[out, in, k…]` gives
/// `in·Πk` and `out·Πk`.
#[test]
fn fans_count_the_receptive_field() {
    assert_eq!(fans(&[8, 3, 2, 5]), (30, 80));
    assert_eq!(fans(&[6, 2]), (2, 6));
    assert_eq!(fans(&[4]), (4, 4));
    assert_eq!(fans(&[]), (1, 1));
}

/// A zero or infinite bound (an empty fan, a gain of zero) draws zeros
/// instead of failing inside the distribution.
#[test]
fn degenerate_uniform_bounds_draw_zeros() {
    let mut rng = StdRng::seed_from_u64(5);
    for bound in [0.0, f64::INFINITY, f64::NAN] {
        let t = Init::Uniform(bound).tensor::<f64>(&[3, 2], 1.0, &mut rng);
        assert!(t.data().iter().all(|&v| v == 0.0), "bound {bound}");
    }
}
