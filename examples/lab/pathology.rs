//! Training runs with one pathology planted, watched by the training
//! doctor: the `doctor` lab example measures detection and false-alarm
//! rates over seeds with them, and `tests/suite/doctor.rs` asserts each planted
//! pathology is found and a clean run gives no finding.
//!
//! Every feed-forward run: ten Gaussian clusters in 20-D (500 training and
//! 500 validation points), a body of hidden layers under a head (named
//! `body.` and `head.`), minibatch SGD of 25 examples at a multiple of
//! `η_opt = 1/λ_max` (λ_max by power iteration at init). Every step the
//! doctor observes the loss, the gradients and the batch's labels; every
//! 50 steps it inspects the units on 200 training points and the
//! validation loss; every 100 steps λ_max against the rate. The recurrent
//! runs inspect the gradient over 40 time steps of an Elman cell.

use origami::nn::{Params, Sequential, impl_params, mlp};
use origami::optim::top_hessian_eigenvalue;
use origami::optim::{FirstOrder, Sgd, loss_fn};
use origami::prelude::*;
use origami::probe::Doctor;
use origami::probe::doctor::{Finding, Kind};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::data::{clusters, elman_gradient_over_time};

/// One planted pathology, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pathology {
    /// A healthy feed-forward run: tanh, LeCun init, 0.5 η_opt, shuffled.
    Clean,
    /// The same with relu units.
    CleanRelu,
    /// The same as `Clean` at the rate η_opt.
    CleanFullRate,
    /// Weights 3× LeCun (tanh).
    LargeInit,
    /// Weights of std 0.01 through ten tanh layers.
    SmallInit,
    /// Ten sigmoid layers under LeCun init.
    DeepSigmoid,
    /// A rate of 5 η_opt.
    HighRate,
    /// A rate of 1.5 η_opt.
    ZigZagRate,
    /// A rate of 0.02 η_opt.
    TinyRate,
    /// Examples presented class by class.
    ClassSorted,
    /// Five classes cut to 5% of their examples.
    Imbalanced,
    /// ReLU layers whose biases start at −5.
    DeadRelu,
    /// An eight-layer sigmoid head over a two-layer body.
    DeepHead,
    /// A wide net trained on 40 examples, a quarter of them mislabelled.
    Overfit,
    /// One training example with a missing (NaN) feature.
    NanInput,
    /// A healthy Elman cell: orthogonal recurrence of gain 1, 20 steps.
    CleanRecurrent,
    /// An Elman cell whose recurrence has gain 0.5, over 40 steps.
    ShortMemory,
    /// A relu Elman cell whose recurrence has gain 2.5, over 40 steps.
    ExplodingRecurrence,
}

impl Pathology {
    /// Every scenario, clean ones first.
    pub const ALL: [Pathology; 18] = [
        Pathology::Clean,
        Pathology::CleanRelu,
        Pathology::CleanFullRate,
        Pathology::CleanRecurrent,
        Pathology::LargeInit,
        Pathology::SmallInit,
        Pathology::DeepSigmoid,
        Pathology::HighRate,
        Pathology::ZigZagRate,
        Pathology::TinyRate,
        Pathology::ClassSorted,
        Pathology::Imbalanced,
        Pathology::DeadRelu,
        Pathology::DeepHead,
        Pathology::Overfit,
        Pathology::NanInput,
        Pathology::ShortMemory,
        Pathology::ExplodingRecurrence,
    ];

    /// A short name for tables and records.
    pub fn name(self) -> &'static str {
        match self {
            Pathology::Clean => "clean",
            Pathology::CleanRelu => "clean relu",
            Pathology::CleanFullRate => "clean at η_opt",
            Pathology::LargeInit => "3× LeCun tanh init",
            Pathology::SmallInit => "std-0.01 init, 10 tanh layers",
            Pathology::DeepSigmoid => "10 sigmoid layers",
            Pathology::HighRate => "rate 5 η_opt",
            Pathology::ZigZagRate => "rate 1.5 η_opt",
            Pathology::TinyRate => "rate 0.02 η_opt",
            Pathology::ClassSorted => "class-sorted order",
            Pathology::Imbalanced => "imbalanced classes",
            Pathology::DeadRelu => "relu biases at −5",
            Pathology::DeepHead => "8-layer sigmoid head",
            Pathology::Overfit => "40 examples, a quarter mislabelled",
            Pathology::NanInput => "a NaN in the data",
            Pathology::CleanRecurrent => "clean recurrence (gain 1, 20 steps)",
            Pathology::ShortMemory => "recurrence gain 0.5, 40 steps",
            Pathology::ExplodingRecurrence => "relu recurrence gain 2.5, 40 steps",
        }
    }

    /// The finding the doctor should give (`None` for the clean runs).
    pub fn expected(self) -> Option<Kind> {
        Some(match self {
            Pathology::Clean
            | Pathology::CleanRelu
            | Pathology::CleanFullRate
            | Pathology::CleanRecurrent => return None,
            Pathology::LargeInit => Kind::SaturatedUnits,
            Pathology::SmallInit | Pathology::DeepSigmoid => Kind::VanishingGradient,
            Pathology::HighRate => Kind::RateAboveStableLimit,
            Pathology::ZigZagRate => Kind::RateZigZag,
            Pathology::TinyRate => Kind::RateTooSmall,
            Pathology::ClassSorted => Kind::ClassSorted,
            Pathology::Imbalanced => Kind::ClassImbalance,
            Pathology::DeadRelu => Kind::DeadUnits,
            Pathology::DeepHead => Kind::StarvingHead,
            Pathology::Overfit => Kind::Overfitting,
            Pathology::NanInput => Kind::NonFinite,
            Pathology::ShortMemory => Kind::VanishingOverTime,
            Pathology::ExplodingRecurrence => Kind::ExplodingOverTime,
        })
    }
}

