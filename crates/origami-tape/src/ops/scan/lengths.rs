//! Sequences that end early, as the three scans share them: which rows
//! run at a step, the check of the lengths, the recorded form of a row
//! keeping its state, and the shortcut for rows that have all ended.
//!
//! A row past its length keeps its state. The rows after the last one still
//! running cost nothing at that step: with rows ordered by non-increasing
//! length (as PyTorch's packed sequences require), each step multiplies
//! only the rows still running, and a weight gradient's product over all
//! steps skips the ended ones.

use std::borrow::Cow;

use crate::float::Float;
use crate::kernels::wide::widest;
use crate::tape::Var;

/// Which rows of a batch with these sequence `lengths` are still running
/// at step `t`; `None` when all are (shared by the three scans).
pub(crate) fn live_rows(lengths: Option<&[usize]>, t: usize) -> Option<Vec<bool>> {
    let lens = lengths?;
    lens.iter()
        .any(|&l| l <= t)
        .then(|| lens.iter().map(|&l| t < l).collect())
}

/// The rows that have ended by step `t` although a later row, before
/// `running` ([`running_rows`]), still runs: none when the lengths are in
/// packed order (longest first). The backward passes save their carries
/// before a step's kernels overwrite them.
pub(crate) fn ended_before(lengths: Option<&[usize]>, t: usize, running: usize) -> Vec<usize> {
    lengths.map_or_else(Vec::new, |lens| {
        (0..running).filter(|&row| lens[row] <= t).collect()
    })
}

/// `carry += g` over the rows from `running` on, which have all ended:
/// the gradients of their states pass through the step unchanged (in the
/// backward passes, which never touch those rows otherwise).
pub(crate) fn pass_through_ended<T: Float>(carry: &mut [T], g: &[T], running: usize, width: usize) {
    let from = running * width;
    widest(|| {
        for (c, &g) in carry[from..].iter_mut().zip(&g[from..]) {
            *c = g + *c;
        }
    });
}

/// Panics, naming `op`, unless there is one length per row and none
/// exceeds `steps`.
pub(crate) fn check_lengths(op: &str, lengths: Option<&[usize]>, batch: usize, steps: usize) {
    if let Some(lens) = lengths {
        assert_eq!(
            lens.len(),
            batch,
            "{op}: {} lengths for a batch of {batch}",
            lens.len()
        );
        if let Some((b, &l)) = lens.iter().enumerate().find(|&(_, &l)| l > steps) {
            panic!("{op}: sequence {b} has length {l} but only {steps} steps were given");
        }
    }
}

/// `next`, except in the rows whose sequence has ended by step `t`, which
/// keep `prev` (the compositions' form of lengths).
pub(crate) fn keep_ended<'s, T: Float>(
    lengths: Option<&[usize]>,
    t: usize,
    next: Var<'s, T>,
    prev: Var<'s, T>,
) -> Var<'s, T> {
    let Some(live) = live_rows(lengths, t) else {
        return next;
    };
    let hidden = next.shape()[1];
    let cells: Vec<bool> = live
        .iter()
        .flat_map(|&l| std::iter::repeat_n(l, hidden))
        .collect();
    Var::where_cond(&cells, next, prev)
}

/// How many leading rows step `t` computes: up to the last row still
/// running; every row after it has ended and keeps its state.
pub(crate) fn running_rows(lengths: Option<&[usize]>, batch: usize, t: usize) -> usize {
    lengths.map_or(batch, |lens| {
        lens.iter().rposition(|&l| t < l).map_or(0, |row| row + 1)
    })
}

/// [`running_rows`] for every one of `steps` steps.
pub(crate) fn running_counts(lengths: Option<&[usize]>, steps: usize, batch: usize) -> Vec<usize> {
    (0..steps)
        .map(|t| running_rows(lengths, batch, t))
        .collect()
}

/// The computed rows ([`running_rows`]) of every step of `data`, laid out
/// `[steps, batch, width]`, back to back; `first` is the step `data`
/// starts at. What a weight gradient's product over all steps needs: the
/// rows left out have zero gradients. Borrowed when every row runs.
pub(crate) fn running_part<'a, T: Float>(
    data: &'a [T],
    lengths: Option<&[usize]>,
    first: usize,
    batch: usize,
    width: usize,
) -> Cow<'a, [T]> {
    let block = batch * width;
    if lengths.is_none() || block == 0 {
        return Cow::Borrowed(data);
    }
    let steps = data.len() / block;
    let counts: Vec<usize> = (first..first + steps)
        .map(|t| running_rows(lengths, batch, t))
        .collect();
    if counts.iter().all(|&m| m == batch) {
        return Cow::Borrowed(data);
    }
    let mut part = Vec::with_capacity(counts.iter().sum::<usize>() * width);
    for (step, m) in data.chunks(block).zip(counts) {
        part.extend_from_slice(&step[..m * width]);
    }
    Cow::Owned(part)
}
