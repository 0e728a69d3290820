//! Checkpointed segments: memory traded for compute. `Tape::checkpoint`
//! runs a closure on a private tape, keeps only its outputs and records
//! one node whose inputs are the segment's inputs and the parameters it
//! bound; the inside is dropped. Backward runs the closure again and
//! back-propagates through the copy:
//!
//! * eagerly on a private tape, with each input's gradient so far as the
//!   starting value of its leaf, so every sum is formed in the order the
//!   plain tape forms it and the gradients agree bit for bit;
//! * when the backward pass is itself recorded (`create_graph`, `hvp`,
//!   `jvp`), on the tape itself, so the recomputed inside is there for the
//!   second pass.

use std::fmt;
use std::rc::Rc;

use smallvec::SmallVec;

use crate::algebra::Algebra;
use crate::anomaly::Anomaly;
use crate::float::Float;
use crate::grads::ParamId;
use crate::ops::Op;
use crate::tape::{Tape, Var};

/// What a checkpointed segment computes, given its tape and inputs.
type Body<T> = dyn for<'s> Fn(&'s Tape<T>, &[Var<'s, T>]) -> Vec<Var<'s, T>>;

/// The recorded segment: the closure and how the node's inputs map to its
/// arguments and parameters (held by the node behind an `Rc`, so the `Op`
/// enum stays small).
pub(crate) struct Segment<T: Float> {
    body: Rc<Body<T>>,
    /// For each argument of the closure, its position among the node's inputs.
    args: Vec<usize>,
    /// Each parameter the closure binds, and its position among the inputs.
    params: Vec<(ParamId, usize)>,
    /// The outputs' shapes; several outputs are stored flat, one after another.
    shapes: Vec<Vec<usize>>,
}

impl<T: Float> fmt::Debug for Segment<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Segment {{ outputs: {:?} }}", self.shapes)
    }
}

impl<T: Float> Segment<T> {
    /// Runs the closure on `tape`, where `inputs` are the node's inputs
    /// (parameters already bound), and joins several outputs into one
    /// flat value.
    fn run<'s>(&self, tape: &'s Tape<T>, inputs: &[Var<'s, T>]) -> Var<'s, T> {
        let args: Vec<Var<'s, T>> = self.args.iter().map(|&i| inputs[i]).collect();
        join(&(self.body)(tape, &args))
    }

    /// Adds the segment's input gradients into `slots` (each input's
    /// gradient so far), by recomputing the inside; see the module docs.
    pub(crate) fn backward_into<A: Algebra<T>>(
        &self,
        x: &[A],
        g: A,
        need: &[bool],
        slots: &mut [Option<A>],
    ) {
        let n = x.len();
        let seeded: Vec<usize> = (0..n).filter(|&k| need[k] && slots[k].is_some()).collect();
        let mut values: Vec<A> = x.to_vec();
        values.push(g);
        values.extend(seeded.iter().map(|&k| slots[k].take().expect("seeded")));
        let mut differentiable = need.to_vec();
        differentiable.resize(values.len(), false);
        let results = A::on_tape(&values, &differentiable, &|tape, vars, record| {
            let (inputs, cotangents) = vars.split_at(n);
            if !record {
                for &(id, i) in &self.params {
                    tape.bind(id, inputs[i]);
                }
            }
            let mut outputs = vec![self.run(tape, inputs)];
            outputs.extend(seeded.iter().map(|&k| inputs[k]));
            let wrt: Vec<Var<'_, T>> = (0..n).filter(|&k| need[k]).map(|k| inputs[k]).collect();
            tape.vjp(&outputs, cotangents, &wrt, record)
        });
        for (k, gradient) in (0..n).filter(|&k| need[k]).zip(results) {
            slots[k] = Some(gradient);
        }
    }
}

/// One output as it is; several flattened and concatenated.
fn join<'s, T: Float>(outputs: &[Var<'s, T>]) -> Var<'s, T> {
    match outputs {
        [one] => *one,
        _ => {
            let flat: Vec<Var<'s, T>> = outputs
                .iter()
                .map(|o| o.reshape(&[o.shape().iter().product()]))
                .collect();
            Var::concat(&flat, 0)
        }
    }
}

