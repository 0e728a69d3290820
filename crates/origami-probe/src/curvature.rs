//! Curvature probes: the top Hessian eigenvalue (origami-optim's power
//! iteration; `η_opt = 1/λ_max`) and the mean Gauss–Newton diagonal of
//! each layer, from averaged one-VJP samples.

use rand::Rng;

use origami_nn::Params;
use origami_optim::{
    Eigen, LossFn, OutputLoss, gauss_newton_diagonal_sample, hessian_vector, top_eigenvalue,
};
use origami_tape::Float;

use crate::sensitivity::layers;

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
        layers(model).into_iter().map(|l| (l, 0.0, 0)).collect();
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
