//! Early stopping: the epoch with the best validation accuracy (ties to the
//! lower validation loss, then to the earlier epoch), its parameters and
//! its optimizer state, so the run can end, and be saved, at that epoch.

use origami::nn::Params;
use origami::optim::OptimState;
use origami::prelude::*;

use crate::train::Scores;

/// The best epoch so far and everything needed to return to it.
pub struct Best {
    /// Epochs trained when it was reached (0: before any training).
    pub epoch: usize,
    pub accuracy: f64,
    pub loss: f64,
    params: Vec<Tensor<f32>>,
    optimizer: OptimState<f32>,
}

impl Best {
    /// The model and optimizer as they are after `epoch` epochs, which
    /// scored `scores` on the validation split.
    pub fn snapshot(
        epoch: usize,
        scores: &Scores,
        model: &impl Params<f32>,
        method: &dyn Method<f32>,
    ) -> Self {
        Self {
            epoch,
            accuracy: scores.accuracy,
            loss: scores.loss,
            // Tensors share their buffers until the optimizer next writes:
            // a snapshot costs one copy per parameter, on the next update.
            params: model
                .params()
                .iter()
                .map(|(_, p)| p.value().clone())
                .collect(),
            optimizer: method.state(),
        }
    }

    /// Whether `scores` beat this epoch's.
    pub fn beaten_by(&self, scores: &Scores) -> bool {
        scores.accuracy > self.accuracy
            || (scores.accuracy == self.accuracy && scores.loss < self.loss)
    }

    /// Puts the model and optimizer back to this epoch.
    pub fn restore(
        self,
        model: &mut impl Params<f32>,
        method: &mut dyn Method<f32>,
    ) -> Result<(), String> {
        for ((_, param), value) in model.params_mut().into_iter().zip(self.params) {
            *param.value_mut() = value;
        }
        method.load_state(self.optimizer).map_err(|e| e.to_string())
    }
}
