//! Parameter groups: each parameter belongs to the group with the longest
//! name prefix it matches, and the group scales the learning rate and sets
//! the weight decay. Depth-descending rates (earlier layers faster, since
//! they receive weaker gradients) are one helper away.

use origami_nn::Params;
use origami_tape::Float;

/// Settings shared by the parameters whose names start with `prefix`.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Name prefix; `""` matches every parameter.
    pub prefix: String,
    /// Multiplies the optimizer's learning rate.
    pub lr_scale: f64,
    /// L2 penalty coefficient (decoupled for AdamW).
    pub weight_decay: f64,
}

impl Group {
    /// A group for `prefix` with rate scale `lr_scale` and no decay.
    pub fn new(prefix: impl Into<String>, lr_scale: f64) -> Self {
        Self {
            prefix: prefix.into(),
            lr_scale,
            weight_decay: 0.0,
        }
    }
}

/// An ordered set of groups; the default has one group matching all.
#[derive(Clone, Debug, PartialEq)]
pub struct Groups {
    groups: Vec<Group>,
}

impl Default for Groups {
    fn default() -> Self {
        Self {
            groups: vec![Group::new("", 1.0)],
        }
    }
}

impl Groups {
    /// One group for everything, with this weight decay.
    pub fn uniform(weight_decay: f64) -> Self {
        Self {
            groups: vec![Group {
                weight_decay,
                ..Group::new("", 1.0)
            }],
        }
    }

    /// Adds (or replaces) the group for `group.prefix`.
    pub fn with(mut self, group: Group) -> Self {
        self.groups.retain(|g| g.prefix != group.prefix);
        self.groups.push(group);
        self
    }

    /// The group that governs parameter `name`: the longest matching prefix.
    pub fn of(&self, name: &str) -> &Group {
        self.groups
            .iter()
            .filter(|g| name.starts_with(&g.prefix))
            .max_by_key(|g| g.prefix.len())
            .unwrap_or(&self.groups[0])
    }

    /// All groups, in the order they were added (a replaced group moves
    /// to the end).
    ///
    /// ```
    /// use origami_optim::{Group, Groups};
    /// let groups = Groups::default()
    ///     .with(Group::new("head.", 0.1))
    ///     .with(Group::new("", 2.0));
    /// let listed: Vec<(&str, f64)> =
    ///     groups.list().iter().map(|g| (g.prefix.as_str(), g.lr_scale)).collect();
    /// assert_eq!(listed, [("head.", 0.1), ("", 2.0)]);
    /// ```
    pub fn list(&self) -> &[Group] {
        &self.groups
    }

    /// Depth-descending rates: the `k`-th distinct top-level module of
    /// `model` (the first component of the dotted names, in order) gets
    /// scale `decay^k`, so with `decay < 1` earlier layers learn faster.
    ///
    /// ```
    /// use origami_nn::{mlp, Activation, Init};
    /// use origami_optim::Groups;
    /// use rand::SeedableRng;
    /// let net = mlp::<f32>(&[2, 4, 4, 1], Activation::Tanh, Init::LecunNormal,
    ///                      &mut rand::rngs::StdRng::seed_from_u64(0));
    /// let groups = Groups::depth_descending(&net, 0.5, 0.0);
    /// assert_eq!(groups.of("0.weight").lr_scale, 1.0);
    /// assert_eq!(groups.of("4.bias").lr_scale, 0.25);
    /// ```
    pub fn depth_descending<T: Float>(
        model: &impl Params<T>,
        decay: f64,
        weight_decay: f64,
    ) -> Self {
        let mut groups = Self::uniform(weight_decay);
        for (k, prefix) in model.modules().into_iter().enumerate() {
            let group = Group {
                prefix,
                lr_scale: decay.powi(k as i32),
                weight_decay,
            };
            groups = groups.with(group);
        }
        groups
    }

    /// One group per entry of `scales` (name prefix → rate scale), e.g.
    /// from measured curvature: `scale = 1 / λ_max` of each layer.
    pub fn from_scales(scales: &[(String, f64)], weight_decay: f64) -> Self {
        scales
            .iter()
            .fold(Self::uniform(weight_decay), |g, (prefix, s)| {
                g.with(Group {
                    prefix: prefix.clone(),
                    lr_scale: *s,
                    weight_decay,
                })
            })
    }
}
