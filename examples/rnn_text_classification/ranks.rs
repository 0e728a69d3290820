//! The MPI ranks of a `--distributed` run (`--features mpi`): the cluster,
//! and whether an error is one every rank already shares.

use std::cell::Cell;
use std::process::ExitCode;

use origami::nn::Params;
use origami::optim::Method;
use origami::prelude::*;
use origami_mpi::{Cluster, MpiError, fingerprint};

use super::Shard;

pub struct Ranks {
    cluster: Cluster,
    /// Set once a collective call failed: every rank holds that error,
    /// so the exit need not ask the others again.
    agreed: Cell<bool>,
}

impl Ranks {
    pub fn start() -> Result<Self, String> {
        Ok(Self {
            cluster: Cluster::init().map_err(|e| e.to_string())?,
            agreed: Cell::new(false),
        })
    }

    pub fn is_root(&self) -> bool {
        self.cluster.is_root()
    }

    pub fn size(&self) -> usize {
        self.cluster.size()
    }

    /// Each rank computes `threads` shards on `threads` threads.
    pub fn gradient<C: Params<f32>>(
        &self,
        model: &C,
        threads: usize,
        shard: impl Fn(usize) -> Shard + Sync,
    ) -> Result<(f64, Grads<f32>), String> {
        self.cluster
            .sharded_gradient(model, threads, threads, shard)
            .map_err(|e| self.shared(e))
    }

    pub fn synchronise<C: Params<f32>>(
        &self,
        model: &mut C,
        method: &dyn Method<f32>,
    ) -> Result<(), String> {
        self.cluster
            .broadcast_params(model)
            .map_err(|e| self.shared(e))?;
        self.check_replicas(model, method, "the start")
    }

    pub fn check_replicas<C: Params<f32>>(
        &self,
        model: &C,
        method: &dyn Method<f32>,
        when: &str,
    ) -> Result<(), String> {
        let print = fingerprint(model, Some(&method.state()));
        self.cluster
            .check_replicas(when, print)
            .map_err(|e| self.shared(e))
    }

    /// Every rank learns whether any failed (unless they all hold the
    /// error already); rank 0 prints it; all exit together.
    pub fn finish(&self, outcome: Result<(), String>) -> ExitCode {
        let outcome = match self.agreed.get() {
            true => outcome,
            false => self.cluster.agree(outcome).map_err(|e| e.to_string()),
        };
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => self.cluster.fail(&message),
        }
    }

    fn shared(&self, error: MpiError) -> String {
        self.agreed.set(true);
        error.to_string()
    }
}
