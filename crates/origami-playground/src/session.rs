//! One training session: the data, the network, its optimizer and the
//! minibatch order, built from a [`Config`] and stepped one minibatch at a
//! time. Native and in the page, the same code runs the same arithmetic.

use origami_nn::{Activation, Init, Metadata, Module, Params, Sequential, mlp, save_bytes};
use origami_optim::{
    Evaluation, Needs, Optimizer, OutputLoss, by_name, gauss_newton_diagonal_sample, grads_like,
    loss_fn,
};
use origami_tape::{Reduction, Tape, Tensor, Var};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::config::{Act, Config, DataKind, InitKind, Order};
use crate::data::{Points, generate};

/// A network being trained, with everything that decides its next step.
pub struct Session {
    /// The settings it was built from.
    pub config: Config,
    /// Training points.
    pub train: Points,
    /// Held-out points.
    pub test: Points,
    /// The network: hidden Dense layers with the activation between, then
    /// a Dense output (logits, or the regression value).
    pub net: Sequential<f64>,
    optimizer: Box<dyn Optimizer<f64, Sequential<f64>>>,
    rng: StdRng,
    order: Vec<usize>,
    cursor: usize,
    /// Minibatch steps taken.
    pub steps: usize,
}

/// The library's activation for the page's choice.
pub fn activation(act: Act) -> Activation {
    match act {
        Act::Relu => Activation::Relu,
        Act::Tanh => Activation::Tanh,
        Act::Sigmoid => Activation::Sigmoid,
        Act::LecunTanh => Activation::ScaledTanh,
    }
}

impl Session {
    /// A fresh network on the data `config` names; `upload` supplies the
    /// points when the data is [`DataKind::Csv`].
    ///
    /// # Errors
    /// A message if the data is CSV but nothing was uploaded, or the
    /// optimizer refuses the rate.
    pub fn new(config: Config, upload: Option<&Points>) -> Result<Self, String> {
        let points = match (config.data, upload) {
            (DataKind::Csv, Some(points)) => points.clone(),
            (DataKind::Csv, None) => return Err("data: upload a CSV file first".into()),
            _ => generate(&config),
        };
        let (train, test) = points.split(config.test_share, config.seed);
        let mut widths = vec![points.dims];
        widths.extend(&config.layers);
        widths.push(points.classes);
        let init = match config.init {
            InitKind::Lecun => Init::LecunNormal,
            InitKind::He => Init::KaimingNormal,
            InitKind::Xavier => Init::XavierNormal,
        };
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut net = mlp::<f64>(&widths, activation(config.act), init, &mut rng);
        for (name, param) in net.params_mut() {
            if name.ends_with("weight") {
                for w in param.value_mut().data_mut() {
                    *w *= config.init_scale;
                }
            }
        }
        let optimizer = by_name(&config.optimizer, config.lr).map_err(|e| e.to_string())?;
        let order: Vec<usize> = match config.order {
            Order::Sorted if !train.is_regression() => {
                let mut rows: Vec<usize> = (0..train.len()).collect();
                rows.sort_by_key(|&r| train.labels[r]);
                rows
            }
            _ => (0..train.len()).collect(),
        };
        let mut session = Self {
            config,
            train,
            test,
            net,
            optimizer,
            rng,
            order,
            cursor: 0,
            steps: 0,
        };
        session.start_epoch();
        Ok(session)
    }

    fn start_epoch(&mut self) {
        if self.config.order == Order::Shuffled {
            self.order.shuffle(&mut self.rng);
        }
        self.cursor = 0;
    }

    /// The rows of the next minibatch (all of them for L-BFGS).
    fn next_rows(&mut self) -> Vec<usize> {
        if self.config.optimizer == "lbfgs" {
            return (0..self.train.len()).collect();
        }
        let mut rows = Vec::with_capacity(self.config.batch);
        while rows.len() < self.config.batch.min(self.train.len()) {
            if self.cursor == self.order.len() {
                self.start_epoch();
            }
            rows.push(self.order[self.cursor]);
            self.cursor += 1;
        }
        rows
    }

