//! Reverse accumulation over the tape: `Var::backward` for parameter
//! gradients, and `Tape::grad` / `Tape::vjp` for gradients with respect to
//! any recorded value, optionally recorded themselves (`create_graph`).
//!
//! The walk first marks the nodes that lie on a path from a requested leaf
//! (only those get gradients: no input gradient of data is ever computed),
//! then visits nodes in reverse order, asking each op for its input
//! gradients and summing them where a value fans out.

use smallvec::SmallVec;

use crate::algebra::Algebra;
use crate::anomaly::{Anomaly, Phase};
use crate::float::Float;
use crate::grads::Grads;
use crate::ops::Op;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;

impl<T: Float> Tape<T> {
    /// The generic walk: `seeds` are `(node, gradient)` pairs; returns the
    /// gradient reaching each of `targets` (`None` if it depends on none of
    /// the seeds).
    fn walk<A: Algebra<T>>(
        &self,
        seeds: Vec<(u32, A)>,
        targets: &[u32],
        fetch: impl Fn(u32) -> A,
    ) -> Result<Vec<Option<A>>, Anomaly> {
        let Some(root) = seeds.iter().map(|(i, _)| *i).max() else {
            return Ok(targets.iter().map(|_| None).collect());
        };
        let n = root as usize + 1;
        let mut is_target = vec![false; n];
        for &t in targets {
            if (t as usize) < n {
                is_target[t as usize] = true;
            }
        }
        let relevant = {
            let nodes = self.nodes.borrow();
            let mut relevant = is_target.clone();
            for i in 0..n {
                if !relevant[i] && nodes[i].requires_grad {
                    relevant[i] = nodes[i].inputs.iter().any(|&j| relevant[j as usize]);
                }
            }
            relevant
        };
        let mut grads: Vec<Option<A>> = (0..n).map(|_| None).collect();
        for (i, g) in seeds {
            accumulate(&mut grads[i as usize], g);
        }
        for i in (0..n).rev() {
            if !relevant[i] || grads[i].is_none() {
                continue;
            }
            let (op, inputs) = {
                let nodes = self.nodes.borrow();
                if matches!(nodes[i].op, Op::Leaf) {
                    continue;
                }
                (nodes[i].op.clone(), nodes[i].inputs.clone())
            };
            let need: SmallVec<[bool; 2]> = inputs.iter().map(|&j| relevant[j as usize]).collect();
            if !need.contains(&true) {
                continue;
            }
            let g = if is_target[i] {
                grads[i].clone()
            } else {
                grads[i].take()
            };
            let g = g.expect("checked above");
            let x: SmallVec<[A; 2]> = inputs.iter().map(|&j| fetch(j)).collect();
            let y = fetch(i as u32);
            if !op.adds_into_inputs() {
                let input_grads = op.backward(&x, &y, &g, &need);
                if self.anomaly_detection {
                    self.check_gradients(i, &op, &x, &input_grads)?;
                }
                for (&j, gradient) in inputs.iter().zip(input_grads) {
                    if let Some(gradient) = gradient {
                        accumulate(&mut grads[j as usize], gradient);
                    }
                }
                continue;
            }
            // The inputs' gradients so far, for the op to add into (an input
            // used twice: the first slot holds the sum, the second starts empty).
            let mut slots: SmallVec<[Option<A>; 2]> =
                inputs.iter().map(|&j| grads[j as usize].take()).collect();
            op.backward_into(&x, g, &need, &mut slots);
            if self.anomaly_detection {
                self.check_gradients(i, &op, &x, &slots)?;
            }
            for (&j, slot) in inputs.iter().zip(slots) {
                if let Some(sum) = slot {
                    accumulate(&mut grads[j as usize], sum);
                }
            }
        }
        Ok(targets
            .iter()
            .map(|&t| grads.get(t as usize).and_then(Option::clone))
            .collect())
    }

    /// The first non-finite gradient an op's backward produced, as an error.
    fn check_gradients<A: Algebra<T>>(
        &self,
        i: usize,
        op: &Op<T>,
        x: &[A],
        grads: &[Option<A>],
    ) -> Result<(), Anomaly> {
        match grads
            .iter()
            .position(|g| g.as_ref().is_some_and(|g| !g.all_finite()))
        {
            None => Ok(()),
            Some(input) => Err(Anomaly {
                phase: Phase::Backward,
                op: op.name(),
                index: i,
                input_shapes: x.iter().map(Algebra::shape).collect(),
                input: Some(input),
                location: self.nodes.borrow()[i].location,
                segment: None,
            }),
        }
    }

