//! Element-wise binary ops with NumPy broadcasting: `+ - * /`, and the two
//! fused backward kernels of tanh and sigmoid (themselves differentiable).
//!
//! Partials: `d(a+b) = (g, g)`, `d(a-b) = (g, -g)`, `d(ab) = (g·b, g·a)`,
//! `d(a/b) = (g/b, -g·y/b)` with `y = a/b`; each is then summed over the
//! axes that broadcasting stretched (`sum_to`).
//! `tanh_grad(y, g) = g(1 - y²)` has partials `(-2·g·y·h, (1 - y²)·h)` for
//! an incoming `h`; `sigmoid_grad(y, g) = g·y(1 - y)` has `(g(1 - 2y)·h, y(1 - y)·h)`.

use std::mem::MaybeUninit;

use crate::algebra::Algebra;
use crate::buffer::Buffer;
use crate::float::Float;
use crate::kernels::wide::widest;
use crate::ops::{InputGrads, Op, Unary};
use crate::shape::{broadcast_shapes, broadcast_strides, for_each_row};
use crate::tape::Var;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    TanhGrad,
    SigmoidGrad,
}

impl Binary {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Binary::Add => "add",
            Binary::Sub => "sub",
            Binary::Mul => "mul",
            Binary::Div => "div",
            Binary::TanhGrad => "tanh_grad",
            Binary::SigmoidGrad => "sigmoid_grad",
        }
    }

    pub(crate) fn forward<T: Float>(&self, a: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
        match self {
            Binary::Add => zip_broadcast(self.name(), a, b, |x, y| x + y),
            Binary::Sub => zip_broadcast(self.name(), a, b, |x, y| x - y),
            Binary::Mul => zip_broadcast(self.name(), a, b, |x, y| x * y),
            Binary::Div => zip_broadcast(self.name(), a, b, |x, y| x / y),
            Binary::TanhGrad => zip_broadcast(self.name(), a, b, |y, g| g * (T::ONE - y * y)),
            Binary::SigmoidGrad => zip_broadcast(self.name(), a, b, |y, g| g * y * (T::ONE - y)),
        }
    }

    pub(crate) fn backward<T: Float, A: Algebra<T>>(
        &self,
        a: &A,
        b: &A,
        y: &A,
        g: &A,
        need: &[bool],
    ) -> InputGrads<A> {
        let (sa, sb) = (a.shape(), b.shape());
        let da = |f: &dyn Fn() -> A| need[0].then(|| f().sum_to(&sa));
        let db = |f: &dyn Fn() -> A| need[1].then(|| f().sum_to(&sb));
        match self {
            Binary::Add => smallvec::smallvec![da(&|| g.clone()), db(&|| g.clone())],
            Binary::Sub => smallvec::smallvec![da(&|| g.clone()), db(&|| g.mul_scalar(-T::ONE))],
            Binary::Mul => smallvec::smallvec![da(&|| g.mul(b)), db(&|| g.mul(a))],
            Binary::Div => {
                smallvec::smallvec![
                    da(&|| g.div(b)),
                    db(&|| g.mul(y).div(b).mul_scalar(-T::ONE))
                ]
            }
            // a = y (the tanh output), b = the incoming gradient.
            Binary::TanhGrad => smallvec::smallvec![
                da(&|| g.mul(b).mul(a).mul_scalar(T::from_f64(-2.0))),
                db(&|| a.apply(Op::Binary(Binary::TanhGrad), &[g]))
            ],
            Binary::SigmoidGrad => smallvec::smallvec![
                da(&|| g.mul(b).mul(
                    &a.mul_scalar(T::from_f64(-2.0))
                        .unary(Unary::AddScalar(T::ONE))
                )),
                db(&|| a.apply(Op::Binary(Binary::SigmoidGrad), &[g]))
            ],
        }
    }
}

/// `f(a, b)` element-wise over the broadcast of the two shapes.
///
/// # Panics
/// If the shapes do not broadcast; the message names `op` and both shapes.
pub(crate) fn zip_broadcast<T: Float>(
    op: &str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    widest(
        #[inline(always)]
        || zip_broadcast_here(op, a, b, f),
    )
}

