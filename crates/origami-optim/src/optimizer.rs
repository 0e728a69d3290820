//! The `Optimizer` family. Every method is driven the same way: a closure
//! evaluates the loss and gradients at the model's current parameters, and
//! `step` calls it as often as the method needs (first-order methods once,
//! line searches and L-BFGS several times). First-order methods also
//! implement [`FirstOrder::update`] for loops that already hold gradients.

use std::collections::HashMap;

use origami_nn::Params;
use origami_tape::{Float, Grads, Tensor};

use crate::error::OptimError;

/// A curvature-vector product at the evaluated point, on flat vectors
/// (e.g. `G v`); it may borrow the model until the method moves it.
pub type CurvatureProduct<'m> = Box<dyn Fn(&[f64]) -> Vec<f64> + 'm>;

/// What a closure reports at the current parameters.
pub struct Evaluation<'m, T: Float> {
    /// The loss.
    pub loss: f64,
    /// Its gradient with respect to every parameter of the model.
    pub grads: Grads<T>,
    /// A diagonal curvature estimate per parameter, for methods that use
    /// one (SDLM); `None` otherwise.
    pub curvature: Option<Grads<T>>,
    /// A curvature-vector product, for methods that need one
    /// (Hessian-free); `None` otherwise.
    pub product: Option<CurvatureProduct<'m>>,
}

impl<'m, T: Float> Evaluation<'m, T> {
    /// Loss and gradients, no curvature.
    pub fn new(loss: f64, grads: Grads<T>) -> Self {
        Self {
            loss,
            grads,
            curvature: None,
            product: None,
        }
    }

    /// Adds a diagonal curvature estimate (for SDLM).
    pub fn with_curvature(mut self, curvature: Grads<T>) -> Self {
        self.curvature = Some(curvature);
        self
    }

    /// Adds a curvature-vector product (for Hessian-free).
    pub fn with_product(mut self, product: impl Fn(&[f64]) -> Vec<f64> + 'm) -> Self {
        self.product = Some(Box::new(product));
        self
    }
}

/// The closure every method is driven by: loss and gradients (and maybe
/// curvature) at the model's current parameters.
pub type Closure<'c, T, M> = dyn for<'m> FnMut(&'m M) -> Result<Evaluation<'m, T>, OptimError> + 'c;

/// Per-parameter state tensors by `"<param name>.<slot>"`, plus scalars
/// (step counts, current rates): what a checkpoint needs to resume exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimState<T: Float> {
    /// Tensors such as momentum buffers, keyed `name.slot`.
    pub tensors: Vec<(String, Tensor<T>)>,
    /// Scalars such as the step count, keyed by name.
    pub scalars: Vec<(String, f64)>,
}

/// What a method needs the closure to put in its [`Evaluation`] besides
/// the loss and the gradients: ask [`Method::needs`] before building one,
/// so a closure computes curvature only for the methods that use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing more (SGD, Adam, L-BFGS).
    Gradient,
    /// A diagonal curvature estimate, [`Evaluation::with_curvature`]
    /// (SDLM; see [`crate::gauss_newton_diagonal_sample`]).
    CurvatureDiagonal,
    /// A curvature-vector product, [`Evaluation::with_product`]
    /// (Hessian-free; see [`crate::gauss_newton_vector`]).
    CurvatureProduct,
}

/// What every optimization method has whatever model it trains: a name,
/// a rate, what its closure must supply, and the state to resume from.
pub trait Method<T: Float> {
    /// The method's name, for messages and state files.
    fn name(&self) -> &'static str;

    /// What the closure must supply besides loss and gradients.
    fn needs(&self) -> Needs {
        Needs::Gradient
    }

    /// The momentum of a plain (0) or heavy-ball gradient step, whose
    /// stability on a quadratic follows from the rate, the momentum and
    /// the top curvature alone (what the training doctor checks); `None`
    /// for every other method (Nesterov's step included).
    fn heavy_ball_momentum(&self) -> Option<f64> {
        None
    }

