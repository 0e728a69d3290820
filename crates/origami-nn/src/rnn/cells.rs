//! The three cells, with PyTorch's equations and gate orders:
//!
//! * Elman: `h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`, act = tanh or relu.
//! * GRU (gates r, z, n): `r = σ(i_r + h_r)`, `z = σ(i_z + h_z)`,
//!   `n = tanh(i_n + r ⊙ h_n)`, `h' = (1 - z) ⊙ n + z ⊙ h`.
//! * LSTM (gates i, f, g, o): `c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)`,
//!   `h' = σ(o) ⊙ tanh(c')`.

use rand::Rng;

use std::sync::Arc;

use origami_tape::{ElmanScan, Float, GruScan, LstmScan, Nonlinearity, Tape, Var};

use super::{
    Cell, CellWeights, SeqOutput, SequenceOutput, State, pack_sequence, sequence_by_steps,
    sequence_shape, split_steps, unroll, worth_packing,
};
use crate::activation::Activation;
use crate::module::Params;
use crate::param::Param;

/// Gate `k` of `hidden` columns out of a `[batch, gates·hidden]` value.
fn gate<'t, T: Float>(g: Var<'t, T>, k: usize, hidden: usize) -> Var<'t, T> {
    g.narrow(1, k * hidden, hidden)
}

macro_rules! cell_params {
    ($cell:ident) => {
        impl<T: Float> Params<T> for $cell<T> {
            fn params(&self) -> Vec<(String, &Param<T>)> {
                self.weights.params()
            }
            fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
                self.weights.params_mut()
            }
        }
    };
}

/// The Elman (vanilla) recurrent cell.
#[derive(Clone, Debug)]
pub struct Elman<T: Float> {
    /// One gate's worth of weights.
    pub weights: CellWeights<T>,
    /// `Tanh` or `Relu` (PyTorch's `nonlinearity`).
    pub activation: Activation,
}

impl<T: Float> Elman<T> {
    /// A cell with PyTorch's init.
    pub fn new(input: usize, hidden: usize, activation: Activation, rng: &mut impl Rng) -> Self {
        Self {
            weights: CellWeights::new(1, input, hidden, rng),
            activation,
        }
    }
}

cell_params!(Elman);

impl<T: Float> Cell<T> for Elman<T> {
    fn input_size(&self) -> usize {
        self.weights.input_size()
    }
    fn hidden_size(&self) -> usize {
        self.weights.hidden_size()
    }
    fn step<'t>(&self, tape: &'t Tape<T>, x: Var<'t, T>, state: &State<'t, T>) -> State<'t, T> {
        let (gi, gh) = self.weights.gates(tape, x, state.h);
        State {
            h: self.activation.apply(gi + gh),
            c: None,
        }
    }

    /// With tanh or relu, [`Cell::sequence`] on the steps stacked;
    /// the step-by-step [`unroll`] otherwise.
    fn seq<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: &[Var<'t, T>],
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SeqOutput<'t, T> {
        match self.scan_nonlinearity() {
            Some(_) => through_sequence(self, tape, xs, lengths, init),
            None => unroll(self, tape, xs, lengths, init),
        }
    }

    /// With tanh or relu, one `elman_scan` op over all steps (the input
    /// projections of every step first, as one product); the same maths as
    /// the step-by-step [`unroll`], which other activations use.
    fn sequence<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SequenceOutput<'t, T> {
        let Some(nonlinearity) = self.scan_nonlinearity() else {
            return sequence_by_steps(self, tape, xs, lengths, init);
        };
        let w = &self.weights;
        let z = w.input_projections(tape, xs, true);
        let h0 = init
            .unwrap_or_else(|| self.zero_state(tape, xs.shape()[1]))
            .h;
        let scan = ElmanScan {
            nonlinearity,
            transpose_weight: true,
            lengths: lengths.map(Arc::from),
        };
        let outputs = z.elman_scan(h0, w.weight_hh.bind(tape), &scan);
        let last = State {
            h: last_step(outputs),
            c: None,
        };
        SequenceOutput { outputs, last }
    }
}

impl<T: Float> Elman<T> {
    /// The activation as `elman_scan` knows it, if it does.
    fn scan_nonlinearity(&self) -> Option<Nonlinearity> {
        match self.activation {
            Activation::Tanh => Some(Nonlinearity::Tanh),
            Activation::Relu => Some(Nonlinearity::Relu),
            _ => None,
        }
    }
}

/// [`Cell::seq`] for the fused cells: the steps stacked, run as one
/// [`Cell::sequence`], and taken apart again.
fn through_sequence<'t, T: Float>(
    cell: &impl Cell<T>,
    tape: &'t Tape<T>,
    xs: &[Var<'t, T>],
    lengths: Option<&[usize]>,
    init: Option<State<'t, T>>,
) -> SeqOutput<'t, T> {
    assert!(!xs.is_empty(), "unroll: no time steps");
    let out = cell.sequence(tape, Var::stack(xs, 0), lengths, init);
    SeqOutput {
        outputs: split_steps(out.outputs),
        last: out.last,
    }
}

