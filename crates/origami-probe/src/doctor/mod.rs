//! The training doctor: "why isn't it learning?" answered from
//! measurements. A [`Doctor`] watches a run through cheap hooks called
//! every step ([`Doctor::observe`], [`Doctor::observe_labels`]) and costlier
//! ones called now and then ([`Doctor::inspect_network`],
//! [`Doctor::inspect_curvature`], …), and turns what it sees into
//! [`Finding`]s: what is wrong, where, the numbers, what to do. Each
//! threshold is documented in [`thresholds`] beside the lab measurement it
//! rests on. A finding is reported once per kind (per recurrent layer for
//! the time-step kinds), when first seen.
//!
//! ```
//! use origami_nn::{mlp, Activation, Init, Module};
//! use origami_optim::{FirstOrder, Sgd};
//! use origami_probe::doctor::{Doctor, Kind};
//! use origami_tape::{Reduction, Tape, Tensor};
//! use rand::SeedableRng;
//!
//! // Sigmoid through eight layers of weights far too small: nothing learns.
//! let mut rng = rand::rngs::StdRng::seed_from_u64(0);
//! let widths = [4, 16, 16, 16, 16, 16, 16, 16, 2];
//! let mut net = mlp::<f64>(&widths, Activation::Sigmoid, Init::Normal(0.01), &mut rng);
//! let x = Tensor::randn(&[64, 4], 0.0, 1.0, &mut rng).unwrap();
//! let y: Vec<usize> = x.data().chunks(4).map(|r| usize::from(r[0] > 0.0)).collect();
//! let mut doctor = Doctor::new();
//! let mut sgd = Sgd::new(0.1);
//! for step in 0..60 {
//!     let tape = Tape::new();
//!     let loss = net.forward(&tape, tape.constant(x.clone())).cross_entropy(&y, Reduction::Mean);
//!     let grads = loss.backward();
//!     doctor.observe(step, &net, &grads, loss.value().item());
//!     sgd.update(&mut net, &grads).unwrap();
//! }
//! assert!(doctor.findings().iter().any(|f| f.kind == Kind::VanishingGradient));
//! println!("{}", doctor.summary());
//! ```

mod finding;
mod gradients;
mod inspect;
mod labels;
mod loss;
pub mod thresholds;

pub use finding::{Confidence, Finding, Kind};

use origami_nn::{Activation, Params, Sequential};
use origami_tape::{Anomaly, Float, Grads, Tape, Tensor};

use crate::flow::{Saturation, saturation};
use gradients::{GradientTrack, layer_of};
use labels::LabelTrack;
use loss::LossTrack;
use thresholds::SATURATION_DERIVATIVE;

/// Steps in the doctor's sliding window unless [`Doctor::with_window`]
/// says otherwise.
pub const DEFAULT_WINDOW: usize = 20;

/// Watches a training run and diagnoses it.
pub struct Doctor {
    window: usize,
    head: Option<String>,
    gradients: GradientTrack,
    loss: LossTrack,
    labels: LabelTrack,
    findings: Vec<Finding>,
}

impl Default for Doctor {
    fn default() -> Self {
        Self::new()
    }
}

impl Doctor {
    /// A doctor with a window of [`DEFAULT_WINDOW`] steps and no head.
    pub fn new() -> Self {
        Self::with_window(DEFAULT_WINDOW)
    }

    /// A doctor judging gradients and the loss over windows of `steps`
    /// observations (at least 2).
    pub fn with_window(steps: usize) -> Self {
        let window = steps.max(2);
        Self {
            window,
            head: None,
            gradients: GradientTrack::new(window),
            loss: LossTrack::new(window),
            labels: LabelTrack::default(),
            findings: Vec::new(),
        }
    }

    /// Names the parameters under `prefix` (e.g. `"head."`) the model's
    /// head, so a head that starves the layers below it is reported.
    pub fn head(mut self, prefix: &str) -> Self {
        self.head = Some(prefix.to_string());
        self
    }

    /// Every finding so far, in the order they were first seen.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Keeps the findings not seen before and returns them: one per kind
    /// (its evidence names every layer or class affected when first seen),
    /// except non-finite values (the loss, then the op that made them) and
    /// the time-step kinds (one per recurrent layer).
    fn add(&mut self, found: impl IntoIterator<Item = Finding>) -> &[Finding] {
        let before = self.findings.len();
        for f in found {
            let per_subject = matches!(
                f.kind,
                Kind::NonFinite | Kind::VanishingOverTime | Kind::ExplodingOverTime
            );
            if !self
                .findings
                .iter()
                .any(|g| g.kind == f.kind && (!per_subject || g.subject == f.subject))
            {
                self.findings.push(f);
            }
        }
        &self.findings[before..]
    }

    /// One training step: its loss and gradients. Call it every step
    /// (before clipping, so the doctor sees the raw gradient); returns the
    /// findings new at this step. Layers are the parameters' names without
    /// their last component (`"0.weight"` → `"0"`), in the model's order.
    pub fn observe<T: Float>(
        &mut self,
        step: usize,
        model: &impl Params<T>,
        grads: &Grads<T>,
        loss: f64,
    ) -> &[Finding] {
        let mut layers: Vec<(String, f64)> = Vec::new();
        let mut broken: Option<String> = (!loss.is_finite()).then(|| format!("the loss is {loss}"));
        for (name, p) in model.params() {
            let layer = layer_of(&name);
            let sq: f64 = grads.get(p.id()).map_or(0.0, Tensor::squared_norm);
            if !sq.is_finite() && broken.is_none() {
                broken = Some(format!("the gradient of {name} is not finite"));
            }
            match layers.last_mut() {
                Some((last, total)) if last == layer => *total += sq,
                _ => layers.push((layer.to_string(), sq)),
            }
        }
        if let Some(what) = broken {
            return self.add([Finding {
                kind: Kind::NonFinite,
                step,
                subject: None,
                evidence: what,
                advice: "Rerun the step on Tape::with_anomaly_detection() (and pass the Anomaly to observe_anomaly) to name the op. Usual causes: a rate above the stable limit, ln or division at zero, exp overflow; lower the rate or clip the gradient".into(),
                confidence: Confidence::High,
                source: "anomaly mode",
            }]);
        }
        for (_, total) in &mut layers {
            *total = total.sqrt();
        }
        let mut found = self.gradients.push(step, layers, self.head.as_deref());
        found.extend(self.loss.push(step, loss));
        self.add(found)
    }

