//! Recurrent layers: the Elman, GRU and LSTM cells (each a `step`), the
//! sequence unroll with per-sequence lengths, and `Rnn`, which stacks
//! cells in layers and directions with PyTorch's parameter names
//! (`weight_ih_l0`, `bias_hh_l1_reverse`, …) and gate orders.

mod cells;
mod sequence;
mod stack;

use rand::Rng;

use origami_tape::{Float, Tape, Tensor, Var};

use crate::init::Init;
use crate::module::Params;
use crate::param::Param;

pub use cells::{Elman, Gru, Lstm};
pub use sequence::{pack_sequence, reverse_in_time, reverse_sequence, unroll, unroll_checkpointed};
use sequence::{sequence_shape, split_steps, worth_packing};
pub use stack::{CellKind, Rnn, RnnConfig, RnnOutput, RnnSequenceOutput};

/// A recurrent state: the hidden vector, and the LSTM's cell vector.
#[derive(Clone, Copy, Debug)]
pub struct State<'t, T: Float> {
    /// `[batch, hidden]`.
    pub h: Var<'t, T>,
    /// `[batch, hidden]`, LSTM only.
    pub c: Option<Var<'t, T>>,
}

/// What unrolling a cell over a sequence gives.
#[derive(Clone, Debug)]
pub struct SeqOutput<'t, T: Float> {
    /// The hidden state after each step, `[batch, hidden]` each. Past a
    /// sequence's length its row repeats the state at its last token.
    pub outputs: Vec<Var<'t, T>>,
    /// Each sequence's state at its own last real token.
    pub last: State<'t, T>,
}

/// What running a cell over a sequence held as one tensor gives.
#[derive(Clone, Debug)]
pub struct SequenceOutput<'t, T: Float> {
    /// The hidden state after each step, `[steps, batch, hidden]`; past a
    /// sequence's length its row repeats the state at its last token.
    pub outputs: Var<'t, T>,
    /// Each sequence's state at its own last real token.
    pub last: State<'t, T>,
}

/// One recurrent cell: a `step` from `(x_t, state)` to the next state.
pub trait Cell<T: Float>: Params<T> {
    /// Width of `x_t`.
    fn input_size(&self) -> usize;
    /// Width of the hidden state.
    fn hidden_size(&self) -> usize;
    /// One time step; `x` is `[batch, input]`.
    fn step<'t>(&self, tape: &'t Tape<T>, x: Var<'t, T>, state: &State<'t, T>) -> State<'t, T>;
    /// True for cells that carry a cell vector (LSTM).
    fn has_cell_state(&self) -> bool {
        false
    }

    /// The all-zero state for `batch` sequences.
    fn zero_state<'t>(&self, tape: &'t Tape<T>, batch: usize) -> State<'t, T> {
        let zeros = || tape.constant(Tensor::zeros(&[batch, self.hidden_size()]));
        State {
            h: zeros(),
            c: self.has_cell_state().then(zeros),
        }
    }

    /// Runs the cell over `xs` (one `[batch, input]` per time step). With
    /// `lengths`, sequence `b` stops at `lengths[b]` and its state is kept
    /// from there on, so padding never changes a result.
    fn seq<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: &[Var<'t, T>],
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SeqOutput<'t, T> {
        unroll(self, tape, xs, lengths, init)
    }

    /// [`Cell::seq`] over a sequence held as one `[steps, batch, input]`
    /// tensor (PyTorch's layout), giving `[steps, batch, hidden]`: the
    /// fused cells run it without taking the sequence apart.
    fn sequence<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SequenceOutput<'t, T> {
        sequence_by_steps(self, tape, xs, lengths, init)
    }
}

/// [`Cell::sequence`] through [`Cell::seq`]: the sequence split into its
/// steps, the outputs stacked again.
fn sequence_by_steps<'t, T: Float, C: Cell<T> + ?Sized>(
    cell: &C,
    tape: &'t Tape<T>,
    xs: Var<'t, T>,
    lengths: Option<&[usize]>,
    init: Option<State<'t, T>>,
) -> SequenceOutput<'t, T> {
    let out = cell.seq(tape, &split_steps(xs), lengths, init);
    SequenceOutput {
        outputs: Var::stack(&out.outputs, 0),
        last: out.last,
    }
}

