//! Without `--features mpi` there are no ranks: `--distributed` says how
//! to build the example with them, and `Ranks` has no value.

use std::process::ExitCode;

use origami::nn::Params;
use origami::optim::Method;
use origami::prelude::*;

use super::Shard;

pub enum Ranks {}

impl Ranks {
    pub fn start() -> Result<Self, String> {
        Err(
            "--distributed needs the example built with MPI: mpirun -np N cargo run --release \
             --features mpi --example rnn_text_classification -- --distributed"
                .to_string(),
        )
    }

    pub fn is_root(&self) -> bool {
        match *self {}
    }

    pub fn size(&self) -> usize {
        match *self {}
    }

    pub fn gradient<C: Params<f32>>(
        &self,
        _: &C,
        _: usize,
        _: impl Fn(usize) -> Shard + Sync,
    ) -> Result<(f64, Grads<f32>), String> {
        match *self {}
    }

    pub fn synchronise<C: Params<f32>>(
        &self,
        _: &mut C,
        _: &dyn Method<f32>,
    ) -> Result<(), String> {
        match *self {}
    }

    pub fn check_replicas<C: Params<f32>>(
        &self,
        _: &C,
        _: &dyn Method<f32>,
        _: &str,
    ) -> Result<(), String> {
        match *self {}
    }

    pub fn finish(&self, _: Result<(), String>) -> ExitCode {
        match *self {}
    }
}
