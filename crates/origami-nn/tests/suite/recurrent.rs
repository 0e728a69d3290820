//! Recurrent semantics: the padding of a batch never changes a result
//! (bit for bit), and a padded batch gives each sequence's results alone
//! (to rounding: a batch of one takes other GEMM paths), for every cell,
//! in both directions; names and shapes follow PyTorch; each fused
//! sequence equals the unroll of its cell's step; `reverse_in_time` and
//! the lengths `unroll` takes.

use origami_nn::{
    Activation, Cell, CellKind, Elman, Gru, Lstm, Params, Rnn, RnnConfig, State, reverse_in_time,
    unroll,
};
use origami_tape::{Tape, Tensor, Var, check_close};
use rand::SeedableRng;
use rand::rngs::StdRng;

const KINDS: [CellKind; 4] = [
    CellKind::ElmanTanh,
    CellKind::ElmanRelu,
    CellKind::Gru,
    CellKind::Lstm,
];

fn sequence(len: usize, width: usize, seed: u64) -> Vec<Vec<f32>> {
    let t = Tensor::<f32>::rand_uniform(&[len, width], -1.0, 1.0, &mut StdRng::seed_from_u64(seed))
        .unwrap();
    t.data().chunks(width).map(<[f32]>::to_vec).collect()
}

/// Runs `rnn` on a batch of sequences, padded with `junk` to the longest.
fn run_batch(
    rnn: &Rnn<f32>,
    seqs: &[Vec<Vec<f32>>],
    width: usize,
    junk: f32,
) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let steps = seqs.iter().map(Vec::len).max().unwrap();
    let lens: Vec<usize> = seqs.iter().map(Vec::len).collect();
    let tape = Tape::inference();
    let xs: Vec<Var<'_, f32>> = (0..steps)
        .map(|t| {
            let rows: Vec<f32> = seqs
                .iter()
                .flat_map(|s| s.get(t).cloned().unwrap_or(vec![junk; width]))
                .collect();
            tape.constant(Tensor::from_vec(&[seqs.len(), width], rows).unwrap())
        })
        .collect();
    let out = rnn.forward(&tape, &xs, Some(&lens));
    let per_row = |v: &Var<'_, f32>| {
        v.value()
            .data()
            .chunks(rnn.output_size())
            .map(<[f32]>::to_vec)
            .collect::<Vec<_>>()
    };
    let last = per_row(&out.last);
    // Outputs of sequence b at its real steps, flattened.
    let outputs = (0..seqs.len())
        .map(|b| {
            (0..lens[b])
                .flat_map(|t| per_row(&out.outputs[t])[b].clone())
                .collect()
        })
        .collect();
    (last, outputs)
}

#[test]
fn padding_never_changes_a_result() {
    for kind in KINDS {
        for bidirectional in [false, true] {
            let config = RnnConfig {
                kind,
                input_size: 3,
                hidden_size: 4,
                layers: 2,
                bidirectional,
            };
            let rnn = Rnn::<f32>::new(config, &mut StdRng::seed_from_u64(1));
            let seqs: Vec<_> = [5, 2, 4, 1]
                .iter()
                .enumerate()
                .map(|(i, &l)| sequence(l, 3, i as u64))
                .collect();
            let (last, outputs) = run_batch(&rnn, &seqs, 3, 9.0);
            let other_junk = run_batch(&rnn, &seqs, 3, -40.0);
            assert_eq!(
                (&last, &outputs),
                (&other_junk.0, &other_junk.1),
                "{kind:?} bidirectional={bidirectional}: the padding changed a result"
            );
            for (b, seq) in seqs.iter().enumerate() {
                let (alone_last, alone_out) = run_batch(&rnn, std::slice::from_ref(seq), 3, 9.0);
                let what = format!("{kind:?} bidirectional={bidirectional}: sequence {b}");
                assert_close(&last[b], &alone_last[0], &format!("{what}, last state"));
                assert_close(&outputs[b], &alone_out[0], &format!("{what}, outputs"));
            }
        }
    }
}

/// Equal to a few f32 ulps (the padding's junk, if it leaked, would move
/// results by far more).
fn assert_close(got: &[f32], want: &[f32], what: &str) {
    check_close(got, want, 1e-6).unwrap_or_else(|e| panic!("{what}{e}: {got:?} vs {want:?}"));
}

#[test]
fn names_follow_pytorch() {
    let config = RnnConfig {
        kind: CellKind::Lstm,
        input_size: 3,
        hidden_size: 4,
        layers: 2,
        bidirectional: true,
    };
    let rnn = Rnn::<f32>::new(config, &mut StdRng::seed_from_u64(0));
    let names: Vec<String> = rnn.params().into_iter().map(|(n, _)| n).collect();
    let mut want = Vec::new();
    for layer in 0..2 {
        for dir in ["", "_reverse"] {
            for base in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
                want.push(format!("{base}_l{layer}{dir}"));
            }
        }
    }
    assert_eq!(names, want);
    let shapes: Vec<Vec<usize>> = rnn
        .params()
        .iter()
        .map(|(_, p)| p.shape().to_vec())
        .take(4)
        .collect();
    assert_eq!(shapes, [vec![16, 3], vec![16, 4], vec![16], vec![16]]);
    let second_layer_input = rnn.params()[8].1.shape().to_vec();
    assert_eq!(second_layer_input, [16, 8], "layer 1 reads both directions");
}

