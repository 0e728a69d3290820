//! Input products given packed, as PyTorch's packed sequences are: only
//! the rows each step computes (up to the last one still running), step
//! after step, so the padding is never projected. What the gated scans
//! share about that layout: the row picks that build it, its shape check,
//! where each step's rows start, one step's rows in a composition, and a
//! packed gradient spread back over the padded layout.

use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::scan::{check_lengths, running_counts, running_rows};
use crate::tape::Var;

/// Which rows of a padded, step-major `[steps, batch, ·]` sequence
/// (flattened to `[steps · batch, ·]`) a packed one keeps, in order: at
/// each step up to the longest sequence, the rows up to the last one
/// still running (with lengths longest first, exactly the running ones).
/// The row picks for `index_select` that give `lstm_scan` and `gru_scan`
/// their packed input products (see [`LstmScan::packed`](crate::LstmScan::packed)).
///
/// ```
/// use origami_tape::packed_rows;
/// // Three sequences of lengths 3, 2 and 0 over 3 steps.
/// assert_eq!(packed_rows(&[3, 2, 0]), vec![0, 1, 3, 4, 6]);
/// ```
pub fn packed_rows(lengths: &[usize]) -> Vec<usize> {
    let (batch, steps) = (lengths.len(), lengths.iter().copied().max().unwrap_or(0));
    (0..steps)
        .flat_map(|t| (0..running_rows(Some(lengths), batch, t)).map(move |b| t * batch + b))
        .collect()
}

/// `(steps, batch, width)` of `op`'s input products of shape `shape`,
/// for an initial state of `batch` rows: `[steps, batch, width]`, or
/// packed `[Σ_t running(t), width]`, whose steps are the longest length.
///
/// # Panics
/// Naming `op`, if the shape has the wrong rank or, packed, there are no
/// lengths or the rows are not those the lengths run.
pub(crate) fn input_dims(
    op: &str,
    shape: &[usize],
    packed: bool,
    lengths: Option<&[usize]>,
    batch: usize,
    gates: usize,
) -> (usize, usize, usize) {
    match (packed, shape) {
        (false, &[steps, rows, width]) => (steps, rows, width),
        (true, &[computed, width]) => {
            let lengths =
                lengths.unwrap_or_else(|| panic!("{op}: packed input products need lengths"));
            let steps = lengths.iter().copied().max().unwrap_or(0);
            check_lengths(op, Some(lengths), batch, steps);
            let expected: usize = running_counts(Some(lengths), steps, batch).iter().sum();
            assert!(
                computed == expected,
                "{op}: packed input products have {computed} rows, \
                 but the lengths {lengths:?} run {expected}"
            );
            (steps, batch, width)
        }
        (false, _) => {
            panic!("{op}: input projections must be [steps, batch, {gates}·hidden], got {shape:?}")
        }
        (true, _) => {
            panic!("{op}: packed input projections must be [rows, {gates}·hidden], got {shape:?}")
        }
    }
}

/// The row of the input products at which each step's rows start, for
/// `counts` rows computed per step out of `batch`.
pub(crate) fn step_starts(counts: &[usize], packed: bool, batch: usize) -> Vec<usize> {
    let mut at = 0;
    (0..counts.len())
        .map(|t| match packed {
            true => {
                at += counts[t];
                at - counts[t]
            }
            false => t * batch,
        })
        .collect()
}

/// Step `t`'s input products as `[batch, width]`, in a composition: from
/// packed ones (`rows` of them from row `start`) the rows after them,
/// which keep their state whatever their gates, are padded with 0.
pub(crate) fn step_input<'s, T: Float>(
    gi: Var<'s, T>,
    packed: bool,
    t: usize,
    (start, rows): (usize, usize),
    batch: usize,
) -> Var<'s, T> {
    match packed {
        true => gi.narrow(0, start, rows).pad(0, 0, batch - rows, T::ZERO),
        false => {
            let width = gi.shape()[2];
            gi.narrow(0, t, 1).reshape(&[batch, width])
        }
    }
}

/// The computed rows' gradients (`counts` rows of `width` per step, back
/// to back) spread over every row of every step, `[steps, batch, width]`,
/// the rest zero: the gradient of input products given padded. Returned
/// as they are when every step computes every row.
pub(crate) fn spread<T: Float>(
    computed: Buffer<T>,
    counts: &[usize],
    batch: usize,
    width: usize,
) -> Buffer<T> {
    if counts.iter().all(|&rows| rows == batch) {
        return computed;
    }
    let mut full = Buffer::filled(T::ZERO, counts.len() * batch * width);
    let mut at = 0;
    for (step, &rows) in full.chunks_mut((batch * width).max(1)).zip(counts) {
        step[..rows * width].copy_from_slice(&computed[at..at + rows * width]);
        at += rows * width;
    }
    full
}