/// The four tensors every cell has: input and recurrent weights
/// (`[gates·hidden, input]`, `[gates·hidden, hidden]`) and their biases.
#[derive(Clone, Debug)]
pub struct CellWeights<T: Float> {
    /// `[gates·hidden, input]`.
    pub weight_ih: Param<T>,
    /// `[gates·hidden, hidden]`.
    pub weight_hh: Param<T>,
    /// `[gates·hidden]`.
    pub bias_ih: Param<T>,
    /// `[gates·hidden]`.
    pub bias_hh: Param<T>,
}

impl<T: Float> CellWeights<T> {
    /// PyTorch's init: every tensor uniform in `±1/√hidden`.
    pub fn new(gates: usize, input: usize, hidden: usize, rng: &mut impl Rng) -> Self {
        let init = Init::Uniform(1.0 / (hidden.max(1) as f64).sqrt());
        let mut draw = |shape: &[usize]| Param::new(init.tensor(shape, 1.0, rng));
        Self {
            weight_ih: draw(&[gates * hidden, input]),
            weight_hh: draw(&[gates * hidden, hidden]),
            bias_ih: draw(&[gates * hidden]),
            bias_hh: draw(&[gates * hidden]),
        }
    }

    /// `x W_ihᵀ + b_ih` and `h W_hhᵀ + b_hh`, each `[batch, gates·hidden]`.
    pub fn gates<'t>(
        &self,
        tape: &'t Tape<T>,
        x: Var<'t, T>,
        h: Var<'t, T>,
    ) -> (Var<'t, T>, Var<'t, T>) {
        let gi = x.matmul_t(self.weight_ih.bind(tape), false, true) + self.bias_ih.bind(tape);
        let gh = h.matmul_t(self.weight_hh.bind(tape), false, true) + self.bias_hh.bind(tape);
        (gi, gh)
    }

    /// Every step's input projections in one product, `x·W_ihᵀ + b_ih`
    /// (`+ b_hh` too if `with_bias_hh`, for the cells where it adds
    /// linearly), for `xs` of `[steps, batch, input]`, as
    /// `[steps, batch, gates·hidden]`, or for packed rows as `[rows,
    /// gates·hidden]`: what the fused scans take.
    ///
    /// # Panics
    /// As [`Self::input_products`].
    pub fn input_projections<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        with_bias_hh: bool,
    ) -> Var<'t, T> {
        let bias = if with_bias_hh {
            self.summed_bias(tape)
        } else {
            self.bias_ih.bind(tape)
        };
        self.input_products(tape, xs) + bias
    }

    /// Every step's input products in one product, `x·W_ihᵀ` with no
    /// bias, for `xs` of `[steps, batch, input]`, as `[steps, batch,
    /// gates·hidden]`, or for packed rows `[rows, input]` (see
    /// [`pack_sequence`]) as `[rows, gates·hidden]`: what `lstm_scan` takes
    /// (it adds [`Self::summed_bias`] in its own pass over the gates).
    ///
    /// # Panics
    /// If `xs` is neither packed rows nor 3-D with at least one step.
    pub fn input_products<'t>(&self, tape: &'t Tape<T>, xs: Var<'t, T>) -> Var<'t, T> {
        let weight = self.weight_ih.bind(tape);
        if xs.shape().len() == 2 {
            return xs.matmul_t(weight, false, true);
        }
        let (steps, batch, input) = sequence_shape(xs);
        let rows = xs.reshape(&[steps * batch, input]);
        let gi = rows.matmul_t(weight, false, true);
        gi.reshape(&[steps, batch, self.weight_ih.shape()[0]])
    }

    /// `b_ih + b_hh`: both biases, for the cells where they add linearly.
    pub fn summed_bias<'t>(&self, tape: &'t Tape<T>) -> Var<'t, T> {
        self.bias_ih.bind(tape) + self.bias_hh.bind(tape)
    }

    fn input_size(&self) -> usize {
        self.weight_ih.shape()[1]
    }

    fn hidden_size(&self) -> usize {
        self.weight_hh.shape()[1]
    }
}

crate::impl_params!(<T> for CellWeights<T> { weight_ih, weight_hh, bias_ih, bias_hh });
