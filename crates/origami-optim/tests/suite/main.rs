//! origami-optim's integration tests, as one test binary: each file below
//! is a module, so the crate's generic code is compiled and optimised once
//! for all of them instead of once per file (`cargo test -p origami-optim
//! NAME` still picks tests by module or name). The PyTorch cases they
//! replay are in `../fixtures/`.

mod backoff;
mod by_name;
mod clipping;
mod compare_methods;
mod estimates;
mod first_order;
mod hessian_free;
mod lbfgs;
mod line_search;
mod parallel;
mod schedules;
mod second_order;
mod state_files;
