//! Any bytes as a checkpoint: decoding in both precisions, and loading
//! into a small model, must return an error or a fitting model, never
//! panic or allocate beyond the input's size.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use origami_nn::{Activation, Init, Params, decode_tensors, load_bytes, mlp};
use rand::SeedableRng;

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("fuzz.safetensors");
    let _ = decode_tensors::<f64>(bytes, path);
    if let Ok((tensors, _)) = decode_tensors::<f32>(bytes, path) {
        for (_, t) in &tensors {
            assert_eq!(t.data().len(), t.shape().iter().product::<usize>());
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let mut model = mlp::<f32>(&[2, 3, 1], Activation::Tanh, Init::LecunNormal, &mut rng);
    let before: Vec<_> = model
        .params()
        .iter()
        .map(|(_, p)| p.value().clone())
        .collect();
    if load_bytes(bytes, path, &mut model).is_err() {
        let after: Vec<_> = model
            .params()
            .iter()
            .map(|(_, p)| p.value().clone())
            .collect();
        assert!(before == after, "a refused checkpoint changed the model");
    }
});
