//! The crate's error type.

use origami_nn::NnError;

/// Why an optimizer step (or a state load) could not proceed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptimError {
    /// A parameter of the model received no gradient: the loss does not
    /// depend on it (a detached branch, an unused layer), or it was not
    /// bound on the tape.
    #[error("parameter {name:?} received no gradient: the loss does not depend on it")]
    MissingGradient {
        /// The parameter's dotted name.
        name: String,
    },
    /// A gradient has a different shape from its parameter.
    #[error("parameter {name:?} has shape {param:?} but its gradient {grad:?}")]
    ShapeMismatch {
        /// The parameter's dotted name.
        name: String,
        /// The parameter's shape.
        param: Vec<usize>,
        /// The gradient's shape.
        grad: Vec<usize>,
    },
    /// A loss or gradient is NaN or infinite.
    #[error("non-finite {what}: training cannot continue")]
    NonFinite {
        /// What was not finite (e.g. "loss 1.2e39" or "gradient of \"w\"").
        what: String,
    },
    /// A hyperparameter is out of range.
    #[error("{optimizer}: {message}")]
    InvalidHyperparameter {
        /// The optimizer or helper.
        optimizer: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Saved optimizer state does not fit the model.
    #[error("optimizer state: {message}")]
    State {
        /// What does not fit.
        message: String,
    },
    /// Reading or writing a state file failed.
    #[error(transparent)]
    Checkpoint(#[from] NnError),
}
