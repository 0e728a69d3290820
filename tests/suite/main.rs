//! The workspace's own integration tests, as one test binary: each file
//! below is a module, so the crates' generic code is compiled and optimised
//! once for all of them instead of once per file. The lab's helpers and
//! the benchmarks' data and first workload are shared with the examples
//! and benches they come from.

#[path = "../../examples/lab/mod.rs"]
mod lab;
#[path = "../../benches/support/mod.rs"]
mod support;
#[path = "../../benches/w1_mlp_tiny.rs"]
#[allow(dead_code)]
mod w1_mlp_tiny;

mod bench_parity;
mod doctor;
mod lab_records;
