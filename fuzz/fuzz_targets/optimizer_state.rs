//! Any bytes as saved Adam state: decoding, restoring and the next update
//! must return errors, never panic; a refused update leaves the model as
//! it was.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use origami_nn::{Dense, Params};
use origami_optim::{Adam, FirstOrder, Method, decode_state};
use origami_tape::{Tape, Tensor};
use rand::SeedableRng;

fuzz_target!(|bytes: &[u8]| {
    let Ok(state) = decode_state::<f32>(bytes, Path::new("fuzz.safetensors"), "adam") else {
        return;
    };
    let mut opt = Adam::new(0.01);
    if opt.load_state(state).is_err() {
        return;
    }
    let mut layer = Dense::<f32>::new(3, 2, &mut rand::rngs::StdRng::seed_from_u64(0));
    let tape = Tape::new();
    let x = tape.constant(Tensor::ones(&[1, 3]));
    let y = x.matmul_t(layer.weight.bind(&tape), false, true)
        + layer.bias.as_ref().expect("bias").bind(&tape);
    let grads = y.square().sum_all().backward();
    let before: Vec<_> = layer
        .params()
        .iter()
        .map(|(_, p)| p.value().clone())
        .collect();
    if opt.update(&mut layer, &grads).is_err() {
        let after: Vec<_> = layer
            .params()
            .iter()
            .map(|(_, p)| p.value().clone())
            .collect();
        assert!(before == after, "a refused state changed the model");
    }
});
