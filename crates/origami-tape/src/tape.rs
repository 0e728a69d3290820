//! The tape: a Wengert list of nodes, and `Var`, the `Copy` handle to one.
//!
//! Every op appends one node holding its output value, the op (which knows
//! its backward rule) and the indices of its inputs. A node that depends on
//! no parameter or watched input is stored as a constant: it keeps its value
//! and nothing else, so data costs nothing in backward. The tape is meant to
//! live for one step; dropping it frees every value recorded on it, and
//! `Var<'t, _>` borrows it, so no handle can outlive it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::panic::Location;

use smallvec::SmallVec;

use crate::anomaly::{Anomaly, Phase};
use crate::float::Float;
use crate::grads::ParamId;
use crate::ops::Op;
use crate::shape::Shape;
use crate::tensor::Tensor;

/// One recorded value and how it was made.
pub(crate) struct Node<T: Float> {
    pub(crate) value: Tensor<T>,
    pub(crate) op: Op<T>,
    pub(crate) inputs: SmallVec<[u32; 2]>,
    pub(crate) requires_grad: bool,
    /// The call that recorded the op (anomaly-checking tapes only).
    pub(crate) location: Option<&'static Location<'static>>,
}

/// A Wengert list owned by the caller; see the crate docs for the workflow.
pub struct Tape<T: Float> {
    pub(crate) nodes: RefCell<Vec<Node<T>>>,
    pub(crate) params: RefCell<Vec<(ParamId, u32)>>,
    /// Node of each bound id, and whether it was substituted by `bind`.
    bound: RefCell<HashMap<ParamId, (u32, bool)>>,
    /// False for an inference tape: nothing requires a gradient.
    pub(crate) differentiable: bool,
    /// Check every value and gradient for NaN/inf.
    pub(crate) anomaly_detection: bool,
    /// The first non-finite forward value seen.
    pub(crate) first_anomaly: RefCell<Option<Anomaly>>,
}

