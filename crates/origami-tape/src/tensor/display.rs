//! `Debug` for tensors: shape, dtype and the leading elements.

use std::fmt;

use super::Tensor;
use crate::float::Float;

/// Elements shown before the listing is cut short.
const SHOWN: usize = 8;

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}>{:?} [", T::DTYPE, self.shape())?;
        for (i, x) in self.data().iter().take(SHOWN).enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{x}")?;
        }
        if self.numel() > SHOWN {
            write!(f, ", … ({} more)", self.numel() - SHOWN)?;
        }
        write!(f, "]")
    }
}
