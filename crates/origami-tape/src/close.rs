//! Comparing results with a tolerance: [`check_close`] says where two
//! tensors (or slices) first differ by more than a relative tolerance, for
//! tests against a reference (another op, PyTorch, a formula).

use crate::float::Float;

/// `Ok` if `got` and `want` have the same length and every pair satisfies
/// `|got − want| ≤ rtol · (1 + |want|)` (relative for large values,
/// absolute near zero); otherwise the first index that does not, with
/// both values. NaN is close to nothing.
///
/// ```
/// use origami_tape::check_close;
/// assert!(check_close(&[1.0f32, 2.0], &[1.0, 2.000001], 1e-6).is_ok());
/// let err = check_close(&[1.0f64, 2.5], &[1.0, 2.0], 1e-9).unwrap_err();
/// assert_eq!(err, "[1]: 2.5 against 2 (rtol 1e-9)");
/// ```
///
/// # Errors
/// The message naming the first mismatch, or the two lengths.
pub fn check_close<T: Float>(got: &[T], want: &[T], rtol: f64) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{} values against {}", got.len(), want.len()));
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.to_f64(), w.to_f64());
        let within = (g - w).abs() <= rtol * (1.0 + w.abs());
        if !within {
            return Err(format!("[{i}]: {g} against {w} (rtol {rtol:e})"));
        }
    }
    Ok(())
}
