//! `gru_scan` and `lstm_scan` against their definitions, written here
//! with the plain ops from PyTorch's equations (`nn.GRU`: `(1 − z) ⊙ n +
//! z ⊙ h`; `nn.LSTM`): the same states and gradients, sequences ending
//! early included, in f64 and f32; both on packed input products against
//! the padded scans; and the messages their shape errors
//! carry; and all three scans, `elman_scan` too, over an empty batch.
//! (Derivatives against central differences, to second order, and eager
//! against recorded backward are rows of `op_spec.rs`.)

use std::sync::Arc;

use origami_tape::{
    ElmanScan, Float, GruScan, LstmScan, Nonlinearity, Tape, Tensor, Var, check_close, packed_rows,
};
use proptest::prelude::*;

/// Keeps the rows of `next` that are still running at step `t`.
fn keep<'t, T: Float>(
    lengths: &Option<Arc<[usize]>>,
    t: usize,
    next: Var<'t, T>,
    prev: Var<'t, T>,
) -> Var<'t, T> {
    let Some(lens) = lengths else { return next };
    let hidden = next.shape()[1];
    let live: Vec<bool> = lens
        .iter()
        .flat_map(|&l| std::iter::repeat_n(t < l, hidden))
        .collect();
    Var::where_cond(&live, next, prev)
}

fn gru_by_definition<'t, T: Float>(x: &[Var<'t, T>], lengths: &Option<Arc<[usize]>>) -> Var<'t, T> {
    let (gi, mut h, w, b) = (x[0], x[1], x[2], x[3]);
    let (steps, batch, hidden) = (gi.shape()[0], gi.shape()[1], x[1].shape()[1]);
    let mut states = Vec::new();
    for t in 0..steps {
        let i = gi.narrow(0, t, 1).reshape(&[batch, 3 * hidden]);
        let g = h.matmul_t(w, false, true) + b;
        let part = |v: Var<'t, T>, k: usize| v.narrow(1, k * hidden, hidden);
        let r = (part(i, 0) + part(g, 0)).sigmoid();
        let z = (part(i, 1) + part(g, 1)).sigmoid();
        let n = (part(i, 2) + r * part(g, 2)).tanh();
        let next = (-z).add_scalar(T::ONE) * n + z * h;
        h = keep(lengths, t, next, h);
        states.push(h);
    }
    Var::stack(&states, 0)
}

fn lstm_by_definition<'t, T: Float>(
    x: &[Var<'t, T>],
    lengths: &Option<Arc<[usize]>>,
) -> Var<'t, T> {
    let (gi, mut h, mut c, w, b) = (x[0], x[1], x[2], x[3], x[4]);
    let (steps, batch, hidden) = (gi.shape()[0], gi.shape()[1], x[1].shape()[1]);
    let (mut hs, mut cs) = (Vec::new(), Vec::new());
    for t in 0..steps {
        let a = gi.narrow(0, t, 1).reshape(&[batch, 4 * hidden]) + h.matmul_t(w, false, true) + b;
        let part = |k: usize| a.narrow(1, k * hidden, hidden);
        let c_next = part(1).sigmoid() * c + part(0).sigmoid() * part(2).tanh();
        let h_next = part(3).sigmoid() * c_next.tanh();
        (h, c) = (keep(lengths, t, h_next, h), keep(lengths, t, c_next, c));
        hs.push(h);
        cs.push(c);
    }
    Var::stack(&[Var::stack(&hs, 0), Var::stack(&cs, 0)], 0)
}

/// Inputs for a GRU (`gates` 3) or an LSTM (4), with lengths or not; the
/// lengths are sometimes sorted longest first, as packed sequences are
/// (then the scans skip the ended rows at the end of the batch).
fn arb_case(gates: usize) -> impl Strategy<Value = (Vec<Tensor<f64>>, Option<Arc<[usize]>>)> {
    (
        1usize..=6,
        1usize..=4,
        1usize..=5,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(move |(steps, batch, hidden, ragged, sorted)| {
            let values = |n: usize| prop::collection::vec(-1.5f64..1.5, n);
            (
                values(steps * batch * gates * hidden),
                values(batch * hidden),
                values(batch * hidden),
                values(gates * hidden * hidden),
                values(gates * hidden),
                prop::collection::vec(0usize..=steps, batch),
            )
                .prop_map(move |(gi, h0, c0, w, b, mut lengths)| {
                    if sorted {
                        lengths.sort_unstable_by(|a, b| b.cmp(a));
                    }
                    let mut inputs = vec![
                        Tensor::from_vec(&[steps, batch, gates * hidden], gi).unwrap(),
                        Tensor::from_vec(&[batch, hidden], h0).unwrap(),
                    ];
                    if gates == 4 {
                        inputs.push(Tensor::from_vec(&[batch, hidden], c0).unwrap());
                    }
                    inputs.push(Tensor::from_vec(&[gates * hidden, hidden], w).unwrap());
                    inputs.push(Tensor::from_vec(&[gates * hidden], b).unwrap());
                    (inputs, ragged.then(|| Arc::from(lengths)))
                })
        })
}

type Fused = for<'t> fn(&[Var<'t, f64>], &Option<Arc<[usize]>>) -> Var<'t, f64>;

