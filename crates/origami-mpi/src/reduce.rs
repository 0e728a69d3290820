//! The gradient of a minibatch split over ranks, summed across them in
//! the order one process sums its shards (`Grads::sum`: the first shard
//! that reaches a parameter gives its gradient, each later one is added),
//! so the result is bit-identical to `sharded_gradient` in one process.
//!
//! The running sum travels a chain, rank 0 → 1 → … → N−1, in chunks, so
//! rank `r + 1` adds chunk `c` while rank `r` adds chunk `c + 1`; a header
//! ahead of the data carries the loss so far and, per parameter, whether
//! some shard reached it. The last rank broadcasts the total.

use mpi::traits::*;
use origami_nn::Params;
use origami_optim::{OptimError, shard_gradients};
use origami_tape::{Float, Grads, ParamId, Tensor};

use crate::layout::Layout;
use crate::{Cluster, MpiError};

/// Scalars per message of the chain: large enough that latency is paid
/// rarely, small enough that the next rank starts early.
const CHUNK: usize = 1 << 16;

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
        let layout = Layout::of(model);
        let first = self.rank * shards_per_rank;
        let local = shard_gradients(first..first + shards_per_rank, threads, shard)
            .map_err(|e| e.to_string())
            .and_then(|parts| flags_of(&layout, &parts).map(|flags| (parts, flags)));
        self.agree(local.as_ref().map(|_| ()).map_err(String::clone))?;
        let (parts, flags) = local.map_err(MpiError::Rank)?;
        let (header, sum) = self.chain(&layout, &parts, &flags);
        Ok((header[0], rebuild(&layout, &header[1..], sum)))
    }

    /// Passes the running sum down the chain and broadcasts the total:
    /// the header (loss, per-parameter flags) and the flat gradient.
    fn chain<T: Float + Equivalence>(
        &self,
        layout: &Layout,
        parts: &[(f64, Grads<T>)],
        flags: &[Vec<f64>],
    ) -> (Vec<f64>, Vec<T>) {
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
        let mut sum = vec![T::ZERO; layout.len];
        for start in (0..layout.len).step_by(CHUNK) {
            let end = (start + CHUNK).min(layout.len);
            if let Some(p) = previous {
                self.world
                    .process_at_rank(p as i32)
                    .receive_into(&mut sum[start..end]);
            }
            for ((_, grads), act) in parts.iter().zip(&actions) {
                apply(layout, grads, act, &mut sum, start..end);
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
        (header, sum)
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
fn rebuild<T: Float>(layout: &Layout, flags: &[f64], sum: Vec<T>) -> Grads<T> {
    let mut entries = Vec::new();
    let mut unreached: Vec<ParamId> = Vec::new();
    for (entry, &flag) in layout.entries.iter().zip(flags) {
        if flag == REACHED {
            let data = sum[entry.offset..entry.offset + entry.len].to_vec();
            let tensor = Tensor::from_vec(&entry.shape, data).expect("length from the shape");
            entries.push((entry.id, tensor));
        } else if flag == UNREACHED {
            unreached.push(entry.id);
        }
    }
    Grads::from_entries(entries).with_unreached(unreached)
}
