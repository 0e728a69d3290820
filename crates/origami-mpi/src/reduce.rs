//! The gradient of a minibatch split over ranks, summed across them in
//! the order one process sums its shards (`Grads::sum`: the first shard
//! that reaches a parameter gives its gradient, each later one is added),
//! so the result is bit-identical to `sharded_gradient` in one process.
//!
//! The running sum travels a chain, rank 0 → 1 → … → N−1, in chunks (about
//! √N of them, 1,024 to 65,536 scalars each), so rank `r + 1` adds chunk
//! `c` while rank `r` adds chunk `c + 1`; a header
//! ahead of the data carries the loss so far and, per parameter, whether
//! some shard reached it. The last rank broadcasts the total.

use mpi::traits::*;
use origami_nn::Params;
use origami_optim::{OptimError, shard_gradients};
use origami_tape::{Float, Grads, ParamId, Tensor};

use crate::layout::Layout;
use crate::{Cluster, MpiError};

/// The most scalars per message of the chain: past this, a larger message
/// gains nothing and the next rank starts later.
const MOST: usize = 1 << 16;
/// The fewest scalars per message, below which latency is all there is.
const FEWEST: usize = 1 << 10;

/// Scalars per message for a gradient of `len` scalars on `ranks` ranks.
/// The chain's time is `(ranks − 2 + chunks)` hops of one chunk each;
/// about `√ranks` chunks keep that near `ranks` latencies plus `√ranks`
/// chunk transfers, where one chunk would cost `ranks` whole transfers.
fn chunk_len(len: usize, ranks: usize) -> usize {
    let chunks = (ranks.saturating_sub(1) as f64).sqrt().ceil() as usize;
    len.div_ceil(chunks.max(1)).clamp(FEWEST, MOST)
}

/// Per parameter, what the shards so far did to it; the largest wins.
const UNTOUCHED: f64 = 0.0;
const UNREACHED: f64 = 1.0;
const REACHED: f64 = 2.0;

/// What one shard does to one parameter's running sum.
#[derive(Clone, Copy, PartialEq)]
enum Action {
    Skip,
    Copy,
    Add,
}

impl Cluster {
    /// The summed loss and gradients of `shards_per_rank · size()` shards,
    /// `shard(i)` computing global shard `i`; this rank computes shards
    /// `rank · shards_per_rank ..` on up to `threads` threads. Equal, bit
    /// for bit, on every rank and to `sharded_gradient(shards_per_rank ·
    /// size(), …)` in one process. `model` gives the parameter layout (its
    /// values are not read). A collective call: every rank must make it.
    ///
    /// # Errors
    /// On every rank, if any rank's shards failed or returned a gradient
    /// the model has no place for: [`MpiError::Rank`], naming the rank.
    pub fn sharded_gradient<T, M, F>(
        &self,
        model: &M,
        shards_per_rank: usize,
        threads: usize,
        shard: F,
    ) -> Result<(f64, Grads<T>), MpiError>
    where
        T: Float + Equivalence,
        M: Params<T>,
        F: Fn(usize) -> Result<(f64, Grads<T>), OptimError> + Sync,
    {
        self.sum_shards(&Layout::of(model), shards_per_rank, threads, shard)
    }

    /// [`Self::sharded_gradient`] for parameters bound to tapes by hand
    /// rather than held in a [`Params`] model: `shapes` lists each
    /// parameter's id and shape (every rank the same list).
    ///
    /// # Errors
    /// As [`Self::sharded_gradient`].
    pub fn sharded_gradient_by_shapes<T, F>(
        &self,
        shapes: &[(ParamId, Vec<usize>)],
        shards_per_rank: usize,
        threads: usize,
        shard: F,
    ) -> Result<(f64, Grads<T>), MpiError>
    where
        T: Float + Equivalence,
        F: Fn(usize) -> Result<(f64, Grads<T>), OptimError> + Sync,
    {
        self.sum_shards(&Layout::of_shapes(shapes), shards_per_rank, threads, shard)
    }

    fn sum_shards<T, F>(
        &self,
        layout: &Layout,
        shards_per_rank: usize,
        threads: usize,
        shard: F,
    ) -> Result<(f64, Grads<T>), MpiError>
    where
        T: Float + Equivalence,
        F: Fn(usize) -> Result<(f64, Grads<T>), OptimError> + Sync,
    {
        let first = self.rank * shards_per_rank;
        let local = shard_gradients(first..first + shards_per_rank, threads, shard)
            .map_err(|e| e.to_string())
            .and_then(|parts| flags_of(layout, &parts).map(|flags| (parts, flags)));
        self.agree(local.as_ref().map(|_| ()).map_err(String::clone))?;
        let (parts, flags) = local.map_err(MpiError::Rank)?;
        let (header, sum) = self.chain(layout, &parts, &flags);
        Ok((header[0], rebuild(layout, &header[1..], sum)))
    }

