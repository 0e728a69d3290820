//! Unrolling a cell over time, with a length per sequence: at step `t`,
//! rows whose sequence has ended keep their state (`where`), so padding
//! never changes a result; the same in checkpointed chunks of steps; and
//! reversing each sequence within its own
//! length, for the backward direction of a bidirectional net.

use std::rc::Rc;

use origami_tape::{Float, Tape, Var, packed_rows};

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

/// [`unroll`] in checkpointed chunks of `every` steps
/// ([`Tape::checkpoint`]): training keeps the state at every step but
/// none of the gates, and recomputes each chunk's inside during backward.
/// The results and gradients are `Cell::seq`'s: bit for bit for cells that
/// step one at a time, to rounding for the fused scans of the Elman, GRU
/// and LSTM cells (a weight gradient summed per chunk rather than formed
/// in one product).
///
/// ```
/// use origami_nn::{unroll_checkpointed, Cell, Gru};
/// use origami_tape::{Tape, Tensor};
/// use rand::SeedableRng;
/// let cell = Gru::<f64>::new(2, 3, &mut rand::rngs::StdRng::seed_from_u64(0));
/// let loss = |chunked: bool| {
///     let tape = Tape::new();
///     let xs: Vec<_> = (0..7).map(|_| tape.constant(Tensor::ones(&[1, 2]))).collect();
///     let out = match chunked {
///         true => unroll_checkpointed(&cell, &tape, &xs, None, None, 3),
///         false => cell.seq(&tape, &xs, None, None),
///     };
///     out.last.h.sum_all().backward()
/// };
/// let (plain, chunked) = (loss(false), loss(true));
/// for ((_, a), (_, b)) in plain.iter().zip(chunked.iter()) {
///     assert!(a.data().iter().zip(b.data()).all(|(x, y)| (x - y).abs() < 1e-12));
/// }
/// ```
///
/// # Panics
/// As [`unroll`], and if `every` is 0.
pub fn unroll_checkpointed<'t, T: Float, C: Cell<T> + Clone + 'static>(
    cell: &C,
    tape: &'t Tape<T>,
    xs: &[Var<'t, T>],
    lengths: Option<&[usize]>,
    init: Option<State<'t, T>>,
    every: usize,
) -> SeqOutput<'t, T> {
    seq_in_chunks(Rc::new(cell.clone()), tape, xs, lengths, init, every)
}

/// [`unroll_checkpointed`] for a shared cell: each chunk's segment keeps a
/// handle to it.
pub(crate) fn seq_in_chunks<'t, T: Float>(
    cell: Rc<dyn Cell<T>>,
    tape: &'t Tape<T>,
    xs: &[Var<'t, T>],
    lengths: Option<&[usize]>,
    init: Option<State<'t, T>>,
    every: usize,
) -> SeqOutput<'t, T> {
    assert!(every > 0, "unroll_checkpointed: every must be at least 1");
    assert!(!xs.is_empty(), "unroll: no time steps");
    let batch = xs[0].shape()[0];
    check_lengths(lengths, batch, xs.len());
    let mut state = init.unwrap_or_else(|| cell.zero_state(tape, batch));
    let with_cell = state.c.is_some();
    let mut outputs = Vec::with_capacity(xs.len());
    for (index, chunk) in xs.chunks(every).enumerate() {
        // Each sequence's length within the chunk (0: it ended before).
        let local: Option<Vec<usize>> = lengths.map(|lens| {
            let start = index * every;
            lens.iter()
                .map(|&l| l.saturating_sub(start).min(chunk.len()))
                .collect()
        });
        let mut args = vec![state.h];
        args.extend(state.c);
        args.extend_from_slice(chunk);
        let cell = Rc::clone(&cell);
        let results = tape.checkpoint(&args, move |t, a| {
            let (h, c, xs) = match with_cell {
                true => (a[0], Some(a[1]), &a[2..]),
                false => (a[0], None, &a[1..]),
            };
            let out = cell.seq(t, xs, local.as_deref(), Some(State { h, c }));
            let mut results = out.outputs;
            results.extend(out.last.c);
            results
        });
        let steps = chunk.len();
        outputs.extend_from_slice(&results[..steps]);
        state = State {
            h: results[steps - 1],
            c: with_cell.then(|| results[steps]),
        };
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
    let rows = reversed_rows(lens, steps);
    rows.chunks(batch)
        .map(|step| all.index_select(0, step))
        .collect()
}

