//! L-BFGS (Nocedal 1980; Liu & Nocedal 1989) with the strong-Wolfe line
//! search, with the iteration and stopping rules of PyTorch's
//! `torch.optim.LBFGS` (its defaults included), so counts compare.
//!
//! The direction is `d = −H g` by the two-loop recursion over the last
//! `history` pairs `(s, y)`, with `H₀ = (sᵀy / yᵀy)·I`; pairs with
//! `sᵀy ≤ 1e-10` are skipped (no curvature information).

use origami_nn::Params;
use origami_tape::{Float, Tensor};

use crate::error::OptimError;
use crate::flat::{dot, flatten_grads, flatten_params, unflatten_into};
use crate::line_search::{WolfeSettings, strong_wolfe};
use crate::optimizer::{Closure, Method, OptimState, Optimizer, check_finite_loss};

/// The L-BFGS method.
#[derive(Clone, Debug)]
pub struct Lbfgs {
    /// Step scale (1 for L-BFGS proper).
    pub lr: f64,
    /// Iterations per `step` call.
    pub max_iter: usize,
    /// Loss evaluations per `step` call.
    pub max_eval: usize,
    /// Stop when `max |g| ≤ tolerance_grad`.
    pub tolerance_grad: f64,
    /// Stop when the loss or the step changes by less than this.
    pub tolerance_change: f64,
    /// Pairs `(s, y)` kept.
    pub history: usize,
    /// Use the strong-Wolfe line search (else fixed steps of `lr`).
    pub line_search: bool,
    pairs: Vec<(Vec<f64>, Vec<f64>, f64)>,
    direction: Vec<f64>,
    step_size: f64,
    previous_grad: Vec<f64>,
    /// Iterations and evaluations so far (over all `step` calls).
    pub iterations: usize,
    /// Loss evaluations so far.
    pub evaluations: usize,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl Lbfgs {
    /// PyTorch's defaults: 20 iterations (25 evaluations) per step,
    /// tolerances 1e-7 / 1e-9, history 100, with the line search on.
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            max_iter: 20,
            max_eval: 25,
            tolerance_grad: 1e-7,
            tolerance_change: 1e-9,
            history: 100,
            line_search: true,
            pairs: Vec::new(),
            direction: Vec::new(),
            step_size: 0.0,
            previous_grad: Vec::new(),
            iterations: 0,
            evaluations: 0,
        }
    }

    /// `−H g` by the two-loop recursion.
    fn direction_from(&self, g: &[f64]) -> Vec<f64> {
        let mut q: Vec<f64> = g.iter().map(|x| -x).collect();
        let mut alphas = vec![0.0; self.pairs.len()];
        for (i, (s, y, rho)) in self.pairs.iter().enumerate().rev() {
            alphas[i] = dot(s, &q) * rho;
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= alphas[i] * y);
        }
        let gamma = self
            .pairs
            .last()
            .map_or(1.0, |(s, y, _)| dot(s, y) / dot(y, y));
        let mut r: Vec<f64> = q.into_iter().map(|x| x * gamma).collect();
        for ((s, y, rho), alpha) in self.pairs.iter().zip(&alphas) {
            let beta = dot(y, &r) * rho;
            r.iter_mut()
                .zip(s)
                .for_each(|(r, s)| *r += s * (alpha - beta));
        }
        r
    }

    /// A restored history must have one entry per model parameter.
    fn check_history(&self, n: usize) -> Result<(), OptimError> {
        let pairs = self.pairs.iter().flat_map(|(s, y, _)| [s, y]);
        let mut vectors = [&self.direction, &self.previous_grad]
            .into_iter()
            .chain(pairs);
        match vectors.find(|v| self.iterations > 0 && v.len() != n) {
            Some(v) => Err(OptimError::State {
                message: format!(
                    "lbfgs: the saved history has vectors of {} entries, the model {n} parameters",
                    v.len()
                ),
            }),
            None => Ok(()),
        }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

impl<T: Float, M: Params<T>> Optimizer<T, M> for Lbfgs {
    fn step(&mut self, model: &mut M, closure: &mut Closure<'_, T, M>) -> Result<f64, OptimError> {
        let mut evaluate = |model: &mut M, x: &[f64]| -> Result<(f64, Vec<f64>), OptimError> {
            unflatten_into(model, x);
            let (loss, grads) = {
                let eval = closure(model)?;
                (eval.loss, eval.grads)
            };
            check_finite_loss(loss)?;
            Ok((loss, flatten_grads(model, &grads)?))
        };
        let mut x = flatten_params(model);
        self.check_history(x.len())?;
        let (first_loss, mut g) = evaluate(model, &x)?;
        let mut loss = first_loss;
        self.evaluations += 1;
        let mut evals = 1;
        if max_abs(&g) <= self.tolerance_grad {
            return Ok(first_loss);
        }
        let mut failure = None;
        for iter in 1..=self.max_iter {
            self.iterations += 1;
            if self.iterations == 1 {
                self.direction = g.iter().map(|v| -v).collect();
                self.pairs.clear();
            } else {
                let y: Vec<f64> = g
                    .iter()
                    .zip(&self.previous_grad)
                    .map(|(a, b)| a - b)
                    .collect();
                let s: Vec<f64> = self.direction.iter().map(|d| d * self.step_size).collect();
                let ys = dot(&y, &s);
                if ys > 1e-10 {
                    if self.pairs.len() == self.history {
                        self.pairs.remove(0);
                    }
                    self.pairs.push((s, y, 1.0 / ys));
                }
                self.direction = self.direction_from(&g);
            }
            self.previous_grad = g.clone();
            let previous_loss = loss;
            self.step_size = if self.iterations == 1 {
                (1.0f64).min(1.0 / g.iter().map(|v| v.abs()).sum::<f64>()) * self.lr
            } else {
                self.lr
            };
            let gtd = dot(&g, &self.direction);
            if gtd > -self.tolerance_change {
                break;
            }
            let d = self.direction.clone();
            let used = if self.line_search {
                let mut probe = |t: f64| {
                    let at: Vec<f64> = x.iter().zip(&d).map(|(x, d)| x + t * d).collect();
                    evaluate(model, &at).unwrap_or_else(|e| {
                        failure.get_or_insert(e);
                        (f64::INFINITY, vec![0.0; at.len()])
                    })
                };
                // PyTorch's settings: the search's own bracket tolerance,
                // and the evaluations this step has left.
                let settings = WolfeSettings {
                    max_evals: self.max_eval.saturating_sub(evals),
                    ..WolfeSettings::default()
                };
                let (t, f, grad, used) =
                    strong_wolfe(&mut probe, &d, self.step_size, loss, &g, gtd, settings);
                self.step_size = t;
                loss = f;
                g = grad;
                used
            } else {
                x.iter_mut()
                    .zip(&d)
                    .for_each(|(x, d)| *x += self.step_size * d);
                // As in PyTorch, the last iteration leaves the point it
                // moved to unevaluated: the next `step` starts there.
                if iter == self.max_iter {
                    0
                } else {
                    let (f, grad) = evaluate(model, &x)?;
                    loss = f;
                    g = grad;
                    1
                }
            };
            if let Some(e) = failure.take() {
                return Err(e);
            }
            if self.line_search {
                x.iter_mut()
                    .zip(&d)
                    .for_each(|(x, d)| *x += self.step_size * d);
            }
            evals += used;
            self.evaluations += used;
            let moved = max_abs(&d) * self.step_size.abs();
            if iter == self.max_iter
                || evals >= self.max_eval
                || max_abs(&g) <= self.tolerance_grad
                || moved <= self.tolerance_change
                || (loss - previous_loss).abs() < self.tolerance_change
            {
                break;
            }
        }
        unflatten_into(model, &x);
        Ok(first_loss)
    }
}

impl<T: Float> Method<T> for Lbfgs {
    fn name(&self) -> &'static str {
        "lbfgs"
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn state(&self) -> OptimState<T> {
        let tensor = |v: &[f64]| {
            let data = v.iter().map(|&x| T::from_f64(x)).collect();
            Tensor::from_vec(&[v.len()], data).expect("1-d")
        };
        let mut tensors = vec![
            ("direction".to_string(), tensor(&self.direction)),
            ("previous_grad".to_string(), tensor(&self.previous_grad)),
        ];
        for (i, (s, y, _)) in self.pairs.iter().enumerate() {
            tensors.push((format!("pair{i:05}.s"), tensor(s)));
            tensors.push((format!("pair{i:05}.y"), tensor(y)));
        }
        let scalars = vec![
            ("iterations".to_string(), self.iterations as f64),
            ("evaluations".to_string(), self.evaluations as f64),
            ("step_size".to_string(), self.step_size),
        ];
        OptimState { tensors, scalars }
    }

    fn load_state(&mut self, state: OptimState<T>) -> Result<(), OptimError> {
        let missing = |what: &str| OptimError::State {
            message: format!("lbfgs: no {what} in the saved state"),
        };
        let scalar = |k: &str| {
            state
                .scalars
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| *v)
                .ok_or_else(|| missing(k))
        };
        let vector = |k: &str| -> Result<Vec<f64>, OptimError> {
            let t = state
                .tensors
                .iter()
                .find(|(n, _)| n == k)
                .ok_or_else(|| missing(k))?;
            Ok(t.1.data().iter().map(|x| x.to_f64()).collect())
        };
        let mut pairs = Vec::new();
        for i in 0.. {
            let Ok(s) = vector(&format!("pair{i:05}.s")) else {
                break;
            };
            let y = vector(&format!("pair{i:05}.y"))?;
            let ys = dot(&s, &y);
            pairs.push((s, y, 1.0 / ys));
        }
        self.direction = vector("direction")?;
        self.previous_grad = vector("previous_grad")?;
        self.step_size = scalar("step_size")?;
        self.iterations = scalar("iterations")? as usize;
        self.evaluations = scalar("evaluations")? as usize;
        self.pairs = pairs;
        Ok(())
    }
}
