//! Every differentiable op, one file per family with its forward kernel,
//! its backward rule and its public `Var` methods side by side (except
//! `composite` and `einsum`, whose ops are compositions of the others and
//! have no rule of their own). The fused recurrences are folders: `scan`
//! (Elman), `gru_scan` and `lstm_scan`, each with its forward, a direct
//! backward kernel for eager passes, and a recorded rule. `Op` is the enum the tape stores;
//! each arm delegates to its family. The backward walk calls only op
//! methods: [`Op::backward`] for the input gradients, or, for the ops that
//! add into their inputs' gradients themselves, [`Op::backward_into`].

pub(crate) mod binary;
mod checkpoint;
mod composite;
mod einsum;
mod gru_scan;
mod indexing;
mod inner;
mod layout;
mod loss;
mod lstm_scan;
pub(crate) mod matmul;
pub(crate) mod reduce;
mod scan;
pub(crate) mod slice;
mod softmax;
pub(crate) mod unary;

use smallvec::SmallVec;

use crate::algebra::Algebra;
use crate::float::Float;
use crate::tensor::Tensor;

pub(crate) use binary::Binary;
pub(crate) use checkpoint::Segment;
pub use gru_scan::GruScan;
pub(crate) use indexing::Indexing;
pub(crate) use inner::Inner;
pub(crate) use layout::Layout;
pub(crate) use loss::Loss;
pub use loss::Reduction;
pub use lstm_scan::LstmScan;
pub(crate) use matmul::Matmul;
pub(crate) use reduce::Reduce;
pub use scan::{ElmanScan, Nonlinearity, packed_rows};
pub(crate) use slice::Slice;
pub(crate) use softmax::Softmax;
pub(crate) use unary::Unary;

/// Gradients for an op's inputs: `None` where not needed.
pub(crate) type InputGrads<A> = SmallVec<[Option<A>; 2]>;

/// A recorded operation: enough to recompute its backward rule.
#[derive(Clone, Debug)]
pub(crate) enum Op<T: Float> {
    /// A constant, a parameter or a watched input: nothing to propagate.
    Leaf,
    Unary(Unary<T>),
    Binary(Binary),
    Matmul(Matmul),
    Reduce(Reduce),
    Layout(Layout),
    Slice(Slice),
    Indexing(Indexing),
    Softmax(Softmax),
    Loss(Loss),
    Scan(ElmanScan),
    GruScan(GruScan, scan::Workspace<T>),
    LstmScan(LstmScan, scan::Workspace<T>),
    Inner(Inner<T>),
    Checkpoint(std::rc::Rc<Segment<T>>),
}

impl<T: Float> Op<T> {
    /// The op's name as users write it, for messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::Leaf => "leaf",
            Op::Unary(u) => u.name(),
            Op::Binary(b) => b.name(),
            Op::Matmul(_) => "matmul",
            Op::Reduce(r) => r.name(),
            Op::Layout(l) => l.name(),
            Op::Slice(s) => s.name(),
            Op::Indexing(g) => g.name(),
            Op::Softmax(s) => s.name(),
            Op::Loss(l) => l.name(),
            Op::Scan(_) => "elman_scan",
            Op::GruScan(..) => "gru_scan",
            Op::LstmScan(..) => "lstm_scan",
            Op::Inner(_) => "inner_product",
            Op::Checkpoint(_) => "checkpoint",
        }
    }

    /// Computes the output value from the input values.
    pub(crate) fn forward(&self, x: &[&Tensor<T>]) -> Tensor<T> {
        match self {
            Op::Leaf => unreachable!("a leaf has no forward"),
            Op::Unary(u) => u.forward(x[0]),
            Op::Binary(b) => b.forward(x[0], x[1]),
            Op::Matmul(m) => m.forward(x[0], x[1]),
            Op::Reduce(r) => r.forward(x[0]),
            Op::Layout(l) => l.forward(x[0]),
            Op::Slice(s) => s.forward(x),
            Op::Indexing(g) => g.forward(x[0]),
            Op::Softmax(s) => s.forward(x[0]),
            Op::Loss(l) => l.forward(x[0]),
            Op::Scan(s) => s.forward(x[0], x[1], x[2]),
            Op::GruScan(s, workspace) => s.forward(x[0], x[1], x[2], x[3], workspace),
            Op::LstmScan(s, workspace) => s.forward(x[0], x[1], x[2], x[3], x[4], workspace),
            Op::Inner(p) => p.forward(x),
            Op::Checkpoint(_) => unreachable!("a segment's value is computed when it is recorded"),
        }
    }

    /// Vector-Jacobian product: given the inputs `x`, the output `y` and
    /// the gradient `g` of the output, the gradients of the inputs for
    /// which `need` is true.
    pub(crate) fn backward<A: Algebra<T>>(
        &self,
        x: &[A],
        y: &A,
        g: &A,
        need: &[bool],
    ) -> InputGrads<A> {
        match self {
            Op::Leaf => SmallVec::new(),
            Op::Unary(u) => smallvec::smallvec![Some(u.backward(&x[0], y, g))],
            Op::Binary(b) => b.backward(&x[0], &x[1], y, g, need),
            Op::Matmul(m) => m.backward(&x[0], &x[1], g, need),
            Op::Reduce(r) => smallvec::smallvec![Some(r.backward(&x[0], g))],
            Op::Layout(l) => smallvec::smallvec![Some(l.backward(&x[0], g))],
            Op::Checkpoint(_) => unreachable!("a segment adds into its inputs' gradients itself"),
            Op::Slice(s) => s.backward(x, g, need),
            Op::Indexing(op) => smallvec::smallvec![Some(op.backward(&x[0], g))],
            Op::Softmax(s) => smallvec::smallvec![Some(s.backward(&x[0], y, g))],
            Op::Loss(l) => smallvec::smallvec![Some(l.backward(&x[0], g))],
            Op::Scan(s) => scan::backward(s, x, y, g, need),
            Op::GruScan(s, workspace) => gru_scan::backward(s, workspace, x, y, g, need),
            Op::LstmScan(s, workspace) => lstm_scan::backward(s, workspace, x, y, g, need),
            Op::Inner(p) => p.backward(g, need),
        }
    }

    /// True for the ops that add into their inputs' gradients themselves
    /// ([`Op::backward_into`]) rather than return them ([`Op::backward`]).
    pub(crate) fn adds_into_inputs(&self) -> bool {
        matches!(self, Op::Slice(Slice::Narrow { .. }) | Op::Checkpoint(_))
    }

    /// Adds the input gradients into `slots`, which hold each input's
    /// gradient so far (`None`: nothing yet), for the ops where
    /// [`Op::adds_into_inputs`]: `narrow` adds into the window it read, and
    /// a checkpointed segment back-propagates through its recomputed
    /// inside starting from the slots.
    pub(crate) fn backward_into<A: Algebra<T>>(
        &self,
        x: &[A],
        g: A,
        need: &[bool],
        slots: &mut [Option<A>],
    ) {
        match self {
            Op::Slice(Slice::Narrow { axis, start, .. }) => {
                let size = x[0].shape()[*axis];
                slots[0] = Some(slice::add_window(slots[0].take(), g, *axis, *start, size));
            }
            Op::Checkpoint(segment) => segment.backward_into(x, g, need, slots),
            _ => unreachable!("{} returns its input gradients: Op::backward", self.name()),
        }
    }
}
