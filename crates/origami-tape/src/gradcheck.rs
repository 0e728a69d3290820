//! Public derivative checks in f64 against central differences.
//!
//! * [`gradcheck`]: the full Jacobian, analytic (one VJP per output
//!   element) against numeric (one pair of evaluations per input element),
//!   compared entry by entry as `|a − n| ≤ atol + rtol·|n|` (PyTorch's slow
//!   mode); or, with `fast`, the random-projection identity
//!   `⟨u, Jᵀv⟩ = ⟨J u, v⟩` with `J u` by central differences.
//! * [`gradgradcheck`]: `gradcheck` of the backward pass itself,
//!   `(x, v) ↦ Jᵀv` recorded with `create_graph`.
//! * [`hvpcheck`]: exact Hessian-vector products of a scalar function
//!   against central differences of its gradient.

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

/// Step and tolerances; the defaults are PyTorch's (eps 1e-6, atol 1e-5,
/// rtol 1e-3).
#[derive(Clone, Debug)]
pub struct GradcheckOptions {
    /// Central-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance, against the numeric value.
    pub rtol: f64,
    /// Compare random projections instead of the whole Jacobian.
    pub fast: bool,
    /// Seed for the random directions.
    pub seed: u64,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        Self {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
            fast: false,
            seed: 0,
        }
    }
}

/// A derivative that disagrees with its finite-difference estimate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{check}: {what}: analytic {analytic:.10e} vs numeric {numeric:.10e} (difference {:.3e})", (analytic - numeric).abs())]
pub struct GradcheckError {
    /// Which check failed (`gradcheck`, `gradgradcheck`, `hvpcheck`).
    pub check: &'static str,
    /// The entry compared, e.g. `d out[3] / d input 1 [0]`.
    pub what: String,
    /// The tape's value.
    pub analytic: f64,
    /// The finite-difference estimate.
    pub numeric: f64,
}

/// A function under test: recorded values in, one recorded value out.
pub trait CheckedFn: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64> {}
impl<F: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>> CheckedFn for F {}

/// Pins a closure's signature to [`CheckedFn`]'s, lifetimes included, so
/// it can be stored in a `let` and passed to several checks. (A closure
/// written inline as an argument needs no help.)
///
/// ```
/// use origami_tape::{checked_fn, gradcheck, hvpcheck, GradcheckOptions, Tensor};
/// let f = checked_fn(|v| (v[0] * v[0]).sum_all());
/// let x = [Tensor::from_vec(&[2], vec![0.5, -1.0]).unwrap()];
/// gradcheck(&f, &x, &GradcheckOptions::default()).unwrap();
/// hvpcheck(&f, &x, &GradcheckOptions::default()).unwrap();
/// ```
pub fn checked_fn<F: for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>>(f: F) -> F {
    f
}

fn close(a: f64, n: f64, opts: &GradcheckOptions) -> bool {
    (a - n).abs() <= opts.atol + opts.rtol * n.abs()
}

/// Evaluates `f` on a fresh tape, returning its output value.
fn eval(f: &impl CheckedFn, inputs: &[Tensor<f64>]) -> Tensor<f64> {
    let tape = Tape::new();
    let vars: Vec<_> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    f(&vars).value()
}

/// `Jᵀ v` for each input.
fn vjp(f: &impl CheckedFn, inputs: &[Tensor<f64>], v: &Tensor<f64>) -> Vec<Tensor<f64>> {
    let tape = Tape::new();
    let vars: Vec<_> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let out = f(&vars);
    let v = tape.constant(v.clone());
    tape.vjp(&[out], &[v], &vars, false)
        .iter()
        .map(Var::value)
        .collect()
}

/// `(f(x + eps·u) − f(x − eps·u)) / 2eps`, with `u` one tensor per input.
fn directional(
    f: &impl CheckedFn,
    inputs: &[Tensor<f64>],
    u: &[Tensor<f64>],
    eps: f64,
) -> Vec<f64> {
    let shifted = |sign: f64| -> Vec<Tensor<f64>> {
        inputs
            .iter()
            .zip(u)
            .map(|(x, d)| {
                let data = x
                    .data()
                    .iter()
                    .zip(d.data())
                    .map(|(a, b)| a + sign * eps * b)
                    .collect();
                Tensor::from_vec(x.shape(), data).expect("same shape")
            })
            .collect()
    };
    let (plus, minus) = (eval(f, &shifted(1.0)), eval(f, &shifted(-1.0)));
    plus.data()
        .iter()
        .zip(minus.data())
        .map(|(p, m)| (p - m) / (2.0 * eps))
        .collect()
}

