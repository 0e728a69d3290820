//! What the page draws, computed from a [`Session`] and handed over as
//! JSON: the metrics, the output surface, the exact linear regions, the
//! gradient and saturation per layer, the curvature against the rate, the
//! hidden units one by one, a width-3 layer's embedding, and the points.

use origami_nn::{Activation, Params};
use origami_optim::{loss_fn, top_hessian_eigenvalue};
use origami_probe::{
    ReluNet, exact_region_polygons, layer_gradient_norms, regions_along_segment, saturation,
};
use origami_tape::Tape;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::config::{Act, DataKind};
use crate::json::{list, num, string};
use crate::session::{Session, activation, inputs_tensor, loss_on};

/// The part of the input plane (or line, and the output range) drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    /// `(lo, hi)` of the first input.
    pub x: (f64, f64),
    /// `(lo, hi)` of the second input, or of the target for 1-D data.
    pub y: (f64, f64),
}

/// More regions than this are counted but not sent to be drawn: tens of
/// thousands of outlines cost the page more than they show.
pub const MAX_DRAWN_REGIONS: usize = 5000;

/// Hidden units whose activation derivative is below this count as
/// saturated (relu: off).
pub const SATURATION_THRESHOLD: f64 = 0.05;

impl Session {
    /// The box the views cover: `[-1.5, 1.5]²` for the built-in sets, the
    /// data's bounds with a margin for uploads.
    pub fn view_box(&self) -> ViewBox {
        let builtin = self.config.data != DataKind::Csv;
        let d = self.train.dims;
        let bounds = |values: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            let margin = ((hi - lo) * 0.1).max(1e-3);
            (lo - margin, hi + margin)
        };
        let column = |c: usize| {
            self.train
                .inputs
                .iter()
                .chain(&self.test.inputs)
                .skip(c)
                .step_by(d)
                .copied()
                .collect::<Vec<f64>>()
        };
        let x = if builtin {
            (-1.5, 1.5)
        } else {
            bounds(&mut column(0).into_iter())
        };
        let y = if d == 2 {
            if builtin {
                (-1.5, 1.5)
            } else {
                bounds(&mut column(1).into_iter())
            }
        } else {
            let targets = self.train.targets.iter().chain(&self.test.targets).copied();
            bounds(&mut targets.into_iter())
        };
        ViewBox { x, y }
    }

    /// `res × res` cell centres of the 2-D box, bottom row first, or `res`
    /// points along the x range for 1-D data.
    pub fn grid(&self, res: usize) -> Vec<f64> {
        let b = self.view_box();
        let at = |(lo, hi): (f64, f64), i: usize| lo + (i as f64 + 0.5) / res as f64 * (hi - lo);
        if self.train.dims == 1 {
            return (0..res).map(|i| at(b.x, i)).collect();
        }
        (0..res)
            .flat_map(|j| (0..res).flat_map(move |i| [at(b.x, i), at(b.y, j)]))
            .collect()
    }

    /// `{step, train_loss, test_loss, train_acc, test_acc}`.
    pub fn metrics_json(&self) -> String {
        format!(
            "{{\"step\":{},\"train_loss\":{},\"test_loss\":{},\"train_acc\":{},\"test_acc\":{}}}",
            self.steps,
            num(self.loss(&self.train)),
            num(self.loss(&self.test)),
            num(self.accuracy(&self.train)),
            num(self.accuracy(&self.test)),
        )
    }

    /// The output over the grid: class probabilities (`res² × classes`)
    /// or, for 1-D data, the fitted values (`res`).
    pub fn surface_json(&self, res: usize) -> String {
        let grid = self.grid(res);
        let mut out = self.outputs(&grid, self.train.dims);
        if !self.train.is_regression() {
            for row in out.chunks_mut(self.train.classes) {
                let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                row.iter_mut().for_each(|v| *v = (*v - top).exp());
                let total: f64 = row.iter().sum();
                row.iter_mut().for_each(|v| *v /= total);
            }
        }
        let b = self.view_box();
        format!(
            "{{\"res\":{res},\"dims\":{},\"classes\":{},\"box\":{},\"values\":{}}}",
            self.train.dims,
            self.train.classes,
            list([b.x.0, b.x.1, b.y.0, b.y.1], 17),
            list(out, 4),
        )
    }

    /// The exact activation regions of a relu net inside the view box:
    /// `{count, polygons}` (2-D, flat corner lists; `null` past
    /// [`MAX_DRAWN_REGIONS`]: counted, but too many to draw) or `{count, breaks}`
    /// (1-D, the inputs where the pattern changes); `{count: null,
    /// reason}` for other activations.
    pub fn regions_json(&self) -> String {
        if self.config.act != Act::Relu {
            return format!(
                "{{\"count\":null,\"reason\":{}}}",
                string("exact linear regions exist for relu nets only")
            );
        }
        let net = ReluNet::from_params(&self.net);
        let b = self.view_box();
        if self.train.dims == 1 {
            let crossing = regions_along_segment(&net, &[b.x.0], &[b.x.1]);
            let breaks = crossing
                .boundaries
                .iter()
                .map(|t| b.x.0 + t * (b.x.1 - b.x.0));
            return format!(
                "{{\"count\":{},\"breaks\":{}}}",
                crossing.regions,
                list(breaks, 9)
            );
        }
        let regions = exact_region_polygons(&net, (b.x.0, b.y.0), (b.x.1, b.y.1));
        if regions.len() > MAX_DRAWN_REGIONS {
            return format!("{{\"count\":{},\"polygons\":null}}", regions.len());
        }
        let polygons: Vec<String> = regions
            .iter()
            .map(|r| list(r.vertices.iter().flatten().copied(), 7))
            .collect();
        format!(
            "{{\"count\":{},\"polygons\":[{}]}}",
            regions.len(),
            polygons.join(",")
        )
    }

    /// Per Dense layer on the training set: the gradient norm, and for
    /// hidden layers the shares of saturated and dead units.
    pub fn layers_json(&self) -> String {
        let tape = Tape::new();
        let grads = loss_on(&tape, &self.net, &self.train).backward();
        let norms = layer_gradient_norms(&self.net, &grads);
        let x = tape.constant(inputs_tensor(&self.train.inputs, self.train.dims));
        let outputs = self.net.forward_all(&tape, x);
        let hidden = self.config.layers.len();
        let act: Activation = activation(self.config.act);
        let rows: Vec<String> = norms
            .iter()
            .enumerate()
            .map(|(l, (name, norm))| {
                let (saturated, dead) = if l < hidden {
                    let s = saturation(&outputs[2 * l].value(), act, SATURATION_THRESHOLD);
                    (s.saturated, s.dead_units)
                } else {
                    (f64::NAN, f64::NAN)
                };
                format!(
                    "{{\"name\":{},\"grad_norm\":{},\"saturated\":{},\"dead\":{}}}",
                    string(name.trim_end_matches('.')),
                    num(*norm),
                    num(saturated),
                    num(dead)
                )
            })
            .collect();
        format!("[{}]", rows.join(","))
    }

    /// The top Hessian eigenvalue of the training loss (power iteration on
    /// exact Hessian-vector products), `η_opt = 1/λ_max`, the rate as a
    /// multiple of it, and which of the essay's regimes that is.
    pub fn curvature_json(&self) -> String {
        let train = &self.train;
        let loss = loss_fn(|tape: &Tape<f64>, net: &_| loss_on(tape, net, train));
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ self.steps as u64);
        let eigen = top_hessian_eigenvalue(&loss, &self.net, 40, &mut rng);
        let lambda = eigen.value;
        let eta_opt = if lambda > 0.0 { 1.0 / lambda } else { f64::NAN };
        let ratio = self.config.lr / eta_opt;
        format!(
            "{{\"lambda\":{},\"eta_opt\":{},\"ratio\":{},\"regime\":{}}}",
            num(lambda),
            num(eta_opt),
            num(ratio),
            string(&regime(&self.config.optimizer, lambda, ratio))
        )
    }

    /// Every hidden unit's activation over a `res`-grid (2-D: `res²`
    /// values, bottom row first; 1-D: `res`), with its incoming weights
    /// and bias: `[[{values, weights, bias}, …] per layer]`.
    pub fn neurons_json(&self, res: usize) -> String {
        let tape = Tape::new();
        let x = tape.constant(inputs_tensor(&self.grid(res), self.train.dims));
        let outputs = self.net.forward_all(&tape, x);
        let params = self.net.params();
        let layers: Vec<String> = (0..self.config.layers.len())
            .map(|l| {
                let h = outputs[2 * l + 1].value();
                let width = h.shape()[1];
                let weight = params[2 * l].1.value();
                let bias = params[2 * l + 1].1.value();
                let fan_in = weight.shape()[1];
                let units: Vec<String> = (0..width)
                    .map(|u| {
                        let values = h.data().iter().skip(u).step_by(width).copied();
                        let incoming = weight.data()[u * fan_in..(u + 1) * fan_in].iter().copied();
                        format!(
                            "{{\"values\":{},\"weights\":{},\"bias\":{}}}",
                            list(values, 3),
                            list(incoming, 4),
                            num(bias.data()[u])
                        )
                    })
                    .collect();
                format!("[{}]", units.join(","))
            })
            .collect();
        format!("{{\"res\":{res},\"layers\":[{}]}}", layers.join(","))
    }

    /// The training points as the first hidden layer of width 3 sees them
    /// (after its activation): `{layer, points, labels}`, or `null` if no
    /// hidden layer has width 3.
    pub fn embedding_json(&self) -> String {
        let Some(l) = self.config.layers.iter().position(|&w| w == 3) else {
            return "null".into();
        };
        let tape = Tape::new();
        let x = tape.constant(inputs_tensor(&self.train.inputs, self.train.dims));
        let h = self.net.forward_all(&tape, x)[2 * l + 1].value();
        let labels = self.train.labels.iter().map(|&c| c as f64);
        format!(
            "{{\"layer\":{l},\"points\":{},\"labels\":{}}}",
            list(h.data().iter().copied(), 4),
            list(labels, 1)
        )
    }
}

