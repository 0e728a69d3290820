//! Linear regions of a ReLU network: the exact number of activation
//! regions a segment crosses (walking from boundary to boundary, not
//! sampling), and the distinct activation patterns on a 2-D grid (a lower
//! bound that refines with resolution), with the pattern map for plots.
//!
//! What is counted: *activation regions*, sets of inputs sharing the sign
//! pattern of every hidden pre-activation. Inside one the network is
//! affine; two neighbours can compute the same affine map (e.g. behind a
//! zero weight), so linear pieces can be fewer than regions, never more.
//! A neuron that touches zero without changing sign does not split a
//! region.

use std::collections::HashMap;

use origami_nn::Params;
use origami_tape::Tensor;

/// A fully connected ReLU network in f64: `h ← relu(W h + b)` for every
/// layer but the last, which is affine. Weights are `[out, in]`.
#[derive(Clone, Debug)]
pub struct ReluNet {
    /// `(W, b)` per layer.
    pub layers: Vec<(Vec<Vec<f64>>, Vec<f64>)>,
}

impl ReluNet {
    /// From `(weight, bias)` tensors, `[out, in]` and `[out]`.
    ///
    /// # Panics
    /// If the shapes do not chain.
    pub fn new(layers: &[(Tensor<f64>, Tensor<f64>)]) -> Self {
        let mut out = Vec::new();
        for (i, (w, b)) in layers.iter().enumerate() {
            let [rows, cols] = *w.shape() else {
                panic!("ReluNet: layer {i} weight is not 2-D: {:?}", w.shape())
            };
            assert_eq!(b.shape(), &[rows], "ReluNet: layer {i} bias shape");
            if let Some((prev, _)) = out.last() {
                let prev: &Vec<Vec<f64>> = prev;
                assert_eq!(
                    prev.len(),
                    cols,
                    "ReluNet: layer {i} expects {cols} inputs, gets {}",
                    prev.len()
                );
            }
            let rows_vec = w.data().chunks(cols.max(1)).map(<[f64]>::to_vec).collect();
            out.push((rows_vec, b.data().to_vec()));
        }
        Self { layers: out }
    }

    /// From a model whose parameters come in `(weight, bias)` pairs in
    /// order (an `mlp` with ReLU activations).
    pub fn from_params(model: &impl Params<f64>) -> Self {
        let params: Vec<Tensor<f64>> = model
            .params()
            .iter()
            .map(|(_, p)| p.value().clone())
            .collect();
        let pairs: Vec<(Tensor<f64>, Tensor<f64>)> = params
            .chunks(2)
            .map(|c| (c[0].clone(), c[1].clone()))
            .collect();
        Self::new(&pairs)
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.layers
            .first()
            .map_or(0, |(w, _)| w.first().map_or(0, Vec::len))
    }

    /// Hidden pre-activations at `x` and their derivatives along `dx`,
    /// with the activation pattern taken from `pattern_at` (the same point
    /// or a point just past it). Returns `(z, dz)` for every hidden unit.
    fn hidden(
        &self,
        x: &[f64],
        dx: &[f64],
        pattern: Option<&[bool]>,
    ) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
        let (mut h, mut dh) = (x.to_vec(), dx.to_vec());
        let (mut zs, mut dzs, mut signs) = (Vec::new(), Vec::new(), Vec::new());
        for (w, b) in &self.layers[..self.layers.len().saturating_sub(1)] {
            let z: Vec<f64> = w
                .iter()
                .zip(b)
                .map(|(row, bi)| row.iter().zip(&h).map(|(a, c)| a * c).sum::<f64>() + bi)
                .collect();
            let dz: Vec<f64> = w
                .iter()
                .map(|row| row.iter().zip(&dh).map(|(a, c)| a * c).sum())
                .collect();
            let on: Vec<bool> = match pattern {
                Some(p) => p[signs.len()..signs.len() + z.len()].to_vec(),
                None => z.iter().map(|&v| v > 0.0).collect(),
            };
            h = z
                .iter()
                .zip(&on)
                .map(|(&v, &o)| if o { v } else { 0.0 })
                .collect();
            dh = dz
                .iter()
                .zip(&on)
                .map(|(&v, &o)| if o { v } else { 0.0 })
                .collect();
            zs.extend(z);
            dzs.extend(dz);
            signs.extend(on);
        }
        (zs, dzs, signs)
    }

    /// The activation pattern at `x` (one bit per hidden unit).
    pub fn pattern(&self, x: &[f64]) -> Vec<bool> {
        self.hidden(x, &vec![0.0; x.len()], None).2
    }
}

