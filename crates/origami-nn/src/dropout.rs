//! `Dropout`: during training, each element is zeroed with probability
//! `p` and the survivors are scaled by `1 / (1 - p)`, so evaluation is the
//! identity and needs no call at all. The random mask is a constant of the
//! tape, so the gradient flows only through the kept elements.

use rand::{Rng, RngExt};

use origami_tape::{Float, Tensor, Var};

use crate::error::NnError;

/// Inverted dropout with drop probability `p`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    p: f64,
}

impl Dropout {
    /// Dropout with drop probability `p`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] unless `0 <= p < 1`.
    pub fn new(p: f64) -> Result<Self, NnError> {
        if (0.0..1.0).contains(&p) {
            Ok(Self { p })
        } else {
            Err(NnError::InvalidArgument {
                message: format!("dropout probability {p} is not in [0, 1)"),
            })
        }
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// `x` with a fresh random mask drawn from `rng` (training only; at
    /// evaluation leave `x` as it is).
    ///
    /// ```
    /// use origami_nn::Dropout;
    /// use origami_tape::{Tape, Tensor};
    /// use rand::SeedableRng;
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::<f32>::ones(&[1000]));
    /// let y = Dropout::new(0.5)?.train(x, &mut rand::rngs::StdRng::seed_from_u64(0));
    /// let kept = y.value().data().iter().filter(|&&v| v == 2.0).count();
    /// assert!((400..600).contains(&kept));
    /// # Ok::<(), origami_nn::NnError>(())
    /// ```
    pub fn train<'t, T: Float>(&self, x: Var<'t, T>, rng: &mut impl Rng) -> Var<'t, T> {
        if self.p == 0.0 {
            return x;
        }
        let keep = T::from_f64(1.0 / (1.0 - self.p));
        let shape = x.shape();
        let n = shape.iter().product();
        let mask: Vec<T> = (0..n)
            .map(|_| {
                if rng.random_bool(self.p) {
                    T::ZERO
                } else {
                    keep
                }
            })
            .collect();
        let mask = Tensor::from_vec(&shape, mask).expect("one mask entry per element");
        x * x.tape().constant(mask)
    }
}
