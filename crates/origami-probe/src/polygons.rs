//! Exact activation regions of a ReLU network with 2-D inputs inside a
//! box, by splitting convex polygons: start from the box; for every hidden
//! unit, layer by layer, cut every current polygon along the line where
//! that unit's pre-activation (affine inside the polygon) is zero. Each
//! final polygon is one activation region (clipped to the box), with its
//! pattern. Unlike a grid, no region is missed however thin it is.

use crate::regions::ReluNet;

/// A convex polygon with the affine map `h(x) = A x + c` of the current
/// layer's outputs on it, and the activation pattern so far.
#[derive(Clone)]
struct Piece {
    vertices: Vec<[f64; 2]>,
    a: Vec<[f64; 2]>,
    c: Vec<f64>,
    pattern: Vec<bool>,
}

/// One activation region: a convex polygon (clipped to the box) and the
/// on/off state of every hidden unit on it, layer by layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// The polygon's corners, counter-clockwise or clockwise.
    pub vertices: Vec<[f64; 2]>,
    /// `true` where a hidden unit is on (positive pre-activation).
    pub pattern: Vec<bool>,
}

fn area(v: &[[f64; 2]]) -> f64 {
    let n = v.len();
    (0..n)
        .map(|i| v[i][0] * v[(i + 1) % n][1] - v[(i + 1) % n][0] * v[i][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

/// The part of polygon `v` where `g·x + d ≥ 0` (sign +1) or `≤ 0` (−1).
fn clip(v: &[[f64; 2]], g: [f64; 2], d: f64, sign: f64) -> Vec<[f64; 2]> {
    let side = |p: &[f64; 2]| sign * (g[0] * p[0] + g[1] * p[1] + d);
    let mut out = Vec::new();
    for i in 0..v.len() {
        let (p, q) = (v[i], v[(i + 1) % v.len()]);
        let (sp, sq) = (side(&p), side(&q));
        if sp >= 0.0 {
            out.push(p);
        }
        if (sp > 0.0 && sq < 0.0) || (sp < 0.0 && sq > 0.0) {
            let t = sp / (sp - sq);
            out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
        }
    }
    out
}

/// The number of activation regions of `net` (2-D input) meeting the box
/// `[lo.0, hi.0] × [lo.1, hi.1]`; pieces smaller than `1e-12` of the
/// box's area are discarded as rounding.
///
/// # Panics
/// If the network does not take 2-D inputs.
pub fn exact_regions_in_box(net: &ReluNet, lo: (f64, f64), hi: (f64, f64)) -> usize {
    exact_region_polygons(net, lo, hi).len()
}

/// The activation regions of `net` (2-D input) inside the box
/// `[lo.0, hi.0] × [lo.1, hi.1]`, as polygons with their patterns: the
/// map [`exact_regions_in_box`] counts.
///
/// # Panics
/// If the network does not take 2-D inputs.
pub fn exact_region_polygons(net: &ReluNet, lo: (f64, f64), hi: (f64, f64)) -> Vec<Region> {
    assert_eq!(
        net.inputs(),
        2,
        "exact_region_polygons: the network must take 2-D inputs"
    );
    let box_area = (hi.0 - lo.0) * (hi.1 - lo.1);
    let tiny = 1e-12 * box_area;
    let identity = Piece {
        vertices: vec![[lo.0, lo.1], [hi.0, lo.1], [hi.0, hi.1], [lo.0, hi.1]],
        a: vec![[1.0, 0.0], [0.0, 1.0]],
        c: vec![0.0, 0.0],
        pattern: Vec::new(),
    };
    let mut pieces = vec![identity];
    for (w, b) in &net.layers[..net.layers.len().saturating_sub(1)] {
        // Pre-activations z = W h + b = (W A) x + (W c + b) on each piece.
        let mut next = Vec::new();
        for piece in pieces {
            let za: Vec<[f64; 2]> = w
                .iter()
                .map(|row| {
                    let mut g = [0.0; 2];
                    for (wk, ak) in row.iter().zip(&piece.a) {
                        g[0] += wk * ak[0];
                        g[1] += wk * ak[1];
                    }
                    g
                })
                .collect();
            let zc: Vec<f64> = w
                .iter()
                .zip(b)
                .map(|(row, bi)| row.iter().zip(&piece.c).map(|(a, c)| a * c).sum::<f64>() + bi)
                .collect();
            // Split by every unit of this layer, tracking which side is on.
            let mut parts: Vec<(Vec<[f64; 2]>, Vec<bool>)> =
                vec![(piece.vertices.clone(), piece.pattern.clone())];
            for (g, d) in za.iter().zip(&zc) {
                let mut split = Vec::new();
                for (v, on) in parts {
                    if g[0] == 0.0 && g[1] == 0.0 {
                        // Constant on the piece (e.g. every input to it is
                        // off): no cut; the unit is on iff the constant is > 0.
                        let mut pattern = on.clone();
                        pattern.push(*d > 0.0);
                        split.push((v, pattern));
                        continue;
                    }
                    for (sign, active) in [(1.0, true), (-1.0, false)] {
                        let part = clip(&v, *g, *d, sign);
                        if part.len() >= 3 && area(&part) > tiny {
                            let mut pattern = on.clone();
                            pattern.push(active);
                            split.push((part, pattern));
                        }
                    }
                }
                parts = split;
            }
            let earlier = piece.pattern.len();
            for (vertices, pattern) in parts {
                let on = &pattern[earlier..];
                let a = za
                    .iter()
                    .zip(on)
                    .map(|(g, &o)| if o { *g } else { [0.0, 0.0] })
                    .collect();
                let c = zc
                    .iter()
                    .zip(on)
                    .map(|(d, &o)| if o { *d } else { 0.0 })
                    .collect();
                next.push(Piece {
                    vertices,
                    a,
                    c,
                    pattern,
                });
            }
        }
        pieces = next;
    }
    pieces
        .into_iter()
        .map(|p| Region {
            vertices: p.vertices,
            pattern: p.pattern,
        })
        .collect()
}
