//! Per-layer curvature: the top Hessian eigenvalue of each layer's block
//! (power iteration on `H` restricted to that layer's parameters), and the
//! learning-rate groups it suggests, `η_l = 1/λ_l` (Efficient BackProp,
//! sec. 9: rates set from each layer's own curvature).

use rand::Rng;

use origami_nn::Params;
use origami_tape::Float;

use crate::curvature::{Eigen, LossFn, hessian_vector, top_eigenvalue};
use crate::groups::Groups;

/// `(prefix, start, end)`: the flat range of each top-level module.
fn blocks<T: Float>(model: &impl Params<T>) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    let mut at = 0;
    for (name, p) in model.params() {
        let top = format!("{}.", name.split('.').next().unwrap_or(""));
        let n = p.value().numel();
        match out.last_mut() {
            Some((prefix, _, end)) if *prefix == top => *end += n,
            _ => out.push((top, at, at + n)),
        }
        at += n;
    }
    out
}

/// The top eigenvalue of each top-level module's Hessian block, by name
/// prefix (`"0."`, `"2."`, …).
pub fn layer_top_eigenvalues<T: Float, M: Params<T>>(
    loss: &impl LossFn<T, M>,
    model: &M,
    max_iters: usize,
    rng: &mut impl Rng,
) -> Vec<(String, Eigen)> {
    let total = model.num_scalars();
    blocks(model)
        .into_iter()
        .map(|(prefix, start, end)| {
            let apply = |v: &[f64]| {
                let mut full = vec![0.0; total];
                full[start..end].copy_from_slice(v);
                hessian_vector(loss, model, &full)[start..end].to_vec()
            };
            (
                prefix,
                top_eigenvalue(apply, end - start, max_iters, 1e-6, rng),
            )
        })
        .collect()
}

impl Groups {
    /// Rate scales `η_l / base_lr` with `η_l = 1/λ_l` for each layer whose
    /// top eigenvalue is positive (others keep scale 1).
    pub fn from_curvature(layers: &[(String, Eigen)], base_lr: f64, weight_decay: f64) -> Self {
        let scales: Vec<(String, f64)> = layers
            .iter()
            .filter(|(_, e)| e.value > 0.0)
            .map(|(prefix, e)| (prefix.clone(), e.eta_opt() / base_lr))
            .collect();
        Self::from_scales(&scales, weight_decay)
    }
}