/// A value recorded on a [`Tape`]: a small `Copy` handle (tape + index).
///
/// Arithmetic on `Var`s records new nodes: `(x.matmul(w) + b).tanh()`.
/// `+ - * /` work element-wise with NumPy broadcasting, between two `Var`s
/// or with a scalar on either side; broadcasting's gradient sums over the
/// repeated axes:
///
/// ```
/// use origami_tape::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.var(Tensor::from_vec(&[2, 3], vec![1., 2., 3., 4., 5., 6.]).unwrap());
/// let b = tape.var(Tensor::from_vec(&[3], vec![0.5, -1., 2.]).unwrap());
/// let y = ((x - b) * 2.0 / x + 1.0).sum_all();
/// let g = tape.grad(&[y], &[x, b], false);
/// // d/db of Σ 2(x − b)/x = Σ over the rows of −2/x.
/// assert_eq!(g[1].value().data(), &[-2. / 1. - 2. / 4., -2. / 2. - 2. / 5., -2. / 3. - 2. / 6.]);
/// ```
#[derive(Clone, Copy)]
pub struct Var<'t, T: Float> {
    pub(crate) tape: &'t Tape<T>,
    pub(crate) index: u32,
}

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Float> Tape<T> {
    /// An empty tape.
    pub fn new() -> Self {
        Self {
            nodes: RefCell::new(Vec::with_capacity(64)),
            params: RefCell::new(Vec::new()),
            bound: RefCell::new(HashMap::new()),
            differentiable: true,
            anomaly_detection: false,
            first_anomaly: RefCell::new(None),
        }
    }

    /// An empty tape that checks every forward value and backward gradient
    /// for NaN and infinity and remembers the first offender: the op, its
    /// position, its input shapes and the source line that recorded it.
    /// [`Tape::anomaly`] reports a forward anomaly; [`Var::try_backward`]
    /// returns either.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let tape = Tape::<f64>::with_anomaly_detection();
    /// let x = tape.var(Tensor::scalar(-1.0));
    /// let y = x.log(); // NaN
    /// let anomaly = tape.anomaly().unwrap();
    /// assert_eq!(anomaly.op, "log");
    /// assert!(anomaly.to_string().contains(file!()));
    /// assert!(y.try_backward().is_err());
    /// ```
    pub fn with_anomaly_detection() -> Self {
        Self {
            anomaly_detection: true,
            ..Self::new()
        }
    }

    /// The first non-finite forward value, on an anomaly-checking tape.
    pub fn anomaly(&self) -> Option<Anomaly> {
        self.first_anomaly.borrow().clone()
    }

    /// An empty tape for prediction: parameters and watched inputs are
    /// recorded as constants, so every op keeps only its value and no
    /// backward state. The same model code runs on either kind of tape.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor};
    /// let w = Tensor::<f32>::ones(&[2, 2]);
    /// let tape = Tape::inference();
    /// let y = tape.param(0, &w).tanh();
    /// assert!(!y.requires_grad());
    /// ```
    pub fn inference() -> Self {
        Self {
            differentiable: false,
            ..Self::new()
        }
    }

    /// The number of nodes recorded so far.
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// True if nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records data that is never differentiated (inputs, targets, masks).
    pub fn constant(&self, value: Tensor<T>) -> Var<'_, T> {
        self.push(value, Op::Leaf, SmallVec::new(), false)
    }

    /// Records a leaf that gradients flow to, without making it a parameter:
    /// use it with [`Tape::grad`] for derivatives with respect to inputs.
    pub fn var(&self, value: Tensor<T>) -> Var<'_, T> {
        self.push(value, Op::Leaf, SmallVec::new(), self.differentiable)
    }

    /// Binds a model's parameter tensor (no copy: the buffer is shared).
    /// [`Var::backward`] returns its gradient under `id`. Binding the same
    /// id again returns the same handle, so a module used at every time
    /// step binds its weights once.
    ///
    /// # Panics
    /// If `id` is already bound to a different tensor on this tape.
    pub fn param(&self, id: impl Into<ParamId>, value: &Tensor<T>) -> Var<'_, T> {
        let id = id.into();
        if let Some(&(index, substituted)) = self.bound.borrow().get(&id) {
            let same = substituted
                || self.nodes.borrow()[index as usize]
                    .value
                    .shares_buffer(value);
            assert!(
                same,
                "param: {id:?} is bound twice on one tape, to different tensors"
            );
            return Var { tape: self, index };
        }
        let var = self.push(
            value.clone(),
            Op::Leaf,
            SmallVec::new(),
            self.differentiable,
        );
        self.register(id, var, false);
        var
    }

    /// Makes `var` stand for parameter `id` on this tape: later
    /// [`Tape::param`] calls for `id` return it, and [`Var::backward`]
    /// reports its gradient under `id`. This is how a module's parameters
    /// are replaced by perturbed or checked values without changing the
    /// module.
    ///
    /// # Panics
    /// If `id` is already bound on this tape.
    pub fn bind(&self, id: impl Into<ParamId>, var: Var<'_, T>) {
        assert!(
            std::ptr::eq(var.tape, self),
            "bind: the Var belongs to another tape"
        );
        self.register(id.into(), var, true);
    }

    fn register(&self, id: ParamId, var: Var<'_, T>, substituted: bool) {
        let fresh = self
            .bound
            .borrow_mut()
            .insert(id, (var.index, substituted))
            .is_none();
        assert!(fresh, "bind: {id:?} is already bound on this tape");
        self.params.borrow_mut().push((id, var.index));
    }

    /// The parameters bound so far, with their handles, in binding order.
    pub fn params(&self) -> Vec<(ParamId, Var<'_, T>)> {
        let params = self.params.borrow();
        params
            .iter()
            .map(|&(id, index)| (id, Var { tape: self, index }))
            .collect()
    }

    pub(crate) fn push(
        &self,
        value: Tensor<T>,
        op: Op<T>,
        inputs: SmallVec<[u32; 2]>,
        requires_grad: bool,
    ) -> Var<'_, T> {
        let mut nodes = self.nodes.borrow_mut();
        let index = u32::try_from(nodes.len()).expect("tape: more than u32::MAX nodes");
        nodes.push(Node {
            value,
            op,
            inputs,
            requires_grad,
            location: None,
        });
        Var { tape: self, index }
    }

    /// Applies `op` to recorded inputs: computes the value now and records
    /// the node (as a constant if no input needs a gradient).
    #[track_caller]
    pub(crate) fn apply(&self, op: Op<T>, inputs: &[Var<'_, T>]) -> Var<'_, T> {
        let (value, requires_grad) = {
            let nodes = self.nodes.borrow();
            let values: SmallVec<[&Tensor<T>; 2]> = inputs
                .iter()
                .map(|v| &nodes[v.index as usize].value)
                .collect();
            let requires_grad = inputs.iter().any(|v| nodes[v.index as usize].requires_grad);
            (op.forward(&values), requires_grad)
        };
        self.record(op, inputs, value, requires_grad)
    }

    /// Records `op`'s node with its `value` already computed (as a
    /// constant unless `requires_grad`: some input needs a gradient).
    #[track_caller]
    pub(crate) fn record(
        &self,
        op: Op<T>,
        inputs: &[Var<'_, T>],
        value: Tensor<T>,
        requires_grad: bool,
    ) -> Var<'_, T> {
        if self.anomaly_detection {
            return self.apply_checked(op, inputs, value, requires_grad);
        }
        if requires_grad {
            let indices = inputs.iter().map(|v| v.index).collect();
            self.push(value, op, indices, true)
        } else {
            self.push(value, Op::Leaf, SmallVec::new(), false)
        }
    }
}

impl<T: Float> Tape<T> {
    /// `apply`'s second half on an anomaly-checking tape: records where the
    /// op was created and the first non-finite output.
    #[track_caller]
    fn apply_checked(
        &self,
        op: Op<T>,
        inputs: &[Var<'_, T>],
        value: Tensor<T>,
        requires_grad: bool,
    ) -> Var<'_, T> {
        let location = Location::caller();
        if !value.data().iter().all(|x| x.is_finite()) && self.first_anomaly.borrow().is_none() {
            let index = self.len();
            let input_shapes = inputs.iter().map(Var::shape).collect();
            *self.first_anomaly.borrow_mut() = Some(Anomaly {
                phase: Phase::Forward,
                op: op.name(),
                index,
                input_shapes,
                input: None,
                location: Some(location),
                segment: None,
            });
        }
        let (op, indices) = if requires_grad {
            (op, inputs.iter().map(|v| v.index).collect())
        } else {
            (Op::Leaf, SmallVec::new())
        };
        let var = self.push(value, op, indices, requires_grad);
        self.nodes.borrow_mut()[var.index as usize].location = Some(location);
        var
    }
}

impl<T: Float> fmt::Debug for Tape<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tape<{}> {{ nodes: {} }}", T::DTYPE, self.len())
    }
}

