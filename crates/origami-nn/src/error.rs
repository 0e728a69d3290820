//! The crate's error type: everything that can go wrong reading or writing
//! a checkpoint, with the file and the parameter named, and bad settings.

use std::path::PathBuf;

/// Why a checkpoint could not be saved or loaded.
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
    /// The model has a parameter the file lacks.
    #[error("{path}: parameter {name:?} is missing from the checkpoint")]
    Missing {
        /// The file involved.
        path: PathBuf,
        /// The parameter's dotted name.
        name: String,
    },
    /// The file has a tensor the model does not.
    #[error("{path}: the checkpoint has tensor {name:?}, which the model does not have")]
    Unexpected {
        /// The file involved.
        path: PathBuf,
        /// The tensor's name in the file.
        name: String,
    },
    /// A tensor's shape differs from the parameter's.
    #[error(
        "{path}: parameter {name:?} has shape {expected:?} in the model but {found:?} in the checkpoint"
    )]
    Shape {
        /// The file involved.
        path: PathBuf,
        /// The parameter's dotted name.
        name: String,
        /// The model's shape.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A tensor's element type differs from the model's.
    #[error("{path}: parameter {name:?} is {found} in the checkpoint but the model is {expected}")]
    Dtype {
        /// The file involved.
        path: PathBuf,
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
