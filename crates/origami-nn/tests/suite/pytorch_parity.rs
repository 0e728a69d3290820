//! origami against PyTorch: the same weights and inputs give the same
//! outputs and gradients (to 1e-5 in f32) for Dense, Elman RNN, GRU, LSTM
//! and a 2-layer bidirectional GRU. The fixture comes from
//! `scripts/make_nn_fixture.py` (see its docstring to regenerate it).

use std::collections::HashMap;
use std::path::Path;

use origami_nn::{CellKind, Dense, Module, Params, Rnn, RnnConfig, assign, load_tensors};
use origami_tape::{Tape, Tensor, Var};
use rand::SeedableRng;
use rand::rngs::StdRng;

const TOLERANCE: f64 = 1e-5;

fn fixture() -> HashMap<String, Tensor<f32>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pytorch_modules.safetensors");
    load_tensors::<f32>(&path)
        .expect("fixture readable")
        .0
        .into_iter()
        .collect()
}

/// The module's weights as PyTorch's `state_dict` names them: the
/// fixture's `prefix.<name>` tensors other than the input, output,
/// cotangent and gradients, with the prefix removed.
fn state_dict(fx: &HashMap<String, Tensor<f32>>, prefix: &str) -> Vec<(String, Tensor<f32>)> {
    let recorded = ["input", "output", "cotangent"];
    fx.iter()
        .filter_map(|(key, t)| {
            let name = key.strip_prefix(prefix)?.strip_prefix('.')?;
            let weight = !name.contains('.') && !recorded.contains(&name);
            weight.then(|| (name.to_string(), t.clone()))
        })
        .collect()
}

fn worst(a: &Tensor<f32>, b: &Tensor<f32>, what: &str) -> f64 {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    a.max_abs_diff(b)
}

/// Compares every parameter gradient; returns the largest difference.
fn compare_grads(
    module: &impl Params<f32>,
    grads: &origami_tape::Grads<f32>,
    fx: &HashMap<String, Tensor<f32>>,
    prefix: &str,
) -> f64 {
    module
        .params()
        .iter()
        .map(|(name, p)| {
            worst(
                grads.get(p.id()).expect("gradient"),
                &fx[&format!("{prefix}.grad.{name}")],
                name,
            )
        })
        .fold(0.0, f64::max)
}

#[test]
fn dense_matches_pytorch() {
    let fx = fixture();
    let mut layer = Dense::<f32>::new(5, 3, &mut StdRng::seed_from_u64(0));
    assign(&mut layer, state_dict(&fx, "dense")).expect("PyTorch's names and shapes");
    let tape = Tape::new();
    let x = tape.var(fx["dense.input"].clone());
    let y = layer.forward(&tape, x);
    let loss = (y * tape.constant(fx["dense.cotangent"].clone())).sum_all();
    let dx = tape.grad(&[loss], &[x], false)[0].value();
    let diffs = [
        worst(&y.value(), &fx["dense.output"], "output"),
        compare_grads(&layer, &loss.backward(), &fx, "dense"),
        worst(&dx, &fx["dense.grad.input"], "input gradient"),
    ];
    println!(
        "dense: max |origami - pytorch| = {:.2e}",
        diffs.iter().fold(0.0f64, |a, &b| a.max(b))
    );
    assert!(diffs.iter().all(|&d| d < TOLERANCE), "{diffs:?}");
}

fn recurrent_matches_pytorch(prefix: &str, config: RnnConfig) {
    let fx = fixture();
    let rnn = Rnn::<f32>::from_tensors(config, state_dict(&fx, prefix))
        .expect("PyTorch's names and shapes");
    let input = &fx[&format!("{prefix}.input")];
    let (steps, batch, width) = (input.shape()[0], input.shape()[1], input.shape()[2]);
    let tape = Tape::new();
    let xs: Vec<Var<'_, f32>> = (0..steps)
        .map(|t| {
            tape.var(
                Tensor::from_vec(
                    &[batch, width],
                    input.data()[t * batch * width..][..batch * width].to_vec(),
                )
                .unwrap(),
            )
        })
        .collect();
    let out = rnn.forward(&tape, &xs, None);
    let outputs = Var::stack(&out.outputs, 0);
    let loss = (outputs * tape.constant(fx[&format!("{prefix}.cotangent")].clone())).sum_all();
    let dx: Vec<Var<'_, f32>> = tape.grad(&[loss], &xs, false);
    let dx = Var::stack(&dx, 0).value();
    let diffs = [
        worst(
            &outputs.value(),
            &fx[&format!("{prefix}.output")],
            "outputs",
        ),
        compare_grads(&rnn, &loss.backward(), &fx, prefix),
        worst(&dx, &fx[&format!("{prefix}.grad.input")], "input gradient"),
    ];
    println!(
        "{prefix}: max |origami - pytorch| = {:.2e}",
        diffs.iter().fold(0.0f64, |a, &b| a.max(b))
    );
    assert!(diffs.iter().all(|&d| d < TOLERANCE), "{prefix}: {diffs:?}");
}

fn config(kind: CellKind, hidden: usize, layers: usize, bidirectional: bool) -> RnnConfig {
    RnnConfig {
        kind,
        input_size: 4,
        hidden_size: hidden,
        layers,
        bidirectional,
    }
}

#[test]
fn elman_matches_pytorch() {
    recurrent_matches_pytorch("rnn", config(CellKind::ElmanTanh, 6, 1, false));
}

#[test]
fn gru_matches_pytorch() {
    recurrent_matches_pytorch("gru", config(CellKind::Gru, 6, 1, false));
}

#[test]
fn lstm_matches_pytorch() {
    recurrent_matches_pytorch("lstm", config(CellKind::Lstm, 6, 1, false));
}

#[test]
fn stacked_bidirectional_gru_matches_pytorch() {
    recurrent_matches_pytorch("bigru", config(CellKind::Gru, 3, 2, true));
}