/// What the doctor said about one run.
pub struct Diagnosis {
    /// Every finding, in the order found.
    pub findings: Vec<Finding>,
    /// Training steps taken.
    pub steps: usize,
    /// The last finite training loss (NaN for the recurrent runs).
    pub final_loss: f64,
}

impl Diagnosis {
    /// The step at which `kind` was first found.
    pub fn found_at(&self, kind: Kind) -> Option<usize> {
        self.findings
            .iter()
            .find(|f| f.kind == kind)
            .map(|f| f.step)
    }
}

/// A body of hidden layers under a head.
struct Net {
    body: Sequential<f64>,
    head: Sequential<f64>,
}

impl_params!(f64 for Net { body, head });

impl Module<f64> for Net {
    fn forward<'t>(&self, tape: &'t Tape<f64>, input: Var<'t, f64>) -> Var<'t, f64> {
        self.head.forward(tape, self.body.forward(tape, input))
    }
}

fn net(p: Pathology, seed: u64) -> Net {
    let rng = &mut StdRng::seed_from_u64(seed);
    let (activation, depth, init) = match p {
        Pathology::SmallInit => (Activation::Tanh, 10, Init::Normal(0.01)),
        Pathology::DeepSigmoid => (Activation::Sigmoid, 10, Init::LecunNormal),
        Pathology::DeadRelu | Pathology::CleanRelu => (Activation::Relu, 3, Init::LecunNormal),
        Pathology::DeepHead => (Activation::Tanh, 2, Init::LecunNormal),
        _ => (Activation::Tanh, 3, Init::LecunNormal),
    };
    let width = if p == Pathology::Overfit { 128 } else { 32 };
    let mut widths = vec![20];
    widths.extend(vec![width; depth]);
    let mut body = mlp::<f64>(&widths, activation, init, rng).push(activation);
    let head = if p == Pathology::DeepHead {
        let mut widths = vec![width; 9];
        widths.push(10);
        mlp::<f64>(&widths, Activation::Sigmoid, Init::LecunNormal, rng)
    } else {
        mlp::<f64>(&[width, 10], activation, Init::LecunNormal, rng)
    };
    for (name, param) in body.params_mut() {
        let value = param.value_mut().data_mut();
        match p {
            Pathology::LargeInit if name.ends_with("weight") => {
                value.iter_mut().for_each(|w| *w *= 3.0)
            }
            Pathology::DeadRelu if name.ends_with("bias") => value.fill(-5.0),
            _ => {}
        }
    }
    Net { body, head }
}

/// The rows `indices` of `x`.
fn rows(x: &Tensor<f64>, indices: &[usize]) -> Tensor<f64> {
    let width = x.shape()[1];
    let data = indices
        .iter()
        .flat_map(|&i| x.data()[i * width..(i + 1) * width].iter().copied())
        .collect();
    Tensor::from_vec(&[indices.len(), width], data).expect("sized")
}

fn mean_loss(net: &Net, x: &Tensor<f64>, y: &[usize], tape: &Tape<f64>) -> f64 {
    net.forward(tape, tape.constant(x.clone()))
        .cross_entropy(y, Reduction::Mean)
        .value()
        .item()
}

/// Runs scenario `p` (a feed-forward one for `steps` SGD steps) with the
/// doctor watching, for one seed.
pub fn diagnose(p: Pathology, seed: u64, steps: usize) -> Diagnosis {
    match p {
        Pathology::CleanRecurrent => recurrent(Activation::Tanh, 1.0, 20, seed),
        Pathology::ShortMemory => recurrent(Activation::Tanh, 0.5, 40, seed),
        Pathology::ExplodingRecurrence => recurrent(Activation::Relu, 2.5, 40, seed),
        _ => feed_forward(p, seed, steps),
    }
}

