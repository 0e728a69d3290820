//! `Rnn`: cells stacked in layers and, optionally, two directions, with
//! PyTorch's names (`weight_ih_l0`, `weight_hh_l1_reverse`, …). Layer
//! `l > 0` reads the outputs of layer `l - 1` (both directions
//! concatenated).

use std::rc::Rc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use origami_tape::{Float, Tape, Var};

use super::sequence::seq_in_chunks;
use super::{Cell, Elman, Gru, Lstm, SequenceOutput, State, reverse_sequence, split_steps};
use crate::activation::Activation;
use crate::checkpoint::{NamedTensors, assign};
use crate::error::NnError;
use crate::module::Params;
use crate::param::Param;

/// Which cell an `Rnn` is made of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CellKind {
    /// Elman with tanh.
    ElmanTanh,
    /// Elman with relu.
    ElmanRelu,
    /// Gated recurrent unit.
    Gru,
    /// Long short-term memory.
    Lstm,
}

/// The shape of an `Rnn`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnConfig {
    /// The cell type.
    pub kind: CellKind,
    /// Width of each input step.
    pub input_size: usize,
    /// Width of each direction's hidden state.
    pub hidden_size: usize,
    /// Number of stacked layers (≥ 1).
    pub layers: usize,
    /// Run a second stack over the reversed sequences.
    pub bidirectional: bool,
}

/// A cell that copies itself (cheaply: the copy shares the weights'
/// buffers), so a checkpointed chunk can keep one to run again.
trait SharedCell<T: Float>: Cell<T> + Send + Sync {
    fn shared(&self) -> Rc<dyn Cell<T>>;
}

impl<T: Float, C: Cell<T> + Clone + Send + Sync + 'static> SharedCell<T> for C {
    fn shared(&self) -> Rc<dyn Cell<T>> {
        Rc::new(self.clone())
    }
}

type BoxedCell<T> = Box<dyn SharedCell<T>>;

/// A multi-layer, optionally bidirectional recurrent net.
pub struct Rnn<T: Float> {
    config: RnnConfig,
    /// Indexed `layer · directions + direction`.
    cells: Vec<BoxedCell<T>>,
    /// Steps per checkpointed chunk, if any.
    checkpoint_every: Option<usize>,
}

/// What [`Rnn::forward`] returns.
#[derive(Clone, Debug)]
pub struct RnnOutput<'t, T: Float> {
    /// The top layer's output at each step, `[batch, directions·hidden]`.
    pub outputs: Vec<Var<'t, T>>,
    /// The top layer's state at each sequence's end: forward direction at
    /// its last token, backward direction after reading back to the first;
    /// `[batch, directions·hidden]`.
    pub last: Var<'t, T>,
    /// Every cell's final state, indexed `layer · directions + direction`.
    pub states: Vec<State<'t, T>>,
}

/// What [`Rnn::forward_sequence`] returns: [`RnnOutput`] with the outputs
/// as one tensor.
#[derive(Clone, Debug)]
pub struct RnnSequenceOutput<'t, T: Float> {
    /// The top layer's outputs, `[steps, batch, directions·hidden]`.
    pub outputs: Var<'t, T>,
    /// The top layer's state at each sequence's end: forward direction at
    /// its last token, backward direction after reading back to the first;
    /// `[batch, directions·hidden]`.
    pub last: Var<'t, T>,
    /// Every cell's final state, indexed `layer · directions + direction`.
    pub states: Vec<State<'t, T>>,
}

impl<T: Float> Rnn<T> {
    /// A net with PyTorch's init for every cell.
    ///
    /// # Panics
    /// If `layers` is 0.
    pub fn new(config: RnnConfig, rng: &mut impl Rng) -> Self {
        assert!(config.layers > 0, "Rnn: at least one layer");
        let dirs = if config.bidirectional { 2 } else { 1 };
        let mut cells: Vec<BoxedCell<T>> = Vec::new();
        for layer in 0..config.layers {
            let input = if layer == 0 {
                config.input_size
            } else {
                dirs * config.hidden_size
            };
            for _ in 0..dirs {
                let h = config.hidden_size;
                cells.push(match config.kind {
                    CellKind::ElmanTanh => Box::new(Elman::new(input, h, Activation::Tanh, rng)),
                    CellKind::ElmanRelu => Box::new(Elman::new(input, h, Activation::Relu, rng)),
                    CellKind::Gru => Box::new(Gru::new(input, h, rng)),
                    CellKind::Lstm => Box::new(Lstm::new(input, h, rng)),
                });
            }
        }
        Self {
            config,
            cells,
            checkpoint_every: None,
        }
    }