/// What walking a segment found.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentRegions {
    /// Activation regions crossed, ends included.
    pub regions: usize,
    /// Where the pattern changed, as fractions of the segment in (0, 1).
    pub boundaries: Vec<f64>,
}

/// Exact count of activation regions along `a → b`: inside a region every
/// pre-activation is affine in `t`, so the next boundary is the smallest
/// positive root `−z_i/ż_i`; step just past it, recompute the pattern,
/// count if it changed. Ties (several units crossing at once) count once.
pub fn regions_along_segment(net: &ReluNet, a: &[f64], b: &[f64]) -> SegmentRegions {
    const STEP: f64 = 1e-9;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let at = |t: f64| -> Vec<f64> { a.iter().zip(&d).map(|(x, dx)| x + t * dx).collect() };
    let mut t = 0.0;
    let mut pattern = net.pattern(&at(STEP.min(0.5)));
    let mut boundaries = Vec::new();
    loop {
        let (z, dz, _) = net.hidden(&at(t), &d, Some(&pattern));
        let next = z
            .iter()
            .zip(&dz)
            .filter(|(_, s)| **s != 0.0)
            .map(|(&v, &s)| -v / s)
            .filter(|&dt| dt > STEP)
            .fold(f64::INFINITY, f64::min);
        if next.is_nan() || t + next >= 1.0 {
            break;
        }
        t += next;
        let after = net.pattern(&at(t + STEP));
        if after != pattern {
            boundaries.push(t);
            pattern = after;
        }
        t += STEP;
    }
    SegmentRegions {
        regions: boundaries.len() + 1,
        boundaries,
    }
}

/// Distinct activation patterns on a `resolution × resolution` grid over
/// `[lo.0, hi.0] × [lo.1, hi.1]` (2-D inputs), and the map from each grid
/// point (row-major, y outer) to a pattern number, for plotting.
#[derive(Clone, Debug)]
pub struct GridPatterns {
    /// Distinct patterns seen: a lower bound on the regions in the box.
    pub distinct: usize,
    /// Pattern number of every grid point.
    pub map: Vec<u32>,
    /// Points per side.
    pub resolution: usize,
}

/// Counts activation patterns on a grid; see [`GridPatterns`].
///
/// # Panics
/// If the network does not take 2-D inputs.
pub fn patterns_on_grid(
    net: &ReluNet,
    lo: (f64, f64),
    hi: (f64, f64),
    resolution: usize,
) -> GridPatterns {
    assert_eq!(
        net.inputs(),
        2,
        "patterns_on_grid: the network must take 2-D inputs"
    );
    let mut ids: HashMap<Vec<bool>, u32> = HashMap::new();
    let mut map = Vec::with_capacity(resolution * resolution);
    let step = |l: f64, h: f64, i: usize| l + (h - l) * (i as f64 + 0.5) / resolution as f64;
    for r in 0..resolution {
        for c in 0..resolution {
            let p = net.pattern(&[step(lo.0, hi.0, c), step(lo.1, hi.1, r)]);
            let next = ids.len() as u32;
            map.push(*ids.entry(p).or_insert(next));
        }
    }
    GridPatterns {
        distinct: ids.len(),
        map,
        resolution,
    }
}