impl<T: Float> Tape<T> {
    /// Records `body(inputs)` as a checkpointed segment: the inside runs on
    /// a private tape that is dropped at once, so only the outputs are
    /// kept, and backward runs `body` again. Gradients are the plain
    /// tape's, bit for bit; second derivatives ([`Tape::hvp`], [`Tape::jvp`],
    /// `create_graph`) work through the segment, and segments nest.
    ///
    /// On a tape made with [`Tape::with_anomaly_detection`], the segment's
    /// forward ops are checked as the tape's own are, and the first
    /// non-finite output inside is reported with its op, its line and the
    /// segment's node ([`Anomaly::segment`](crate::Anomaly::segment)). A
    /// non-finite gradient the recomputation produces is reported at the
    /// segment's node, as the `checkpoint` op's.
    ///
    /// `body` must record everything on the tape it is given and compute
    /// the same thing each time it runs: a random mask, for instance, from
    /// a seed it captured, not from a generator it advances. Parameters it
    /// binds (with [`Tape::param`]) get their gradients as usual, from the
    /// values they had when the segment was recorded.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let w = Tensor::from_vec(&[2], vec![0.5f64, -1.0]).unwrap();
    /// let tape = Tape::new();
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1.0, 2.0]).unwrap());
    /// let weights = w.clone();
    /// let y = tape.checkpoint(&[x], move |t, xs| vec![(xs[0] * t.param(0, &weights)).tanh()]);
    /// let loss = y[0].sum_all();
    /// let plain = (x * tape.param(0, &w)).tanh().sum_all();
    /// assert_eq!(loss.value(), plain.value());
    /// assert_eq!(loss.backward().get(0), plain.backward().get(0));
    /// ```
    ///
    /// # Panics
    /// If `body` returns no outputs, or a value recorded on another tape.
    #[track_caller]
    pub fn checkpoint<'t, F>(&'t self, inputs: &[Var<'t, T>], body: F) -> Vec<Var<'t, T>>
    where
        F: for<'s> Fn(&'s Tape<T>, &[Var<'s, T>]) -> Vec<Var<'s, T>> + 'static,
    {
        if !self.differentiable {
            return body(self, inputs);
        }
        // An anomaly-checking tape checks inside its segments too.
        let inner = match self.anomaly_detection {
            true => Tape::with_anomaly_detection(),
            false => Tape::new(),
        };
        let leaves: Vec<Var<'_, T>> = inputs
            .iter()
            .map(|x| match x.requires_grad() {
                true => inner.var(x.value()),
                false => inner.constant(x.value()),
            })
            .collect();
        let outputs = body(&inner, &leaves);
        assert!(
            !outputs.is_empty(),
            "checkpoint: the segment returned no outputs"
        );
        assert!(
            outputs.iter().all(|o| std::ptr::eq(o.tape(), &inner)),
            "checkpoint: the segment returned a value recorded on another tape; \
             record everything on the tape the segment is given"
        );
        let shapes: Vec<Vec<usize>> = outputs.iter().map(|o| o.shape().to_vec()).collect();
        let value = join(&outputs).value();
        // The node's inputs: each distinct argument, then each parameter.
        let mut nodes: SmallVec<[Var<'t, T>; 2]> = SmallVec::new();
        let mut position = |v: Var<'t, T>| match nodes.iter().position(|u| u.index == v.index) {
            Some(i) => i,
            None => {
                nodes.push(v);
                nodes.len() - 1
            }
        };
        let args: Vec<usize> = inputs.iter().map(|&x| position(x)).collect();
        let params: Vec<(ParamId, usize)> = inner
            .params()
            .into_iter()
            .map(|(id, v)| (id, position(self.param(id, &v.value()))))
            .collect();
        let segment = Rc::new(Segment {
            body: Rc::new(body),
            args,
            params,
            shapes,
        });
        let requires_grad = nodes.iter().any(Var::requires_grad);
        if let Some(inside) = inner.anomaly() {
            // The op inside is more telling than the segment's output.
            let mut first = self.first_anomaly.borrow_mut();
            first.get_or_insert(Anomaly {
                segment: Some(self.len()),
                ..inside
            });
        }
        let node = self.record(
            Op::Checkpoint(Rc::clone(&segment)),
            &nodes,
            value,
            requires_grad,
        );
        split(node, &segment.shapes)
    }
}

/// The outputs stored flat in `node`, in their shapes.
fn split<'t, T: Float>(node: Var<'t, T>, shapes: &[Vec<usize>]) -> Vec<Var<'t, T>> {
    if shapes.len() == 1 {
        return vec![node];
    }
    let mut start = 0;
    shapes
        .iter()
        .map(|shape| {
            let len: usize = shape.iter().product();
            start += len;
            node.narrow(0, start - len, len).reshape(shape)
        })
        .collect()
}
