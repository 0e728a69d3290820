//! The functions the page calls, as plain `extern "C"` exports (no
//! generated glue): text and bytes cross through one input and one
//! output buffer that live in the module's memory. JavaScript writes a
//! request into the buffer [`pg_input`] returns, calls a verb, and reads
//! [`pg_output_ptr`]/[`pg_output_len`]; a verb returns 0 when it
//! succeeded and 1 when the output holds an error message instead.
//!
//! One session per module instance (the page runs it in a Web Worker).

use std::cell::RefCell;

use crate::Config;
use crate::csv::parse_csv;
use crate::data::Points;
use crate::session::Session;

#[derive(Default)]
struct State {
    session: Option<Session>,
    upload: Option<Points>,
    input: Vec<u8>,
    output: Vec<u8>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// What a verb leaves in the output buffer.
type Outcome = Result<Vec<u8>, String>;

fn run(verb: impl FnOnce(&mut State) -> Outcome) -> i32 {
    STATE.with(|cell| {
        let mut state = cell.borrow_mut();
        let (code, output) = match verb(&mut state) {
            Ok(bytes) => (0, bytes),
            Err(message) => (1, message.into_bytes()),
        };
        state.output = output;
        code
    })
}

fn input_text(state: &State) -> Result<&str, String> {
    std::str::from_utf8(&state.input).map_err(|e| format!("the request is not UTF-8: {e}"))
}

fn session(state: &mut State) -> Result<&mut Session, String> {
    state
        .session
        .as_mut()
        .ok_or_else(|| "no network yet: configure one first".to_string())
}

/// A buffer of `len` bytes for the next request; valid until the next call.
#[unsafe(no_mangle)]
pub extern "C" fn pg_input(len: usize) -> *mut u8 {
    STATE.with(|cell| {
        let mut state = cell.borrow_mut();
        state.input = vec![0; len];
        state.input.as_mut_ptr()
    })
}

/// Where the last verb's output starts.
#[unsafe(no_mangle)]
pub extern "C" fn pg_output_ptr() -> *const u8 {
    STATE.with(|cell| cell.borrow().output.as_ptr())
}

/// The last verb's output length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn pg_output_len() -> usize {
    STATE.with(|cell| cell.borrow().output.len())
}

/// Builds a fresh network from the query string in the input buffer;
/// outputs the normalised query. On error the old session stays.
#[unsafe(no_mangle)]
pub extern "C" fn pg_configure() -> i32 {
    run(|state| {
        let config = Config::from_query(input_text(state)?).map_err(|e| e.to_string())?;
        let fresh = Session::new(config, state.upload.as_ref())?;
        let query = fresh.config.to_query();
        state.session = Some(fresh);
        Ok(query.into_bytes())
    })
}

/// Reads the CSV text in the input buffer as the upload (used by
/// `data=csv`); outputs `{points, dims, classes}`. A bad file keeps the
/// previous upload and session.
#[unsafe(no_mangle)]
pub extern "C" fn pg_upload() -> i32 {
    run(|state| {
        let points = parse_csv(input_text(state)?).map_err(|e| e.to_string())?;
        let summary = format!(
            "{{\"points\":{},\"dims\":{},\"classes\":{}}}",
            points.len(),
            points.dims,
            points.classes
        );
        state.upload = Some(points);
        Ok(summary.into_bytes())
    })
}

/// Takes `count` minibatch steps; outputs the last minibatch loss.
#[unsafe(no_mangle)]
pub extern "C" fn pg_step(count: u32) -> i32 {
    run(|state| {
        let session = session(state)?;
        let mut loss = f64::NAN;
        for _ in 0..count {
            loss = session.step()?;
        }
        Ok(crate::json::num(loss).into_bytes())
    })
}

/// Outputs one view as JSON: 0 metrics, 1 surface, 2 regions, 3 layers,
/// 4 curvature, 5 neurons, 6 embedding, 7 the points; `res` is the grid resolution
/// (1–256) where one is drawn.
#[unsafe(no_mangle)]
pub extern "C" fn pg_view(kind: u32, res: u32) -> i32 {
    run(|state| {
        let session = session(state)?;
        let res = res.clamp(1, 256) as usize;
        let json = match kind {
            0 => session.metrics_json(),
            1 => session.surface_json(res),
            2 => session.regions_json(),
            3 => session.layers_json(),
            4 => session.curvature_json(),
            5 => session.neurons_json(res),
            6 => session.embedding_json(),
            7 => session.data_json(),
            other => return Err(format!("no view {other}; views are 0-7")),
        };
        Ok(json.into_bytes())
    })
}

/// Outputs the weights as a safetensors file (see [`Session::export`]).
#[unsafe(no_mangle)]
pub extern "C" fn pg_export() -> i32 {
    run(|state| Ok(session(state)?.export()))
}
