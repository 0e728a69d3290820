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

/// Implements [`Params`] for a struct made of modules and parameters: each
/// field's parameters under the field's name, in the order the fields are
/// listed, so a model needs one line rather than a `params` and a
/// `params_mut` that must agree. A field may be a module, a [`Param`]
/// (named by the field alone), an `Option` of either (absent: no
/// parameters), or a `Vec` or `Box` of them (a `Vec`'s items are named by
/// index). Write `impl_params!(f32 for Model { a, b })` for one float type,
/// or `impl_params!(<T> for Model<T> { a, b })` for every [`Float`] `T`;
/// `{}` declares a module without parameters. The layers of this crate are
/// declared the same way (`Dense` is `{ weight, bias }`).
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
    ($float:ident for $model:ty { $($field:ident),* $(,)? }) => {
        impl $crate::Params<$float> for $model {
            $crate::impl_params!(@methods $float; $($field),*);
        }
    };
    (<$t:ident> for $model:ty { $($field:ident),* $(,)? }) => {
        impl<$t: $crate::__private::Float> $crate::Params<$t> for $model {
            $crate::impl_params!(@methods $t; $($field),*);
        }
    };
    (@methods $float:ty;) => {
        fn params(&self) -> Vec<(String, &$crate::Param<$float>)> {
            Vec::new()
        }
        fn params_mut(&mut self) -> Vec<(String, &mut $crate::Param<$float>)> {
            Vec::new()
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

/// Prefixes every name of `child` with `prefix.` (a bare parameter, whose
/// name is empty, takes `prefix` itself).
pub fn prefixed<'a, T: Float>(
    prefix: &str,
    child: Vec<(String, &'a Param<T>)>,
) -> Vec<(String, &'a Param<T>)> {
    child
        .into_iter()
        .map(|(n, p)| (join(prefix, &n), p))
        .collect()
}

/// Mutable version of [`prefixed`].
pub fn prefixed_mut<'a, T: Float>(
    prefix: &str,
    child: Vec<(String, &'a mut Param<T>)>,
) -> Vec<(String, &'a mut Param<T>)> {
    child
        .into_iter()
        .map(|(n, p)| (join(prefix, &n), p))
        .collect()
}

fn join(prefix: &str, name: &str) -> String {
    if name.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A parameter on its own: one entry with an empty name, which the field
/// or index holding it names.
impl<T: Float> Params<T> for Param<T> {
    fn params(&self) -> Vec<(String, &Param<T>)> {
        vec![(String::new(), self)]
    }
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
        vec![(String::new(), self)]
    }
}

/// An optional part: its parameters if present, none otherwise.
impl<T: Float, P: Params<T>> Params<T> for Option<P> {
    fn params(&self) -> Vec<(String, &Param<T>)> {
        self.as_ref().map(P::params).unwrap_or_default()
    }
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
        self.as_mut().map(P::params_mut).unwrap_or_default()
    }
}

/// A list of parts, named by index as in PyTorch's `nn.ModuleList`
/// (`"0.weight"`, `"1.weight"`, …).
impl<T: Float, P: Params<T>> Params<T> for Vec<P> {
    fn params(&self) -> Vec<(String, &Param<T>)> {
        let items = self.iter().enumerate();
        items
            .flat_map(|(i, p)| prefixed(&i.to_string(), p.params()))
            .collect()
    }
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
        let items = self.iter_mut().enumerate();
        items
            .flat_map(|(i, p)| prefixed_mut(&i.to_string(), p.params_mut()))
            .collect()
    }
}

/// A boxed part (such as a `Box<dyn Module<T>>`) has its contents' names.
impl<T: Float, P: Params<T> + ?Sized> Params<T> for Box<P> {
    fn params(&self) -> Vec<(String, &Param<T>)> {
        (**self).params()
    }
    fn params_mut(&mut self) -> Vec<(String, &mut Param<T>)> {
        (**self).params_mut()
    }
}