/// The last step of a `[steps, batch, hidden]` sequence, `[batch, hidden]`.
fn last_step<T: Float>(xs: Var<'_, T>) -> Var<'_, T> {
    let shape = xs.shape();
    xs.narrow(0, shape[0] - 1, 1).reshape(&shape[1..])
}

/// The gated recurrent unit.
#[derive(Clone, Debug)]
pub struct Gru<T: Float> {
    /// Three gates' worth of weights, ordered r, z, n.
    pub weights: CellWeights<T>,
}

impl<T: Float> Gru<T> {
    /// A cell with PyTorch's init.
    pub fn new(input: usize, hidden: usize, rng: &mut impl Rng) -> Self {
        Self {
            weights: CellWeights::new(3, input, hidden, rng),
        }
    }
}

cell_params!(Gru);

impl<T: Float> Cell<T> for Gru<T> {
    fn input_size(&self) -> usize {
        self.weights.input_size()
    }
    fn hidden_size(&self) -> usize {
        self.weights.hidden_size()
    }
    fn step<'t>(&self, tape: &'t Tape<T>, x: Var<'t, T>, state: &State<'t, T>) -> State<'t, T> {
        let hidden = self.hidden_size();
        let (gi, gh) = self.weights.gates(tape, x, state.h);
        let r = (gate(gi, 0, hidden) + gate(gh, 0, hidden)).sigmoid();
        let z = (gate(gi, 1, hidden) + gate(gh, 1, hidden)).sigmoid();
        let n = (gate(gi, 2, hidden) + r * gate(gh, 2, hidden)).tanh();
        State {
            h: n + z * (state.h - n),
            c: None,
        }
    }

    fn seq<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: &[Var<'t, T>],
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SeqOutput<'t, T> {
        through_sequence(self, tape, xs, lengths, init)
    }

    /// One `gru_scan` op over all steps (the input projections of every
    /// step first, as one product): the maths of [`Cell::step`], fused.
    fn sequence<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SequenceOutput<'t, T> {
        let w = &self.weights;
        let (steps, batch, _) = sequence_shape(xs);
        // The input projections of the padding are never formed.
        let packed = worth_packing(lengths, steps, batch);
        let rows = packed.map_or(xs, |lens| pack_sequence(xs, lens));
        let gi = w.input_projections(tape, rows, false);
        let h0 = init.unwrap_or_else(|| self.zero_state(tape, batch)).h;
        let scan = GruScan {
            lengths: lengths.map(Arc::from),
            packed: packed.is_some(),
        };
        let outputs = gi.gru_scan(h0, w.weight_hh.bind(tape), w.bias_hh.bind(tape), &scan);
        let last = State {
            h: last_step(outputs),
            c: None,
        };
        SequenceOutput { outputs, last }
    }
}

/// The long short-term memory cell.
#[derive(Clone, Debug)]
pub struct Lstm<T: Float> {
    /// Four gates' worth of weights, ordered i, f, g, o.
    pub weights: CellWeights<T>,
}

impl<T: Float> Lstm<T> {
    /// A cell with PyTorch's init.
    pub fn new(input: usize, hidden: usize, rng: &mut impl Rng) -> Self {
        Self {
            weights: CellWeights::new(4, input, hidden, rng),
        }
    }
}

cell_params!(Lstm);

impl<T: Float> Cell<T> for Lstm<T> {
    fn input_size(&self) -> usize {
        self.weights.input_size()
    }
    fn hidden_size(&self) -> usize {
        self.weights.hidden_size()
    }
    fn has_cell_state(&self) -> bool {
        true
    }
    fn step<'t>(&self, tape: &'t Tape<T>, x: Var<'t, T>, state: &State<'t, T>) -> State<'t, T> {
        let hidden = self.hidden_size();
        let (gi, gh) = self.weights.gates(tape, x, state.h);
        let g = gi + gh;
        let input = gate(g, 0, hidden).sigmoid();
        let forget = gate(g, 1, hidden).sigmoid();
        let candidate = gate(g, 2, hidden).tanh();
        let output = gate(g, 3, hidden).sigmoid();
        let c_prev = state.c.expect("an LSTM state carries a cell vector");
        let c = forget * c_prev + input * candidate;
        State {
            h: output * c.tanh(),
            c: Some(c),
        }
    }

    fn seq<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: &[Var<'t, T>],
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SeqOutput<'t, T> {
        through_sequence(self, tape, xs, lengths, init)
    }

    /// One `lstm_scan` op over all steps (the input products of every
    /// step first, as one product; both biases added in the scan): the
    /// maths of [`Cell::step`], fused.
    fn sequence<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        lengths: Option<&[usize]>,
        init: Option<State<'t, T>>,
    ) -> SequenceOutput<'t, T> {
        let w = &self.weights;
        let (steps, batch, _) = sequence_shape(xs);
        // The input products of the padding are never formed.
        let packed = worth_packing(lengths, steps, batch);
        let gi = w.input_products(tape, packed.map_or(xs, |lens| pack_sequence(xs, lens)));
        let hidden = self.hidden_size();
        let init = init.unwrap_or_else(|| self.zero_state(tape, batch));
        let c0 = init.c.expect("an LSTM state carries a cell vector");
        let scan = LstmScan {
            lengths: lengths.map(Arc::from),
            packed: packed.is_some(),
        };
        let (weight_hh, bias) = (w.weight_hh.bind(tape), w.summed_bias(tape));
        let hc = gi.lstm_scan(init.h, c0, weight_hh, bias, &scan);
        let outputs = hc.narrow(0, 0, 1).reshape(&[steps, batch, hidden]);
        // The last step first: only `[2, 1, batch, hidden]` is copied.
        let c = hc.narrow(1, steps - 1, 1).narrow(0, 1, 1);
        let last = State {
            h: last_step(outputs),
            c: Some(c.reshape(&[batch, hidden])),
        };
        SequenceOutput { outputs, last }
    }
}
