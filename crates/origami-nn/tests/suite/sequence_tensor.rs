//! Sequences held as one `[steps, batch, width]` tensor: `Rnn::forward_sequence`
//! equals its cells run step by step and composed by hand (values and
//! every gradient, in both directions, stacked, with ragged lengths);
//! `reverse_sequence` is `reverse_in_time` as one gather; a cell without a
//! fused scan runs a sequence tensor through its step; wrong shapes are
//! refused with the shape named.

use origami_nn::{
    Activation, Cell, CellKind, CellWeights, Elman, Gru, Lstm, Params, Rnn, RnnConfig, State,
    reverse_in_time, reverse_sequence, unroll,
};
use origami_tape::{Tape, Tensor, Var};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A cell of `kind` holding a copy of `rnn`'s weights named `*{suffix}`.
fn cell_from(rnn: &Rnn<f64>, kind: CellKind, suffix: &str) -> Box<dyn Cell<f64>> {
    let named = rnn.params();
    let take = |base: &str| {
        let name = format!("{base}{suffix}");
        let (_, p) = named.iter().find(|(n, _)| *n == name).expect("named");
        origami_nn::Param::new(p.value().clone())
    };
    let weights = CellWeights {
        weight_ih: take("weight_ih"),
        weight_hh: take("weight_hh"),
        bias_ih: take("bias_ih"),
        bias_hh: take("bias_hh"),
    };
    match kind {
        CellKind::ElmanTanh => Box::new(Elman {
            weights,
            activation: Activation::Tanh,
        }),
        CellKind::ElmanRelu => Box::new(Elman {
            weights,
            activation: Activation::Relu,
        }),
        CellKind::Gru => Box::new(Gru { weights }),
        CellKind::Lstm => Box::new(Lstm { weights }),
    }
}

#[test]
fn forward_sequence_equals_its_cells_stepped_and_composed_by_hand() {
    let lens = [5, 4, 2, 1];
    let (steps, batch, input, hidden, layers) = (5, 4, 3, 4, 2);
    for kind in [
        CellKind::ElmanTanh,
        CellKind::ElmanRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        for bidirectional in [false, true] {
            let config = RnnConfig {
                kind,
                input_size: input,
                hidden_size: hidden,
                layers,
                bidirectional,
            };
            let rnn = Rnn::<f64>::new(config, &mut StdRng::seed_from_u64(2));
            let dirs = if bidirectional { 2 } else { 1 };
            let cells: Vec<_> = (0..layers * dirs)
                .map(|i| {
                    let reverse = if i % dirs == 1 { "_reverse" } else { "" };
                    cell_from(&rnn, kind, &format!("_l{}{reverse}", i / dirs))
                })
                .collect();
            let what = format!("{kind:?}, bidirectional {bidirectional}");
            let tape = Tape::new();
            let mut rng = StdRng::seed_from_u64(3);
            let mut draw =
                |shape: &[usize]| Tensor::<f64>::rand_uniform(shape, -1.0, 1.0, &mut rng).unwrap();
            let xs = tape.var(draw(&[steps, batch, input]));
            let (out_w, last_w) = (
                tape.constant(draw(&[steps, batch, dirs * hidden])),
                tape.constant(draw(&[batch, dirs * hidden])),
            );

            let fused = rnn.forward_sequence(&tape, xs, Some(&lens));
            let loss_fused = (fused.outputs * out_w).sum_all() + (fused.last * last_w).sum_all();

            // By hand: each cell's step unrolled, reversed per sequence.
            let mut inputs: Vec<_> = (0..steps)
                .map(|t| xs.narrow(0, t, 1).reshape(&[batch, input]))
                .collect();
            let mut last = Vec::new();
            for layer in 0..layers {
                let ahead = unroll(&*cells[layer * dirs], &tape, &inputs, Some(&lens), None);
                last = vec![ahead.last.h];
                let mut outputs = ahead.outputs;
                if bidirectional {
                    let reversed = reverse_in_time(&inputs, Some(&lens));
                    let back = unroll(
                        &*cells[layer * dirs + 1],
                        &tape,
                        &reversed,
                        Some(&lens),
                        None,
                    );
                    last.push(back.last.h);
                    let back = reverse_in_time(&back.outputs, Some(&lens));
                    outputs = (outputs.iter().zip(&back))
                        .map(|(&f, &b)| Var::concat(&[f, b], 1))
                        .collect();
                }
                inputs = outputs;
            }
            let by_hand = Var::stack(&inputs, 0);
            let last = Var::concat(&last, 1);
            let loss_by_hand = (by_hand * out_w).sum_all() + (last * last_w).sum_all();

            close(
                &fused.outputs.value(),
                &by_hand.value(),
                &format!("{what}: outputs"),
            );
            close(&fused.last.value(), &last.value(), &format!("{what}: last"));
            let (gf, gh) = (loss_fused.backward(), loss_by_hand.backward());
            let input_grads = (
                tape.grad(&[loss_fused], &[xs], false)[0].value(),
                tape.grad(&[loss_by_hand], &[xs], false)[0].value(),
            );
            close(&input_grads.0, &input_grads.1, &format!("{what}: ∂/∂xs"));
            let by_hand_params = cells.iter().flat_map(|c| c.params());
            for ((name, p), (_, q)) in rnn.params().into_iter().zip(by_hand_params) {
                let (a, b) = (gf.get(p.id()).unwrap(), gh.get(q.id()).unwrap());
                close(a, b, &format!("{what}: ∂/∂{name}"));
            }
        }
    }
}

