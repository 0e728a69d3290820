//! What the simple layers report about themselves and how they start:
//! `Dense`'s widths and PyTorch's bias bound, `Embedding`'s sizes,
//! `Dropout`'s probability, which modules of an `mlp` are nonlinearities,
//! fans as PyTorch counts them, and bounds that draw nothing.

use origami_nn::{Activation, Dense, Dropout, Embedding, Init, fans, mlp};
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
    let net = mlp::<f64>(
        &[3, 5, 4, 2],
        Activation::Tanh,
        Init::XavierNormal,
        &mut StdRng::seed_from_u64(1),
    );
    let tanh = Some(Activation::Tanh);
    assert_eq!(net.activations(), [None, tanh, None, tanh, None]);
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
