//! origami-nn's integration tests, as one test binary: each file below is
//! a module, so the crate's generic code is compiled and optimised once for
//! all of them instead of once per file (`cargo test -p origami-nn NAME`
//! still picks tests by module or name).

mod activation;
mod checkpoint;
mod checkpointing;
mod dropout;
mod gradcheck_modules;
mod layers;
mod losses;
mod params;
mod pytorch_parity;
mod recurrent;
mod sequence_tensor;
mod tsv;