#[test]
fn every_parameter_gets_a_gradient() {
    for kind in KINDS {
        let config = RnnConfig {
            kind,
            input_size: 2,
            hidden_size: 3,
            layers: 2,
            bidirectional: true,
        };
        let rnn = Rnn::<f32>::new(config, &mut StdRng::seed_from_u64(4));
        let tape = Tape::new();
        let xs: Vec<_> = (0..3)
            .map(|t| tape.constant(Tensor::full(&[2, 2], 0.1 * t as f32)))
            .collect();
        let out = rnn.forward(&tape, &xs, Some(&[3, 2]));
        let grads = out.last.sum_all().backward();
        assert!(
            grads.unreached().is_empty(),
            "{kind:?}: {:?}",
            grads.unreached()
        );
        assert_eq!(grads.len(), rnn.params().len());
    }
}

#[test]
fn weighted_and_smoothed_cross_entropy_are_stable_for_huge_logits() {
    use origami_nn::CrossEntropy;
    use origami_tape::Reduction;
    let tape = Tape::<f32>::new();
    let logits = tape.var(Tensor::from_vec(&[2, 3], vec![1e4, -1e4, 0.0, -1e4, 1e4, 5e3]).unwrap());
    let ce = CrossEntropy {
        class_weights: Some(vec![1.0, 2.0, 0.5]),
        label_smoothing: 0.1,
        reduction: Reduction::Mean,
    };
    let loss = ce.loss(logits, &[0, 1]);
    let value = loss.value().item();
    // Per example: 0.9·w_t·0 + 0.1/3·Σ_c w_c·(lse − x_c); the mean divides by Σ w_t = 3.
    let want = (0.1 / 3.0 * (2.0 * 2e4 + 0.5 * 1e4) + 0.1 / 3.0 * (2e4 + 0.5 * 5e3)) / 3.0;
    assert!(
        (value as f64 - want).abs() < 1e-3 * want,
        "{value} vs {want}"
    );
    let g = tape.grad(&[loss], &[logits], false)[0].value();
    assert!(g.data().iter().all(|x| x.is_finite()));
}

/// Each cell's sequence runs as one scan op (Elman with tanh or relu,
/// GRU, LSTM); it must agree with the step-by-step unroll of the cell's
/// `step` in states and in every gradient, with ragged lengths and a given
/// initial state, and record fewer ops than the unroll.
#[test]
fn each_fused_sequence_equals_the_unroll_of_its_step() {
    let rng = &mut StdRng::seed_from_u64(4);
    let cells: Vec<Box<dyn Cell<f64>>> = vec![
        Box::new(Elman::new(3, 5, Activation::Tanh, rng)),
        Box::new(Elman::new(3, 5, Activation::Relu, rng)),
        Box::new(Gru::new(3, 5, rng)),
        Box::new(Lstm::new(3, 5, rng)),
    ];
    for (name, cell) in ["elman tanh", "elman relu", "gru", "lstm"]
        .iter()
        .zip(&cells)
    {
        assert_eq!((cell.input_size(), cell.hidden_size()), (3, 5), "{name}");
        compare_fused_with_unroll(name, cell.as_ref());
    }
}

