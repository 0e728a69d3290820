//! Choosing a method at run time: [`by_name`] builds any method of the
//! family from its name and a rate, as a `Box<dyn Optimizer<T, M>>`, for
//! command lines and configuration files.

use origami_nn::Params;
use origami_tape::Float;

use crate::error::OptimError;
use crate::optimizer::Optimizer;
use crate::{Adam, HessianFree, Lbfgs, Sdlm, Sgd};

/// The names [`by_name`] accepts, in the order its error lists them.
pub const METHOD_NAMES: [&str; 8] = [
    "sgd",
    "momentum",
    "nesterov",
    "adam",
    "adamw",
    "sdlm",
    "lbfgs",
    "hessian_free",
];

/// The method called `name`, with its usual settings around the rate `lr`:
///
/// | name | method |
/// |---|---|
/// | `sgd` | [`Sgd::new`]`(lr)` |
/// | `momentum`, `nesterov` | [`Sgd::momentum`], [`Sgd::nesterov`] with momentum 0.9 |
/// | `adam`, `adamw` | [`Adam::new`]`(lr)`, [`Adam::adamw`]`(lr, 0.01)` |
/// | `sdlm` | [`Sdlm::new`]`(lr, 0.1, 0.05)`: damping μ = 0.1, averaging γ = 0.05 |
/// | `lbfgs` | [`Lbfgs::new`]`(lr)`: `lr` scales the step (1 for L-BFGS proper) |
/// | `hessian_free` | [`HessianFree::new`]`(1 / lr, 20)`: initial damping 1/`lr`, 20 CG iterations |
///
/// Ask the result's [`crate::Method::needs`] what the closure must supply.
///
/// ```
/// use origami_nn::{mlp, Activation, Init, Module, Sequential};
/// use origami_optim::{by_name, Evaluation, Needs, Optimizer};
/// use origami_tape::{Reduction, Tape, Tensor};
/// use rand::SeedableRng;
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut net = mlp::<f32>(&[2, 4, 2], Activation::Tanh, Init::LecunNormal, &mut rng);
/// let x = Tensor::from_vec(&[2, 2], vec![0., 1., 1., 0.]).unwrap();
/// let mut opt: Box<dyn Optimizer<f32, Sequential<f32>>> = by_name("momentum", 0.1).unwrap();
/// assert_eq!((opt.name(), opt.needs()), ("sgd", Needs::Gradient));
/// let loss = opt.step(&mut net, &mut |net| {
///     let tape = Tape::new();
///     let loss = net.forward(&tape, tape.constant(x.clone())).cross_entropy(&[0, 1], Reduction::Mean);
///     Ok(Evaluation::new(loss.value().item() as f64, loss.backward()))
/// });
/// assert!(loss.unwrap().is_finite());
/// let unknown = by_name::<f32, Sequential<f32>>("adagrad", 0.1).err().unwrap();
/// assert!(unknown.to_string().contains("known: sgd, momentum"));
/// ```
///
/// # Errors
/// [`OptimError::InvalidHyperparameter`] for an unknown name (the message
/// lists the known ones) or a rate that is not positive and finite.
pub fn by_name<T: Float, M: Params<T>>(
    name: &str,
    lr: f64,
) -> Result<Box<dyn Optimizer<T, M>>, OptimError> {
    if !(lr > 0.0 && lr.is_finite()) {
        return Err(OptimError::InvalidHyperparameter {
            optimizer: "by_name",
            message: format!("{name}: the rate must be positive and finite, not {lr}"),
        });
    }
    Ok(match name {
        "sgd" => Box::new(Sgd::new(lr)),
        "momentum" => Box::new(Sgd::momentum(lr, 0.9)),
        "nesterov" => Box::new(Sgd::nesterov(lr, 0.9)),
        "adam" => Box::new(Adam::new(lr)),
        "adamw" => Box::new(Adam::adamw(lr, 0.01)),
        "sdlm" => Box::new(Sdlm::new(lr, 0.1, 0.05)),
        "lbfgs" => Box::new(Lbfgs::new(lr)),
        "hessian_free" => Box::new(HessianFree::new(1.0 / lr, 20)),
        other => {
            return Err(OptimError::InvalidHyperparameter {
                optimizer: "by_name",
                message: format!(
                    "unknown method {other:?} (known: {})",
                    METHOD_NAMES.join(", ")
                ),
            });
        }
    })
}
