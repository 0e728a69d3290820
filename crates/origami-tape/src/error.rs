//! The crate's error type. Shape mistakes made while composing ops are
//! programming errors and panic with the op and shapes in the message; errors
//! that come from data a user hands in (a buffer whose length does not match
//! its shape, an element count that overflows) are returned as [`TapeError`].

use crate::shape::Shape;

/// What went wrong when building a tensor or reading data into one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TapeError {
    /// A buffer's length differs from the element count its shape implies.
    #[error("{op}: shape {shape:?} holds {expected} elements but the data has {got}")]
    LengthMismatch {
        /// The constructor that was called.
        op: &'static str,
        /// The requested shape.
        shape: Shape,
        /// Elements the shape holds.
        expected: usize,
        /// Elements supplied.
        got: usize,
    },
    /// The product of the dimensions does not fit in `usize`.
    #[error("{op}: the element count of shape {shape:?} overflows usize")]
    Overflow {
        /// The constructor that was called.
        op: &'static str,
        /// The requested shape.
        shape: Shape,
    },
    /// Two shapes that must agree do not.
    #[error("{op}: shape {left:?} is incompatible with {right:?}")]
    ShapeMismatch {
        /// The operation that compared them.
        op: &'static str,
        /// The first shape.
        left: Shape,
        /// The second shape.
        right: Shape,
    },
    /// An argument is outside the range the operation accepts.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The operation that rejected it.
        op: &'static str,
        /// What was wrong.
        message: String,
    },
}
