//! Ops built from other ops: `silu`, `gelu_tanh`, `pow`, `maximum` /
//! `minimum`, `min`, `amax` / `amin` over several axes, `var` / `std`, the
//! keepdim forms of these reductions, `pad`. Each records the composition it is
//! defined by, so its gradient, its second derivative and its tangent come
//! from the parts' rules, exactly, with no rule of its own to prove.

use crate::float::Float;
use crate::ops::reduce::{check_axes, highest_first};
use crate::shape::broadcast_shapes;
use crate::tape::Var;

impl<'t, T: Float> Var<'t, T> {
    /// `x · sigmoid(x)` (also called swish), element-wise.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let y = tape.var(Tensor::from_vec(&[2], vec![0.0, 2.0]).unwrap()).silu();
    /// assert_eq!(y.value().data(), &[0.0, 2.0 / (1.0 + (-2.0f64).exp())]);
    /// ```
    #[track_caller]
    pub fn silu(self) -> Self {
        self * self.sigmoid()
    }

    /// GELU in its tanh form (PyTorch's `gelu(x, approximate="tanh")`):
    /// `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`, element-wise.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let y = tape.var(Tensor::from_vec(&[3], vec![-10.0, 0.0, 10.0]).unwrap()).gelu_tanh();
    /// assert_eq!(y.value().data(), &[0.0, 0.0, 10.0]);
    /// ```
    #[track_caller]
    pub fn gelu_tanh(self) -> Self {
        let scale = T::from_f64((2.0 / std::f64::consts::PI).sqrt());
        let inner = (self + self * self * self * T::from_f64(0.044715)) * scale;
        self * (inner.tanh() + T::ONE) * T::from_f64(0.5)
    }

    /// `self` raised to the power `exponent`, element-wise with NumPy
    /// broadcasting, as `e^(exponent · ln self)`: for positive bases (a
    /// negative base gives NaN; for a constant exponent use
    /// [`Var::powf`], which takes any base). Differentiable in both.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![4.0, 2.0]).unwrap());
    /// let p = tape.var(Tensor::from_vec(&[2], vec![0.5, 3.0]).unwrap());
    /// let y = x.pow(p);
    /// assert!((y.value().data()[0] - 2.0).abs() < 1e-15 && (y.value().data()[1] - 8.0).abs() < 1e-14);
    /// ```
    #[track_caller]
    pub fn pow(self, exponent: Self) -> Self {
        (exponent * self.log()).exp()
    }

    /// The larger of `self` and `other` element-wise, with NumPy
    /// broadcasting. Where they are equal each gets half the gradient, as
    /// in PyTorch.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.var(Tensor::from_vec(&[3], vec![1.0, 5.0, 2.0]).unwrap());
    /// let b = tape.var(Tensor::scalar(2.0));
    /// let y = a.maximum(b);
    /// assert_eq!(y.value().data(), &[2.0, 5.0, 2.0]);
    /// let g = tape.grad(&[y.sum_all()], &[a, b], false);
    /// assert_eq!((g[0].value().data(), g[1].value().item()), (&[0.0, 1.0, 0.5][..], 1.5));
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn maximum(self, other: Self) -> Self {
        self.pick(other, "maximum", |a, b| a > b)
    }

