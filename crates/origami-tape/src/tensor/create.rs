//! Constructors: constant fills, ranges, seeded random draws, dtype casts.

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

use super::Tensor;
use crate::buffer::Buffer;
use crate::error::TapeError;
use crate::float::Float;
use crate::shape::{checked_numel, shape_of};

impl<T: Float> Tensor<T> {
    /// A tensor of `shape` with every element `value`.
    ///
    /// # Panics
    /// If the element count of `shape` overflows `usize`.
    pub fn full(shape: &[usize], value: T) -> Self {
        let n = checked_numel("Tensor::full", shape).unwrap_or_else(|e| panic!("{e}"));
        Self::from_parts(shape_of(shape), Buffer::filled(value, n))
    }

    /// All zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, T::ZERO)
    }

    /// All ones.
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, T::ONE)
    }

    /// `0, 1, …, n-1` as a 1-d tensor.
    pub fn arange(n: usize) -> Self {
        Self::from_parts(shape_of(&[n]), (0..n).map(T::from_usize).collect())
    }

    /// `n` evenly spaced values from `start` to `end`, both included
    /// (`n == 1` gives `[start]`).
    pub fn linspace(start: T, end: T, n: usize) -> Self {
        let (a, b) = (start.to_f64(), end.to_f64());
        let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
        let data = (0..n)
            .map(|i| {
                T::from_f64(if i + 1 == n && n > 1 {
                    b
                } else {
                    a + step * i as f64
                })
            })
            .collect();
        Self::from_parts(shape_of(&[n]), data)
    }

    /// Independent normal draws with the given mean and standard deviation.
    ///
    /// # Errors
    /// [`TapeError::InvalidArgument`] if `std` is negative or either
    /// argument is not finite.
    pub fn randn(shape: &[usize], mean: T, std: T, rng: &mut impl Rng) -> Result<Self, TapeError> {
        let n = checked_numel("Tensor::randn", shape)?;
        let invalid = |why: &str| TapeError::InvalidArgument {
            op: "Tensor::randn",
            message: format!("mean {mean}, std {std}: {why}"),
        };
        if !(std >= T::ZERO && std.is_finite() && mean.is_finite()) {
            return Err(invalid("need a finite mean and a finite std >= 0"));
        }
        let normal =
            Normal::new(mean.to_f64(), std.to_f64()).map_err(|e| invalid(&e.to_string()))?;
        let data = (0..n).map(|_| T::from_f64(normal.sample(rng))).collect();
        Ok(Self::from_parts(shape_of(shape), data))
    }

    /// Independent uniform draws from `[low, high)`.
    ///
    /// # Errors
    /// [`TapeError::InvalidArgument`] unless `low < high`, both finite.
    pub fn rand_uniform(
        shape: &[usize],
        low: T,
        high: T,
        rng: &mut impl Rng,
    ) -> Result<Self, TapeError> {
        let n = checked_numel("Tensor::rand_uniform", shape)?;
        if !(low < high && low.is_finite() && high.is_finite()) {
            return Err(TapeError::InvalidArgument {
                op: "Tensor::rand_uniform",
                message: format!("need finite low < high, got [{low}, {high})"),
            });
        }
        let uniform = Uniform::new(low.to_f64(), high.to_f64()).expect("bounds checked above");
        let data = (0..n).map(|_| T::from_f64(uniform.sample(rng))).collect();
        Ok(Self::from_parts(shape_of(shape), data))
    }

    /// The same values in another element type (rounded to nearest).
    pub fn cast<U: Float>(&self) -> Tensor<U> {
        let data = self
            .data()
            .iter()
            .map(|&x| U::from_f64(x.to_f64()))
            .collect();
        Tensor::from_parts(shape_of(self.shape()), data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fills_ranges_and_casts() {
        assert_eq!(Tensor::<f32>::zeros(&[2, 0]).numel(), 0);
        assert_eq!(Tensor::<f64>::ones(&[]).item(), 1.0);
        assert_eq!(Tensor::<f32>::arange(3).data(), &[0.0, 1.0, 2.0]);
        assert_eq!(
            Tensor::<f64>::linspace(0.0, 1.0, 5).data(),
            &[0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(Tensor::<f64>::linspace(2.0, 3.0, 1).data(), &[2.0]);
        let t = Tensor::<f64>::from_vec(&[2], vec![0.1, 2.5]).unwrap();
        assert_eq!(t.cast::<f32>().data(), &[0.1f32, 2.5]);
    }

    #[test]
    fn seeded_draws_repeat_and_have_the_asked_moments() {
        let draw = |seed| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            Tensor::<f64>::randn(&[100, 100], 1.0, 2.0, &mut rng).unwrap()
        };
        let t = draw(7);
        assert_eq!(t, draw(7));
        let n = t.numel() as f64;
        let mean = t.data().iter().sum::<f64>() / n;
        let var = t.data().iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        assert!((mean - 1.0).abs() < 0.05 && (var.sqrt() - 2.0).abs() < 0.05);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let u = Tensor::<f32>::rand_uniform(&[1000], -1.0, 1.0, &mut rng).unwrap();
        assert!(u.data().iter().all(|&x| (-1.0..1.0).contains(&x)));
        assert!(Tensor::<f32>::rand_uniform(&[1], 1.0, 1.0, &mut rng).is_err());
        assert!(Tensor::<f32>::randn(&[1], 0.0, -1.0, &mut rng).is_err());
    }

    #[test]
    fn constructors_reject_overflowing_shapes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let huge = [usize::MAX, 2];
        assert!(matches!(
            Tensor::<f32>::from_vec(&huge, vec![]),
            Err(TapeError::Overflow { .. })
        ));
        assert!(Tensor::<f32>::randn(&huge, 0.0, 1.0, &mut rng).is_err());
    }
}
