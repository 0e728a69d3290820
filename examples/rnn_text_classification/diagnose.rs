//! `--diagnose`: origami's training doctor watching the run. Every step it
//! sees the loss, the raw gradients and the batch's labels; every
//! [`INSPECT_EVERY`] steps the gradient over the RNN's time steps and its
//! units' saturation; with plain or heavy-ball SGD, the rate against the
//! top Hessian eigenvalue at each epoch's start; after every epoch the
//! validation loss. Findings are printed as they appear, summarised at the
//! end and written to `diagnosis.json` in the output directory (and into
//! `--metrics FILE`).

use std::path::Path;

use origami::nn::CellKind;
use origami::optim::loss_fn;
use origami::optim::top_hessian_eigenvalue;
use origami::prelude::*;
use origami::probe::time_step_gradient_norms;
use origami::probe::{Doctor, doctor::Finding};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::workers::say;

use crate::data::Batch;
use crate::metrics::write_json;
use crate::model::{Classifier, RnnClassifier};

/// Steps between the costlier inspections.
pub const INSPECT_EVERY: usize = 100;

/// Prints findings new at this step above the progress bar.
pub fn announce(found: &[Finding], bar: &indicatif::ProgressBar) {
    for f in found {
        bar.suspend(|| say!("doctor: {f}"));
    }
}

/// After a non-finite loss: reruns the batch on an anomaly-checking tape
/// so the doctor can name the op that first made a NaN or infinity.
pub fn locate_non_finite<C: Classifier>(
    doctor: &mut Doctor,
    step: usize,
    model: &C,
    batch: &Batch,
    texts: &[&str],
) {
    let tape = Tape::with_anomaly_detection();
    let _ = model
        .logits(&tape, batch, texts, None)
        .cross_entropy(&batch.labels, Reduction::Mean);
    if let Some(anomaly) = tape.anomaly() {
        doctor.observe_anomaly(step, &anomaly);
    }
}

/// The top Hessian eigenvalue of the loss on `batch` (20 power
/// iterations) against SGD's `rate` and `momentum`; once per epoch, as the
/// doctor judges the rate only before the loss has halved.
pub fn inspect_curvature<C: Classifier>(
    doctor: &mut Doctor,
    step: usize,
    model: &C,
    batch: &Batch,
    texts: &[&str],
    rate: f64,
    momentum: f64,
) {
    let loss = loss_fn(|t, m: &C| {
        m.logits(t, batch, texts, None)
            .cross_entropy(&batch.labels, Reduction::Mean)
    });
    let mut rng = StdRng::seed_from_u64(step as u64);
    let lambda = top_hessian_eigenvalue(&loss, model, 20, &mut rng).value;
    doctor.inspect_curvature(step, lambda, rate, momentum);
}

/// `‖∂L/∂x_t‖` for each step's embeddings (how much each position still
/// moves the loss), the saturation of an Elman RNN's states on the batch's
/// real positions, and the head's units.
pub fn inspect_rnn(model: &RnnClassifier, doctor: &mut Doctor, step: usize, batch: &Batch) {
    let tape = Tape::new();
    // One value per step, so each step's gradient can be asked for.
    let xs: Vec<_> = (batch.steps.iter())
        .map(|ids| model.embedding.forward(&tape, ids))
        .collect();
    let pooled = model.read(&tape, batch, Var::stack(&xs, 0), None);
    let loss = model
        .head
        .forward(&tape, pooled)
        .cross_entropy(&batch.labels, Reduction::Mean);
    doctor.inspect_time_steps(step, "rnn", &time_step_gradient_norms(&tape, loss, &xs));
    doctor.inspect_network(step, "head", &model.head, &pooled.value());
    // Elman states are act(z): tanh's z is atanh(h), relu's sign is h's.
    let (activation, pre): (Activation, fn(f32) -> f32) = match model.rnn.config().kind {
        CellKind::ElmanTanh => (Activation::Tanh, |h| h.clamp(-1.0, 1.0).atanh()),
        CellKind::ElmanRelu => (Activation::Relu, |h| h),
        CellKind::Gru | CellKind::Lstm => return,
    };
    let out = model.rnn.forward(&tape, &xs, Some(&batch.lengths));
    let width = model.rnn.output_size();
    let mut rows = Vec::new();
    for (t, h) in out.outputs.iter().enumerate() {
        let h = h.value();
        for (b, &length) in batch.lengths.iter().enumerate() {
            if t < length {
                rows.extend(h.data()[b * width..(b + 1) * width].iter().map(|&v| pre(v)));
            }
        }
    }
    let real = rows.len() / width.max(1);
    if let Ok(z) = Tensor::from_vec(&[real, width], rows) {
        doctor.inspect_units(step, "rnn", &z, activation);
    }
}

/// Prints the summary and writes `diagnosis.json` into `dir`.
pub fn report(doctor: &Doctor, dir: &Path) -> Result<(), String> {
    println!("{}", doctor.summary());
    let path = dir.join("diagnosis.json");
    write_json(&path, &json!({ "findings": findings(doctor) }))?;
    println!("diagnosis: {}", path.display());
    Ok(())
}

/// The doctor's findings as JSON objects.
pub fn findings(doctor: &Doctor) -> Value {
    doctor
        .findings()
        .iter()
        .map(|f| {
            json!({
                "kind": f.kind.name(),
                "step": f.step,
                "subject": f.subject,
                "evidence": f.evidence,
                "advice": f.advice,
                "confidence": f.confidence.name(),
                "source": f.source,
            })
        })
        .collect()
}
