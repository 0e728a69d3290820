//! The crate's error type: everything that can go wrong reading or writing
//! a checkpoint or assigning given tensors to a model, with the file and
//! the parameter named, and bad settings.

use std::path::PathBuf;

/// Why a checkpoint could not be saved or loaded, or tensors not assigned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NnError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a valid safetensors file (truncated, corrupt
    /// header, offsets out of range, …).
    #[error("{path}: not a valid safetensors file: {message}")]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The model has a parameter the tensors lack.
    #[error("parameter {name:?} is missing from {origin}")]
    Missing {
        /// Where the tensors came from: a file's path, or `given tensors`.
        origin: String,
        /// The parameter's dotted name.
        name: String,
    },
    /// The tensors include one the model does not have.
    #[error("{origin} has tensor {name:?}, which the model does not have")]
    Unexpected {
        /// Where the tensors came from.
        origin: String,
        /// The tensor's name.
        name: String,
    },
    /// A tensor's shape differs from the parameter's.
    #[error("parameter {name:?} has shape {expected:?} in the model but {found:?} in {origin}")]
    Shape {
        /// Where the tensors came from.
        origin: String,
        /// The parameter's dotted name.
        name: String,
        /// The model's shape.
        expected: Vec<usize>,
        /// The tensor's shape.
        found: Vec<usize>,
    },
    /// A tensor's element type differs from the model's.
    #[error("parameter {name:?} is {found} in {origin} but the model is {expected}")]
    Dtype {
        /// Where the tensors came from.
        origin: String,
        /// The parameter's dotted name.
        name: String,
        /// The model's dtype.
        expected: String,
        /// The file's dtype.
        found: String,
    },
    /// A setting is out of range.
    #[error("{message}")]
    InvalidArgument {
        /// What is wrong.
        message: String,
    },
    /// Two parameters of the model share a name.
    #[error("the model names two parameters {name:?}")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
}
