//! # origami-optim
//!
//! Optimizers for origami models, one family: every method implements
//! [`Optimizer`], driven by a closure that evaluates loss and gradients at
//! the model's current parameters; first-order methods also take
//! gradients directly through [`FirstOrder::update`].
//!
//! * First order: [`Sgd`] (momentum, Nesterov, weight decay, PyTorch's
//!   exact semantics), [`Adam`] and AdamW.
//! * [`Groups`]: per-layer rate scales (depth-descending, or set from
//!   curvature) and weight decay, by parameter name.
//! * [`clip_grad_norm`] / [`clip_grad_value`]; [`Schedule`] and
//!   [`BoldDriver`].
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

mod adam;
mod clip;
mod error;
mod groups;
mod optimizer;
mod schedule;
mod sgd;

pub use adam::Adam;
pub use clip::{clip_grad_norm, clip_grad_value, global_norm};
pub use error::OptimError;
pub use groups::{Group, Groups};
pub use optimizer::{Evaluation, FirstOrder, OptimState, Optimizer, check_finite_loss, pair_grads};
pub use schedule::{BoldDriver, Schedule};
pub use sgd::Sgd;
