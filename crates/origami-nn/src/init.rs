//! Initialization schemes, all seeded through the caller's `rand` RNG.
//!
//! For a weight of shape `[fan_out, fan_in, …]` (PyTorch's layout; extra
//! axes multiply both fans), with gain `g`:
//!
//! | scheme | distribution |
//! |---|---|
//! | `LecunNormal` | `N(0, g² / fan_in)` (LeCun 1998: std = fan_in^-1/2) |
//! | `XavierUniform` | `U(±g·√(6 / (fan_in + fan_out)))` |
//! | `XavierNormal` | `N(0, g² · 2 / (fan_in + fan_out))` |
//! | `KaimingNormal` | `N(0, g² / fan_in)`, pass `g = √2` for relu |
//! | `KaimingUniform` | `U(±g·√(3 / fan_in))` |
//! | `PytorchDefault` | `U(±1/√fan_in)`: `nn.Linear`'s weight and bias |
//! | `Orthogonal` | `g ·` the Q of a QR of a normal matrix (Saxe et al.) |
//! | `Uniform(b)`, `Normal(s)`, `Constant(c)`, `Zeros` | as named, `g` unused |

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

use origami_tape::{Float, Tensor};

/// How to draw a tensor's initial values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// Every element the same value.
    Constant(f64),
    /// Uniform in `[-b, b)`.
    Uniform(f64),
    /// Normal with mean 0 and this standard deviation.
    Normal(f64),
    /// Normal, std `g / √fan_in`.
    LecunNormal,
    /// Uniform, bound `g·√(6 / (fan_in + fan_out))`.
    XavierUniform,
    /// Normal, std `g·√(2 / (fan_in + fan_out))`.
    XavierNormal,
    /// Normal, std `g / √fan_in`.
    KaimingNormal,
    /// Uniform, bound `g·√(3 / fan_in)`.
    KaimingUniform,
    /// Uniform, bound `1/√fan_in` (PyTorch's `nn.Linear` default).
    PytorchDefault,
    /// A (semi-)orthogonal matrix times `g`; 2-D or more (flattened).
    Orthogonal,
}

/// `(fan_in, fan_out)` of a weight shape `[out, in, …]`; a 1-D shape
/// counts its length as both.
pub fn fans(shape: &[usize]) -> (usize, usize) {
    match shape {
        [] => (1, 1),
        [n] => (*n, *n),
        [out, inp, rest @ ..] => {
            let field: usize = rest.iter().product();
            (inp * field, out * field)
        }
    }
}

impl Init {
    /// Draws a tensor of `shape` with gain `gain`.
    pub fn tensor<T: Float>(self, shape: &[usize], gain: f64, rng: &mut impl Rng) -> Tensor<T> {
        let (fan_in, fan_out) = fans(shape);
        let n: usize = shape.iter().product();
        let (fi, fo) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        let data = match self {
            Init::Zeros => vec![0.0; n],
            Init::Constant(c) => vec![c; n],
            Init::Uniform(b) => uniform(n, b.abs(), rng),
            Init::Normal(s) => normal(n, s.abs(), rng),
            Init::LecunNormal | Init::KaimingNormal => normal(n, gain / fi.sqrt(), rng),
            Init::XavierUniform => uniform(n, gain * (6.0 / (fi + fo)).sqrt(), rng),
            Init::XavierNormal => normal(n, gain * (2.0 / (fi + fo)).sqrt(), rng),
            Init::KaimingUniform => uniform(n, gain * (3.0 / fi).sqrt(), rng),
            Init::PytorchDefault => uniform(n, 1.0 / fi.sqrt(), rng),
            Init::Orthogonal => orthogonal(shape, gain, rng),
        };
        let data = data.into_iter().map(T::from_f64).collect();
        Tensor::from_vec(shape, data).expect("length matches shape")
    }
}

fn uniform(n: usize, bound: f64, rng: &mut impl Rng) -> Vec<f64> {
    if bound == 0.0 || !bound.is_finite() {
        return vec![0.0; n];
    }
    let d = Uniform::new(-bound, bound).expect("finite positive bound");
    (0..n).map(|_| d.sample(rng)).collect()
}

fn normal(n: usize, std: f64, rng: &mut impl Rng) -> Vec<f64> {
    let d = Normal::new(0.0, if std.is_finite() { std } else { 0.0 }).expect("finite std");
    (0..n).map(|_| d.sample(rng)).collect()
}