impl<'t, T: Float> Var<'t, T> {
    /// The recorded value (a cheap clone: the buffer is shared).
    pub fn value(&self) -> Tensor<T> {
        self.tape.nodes.borrow()[self.index as usize].value.clone()
    }

    /// The shape of the recorded value.
    pub fn shape(&self) -> Shape {
        Shape::from_slice(self.tape.nodes.borrow()[self.index as usize].value.shape())
    }

    /// The tape this handle points into.
    pub fn tape(&self) -> &'t Tape<T> {
        self.tape
    }

    /// True if gradients flow through this value (it depends on a
    /// parameter or watched input).
    pub fn requires_grad(&self) -> bool {
        self.tape.nodes.borrow()[self.index as usize].requires_grad
    }

    /// The same value as a constant: gradients stop here.
    pub fn detach(self) -> Self {
        self.tape.constant(self.value())
    }

    /// Records `op` with `self` and `others` as inputs.
    #[track_caller]
    pub(crate) fn apply(self, op: Op<T>, others: &[Var<'t, T>]) -> Self {
        let mut inputs: SmallVec<[Var<'t, T>; 2]> = SmallVec::new();
        inputs.push(self);
        for v in others {
            assert!(
                std::ptr::eq(v.tape, self.tape),
                "{}: operands were recorded on different tapes",
                op.name()
            );
            inputs.push(*v);
        }
        self.tape.apply(op, &inputs)
    }
}

impl<T: Float> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Var#{} {:?}", self.index, self.value())
    }
}
