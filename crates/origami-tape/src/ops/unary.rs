//! Element-wise unary ops: `y = f(x)` and `dx = g · f'(x)`.
//!
//! Smooth ops write `f'` with differentiable ops (through `y` where that is
//! cheaper: `exp' = y`, `tanh' = 1 - y²`, `sigmoid' = y(1 - y)`), so a
//! second backward differentiates it. Piecewise-linear ops (relu, leaky
//! relu, abs, clamp) multiply by their slope, a constant: their second
//! derivative is zero away from the kinks. `sign` is flat between its
//! jumps: its gradient is zero.

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::ops::{Binary, Op};
use crate::tape::Var;
use crate::tensor::Tensor;

/// A transcendental kernel over whole slices.
type SliceKernel<T> = fn(&[T], &mut [T]);

#[derive(Clone, Copy, Debug)]
pub(crate) enum Unary<T> {
    Neg,
    Exp,
    Log,
    Tanh,
    Sigmoid,
    Relu,
    LeakyRelu(T),
    Softplus,
    Sqrt,
    Abs,
    Square,
    Powf(T),
    Clamp(T, T),
    AddScalar(T),
    MulScalar(T),
    Sin,
    Cos,
    Log1p,
    Expm1,
    Sign,
}

impl<T: Float> Unary<T> {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Unary::Neg => "neg",
            Unary::Exp => "exp",
            Unary::Log => "log",
            Unary::Tanh => "tanh",
            Unary::Sigmoid => "sigmoid",
            Unary::Relu => "relu",
            Unary::LeakyRelu(_) => "leaky_relu",
            Unary::Softplus => "softplus",
            Unary::Sqrt => "sqrt",
            Unary::Abs => "abs",
            Unary::Square => "square",
            Unary::Powf(_) => "powf",
            Unary::Clamp(..) => "clamp",
            Unary::AddScalar(_) => "add_scalar",
            Unary::MulScalar(_) => "mul_scalar",
            Unary::Sin => "sin",
            Unary::Cos => "cos",
            Unary::Log1p => "log1p",
            Unary::Expm1 => "expm1",
            Unary::Sign => "sign",
        }
    }

    pub(crate) fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
        let slice_op: Option<SliceKernel<T>> = match self {
            Unary::Exp => Some(T::exp_slice),
            Unary::Log => Some(T::ln_slice),
            Unary::Tanh => Some(T::tanh_slice),
            Unary::Sigmoid => Some(T::sigmoid_slice),
            _ => None,
        };
        if let Some(f) = slice_op {
            let mut out = Buffer::filled(T::ZERO, x.numel());
            f(x.data(), &mut out);
            return Tensor::from_parts(x.shape().into(), out);
        }
        match *self {
            Unary::Neg => x.map(|v| -v),
            Unary::Relu => x.map(|v| if v > T::ZERO { v } else { T::ZERO }),
            Unary::LeakyRelu(a) => x.map(|v| if v > T::ZERO { v } else { a * v }),
            Unary::Softplus => x.map(softplus),
            Unary::Sqrt => x.map(T::sqrt),
            Unary::Abs => x.map(T::abs),
            Unary::Square => x.map(|v| v * v),
            Unary::Powf(p) => x.map(|v| v.powf(p)),
            Unary::Clamp(lo, hi) => x.map(|v| {
                if v < lo {
                    lo
                } else if v > hi {
                    hi
                } else {
                    v
                }
            }),
            Unary::AddScalar(c) => x.map(|v| v + c),
            Unary::MulScalar(c) => x.map(|v| v * c),
            Unary::Sin => x.map(T::sin),
            Unary::Cos => x.map(T::cos),
            Unary::Log1p => x.map(T::ln_1p),
            Unary::Expm1 => x.map(T::exp_m1),
            Unary::Sign => x.map(|v| {
                if v > T::ZERO {
                    T::ONE
                } else if v < T::ZERO {
                    -T::ONE
                } else {
                    v
                }
            }),
            Unary::Exp | Unary::Log | Unary::Tanh | Unary::Sigmoid => unreachable!(),
        }
    }

    pub(crate) fn backward<A: Algebra<T>>(&self, x: &A, y: &A, g: &A) -> A {
        match *self {
            Unary::Neg => g.mul_scalar(-T::ONE),
            Unary::Exp => g.mul(y),
            Unary::Log => g.div(x),
            Unary::Tanh => y.apply(Op::Binary(Binary::TanhGrad), &[g]),
            Unary::Sigmoid => y.apply(Op::Binary(Binary::SigmoidGrad), &[g]),
            Unary::Softplus => g.mul(&x.unary(Unary::Sigmoid)),
            Unary::Sqrt => g.div(y).mul_scalar(T::from_f64(0.5)),
            Unary::Square => g.mul(x).mul_scalar(T::from_f64(2.0)),
            Unary::Powf(p) => g.mul(&x.unary(Unary::Powf(p - T::ONE))).mul_scalar(p),
            Unary::AddScalar(_) => g.clone(),
            Unary::MulScalar(c) => g.mul_scalar(c),
            Unary::Sin => g.mul(&x.unary(Unary::Cos)),
            Unary::Cos => g.mul(&x.unary(Unary::Sin)).mul_scalar(-T::ONE),
            Unary::Log1p => g.div(&x.unary(Unary::AddScalar(T::ONE))),
            Unary::Expm1 => g.mul(&y.unary(Unary::AddScalar(T::ONE))),
            // Flat between the jumps: no gradient (PyTorch's convention).
            Unary::Sign => g.mul_scalar(T::ZERO),
            Unary::Relu => g.mul_slope(&x.value(), |v| if v > T::ZERO { T::ONE } else { T::ZERO }),
            Unary::LeakyRelu(a) => {
                g.mul_slope(&x.value(), |v| if v > T::ZERO { T::ONE } else { a })
            }
            Unary::Abs => g.mul_slope(&x.value(), |v| {
                if v > T::ZERO {
                    T::ONE
                } else if v < T::ZERO {
                    -T::ONE
                } else {
                    T::ZERO
                }
            }),
            Unary::Clamp(lo, hi) => g.mul_slope(&x.value(), |v| {
                if v >= lo && v <= hi { T::ONE } else { T::ZERO }
            }),
        }
    }
}

