//! # origami-optim
//!
//! Optimizers for origami models, one family: every method implements
//! [`Optimizer`], driven by a closure that evaluates loss and gradients at
//! the model's current parameters (plus the curvature [`Method::needs`]
//! asks for); first-order methods also take gradients directly through
//! [`FirstOrder::update`]. The trait is object-safe: [`by_name`] picks a
//! method at run time as a `Box<dyn Optimizer<T, M>>`, and
//! [`Method::state`] / [`Method::load_state`] resume any of them exactly.
//!
//! * First order: [`Sgd`] (momentum, Nesterov, weight decay, PyTorch's
//!   exact semantics), [`Adam`] and AdamW.
//! * [`Groups`]: per-layer rate scales (depth-descending, or set from
//!   curvature) and weight decay, by parameter name.
//! * [`clip_grad_norm`] / [`clip_grad_value`]; [`Schedule`] and
//!   [`BoldDriver`].
//! * Second order: exact curvature products ([`hessian_vector`],
//!   [`gauss_newton_vector`]), the Gauss–Newton diagonal
//!   ([`gauss_newton_diagonal_sample`]) behind [`Sdlm`], [`Lbfgs`] with a
//!   strong-Wolfe line search, [`conjugate_gradient`], and
//!   [`top_eigenvalue`] for `η_opt = 1/λ_max`.
//! * A parameter without a gradient is an error that names it, never a
//!   silent skip.
//!
//! ```
//! use origami_nn::{mlp, Activation, Init, Module};
//! use origami_optim::{Evaluation, Optimizer, Sgd};
//! use origami_tape::{Reduction, Tape, Tensor};
//! use rand::SeedableRng;
//!
//! let mut net = mlp::<f32>(&[2, 8, 2], Activation::Tanh, Init::LecunNormal,
//!                          &mut rand::rngs::StdRng::seed_from_u64(0));
//! let x = Tensor::from_vec(&[4, 2], vec![0., 0., 0., 1., 1., 0., 1., 1.]).unwrap();
//! let mut opt = Sgd::momentum(0.5, 0.9);
//! let mut last = f64::INFINITY;
//! for _ in 0..200 {
//!     last = opt.step(&mut net, &mut |net| {
//!         let tape = Tape::new();
//!         let loss = net.forward(&tape, tape.constant(x.clone())).cross_entropy(&[0, 1, 1, 0], Reduction::Mean);
//!         Ok(Evaluation::new(loss.value().item() as f64, loss.backward()))
//!     }).unwrap();
//! }
//! assert!(last < 0.05);
//! ```

#![warn(missing_docs)]

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod adam;
mod by_name;
mod cg;
mod clip;
mod curvature;
mod error;
mod flat;
mod groups;
mod hessian_free;
mod layer_curvature;
mod lbfgs;
mod line_search;
mod optimizer;
mod parallel;
mod schedule;
mod sdlm;
mod sgd;
mod state_io;

pub use adam::Adam;
pub use by_name::{METHOD_NAMES, by_name};
pub use cg::{CgResult, CgStop, conjugate_gradient};
pub use clip::{clip_grad_norm, clip_grad_value, global_norm};
pub use curvature::{
    Eigen, LossFn, OutputLoss, gauss_newton_diagonal_sample, gauss_newton_vector, hessian_vector,
    loss_fn, online_top_eigenvalue, top_eigenvalue,
};
pub use error::OptimError;
pub use flat::{flatten_grads, flatten_params, grads_like, unflatten_into};
pub use groups::{Group, Groups};
pub use hessian_free::HessianFree;
pub use layer_curvature::{
    gauss_newton_diagonal_by_layer, layer_top_eigenvalues, top_hessian_eigenvalue,
};
pub use lbfgs::Lbfgs;
pub use line_search::{Probe, WolfeSettings, strong_wolfe};
pub use optimizer::{
    Closure, CurvatureProduct, Evaluation, FirstOrder, Method, Needs, OptimState, Optimizer,
    check_finite_loss, pair_grads,
};
pub use parallel::{shard_gradients, sharded_gradient};
pub use schedule::{BoldDriver, Schedule};
pub use sdlm::Sdlm;
pub use sgd::Sgd;
pub use state_io::{decode_state, load_state, save_state};
