//! `elman_scan` against its definition: the same states and gradients as
//! the step-by-step unroll (`matmul`, `+`, `tanh`/`relu`, `where` for ended
//! sequences), eager and recorded gradients agreeing, and the messages its
//! shape errors carry. (Its derivatives against central differences are
//! rows of `op_spec.rs`.)

use std::sync::Arc;

use origami_tape::{ElmanScan, Nonlinearity, Tape, Tensor, check_close};
use proptest::prelude::*;

use crate::support;

use support::elman::unrolled;

fn arb_case() -> impl Strategy<Value = (Vec<Tensor<f64>>, ElmanScan)> {
    (
        1usize..=6,
        1usize..=4,
        1usize..=5,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(steps, batch, hidden, relu, transposed, ragged, sorted)| {
            let values = |n: usize| prop::collection::vec(-1.5f64..1.5, n);
            let lengths = prop::collection::vec(0usize..=steps, batch);
            (
                values(steps * batch * hidden),
                values(batch * hidden),
                values(hidden * hidden),
                lengths,
            )
                .prop_map(move |(z, h0, w, mut lengths)| {
                    // Sometimes longest first, as packed sequences are.
                    if sorted {
                        lengths.sort_unstable_by(|a, b| b.cmp(a));
                    }
                    let inputs = vec![
                        Tensor::from_vec(&[steps, batch, hidden], z).unwrap(),
                        Tensor::from_vec(&[batch, hidden], h0).unwrap(),
                        Tensor::from_vec(&[hidden, hidden], w).unwrap(),
                    ];
                    let mut scan = ElmanScan::new(if relu {
                        Nonlinearity::Relu
                    } else {
                        Nonlinearity::Tanh
                    });
                    scan.transpose_weight = transposed;
                    scan.lengths = ragged.then(|| Arc::from(lengths));
                    (inputs, scan)
                })
        })
}

fn close(a: &Tensor<f64>, b: &Tensor<f64>, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.shape(), b.shape(), "{}", what);
    check_close(a.data(), b.data(), 1e-12).map_err(|e| TestCaseError::fail(format!("{what}{e}")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn scan_equals_the_unroll_in_value_and_gradient((inputs, scan) in arb_case()) {
        let tape = Tape::new();
        let v: Vec<_> = inputs.iter().map(|x| tape.var(x.clone())).collect();
        let fused = v[0].elman_scan(v[1], v[2], &scan);
        let reference = unrolled(v[0], v[1], v[2], &scan);
        close(&fused.value(), &reference.value(), "states")?;
        // A weighted sum, so every step's state reaches the loss.
        let n = fused.value().numel();
        let weights = tape.constant(Tensor::from_vec(fused.value().shape(), (0..n).map(|i| (i % 7) as f64 - 3.0).collect()).unwrap());
        let (fused_loss, reference_loss) = ((fused * weights).sum_all(), (reference * weights).sum_all());
        let eager = tape.grad(&[fused_loss], &v, false);
        let recorded = tape.grad(&[fused_loss], &v, true);
        let wanted = tape.grad(&[reference_loss], &v, false);
        for (k, name) in ["dz", "dh0", "dW"].iter().enumerate() {
            close(&eager[k].value(), &wanted[k].value(), name)?;
            close(&recorded[k].value(), &wanted[k].value(), name)?;
        }
    }

    /// With `h0` a constant the eager backward need not carry a gradient
    /// past the first step, but must carry it between all the others.
    #[test]
    fn a_constant_initial_state_still_gets_every_other_gradient((inputs, scan) in arb_case()) {
        let tape = Tape::new();
        let (z, h0, w) = (tape.var(inputs[0].clone()), tape.constant(inputs[1].clone()), tape.var(inputs[2].clone()));
        let (fused, reference) = (z.elman_scan(h0, w, &scan), unrolled(z, h0, w, &scan));
        let got = tape.grad(&[fused.square().sum_all()], &[z, w], false);
        let wanted = tape.grad(&[reference.square().sum_all()], &[z, w], false);
        close(&got[0].value(), &wanted[0].value(), "dz")?;
        close(&got[1].value(), &wanted[1].value(), "dW")?;
    }
}

fn shapes(z: &[usize], h0: &[usize], w: &[usize], scan: &ElmanScan) {
    let tape = Tape::<f32>::new();
    let var = |s: &[usize]| tape.var(Tensor::zeros(s));
    var(z).elman_scan(var(h0), var(w), scan);
}

#[test]
#[should_panic(expected = "elman_scan: initial state [2, 3] does not match inputs [4, 2, 5]")]
fn a_mismatched_initial_state_is_named() {
    shapes(
        &[4, 2, 5],
        &[2, 3],
        &[5, 5],
        &ElmanScan::new(Nonlinearity::Tanh),
    );
}

#[test]
#[should_panic(expected = "elman_scan: weight [5, 4] is not [5, 5]")]
fn a_non_square_weight_is_named() {
    shapes(
        &[4, 2, 5],
        &[2, 5],
        &[5, 4],
        &ElmanScan::new(Nonlinearity::Tanh),
    );
}

#[test]
#[should_panic(expected = "elman_scan: sequence 1 has length 5 but only 4 steps were given")]
fn a_length_past_the_steps_is_named() {
    let mut scan = ElmanScan::new(Nonlinearity::Tanh);
    scan.lengths = Some(Arc::from([4, 5]));
    shapes(&[4, 2, 5], &[2, 5], &[5, 5], &scan);
}

#[test]
#[should_panic(expected = "elman_scan: no time steps")]
fn zero_steps_are_refused() {
    shapes(
        &[0, 2, 5],
        &[2, 5],
        &[5, 5],
        &ElmanScan::new(Nonlinearity::Tanh),
    );
}
