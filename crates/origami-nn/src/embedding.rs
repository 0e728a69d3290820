//! `Embedding`: a table of vectors looked up by integer id. The gradient
//! reaches only the rows that were used (repeats accumulate).

use rand::Rng;

use origami_tape::{Float, Tape, Var};

use crate::init::Init;
use crate::param::Param;

/// A `[vocab, dim]` lookup table.
#[derive(Clone, Debug)]
pub struct Embedding<T: Float> {
    /// `[vocab, dim]`.
    pub weight: Param<T>,
}

impl<T: Float> Embedding<T> {
    /// A table drawn from `N(0, 1)` (PyTorch's default).
    pub fn new(vocab: usize, dim: usize, rng: &mut impl Rng) -> Self {
        Self::with_init(vocab, dim, Init::Normal(1.0), rng)
    }

    /// A table drawn from `init`.
    pub fn with_init(vocab: usize, dim: usize, init: Init, rng: &mut impl Rng) -> Self {
        Self {
            weight: Param::new(init.tensor(&[vocab, dim], 1.0, rng)),
        }
    }

    /// The number of ids.
    pub fn vocab(&self) -> usize {
        self.weight.shape()[0]
    }

    /// The vector width.
    pub fn dim(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Rows for `ids`: shape `[ids.len(), dim]`.
    ///
    /// # Panics
    /// If an id is not below the vocabulary size (the message names it).
    pub fn forward<'t>(&self, tape: &'t Tape<T>, ids: &[usize]) -> Var<'t, T> {
        self.weight.bind(tape).index_select(0, ids)
    }
}

crate::impl_params!(<T> for Embedding<T> { weight });
