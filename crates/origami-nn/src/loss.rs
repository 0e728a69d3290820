//! Losses for classification and regression.
//!
//! * [`CrossEntropy`]: softmax cross-entropy with integer targets, optional
//!   class weights and label smoothing, PyTorch's semantics: with weights
//!   `w` and smoothing `ε`, example `i` costs
//!   `-(1-ε)·w[tᵢ]·log pᵢ[tᵢ] - (ε/C)·Σ_c w[c]·log pᵢ[c]`, and the mean
//!   divides by `Σᵢ w[tᵢ]`. Without either it is the tape's fused, stable
//!   `cross_entropy`.
//! * [`bce_with_logits`]: `softplus(x) - x·y`, stable for any logit.
//! * [`mse`]: mean squared error.

use origami_tape::{Float, Reduction, Tensor, Var};

/// Softmax cross-entropy against integer class targets.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossEntropy {
    /// One weight per class, or `None` for all ones.
    pub class_weights: Option<Vec<f64>>,
    /// Label smoothing `ε ∈ [0, 1)`.
    pub label_smoothing: f64,
    /// How example losses are combined.
    pub reduction: Reduction,
}

impl Default for CrossEntropy {
    fn default() -> Self {
        Self {
            class_weights: None,
            label_smoothing: 0.0,
            reduction: Reduction::Mean,
        }
    }
}

impl CrossEntropy {
    /// The loss of `[batch, classes]` logits against `targets`.
    ///
    /// # Panics
    /// If a target is out of range, the weights do not have one entry per
    /// class, or the smoothing is outside `[0, 1)`.
    ///
    /// ```
    /// use origami_nn::CrossEntropy;
    /// use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let logits = tape.var(Tensor::zeros(&[2, 3]));
    /// let smooth = CrossEntropy { label_smoothing: 0.1, ..CrossEntropy::default() };
    /// assert!((smooth.loss(logits, &[0, 2]).value().item() - 3f64.ln()).abs() < 1e-12);
    /// ```
    pub fn loss<'t, T: Float>(&self, logits: Var<'t, T>, targets: &[usize]) -> Var<'t, T> {
        let eps = self.label_smoothing;
        assert!(
            (0.0..1.0).contains(&eps),
            "cross_entropy: label smoothing {eps} is not in [0, 1)"
        );
        if self.class_weights.is_none() && eps == 0.0 {
            return logits.cross_entropy(targets, self.reduction);
        }
        let shape = logits.shape();
        let [n, c] = shape[..] else {
            panic!("cross_entropy: logits must be [batch, classes], got {shape:?}");
        };
        if let Some((i, &t)) = targets.iter().enumerate().find(|&(_, &t)| t >= c) {
            panic!("cross_entropy: target {t} of example {i} is not below {c} classes");
        }
        let weights = self.class_weights.clone().unwrap_or_else(|| vec![1.0; c]);
        assert_eq!(
            weights.len(),
            c,
            "cross_entropy: {} class weights for {c} classes",
            weights.len()
        );
        let tape = logits.tape();
        let constant = |shape: &[usize], v: Vec<f64>| {
            tape.constant(
                Tensor::from_vec(shape, v.into_iter().map(T::from_f64).collect()).expect("sized"),
            )
        };
        let log_p = logits.log_softmax(1);
        let picked_w: Vec<f64> = targets.iter().map(|&t| weights[t]).collect();
        let nll = -(log_p.gather(1, targets).reshape(&[n]) * constant(&[n], picked_w.clone()));
        let spread = -(log_p * constant(&[1, c], weights)).sum(&[1]) / T::from_usize(c);
        let per_example = nll * T::from_f64(1.0 - eps) + spread * T::from_f64(eps);
        match self.reduction {
            Reduction::None => per_example,
            Reduction::Sum => per_example.sum_all(),
            Reduction::Mean => per_example.sum_all() / T::from_f64(picked_w.iter().sum()),
        }
    }
}

/// Binary cross-entropy of logits `x` against targets `y ∈ [0, 1]`:
/// `softplus(x) - x·y` per element, then reduced.
///
/// ```
/// use origami_nn::bce_with_logits;
/// use origami_tape::{Reduction, Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.var(Tensor::from_vec(&[2], vec![1e4, -1e4]).unwrap());
/// let y = tape.constant(Tensor::from_vec(&[2], vec![1.0, 0.0]).unwrap());
/// assert_eq!(bce_with_logits(x, y, Reduction::Sum).value().item(), 0.0);
/// ```
pub fn bce_with_logits<'t, T: Float>(
    logits: Var<'t, T>,
    targets: Var<'t, T>,
    reduction: Reduction,
) -> Var<'t, T> {
    reduce(logits.softplus() - logits * targets, reduction)
}

/// Squared error `(x - y)²`, reduced.
///
/// ```
/// use origami_nn::mse;
/// use origami_tape::{Reduction, Tape, Tensor};
/// let tape = Tape::<f32>::new();
/// let x = tape.var(Tensor::from_vec(&[2], vec![1.0, 3.0]).unwrap());
/// let y = tape.constant(Tensor::zeros(&[2]));
/// assert_eq!(mse(x, y, Reduction::Mean).value().item(), 5.0);
/// ```
pub fn mse<'t, T: Float>(
    prediction: Var<'t, T>,
    target: Var<'t, T>,
    reduction: Reduction,
) -> Var<'t, T> {
    reduce((prediction - target).square(), reduction)
}

fn reduce<'t, T: Float>(x: Var<'t, T>, reduction: Reduction) -> Var<'t, T> {
    match reduction {
        Reduction::None => x,
        Reduction::Sum => x.sum_all(),
        Reduction::Mean => x.mean_all(),
    }
}