impl Session {
    /// The points to draw: `{dims, classes, train: {inputs, targets},
    /// test: {…}}`, targets being labels or values.
    pub fn data_json(&self) -> String {
        let part = |p: &crate::Points| {
            let targets: Vec<f64> = if p.is_regression() {
                p.targets.clone()
            } else {
                p.labels.iter().map(|&c| c as f64).collect()
            };
            format!(
                "{{\"inputs\":{},\"targets\":{}}}",
                list(p.inputs.iter().copied(), 6),
                list(targets, 6)
            )
        };
        format!(
            "{{\"dims\":{},\"classes\":{},\"train\":{},\"test\":{}}}",
            self.train.dims,
            self.train.classes,
            part(&self.train),
            part(&self.test)
        )
    }
}

/// The essay's regime for plain gradient descent at `ratio = η / η_opt`;
/// other methods are named as outside it.
pub fn regime(optimizer: &str, lambda: f64, ratio: f64) -> String {
    if lambda.is_nan() || lambda <= 0.0 {
        return "λ_max ≤ 0 here: no positive curvature to set a rate by".into();
    }
    match optimizer {
        "sgd" if ratio < 0.9 => "(a) η < η_opt: creeps down monotonically".into(),
        "sgd" if ratio <= 1.1 => "(b) η ≈ η_opt: the fastest along the top direction".into(),
        "sgd" if ratio < 2.0 => "(c) η_opt < η < 2η_opt: oscillates but converges".into(),
        "sgd" => "(d) η > 2η_opt: diverges along the top eigenvector".into(),
        "momentum" => format!(
            "heavy ball, β = 0.9: stable while η < 2(1+β)/λ = 3.8 η_opt; here η = {ratio:.2} η_opt"
        ),
        other => {
            format!("{other} rescales each step, so the regimes of plain descent do not apply")
        }
    }
}