fn compare_fused_with_unroll(name: &str, cell: &dyn Cell<f64>) {
    let lens = [4, 1, 3];
    let tape = Tape::new();
    let mut rng = StdRng::seed_from_u64(5);
    let mut draw =
        |shape: &[usize]| tape.var(Tensor::rand_uniform(shape, -1.0, 1.0, &mut rng).unwrap());
    let xs: Vec<_> = (0..4).map(|_| draw(&[3, 3])).collect();
    let init = State {
        h: draw(&[3, 5]),
        c: cell.has_cell_state().then(|| draw(&[3, 5])),
    };
    let before = tape.len();
    let fused = cell.seq(&tape, &xs, Some(&lens), Some(init));
    let fused_ops = tape.len() - before;
    let before = tape.len();
    let stepwise = unroll(cell, &tape, &xs, Some(&lens), Some(init));
    let stepwise_ops = tape.len() - before;
    assert!(
        fused_ops < stepwise_ops,
        "{name}: the sequence recorded {fused_ops} ops, the unroll {stepwise_ops}"
    );
    let (a, b) = (
        Var::concat(&fused.outputs, 1),
        Var::concat(&stepwise.outputs, 1),
    );
    let mut wrt = xs.clone();
    wrt.push(init.h);
    wrt.extend(init.c);
    let weights = tape.constant(Tensor::rand_uniform(&a.shape(), -1.0, 1.0, &mut rng).unwrap());
    fn last_cell<'t>(s: &State<'t, f64>) -> Var<'t, f64> {
        s.c.map_or(s.h.sum_all() * 0.0, |c| c.sum_all())
    }
    let loss_a = (a * weights).sum_all() + fused.last.h.sum_all() + last_cell(&fused.last);
    let loss_b = (b * weights).sum_all() + stepwise.last.h.sum_all() + last_cell(&stepwise.last);
    let ga = tape.grad(&[loss_a], &wrt, false);
    let gb = tape.grad(&[loss_b], &wrt, false);
    let (pa, pb) = (loss_a.backward(), loss_b.backward());
    let params: Vec<_> = cell.params().iter().map(|(_, p)| p.id()).collect();
    let param_grads = params
        .iter()
        .map(|&id| (pa.get(id).unwrap().clone(), pb.get(id).unwrap().clone()));
    let pairs = [(a.value(), b.value()), (loss_a.value(), loss_b.value())]
        .into_iter()
        .chain(ga.iter().zip(&gb).map(|(x, y)| (x.value(), y.value())))
        .chain(param_grads);
    for (k, (x, y)) in pairs.enumerate() {
        assert_eq!(x.shape(), y.shape());
        for (p, q) in x.data().iter().zip(y.data()) {
            assert!((p - q).abs() < 1e-12, "{name}, value {k}: {p} vs {q}");
        }
    }
}

/// Step `t`, row `b` of `steps` steps of a `[batch, 1]` input holds
/// `10·t + b`, so every row says where it came from.
fn labelled_steps(tape: &Tape<f64>, steps: usize, batch: usize) -> Vec<Var<'_, f64>> {
    (0..steps)
        .map(|t| {
            let rows = (0..batch).map(|b| (10 * t + b) as f64).collect();
            tape.constant(Tensor::from_vec(&[batch, 1], rows).unwrap())
        })
        .collect()
}

#[test]
fn reverse_in_time_reverses_each_sequence_within_its_length() {
    let tape = Tape::new();
    let xs = labelled_steps(&tape, 4, 3);
    let rows = |vs: &[Var<'_, f64>]| -> Vec<Vec<f64>> {
        vs.iter().map(|v| v.value().data().to_vec()).collect()
    };
    // Lengths 4, 1, 3: sequence 0 reads 30, 20, 10, 0; sequence 1 keeps
    // its one step, then its padding (11, 21, 31) where it was; sequence 2
    // reads 22, 12, 2, then its padding 32.
    let reversed = reverse_in_time(&xs, Some(&[4, 1, 3]));
    let want = [
        [30.0, 1.0, 22.0],
        [20.0, 11.0, 12.0],
        [10.0, 21.0, 2.0],
        [0.0, 31.0, 32.0],
    ];
    assert_eq!(rows(&reversed), want);
    assert_eq!(
        rows(&reverse_in_time(&reversed, Some(&[4, 1, 3]))),
        rows(&xs)
    );
    // Every sequence shorter than the steps given.
    let short = reverse_in_time(&xs, Some(&[2, 1, 3]));
    let want = [
        [10.0, 1.0, 22.0],
        [0.0, 11.0, 12.0],
        [20.0, 21.0, 2.0],
        [30.0, 31.0, 32.0],
    ];
    assert_eq!(rows(&short), want);
    // Full lengths, or none: the steps reversed.
    let plain = rows(&xs.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(rows(&reverse_in_time(&xs, Some(&[4, 4, 4]))), plain);
    assert_eq!(rows(&reverse_in_time(&xs, None)), plain);
}

#[test]
fn a_batch_that_ends_before_the_last_step_keeps_its_final_states() {
    let cell = Lstm::<f64>::new(1, 2, &mut StdRng::seed_from_u64(6));
    let tape = Tape::new();
    let xs = labelled_steps(&tape, 4, 2);
    let states = |steps: usize| unroll(&cell, &tape, &xs[..steps], Some(&[2, 1]), None).last;
    let (all, first_two) = (states(4), states(2));
    assert_eq!(all.h.value(), first_two.h.value());
    assert_eq!(all.c.unwrap().value(), first_two.c.unwrap().value());
}

#[test]
#[should_panic(expected = "unroll: 2 lengths for a batch of 3")]
fn unroll_refuses_lengths_for_another_batch() {
    let cell = Gru::<f64>::new(1, 2, &mut StdRng::seed_from_u64(6));
    let tape = Tape::new();
    unroll(
        &cell,
        &tape,
        &labelled_steps(&tape, 2, 3),
        Some(&[2, 2]),
        None,
    );
}

#[test]
#[should_panic(expected = "unroll: sequence 1 has length 3 but only 2 steps were given")]
fn reverse_in_time_refuses_lengths_past_the_steps() {
    let tape = Tape::new();
    reverse_in_time(&labelled_steps(&tape, 2, 2), Some(&[2, 3]));
}