/// [`zip_broadcast`] at the vector width it is compiled for.
#[inline(always)]
fn zip_broadcast_here<T: Float>(
    op: &str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: impl Fn(T, T) -> T,
) -> Tensor<T> {
    if a.shape() == b.shape() {
        let data = a
            .data()
            .iter()
            .zip(b.data())
            .map(|(&x, &y)| f(x, y))
            .collect();
        return Tensor::from_parts(a.shape().into(), data);
    }
    let shape = broadcast_shapes(a.shape(), b.shape()).unwrap_or_else(|| {
        panic!(
            "{op}: shapes {:?} and {:?} do not broadcast",
            a.shape(),
            b.shape()
        )
    });
    let n: usize = shape.iter().product();
    let mut out = Buffer::with_capacity(n);
    let (sa, sb) = (
        broadcast_strides(a.shape(), &shape),
        broadcast_strides(b.shape(), &shape),
    );
    let inner = shape.last().copied().unwrap_or(1);
    let (ia, ib) = (
        sa.last().copied().unwrap_or(0),
        sb.last().copied().unwrap_or(0),
    );
    let (da, db) = (a.data(), b.data());
    let spare = &mut out.spare_capacity_mut()[..n];
    // One output row of `inner` elements from offsets `oa`, `ob`.
    let row = |dst: &mut [MaybeUninit<T>], oa: usize, ob: usize| match (ia, ib) {
        (1, 1) => {
            let (xs, ys) = (&da[oa..oa + inner], &db[ob..ob + inner]);
            for ((d, &x), &y) in dst.iter_mut().zip(xs).zip(ys) {
                d.write(f(x, y));
            }
        }
        (1, 0) => {
            for (d, &x) in dst.iter_mut().zip(&da[oa..oa + inner]) {
                d.write(f(x, db[ob]));
            }
        }
        (0, 1) => {
            for (d, &y) in dst.iter_mut().zip(&db[ob..ob + inner]) {
                d.write(f(da[oa], y));
            }
        }
        _ => {
            for d in dst.iter_mut() {
                d.write(f(da[oa], db[ob]));
            }
        }
    };
    let full = |strides: &[usize], data: &[T]| strides[0] == inner && data.len() == n;
    if shape.len() == 2
        && inner > 0
        && (ia, ib) == (1, 1)
        && ((sb[0] == 0 && full(&sa, da)) || (sa[0] == 0 && full(&sb, db)))
    {
        // A row added to every row of a matrix (a bias over a batch): the
        // common case, with the repeated row's slice fixed outside the loop.
        // The full operand has exactly the output's rows, so the zips below
        // visit every row.
        let rows = spare.chunks_exact_mut(inner);
        if sb[0] == 0 {
            let ys = &db[..inner];
            for (dst, xs) in rows.zip(da.chunks_exact(inner)) {
                for ((d, &x), &y) in dst.iter_mut().zip(xs).zip(ys) {
                    d.write(f(x, y));
                }
            }
        } else {
            let xs = &da[..inner];
            for (dst, ys) in rows.zip(db.chunks_exact(inner)) {
                for ((d, &x), &y) in dst.iter_mut().zip(xs).zip(ys) {
                    d.write(f(x, y));
                }
            }
        }
    } else {
        for_each_row(&shape, [&sa, &sb], |r, [oa, ob]| {
            row(&mut spare[r * inner..(r + 1) * inner], oa, ob);
        });
    }
    // SAFETY: the rows above cover all `n` elements: row r writes
    // r·inner..(r + 1)·inner, and every row is visited once.
    unsafe { out.set_len(n) };
    Tensor::from_parts(shape, out)
}

