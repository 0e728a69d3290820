//! Clipping: by value, every element clamped to `[-limit, limit]` (the
//! limit's sign ignored); by global norm, the exact rescaling PyTorch's
//! `clip_grad_norm_` applies, `max / (‖g‖ + 1e-6)`, only when below 1, and
//! refusals named.

use origami_optim::{OptimError, clip_grad_norm, clip_grad_value, global_norm};
use origami_tape::{Grads, ParamId, Tensor};

fn grads(values: &[f64]) -> Grads<f64> {
    Grads::from_entries(vec![
        (
            ParamId(0),
            Tensor::from_vec(&[2], values[..2].to_vec()).unwrap(),
        ),
        (
            ParamId(1),
            Tensor::from_vec(&[values.len() - 2], values[2..].to_vec()).unwrap(),
        ),
    ])
}

fn flat(g: &Grads<f64>) -> Vec<f64> {
    g.iter().flat_map(|(_, t)| t.data().to_vec()).collect()
}

#[test]
fn clipping_by_value_clamps_every_element() {
    for limit in [1.0, -1.0] {
        let mut g = grads(&[-3.0, -0.5, 0.0, 0.5, 3.0, 1.0, -1.0]);
        clip_grad_value(&mut g, limit);
        assert_eq!(
            flat(&g),
            [-1.0, -0.5, 0.0, 0.5, 1.0, 1.0, -1.0],
            "limit {limit}"
        );
    }
    let mut g = grads(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
    clip_grad_value(&mut g, 2.0);
    let clipped = flat(&g);
    assert!(
        clipped[0].is_nan(),
        "NaN stays NaN, as torch.clamp leaves it"
    );
    assert_eq!(clipped[1..], [2.0, -2.0]);
}

#[test]
fn clipping_by_norm_scales_exactly_as_pytorch_does() {
    // ‖g‖ = 13: scaled by 1 / (13 + 1e-6), bit for bit.
    let values = [3.0, 4.0, 12.0];
    let mut g = grads(&values);
    assert_eq!(clip_grad_norm(&mut g, 1.0).unwrap(), 13.0);
    let coef = 1.0 / (13.0 + 1e-6);
    let want: Vec<f64> = values.iter().map(|x| x * coef).collect();
    assert_eq!(flat(&g), want);
    // Under the limit: untouched.
    let mut g = grads(&values);
    assert_eq!(clip_grad_norm(&mut g, 20.0).unwrap(), 13.0);
    assert_eq!(flat(&g), values);
    assert_eq!(global_norm(&g), 13.0);
}

#[test]
fn clipping_by_norm_refuses_what_it_cannot_use() {
    for bad in [0.0, -1.0, f64::NAN] {
        let err = clip_grad_norm(&mut grads(&[1.0, 2.0, 3.0]), bad).unwrap_err();
        assert!(
            matches!(err, OptimError::InvalidHyperparameter { .. }),
            "max_norm {bad}: {err}"
        );
    }
    let values = [1.0, f64::INFINITY, 3.0];
    let mut g = grads(&values);
    let err = clip_grad_norm(&mut g, 1.0).unwrap_err();
    assert!(err.to_string().contains("gradient norm inf"), "{err}");
    assert_eq!(flat(&g), values, "left as they were");
}