/// The longest of the lengths, 0 without them.
fn longest(lengths: &Option<Arc<[usize]>>) -> usize {
    lengths
        .as_deref()
        .and_then(|l| l.iter().copied().max())
        .unwrap_or(0)
}

/// The rows of `[steps, batch, width]` input products a packed scan reads.
fn packed<'t>(gi: Var<'t, f64>, lengths: &Option<Arc<[usize]>>) -> Var<'t, f64> {
    let [steps, batch, width] = gi.shape()[..] else {
        unreachable!("padded input products are 3-D")
    };
    let rows = packed_rows(lengths.as_deref().expect("packing needs lengths"));
    gi.reshape(&[steps * batch, width]).index_select(0, &rows)
}

/// `states` (steps along `axis`) cut to the longest sequence's steps.
fn up_to_longest<'t>(
    states: Var<'t, f64>,
    lengths: &Option<Arc<[usize]>>,
    axis: usize,
) -> Var<'t, f64> {
    states.narrow(axis, 0, longest(lengths))
}

/// The fused op and the definition agree in value and in every gradient,
/// eager and recorded, and eager again (the first eager pass took the
/// forward's kept gates; the second forms them again).
fn agree(
    inputs: &[Tensor<f64>],
    lengths: &Option<Arc<[usize]>>,
    fused: Fused,
    definition: Fused,
) -> Result<(), TestCaseError> {
    let tape = Tape::new();
    let v: Vec<_> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let (out, reference) = (fused(&v, lengths), definition(&v, lengths));
    check_close(out.value().data(), reference.value().data(), 1e-12)
        .map_err(|e| TestCaseError::fail(format!("values{e}")))?;
    let n = out.value().numel();
    let weights = tape.constant(
        Tensor::from_vec(
            out.value().shape(),
            (0..n).map(|i| (i % 7) as f64 - 3.0).collect(),
        )
        .unwrap(),
    );
    let (loss, reference_loss) = ((out * weights).sum_all(), (reference * weights).sum_all());
    let wanted = tape.grad(&[reference_loss], &v, false);
    for create_graph in [false, true, false] {
        let got = tape.grad(&[loss], &v, create_graph);
        for k in 0..v.len() {
            check_close(got[k].value().data(), wanted[k].value().data(), 1e-12).map_err(|e| {
                TestCaseError::fail(format!("input {k} (recorded: {create_graph}){e}"))
            })?;
        }
    }
    Ok(())
}

/// With the `states` initial states (inputs 1…) constant the eager
/// backward need not carry a gradient past the first step, but must carry
/// it between all the others.
fn agree_from_a_constant_start(
    inputs: &[Tensor<f64>],
    lengths: &Option<Arc<[usize]>>,
    states: usize,
    fused: Fused,
    definition: Fused,
) -> Result<(), TestCaseError> {
    let tape = Tape::new();
    let v: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(k, x)| {
            if (1..=states).contains(&k) {
                tape.constant(x.clone())
            } else {
                tape.var(x.clone())
            }
        })
        .collect();
    let free: Vec<_> = (0..v.len())
        .filter(|k| !(1..=states).contains(k))
        .map(|k| v[k])
        .collect();
    let got = tape.grad(&[fused(&v, lengths).square().sum_all()], &free, false);
    let wanted = tape.grad(&[definition(&v, lengths).square().sum_all()], &free, false);
    for k in 0..free.len() {
        check_close(got[k].value().data(), wanted[k].value().data(), 1e-12)
            .map_err(|e| TestCaseError::fail(format!("free input {k}{e}")))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn gru_scan_is_pytorchs_gru((inputs, lengths) in arb_case(3)) {
        let fused: Fused = |v, l| v[0].gru_scan(v[1], v[2], v[3], &GruScan { lengths: l.clone(), ..GruScan::default() });
        agree(&inputs, &lengths, fused, gru_by_definition)?;
        agree_from_a_constant_start(&inputs, &lengths, 1, fused, gru_by_definition)?;
    }

    #[test]
    fn lstm_scan_is_pytorchs_lstm((inputs, lengths) in arb_case(4)) {
        let fused: Fused = |v, l| v[0].lstm_scan(v[1], v[2], v[3], v[4], &LstmScan { lengths: l.clone(), ..LstmScan::default() });
        agree(&inputs, &lengths, fused, lstm_by_definition)?;
        agree_from_a_constant_start(&inputs, &lengths, 2, fused, lstm_by_definition)?;
    }

    /// Packed input products (the padding's rows left out) give the
    /// padded scan's states for every step up to the longest sequence,
    /// and the same gradients, the padding's rows of `gi` getting zero.
    #[test]
    fn packed_scans_are_the_padded_ones(
        (lstm, lstm_lengths) in arb_case(4),
        (gru, gru_lengths) in arb_case(3),
    ) {
        let packed_lstm: Fused = |v, l| {
            let scan = LstmScan { lengths: l.clone(), packed: true };
            packed(v[0], l).lstm_scan(v[1], v[2], v[3], v[4], &scan)
        };
        let lstm_up_to_longest: Fused = |v, l| up_to_longest(lstm_by_definition(v, l), l, 1);
        if longest(&lstm_lengths) > 0 {
            agree(&lstm, &lstm_lengths, packed_lstm, lstm_up_to_longest)?;
            agree_from_a_constant_start(&lstm, &lstm_lengths, 2, packed_lstm, lstm_up_to_longest)?;
        }
        let packed_gru: Fused = |v, l| {
            let scan = GruScan { lengths: l.clone(), packed: true };
            packed(v[0], l).gru_scan(v[1], v[2], v[3], &scan)
        };
        let gru_up_to_longest: Fused = |v, l| up_to_longest(gru_by_definition(v, l), l, 0);
        if longest(&gru_lengths) > 0 {
            agree(&gru, &gru_lengths, packed_gru, gru_up_to_longest)?;
            agree_from_a_constant_start(&gru, &gru_lengths, 1, packed_gru, gru_up_to_longest)?;
        }
    }
}

