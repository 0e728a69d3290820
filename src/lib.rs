//! # origami
//!
//! Reverse-mode automatic differentiation you can see through. This crate
//! gathers the workspace's crates under one name and offers a prelude:
//!
//! * [`tape`]: tensors, the differentiable tape, gradient checks.
//! * [`nn`]: layers, recurrent nets, losses, init, checkpoints.
//! * [`optim`]: first-order and second-order optimizers, schedules.
//! * [`probe`]: linear regions, sensitivity, gradient flow, curvature.
//!
//! ```
//! use origami::prelude::*;
//! let tape = Tape::<f64>::new();
//! let x = tape.var(Tensor::scalar(2.0));
//! let grads = tape.grad(&[x * x], &[x], false);
//! assert_eq!(grads[0].value().item(), 4.0);
//! ```

#![warn(missing_docs)]

pub use origami_nn as nn;
pub use origami_optim as optim;
pub use origami_probe as probe;
pub use origami_tape as tape;

/// The names most programs need.
pub mod prelude {
    pub use origami_nn::{Activation, Dense, Embedding, Init, Module, Param, Params};
    pub use origami_optim::{Adam, Evaluation, FirstOrder, Method, Optimizer, Sgd};
    pub use origami_tape::{Float, Grads, ParamId, Reduction, Tape, Tensor, Var};
}
