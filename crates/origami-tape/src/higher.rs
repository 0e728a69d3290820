//! Second-order products built from the reverse pass alone.
//!
//! * `hvp`: the exact Hessian-vector product by reverse-over-reverse,
//!   `H v = ∇_w ⟨∇_w L(w), v⟩` (record the gradient, back-propagate the
//!   scalar `⟨g, v⟩`).
//! * `jvp`: the Jacobian-vector product by the double-VJP trick: `Jᵀc` is
//!   linear in `c`, so `J u = ∇_c ⟨Jᵀ c, u⟩` for any `c` (zeros here).

use crate::float::Float;
use crate::ops::{Inner, Op};
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

impl<T: Float> Tape<T> {
    /// `Σ_i ⟨vars[i], directions[i]⟩` as one recorded scalar.
    pub(crate) fn inner_product<'t>(
        &'t self,
        vars: &[Var<'t, T>],
        directions: &[Tensor<T>],
    ) -> Var<'t, T> {
        assert_eq!(vars.len(), directions.len(), "one direction per variable");
        for (v, d) in vars.iter().zip(directions) {
            assert_eq!(
                v.shape().as_slice(),
                d.shape(),
                "direction shape differs from its variable"
            );
        }
        self.apply(
            Op::Inner(Inner {
                directions: directions.iter().cloned().collect(),
            }),
            vars,
        )
    }

    /// Exact Hessian-vector product of the scalar `loss` with respect to
    /// `wrt`, in the direction `v` (one tensor per entry of `wrt`).
    ///
    /// # Panics
    /// If `loss` is not a scalar or `v` does not match `wrt` in count and
    /// shapes.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// // L = x²y: H = [[2y, 2x], [2x, 0]]; at (1, 2), H·(1, 0) = (4, 2).
    /// let tape = Tape::<f64>::new();
    /// let (x, y) = (tape.var(Tensor::scalar(1.0)), tape.var(Tensor::scalar(2.0)));
    /// let hv = tape.hvp(x * x * y, &[x, y], &[Tensor::scalar(1.0), Tensor::scalar(0.0)]);
    /// assert_eq!((hv[0].item(), hv[1].item()), (4.0, 2.0));
    /// ```
    pub fn hvp<'t>(
        &'t self,
        loss: Var<'t, T>,
        wrt: &[Var<'t, T>],
        v: &[Tensor<T>],
    ) -> Vec<Tensor<T>> {
        let g = self.grad(&[loss], wrt, true);
        let gv = self.inner_product(&g, v);
        self.grad(&[gv], wrt, false)
            .iter()
            .map(Var::value)
            .collect()
    }

    /// Jacobian-vector product `J u` of `output` with respect to `wrt`, in
    /// the direction `u` (one tensor per entry of `wrt`).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1.0, 3.0]).unwrap());
    /// let ju = tape.jvp(x * x, &[x], &[Tensor::ones(&[2])]);
    /// assert_eq!(ju.data(), &[2.0, 6.0]);
    /// ```
    pub fn jvp<'t>(&'t self, output: Var<'t, T>, wrt: &[Var<'t, T>], u: &[Tensor<T>]) -> Tensor<T> {
        let c = self.var(Tensor::zeros(&output.shape()));
        let jt_c = self.vjp(&[output], &[c], wrt, true);
        let s = self.inner_product(&jt_c, u);
        self.grad(&[s], &[c], false)[0].value()
    }
}