    /// Runs every cell in checkpointed chunks of `every` time steps
    /// ([`unroll_checkpointed`](crate::unroll_checkpointed)): training keeps
    /// each step's state but none of the gates. Results and gradients are
    /// unchanged to rounding: the fused scans form each weight gradient as
    /// one product per chunk rather than over the whole sequence.
    ///
    /// # Panics
    /// If `every` is 0.
    pub fn with_checkpoints(mut self, every: usize) -> Self {
        assert!(every > 0, "Rnn::with_checkpoints: every must be at least 1");
        self.checkpoint_every = Some(every);
        self
    }

    /// Cell `index` over `xs` (`[steps, batch, input]`), in checkpointed
    /// chunks if so configured.
    fn run_cell<'t>(
        &self,
        index: usize,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        lengths: Option<&[usize]>,
    ) -> SequenceOutput<'t, T> {
        let cell = &self.cells[index];
        let Some(every) = self.checkpoint_every else {
            return cell.sequence(tape, xs, lengths, None);
        };
        let out = seq_in_chunks(cell.shared(), tape, &split_steps(xs), lengths, None, every);
        SequenceOutput {
            outputs: Var::stack(&out.outputs, 0),
            last: out.last,
        }
    }

    /// A net of `config`'s shape holding the given weights, named as
    /// PyTorch names them (`weight_ih_l0`, `bias_hh_l1_reverse`, …), so a
    /// `state_dict` exported from PyTorch loads as it is.
    ///
    /// ```
    /// use origami_nn::{CellKind, Params, Rnn, RnnConfig};
    /// use origami_tape::Tensor;
    /// let config = RnnConfig { kind: CellKind::Gru, input_size: 2, hidden_size: 3, layers: 1, bidirectional: false };
    /// let weights = vec![
    ///     ("weight_ih_l0".to_string(), Tensor::<f32>::full(&[9, 2], 0.1)),
    ///     ("weight_hh_l0".to_string(), Tensor::full(&[9, 3], -0.1)),
    ///     ("bias_ih_l0".to_string(), Tensor::zeros(&[9])),
    ///     ("bias_hh_l0".to_string(), Tensor::zeros(&[9])),
    /// ];
    /// let rnn = Rnn::from_tensors(config, weights)?;
    /// assert_eq!(rnn.num_scalars(), 9 * 2 + 9 * 3 + 9 + 9);
    ///
    /// let too_few = vec![("weight_ih_l0".to_string(), Tensor::<f32>::zeros(&[9, 2]))];
    /// let err = Rnn::from_tensors(config, too_few).err().unwrap();
    /// assert_eq!(err.to_string(), "parameter \"weight_hh_l0\" is missing from given tensors");
    /// # Ok::<(), origami_nn::NnError>(())
    /// ```
    ///
    /// # Errors
    /// As [`assign`]: a missing, left-over or mis-shaped tensor, named;
    /// [`NnError::InvalidArgument`] if `config.layers` is 0.
    pub fn from_tensors(config: RnnConfig, tensors: NamedTensors<T>) -> Result<Self, NnError> {
        if config.layers == 0 {
            return Err(NnError::InvalidArgument {
                message: "Rnn::from_tensors: at least one layer".into(),
            });
        }
        let mut rnn = Self::new(config, &mut StdRng::seed_from_u64(0));
        assign(&mut rnn, tensors)?;
        Ok(rnn)
    }

    /// The configuration it was built with.
    pub fn config(&self) -> RnnConfig {
        self.config
    }

    /// Width of `outputs` and `last`: `directions · hidden`.
    pub fn output_size(&self) -> usize {
        self.directions() * self.config.hidden_size
    }

    fn directions(&self) -> usize {
        if self.config.bidirectional { 2 } else { 1 }
    }

    /// Runs the net over `xs` (one `[batch, input]` per step), each
    /// sequence `b` stopping at `lengths[b]` if given: [`Rnn::forward_sequence`]
    /// on the steps stacked, its outputs taken apart again.
    ///
    /// # Panics
    /// If `xs` is empty, or as [`Rnn::forward_sequence`].
    pub fn forward<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: &[Var<'t, T>],
        lengths: Option<&[usize]>,
    ) -> RnnOutput<'t, T> {
        assert!(!xs.is_empty(), "unroll: no time steps");
        let out = self.forward_sequence(tape, Var::stack(xs, 0), lengths);
        RnnOutput {
            outputs: split_steps(out.outputs),
            last: out.last,
            states: out.states,
        }
    }

    /// Runs the net over a sequence held as one `[steps, batch, input]`
    /// tensor (PyTorch's layout for `nn.LSTM` and its kin), each sequence
    /// `b` stopping at `lengths[b]` if given. With the batch's rows ordered
    /// longest first (PyTorch's packed order), every step skips the
    /// sequences that have ended.
    ///
    /// ```
    /// use origami_nn::{CellKind, Rnn, RnnConfig};
    /// use origami_tape::{Tape, Tensor};
    /// use rand::SeedableRng;
    /// let config = RnnConfig { kind: CellKind::Lstm, input_size: 4, hidden_size: 3, layers: 2, bidirectional: true };
    /// let rnn = Rnn::<f32>::new(config, &mut rand::rngs::StdRng::seed_from_u64(0));
    /// let tape = Tape::new();
    /// let xs = tape.constant(Tensor::ones(&[5, 2, 4])); // 5 steps, 2 sequences
    /// let out = rnn.forward_sequence(&tape, xs, Some(&[5, 3]));
    /// assert_eq!(out.outputs.shape().as_slice(), &[5, 2, 6]);
    /// assert_eq!(out.last.shape().as_slice(), &[2, 6]);
    /// ```
    ///
    /// # Panics
    /// If `xs` is not `[steps ≥ 1, batch, input_size]`, or `lengths` has
    /// the wrong count or a length beyond `steps`.
    pub fn forward_sequence<'t>(
        &self,
        tape: &'t Tape<T>,
        xs: Var<'t, T>,
        lengths: Option<&[usize]>,
    ) -> RnnSequenceOutput<'t, T> {
        let dirs = self.directions();
        let mut inputs = xs;
        let mut states = Vec::with_capacity(self.cells.len());
        let mut last = Vec::with_capacity(dirs);
        for layer in 0..self.config.layers {
            let forward = self.run_cell(layer * dirs, tape, inputs, lengths);
            let mut outputs = forward.outputs;
            states.push(forward.last);
            last = vec![forward.last.h];
            if dirs == 2 {
                let reversed = reverse_sequence(inputs, lengths);
                let backward = self.run_cell(layer * dirs + 1, tape, reversed, lengths);
                let back_outputs = reverse_sequence(backward.outputs, lengths);
                outputs = Var::concat(&[outputs, back_outputs], 2);
                states.push(backward.last);
                last.push(backward.last.h);
            }
            inputs = outputs;
        }
        let last = if last.len() == 1 {
            last[0]
        } else {
            Var::concat(&last, 1)
        };
        RnnSequenceOutput {
            outputs: inputs,
            last,
            states,
        }
    }
}

impl<T: Float> Params<T> for Rnn<T> {
    fn params(&self) -> Vec<(String, &Param<T>)> {
        let dirs = self.directions();
        let cells = self.cells.iter().enumerate();
        cells
            .flat_map(|(i, c)| suffixed(&suffix(i, dirs), c.params()))
            .collect()
    }
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
        let dirs = self.directions();
        let cells = self.cells.iter_mut().enumerate();
        cells
            .flat_map(|(i, c)| suffixed(&suffix(i, dirs), c.params_mut()))
            .collect()
    }
}

/// `_l{layer}` plus `_reverse` for the backward direction.
fn suffix(index: usize, dirs: usize) -> String {
    let reverse = if index % dirs == 1 { "_reverse" } else { "" };
    format!("_l{}{reverse}", index / dirs)
}

fn suffixed<P>(suffix: &str, named: Vec<(String, P)>) -> Vec<(String, P)> {
    named
        .into_iter()
        .map(|(n, p)| (format!("{n}{suffix}"), p))
        .collect()
}
