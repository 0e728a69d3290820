//! # origami-tape
//!
//! Tensors and a differentiable tape for reverse-mode automatic
//! differentiation on CPU, in `f32` (training) and `f64` (checking).
//!
//! * [`Tensor`]: an owned, contiguous, row-major n-d array.
//! * [`Tape`]: a Wengert list that lives for one step; [`Var`] is a `Copy`
//!   handle to a value recorded on it, so expressions read like maths.
//! * Parameters are plain tensors bound with [`Tape::param`];
//!   [`Var::backward`] returns their [`Grads`].
//! * Every backward rule is written with differentiable ops, so
//!   [`Tape::grad`] with `create_graph` gives higher derivatives, and
//!   [`Tape::hvp`] / [`Tape::jvp`] exact curvature and tangent products.
//! * [`gradcheck`], [`gradgradcheck`] and [`hvpcheck`] compare all of this
//!   against central differences.
//!
//! Error policy: composing ops with incompatible shapes is a programming
//! error and panics with the op and the shapes in the message (like an
//! index out of bounds); building tensors from outside data returns
//! [`TapeError`].
//!
//! ```
//! use origami_tape::{Reduction, Tape, Tensor};
//!
//! // Parameters live outside the tape; each step binds them afresh.
//! let w = Tensor::from_vec(&[2, 2], vec![0.5f32, -0.3, 0.8, 0.1])?;
//! let b = Tensor::zeros(&[2]);
//! let x = Tensor::from_vec(&[3, 2], vec![1.0, 2.0, -1.0, 0.5, 0.0, 1.0])?;
//!
//! let tape = Tape::new();
//! let (wv, bv) = (tape.param(0, &w), tape.param(1, &b));
//! let logits = (tape.constant(x).matmul(wv) + bv).tanh();
//! let loss = logits.cross_entropy(&[0, 1, 1], Reduction::Mean);
//! let grads = loss.backward();
//! assert_eq!(grads.get(0).unwrap().shape(), &[2, 2]);
//! assert!(grads.unreached().is_empty());
//! # Ok::<(), origami_tape::TapeError>(())
//! ```

#![warn(missing_docs)]

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod algebra;
mod anomaly;
mod backward;
mod buffer;
mod close;
mod error;
mod float;
mod gradcheck;
mod grads;
mod higher;
mod kernels;
mod ops;
mod shape;
mod tape;
mod tensor;

pub use anomaly::{Anomaly, Phase};
pub use buffer::cache::{MemoryStats, memory_stats, release_cached_memory};
pub use close::check_close;
pub use error::TapeError;
pub use float::Float;
pub use gradcheck::{
    CheckedFn, GradcheckError, GradcheckOptions, checked_fn, gradcheck, gradgradcheck, hvpcheck,
};
pub use grads::{Grads, ParamId};
pub use kernels::backoff::ThreadBackoff;
pub use kernels::gemm::{set_threads, single_threaded, threads};
pub use ops::{ElmanScan, Nonlinearity, Reduction};
pub use shape::{Shape, shape_of};
pub use tape::{Tape, Var};
pub use tensor::Tensor;
