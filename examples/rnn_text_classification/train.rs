//! The training loop: shuffled minibatches, clipping, the optimizer step at
//! the epoch's scheduled rate, a progress bar, one line per epoch, the best
//! validation epoch kept (and early stopping with a patience), the doctor's
//! hooks (`--diagnose`), and evaluation with a confusion matrix and the
//! mean loss.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use origami::nn::Params;
use origami::optim::{
    Needs, OptimError, OutputLoss, Schedule, by_name, clip_grad_norm, gauss_newton_diagonal_sample,
    global_norm, grads_like, loss_fn,
};
use origami::prelude::*;
use origami::probe::{Doctor, gradient_norm_under};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::best::Best;
use crate::data::{Batch, batches, longest_first};
use crate::diagnose::{INSPECT_EVERY, announce, inspect_curvature, locate_non_finite};
use crate::model::Classifier;
use crate::workers::{Workers, say};

/// A data set: labels, raw texts and token ids.
pub struct Split {
    pub texts: Vec<String>,
    pub encoded: Vec<(usize, Vec<usize>)>,
}

impl Split {
    pub fn len(&self) -> usize {
        self.encoded.len()
    }
    fn texts_of(&self, batch: &Batch) -> Vec<&str> {
        batch
            .indices
            .iter()
            .map(|&i| self.texts[i].as_str())
            .collect()
    }
}

/// The methods `--optimizer` offers: those of `origami_optim::by_name`
/// that take minibatches (L-BFGS and Hessian-free want the full batch).
pub const OPTIMIZERS: [&str; 6] = ["sgd", "momentum", "nesterov", "adam", "adamw", "sdlm"];

/// The optimizer `--optimizer name` chooses (one of [`OPTIMIZERS`], which
/// the command line checks), at rate `lr`.
pub fn optimizer<C: Params<f32>>(name: &str, lr: f64) -> Result<Optim<C>, String> {
    by_name(name, lr).map_err(|e| format!("--optimizer: {e}"))
}

/// Any optimizer of the family, training a model of type `C`.
pub type Optim<C> = Box<dyn Optimizer<f32, C>>;

#[derive(Clone)]
pub struct Settings {
    pub epochs: usize,
    pub batch_size: usize,
    pub clip: Option<f64>,
    pub seed: u64,
    pub quiet: bool,
    pub classes: usize,
    /// The base learning rate and its schedule over the epochs.
    pub lr: f64,
    pub schedule: Schedule,
    /// Stop after this many epochs without a better validation score.
    pub patience: Option<usize>,
}

/// What a run produced: one log per epoch and, with a validation split,
/// the best epoch (whose parameters the caller restores).
pub struct Trained {
    pub logs: Vec<EpochLog>,
    pub best: Option<Best>,
}

impl Trained {
    /// Puts the model and optimizer back to the best validation epoch, if
    /// there is one; returns the epoch the model now stands at (the last
    /// one trained, or `first` if none, when there is no best) and that
    /// epoch's validation accuracy.
    pub fn keep_best(
        &mut self,
        first: usize,
        model: &mut impl Params<f32>,
        method: &mut dyn Method<f32>,
    ) -> Result<(usize, Option<f64>), String> {
        let last = self.logs.last().map_or(first, |log| log.epoch);
        match self.best.take() {
            Some(best) => {
                let kept = (best.epoch, Some(best.accuracy));
                best.restore(model, method)?;
                Ok(kept)
            }
            None => Ok((last, None)),
        }
    }
}

/// What one epoch did.
#[derive(Clone, Debug)]
pub struct EpochLog {
    pub epoch: usize,
    pub train_loss: f64,
    pub valid_accuracy: f64,
    pub rnn_grad_norm: f64,
    pub head_grad_norm: f64,
    pub seconds: f64,
}