    /// The base learning rate (schedules change it between steps).
    fn learning_rate(&self) -> f64;

    /// Sets the base learning rate.
    fn set_learning_rate(&mut self, lr: f64);

    /// Everything needed to resume exactly.
    fn state(&self) -> OptimState<T>;

    /// Restores [`Method::state`].
    ///
    /// # Errors
    /// [`OptimError::State`] if the state belongs to another method.
    fn load_state(&mut self, state: OptimState<T>) -> Result<(), OptimError>;
}

/// An optimization method training models of type `M`. The trait is
/// object-safe, so a method can be chosen at run time as a
/// `Box<dyn Optimizer<T, M>>` ([`crate::by_name`] builds one from a name).
pub trait Optimizer<T: Float, M: Params<T>>: Method<T> {
    /// Improves `model` using `closure`, which evaluates loss and
    /// gradients at the model's current parameters (and what
    /// [`Method::needs`] asks for). Returns the loss of the first
    /// evaluation.
    ///
    /// # Errors
    /// The closure's errors; [`OptimError::MissingGradient`] naming a
    /// parameter without a gradient; [`OptimError::NonFinite`] for a NaN
    /// or infinite loss; [`OptimError::InvalidHyperparameter`] if the
    /// evaluation lacks what [`Method::needs`] asks for.
    fn step(&mut self, model: &mut M, closure: &mut Closure<'_, T, M>) -> Result<f64, OptimError>;
}

/// Methods that need nothing but the gradient at the current point.
pub trait FirstOrder<T: Float>: Method<T> {
    /// One update from gradients already computed.
    ///
    /// # Errors
    /// [`OptimError::MissingGradient`] naming the first parameter of the
    /// model with no gradient; [`OptimError::ShapeMismatch`].
    fn update<M: Params<T>>(&mut self, model: &mut M, grads: &Grads<T>) -> Result<(), OptimError>;
}

/// Implements [`Optimizer`] for a [`FirstOrder`] method: one evaluation,
/// one update.
macro_rules! first_order_optimizer {
    ($ty:ident, $name:literal $(, $extra:item)*) => {
        impl<T: Float, M: origami_nn::Params<T>> crate::optimizer::Optimizer<T, M> for $ty<T> {
            fn step(
                &mut self,
                model: &mut M,
                closure: &mut crate::optimizer::Closure<'_, T, M>,
            ) -> Result<f64, crate::error::OptimError> {
                let (loss, grads) = {
                    let eval = closure(model)?;
                    (eval.loss, eval.grads)
                };
                crate::optimizer::check_finite_loss(loss)?;
                crate::optimizer::FirstOrder::update(self, model, &grads)?;
                Ok(loss)
            }
        }
        impl<T: Float> crate::optimizer::Method<T> for $ty<T> {
            fn name(&self) -> &'static str {
                $name
            }
            $($extra)*
            fn learning_rate(&self) -> f64 {
                self.lr
            }
            fn set_learning_rate(&mut self, lr: f64) {
                self.lr = lr;
            }
            fn state(&self) -> crate::optimizer::OptimState<T> {
                self.slots.to_state(self.step_count)
            }
            fn load_state(
                &mut self,
                state: crate::optimizer::OptimState<T>,
            ) -> Result<(), crate::error::OptimError> {
                self.step_count = self.slots.load_state(state)?;
                Ok(())
            }
        }
    };
}
pub(crate) use first_order_optimizer;

/// An error unless `loss` is finite.
pub fn check_finite_loss(loss: f64) -> Result<(), OptimError> {
    if loss.is_finite() {
        Ok(())
    } else {
        Err(OptimError::NonFinite {
            what: format!("loss {loss}"),
        })
    }
}

/// A parameter's name, its value (to update) and its gradient.
pub type Paired<'m, 'g, T> = (String, &'m mut Tensor<T>, &'g Tensor<T>);

