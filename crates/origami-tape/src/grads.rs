//! `ParamId` names a bound parameter; `Grads` is what `backward` returns:
//! one gradient per parameter the loss depends on, and the list of bound
//! parameters it does not depend on, so no gradient goes missing silently.

use crate::error::TapeError;
use crate::float::Float;
use crate::tensor::Tensor;

/// The key a model gives each parameter tensor it binds to a tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamId(pub usize);

impl From<usize> for ParamId {
    fn from(i: usize) -> Self {
        Self(i)
    }
}

/// Gradients of a scalar loss with respect to every bound parameter: one
/// tensor per parameter id. (The same container carries other quantities
/// kept per parameter, such as the curvature diagonal SDLM reads from
/// `origami_optim::Evaluation::with_curvature`.)
#[derive(Clone, Debug)]
pub struct Grads<T: Float> {
    /// Sorted by id.
    entries: Vec<(ParamId, Tensor<T>)>,
    /// Bound parameters the loss does not depend on, sorted.
    unreached: Vec<ParamId>,
}

impl<T: Float> Grads<T> {
    pub(crate) fn new(mut entries: Vec<(ParamId, Tensor<T>)>, mut unreached: Vec<ParamId>) -> Self {
        entries.sort_by_key(|(id, _)| *id);
        unreached.sort();
        Self { entries, unreached }
    }

    /// A gradient set built by hand, e.g. a curvature estimate shaped like
    /// the parameters (duplicate ids: the last wins).
    pub fn from_entries(entries: Vec<(ParamId, Tensor<T>)>) -> Self {
        let mut entries = entries;
        entries.reverse();
        entries.sort_by_key(|(id, _)| *id);
        entries.dedup_by_key(|(id, _)| *id);
        Self {
            entries,
            unreached: Vec::new(),
        }
    }

    /// The same set, listing `ids` as bound parameters the loss does not
    /// depend on (as `backward` does; those with a gradient are dropped
    /// from the list): for a set rebuilt elsewhere, e.g. summed across
    /// processes.
    ///
    /// ```
    /// use origami_tape::{Grads, ParamId, Tensor};
    /// let g = Grads::from_entries(vec![(ParamId(1), Tensor::<f64>::zeros(&[2]))])
    ///     .with_unreached([ParamId(3), ParamId(1), ParamId(0), ParamId(3)]);
    /// assert_eq!(g.unreached(), &[ParamId(0), ParamId(3)]);
    /// ```
    pub fn with_unreached(mut self, ids: impl IntoIterator<Item = ParamId>) -> Self {
        self.unreached.extend(ids);
        self.unreached.sort();
        self.unreached.dedup();
        let entries = &self.entries;
        self.unreached
            .retain(|id| entries.binary_search_by_key(id, |(e, _)| *e).is_err());
        self
    }

    /// The sum of several gradient sets (e.g. of the shards of a
    /// minibatch), added in the order given so the result does not depend
    /// on which thread finished first. A parameter is unreached only if no
    /// part reached it.
    ///
    /// # Panics
    /// If two parts hold gradients of different shapes for one parameter.
    pub fn sum(parts: impl IntoIterator<Item = Grads<T>>) -> Self {
        let mut total = std::collections::BTreeMap::<ParamId, Tensor<T>>::new();
        let mut unreached = std::collections::BTreeSet::new();
        for part in parts {
            unreached.extend(part.unreached);
            for (id, g) in part.entries {
                match total.get_mut(&id) {
                    Some(sum) => {
                        assert_eq!(sum.shape(), g.shape(), "Grads::sum: shapes of {id:?}");
                        sum.data_mut()
                            .iter_mut()
                            .zip(g.data())
                            .for_each(|(s, &x)| *s += x);
                    }
                    None => {
                        total.insert(id, g);
                    }
                }
            }
        }
        unreached.retain(|id| !total.contains_key(id));
        Self::new(total.into_iter().collect(), unreached.into_iter().collect())
    }

    /// The gradient for `id`, if the loss depends on that parameter.
    pub fn get(&self, id: impl Into<ParamId>) -> Option<&Tensor<T>> {
        let id = id.into();
        self.entries
            .binary_search_by_key(&id, |(p, _)| *p)
            .ok()
            .map(|i| &self.entries[i].1)
    }

    /// The gradient for `id`, or an error saying the parameter got none.
    ///
    /// # Errors
    /// [`TapeError::InvalidArgument`] naming the parameter when it was
    /// not bound or the loss does not depend on it.
    pub fn require(&self, id: impl Into<ParamId>) -> Result<&Tensor<T>, TapeError> {
        let id = id.into();
        let why = if self.unreached.contains(&id) {
            "is bound but the loss does not depend on it"
        } else {
            "was never bound to the tape"
        };
        self.get(id).ok_or_else(|| TapeError::InvalidArgument {
            op: "Grads::require",
            message: format!("parameter {id:?} has no gradient: it {why}"),
        })
    }

    /// All gradients, sorted by parameter id.
    pub fn iter(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.entries.iter().map(|(id, g)| (*id, g))
    }

    /// All gradients, mutable (clipping, noise, rescaling).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (ParamId, &mut Tensor<T>)> {
        self.entries.iter_mut().map(|(id, g)| (*id, g))
    }

    /// The number of parameters that received a gradient.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if no parameter received a gradient.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bound parameters that received no gradient because the loss does
    /// not depend on them. Optimizers treat a non-empty list as an error.
    pub fn unreached(&self) -> &[ParamId] {
        &self.unreached
    }

    /// The gradient for `id` taken out of the set (no copy).
    pub fn take(&mut self, id: impl Into<ParamId>) -> Option<Tensor<T>> {
        let id = id.into();
        let i = self.entries.binary_search_by_key(&id, |(p, _)| *p).ok()?;
        Some(self.entries.remove(i).1)
    }
}
