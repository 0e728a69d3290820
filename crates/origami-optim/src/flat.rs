//! Parameter-space vectors as one flat `Vec<f64>`: what curvature products,
//! conjugate gradients and L-BFGS work with. Flattening follows the
//! model's `params()` order.

use origami_nn::Params;
use origami_tape::{Float, Grads, Tensor};

use crate::error::OptimError;

/// The model's parameters, concatenated.
pub fn flatten_params<T: Float>(model: &impl Params<T>) -> Vec<f64> {
    model
        .params()
        .iter()
        .flat_map(|(_, p)| p.value().data().iter().map(|x| x.to_f64()))
        .collect()
}

/// Writes `flat` back into the model's parameters.
///
/// # Panics
/// If `flat` does not have one entry per trainable scalar.
pub fn unflatten_into<T: Float>(model: &mut impl Params<T>, flat: &[f64]) {
    assert_eq!(
        flat.len(),
        model.num_scalars(),
        "flat vector length differs from the parameter count"
    );
    let mut at = 0;
    for (_, p) in model.params_mut() {
        for w in p.value_mut().data_mut() {
            *w = T::from_f64(flat[at]);
            at += 1;
        }
    }
}

/// The gradients in the model's parameter order.
///
/// # Errors
/// [`OptimError::MissingGradient`] naming a parameter without one.
pub fn flatten_grads<T: Float, M: Params<T>>(
    model: &M,
    grads: &Grads<T>,
) -> Result<Vec<f64>, OptimError> {
    let mut flat = Vec::with_capacity(model.num_scalars());
    for (name, p) in model.params() {
        let g = grads
            .get(p.id())
            .ok_or_else(|| OptimError::MissingGradient { name: name.clone() })?;
        if g.shape() != p.shape() {
            let (param, grad) = (p.shape().to_vec(), g.shape().to_vec());
            return Err(OptimError::ShapeMismatch { name, param, grad });
        }
        flat.extend(g.data().iter().map(|x| x.to_f64()));
    }
    Ok(flat)
}

/// Splits `flat` into tensors shaped like the model's parameters.
pub fn split_like<T: Float>(model: &impl Params<T>, flat: &[f64]) -> Vec<Tensor<T>> {
    let mut at = 0;
    model
        .params()
        .iter()
        .map(|(_, p)| {
            let n = p.value().numel();
            let data = flat[at..at + n].iter().map(|&x| T::from_f64(x)).collect();
            at += n;
            Tensor::from_vec(p.shape(), data).expect("sized like the parameter")
        })
        .collect()
}

/// Concatenates tensors into one flat vector.
pub fn concat<T: Float>(tensors: &[Tensor<T>]) -> Vec<f64> {
    tensors
        .iter()
        .flat_map(|t| t.data().iter().map(|x| x.to_f64()))
        .collect()
}

/// `⟨a, b⟩`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `‖a‖₂`.
pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// A flat vector (e.g. a Gauss–Newton diagonal) as per-parameter tensors
/// keyed by parameter id, the form [`crate::Evaluation::with_curvature`]
/// takes.
pub fn grads_like<T: Float>(model: &impl Params<T>, flat: &[f64]) -> Grads<T> {
    let ids = model
        .params()
        .iter()
        .map(|(_, p)| p.id())
        .collect::<Vec<_>>();
    Grads::from_entries(ids.into_iter().zip(split_like(model, flat)).collect())
}
