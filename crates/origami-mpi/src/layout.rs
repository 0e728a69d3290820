//! Where each parameter's gradient sits in the flat vector the ranks pass
//! along: parameters in id order (the order `Grads` keeps), each with its
//! shape, and a description the ranks compare before training.

use origami_nn::Params;
use origami_tape::{Float, ParamId};

/// The parameters of a model, in id order, with their place in the flat
/// gradient.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layout {
    pub entries: Vec<Entry>,
    /// The total number of scalars.
    pub len: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub id: ParamId,
    pub name: String,
    pub shape: Vec<usize>,
    pub offset: usize,
    pub len: usize,
}

impl Layout {
    pub fn of<T: Float>(model: &impl Params<T>) -> Self {
        Self::new(
            model
                .params()
                .into_iter()
                .map(|(name, p)| (p.id(), name, p.shape().to_vec()))
                .collect(),
        )
    }

    /// Parameters known by id and shape only (named `#id`).
    pub fn of_shapes(shapes: &[(ParamId, Vec<usize>)]) -> Self {
        Self::new(
            shapes
                .iter()
                .map(|(id, shape)| (*id, format!("#{}", id.0), shape.clone()))
                .collect(),
        )
    }

    fn new(mut params: Vec<(ParamId, String, Vec<usize>)>) -> Self {
        params.sort_by_key(|(id, _, _)| *id);
        let mut offset = 0;
        let entries = params
            .into_iter()
            .map(|(id, name, shape)| {
                let len = shape.iter().product();
                offset += len;
                Entry {
                    id,
                    name,
                    shape,
                    offset: offset - len,
                    len,
                }
            })
            .collect();
        Self {
            entries,
            len: offset,
        }
    }

    /// The index of parameter `id`, if the model has it.
    pub fn find(&self, id: ParamId) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }

    /// One line per parameter: `name id shape`, for comparing ranks.
    pub fn describe(&self) -> String {
        self.entries
            .iter()
            .map(|e| format!("{} #{} {:?}\n", e.name, e.id.0, e.shape))
            .collect()
    }
}

/// The first line where two descriptions differ, in words.
pub(crate) fn first_difference(root: &str, other: &str, rank: usize) -> String {
    let (a, b): (Vec<_>, Vec<_>) = (root.lines().collect(), other.lines().collect());
    for i in 0..a.len().max(b.len()) {
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => {
                return format!("parameter {i} is `{x}` on rank 0 and `{y}` on rank {rank}");
            }
            (Some(x), None) => return format!("rank {rank} lacks `{x}`, which rank 0 has"),
            (None, Some(y)) => return format!("rank {rank} has `{y}`, which rank 0 lacks"),
            (None, None) => break,
        }
    }
    format!("rank {rank} describes its parameters differently")
}
