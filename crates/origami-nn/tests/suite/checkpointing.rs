//! Layers run in checkpointed segments give the plain results and
//! gradients: `Sequential` in blocks of layers and GRU and LSTM nets in
//! chunks of steps bit for bit (stacked, bidirectional, with lengths);
//! Elman nets to rounding, since their fused scan forms each weight
//! gradient as one product over the steps it is given.

use origami_nn::{Activation, CellKind, Init, Module, Rnn, RnnConfig, Sequential, mlp};
use origami_tape::{Grads, Tape, Tensor, Var};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn tensor(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, -1.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
}

fn assert_same(a: &Grads<f64>, b: &Grads<f64>, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: gradient count");
    for ((i, x), (j, y)) in a.iter().zip(b.iter()) {
        assert_eq!(i, j, "{what}");
        assert_eq!(x.data(), y.data(), "{what}: {i:?}");
    }
}

#[test]
fn sequential_blocks_keep_outputs_and_gradients() {
    let net = mlp::<f64>(
        &[3, 5, 5, 5, 5, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(1),
    );
    let x = tensor(&[4, 3], 2);
    let run = |m: &Sequential<f64>| {
        let tape = Tape::new();
        let y = m.forward(&tape, tape.constant(x.clone()));
        (y.value(), y.square().sum_all().backward())
    };
    let (y, grads) = run(&net);
    for every in [1, 2, 4, 9] {
        let (y2, grads2) = run(&net.clone().with_checkpoints(every));
        assert_eq!(y.data(), y2.data(), "every {every}");
        assert_same(&grads, &grads2, &format!("blocks of {every}"));
    }
}

#[test]
fn every_rnn_in_chunks_keeps_outputs_and_gradients() {
    let (steps, batch, width) = (9, 3, 2);
    let xs: Vec<Tensor<f64>> = (0..steps)
        .map(|t| tensor(&[batch, width], 10 + t as u64))
        .collect();
    let lengths = [9, 4, 0];
    for kind in [
        CellKind::ElmanTanh,
        CellKind::ElmanRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        for (layers, bidirectional) in [(1, false), (2, true)] {
            let config = RnnConfig {
                kind,
                input_size: width,
                hidden_size: 3,
                layers,
                bidirectional,
            };
            let rnn = Rnn::<f64>::new(config, &mut StdRng::seed_from_u64(3));
            for lens in [None, Some(&lengths[..])] {
                let run = |every: Option<usize>| {
                    let tape = Tape::new();
                    let inputs: Vec<Var<'_, f64>> =
                        xs.iter().map(|x| tape.var(x.clone())).collect();
                    let rnn = Rnn::from_tensors(config, named(&rnn)).unwrap();
                    let rnn = match every {
                        Some(k) => rnn.with_checkpoints(k),
                        None => rnn,
                    };
                    let out = rnn.forward(&tape, &inputs, lens);
                    let loss = Var::stack(&out.outputs, 0).square().sum_all() + out.last.sum_all();
                    let dx = tape.grad(&[loss], &inputs, false);
                    let dx: Vec<Tensor<f64>> = dx.iter().map(Var::value).collect();
                    (loss.value().item(), dx, rename(loss.backward(), &rnn))
                };
                let plain = run(None);
                for every in [1, 4, 9] {
                    let what =
                        format!("{kind:?} {layers} layers, lengths {lens:?}, chunks of {every}");
                    let chunked = run(Some(every));
                    let input_grads = plain
                        .1
                        .iter()
                        .zip(&chunked.1)
                        .map(|(a, b)| (a.data(), b.data()));
                    let weight_grads = plain
                        .2
                        .iter()
                        .zip(&chunked.2)
                        .map(|(a, b)| (&a.1[..], &b.1[..]));
                    // The fused scans form each weight gradient as one
                    // product over their steps: per chunk, then summed.
                    assert_close(&[plain.0], &[chunked.0], &what);
                    for (a, b) in input_grads.chain(weight_grads) {
                        assert_close(a, b, &what);
                    }
                }
            }
        }
    }
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-13 * (1.0 + x.abs()),
            "{what}: {x} vs {y}"
        );
    }
}

/// The net's weights by name, to build equal nets with fresh ids.
fn named(rnn: &Rnn<f64>) -> Vec<(String, Tensor<f64>)> {
    use origami_nn::Params;
    rnn.params()
        .into_iter()
        .map(|(n, p)| (n, p.value().clone()))
        .collect()
}

/// The gradients by parameter name rather than id.
fn rename(grads: Grads<f64>, rnn: &Rnn<f64>) -> Vec<(String, Vec<f64>)> {
    use origami_nn::Params;
    rnn.params()
        .into_iter()
        .map(|(n, p)| {
            (
                n,
                grads
                    .get(p.id())
                    .map(|g| g.data().to_vec())
                    .unwrap_or_default(),
            )
        })
        .collect()
}