/// `ln(1 + e^x)` without overflow: `max(x, 0) + ln(1 + e^-|x|)`.
fn softplus<T: Float>(x: T) -> T {
    let pos = if x > T::ZERO { x } else { T::ZERO };
    pos + (-x.abs()).exp().ln_1p()
}

impl<'t, T: Float> Var<'t, T> {
    #[track_caller]
    fn unary(self, u: Unary<T>) -> Self {
        self.apply(Op::Unary(u), &[])
    }

    /// `e^x`; derivative `e^x`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::scalar(0.0));
    /// assert_eq!(x.exp().value().item(), 1.0);
    /// ```
    #[track_caller]
    pub fn exp(self) -> Self {
        self.unary(Unary::Exp)
    }

    /// Natural logarithm; derivative `1/x`. Gives NaN for `x < 0`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(1.0)).log().value().item(), 0.0);
    /// ```
    #[track_caller]
    pub fn log(self) -> Self {
        self.unary(Unary::Log)
    }

    /// Hyperbolic tangent; derivative `1 - tanh²(x)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// assert_eq!(tape.var(Tensor::scalar(0.0)).tanh().value().item(), 0.0);
    /// ```
    #[track_caller]
    pub fn tanh(self) -> Self {
        self.unary(Unary::Tanh)
    }

    /// Logistic sigmoid `1 / (1 + e^-x)`; derivative `σ(x)(1 - σ(x))`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// assert_eq!(tape.var(Tensor::scalar(0.0)).sigmoid().value().item(), 0.5);
    /// ```
    #[track_caller]
    pub fn sigmoid(self) -> Self {
        self.unary(Unary::Sigmoid)
    }

