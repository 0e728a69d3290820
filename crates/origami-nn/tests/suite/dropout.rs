//! Dropout keeps each element with probability `1 - p`, scales survivors
//! so the mean is unchanged, and refuses impossible probabilities.

use origami_nn::Dropout;
use origami_tape::{Tape, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn survivors_are_scaled_and_counted_as_a_binomial() {
    let n = 100_000;
    for p in [0.1, 0.3, 0.7] {
        let tape = Tape::new();
        let x = tape.var(Tensor::<f64>::linspace(1.0, 2.0, n));
        let y = Dropout::new(p)
            .unwrap()
            .train(x, &mut StdRng::seed_from_u64(5));
        let (xs, ys) = (x.value(), y.value());
        let mut kept = 0;
        for (&a, &b) in xs.data().iter().zip(ys.data()) {
            if b != 0.0 {
                kept += 1;
                assert!((b - a / (1.0 - p)).abs() < 1e-12);
            }
        }
        let mean = n as f64 * (1.0 - p);
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!((kept as f64 - mean).abs() < 5.0 * sd, "p {p}: kept {kept}");
        let g = tape.grad(&[y.sum_all()], &[x], false)[0].value();
        for (&gx, &b) in g.data().iter().zip(ys.data()) {
            assert_eq!(gx, if b == 0.0 { 0.0 } else { 1.0 / (1.0 - p) });
        }
    }
}

#[test]
fn zero_probability_is_the_identity_and_bad_ones_are_errors() {
    let tape = Tape::new();
    let x = tape.var(Tensor::<f32>::ones(&[3]));
    let y = Dropout::new(0.0)
        .unwrap()
        .train(x, &mut StdRng::seed_from_u64(0));
    assert_eq!(y.value(), x.value());
    for p in [1.0, -0.1, f64::NAN, 2.0] {
        let err = Dropout::new(p).unwrap_err().to_string();
        assert!(err.contains("is not in [0, 1)"), "{err}");
    }
}