    /// Passes the running sum down the chain and broadcasts the total:
    /// the header (loss, per-parameter flags) and the flat gradient.
    fn chain<T: Float + Equivalence>(
        &self,
        layout: &Layout,
        parts: &[(f64, Grads<T>)],
        flags: &[Vec<f64>],
    ) -> (Vec<f64>, Tensor<T>) {
        let (previous, next) = (self.rank.checked_sub(1), self.rank + 1 < self.size);
        let mut header = vec![UNTOUCHED; 1 + layout.entries.len()];
        if let Some(p) = previous {
            self.world
                .process_at_rank(p as i32)
                .receive_into(&mut header[..]);
        }
        let mut actions = Vec::with_capacity(parts.len());
        for ((loss, _), shard_flags) in parts.iter().zip(flags) {
            header[0] += loss;
            let act: Vec<Action> = header[1..]
                .iter_mut()
                .zip(shard_flags)
                .map(|(sum, &shard)| {
                    let action = match (*sum == REACHED, shard == REACHED) {
                        (true, true) => Action::Add,
                        (false, true) => Action::Copy,
                        _ => Action::Skip,
                    };
                    *sum = sum.max(shard);
                    action
                })
                .collect();
            actions.push(act);
        }
        if next {
            self.world
                .process_at_rank(self.rank as i32 + 1)
                .send(&header[..]);
        }
        // A tensor's storage comes from the tape's buffer cache: no page
        // faults on a fresh block at every step.
        let mut total = Tensor::<T>::zeros(&[layout.len]);
        let sum = total.data_mut();
        let chunk = chunk_len(layout.len, self.size);
        for start in (0..layout.len).step_by(chunk) {
            let end = (start + chunk).min(layout.len);
            if let Some(p) = previous {
                self.world
                    .process_at_rank(p as i32)
                    .receive_into(&mut sum[start..end]);
            }
            for ((_, grads), act) in parts.iter().zip(&actions) {
                apply(layout, grads, act, sum, start..end);
            }
            if next {
                self.world
                    .process_at_rank(self.rank as i32 + 1)
                    .send(&sum[start..end]);
            }
        }
        let last = self.world.process_at_rank(self.size as i32 - 1);
        last.broadcast_into(&mut header[..]);
        last.broadcast_into(&mut sum[..]);
        (header, total)
    }
}

/// Each shard's flag per parameter, or why a shard's gradients do not fit
/// the model.
fn flags_of<T: Float>(layout: &Layout, parts: &[(f64, Grads<T>)]) -> Result<Vec<Vec<f64>>, String> {
    parts
        .iter()
        .map(|(_, grads)| {
            let mut flags = vec![UNTOUCHED; layout.entries.len()];
            for &id in grads.unreached() {
                if let Some(i) = layout.find(id) {
                    flags[i] = UNREACHED;
                }
            }
            for (id, g) in grads.iter() {
                let i = layout.find(id).ok_or_else(|| {
                    format!(
                        "a shard has a gradient for parameter #{}, which the model lacks",
                        id.0
                    )
                })?;
                let entry = &layout.entries[i];
                if g.shape() != entry.shape.as_slice() {
                    return Err(format!(
                        "a shard's gradient of `{}` has shape {:?}, the parameter {:?}",
                        entry.name,
                        g.shape(),
                        entry.shape
                    ));
                }
                flags[i] = REACHED;
            }
            Ok(flags)
        })
        .collect()
}

/// Adds (or copies) one shard's gradients into `sum` where they overlap
/// the scalars `range`.
fn apply<T: Float>(
    layout: &Layout,
    grads: &Grads<T>,
    actions: &[Action],
    sum: &mut [T],
    range: std::ops::Range<usize>,
) {
    for (entry, &action) in layout.entries.iter().zip(actions) {
        let (lo, hi) = (
            entry.offset.max(range.start),
            (entry.offset + entry.len).min(range.end),
        );
        if action == Action::Skip || lo >= hi {
            continue;
        }
        let g = &grads.get(entry.id).expect("flagged as reached").data()
            [lo - entry.offset..hi - entry.offset];
        let s = &mut sum[lo..hi];
        if action == Action::Copy {
            s.copy_from_slice(g);
        } else {
            s.iter_mut().zip(g).for_each(|(s, &x)| *s += x);
        }
    }
}

/// The gradient set the header's flags and the flat sum describe.
fn rebuild<T: Float>(layout: &Layout, flags: &[f64], sum: Tensor<T>) -> Grads<T> {
    let mut entries = Vec::new();
    let mut unreached: Vec<ParamId> = Vec::new();
    for (entry, &flag) in layout.entries.iter().zip(flags) {
        if flag == REACHED {
            let mut tensor = Tensor::zeros(&entry.shape);
            tensor
                .data_mut()
                .copy_from_slice(&sum.data()[entry.offset..entry.offset + entry.len]);
            entries.push((entry.id, tensor));
        } else if flag == UNREACHED {
            unreached.push(entry.id);
        }
    }
    Grads::from_entries(entries).with_unreached(unreached)
}

#[cfg(test)]
mod tests {
    use super::chunk_len;

    #[test]
    fn chunks_are_about_root_n_within_their_bounds() {
        assert_eq!(chunk_len(100_000, 65), 12_500); // 8 chunks
        assert_eq!(chunk_len(100_000, 2), 65_536); // 1 chunk, at most 2¹⁶
        assert_eq!(chunk_len(23_172, 512), 1_024); // 23 chunks, at least 2¹⁰
        assert_eq!(chunk_len(500, 64), 1_024); // a small gradient in one
        assert_eq!(chunk_len(10_000_000, 1), 65_536);
    }
}
