//! origami-probe's integration tests, as one test binary: each file below
//! is a module, so the crate's generic code is compiled and optimised once
//! for both instead of once per file.

mod doctor;
mod probes;
