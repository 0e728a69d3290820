//! Unrolling a cell over time, with a length per sequence: at step `t`,
//! rows whose sequence has ended keep their state (`where`), so padding
//! never changes a result; and reversing each sequence within its own
//! length, for the backward direction of a bidirectional net.

use origami_tape::{Float, Tape, Var};

use super::{Cell, SeqOutput, State};

/// Runs `cell` over `xs` (one `[batch, input]` per step); see [`Cell::seq`].
///
/// # Panics
/// If `xs` is empty, `lengths` has the wrong count, or a length exceeds
/// the number of steps.
pub fn unroll<'t, T: Float, C: Cell<T> + ?Sized>(
    cell: &C,
    tape: &'t Tape<T>,
    xs: &[Var<'t, T>],
    lengths: Option<&[usize]>,
    init: Option<State<'t, T>>,
) -> SeqOutput<'t, T> {
    assert!(!xs.is_empty(), "unroll: no time steps");
    let batch = xs[0].shape()[0];
    check_lengths(lengths, batch, xs.len());
    let hidden = cell.hidden_size();
    let mut state = init.unwrap_or_else(|| cell.zero_state(tape, batch));
    let mut outputs = Vec::with_capacity(xs.len());
    for (t, &x) in xs.iter().enumerate() {
        let next = cell.step(tape, x, &state);
        state = match lengths {
            Some(lens) if lens.iter().any(|&l| l <= t) => {
                let live: Vec<bool> = lens
                    .iter()
                    .flat_map(|&l| std::iter::repeat_n(t < l, hidden))
                    .collect();
                let keep = |new: Var<'t, T>, old: Var<'t, T>| Var::where_cond(&live, new, old);
                State {
                    h: keep(next.h, state.h),
                    c: next.c.zip(state.c).map(|(n, o)| keep(n, o)),
                }
            }
            _ => next,
        };
        outputs.push(state.h);
    }
    SeqOutput {
        outputs,
        last: state,
    }
}

fn check_lengths(lengths: Option<&[usize]>, batch: usize, steps: usize) {
    if let Some(lens) = lengths {
        assert_eq!(
            lens.len(),
            batch,
            "unroll: {} lengths for a batch of {batch}",
            lens.len()
        );
        if let Some((b, &l)) = lens.iter().enumerate().find(|&(_, &l)| l > steps) {
            panic!("unroll: sequence {b} has length {l} but only {steps} steps were given");
        }
    }
}

/// Reverses every sequence within its own length: step `t` of the result
/// holds step `len_b - 1 - t` of sequence `b` (rows past a sequence's end
/// are left as they are). Without lengths, simply the steps reversed.
/// Applying it twice gives back the input.
pub fn reverse_in_time<'t, T: Float>(
    xs: &[Var<'t, T>],
    lengths: Option<&[usize]>,
) -> Vec<Var<'t, T>> {
    let Some(lens) = lengths else {
        return xs.iter().rev().copied().collect();
    };
    let steps = xs.len();
    let batch = lens.len();
    check_lengths(lengths, batch, steps);
    if lens.iter().all(|&l| l == steps) {
        return xs.iter().rev().copied().collect();
    }
    let all = Var::concat(xs, 0); // [steps · batch, width]
    (0..steps)
        .map(|t| {
            let rows: Vec<usize> = lens
                .iter()
                .enumerate()
                .map(|(b, &l)| {
                    if t < l {
                        (l - 1 - t) * batch + b
                    } else {
                        t * batch + b
                    }
                })
                .collect();
            all.index_select(0, &rows)
        })
        .collect()
}
