//! The Elman recurrence by its definition, one recorded op at a time: the
//! reference `elman_scan` is held to (`scan.rs`, `miri.rs`).

use origami_tape::{ElmanScan, Nonlinearity, Var};

/// The states `h_1 … h_T` by the definition, one op at a time.
pub fn unrolled<'t>(
    z: Var<'t, f64>,
    h0: Var<'t, f64>,
    w: Var<'t, f64>,
    scan: &ElmanScan,
) -> Var<'t, f64> {
    let (steps, batch, hidden) = (z.shape()[0], z.shape()[1], z.shape()[2]);
    let mut h = h0;
    let mut states = Vec::new();
    for t in 0..steps {
        let pre = z.narrow(0, t, 1).reshape(&[batch, hidden])
            + h.matmul_t(w, false, scan.transpose_weight);
        let next = match scan.nonlinearity {
            Nonlinearity::Tanh => pre.tanh(),
            Nonlinearity::Relu => pre.relu(),
        };
        h = match &scan.lengths {
            Some(lens) => {
                let live: Vec<bool> = lens
                    .iter()
                    .flat_map(|&l| std::iter::repeat_n(t < l, hidden))
                    .collect();
                Var::where_cond(&live, next, h)
            }
            None => next,
        };
        states.push(h);
    }
    Var::stack(&states, 0)
}