    /// The smaller of `self` and `other` element-wise, with NumPy
    /// broadcasting; ties share the gradient as in [`Var::maximum`].
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::from_vec(&[3], vec![1.0, 5.0, 2.0]).unwrap());
    /// let b = tape.var(Tensor::scalar(2.0));
    /// assert_eq!(a.minimum(b).value().data(), &[1.0, 2.0, 2.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast.
    #[track_caller]
    pub fn minimum(self, other: Self) -> Self {
        self.pick(other, "minimum", |a, b| a < b)
    }

    /// `self` where `wins(self, other)`, `other` where `wins(other, self)`,
    /// and their mean where neither (a tie), over the broadcast shape.
    #[track_caller]
    fn pick(self, other: Self, op: &str, wins: fn(T, T) -> bool) -> Self {
        let shape = broadcast_shapes(&self.shape(), &other.shape()).unwrap_or_else(|| {
            panic!(
                "{op}: shapes {:?} and {:?} do not broadcast",
                self.shape(),
                other.shape()
            )
        });
        let (a, b) = (self.broadcast_to(&shape), other.broadcast_to(&shape));
        let (av, bv) = (a.value(), b.value());
        let pairs = || av.data().iter().zip(bv.data());
        let first: Vec<bool> = pairs().map(|(&x, &y)| wins(x, y)).collect();
        let second: Vec<bool> = pairs().map(|(&x, &y)| wins(y, x)).collect();
        let tie = (a + b) * T::from_f64(0.5);
        Var::where_cond(&first, a, Var::where_cond(&second, b, tie))
    }

    /// Minimum along `axis` (the axis removed); the gradient goes to the
    /// smallest element, as [`Var::max`]'s goes to the largest.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 5.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.min(1).value().data(), &[1.0, 3.0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or has size 0.
    #[track_caller]
    pub fn min(self, axis: usize) -> Self {
        -(-self).max(axis)
    }

    /// Minimum along `axis`, keeping it as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 5.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.min_keepdim(0).value().data(), &[1.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn min_keepdim(self, axis: usize) -> Self {
        -(-self).max_keepdim(axis)
    }

    /// Maximum over several `axes`, removing them (PyTorch's `amax`): the
    /// maximum over each in turn; the gradient goes to the largest element.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2, 2], (0..8).map(|i| i as f32).collect()).unwrap());
    /// assert_eq!(x.amax(&[0, 2]).value().data(), &[5.0, 7.0]);
    /// ```
    ///
    /// # Panics
    /// If an axis is out of range, listed twice, or of size 0.
    #[track_caller]
    pub fn amax(self, axes: &[usize]) -> Self {
        check_axes("amax", &self.shape(), axes);
        highest_first(axes)
            .into_iter()
            .fold(self, |x, axis| x.max(axis))
    }

    /// Minimum over several `axes`, removing them (PyTorch's `amin`).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![3.0, 1.0, 4.0, 2.0]).unwrap());
    /// assert_eq!(x.amin(&[0, 1]).value().item(), 1.0);
    /// ```
    #[track_caller]
    pub fn amin(self, axes: &[usize]) -> Self {
        -(-self).amax(axes)
    }

    /// [`Var::amax`] keeping the reduced axes as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2, 2], (0..8).map(|i| i as f32).collect()).unwrap());
    /// assert_eq!(x.amax_keepdim(&[0, 2]).shape().as_slice(), &[1, 2, 1]);
    /// ```
    #[track_caller]
    pub fn amax_keepdim(self, axes: &[usize]) -> Self {
        let kept = kept_shape(&self.shape(), axes);
        self.amax(axes).reshape(&kept)
    }

    /// [`Var::amin`] keeping the reduced axes as size 1.
    #[track_caller]
    pub fn amin_keepdim(self, axes: &[usize]) -> Self {
        let kept = kept_shape(&self.shape(), axes);
        self.amin(axes).reshape(&kept)
    }

    /// `before` elements of `value` prepended and `after` appended along
    /// `axis` (PyTorch's constant `pad` for one axis).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::ones(&[2]));
    /// assert_eq!(x.pad(0, 1, 2, 0.0).value().data(), &[0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range.
    #[track_caller]
    pub fn pad(self, axis: usize, before: usize, after: usize, value: T) -> Self {
        let shape = self.shape();
        assert!(
            axis < shape.len(),
            "pad: axis {axis} out of range for {shape:?}"
        );
        let filled = |len: usize| {
            let mut s = shape.clone();
            s[axis] = len;
            self.tape().constant(crate::tensor::Tensor::full(&s, value))
        };
        Var::concat(&[filled(before), self, filled(after)], axis)
    }

    /// Variance over `axes`: the mean squared deviation from the mean,
    /// divided by `n − correction` (`correction` 1: the unbiased estimate,
    /// PyTorch's default; 0: the population variance).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[4], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// assert_eq!(x.var(&[0], 0).value().item(), 1.25);
    /// assert_eq!(x.var(&[0], 1).value().item(), 5.0 / 3.0);
    /// ```
    ///
    /// # Panics
    /// If an axis is out of range or repeated, or `correction` is not below
    /// the number of elements reduced.
    #[track_caller]
    pub fn var(self, axes: &[usize], correction: usize) -> Self {
        let shape = self.shape();
        let deviation = self - self.mean_keepdim(axes);
        let n: usize = axes.iter().map(|&a| shape[a]).product();
        assert!(
            correction < n,
            "var: correction {correction} leaves no degrees of freedom over {n} elements"
        );
        deviation.square().sum(axes) / T::from_usize(n - correction)
    }

    /// Standard deviation over `axes`: the square root of
    /// [`Var::var`]`(axes, correction)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 3.0, 2.0, 2.0]).unwrap());
    /// assert_eq!(x.std(&[1], 0).value().data(), &[1.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn std(self, axes: &[usize], correction: usize) -> Self {
        self.var(axes, correction).sqrt()
    }

    /// [`Var::var`] keeping the reduced axes as size 1.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 3.0, 2.0, 2.0]).unwrap());
    /// assert_eq!(x.var_keepdim(&[1], 0).shape().as_slice(), &[2, 1]);
    /// ```
    #[track_caller]
    pub fn var_keepdim(self, axes: &[usize], correction: usize) -> Self {
        let kept = kept_shape(&self.shape(), axes);
        self.var(axes, correction).reshape(&kept)
    }

    /// [`Var::std`] keeping the reduced axes as size 1.
    #[track_caller]
    pub fn std_keepdim(self, axes: &[usize], correction: usize) -> Self {
        let kept = kept_shape(&self.shape(), axes);
        self.std(axes, correction).reshape(&kept)
    }
}

/// `shape` with every axis in `axes` set to 1 (the reductions' keepdim).
fn kept_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    let reduced = |a: usize| axes.contains(&a);
    (0..shape.len())
        .map(|a| if reduced(a) { 1 } else { shape[a] })
        .collect()
}
