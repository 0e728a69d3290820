//! Keeping the replicas one: every rank starts from rank 0's parameters
//! (after checking that all ranks built the same model), and a cheap
//! fingerprint of parameters and optimizer state tells when they drift.

use mpi::traits::*;
use origami_nn::Params;
use origami_optim::OptimState;
use origami_tape::Float;

use crate::layout::{Layout, first_difference};
use crate::{Cluster, MpiError};

impl Cluster {
    /// Overwrites every rank's parameters with rank 0's. First checks that
    /// every rank's model has the same parameters (names, ids, shapes).
    ///
    /// # Errors
    /// [`MpiError::Shapes`] on every rank, naming the first parameter
    /// that differs and the rank where it does; [`MpiError::Rank`] if a
    /// rank failed before (see [`Cluster::agree`]).
    pub fn broadcast_params<T, M>(&self, model: &mut M) -> Result<(), MpiError>
    where
        T: Float + Equivalence,
        M: Params<T>,
    {
        self.agree(Ok(()))?;
        let mine = Layout::of(model).describe();
        let verdict = self.gather_text(&mine).map(|all| {
            all.iter()
                .enumerate()
                .skip(1)
                .find(|(_, other)| **other != all[0])
                .map(|(rank, other)| first_difference(&all[0], other, rank))
                .unwrap_or_default()
        });
        let verdict = self.broadcast_text(&verdict.unwrap_or_default());
        if !verdict.is_empty() {
            return Err(MpiError::Shapes(verdict));
        }
        let root = self.world.process_at_rank(0);
        for (_, param) in model.params_mut() {
            root.broadcast_into(param.value_mut().data_mut());
        }
        Ok(())
    }

    /// Checks that every rank holds the same `fingerprint` (from
    /// [`fingerprint`]); `what` names the moment in the error (e.g.
    /// `"step 400"`). Costs one small all-gather.
    ///
    /// # Errors
    /// [`MpiError::Diverged`] on every rank, naming the first rank whose
    /// fingerprint differs from rank 0's; [`MpiError::Rank`] if a rank
    /// failed before (see [`Cluster::agree`]).
    pub fn check_replicas(&self, what: &str, fingerprint: u64) -> Result<(), MpiError> {
        self.agree(Ok(()))?;
        let mut all = vec![0u64; self.size];
        self.world.all_gather_into(&fingerprint, &mut all[..]);
        match all.iter().position(|&f| f != all[0]) {
            None => Ok(()),
            Some(rank) => Err(MpiError::Diverged {
                what: what.to_string(),
                rank,
                root: all[0],
                other: all[rank],
            }),
        }
    }
}

/// A 64-bit FNV-1a hash of every parameter's bits and, if given, the
/// optimizer state's tensors and scalars: equal on two ranks when their
/// replicas are bit for bit the same (and, but for a 2⁻⁶⁴ chance, only
/// then).
pub fn fingerprint<T: Float>(model: &impl Params<T>, state: Option<&OptimState<T>>) -> u64 {
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    for (name, param) in model.params() {
        hash.text(&name);
        param.value().data().iter().for_each(|x| hash.float(*x));
    }
    if let Some(state) = state {
        for (name, tensor) in &state.tensors {
            hash.text(name);
            tensor.data().iter().for_each(|x| hash.float(*x));
        }
        for (name, value) in &state.scalars {
            hash.text(name);
            hash.bytes(&value.to_bits().to_le_bytes());
        }
    }
    hash.0
}

struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&[0]);
    }
    fn float<T: Float>(&mut self, x: T) {
        self.bytes(&x.to_f64().to_bits().to_le_bytes());
    }
}