#[test]
fn f32_scans_match_their_definitions_to_f32_rounding() {
    let tape = Tape::<f32>::new();
    let draw = |shape: &[usize], seed: usize| {
        let n: usize = shape.iter().product();
        tape.var(
            Tensor::from_vec(
                shape,
                (0..n)
                    .map(|i| (((i * 37 + seed * 11) % 19) as f32 - 9.0) / 7.0)
                    .collect(),
            )
            .unwrap(),
        )
    };
    let lengths: Option<Arc<[usize]>> = Some(Arc::from(vec![12, 5, 0]));
    let gru = [
        draw(&[12, 3, 24], 1),
        draw(&[3, 8], 2),
        draw(&[24, 8], 3),
        draw(&[24], 4),
    ];
    let fused = gru[0].gru_scan(
        gru[1],
        gru[2],
        gru[3],
        &GruScan {
            lengths: lengths.clone(),
            ..GruScan::default()
        },
    );
    check_close(
        fused.value().data(),
        gru_by_definition(&gru, &lengths).value().data(),
        1e-5,
    )
    .unwrap();
    let lstm = [
        draw(&[12, 3, 32], 5),
        draw(&[3, 8], 6),
        draw(&[3, 8], 7),
        draw(&[32, 8], 8),
        draw(&[32], 9),
    ];
    let fused = lstm[0].lstm_scan(
        lstm[1],
        lstm[2],
        lstm[3],
        lstm[4],
        &LstmScan {
            lengths: lengths.clone(),
            ..LstmScan::default()
        },
    );
    check_close(
        fused.value().data(),
        lstm_by_definition(&lstm, &lengths).value().data(),
        1e-5,
    )
    .unwrap();
}

fn var<'t>(tape: &'t Tape<f64>, shape: &[usize]) -> Var<'t, f64> {
    tape.var(Tensor::zeros(shape))
}

#[test]
#[should_panic(expected = "gru_scan: weight_hh [6, 3] is not [9, 3]")]
fn gru_weight_shape_is_checked() {
    let t = Tape::new();
    var(&t, &[2, 1, 9]).gru_scan(
        var(&t, &[1, 3]),
        var(&t, &[6, 3]),
        var(&t, &[9]),
        &GruScan::default(),
    );
}

#[test]
#[should_panic(
    expected = "gru_scan: initial state [2, 3] does not match input projections [4, 1, 9]"
)]
fn gru_state_shape_is_checked() {
    let t = Tape::new();
    var(&t, &[4, 1, 9]).gru_scan(
        var(&t, &[2, 3]),
        var(&t, &[9, 3]),
        var(&t, &[9]),
        &GruScan::default(),
    );
}

#[test]
#[should_panic(expected = "gru_scan: bias_hh [3] is not [9]")]
fn gru_bias_shape_is_checked() {
    let t = Tape::new();
    var(&t, &[4, 1, 9]).gru_scan(
        var(&t, &[1, 3]),
        var(&t, &[9, 3]),
        var(&t, &[3]),
        &GruScan::default(),
    );
}

