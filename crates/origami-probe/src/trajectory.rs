//! Trajectory length (Raghu et al. 2017): feed a curve of inputs and
//! measure the arc length of its image after every layer. Expressive,
//! chaotic networks stretch curves exponentially with depth.

use origami_nn::Sequential;
use origami_tape::{Float, Tape, Tensor};

/// Arc length of a curve given as `[points, width]`: `Σ ‖x_{i+1} − x_i‖`.
pub fn arc_length<T: Float>(curve: &Tensor<T>) -> f64 {
    let width = curve.shape().get(1).copied().unwrap_or(1).max(1);
    let rows: Vec<&[T]> = curve.data().chunks(width).collect();
    rows.windows(2)
        .map(|w| {
            w[0].iter()
                .zip(w[1])
                .map(|(a, b)| (b.to_f64() - a.to_f64()).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .sum()
}

/// The input curve's length followed by the length of its image after
/// every module of `net`.
pub fn trajectory_lengths<T: Float>(net: &Sequential<T>, curve: &Tensor<T>) -> Vec<f64> {
    let tape = Tape::inference();
    let images = net.forward_all(&tape, tape.constant(curve.clone()));
    std::iter::once(arc_length(curve))
        .chain(images.iter().map(|v| arc_length(&v.value())))
        .collect()
}

/// `points` inputs on the circle `cos θ · u + sin θ · v` (a closed curve),
/// for input width `u.len()`.
pub fn circle<T: Float>(u: &[f64], v: &[f64], points: usize) -> Tensor<T> {
    let data = (0..=points)
        .flat_map(|i| {
            let th = 2.0 * std::f64::consts::PI * i as f64 / points as f64;
            u.iter()
                .zip(v)
                .map(move |(a, b)| T::from_f64(th.cos() * a + th.sin() * b))
        })
        .collect();
    Tensor::from_vec(&[points + 1, u.len()], data).expect("sized")
}
