//! origami-tape's integration tests, as one test binary: each file below is
//! a module, so the crate's generic code is compiled and optimised once for
//! all of them instead of once per file (`cargo test -p origami-tape NAME`
//! still picks tests by module or name). Three stay binaries of their own:
//! `memory.rs` and `no_leaks.rs` watch the process's allocations, which
//! parallel tests from other files would disturb, and `miri.rs` is small
//! enough for Miri. `support/` is shared with `miri.rs`.

#[path = "../support/mod.rs"]
mod support;

mod checkpoint;
mod forward_reference;
mod gated_scans;
mod op_spec;
mod scan;
mod shape_errors;
mod tape;