    /// Vector-Jacobian product: the gradients of `Σ_k ⟨cotangents[k],
    /// outputs[k]⟩` with respect to each of `wrt`. With `create_graph` the
    /// backward pass is recorded on this tape, so the results can be
    /// differentiated again; without it, nothing is recorded but the
    /// results (as constants). A `wrt` the outputs do not depend on gets
    /// zeros.
    ///
    /// # Panics
    /// If the counts or shapes of outputs and cotangents differ, or a `wrt`
    /// is a constant (it has no gradient to give).
    pub fn vjp<'t>(
        &'t self,
        outputs: &[Var<'t, T>],
        cotangents: &[Var<'t, T>],
        wrt: &[Var<'t, T>],
        create_graph: bool,
    ) -> Vec<Var<'t, T>> {
        assert_eq!(
            outputs.len(),
            cotangents.len(),
            "vjp: one cotangent per output"
        );
        for (o, c) in outputs.iter().zip(cotangents) {
            assert_eq!(
                o.shape(),
                c.shape(),
                "vjp: cotangent shape differs from output"
            );
        }
        for (k, v) in wrt.iter().enumerate() {
            assert!(
                v.requires_grad(),
                "vjp: wrt[{k}] is a constant (or computed from constants only); \
                 record it with Tape::var or Tape::param to differentiate with respect to it"
            );
        }
        let targets: Vec<u32> = wrt.iter().map(|v| v.index).collect();
        let zeros = |v: &Var<'t, T>| self.constant(Tensor::zeros(&v.shape()));
        if create_graph {
            let seeds = outputs
                .iter()
                .zip(cotangents)
                .map(|(o, c)| (o.index, *c))
                .collect();
            let grads = self
                .walk(seeds, &targets, |index| Var { tape: self, index })
                .unwrap_or_else(|a| panic!("{a}"));
            grads
                .into_iter()
                .zip(wrt)
                .map(|(g, v)| g.unwrap_or_else(|| zeros(v)))
                .collect()
        } else {
            let seeds = outputs
                .iter()
                .zip(cotangents)
                .map(|(o, c)| (o.index, c.value()))
                .collect();
            let grads = self
                .walk(seeds, &targets, |j| {
                    self.nodes.borrow()[j as usize].value.clone()
                })
                .unwrap_or_else(|a| panic!("{a}"));
            grads
                .into_iter()
                .zip(wrt)
                .map(|(g, v)| g.map_or_else(|| zeros(v), |g| self.constant(g)))
                .collect()
        }
    }

    /// Gradients of the sum of scalar `outputs` with respect to `wrt`; see
    /// [`Tape::vjp`] for `create_graph`.
    ///
    /// # Panics
    /// If an output has more than one element.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::scalar(3.0));
    /// let y = x * x * x;
    /// let [dy] = tape.grad(&[y], &[x], true)[..] else { unreachable!() };
    /// let [d2y] = tape.grad(&[dy], &[x], false)[..] else { unreachable!() };
    /// assert_eq!((dy.value().item(), d2y.value().item()), (27.0, 18.0));
    /// ```
    pub fn grad<'t>(
        &'t self,
        outputs: &[Var<'t, T>],
        wrt: &[Var<'t, T>],
        create_graph: bool,
    ) -> Vec<Var<'t, T>> {
        let ones: Vec<Var<'t, T>> = outputs
            .iter()
            .map(|o| {
                let shape = o.shape();
                assert_eq!(
                    shape.iter().product::<usize>(),
                    1,
                    "grad: output of shape {shape:?} is not a scalar"
                );
                self.constant(Tensor::ones(&shape))
            })
            .collect();
        self.vjp(outputs, &ones, wrt, create_graph)
    }
}

fn accumulate<T: Float, A: Algebra<T>>(slot: &mut Option<A>, g: A) {
    *slot = Some(match slot.take() {
        Some(acc) => acc.accumulate(g),
        None => g,
    });
}

impl<'t, T: Float> Var<'t, T> {
    /// Back-propagates from this scalar and returns the gradient of every
    /// bound parameter it depends on; parameters it does not depend on are
    /// listed in [`Grads::unreached`]. Records nothing on the tape.
    ///
    /// # Panics
    /// If the value has more than one element; and on an anomaly-checking
    /// tape, at the first non-finite value (use [`Var::try_backward`] to
    /// get it as an error instead).
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let w = Tensor::from_vec(&[2], vec![1.0f32, -2.0]).unwrap();
    /// let tape = Tape::new();
    /// let wv = tape.param(0, &w);
    /// let grads = (wv * wv).sum_all().backward();
    /// assert_eq!(grads.get(0).unwrap().data(), &[2.0, -4.0]);
    /// ```
    pub fn backward(self) -> Grads<T> {
        self.try_backward().unwrap_or_else(|a| panic!("{a}"))
    }

    /// Like [`Var::backward`], but on an anomaly-checking tape
    /// ([`Tape::with_anomaly_detection`]) a non-finite forward value or
    /// backward gradient is returned as an error naming the op, its
    /// position, its input shapes and where it was recorded.
    ///
    /// # Errors
    /// The first [`Anomaly`]; never on a normal tape.
    pub fn try_backward(self) -> Result<Grads<T>, Anomaly> {
        if let Some(anomaly) = self.tape.anomaly() {
            return Err(anomaly);
        }
        let shape = self.shape();
        assert_eq!(
            shape.iter().product::<usize>(),
            1,
            "backward: the loss has shape {shape:?}; reduce it to a scalar first"
        );
        let params = self.tape.params.borrow().clone();
        let targets: Vec<u32> = params.iter().map(|&(_, i)| i).collect();
        let tape = self.tape;
        let seed = vec![(self.index, Tensor::ones(&shape))];
        let grads = tape.walk(seed, &targets, |j| {
            tape.nodes.borrow()[j as usize].value.clone()
        })?;
        let mut found = Vec::with_capacity(params.len());
        let mut unreached = Vec::new();
        for ((id, _), g) in params.into_iter().zip(grads) {
            match g {
                Some(g) => found.push((id, g)),
                None => unreached.push(id),
            }
        }
        Ok(Grads::new(found, unreached))
    }
}
