//! A model's curvature in one number or one per layer: the Hessian's top
//! eigenvalue (power iteration on `H v`; `η_opt = 1/λ_max`), the top
//! eigenvalue of each layer's block (`H` restricted to that layer's
//! parameters) and the learning-rate groups it suggests, `η_l = 1/λ_l`
//! (Efficient BackProp, sec. 9: rates set from each layer's own
//! curvature), and the mean Gauss–Newton diagonal of each layer.

use rand::Rng;

use origami_nn::{Params, module_of};
use origami_tape::Float;

use crate::curvature::{
    Eigen, LossFn, OutputLoss, gauss_newton_diagonal_sample, hessian_vector, top_eigenvalue,
};
use crate::groups::Groups;

/// `(prefix, start, end)`: the flat range of each top-level module.
fn blocks<T: Float>(model: &impl Params<T>) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    let mut at = 0;
    for (name, p) in model.params() {
        let top = module_of(&name);
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

/// The Hessian's eigenvalue of largest magnitude (with its sign).
pub fn top_hessian_eigenvalue<T: Float, M: Params<T>>(
    loss: &impl LossFn<T, M>,
    model: &M,
    iters: usize,
    rng: &mut impl Rng,
) -> Eigen {
    top_eigenvalue(
        |v| hessian_vector(loss, model, v),
        model.num_scalars(),
        iters,
        1e-6,
        rng,
    )
}

/// Mean of the Gauss–Newton diagonal over each layer's parameters
/// (`samples` one-VJP estimates averaged).
pub fn gauss_newton_diagonal_by_layer<T: Float, M: Params<T>>(
    outputs: &impl LossFn<T, M>,
    loss: &OutputLoss<T>,
    model: &M,
    samples: usize,
    rng: &mut impl Rng,
) -> Vec<(String, f64)> {
    let n = model.num_scalars();
    let mut mean = vec![0.0; n];
    for _ in 0..samples.max(1) {
        for (m, s) in mean
            .iter_mut()
            .zip(gauss_newton_diagonal_sample(outputs, loss, model, rng))
        {
            *m += s / samples.max(1) as f64;
        }
    }
    let mut at = 0;
    let mut sums: Vec<(String, f64, usize)> =
        model.modules().into_iter().map(|l| (l, 0.0, 0)).collect();
    for (name, p) in model.params() {
        let k = p.value().numel();
        let slot = sums
            .iter_mut()
            .find(|(l, _, _)| name.starts_with(l.as_str()))
            .expect("every name has a layer");
        slot.1 += mean[at..at + k].iter().sum::<f64>();
        slot.2 += k;
        at += k;
    }
    sums.into_iter()
        .map(|(l, s, k)| (l, s / k.max(1) as f64))
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
