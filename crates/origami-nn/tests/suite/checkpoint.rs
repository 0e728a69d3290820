//! Checkpoints: round trips, and every way a file can fail to fit, each
//! reported with the file and the parameter named, the model untouched.

use std::path::PathBuf;

use origami_nn::{
    Activation, Dense, Init, Metadata, NnError, Params, load, mlp, save, save_tensors,
};
use origami_tape::Tensor;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("origami-nn-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn layer(seed: u64) -> Dense<f32> {
    Dense::new(3, 2, &mut StdRng::seed_from_u64(seed))
}

#[test]
fn round_trip_keeps_values_and_metadata() {
    let path = temp("round.safetensors");
    let net = mlp::<f64>(
        &[2, 4, 3],
        Activation::Tanh,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(1),
    );
    let meta = Metadata::from([("epoch".to_string(), "7".to_string())]);
    save(&path, &net, &meta).unwrap();
    let mut other = mlp::<f64>(
        &[2, 4, 3],
        Activation::Tanh,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(2),
    );
    let got = load(&path, &mut other).unwrap();
    assert_eq!(got, meta);
    for ((a, p), (b, q)) in net.params().iter().zip(other.params().iter()) {
        assert_eq!(a, b);
        assert_eq!(p.value(), q.value());
    }
}

#[test]
fn mismatches_are_named_and_leave_the_model_untouched() {
    let path = temp("mismatch.safetensors");
    save(&path, &layer(1), &Metadata::new()).unwrap();

    let mut wider = Dense::<f32>::new(4, 2, &mut StdRng::seed_from_u64(3));
    let before = wider.weight.value().clone();
    let err = load(&path, &mut wider).unwrap_err();
    assert!(
        matches!(err, NnError::Shape { ref name, .. } if name == "weight"),
        "{err}"
    );
    assert!(
        err.to_string().contains("[2, 4]") && err.to_string().contains("[2, 3]"),
        "{err}"
    );
    assert_eq!(wider.weight.value(), &before, "nothing changed");

    let mut no_bias =
        Dense::<f32>::with_init(3, 2, Init::Zeros, 1.0, false, &mut StdRng::seed_from_u64(0));
    let err = load(&path, &mut no_bias).unwrap_err();
    assert!(
        matches!(err, NnError::Unexpected { ref name, .. } if name == "bias"),
        "{err}"
    );

    let only_weight = temp("only_weight.safetensors");
    save(&only_weight, &no_bias, &Metadata::new()).unwrap();
    let err = load(&only_weight, &mut layer(2)).unwrap_err();
    assert!(
        matches!(err, NnError::Missing { ref name, .. } if name == "bias"),
        "{err}"
    );

    let mut double = Dense::<f64>::new(3, 2, &mut StdRng::seed_from_u64(0));
    let err = load(&path, &mut double).unwrap_err();
    assert!(
        matches!(err, NnError::Dtype { .. }) && err.to_string().contains("F32"),
        "{err}"
    );

    let err = load(&temp("absent.safetensors"), &mut layer(0)).unwrap_err();
    assert!(
        matches!(err, NnError::Io { .. }) && err.to_string().contains("absent.safetensors"),
        "{err}"
    );
}

#[test]
fn a_failed_save_keeps_the_previous_checkpoint() {
    let path = temp("keep.safetensors");
    save(&path, &layer(1), &Metadata::new()).unwrap();
    let good = std::fs::read(&path).unwrap();
    // Simulate a writer that dies mid-save: the temporary file is blocked
    // by a directory of the same name, so the write fails part-way.
    let tmp = path.with_file_name(format!(".keep.safetensors.tmp-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    assert!(save(&path, &layer(2), &Metadata::new()).is_err());
    std::fs::remove_dir(&tmp).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        good,
        "the old checkpoint is intact"
    );
    let mut back = layer(3);
    load(&path, &mut back).unwrap();
    assert_eq!(back.weight.value(), layer(1).weight.value());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Truncated or corrupted files are errors, never panics.
    #[test]
    fn damaged_files_are_errors(cut in 0usize..400, flips in proptest::collection::vec((0usize..400, any::<u8>()), 0..4)) {
        let path = temp(&format!("damaged-{cut}-{}.safetensors", flips.len()));
        let w = Tensor::<f32>::from_vec(&[2, 3], vec![1.0; 6]).unwrap();
        save_tensors(&path, &[("weight".to_string(), &w), ("bias".to_string(), &w.reshape(&[6]))], &Metadata::new()).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, b) in &flips {
            let n = bytes.len();
            bytes[at % n] ^= b;
        }
        bytes.truncate(cut.min(bytes.len()));
        std::fs::write(&path, &bytes).unwrap();
        let _ = load(&path, &mut layer(0));
        let _ = origami_nn::load_tensors::<f32>(&path);
    }
}
