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
//! ## Four ways to ask for derivatives
//!
//! | call | for | returns | an input the output does not depend on |
//! |---|---|---|---|
//! | [`Var::backward`] | training: parameters bound with [`Tape::param`] | [`Grads`], a tensor per [`ParamId`] | no entry, and listed in [`Grads::unreached`] |
//! | [`Tape::grad`] | any `Var`s, and higher order (`create_graph`) | a `Var` per input, recorded on the tape | a zero `Var` of its shape |
//! | [`Tape::hvp`] | Hessian times vectors, exactly | a `Tensor` per input | zeros |
//! | [`Tape::jvp`] | Jacobian times tangents (forward mode) | a `Tensor` | zeros |
//!
//! `backward` keeps a missing gradient visible because a parameter that
//! never reaches the loss is usually a bug; `grad` returns zeros so that
//! its results compose into further derivatives.
//!
//! ## Memory on demand
//!
//! [`Tape::checkpoint`] records a closure as one node that keeps only its
//! outputs and runs the closure again during backward: activation memory
//! for compute. Gradients through it are the plain tape's, bit for bit,
//! and all four ways above work through it.
//!
//! ## The ops
//!
//! Every op is a method on [`Var`] (operators for `+ - * /`); each one's
//! gradient, second derivative and Hessian-vector product are checked
//! against central differences on random shapes, and its eager backward
//! pass against the recorded one (the op spec table in
//! `tests/suite/op_spec.rs`, which fails when a public op has no row). A backward
//! rule is written once, generic over tensors (eager) and recorded values
//! (`create_graph`); a fused op may add a direct kernel for the eager pass
//! (the recurrences' back-propagation through time), which that table
//! holds to the recorded rule, which for the recurrences is the
//! step-by-step composition they fuse, differentiated.
//!
//! | family | ops | shapes | derivative notes |
//! |---|---|---|---|
//! | element-wise | `-x`, [`exp`](Var::exp), [`log`](Var::log), [`log1p`](Var::log1p), [`expm1`](Var::expm1), [`sqrt`](Var::sqrt), [`square`](Var::square), [`powf`](Var::powf), [`abs`](Var::abs), [`sign`](Var::sign), [`sin`](Var::sin), [`cos`](Var::cos), [`clamp`](Var::clamp), [`add_scalar`](Var::add_scalar), [`mul_scalar`](Var::mul_scalar) | any; same shape out | `abs`, `clamp` take the slope of their piece (0 at `abs`'s kink); `sign` has zero gradient |
//! | activations | [`tanh`](Var::tanh), [`sigmoid`](Var::sigmoid), [`relu`](Var::relu), [`leaky_relu`](Var::leaky_relu), [`softplus`](Var::softplus), [`silu`](Var::silu), [`gelu_tanh`](Var::gelu_tanh) | any | `relu`'s slope is 0 at 0, as in PyTorch |
//! | binary | `+ - * /` (also with a scalar on either side; [`rsub`](Var::rsub), [`rdiv`](Var::rdiv) for generic code), [`pow`](Var::pow), [`maximum`](Var::maximum), [`minimum`](Var::minimum) | NumPy broadcasting | broadcast axes sum their gradient; ties of `maximum`/`minimum` split it |
//! | products | [`matmul`](Var::matmul), [`matmul_t`](Var::matmul_t), [`einsum`](Var::einsum) | `matmul`: PyTorch's rules (vectors, broadcast batch axes); `matmul_t`: 2-D, batched 3-D, 3-D × 2-D | `matmul_t` multiplies by transposes without copying; `einsum` is built from sums, permutes and batched products |
//! | reductions | [`sum`](Var::sum), [`mean`](Var::mean), [`sum_all`](Var::sum_all), [`mean_all`](Var::mean_all), [`max`](Var::max), [`min`](Var::min) (one axis), [`amax`](Var::amax), [`amin`](Var::amin), [`var`](Var::var), [`std`](Var::std), [`logsumexp`](Var::logsumexp) (several axes); each has a `_keepdim` form (PyTorch's `keepdim=True`) | over axes | the extremes send the gradient to the extreme element |
//! | softmax and losses | [`softmax`](Var::softmax), [`log_softmax`](Var::log_softmax), [`cross_entropy`](Var::cross_entropy), [`mse`](Var::mse) | along an axis; `[N, C]` logits | fused, stable forms |
//! | layout | [`reshape`](Var::reshape), [`permute`](Var::permute), [`transpose`](Var::transpose), [`broadcast_to`](Var::broadcast_to), [`unsqueeze`](Var::unsqueeze), [`squeeze`](Var::squeeze), [`flatten`](Var::flatten) | element count kept | |
//! | slicing and joining | [`narrow`](Var::narrow), [`slice`](Var::slice), [`split`](Var::split), [`chunk`](Var::chunk), [`concat`](Var::concat), [`stack`](Var::stack), [`pad`](Var::pad), [`where_cond`](Var::where_cond), [`masked_fill`](Var::masked_fill) | | a slice's gradient is added into its window |
//! | indexing | [`index_select`](Var::index_select), [`gather`](Var::gather), [`index_add`](Var::index_add), [`scatter_add`](Var::scatter_add) | integer ids | each pair is adjoint; repeated ids add their gradients |
//! | recurrences | [`elman_scan`](Var::elman_scan), [`gru_scan`](Var::gru_scan), [`lstm_scan`](Var::lstm_scan) | input projections `[steps, batch, gates·hidden]` (GRU, LSTM: or packed, the rows each step computes, picked by [`packed_rows`]); PyTorch's weight layout and gate order | one fused node for a whole sequence: one product per step forward and backward, the weight gradient as one product over all steps; per-sequence lengths |
//!
//! [`Tensor::argmax`] reads predicted classes from a value (not
//! differentiable).
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
pub use kernels::threads::{set_threads, single_threaded, threads};
pub use kernels::wide::widest;
pub use ops::{ElmanScan, GruScan, LstmScan, Nonlinearity, Reduction, packed_rows};
pub use shape::{Shape, shape_of};
pub use tape::{Tape, Var};
pub use tensor::Tensor;
