//! # origami-nn
//!
//! Modules for origami: the layers, recurrent nets, losses, initializers
//! and checkpoints a training script needs, all built on `origami-tape`.
//!
//! * Every parameter is a [`Param`] (a tensor and a process-unique id);
//!   layers enumerate theirs through [`Params`] with PyTorch's dotted
//!   names, so optimizers, probes and checkpoints speak the same names.
//!   A model of your own made of modules needs one line,
//!   [`impl_params!`]; [`Params::modules`] lists its top-level parts.
//! * [`Module`] is one input to one output: [`Dense`], [`Sequential`]
//!   (see [`mlp`]), [`Activation`]. [`Embedding`] looks up ids;
//!   [`Dropout`] regularises during training.
//! * Recurrent: [`Elman`], [`Gru`] and [`Lstm`] cells with `step`, the
//!   length-aware [`unroll`], and [`Rnn`] for layers and two directions.
//! * Losses: [`CrossEntropy`] (class weights, label smoothing),
//!   [`bce_with_logits`], [`mse`]. Init: [`Init`].
//! * Checkpoints: [`save`] / [`load`] as safetensors, atomically written;
//!   [`assign`] sets a model's parameters from tensors you hold.
//! * Data: [`read_tsv`] for labelled text, with every bad line reported.
//!
//! ```
//! use origami_nn::{mlp, Activation, Init, Module};
//! use origami_tape::{Reduction, Tape, Tensor};
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(0);
//! let net = mlp::<f32>(&[2, 16, 2], Activation::Tanh, Init::LecunNormal, &mut rng);
//! let tape = Tape::new();
//! let x = tape.constant(Tensor::zeros(&[4, 2]));
//! let loss = net.forward(&tape, x).cross_entropy(&[0, 1, 1, 0], Reduction::Mean);
//! let grads = loss.backward();
//! assert_eq!(grads.len(), 4);
//! ```

#![warn(missing_docs)]

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod activation;
mod checkpoint;
mod dense;
mod dropout;
mod embedding;
mod error;
mod init;
mod loss;
mod module;
mod param;
mod rnn;
mod sequential;
mod tsv;

pub use activation::Activation;
pub use checkpoint::{
    Metadata, NamedTensors, assign, atomic_write, decode_tensors, load, load_bytes, load_tensors,
    save, save_bytes, save_tensors,
};
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use error::NnError;
pub use init::{Init, fans};
pub use loss::{CrossEntropy, bce_with_logits, mse};
pub use module::{Module, Params, module_of, prefixed, prefixed_mut};
pub use param::Param;

/// What [`impl_params!`] names from other crates, whatever the caller imports.
#[doc(hidden)]
pub mod __private {
    pub use origami_tape::Float;
}
pub use rnn::{
    Cell, CellKind, CellWeights, Elman, Gru, Lstm, Rnn, RnnConfig, RnnOutput, RnnSequenceOutput,
    SeqOutput, SequenceOutput, State, pack_sequence, reverse_in_time, reverse_sequence, unroll,
    unroll_checkpointed,
};
pub use sequential::{Sequential, mlp};
pub use tsv::{
    LabelledText, LineProblem, SkippedLine, TsvData, TsvError, TsvOptions, parse_tsv, read_tsv,
};
