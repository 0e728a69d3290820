//! Saved optimizer state that does not fit the model, or is damaged on
//! disk, is an error naming what is wrong, and leaves the model as it was.

use std::path::Path;

use origami_nn::{Dense, Params};
use origami_optim::{
    Adam, Evaluation, FirstOrder, Lbfgs, Method, OptimError, Optimizer, Sgd, decode_state,
    save_state,
};
use origami_tape::{Grads, Tape, Tensor};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn layer(inputs: usize) -> Dense<f32> {
    Dense::new(inputs, 2, &mut StdRng::seed_from_u64(7))
}

/// The loss `|W 1 + b|^2` of a layer and its gradients.
fn loss_and_grads(layer: &Dense<f32>) -> (f64, Grads<f32>) {
    let tape = Tape::new();
    let x = tape.constant(Tensor::ones(&[1, layer.weight.shape()[1]]));
    let y = x.matmul_t(layer.weight.bind(&tape), false, true)
        + layer.bias.as_ref().unwrap().bind(&tape);
    let loss = y.square().sum_all();
    (loss.value().item() as f64, loss.backward())
}

fn grads(layer: &Dense<f32>) -> Grads<f32> {
    loss_and_grads(layer).1
}

fn trained_adam(inputs: usize) -> Adam<f32> {
    let mut model = layer(inputs);
    let mut opt = Adam::new(0.01);
    let g = grads(&model);
    opt.update(&mut model, &g).unwrap();
    opt
}

fn values(model: &Dense<f32>) -> Vec<Vec<f32>> {
    model
        .params()
        .iter()
        .map(|(_, p)| p.value().data().to_vec())
        .collect()
}

#[test]
fn a_state_for_another_shape_is_refused_before_any_change() {
    let mut opt = Adam::new(0.01);
    opt.load_state(trained_adam(4).state()).unwrap();
    let mut model = layer(3);
    let before = values(&model);
    let g = grads(&model);
    let err = opt.update(&mut model, &g).unwrap_err();
    assert!(
        err.to_string()
            .contains("slot \"weight.exp_avg\" has shape [2, 4], its parameter [2, 3]"),
        "{err}"
    );
    assert_eq!(values(&model), before, "nothing changed");
}

#[test]
fn a_state_for_other_parameters_is_refused() {
    let mut state = trained_adam(3).state();
    state.tensors[0].0 = "encoder.weight.exp_avg".to_string();
    let mut opt = Adam::new(0.01);
    opt.load_state(state).unwrap();
    let mut model = layer(3);
    let g = grads(&model);
    let err = opt.update(&mut model, &g).unwrap_err();
    assert!(
        err.to_string()
            .contains("slot \"encoder.weight.exp_avg\" belongs to no parameter"),
        "{err}"
    );
    let mut sgd = Sgd::momentum(0.1, 0.9);
    sgd.load_state(trained_adam(3).state()).unwrap();
    let err = sgd.update(&mut model, &g).unwrap_err();
    assert!(matches!(err, OptimError::State { .. }), "{err}");
}

#[test]
fn an_lbfgs_history_for_another_model_is_refused() {
    let mut small = layer(3);
    let mut lbfgs = Lbfgs::new(1.0);
    lbfgs
        .step(&mut small, &mut |m| {
            let (loss, g) = loss_and_grads(m);
            Ok(Evaluation::new(loss, g))
        })
        .unwrap();
    let state = Method::<f32>::state(&lbfgs);
    let mut big = layer(5);
    let mut resumed = Lbfgs::new(1.0);
    Method::<f32>::load_state(&mut resumed, state).unwrap();
    let err = resumed
        .step(&mut big, &mut |m| {
            let (loss, g) = loss_and_grads(m);
            Ok(Evaluation::new(loss, g))
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("lbfgs: the saved history"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Truncated or bit-flipped state files: an error, or a state that
    /// the next update accepts or refuses, never a panic.
    #[test]
    fn damaged_state_files_never_panic(
        cut in 0usize..1000,
        flips in proptest::collection::vec((0usize..1000, any::<u8>()), 0..4),
    ) {
        let dir = std::env::temp_dir().join(format!("origami-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("adam.safetensors");
        save_state(&path, "adam", &trained_adam(3).state()).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, b) in &flips {
            let n = bytes.len();
            bytes[at % n] ^= b;
        }
        bytes.truncate(cut.min(bytes.len()));
        if let Ok(state) = decode_state::<f32>(&bytes, Path::new("adam.safetensors"), "adam") {
            let mut opt = Adam::new(0.01);
            if opt.load_state(state).is_ok() {
                let mut model = layer(3);
                let g = grads(&model);
                let _ = opt.update(&mut model, &g);
            }
        }
    }
}
