//! `Σ_i ⟨x_i, d_i⟩`: recorded values against constant directions, summed
//! into one scalar node. It is the inner product a Hessian- or
//! Jacobian-vector product takes of a gradient ([`Tape::hvp`]); as one op
//! it replaces a multiply, a sum and an addition per tensor.
//!
//! Backward: `∂/∂x_i = g · d_i`.
//!
//! [`Tape::hvp`]: crate::Tape::hvp

use std::fmt;
use std::sync::Arc;

use crate::algebra::Algebra;
use crate::float::Float;
use crate::ops::InputGrads;
use crate::tensor::Tensor;

#[derive(Clone)]
pub(crate) struct Inner<T> {
    /// One direction per input, of the input's shape.
    pub(crate) directions: Arc<[Tensor<T>]>,
}

impl<T> fmt::Debug for Inner<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Inner({} directions)", self.directions.len())
    }
}

impl<T: Float> Inner<T> {
    pub(crate) fn forward(&self, x: &[&Tensor<T>]) -> Tensor<T> {
        let total = x
            .iter()
            .zip(self.directions.iter())
            .map(|(x, d)| {
                x.data()
                    .iter()
                    .zip(d.data())
                    .fold(T::ZERO, |acc, (&a, &b)| acc + a * b)
            })
            .fold(T::ZERO, |acc, part| acc + part);
        Tensor::scalar(total)
    }

    pub(crate) fn backward<A: Algebra<T>>(&self, g: &A, need: &[bool]) -> InputGrads<A> {
        self.directions
            .iter()
            .zip(need)
            .map(|(d, &needed)| needed.then(|| g.mul_const(d.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Tape, Tensor};

    /// The one-node inner product against the composition it replaces:
    /// value, eager gradients and recorded gradients.
    #[test]
    fn equals_the_composed_inner_product() {
        let shapes: [&[usize]; 3] = [&[3, 4], &[5], &[]];
        let numbers = |n: usize, s: f64| -> Vec<f64> {
            (0..n).map(|i| ((i as f64 + s) * 0.731).sin()).collect()
        };
        let tensor = |shape: &[usize], s: f64| {
            Tensor::from_vec(shape, numbers(shape.iter().product(), s)).unwrap()
        };
        let directions: Vec<Tensor<f64>> = shapes.iter().map(|s| tensor(s, 9.0)).collect();
        for create_graph in [false, true] {
            let tape = Tape::<f64>::new();
            let vars: Vec<_> = shapes.iter().map(|s| tape.var(tensor(s, 1.0))).collect();
            // Something non-linear underneath, so the gradients are not trivial.
            let inputs: Vec<_> = vars.iter().map(|v| v.tanh()).collect();
            let fused = tape.inner_product(&inputs, &directions);
            let composed = inputs
                .iter()
                .zip(&directions)
                .map(|(x, d)| (*x * tape.constant(d.clone())).sum_all())
                .reduce(|a, b| a + b)
                .unwrap();
            assert!((fused.value().item() - composed.value().item()).abs() < 1e-12);
            let a = tape.grad(&[fused], &vars, create_graph);
            let b = tape.grad(&[composed], &vars, create_graph);
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.value().data(), y.value().data());
            }
            if create_graph {
                // Differentiate the recorded gradients once more.
                let (sa, sb) = (
                    tape.inner_product(&a, &directions),
                    tape.inner_product(&b, &directions),
                );
                let (ha, hb) = (
                    tape.grad(&[sa], &vars, false),
                    tape.grad(&[sb], &vars, false),
                );
                for (x, y) in ha.iter().zip(&hb) {
                    assert_eq!(x.value().data(), y.value().data());
                }
            }
        }
    }
}