fn feed_forward(p: Pathology, seed: u64, steps: usize) -> Diagnosis {
    let (x, y) = clusters::<f64>(1000, 100 + seed);
    let mut train: Vec<usize> = (0..500).collect();
    if p == Pathology::Imbalanced {
        train.retain(|&i| y[i] < 5 || (i / 10) % 20 == 0);
    }
    if p == Pathology::Overfit {
        train.truncate(40);
    }
    let valid: Vec<usize> = (500..1000).collect();
    let (mut xt, mut yt) = (
        rows(&x, &train),
        train.iter().map(|&i| y[i]).collect::<Vec<_>>(),
    );
    if p == Pathology::Overfit {
        // A quarter of the few labels wrong: there is noise to memorise.
        yt.iter_mut()
            .step_by(4)
            .for_each(|label| *label = (*label + 1) % 10);
    }
    if p == Pathology::NanInput {
        xt.data_mut()[7 * 20 + 3] = f64::NAN;
    }
    let (xv, yv) = (
        rows(&x, &valid),
        valid.iter().map(|&i| y[i]).collect::<Vec<_>>(),
    );
    let inspected: Vec<usize> = (0..200.min(train.len())).collect();
    let x_inspect = rows(&xt, &inspected);
    let mut net = net(p, seed);
    let rng = &mut StdRng::seed_from_u64(seed + 1);
    let full = loss_fn(|t, m: &Net| {
        m.forward(t, t.constant(xt.clone()))
            .cross_entropy(&yt, Reduction::Mean)
    });
    let curvature = |net: &Net, rng: &mut StdRng| top_hessian_eigenvalue(&full, net, 30, rng).value;
    let lambda = curvature(&net, rng);
    let factor = match p {
        Pathology::HighRate => 5.0,
        Pathology::ZigZagRate => 1.5,
        Pathology::TinyRate => 0.02,
        Pathology::CleanFullRate => 1.0,
        _ => 0.5,
    };
    // A NaN in the data makes λ_max NaN too; fall back to a plain rate.
    let rate = if lambda.is_finite() && lambda > 0.0 {
        factor / lambda
    } else {
        0.1
    };
    let mut sgd = Sgd::new(rate);
    let mut doctor = Doctor::new().head("head.");
    let mut order: Vec<usize> = (0..xt.shape()[0]).collect();
    let mut shuffle = StdRng::seed_from_u64(seed + 2);
    let mut final_loss = f64::NAN;
    let mut taken = 0;
    'epochs: loop {
        if p == Pathology::ClassSorted {
            order.sort_by_key(|&i| yt[i]);
        } else {
            order.shuffle(&mut shuffle);
        }
        for batch in order.chunks(25) {
            let step = taken;
            if step == steps {
                break 'epochs;
            }
            taken += 1;
            let labels: Vec<usize> = batch.iter().map(|&i| yt[i]).collect();
            doctor.observe_labels(step, &labels);
            if step % 50 == 0 {
                doctor.inspect_network(step, "body", &net.body, &x_inspect);
                let tape = Tape::inference();
                let h = net
                    .body
                    .forward(&tape, tape.constant(x_inspect.clone()))
                    .value();
                doctor.inspect_network(step, "head", &net.head, &h);
            }
            if step % 100 == 0 {
                let lambda = if step == 0 {
                    lambda
                } else {
                    curvature(&net, rng)
                };
                doctor.inspect_curvature(step, lambda, rate, 0.0);
            }
            let tape = Tape::new();
            let loss = net
                .forward(&tape, tape.constant(rows(&xt, batch)))
                .cross_entropy(&labels, Reduction::Mean);
            let grads = loss.backward();
            let value = loss.value().item();
            doctor.observe(step, &net, &grads, value);
            if !value.is_finite() {
                let tape = Tape::with_anomaly_detection();
                mean_loss(&net, &rows(&xt, batch), &labels, &tape);
                if let Some(anomaly) = tape.anomaly() {
                    doctor.observe_anomaly(step, &anomaly);
                }
                break 'epochs;
            }
            final_loss = value;
            if step % 50 == 49 {
                doctor.observe_validation(step, mean_loss(&net, &xv, &yv, &Tape::inference()));
            }
            sgd.update(&mut net, &grads).expect("same parameters");
        }
    }
    Diagnosis {
        findings: doctor.findings().to_vec(),
        steps: taken,
        final_loss,
    }
}

/// The gradient over an Elman cell's time steps, judged once.
fn recurrent(activation: Activation, gain: f64, steps: usize, seed: u64) -> Diagnosis {
    let norms = elman_gradient_over_time(activation, gain, steps, seed);
    let mut doctor = Doctor::new();
    doctor.inspect_time_steps(0, "rnn", &norms);
    Diagnosis {
        findings: doctor.findings().to_vec(),
        steps: 0,
        final_loss: f64::NAN,
    }
}