    /// One optimizer step on the next minibatch; returns its loss (before
    /// the step).
    ///
    /// # Errors
    /// The optimizer's message with the step number, e.g. when the loss
    /// is no longer finite (the weights are then left as they were).
    pub fn step(&mut self) -> Result<f64, String> {
        let rows = self.next_rows();
        let batch = self.train.select(&rows);
        let needs = self.optimizer.needs();
        let rng = &mut self.rng;
        let loss = self
            .optimizer
            .step(&mut self.net, &mut |net| {
                let tape = Tape::new();
                let loss = loss_on(&tape, net, &batch);
                let mut evaluation = Evaluation::new(loss.value().item(), loss.backward());
                if needs == Needs::CurvatureDiagonal {
                    let diagonal = curvature_diagonal(net, &batch, rng);
                    evaluation = evaluation.with_curvature(diagonal);
                }
                Ok(evaluation)
            })
            .map_err(|e| {
                let step = self.steps + 1;
                format!("step {step}: {e}; a smaller learning rate or init scale may help")
            })?;
        self.steps += 1;
        Ok(loss)
    }

    /// Mean loss over `points` at the current weights.
    pub fn loss(&self, points: &Points) -> f64 {
        if points.is_empty() {
            return f64::NAN;
        }
        let tape = Tape::new();
        loss_on(&tape, &self.net, points).value().item()
    }

    /// Share of `points` classified right (NaN for regression).
    pub fn accuracy(&self, points: &Points) -> f64 {
        if points.is_regression() || points.is_empty() {
            return f64::NAN;
        }
        let outputs = self.outputs(&points.inputs, points.dims);
        let classes = points.classes;
        let right = outputs
            .chunks(classes)
            .zip(&points.labels)
            .filter(|(row, label)| argmax(row) == **label)
            .count();
        right as f64 / points.len() as f64
    }

    /// The network's outputs (logits or values) for `inputs`, row-major.
    pub fn outputs(&self, inputs: &[f64], dims: usize) -> Vec<f64> {
        let tape = Tape::new();
        let x = tape.constant(inputs_tensor(inputs, dims));
        self.net.forward(&tape, x).value().data().to_vec()
    }

    /// The trained weights as a safetensors file, under the names
    /// `origami_nn` gives an `mlp` (`0.weight`, `0.bias`, `2.weight`, …),
    /// with the configuration in the metadata (`config`).
    pub fn export(&self) -> Vec<u8> {
        let mut metadata = Metadata::new();
        metadata.insert("config".into(), self.config.to_query());
        metadata.insert("steps".into(), self.steps.to_string());
        save_bytes(&self.net, &metadata).expect("an mlp's parameter names are unique")
    }
}

/// The `[n, dims]` tensor of row-major inputs.
pub fn inputs_tensor(inputs: &[f64], dims: usize) -> Tensor<f64> {
    Tensor::from_vec(&[inputs.len() / dims, dims], inputs.to_vec()).expect("rows of dims")
}

/// The training loss of `net` on `points`: mean cross-entropy of the
/// logits, or mean squared error of the one output.
pub fn loss_on<'t>(tape: &'t Tape<f64>, net: &Sequential<f64>, points: &Points) -> Var<'t, f64> {
    let x = tape.constant(inputs_tensor(&points.inputs, points.dims));
    let y = net.forward(tape, x);
    if points.is_regression() {
        let target = Tensor::from_vec(&[points.len(), 1], points.targets.clone()).expect("n × 1");
        y.mse(tape.constant(target))
    } else {
        y.cross_entropy(&points.labels, Reduction::Mean)
    }
}

fn curvature_diagonal(
    net: &Sequential<f64>,
    batch: &Points,
    rng: &mut StdRng,
) -> origami_tape::Grads<f64> {
    let outputs = loss_fn(|tape: &Tape<f64>, net: &Sequential<f64>| {
        net.forward(
            tape,
            tape.constant(inputs_tensor(&batch.inputs, batch.dims)),
        )
    });
    let loss = if batch.is_regression() {
        let target = Tensor::from_vec(&[batch.len(), 1], batch.targets.clone()).expect("n × 1");
        OutputLoss::MeanSquared(target)
    } else {
        OutputLoss::CrossEntropy(batch.labels.clone())
    };
    let flat = gauss_newton_diagonal_sample(&outputs, &loss, net, rng);
    grads_like(net, &flat)
}

fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}