    /// `max(x, 0)`; derivative 1 for `x > 0`, else 0 (0 at the kink).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![-1.0, 2.0]).unwrap());
    /// assert_eq!(x.relu().value().data(), &[0.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn relu(self) -> Self {
        self.unary(Unary::Relu)
    }

    /// `x` for `x > 0`, else `slope · x`; derivative 1 or `slope`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![-1.0, 2.0]).unwrap());
    /// assert_eq!(x.leaky_relu(0.5).value().data(), &[-0.5, 2.0]);
    /// ```
    #[track_caller]
    pub fn leaky_relu(self, slope: T) -> Self {
        self.unary(Unary::LeakyRelu(slope))
    }

    /// `ln(1 + e^x)`, computed without overflow; derivative `σ(x)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(1000.0)).softplus().value().item(), 1000.0);
    /// ```
    #[track_caller]
    pub fn softplus(self) -> Self {
        self.unary(Unary::Softplus)
    }

    /// Square root; derivative `1 / (2√x)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(9.0)).sqrt().value().item(), 3.0);
    /// ```
    #[track_caller]
    pub fn sqrt(self) -> Self {
        self.unary(Unary::Sqrt)
    }

    /// `|x|`; derivative `sign(x)` (0 at 0).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(-2.0)).abs().value().item(), 2.0);
    /// ```
    #[track_caller]
    pub fn abs(self) -> Self {
        self.unary(Unary::Abs)
    }

    /// `x²`; derivative `2x`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(-3.0)).square().value().item(), 9.0);
    /// ```
    #[track_caller]
    pub fn square(self) -> Self {
        self.unary(Unary::Square)
    }

    /// `x^p` for a constant real `p`; derivative `p · x^(p-1)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(4.0)).powf(1.5).value().item(), 8.0);
    /// ```
    #[track_caller]
    pub fn powf(self, p: T) -> Self {
        self.unary(Unary::Powf(p))
    }

    /// Limits values to `[lo, hi]`; derivative 1 inside (edges included),
    /// 0 outside.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[3], vec![-2.0, 0.5, 2.0]).unwrap());
    /// assert_eq!(x.clamp(-1.0, 1.0).value().data(), &[-1.0, 0.5, 1.0]);
    /// ```
    #[track_caller]
    pub fn clamp(self, lo: T, hi: T) -> Self {
        assert!(lo <= hi, "clamp: lo {lo} is above hi {hi}");
        self.unary(Unary::Clamp(lo, hi))
    }

    /// `x + c` for a scalar `c` (also written `x + c`).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// assert_eq!(tape.var(Tensor::scalar(1.0)).add_scalar(2.0).value().item(), 3.0);
    /// ```
    #[track_caller]
    pub fn add_scalar(self, c: T) -> Self {
        self.unary(Unary::AddScalar(c))
    }

    /// `c · x` for a scalar `c` (also written `x * c`).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// assert_eq!(tape.var(Tensor::scalar(1.5)).mul_scalar(2.0).value().item(), 3.0);
    /// ```
    #[track_caller]
    pub fn mul_scalar(self, c: T) -> Self {
        self.unary(Unary::MulScalar(c))
    }

    /// Sine, element-wise (radians); `sin' = cos`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![0.0, std::f64::consts::FRAC_PI_2]).unwrap());
    /// assert_eq!(x.sin().value().data(), &[0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn sin(self) -> Self {
        self.unary(Unary::Sin)
    }

    /// Cosine, element-wise (radians); `cos' = −sin`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(0.0)).cos().value().item(), 1.0);
    /// ```
    #[track_caller]
    pub fn cos(self) -> Self {
        self.unary(Unary::Cos)
    }

    /// `ln(1 + x)`, accurate for small `x`; `d/dx = 1/(1 + x)`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(1e-20)).log1p().value().item(), 1e-20);
    /// ```
    #[track_caller]
    pub fn log1p(self) -> Self {
        self.unary(Unary::Log1p)
    }

    /// `e^x − 1`, accurate for small `x`; `d/dx = e^x`.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(1e-20)).expm1().value().item(), 1e-20);
    /// ```
    #[track_caller]
    pub fn expm1(self) -> Self {
        self.unary(Unary::Expm1)
    }

    /// −1, 0 or 1 by the sign of each element (NaN stays NaN). Its
    /// gradient is zero everywhere, as in PyTorch.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::from_vec(&[3], vec![-2.0, 0.0, 0.5]).unwrap());
    /// assert_eq!(x.sign().value().data(), &[-1.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn sign(self) -> Self {
        self.unary(Unary::Sign)
    }
}

impl<'t, T: Float> std::ops::Neg for Var<'t, T> {
    type Output = Self;
    #[track_caller]
    fn neg(self) -> Self {
        self.unary(Unary::Neg)
    }
}
