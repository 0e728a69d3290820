//! # origami-playground
//!
//! The lab in a web page: a small network on 2-D points (or a 1-D
//! curve), trained live by origami compiled to WebAssembly, with the
//! views the essay argues from drawn as it learns: decision regions, the
//! exact linear regions of a relu net, gradient flow and saturation per
//! layer, `λ_max` and `η_opt` against the chosen rate, every hidden unit,
//! and a width-3 layer's embedding.
//!
//! The crate is the page's engine and nothing else: [`Config`] (the whole
//! state, as a URL query), [`Session`] (data, network, optimizer, step),
//! the views as JSON, and the `extern "C"` functions the page calls
//! (`ffi`). `web/` holds the page; `scripts/playground.sh build|serve|test`
//! builds, serves and tests it. Native and in the browser the same code
//! runs, so the native tests and the `playground-check` tool vouch for
//! what the page shows.
//!
//! ```
//! use origami_playground::{Config, Session};
//! let config = Config::from_query("data=xor&layers=8,8&opt=adam&lr=0.03&seed=2").unwrap();
//! let mut session = Session::new(config, None).unwrap();
//! let before = session.loss(&session.train);
//! for _ in 0..300 {
//!     session.step().unwrap();
//! }
//! assert!(session.loss(&session.train) < 0.5 * before);
//! ```

mod config;
mod csv;
mod data;
pub mod ffi;
mod json;
mod session;
mod views;

pub use config::{Act, Config, ConfigError, DataKind, InitKind, OPTIMIZERS, Order};
pub use csv::{CsvError, MAX_CLASSES, MAX_POINTS, parse_csv};
pub use data::{Points, generate};
pub use session::{Session, activation, inputs_tensor, loss_on};
pub use views::{MAX_DRAWN_REGIONS, SATURATION_THRESHOLD, ViewBox, regime};