/// `acc += x` in place (same shape), copying `acc` only if shared.
pub(crate) fn add_assign<T: Float>(acc: &mut Tensor<T>, x: &Tensor<T>) {
    assert_eq!(
        acc.shape(),
        x.shape(),
        "gradient accumulation: shapes {:?} and {:?} differ",
        acc.shape(),
        x.shape()
    );
    let acc = acc.data_mut();
    widest(|| {
        for (a, &b) in acc.iter_mut().zip(x.data()) {
            *a += b;
        }
    });
}

impl<'t, T: Float> Var<'t, T> {
    #[track_caller]
    fn binary(self, op: Binary, other: Self) -> Self {
        self.apply(Op::Binary(op), &[other])
    }

    /// A scalar constant on the same tape.
    #[track_caller]
    fn scalar_const(self, c: T) -> Self {
        self.tape.constant(Tensor::scalar(c))
    }

    /// `c − x` for a scalar `c`: what `c - x` means for `f32` and `f64`,
    /// for code generic over [`Float`] (PyTorch's `rsub`).
    ///
    /// ```
    /// # use origami_tape::{Float, Tape, Tensor, Var};
    /// fn one_minus<T: Float>(x: Var<'_, T>) -> Var<'_, T> {
    ///     x.rsub(T::ONE)
    /// }
    /// let tape = Tape::<f32>::new();
    /// assert_eq!(one_minus(tape.var(Tensor::scalar(0.25))).value().item(), 0.75);
    /// ```
    #[track_caller]
    pub fn rsub(self, c: T) -> Self {
        (-self).add_scalar(c)
    }

    /// `c / x` for a scalar `c`, divided exactly: what `c / x` means for
    /// `f32` and `f64`, for code generic over [`Float`].
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// assert_eq!(tape.var(Tensor::scalar(4.0)).rdiv(1.0).value().item(), 0.25);
    /// ```
    #[track_caller]
    pub fn rdiv(self, c: T) -> Self {
        self.scalar_const(c).binary(Binary::Div, self)
    }
}

macro_rules! var_operator {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<'t, T: Float> std::ops::$trait for Var<'t, T> {
            type Output = Var<'t, T>;
            /// Element-wise with NumPy broadcasting; panics if the shapes
            /// do not broadcast.
            #[track_caller]
            fn $method(self, rhs: Self) -> Self {
                self.binary($op, rhs)
            }
        }
    };
}

var_operator!(Add, add, Binary::Add);
var_operator!(Sub, sub, Binary::Sub);
var_operator!(Mul, mul, Binary::Mul);
var_operator!(Div, div, Binary::Div);

impl<'t, T: Float> std::ops::Add<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn add(self, c: T) -> Self {
        self.add_scalar(c)
    }
}

impl<'t, T: Float> std::ops::Sub<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn sub(self, c: T) -> Self {
        self.add_scalar(-c)
    }
}

impl<'t, T: Float> std::ops::Mul<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    #[track_caller]
    fn mul(self, c: T) -> Self {
        self.mul_scalar(c)
    }
}

impl<'t, T: Float> std::ops::Div<T> for Var<'t, T> {
    type Output = Var<'t, T>;
    /// Divides by a scalar exactly (not by multiplying with `1/c`).
    #[track_caller]
    fn div(self, c: T) -> Self {
        self.binary(Binary::Div, self.scalar_const(c))
    }
}

macro_rules! scalar_lhs {
    ($t:ty) => {
        impl<'t> std::ops::Add<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn add(self, v: Var<'t, $t>) -> Var<'t, $t> {
                v.add_scalar(self)
            }
        }
        impl<'t> std::ops::Sub<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn sub(self, v: Var<'t, $t>) -> Var<'t, $t> {
                v.rsub(self)
            }
        }
        impl<'t> std::ops::Mul<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn mul(self, v: Var<'t, $t>) -> Var<'t, $t> {
                v.mul_scalar(self)
            }
        }
        impl<'t> std::ops::Div<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            #[track_caller]
            fn div(self, v: Var<'t, $t>) -> Var<'t, $t> {
                v.rdiv(self)
            }
        }
    };
}

scalar_lhs!(f32);
scalar_lhs!(f64);
