//! `Param`: a tensor a model owns and trains, with an id unique in the
//! process, so every tape it is bound to reports its gradient under that id.

use std::sync::atomic::{AtomicUsize, Ordering};

use origami_tape::{Float, ParamId, Tape, Tensor, Var};

/// Ids handed out so far; each new parameter takes the next.
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// A trainable tensor and its id.
///
/// A clone is the same parameter (same id): bind only one of the two on a
/// tape. Use [`Param::new`] for an independent copy.
#[derive(Clone, Debug)]
pub struct Param<T: Float> {
    id: ParamId,
    value: Tensor<T>,
}

impl<T: Float> Param<T> {
    /// A new parameter with a fresh id.
    pub fn new(value: Tensor<T>) -> Self {
        let id = ParamId(NEXT_ID.fetch_add(1, Ordering::Relaxed));
        Self { id, value }
    }

    /// The id gradients are reported under.
    pub fn id(&self) -> ParamId {
        self.id
    }

    /// The current value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// Mutable access for optimizers and checkpoint loading.
    pub fn value_mut(&mut self) -> &mut Tensor<T> {
        &mut self.value
    }

    /// The shape of the value.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// Records the parameter on `tape` (once per tape; later calls return
    /// the same handle).
    pub fn bind<'t>(&self, tape: &'t Tape<T>) -> Var<'t, T> {
        tape.param(self.id, &self.value)
    }
}