/// Trains epochs `first..settings.epochs`, or fewer when the validation
/// score has not improved for `settings.patience` epochs. A resumed run
/// (`first > 0`) counts the model it starts from as a candidate for the
/// best epoch, so it ends where an uninterrupted run would. A `doctor`
/// watches every step (`--diagnose`).
#[allow(clippy::too_many_arguments)]
pub fn train<C: Classifier + Sync>(
    model: &mut C,
    method: &mut Optim<C>,
    train: &Split,
    valid: &Split,
    first: usize,
    settings: &Settings,
    workers: &Workers,
    mut doctor: Option<&mut Doctor>,
) -> Result<Trained, String> {
    let mut logs = Vec::new();
    let validating = valid.len() > 0;
    let validate = |model: &C| {
        let (batch_size, classes) = (settings.batch_size, settings.classes);
        evaluate(model, valid, batch_size, classes, workers.threads())
    };
    let mut best = (first > 0 && validating).then(|| {
        let scores = validate(model);
        Best::snapshot(first, &scores, model, &**method)
    });
    for epoch in first..settings.epochs {
        let start = Instant::now();
        method.set_learning_rate(settings.schedule.rate(settings.lr, epoch));
        let (rate, needs, momentum) = (
            method.learning_rate(),
            method.needs(),
            method.heavy_ball_momentum(),
        );
        // The shuffle depends only on (seed, epoch): a resumed run sees
        // exactly the batches an uninterrupted one would.
        let mut order: Vec<usize> = (0..train.len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(
            settings
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(epoch as u64),
        ));
        longest_first(&mut order, &train.encoded, settings.batch_size);
        let all = batches(&train.encoded, &order, settings.batch_size);
        let bar = if settings.quiet || !workers.is_root() {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(all.len() as u64)
        };
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .expect("valid template"),
        );
        bar.set_prefix(format!("epoch {:>2}", epoch + 1));
        let (mut loss_sum, mut rnn_norm, mut head_norm, mut seen) = (0.0, 0.0, 0.0, 0usize);
        for (number, batch) in all.iter().enumerate() {
            let step = epoch * all.len() + number;
            // One thread uses the batch as it is; more cut it into pieces.
            // Results depend on their count (the order of summation),
            // never on timing.
            let pieces;
            let shards: &[Batch] = if workers.shards() > 1 {
                pieces = batch.split(workers.shards());
                &pieces
            } else {
                std::slice::from_ref(batch)
            };
            let size = batch.labels.len() as f32;
            // Why the step failed, in the example's words, when it was
            // the closure that stopped it.
            let mut failure = None;
            let stepped = method.step(model, &mut |model: &C| {
                let summed = workers.gradient(model, shards.len(), |i| {
                    let shard = &shards[i];
                    let mut noise = StdRng::seed_from_u64(
                        settings.seed ^ (epoch as u64) << 40 ^ (number as u64) << 8 ^ i as u64,
                    );
                    let tape = Tape::new();
                    let loss = model
                        .logits(&tape, shard, &train.texts_of(shard), Some(&mut noise))
                        .cross_entropy(&shard.labels, Reduction::Sum)
                        / size;
                    Ok((loss.value().item() as f64, loss.backward()))
                });
                let (loss, mut grads) = match summed {
                    Ok(summed) => summed,
                    Err(message) => {
                        failure = Some(message.clone());
                        return Err(OptimError::State { message });
                    }
                };
                if let Some(d) = doctor.as_deref_mut() {
                    announce(d.observe_labels(step, &batch.labels), &bar);
                    announce(d.observe(step, model, &grads, loss), &bar);
                    let before = d.findings().len();
                    if !loss.is_finite() {
                        locate_non_finite(d, step, model, batch, &train.texts_of(batch));
                    } else if step % INSPECT_EVERY == 0 {
                        model.inspect(d, step, batch);
                    }
                    if let (0, Some(momentum)) = (number, momentum) {
                        let texts = train.texts_of(batch);
                        inspect_curvature(d, step, model, batch, &texts, rate, momentum);
                    }
                    announce(&d.findings()[before..], &bar);
                }
                if !loss.is_finite() {
                    failure = Some(format!(
                        "epoch {}: the loss became {loss}; lower --lr or set --clip",
                        epoch + 1
                    ));
                    return Err(OptimError::NonFinite {
                        what: format!("loss {loss}"),
                    });
                }
                rnn_norm += gradient_norm_under(model, &grads, "rnn.");
                head_norm += gradient_norm_under(model, &grads, "head.");
                if let Some(max) = settings.clip {
                    clip_grad_norm(&mut grads, max)?;
                } else if !global_norm(&grads).is_finite() {
                    failure = Some(format!(
                        "epoch {}: non-finite gradient; set --clip",
                        epoch + 1
                    ));
                    return Err(OptimError::NonFinite {
                        what: "gradient".to_string(),
                    });
                }
                let evaluation = Evaluation::new(loss, grads);
                if needs != Needs::CurvatureDiagonal {
                    return Ok(evaluation);
                }
                let texts = train.texts_of(batch);
                let outputs = loss_fn(|t, m: &C| m.logits(t, batch, &texts, None));
                let target = OutputLoss::CrossEntropy(batch.labels.clone());
                let mut rng =
                    StdRng::seed_from_u64(settings.seed ^ (epoch as u64) << 20 ^ seen as u64);
                let diagonal = gauss_newton_diagonal_sample(&outputs, &target, model, &mut rng);
                Ok(evaluation.with_curvature(grads_like(model, &diagonal)))
            });
            let loss = stepped.map_err(|e| failure.take().unwrap_or_else(|| e.to_string()))?;
            loss_sum += loss * batch.labels.len() as f64;
            seen += batch.labels.len();
            bar.inc(1);
            // Replicas that drift apart are a bug: debug builds look every
            // 50 steps, release builds after every epoch (below).
            if cfg!(debug_assertions) && number % 50 == 49 {
                workers.check_replicas(model, &**method, &format!("step {}", step + 1))?;
            }
            let rate = seen as f64 / start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "loss {:.4}  {rate:.0} ex/s",
                loss_sum / seen as f64
            ));
        }
        bar.finish_and_clear();
        workers.check_replicas(model, &**method, &format!("the end of epoch {}", epoch + 1))?;
        let scores = validate(model);
        if let (Some(d), true) = (doctor.as_deref_mut(), valid.len() > 0) {
            let last_step = (epoch + 1) * all.len() - 1;
            announce(d.observe_validation(last_step, scores.loss), &bar);
        }
        let n = all.len().max(1) as f64;
        let log = EpochLog {
            epoch: epoch + 1,
            train_loss: loss_sum / seen.max(1) as f64,
            valid_accuracy: scores.accuracy,
            rnn_grad_norm: rnn_norm / n,
            head_grad_norm: head_norm / n,
            seconds: start.elapsed().as_secs_f64(),
        };
        let improved = validating && best.as_ref().is_none_or(|b| b.beaten_by(&scores));
        if improved {
            best = Some(Best::snapshot(epoch + 1, &scores, model, &**method));
        }
        if !settings.quiet {
            // Without a validation split there is no accuracy to show.
            let valid = if validating {
                let mark = if improved { " *" } else { "  " };
                format!("  valid acc {:.4}{mark}", log.valid_accuracy)
            } else {
                String::new()
            };
            say!(
                "epoch {:>2}  train loss {:.4}{valid}  |grad| rnn {:.3e} head {:.3e}  {:.1}s",
                log.epoch,
                log.train_loss,
                log.rnn_grad_norm,
                log.head_grad_norm,
                log.seconds
            );
        }
        logs.push(log);
        let since_best = best.as_ref().map_or(0, |b| epoch + 1 - b.epoch);
        if settings.patience.is_some_and(|p| since_best >= p) {
            if !settings.quiet {
                say!("early stop: no better validation score in {since_best} epochs");
            }
            break;
        }
    }
    Ok(Trained { logs, best })
}