/// [`reverse_in_time`] for a sequence held as one `[steps, batch, width]`
/// tensor: one gather, whatever the number of steps.
///
/// ```
/// use origami_nn::reverse_sequence;
/// use origami_tape::{Tape, Tensor};
/// let tape = Tape::<f32>::new();
/// let xs = tape.constant(Tensor::arange(6).reshape(&[3, 2, 1])); // steps 0, 1, 2
/// let back = reverse_sequence(xs, Some(&[3, 2]));
/// assert_eq!(back.value().data(), &[4.0, 3.0, 2.0, 1.0, 0.0, 5.0]);
/// ```
///
/// # Panics
/// If `xs` is not 3-D, or `lengths` does not fit it.
pub fn reverse_sequence<'t, T: Float>(xs: Var<'t, T>, lengths: Option<&[usize]>) -> Var<'t, T> {
    let (steps, batch, width) = sequence_shape(xs);
    check_lengths(lengths, batch, steps);
    let full = vec![steps; batch];
    let rows = reversed_rows(lengths.unwrap_or(&full), steps);
    xs.reshape(&[steps * batch, width])
        .index_select(0, &rows)
        .reshape(&[steps, batch, width])
}

/// The rows of a `[steps, batch, width]` sequence that a packed scan
/// reads, back to back as `[rows, width]`: at each step up to the longest
/// sequence, the rows up to the last one still running (PyTorch's
/// `pack_padded_sequence` for lengths longest first). One gather.
///
/// ```
/// use origami_nn::pack_sequence;
/// use origami_tape::{Tape, Tensor};
/// let tape = Tape::<f32>::new();
/// let xs = tape.constant(Tensor::arange(6).reshape(&[3, 2, 1])); // steps 0, 1, 2
/// let packed = pack_sequence(xs, &[3, 1]);
/// assert_eq!(packed.value().data(), &[0.0, 1.0, 2.0, 4.0]);
/// ```
///
/// # Panics
/// If `xs` is not 3-D, or `lengths` does not fit it.
pub fn pack_sequence<'t, T: Float>(xs: Var<'t, T>, lengths: &[usize]) -> Var<'t, T> {
    let (steps, batch, width) = sequence_shape(xs);
    check_lengths(Some(lengths), batch, steps);
    xs.reshape(&[steps * batch, width])
        .index_select(0, &packed_rows(lengths))
}

/// Whether a scan over `steps` steps of `batch` rows with these
/// `lengths` should take its input packed: when the longest sequence
/// fills every step (so the packed scan runs them all) and padding is
/// left to skip.
pub(crate) fn worth_packing(
    lengths: Option<&[usize]>,
    steps: usize,
    batch: usize,
) -> Option<&[usize]> {
    lengths.filter(|lens| {
        let computed: usize = lens.iter().map(|&l| l.min(steps)).sum();
        lens.len() == batch && lens.iter().max() == Some(&steps) && computed < steps * batch
    })
}

/// For step-major rows (`t · batch + b`), the row each position reads when
/// every sequence is reversed within its length (rows past it stay put).
fn reversed_rows(lengths: &[usize], steps: usize) -> Vec<usize> {
    let batch = lengths.len();
    (0..steps)
        .flat_map(|t| {
            lengths.iter().enumerate().map(move |(b, &l)| match t < l {
                true => (l - 1 - t) * batch + b,
                false => t * batch + b,
            })
        })
        .collect()
}

/// `(steps, batch, width)` of a sequence tensor.
///
/// # Panics
/// If `xs` is not 3-D or has no steps.
pub(crate) fn sequence_shape<T: Float>(xs: Var<'_, T>) -> (usize, usize, usize) {
    let shape = xs.shape();
    assert!(
        shape.len() == 3 && shape[0] > 0,
        "a sequence is [steps, batch, width] with at least one step, got {shape:?}"
    );
    (shape[0], shape[1], shape[2])
}

/// A `[steps, batch, width]` sequence as one `[batch, width]` value per step.
pub(crate) fn split_steps<'t, T: Float>(xs: Var<'t, T>) -> Vec<Var<'t, T>> {
    let (steps, batch, width) = sequence_shape(xs);
    (0..steps)
        .map(|t| xs.narrow(0, t, 1).reshape(&[batch, width]))
        .collect()
}
