//! Optimizer state on disk: the slot tensors in a safetensors file, the
//! scalars (step counts, damping) in its metadata, written atomically.

use std::path::Path;

use origami_nn::{Metadata, NnError, decode_tensors, save_tensors};
use origami_tape::{Float, Tensor};

use crate::error::OptimError;
use crate::optimizer::OptimState;

/// Writes `state` to `path` (temporary file, fsync, rename).
///
/// # Errors
/// [`OptimError::Checkpoint`] if the file cannot be written.
pub fn save_state<T: Float>(
    path: &Path,
    method: &str,
    state: &OptimState<T>,
) -> Result<(), OptimError> {
    let tensors: Vec<(String, &Tensor<T>)> =
        state.tensors.iter().map(|(n, t)| (n.clone(), t)).collect();
    let mut meta: Metadata = state
        .scalars
        .iter()
        .map(|(k, v)| (k.clone(), format!("{v:e}")))
        .collect();
    meta.insert("__method__".to_string(), method.to_string());
    Ok(save_tensors(path, &tensors, &meta)?)
}

/// Reads a state written by [`save_state`] for `method`.
///
/// # Errors
/// [`OptimError::Checkpoint`] for an unreadable or corrupt file;
/// [`OptimError::State`] if it belongs to another method or a scalar does
/// not parse.
pub fn load_state<T: Float>(path: &Path, method: &str) -> Result<OptimState<T>, OptimError> {
    let bytes = std::fs::read(path).map_err(|source| NnError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_state(&bytes, path, method)
}

/// [`load_state`] from bytes in memory; `path` names them in errors.
///
/// # Errors
/// As [`load_state`].
pub fn decode_state<T: Float>(
    bytes: &[u8],
    path: &Path,
    method: &str,
) -> Result<OptimState<T>, OptimError> {
    let (tensors, mut meta) = decode_tensors::<T>(bytes, path)?;
    let saved = meta.remove("__method__").unwrap_or_default();
    if saved != method {
        let message = format!("{}: state of {saved:?}, not {method:?}", path.display());
        return Err(OptimError::State { message });
    }
    let mut scalars = Vec::with_capacity(meta.len());
    for (k, v) in meta {
        let x = v.parse().map_err(|_| OptimError::State {
            message: format!("{}: scalar {k} = {v:?}", path.display()),
        })?;
        scalars.push((k, x));
    }
    scalars.sort_by(|a: &(String, f64), b| a.0.cmp(&b.0));
    Ok(OptimState { tensors, scalars })
}
