//! The two traits every layer implements: [`Params`] enumerates its
//! parameters under stable dotted names (PyTorch's, so checkpoints
//! interoperate), and [`Module`] maps one recorded input to one output.

use origami_tape::{Float, Tape, Var};

use crate::activation::Activation;
use crate::param::Param;

/// Named parameters, enumerated in a fixed order.
pub trait Params<T: Float> {
    /// Every parameter with its dotted name relative to `self`.
    fn params(&self) -> Vec<(String, &Param<T>)>;

    /// The same list, mutable (optimizers, checkpoint loading).
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)>;

    /// The parameters whose names start with `prefix` (a parameter group).
    fn params_with_prefix(&self, prefix: &str) -> Vec<(String, &Param<T>)> {
        self.params()
            .into_iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .collect()
    }

    /// The number of trainable scalars.
    fn num_scalars(&self) -> usize {
        self.params().iter().map(|(_, p)| p.value().numel()).sum()
    }

    /// The top-level modules, as the name prefixes [`module_of`] gives
    /// (`"0."`, `"2."` for an `mlp`), each once, in parameter order:
    /// the layers of per-layer rates, curvature and gradient norms.
    ///
    /// ```
    /// use origami_nn::{mlp, Activation, Init, Params};
    /// use rand::SeedableRng;
    /// let net = mlp::<f32>(&[2, 4, 4, 1], Activation::Relu, Init::KaimingNormal,
    ///                      &mut rand::rngs::StdRng::seed_from_u64(0));
    /// assert_eq!(net.modules(), ["0.", "2.", "4."]);
    /// ```
    fn modules(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (name, _) in self.params() {
            let module = module_of(&name);
            if !out.contains(&module) {
                out.push(module);
            }
        }
        out
    }
}

/// The top-level module a parameter belongs to, as a name prefix: the
/// first component of its dotted name and the dot (`"rnn.weight_ih_l0"`
/// → `"rnn."`; a name without a dot is its own module, `"w"` → `"w."`).
///
/// ```
/// assert_eq!(origami_nn::module_of("head.0.weight"), "head.");
/// assert_eq!(origami_nn::module_of("scale"), "scale.");
/// ```
pub fn module_of(name: &str) -> String {
    format!("{}.", name.split('.').next().unwrap_or(name))
}

/// Implements [`Params`] for a struct made of modules: each field's
/// parameters under the field's name, in the order the fields are listed,
/// so a model of your own needs one line rather than a `params` and a
/// `params_mut` that must agree. Write `impl_params!(f32 for Model { a, b })`
/// for one float type, or `impl_params!(<T> for Model<T> { a, b })` for
/// every [`Float`] `T`.
///
/// ```
/// use origami_nn::{impl_params, Dense, Embedding, Params};
/// use origami_tape::Float;
/// use rand::SeedableRng;
///
/// struct Tagger<T: Float> {
///     embedding: Embedding<T>,
///     head: Dense<T>,
/// }
/// impl_params!(<T> for Tagger<T> { embedding, head });
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let tagger = Tagger::<f32> { embedding: Embedding::new(10, 4, &mut rng), head: Dense::new(4, 3, &mut rng) };
/// let names: Vec<String> = tagger.params().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["embedding.weight", "head.weight", "head.bias"]);
/// ```
#[macro_export]
macro_rules! impl_params {
    ($float:ident for $model:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::Params<$float> for $model {
            $crate::impl_params!(@methods $float; $($field),+);
        }
    };
    (<$t:ident> for $model:ty { $($field:ident),+ $(,)? }) => {
        impl<$t: $crate::__private::Float> $crate::Params<$t> for $model {
            $crate::impl_params!(@methods $t; $($field),+);
        }
    };
    (@methods $float:ty; $($field:ident),+) => {
        fn params(&self) -> Vec<(String, &$crate::Param<$float>)> {
            let mut all = Vec::new();
            $(all.extend($crate::prefixed(stringify!($field), $crate::Params::params(&self.$field)));)+
            all
        }
        fn params_mut(&mut self) -> Vec<(String, &mut $crate::Param<$float>)> {
            let mut all = Vec::new();
            $(all.extend($crate::prefixed_mut(
                stringify!($field),
                $crate::Params::params_mut(&mut self.$field),
            ));)+
            all
        }
    };
}

/// A layer with one input and one output.
pub trait Module<T: Float>: Params<T> {
    /// Records the layer's computation on `tape`.
    fn forward<'t>(&self, tape: &'t Tape<T>, input: Var<'t, T>) -> Var<'t, T>;

    /// The element-wise nonlinearity this module applies, if it is one
    /// (probes read saturation from the input such a module receives).
    fn activation(&self) -> Option<Activation> {
        None
    }
}

/// Prefixes every name of `child` with `prefix.`.
pub fn prefixed<'a, T: Float>(
    prefix: &str,
    child: Vec<(String, &'a Param<T>)>,
) -> Vec<(String, &'a Param<T>)> {
    child
        .into_iter()
        .map(|(n, p)| (format!("{prefix}.{n}"), p))
        .collect()
}

/// Mutable version of [`prefixed`].
pub fn prefixed_mut<'a, T: Float>(
    prefix: &str,
    child: Vec<(String, &'a mut Param<T>)>,
) -> Vec<(String, &'a mut Param<T>)> {
    child
        .into_iter()
        .map(|(n, p)| (format!("{prefix}.{n}"), p))
        .collect()
}