/// How a model does on a data set.
pub struct Scores {
    pub accuracy: f64,
    /// Rows: true class; columns: predicted.
    pub confusion: Vec<Vec<usize>>,
    /// Mean cross-entropy.
    pub loss: f64,
}

/// Accuracy, the confusion matrix and the mean loss on `split`.
pub fn evaluate<C: Classifier + Sync>(
    model: &C,
    split: &Split,
    batch_size: usize,
    classes: usize,
    threads: usize,
) -> Scores {
    let mut order: Vec<usize> = (0..split.len()).collect();
    longest_first(&mut order, &split.encoded, batch_size);
    let all = batches(&split.encoded, &order, batch_size);
    // Each batch's summed loss and predictions; batches are dealt to the
    // threads in turn and read back in order, so the scores do not depend
    // on the number of threads.
    let score = |batch: &Batch| {
        let tape = Tape::inference();
        let logits = model.logits(&tape, batch, &split.texts_of(batch), None);
        let loss = logits.cross_entropy(&batch.labels, Reduction::Sum);
        let predicted = logits.value().argmax(1);
        (loss.value().item() as f64, predicted)
    };
    let threads = threads.clamp(1, all.len().max(1));
    let mut scored: Vec<Option<(f64, Vec<usize>)>> = vec![None; all.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|k| {
                let (all, score) = (&all, &score);
                scope.spawn(move || {
                    let mine = all.iter().enumerate().skip(k).step_by(threads);
                    origami::tape::single_threaded(|| {
                        mine.map(|(i, b)| (i, score(b))).collect::<Vec<_>>()
                    })
                })
            })
            .collect();
        for worker in workers {
            for (i, result) in worker.join().expect("an evaluation thread panicked") {
                scored[i] = Some(result);
            }
        }
    });
    let mut confusion = vec![vec![0usize; classes]; classes];
    let mut loss = 0.0;
    for (batch, scores) in all.iter().zip(scored) {
        let (batch_loss, predicted) = scores.expect("every batch was scored");
        loss += batch_loss;
        for (&label, &guess) in batch.labels.iter().zip(&predicted) {
            confusion[label][guess] += 1;
        }
    }
    let correct: usize = (0..classes).map(|k| confusion[k][k]).sum();
    let n = split.len().max(1) as f64;
    Scores {
        accuracy: correct as f64 / n,
        confusion,
        loss: loss / n,
    }
}