fn close(a: &Tensor<f64>, b: &Tensor<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    let scale = b.data().iter().fold(1.0f64, |m, x| m.max(x.abs()));
    let diff = a.max_abs_diff(b);
    assert!(diff <= 1e-12 * scale, "{what}: off by {diff:e}");
}

#[test]
fn reverse_sequence_is_reverse_in_time_as_one_gather() {
    let tape = Tape::<f64>::new();
    let (steps, batch) = (4, 3);
    let xs = tape.constant(Tensor::arange(steps * batch * 2).reshape(&[steps, batch, 2]));
    let per_step: Vec<_> = (0..steps)
        .map(|t| xs.narrow(0, t, 1).reshape(&[batch, 2]))
        .collect();
    for lens in [
        Some(&[4, 1, 3][..]),
        Some(&[2, 1, 3]),
        Some(&[4, 4, 4]),
        None,
    ] {
        let want = Var::stack(&reverse_in_time(&per_step, lens), 0).value();
        let got = reverse_sequence(xs, lens);
        assert_eq!(got.value(), want, "lengths {lens:?}");
        assert_eq!(reverse_sequence(got, lens).value(), xs.value(), "{lens:?}");
    }
}

#[test]
fn a_cell_without_a_scan_runs_a_sequence_tensor_step_by_step() {
    let cell = Elman::<f64>::new(2, 3, Activation::Sigmoid, &mut StdRng::seed_from_u64(4));
    let tape = Tape::new();
    let xs = tape.constant(
        Tensor::rand_uniform(&[4, 2, 2], -1.0, 1.0, &mut StdRng::seed_from_u64(5)).unwrap(),
    );
    let per_step: Vec<_> = (0..4)
        .map(|t| xs.narrow(0, t, 1).reshape(&[2, 2]))
        .collect();
    let init = State {
        h: tape.constant(Tensor::full(&[2, 3], 0.5)),
        c: None,
    };
    let whole = cell.sequence(&tape, xs, Some(&[4, 2]), Some(init));
    let stepped = unroll(&cell, &tape, &per_step, Some(&[4, 2]), Some(init));
    assert_eq!(
        whole.outputs.value(),
        Var::stack(&stepped.outputs, 0).value()
    );
    assert_eq!(whole.last.h.value(), stepped.last.h.value());
}

#[test]
#[should_panic(expected = "a sequence is [steps, batch, width] with at least one step, got [2, 3]")]
fn forward_sequence_refuses_a_matrix() {
    let config = RnnConfig {
        kind: CellKind::Gru,
        input_size: 3,
        hidden_size: 2,
        layers: 1,
        bidirectional: false,
    };
    let rnn = Rnn::<f32>::new(config, &mut StdRng::seed_from_u64(0));
    let tape = Tape::new();
    rnn.forward_sequence(&tape, tape.constant(Tensor::zeros(&[2, 3])), None);
}

#[test]
#[should_panic(expected = "unroll: sequence 1 has length 3 but only 2 steps were given")]
fn reverse_sequence_refuses_lengths_past_the_steps() {
    let tape = Tape::<f32>::new();
    reverse_sequence(tape.constant(Tensor::zeros(&[2, 2, 1])), Some(&[2, 3]));
}