/// Every parameter of `model` with its gradient, or an error naming the
/// first parameter that has none.
pub fn pair_grads<'m, 'g, T: Float, M: Params<T>>(
    model: &'m mut M,
    grads: &'g Grads<T>,
) -> Result<Vec<Paired<'m, 'g, T>>, OptimError> {
    let mut out = Vec::new();
    for (name, param) in model.params_mut() {
        let Some(g) = grads.get(param.id()) else {
            return Err(OptimError::MissingGradient { name });
        };
        if g.shape() != param.shape() {
            let (param, grad) = (param.shape().to_vec(), g.shape().to_vec());
            return Err(OptimError::ShapeMismatch { name, param, grad });
        }
        out.push((name, param.value_mut(), g));
    }
    Ok(out)
}

/// Named state tensors ("slots": momentum buffers, Adam moments), created
/// lazily with a parameter's shape.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slots<T: Float> {
    slots: HashMap<String, Tensor<T>>,
    /// Set by `load_state` until `check_restored` has compared the slots
    /// with a model.
    unchecked: bool,
}

impl<T: Float> Slots<T> {
    /// The slot `name.slot`, created as zeros shaped like `like`.
    pub(crate) fn zeros_like(
        &mut self,
        name: &str,
        slot: &str,
        like: &Tensor<T>,
    ) -> &mut Tensor<T> {
        self.slots
            .entry(format!("{name}.{slot}"))
            .or_insert_with(|| Tensor::zeros(like.shape()))
    }

    /// The slots `name.first` and `name.second` together, each created as
    /// zeros shaped like `like`.
    pub(crate) fn pair_like(
        &mut self,
        name: &str,
        [first, second]: [&str; 2],
        like: &Tensor<T>,
    ) -> [&mut Tensor<T>; 2] {
        let keys = [format!("{name}.{first}"), format!("{name}.{second}")];
        for key in &keys {
            if !self.slots.contains_key(key) {
                self.slots.insert(key.clone(), Tensor::zeros(like.shape()));
            }
        }
        let [a, b] = self.slots.get_disjoint_mut([&keys[0], &keys[1]]);
        [a.expect("inserted above"), b.expect("inserted above")]
    }

    pub(crate) fn to_state(&self, step_count: u64) -> OptimState<T> {
        let mut tensors: Vec<_> = self
            .slots
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        OptimState {
            tensors,
            scalars: vec![("step".to_string(), step_count as f64)],
        }
    }

    pub(crate) fn load_state(&mut self, state: OptimState<T>) -> Result<u64, OptimError> {
        let step = state
            .scalars
            .iter()
            .find(|(k, _)| k == "step")
            .map(|(_, v)| *v);
        let step = step.ok_or_else(|| OptimError::State {
            message: "no step count".to_string(),
        })?;
        if !(step >= 0.0 && step.fract() == 0.0) {
            return Err(OptimError::State {
                message: format!("step count {step} is not a whole number"),
            });
        }
        self.slots = state.tensors.into_iter().collect();
        self.unchecked = true;
        Ok(step as u64)
    }

    /// After a restore, before the first update: every restored slot must
    /// be one of `kinds` for a parameter of `model`, with its shape.
    /// Checking first means a state that does not fit changes nothing.
    pub(crate) fn check_restored<M: Params<T>>(
        &mut self,
        model: &M,
        kinds: &[&str],
    ) -> Result<(), OptimError> {
        if !self.unchecked {
            return Ok(());
        }
        let mut expected = HashMap::new();
        for (name, p) in model.params() {
            for kind in kinds {
                expected.insert(format!("{name}.{kind}"), p.shape().to_vec());
            }
        }
        let mut keys: Vec<&String> = self.slots.keys().collect();
        keys.sort();
        for key in keys {
            let message = match expected.get(key) {
                None => format!("slot {key:?} belongs to no parameter of the model"),
                Some(shape) if shape.as_slice() != self.slots[key].shape() => format!(
                    "slot {key:?} has shape {:?}, its parameter {shape:?}",
                    self.slots[key].shape()
                ),
                Some(_) => continue,
            };
            return Err(OptimError::State { message });
        }
        self.unchecked = false;
        Ok(())
    }
}
