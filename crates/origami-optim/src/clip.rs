//! Gradient clipping: by global norm across all parameters (PyTorch's
//! `clip_grad_norm_`: scale by `min(1, max / (‖g‖ + 1e-6))`) and by value.

use origami_tape::{Float, Grads};

use crate::error::OptimError;

/// The L2 norm of all gradients together, accumulated in f64.
pub fn global_norm<T: Float>(grads: &Grads<T>) -> f64 {
    grads
        .iter()
        .map(|(_, g)| g.squared_norm())
        .sum::<f64>()
        .sqrt()
}

/// Rescales `grads` so their global norm is at most `max_norm`; returns
/// the norm before clipping.
///
/// # Errors
/// [`OptimError::NonFinite`] if the norm is NaN or infinite (the gradients
/// are left as they were), [`OptimError::InvalidHyperparameter`] if
/// `max_norm` is not positive.
///
/// ```
/// use origami_optim::clip_grad_norm;
/// use origami_tape::{Tape, Tensor};
/// let w = Tensor::from_vec(&[2], vec![3.0f32, 4.0]).unwrap();
/// let tape = Tape::new();
/// let wv = tape.param(0, &w);
/// let mut grads = (wv * wv).sum_all().mul_scalar(0.5).backward(); // g = w, ‖g‖ = 5
/// assert_eq!(clip_grad_norm(&mut grads, 1.0).unwrap(), 5.0);
/// assert!((origami_optim::global_norm(&grads) - 1.0).abs() < 1e-6);
/// ```
pub fn clip_grad_norm<T: Float>(grads: &mut Grads<T>, max_norm: f64) -> Result<f64, OptimError> {
    if max_norm.is_nan() || max_norm <= 0.0 {
        let message = format!("max_norm must be positive, got {max_norm}");
        return Err(OptimError::InvalidHyperparameter {
            optimizer: "clip_grad_norm",
            message,
        });
    }
    let norm = global_norm(grads);
    if !norm.is_finite() {
        return Err(OptimError::NonFinite {
            what: format!("gradient norm {norm}"),
        });
    }
    let coef = max_norm / (norm + 1e-6);
    if coef < 1.0 {
        let c = T::from_f64(coef);
        for (_, g) in grads.iter_mut() {
            g.data_mut().iter_mut().for_each(|x| *x *= c);
        }
    }
    Ok(norm)
}

/// Clamps every gradient element to `[-limit, limit]`.
pub fn clip_grad_value<T: Float>(grads: &mut Grads<T>, limit: f64) {
    let (lo, hi) = (T::from_f64(-limit.abs()), T::from_f64(limit.abs()));
    for (_, g) in grads.iter_mut() {
        g.data_mut().iter_mut().for_each(|x| {
            *x = if *x < lo {
                lo
            } else if *x > hi {
                hi
            } else {
                *x
            }
        });
    }
}