fn random_like(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    Tensor::rand_uniform(shape, -1.0, 1.0, rng).expect("valid bounds")
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Checks the first derivatives of `f` at `inputs` (f64, any shapes).
///
/// # Errors
/// The first entry whose analytic and numeric values disagree.
///
/// ```
/// use origami_tape::{gradcheck, GradcheckOptions, Tensor};
/// let x = Tensor::from_vec(&[3], vec![0.1, -0.5, 2.0]).unwrap();
/// gradcheck(|v| v[0].tanh() * v[0], &[x], &GradcheckOptions::default()).unwrap();
/// ```
pub fn gradcheck(
    f: impl CheckedFn,
    inputs: &[Tensor<f64>],
    opts: &GradcheckOptions,
) -> Result<(), GradcheckError> {
    check_first_order("gradcheck", &f, inputs, opts)
}

fn check_first_order(
    check: &'static str,
    f: &impl CheckedFn,
    inputs: &[Tensor<f64>],
    opts: &GradcheckOptions,
) -> Result<(), GradcheckError> {
    let out = eval(f, inputs);
    if opts.fast {
        let mut rng = StdRng::seed_from_u64(opts.seed);
        let u: Vec<_> = inputs
            .iter()
            .map(|x| random_like(x.shape(), &mut rng))
            .collect();
        let v = random_like(out.shape(), &mut rng);
        let jt_v = vjp(f, inputs, &v);
        let analytic: f64 = jt_v
            .iter()
            .zip(&u)
            .map(|(g, d)| dot(g.data(), d.data()))
            .sum();
        let numeric = dot(&directional(f, inputs, &u, opts.eps), v.data());
        if !close(analytic, numeric, opts) {
            let what = "⟨u, Jᵀv⟩ vs ⟨Ju, v⟩ for random u, v".to_string();
            return Err(GradcheckError {
                check,
                what,
                analytic,
                numeric,
            });
        }
        return Ok(());
    }
    // Analytic Jacobian, one row (output element) at a time.
    let mut rows = Vec::with_capacity(out.numel());
    for k in 0..out.numel() {
        let mut onehot = Tensor::zeros(out.shape());
        onehot.data_mut()[k] = 1.0;
        rows.push(vjp(f, inputs, &onehot));
    }
    // Numeric Jacobian, one column (input element) at a time.
    for (i, x) in inputs.iter().enumerate() {
        for e in 0..x.numel() {
            let u: Vec<_> = inputs
                .iter()
                .enumerate()
                .map(|(j, y)| {
                    let mut d = Tensor::zeros(y.shape());
                    if j == i {
                        d.data_mut()[e] = 1.0;
                    }
                    d
                })
                .collect();
            let column = directional(f, inputs, &u, opts.eps);
            for (k, &numeric) in column.iter().enumerate() {
                let analytic = rows[k][i].data()[e];
                if !close(analytic, numeric, opts) {
                    let what = format!("d out[{k}] / d input {i} [{e}]");
                    return Err(GradcheckError {
                        check,
                        what,
                        analytic,
                        numeric,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Checks second derivatives: [`gradcheck`] applied to the recorded
/// backward pass `(x, v) ↦ Jᵀv` for a random cotangent `v`.
///
/// # Errors
/// The first second-derivative entry that disagrees.
///
/// ```
/// use origami_tape::{gradgradcheck, GradcheckOptions, Tensor};
/// let x = Tensor::from_vec(&[2], vec![0.3, -1.2]).unwrap();
/// gradgradcheck(|v| v[0].sigmoid(), &[x], &GradcheckOptions::default()).unwrap();
/// ```
pub fn gradgradcheck(
    f: impl CheckedFn,
    inputs: &[Tensor<f64>],
    opts: &GradcheckOptions,
) -> Result<(), GradcheckError> {
    let out = eval(&f, inputs);
    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x5EED);
    let mut extended = inputs.to_vec();
    extended.push(random_like(out.shape(), &mut rng));
    let n = inputs.len();
    let backward_fn = checked_fn(|vars| {
        let tape = vars[0].tape();
        let out = f(&vars[..n]);
        let grads = tape.vjp(&[out], &[vars[n]], &vars[..n], true);
        let flat: Vec<_> = grads
            .iter()
            .map(|g| g.reshape(&[g.shape().iter().product()]))
            .collect();
        Var::concat(&flat, 0)
    });
    check_first_order("gradgradcheck", &backward_fn, &extended, opts)
}

/// Checks exact Hessian-vector products of the scalar `f` against central
/// differences of its gradient, in a random direction.
///
/// # Errors
/// The first component of `H v` that disagrees.
///
/// ```
/// use origami_tape::{hvpcheck, GradcheckOptions, Tensor};
/// let x = Tensor::from_vec(&[2], vec![0.3, -1.2]).unwrap();
/// hvpcheck(|v| v[0].exp().sum_all(), &[x], &GradcheckOptions::default()).unwrap();
/// ```
pub fn hvpcheck(
    f: impl CheckedFn,
    inputs: &[Tensor<f64>],
    opts: &GradcheckOptions,
) -> Result<(), GradcheckError> {
    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x4E55);
    let v: Vec<_> = inputs
        .iter()
        .map(|x| random_like(x.shape(), &mut rng))
        .collect();
    let tape = Tape::new();
    let vars: Vec<_> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let hv = tape.hvp(f(&vars), &vars, &v);
    let gradient_at = |sign: f64| -> Vec<Tensor<f64>> {
        let tape = Tape::new();
        let vars: Vec<_> = inputs
            .iter()
            .zip(&v)
            .map(|(x, d)| {
                let data = x
                    .data()
                    .iter()
                    .zip(d.data())
                    .map(|(a, b)| a + sign * opts.eps * b);
                tape.var(Tensor::from_vec(x.shape(), data.collect()).expect("same shape"))
            })
            .collect();
        tape.grad(&[f(&vars)], &vars, false)
            .iter()
            .map(Var::value)
            .collect()
    };
    let (plus, minus) = (gradient_at(1.0), gradient_at(-1.0));
    for (i, h) in hv.iter().enumerate() {
        for (e, &analytic) in h.data().iter().enumerate() {
            let numeric = (plus[i].data()[e] - minus[i].data()[e]) / (2.0 * opts.eps);
            if !close(analytic, numeric, opts) {
                let what = format!("(H v) of input {i} [{e}]");
                return Err(GradcheckError {
                    check: "hvpcheck",
                    what,
                    analytic,
                    numeric,
                });
            }
        }
    }
    Ok(())
}
