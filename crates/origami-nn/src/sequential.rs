//! `Sequential`: modules applied in order, named `0.weight`, `1.bias`, …
//! as PyTorch's `nn.Sequential` names them, optionally run in checkpointed
//! blocks of layers; `mlp` builds the usual stack of `Dense` layers with an
//! activation between them.

use rand::Rng;

use origami_tape::{Float, Tape, Var};

use crate::activation::Activation;
use crate::dense::Dense;
use crate::init::Init;
use crate::module::{Module, Params};
use crate::param::Param;

/// Modules applied one after another.
pub struct Sequential<T: Float> {
    layers: Vec<Box<dyn SharedModule<T>>>,
    /// Layers per checkpointed segment, if any.
    checkpoint_every: Option<usize>,
}

/// A module that copies itself into a box: cheap, since a copy shares the
/// parameters' buffers. A checkpointed segment keeps such a copy to run
/// the layers again during backward.
trait SharedModule<T: Float>: Module<T> + Send + Sync {
    fn boxed(&self) -> Box<dyn SharedModule<T>>;
}

impl<T: Float, M: Module<T> + Clone + Send + Sync + 'static> SharedModule<T> for M {
    fn boxed(&self) -> Box<dyn SharedModule<T>> {
        Box::new(self.clone())
    }
}

impl<T: Float> Clone for Sequential<T> {
    /// The same layers (the same parameters, by id; buffers shared until
    /// one side is updated).
    fn clone(&self) -> Self {
        Self {
            layers: self.layers.iter().map(|l| l.boxed()).collect(),
            checkpoint_every: self.checkpoint_every,
        }
    }
}

impl<T: Float> Default for Sequential<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Sequential<T> {
    /// An empty stack (the identity).
    pub fn new() -> Self {
        Self {
            layers: Vec::new(),
            checkpoint_every: None,
        }
    }

    /// Appends a module.
    pub fn push(mut self, layer: impl Module<T> + Clone + Send + Sync + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Runs every `every` consecutive layers as one checkpointed segment
    /// ([`Tape::checkpoint`]): training keeps only the segments' outputs
    /// and recomputes their insides during backward, trading about one
    /// more forward pass for memory. Gradients are unchanged, bit for bit.
    ///
    /// ```
    /// use origami_nn::{mlp, Activation, Init, Module};
    /// use origami_tape::{Tape, Tensor};
    /// use rand::SeedableRng;
    /// let net = mlp::<f32>(&[4, 8, 8, 8, 1], Activation::Tanh, Init::LecunNormal,
    ///                      &mut rand::rngs::StdRng::seed_from_u64(0));
    /// let lean = net.clone().with_checkpoints(2);
    /// let loss = |m: &origami_nn::Sequential<f32>| {
    ///     let tape = Tape::new();
    ///     let y = m.forward(&tape, tape.constant(Tensor::ones(&[3, 4])));
    ///     y.square().sum_all().backward()
    /// };
    /// let (a, b) = (loss(&net), loss(&lean));
    /// assert!(a.iter().zip(b.iter()).all(|((i, x), (j, y))| i == j && x == y));
    /// ```
    ///
    /// # Panics
    /// If `every` is 0.
    pub fn with_checkpoints(mut self, every: usize) -> Self {
        assert!(
            every > 0,
            "Sequential::with_checkpoints: every must be at least 1"
        );
        self.checkpoint_every = Some(every);
        self
    }

    /// The number of modules.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True if there are no modules.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The activation each module applies (`None` for modules that are not
    /// a nonlinearity), in order: position `i` names module `i`.
    pub fn activations(&self) -> Vec<Option<Activation>> {
        self.layers.iter().map(|l| l.activation()).collect()
    }

    /// Runs the stack and returns every intermediate output (after each
    /// module), for probes that look inside.
    pub fn forward_all<'t>(&self, tape: &'t Tape<T>, input: Var<'t, T>) -> Vec<Var<'t, T>> {
        let mut outs = Vec::with_capacity(self.layers.len());
        let mut x = input;
        for layer in &self.layers {
            x = layer.forward(tape, x);
            outs.push(x);
        }
        outs
    }
}

/// Layer `i`'s parameters are named `"{i}.{name}"`, as in PyTorch's
/// `nn.Sequential`.
impl<T: Float> Params<T> for Sequential<T> {
    fn params(&self) -> Vec<(String, &Param<T>)> {
        self.layers.params()
    }
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
        self.layers.params_mut()
    }
}

impl<T: Float> Module<T> for Sequential<T> {
    fn forward<'t>(&self, tape: &'t Tape<T>, input: Var<'t, T>) -> Var<'t, T> {
        let Some(every) = self.checkpoint_every else {
            return self
                .layers
                .iter()
                .fold(input, |x, layer| layer.forward(tape, x));
        };
        self.layers.chunks(every).fold(input, |x, block| {
            let block: Vec<Box<dyn SharedModule<T>>> = block.iter().map(|l| l.boxed()).collect();
            let segment = tape.checkpoint(&[x], move |t, xs| {
                vec![block.iter().fold(xs[0], |x, layer| layer.forward(t, x))]
            });
            segment[0]
        })
    }
}

/// A multilayer perceptron: `Dense` layers of the given `widths` (input
/// first, output last) with `activation` between them (not after the
/// last). Weights from `init` with the activation's gain; zero biases
/// (PyTorch's default init keeps its own bias rule).
///
/// ```
/// use origami_nn::{mlp, Activation, Init, Params};
/// use rand::SeedableRng;
/// let net = mlp::<f32>(&[2, 8, 8, 3], Activation::Tanh, Init::LecunNormal,
///                      &mut rand::rngs::StdRng::seed_from_u64(0));
/// let names: Vec<_> = net.params().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
/// ```
pub fn mlp<T: Float>(
    widths: &[usize],
    activation: Activation,
    init: Init,
    rng: &mut impl Rng,
) -> Sequential<T> {
    assert!(
        widths.len() >= 2,
        "mlp: need at least input and output widths, got {widths:?}"
    );
    let gain = if init == Init::LecunNormal {
        1.0
    } else {
        activation.gain()
    };
    let mut net = Sequential::new();
    for (i, pair) in widths.windows(2).enumerate() {
        net = net.push(Dense::with_init(pair[0], pair[1], init, gain, true, rng));
        if i + 2 < widths.len() {
            net = net.push(activation);
        }
    }
    net
}
