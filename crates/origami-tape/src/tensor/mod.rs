//! `Tensor<T>`: an owned, contiguous, row-major n-d array.
//!
//! The buffer (64-byte aligned, see `buffer`) sits behind an `Arc`, so
//! cloning a tensor (binding it to a tape, saving it for backward) is a
//! reference-count bump; writing through [`Tensor::data_mut`] copies only
//! if the buffer is shared.

mod create;
mod display;

use std::sync::Arc;

use crate::buffer::Buffer;
use crate::error::TapeError;
use crate::float::Float;
use crate::kernels::wide::widest;
use crate::shape::{Shape, checked_numel, shape_of};

/// An n-d array of `f32` or `f64`, row-major, any rank (0-d is a scalar).
#[derive(Clone, PartialEq)]
pub struct Tensor<T> {
    shape: Shape,
    data: Arc<Buffer<T>>,
}

impl<T: Float> Tensor<T> {
    /// A tensor with `shape` over `data` (row-major). The elements are
    /// copied once into a 64-byte aligned buffer.
    ///
    /// # Errors
    /// [`TapeError::LengthMismatch`] if `data.len()` differs from the element
    /// count of `shape`; [`TapeError::Overflow`] if that count overflows.
    ///
    /// ```
    /// use origami_tape::Tensor;
    /// let t = Tensor::from_vec(&[2, 2], vec![1.0f32, 2.0, 3.0, 4.0])?;
    /// assert_eq!(t.shape(), &[2, 2]);
    /// assert!(Tensor::from_vec(&[3], vec![1.0f32]).is_err());
    /// # Ok::<(), origami_tape::TapeError>(())
    /// ```
    pub fn from_vec(shape: &[usize], data: Vec<T>) -> Result<Self, TapeError> {
        let expected = checked_numel("Tensor::from_vec", shape)?;
        if expected != data.len() {
            return Err(TapeError::LengthMismatch {
                op: "Tensor::from_vec",
                shape: shape_of(shape),
                expected,
                got: data.len(),
            });
        }
        Ok(Self::from_parts(shape_of(shape), Buffer::from(data)))
    }

    /// Internal constructor for kernels whose output length is known right.
    pub(crate) fn from_parts(shape: Shape, data: Buffer<T>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Self {
            shape,
            data: Arc::new(data),
        }
    }

    /// A 0-d tensor holding `value`.
    pub fn scalar(value: T) -> Self {
        Self::from_parts(Shape::new(), Buffer::filled(value, 1))
    }

    /// The dimensions, outermost first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// The elements in row-major order.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Mutable access to the elements; copies the buffer first if another
    /// tensor (or a tape) shares it.
    pub fn data_mut(&mut self) -> &mut [T] {
        Arc::make_mut(&mut self.data).as_mut()
    }

    /// The elements as an owned vector (a copy).
    pub fn into_vec(self) -> Vec<T> {
        self.data.to_vec()
    }

    /// The single element of a tensor with one element (any rank).
    ///
    /// # Panics
    /// If the tensor does not hold exactly one element.
    pub fn item(&self) -> T {
        assert_eq!(
            self.numel(),
            1,
            "item: tensor of shape {:?} has {} elements, not 1",
            self.shape,
            self.numel()
        );
        self.data[0]
    }

    /// The same elements under a new shape with the same element count.
    ///
    /// # Errors
    /// [`TapeError::ShapeMismatch`] if the element counts differ.
    pub fn try_reshape(&self, shape: &[usize]) -> Result<Self, TapeError> {
        if checked_numel("reshape", shape)? != self.numel() {
            return Err(TapeError::ShapeMismatch {
                op: "reshape",
                left: self.shape.clone(),
                right: shape_of(shape),
            });
        }
        Ok(Self {
            shape: shape_of(shape),
            data: Arc::clone(&self.data),
        })
    }

    /// Like [`Tensor::try_reshape`], panicking on a count mismatch.
    pub fn reshape(&self, shape: &[usize]) -> Self {
        self.try_reshape(shape).unwrap_or_else(|e| panic!("{e}"))
    }

    /// True if the buffer is the same allocation as `other`'s (no copy made).
    pub fn shares_buffer(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// Applies `f` to every element, giving a new tensor of the same shape.
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        let data = widest(|| self.data.iter().map(|&x| f(x)).collect());
        Self::from_parts(self.shape.clone(), data)
    }

    /// The position of the largest element along `axis`, for every position
    /// of the other axes in row-major order (the first one among ties; a
    /// NaN counts as largest, as in PyTorch). Not differentiable: read it
    /// from a value, e.g. `logits.value().argmax(1)` for predicted classes.
    ///
    /// ```
    /// # use origami_tape::Tensor;
    /// let x = Tensor::from_vec(&[2, 3], vec![0.1f32, 0.7, 0.2, 0.5, 0.5, -1.0]).unwrap();
    /// assert_eq!(x.argmax(1), [1, 0]);
    /// assert_eq!(x.argmax(0), [1, 0, 0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or has size 0.
    pub fn argmax(&self, axis: usize) -> Vec<usize> {
        let size = *self
            .shape
            .get(axis)
            .unwrap_or_else(|| panic!("argmax: axis {axis} out of range for {:?}", self.shape));
        assert!(size > 0, "argmax: axis {axis} of {:?} is empty", self.shape);
        let inner: usize = self.shape[axis + 1..].iter().product();
        let outer = self.numel() / (size * inner);
        let mut out = Vec::with_capacity(outer * inner);
        for o in 0..outer {
            for i in 0..inner {
                let at = |k: usize| self.data[(o * size + k) * inner + i];
                let mut best = 0;
                for k in 1..size {
                    let (v, b) = (at(k), at(best));
                    if !b.is_nan() && (v > b || v.is_nan()) {
                        best = k;
                    }
                }
                out.push(best);
            }
        }
        out
    }

    /// The sum of the squared elements, accumulated in f64 (in 32 running
    /// sums, so the additions overlap rather than wait on each other): the
    /// squared L2 norm.
    ///
    /// ```
    /// # use origami_tape::Tensor;
    /// let x = Tensor::from_vec(&[2], vec![3.0f32, 4.0]).unwrap();
    /// assert_eq!(x.squared_norm(), 25.0);
    /// ```
    pub fn squared_norm(&self) -> f64 {
        let mut lanes = [0.0f64; 32];
        let chunks = self.data.chunks_exact(32);
        let rest = chunks.remainder();
        widest(|| {
            for chunk in chunks {
                for (lane, &x) in lanes.iter_mut().zip(chunk) {
                    *lane += x.to_f64() * x.to_f64();
                }
            }
        });
        for (lane, &x) in lanes.iter_mut().zip(rest) {
            *lane += x.to_f64() * x.to_f64();
        }
        lanes.iter().sum()
    }

    /// Largest absolute element-wise difference to `other` (same shape), as f64.
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn max_abs_diff(&self, other: &Self) -> f64 {
        assert_eq!(self.shape, other.shape, "max_abs_diff: shapes differ");
        self.data
            .iter()
            .zip(other.data.iter())
            .map(|(&a, &b)| (a.to_f64() - b.to_f64()).abs())
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::Tensor;

    #[test]
    fn squared_norm_is_the_plain_sum_of_squares_for_every_remainder() {
        for n in 0..=70 {
            let data: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin() * 3.0).collect();
            let plain: f64 = data.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
            let t = Tensor::from_vec(&[n], data).unwrap();
            let got = t.squared_norm();
            assert!(
                (got - plain).abs() <= 1e-12 * plain.max(1.0),
                "n = {n}: {got} vs {plain}"
            );
        }
    }
}