    /// The labels of the batch trained on at `step`, in order.
    pub fn observe_labels(&mut self, step: usize, labels: &[usize]) -> &[Finding] {
        let found = self.labels.push(step, labels);
        self.add(found)
    }

    /// A validation loss measured at `step`.
    pub fn observe_validation(&mut self, step: usize, loss: f64) -> &[Finding] {
        let found = self.loss.validate(step, loss);
        self.add(found)
    }

    /// Where an anomaly-checking tape found the first non-finite value.
    pub fn observe_anomaly(&mut self, step: usize, anomaly: &Anomaly) -> &[Finding] {
        self.add([Finding {
            kind: Kind::NonFinite,
            step,
            subject: Some(anomaly.op.to_string()),
            evidence: anomaly.to_string(),
            advice: "Look at the inputs of this op: guard ln and division against zero, keep exp's argument bounded, or lower the rate if values grew without bound".into(),
            confidence: Confidence::High,
            source: "anomaly mode",
        }])
    }

    /// Saturated or dead units of `layer` from its pre-activations
    /// `[batch, units]` on inspected data.
    ///
    /// # Panics
    /// If `pre_activations` is not 2-D.
    pub fn inspect_units<T: Float>(
        &mut self,
        step: usize,
        layer: &str,
        pre_activations: &Tensor<T>,
        activation: Activation,
    ) -> &[Finding] {
        let measured = saturation(pre_activations, activation, SATURATION_DERIVATIVE);
        self.judge_units(step, &[(layer.to_string(), activation, measured)])
    }

    /// Runs `net` on `input` and inspects the input of every activation
    /// module (its pre-activations), naming each layer by the module that
    /// produced it as the parameter names do: `"0"`, `"2"`, … under an
    /// empty `name`, `"body.0"`, … under `name = "body"`.
    pub fn inspect_network<T: Float>(
        &mut self,
        step: usize,
        name: &str,
        net: &Sequential<T>,
        input: &Tensor<T>,
    ) -> &[Finding] {
        let tape = Tape::inference();
        let outs = net.forward_all(&tape, tape.constant(input.clone()));
        let mut measured = Vec::new();
        for (i, activation) in net.activations().into_iter().enumerate().skip(1) {
            let z = outs[i - 1].value();
            if let (Some(activation), 2) = (activation, z.shape().len()) {
                let layer = match name {
                    "" => (i - 1).to_string(),
                    _ => format!("{name}.{}", i - 1),
                };
                let s = saturation(&z, activation, SATURATION_DERIVATIVE);
                measured.push((layer, activation, s));
            }
        }
        self.judge_units(step, &measured)
    }

    fn judge_units(
        &mut self,
        step: usize,
        measured: &[(String, Activation, Saturation)],
    ) -> &[Finding] {
        let stuck = self.findings.iter().any(|f| f.kind == Kind::Plateau);
        let found = inspect::units(step, measured, self.loss.unlearned(), stuck);
        self.add(found)
    }

    /// `‖∂L/∂·_t‖` for each time step of the recurrent `layer` (first step
    /// first), e.g. of the loss with respect to each step's input.
    pub fn inspect_time_steps(&mut self, step: usize, layer: &str, norms: &[f64]) -> &[Finding] {
        let found = inspect::time_steps(step, layer, norms);
        self.add(found)
    }

    /// The top Hessian eigenvalue against plain SGD's `rate` and heavy-ball
    /// `momentum` (0 for none). Adam and other adaptive methods have no
    /// single rate to compare; do not call it for them.
    pub fn inspect_curvature(
        &mut self,
        step: usize,
        lambda_max: f64,
        rate: f64,
        momentum: f64,
    ) -> &[Finding] {
        let found = inspect::curvature(step, lambda_max, rate, momentum, self.loss.unlearned());
        // A rate already seen to be too large is not called too small when
        // the wrecked net's curvature collapses (saturated units).
        let too_large = self.findings.iter().any(|f| {
            matches!(
                f.kind,
                Kind::RateAboveStableLimit
                    | Kind::UnstableLoss
                    | Kind::ExplodingGradient
                    | Kind::NonFinite
            )
        });
        let found = found.filter(|f| !(f.kind == Kind::RateTooSmall && too_large));
        self.add(found)
    }

    /// Every finding, one per line, or a line saying there are none.
    pub fn summary(&self) -> String {
        if self.findings.is_empty() {
            return format!(
                "doctor: no findings (window {} steps; thresholds in origami_probe::doctor::thresholds)",
                self.window
            );
        }
        let mut out = format!(
            "doctor: {} finding(s), in the order first seen (the earliest is often the cause of the rest)",
            self.findings.len()
        );
        for f in &self.findings {
            out.push_str("\n  ");
            out.push_str(&f.to_string());
        }
        out
    }
}