/// `gain · Q` for a `rows × cols` view of `shape` (rows = shape[0]):
/// orthonormal rows if rows ≤ cols, else orthonormal columns.
fn orthogonal(shape: &[usize], gain: f64, rng: &mut impl Rng) -> Vec<f64> {
    let rows = shape.first().copied().unwrap_or(1);
    let cols: usize = shape.iter().skip(1).product();
    let (long, short) = (rows.max(cols), rows.min(cols));
    let normal = Normal::new(0.0, 1.0).expect("unit normal");
    // `short` vectors of length `long`, orthonormalised by modified
    // Gram-Schmidt (twice, for accuracy); redrawn if degenerate.
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(short);
    while basis.len() < short {
        let mut v: Vec<f64> = (0..long).map(|_| normal.sample(rng)).collect();
        for _ in 0..2 {
            for b in &basis {
                let d: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                v.iter_mut().zip(b).for_each(|(x, y)| *x -= d * y);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-6 {
            basis.push(v.into_iter().map(|x| x / norm).collect());
        }
    }
    let mut out = vec![0.0; rows * cols];
    for (i, b) in basis.iter().enumerate() {
        for (j, &x) in b.iter().enumerate() {
            // rows ≤ cols: basis vectors are rows; otherwise columns.
            let at = if rows <= cols {
                i * cols + j
            } else {
                j * cols + i
            };
            out[at] = gain * x;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn std_of(t: &Tensor<f64>) -> f64 {
        let n = t.numel() as f64;
        let mean = t.data().iter().sum::<f64>() / n;
        (t.data().iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt()
    }

    #[test]
    fn sample_std_is_within_five_percent_of_the_target() {
        let mut rng = StdRng::seed_from_u64(3);
        let shape = [256, 256];
        let fan = 256f64;
        let cases = [
            (Init::LecunNormal, 1.0, 1.0 / fan.sqrt()),
            (Init::KaimingNormal, 2f64.sqrt(), (2.0 / fan).sqrt()),
            (Init::XavierNormal, 1.0, (2.0 / (2.0 * fan)).sqrt()),
            (
                Init::XavierUniform,
                1.0,
                (6.0 / (2.0 * fan)).sqrt() / 3f64.sqrt(),
            ),
            (Init::KaimingUniform, 1.0, (3.0 / fan).sqrt() / 3f64.sqrt()),
            (Init::PytorchDefault, 1.0, 1.0 / fan.sqrt() / 3f64.sqrt()),
            (Init::Normal(0.3), 1.0, 0.3),
            (Init::Orthogonal, 1.0, 1.0 / fan.sqrt()),
        ];
        for (init, gain, want) in cases {
            let got = std_of(&init.tensor::<f64>(&shape, gain, &mut rng));
            assert!(
                (got / want - 1.0).abs() < 0.05,
                "{init:?}: std {got} vs {want}"
            );
        }
    }

    #[test]
    fn orthogonal_rows_or_columns_are_orthonormal() {
        let mut rng = StdRng::seed_from_u64(5);
        for (rows, cols) in [(8, 8), (4, 9), (9, 4)] {
            let q = Init::Orthogonal.tensor::<f64>(&[rows, cols], 1.0, &mut rng);
            let d = q.data();
            let (n, len) = if rows <= cols {
                (rows, cols)
            } else {
                (cols, rows)
            };
            let at = |v: usize, k: usize| {
                if rows <= cols {
                    d[v * cols + k]
                } else {
                    d[k * cols + v]
                }
            };
            for a in 0..n {
                for b in 0..n {
                    let dot: f64 = (0..len).map(|k| at(a, k) * at(b, k)).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!(
                        (dot - want).abs() < 1e-10,
                        "{rows}x{cols}: <{a},{b}> = {dot}"
                    );
                }
            }
        }
    }

    #[test]
    fn seeded_draws_repeat() {
        let draw =
            || Init::XavierUniform.tensor::<f32>(&[3, 4], 1.0, &mut StdRng::seed_from_u64(9));
        assert_eq!(draw(), draw());
        assert_eq!(
            Init::Constant(0.5)
                .tensor::<f32>(&[2], 1.0, &mut StdRng::seed_from_u64(0))
                .data(),
            &[0.5, 0.5]
        );
    }
}