#[test]
#[should_panic(
    expected = "lstm_scan: initial cell state [1, 2] is not shaped like the initial state [1, 3]"
)]
fn lstm_cell_state_shape_is_checked() {
    let t = Tape::new();
    var(&t, &[2, 1, 12]).lstm_scan(
        var(&t, &[1, 3]),
        var(&t, &[1, 2]),
        var(&t, &[12, 3]),
        var(&t, &[12]),
        &LstmScan::default(),
    );
}

#[test]
#[should_panic(expected = "lstm_scan: sequence 0 has length 3 but only 2 steps were given")]
fn lstm_lengths_are_checked() {
    let t = Tape::new();
    let scan = LstmScan {
        lengths: Some(Arc::from(vec![3])),
        ..LstmScan::default()
    };
    let (h0, c0, w, b) = (
        var(&t, &[1, 3]),
        var(&t, &[1, 3]),
        var(&t, &[12, 3]),
        var(&t, &[12]),
    );
    var(&t, &[2, 1, 12]).lstm_scan(h0, c0, w, b, &scan);
}

#[test]
#[should_panic(
    expected = "lstm_scan: input projections must be [steps, batch, 4·hidden], got [2, 12]"
)]
fn lstm_projection_rank_is_checked() {
    let t = Tape::new();
    var(&t, &[2, 12]).lstm_scan(
        var(&t, &[1, 3]),
        var(&t, &[1, 3]),
        var(&t, &[12, 3]),
        var(&t, &[12]),
        &LstmScan::default(),
    );
}

#[test]
#[should_panic(
    expected = "lstm_scan: packed input products have 4 rows, but the lengths [3, 2] run 5"
)]
fn packed_lstm_rows_are_checked() {
    let t = Tape::new();
    let scan = LstmScan {
        lengths: Some(Arc::from(vec![3, 2])),
        packed: true,
    };
    let (h0, c0, w, b) = (
        var(&t, &[2, 3]),
        var(&t, &[2, 3]),
        var(&t, &[12, 3]),
        var(&t, &[12]),
    );
    var(&t, &[4, 12]).lstm_scan(h0, c0, w, b, &scan);
}

#[test]
#[should_panic(expected = "lstm_scan: packed input products need lengths")]
fn packed_lstm_needs_lengths() {
    let t = Tape::new();
    let scan = LstmScan {
        lengths: None,
        packed: true,
    };
    let (h0, w, b) = (var(&t, &[1, 3]), var(&t, &[12, 3]), var(&t, &[12]));
    var(&t, &[2, 12]).lstm_scan(h0, h0, w, b, &scan);
}

/// An empty batch (every sequence filtered out, say) runs, with lengths
/// or without: empty states, and gradients of the right shapes, zero for
/// the weights.
#[test]
fn an_empty_batch_gives_empty_states_and_zero_weight_gradients() {
    let (steps, hidden) = (4, 3);
    for lengths in [None, Some(Arc::from(Vec::new()))] {
        let tape = Tape::<f64>::new();
        let zeros = |shape: &[usize]| tape.var(Tensor::zeros(shape));
        let filled = |shape: &[usize]| tape.var(Tensor::ones(shape));
        let h0 = zeros(&[0, hidden]);
        let elman = ElmanScan {
            lengths: lengths.clone(),
            ..ElmanScan::new(Nonlinearity::Tanh)
        };
        let (z, w) = (zeros(&[steps, 0, hidden]), filled(&[hidden, hidden]));
        let (gi3, w3, b3) = (
            zeros(&[steps, 0, 3 * hidden]),
            filled(&[3 * hidden, hidden]),
            filled(&[3 * hidden]),
        );
        let (gi4, w4, b4) = (
            zeros(&[steps, 0, 4 * hidden]),
            filled(&[4 * hidden, hidden]),
            filled(&[4 * hidden]),
        );
        let runs = [
            (z.elman_scan(h0, w, &elman), vec![z, h0, w]),
            (
                gi3.gru_scan(
                    h0,
                    w3,
                    b3,
                    &GruScan {
                        lengths: lengths.clone(),
                        ..GruScan::default()
                    },
                ),
                vec![gi3, h0, w3, b3],
            ),
            (
                gi4.lstm_scan(
                    h0,
                    h0,
                    w4,
                    b4,
                    &LstmScan {
                        lengths: lengths.clone(),
                        ..LstmScan::default()
                    },
                ),
                vec![gi4, h0, w4, b4],
            ),
        ];
        for (states, inputs) in runs {
            assert_eq!(states.value().numel(), 0);
            let grads = tape.grad(&[states.sum_all()], &inputs, false);
            for (g, x) in grads.iter().zip(&inputs) {
                assert_eq!(g.value().shape(), x.value().shape());
                assert!(g.value().data().iter().all(|&v| v == 0.0));
            }
        }
    }
}
