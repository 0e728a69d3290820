//! Back-propagation through time for [`ElmanScan`] as recorded ops, for
//! `create_graph`: the same walk as the eager kernel (`eager.rs`), written
//! with the generic verbs, so the recurrence can be differentiated again.

use std::sync::Arc;

use crate::algebra::Algebra;
use crate::float::Float;
use crate::ops::scan::{ElmanScan, Nonlinearity};
use crate::ops::{Binary, InputGrads, Op, Slice};

/// The rows of `live` repeated over `hidden` columns (a `where` mask).
fn expand(live: &[bool], hidden: usize) -> Arc<[bool]> {
    live.iter()
        .flat_map(|&l| std::iter::repeat_n(l, hidden))
        .collect()
}

/// The same gradients as differentiable ops (for `create_graph`).
pub(super) fn backward<T: Float, A: Algebra<T>>(
    scan: &ElmanScan,
    x: &[A],
    y: &A,
    g: &A,
    need: &[bool],
) -> InputGrads<A> {
    let (z, h0, w) = (&x[0], &x[1], &x[2]);
    let (steps, batch, hidden) = scan.dims(&z.shape(), &h0.shape(), &w.shape());
    let rows = |v: &A, start: usize, len: usize| {
        let axis = 0;
        v.slice_op(Slice::Narrow { axis, start, len })
            .reshape(&[len * batch, hidden])
    };
    let mut carry: Option<A> = None;
    let mut dzs = Vec::with_capacity(steps);
    for t in (0..steps).rev() {
        let g_t = rows(g, t, 1);
        let dh = match carry.take() {
            Some(c) => g_t.add(&c),
            None => g_t,
        };
        let y_t = rows(y, t, 1);
        let mut dz = match scan.nonlinearity {
            Nonlinearity::Tanh => y_t.apply(Op::Binary(Binary::TanhGrad), &[&dh]),
            Nonlinearity::Relu => {
                let positive: Arc<[bool]> =
                    y_t.value().data().iter().map(|&v| v > T::ZERO).collect();
                dh.where_zero(&positive, true)
            }
        };
        let live = scan.live(t).map(|l| expand(&l, hidden));
        if let Some(live) = &live {
            dz = dz.where_zero(live, true);
        }
        let mut back = dz.matmul_t(w, false, !scan.transpose_weight);
        if let Some(live) = &live {
            back = back.add(&dh.where_zero(live, false));
        }
        carry = Some(back);
        dzs.push(dz);
    }
    dzs.reverse();
    let concat = |parts: &[&A]| parts[0].apply(Op::Slice(Slice::Concat { axis: 0 }), &parts[1..]);
    let dz_flat = concat(&dzs.iter().collect::<Vec<_>>());
    let dw = need[2].then(|| {
        let prev = if steps == 1 {
            h0.clone()
        } else {
            concat(&[h0, &rows(y, 0, steps - 1)])
        };
        if scan.transpose_weight {
            dz_flat.matmul_t(&prev, true, false)
        } else {
            prev.matmul_t(&dz_flat, true, false)
        }
    });
    let dz = need[0].then(|| dz_flat.reshape(&[steps, batch, hidden]));
    smallvec::smallvec![dz, need[1].then(|| carry.expect("steps ≥ 1")), dw]
}
