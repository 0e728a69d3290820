//! The op spec table: every public op on `Var`, with the shapes and values
//! it is drawn on, proven by proptest against central differences in f64:
//! the full Jacobian (`gradcheck`), the Jacobian of the backward pass
//! (`gradgradcheck`) and Hessian-vector products (`hvpcheck`); and the
//! eager backward pass, with its direct kernels, against the recorded one.
//!
//! `table_covers_every_public_op` reads the op sources and fails when a
//! public op has no row here.

use crate::support;

use origami_tape::{
    ElmanScan, GradcheckOptions, GruScan, LstmScan, Nonlinearity, Reduction, Tape, Tensor, Var,
    gradcheck, gradgradcheck, hvpcheck, packed_rows,
};
use proptest::prelude::*;
use support::{
    Case, Domain, EINSUM_SPECS, broadcast_pair, case, einsum_operands, matmul_operands, one, same,
    shape,
};

/// An op under test: inputs and the case's free `choice` in, output out.
type OpFn = for<'t> fn(&[Var<'t, f64>], usize) -> Var<'t, f64>;

struct OpSpec {
    name: &'static str,
    strategy: fn() -> BoxedStrategy<Case>,
    f: OpFn,
}

use Domain::*;

/// A set of axes from the choice's bits (any subset, the empty one too),
/// listed in a scrambled order.
fn axes(v: &Var<'_, f64>, choice: usize) -> Vec<usize> {
    let rank = v.shape().len();
    let mut picked: Vec<usize> = (0..rank).filter(|a| (choice >> a) & 1 == 1).collect();
    let turn = (choice >> 8) % picked.len().max(1);
    picked.rotate_left(turn);
    picked
}

/// Axis `choice % rank`, for ops that need one.
fn axis(v: &Var<'_, f64>, choice: usize) -> usize {
    choice % v.shape().len()
}

macro_rules! specs {
    ($($name:ident: $strategy:expr, $f:expr;)*) => {
        const TABLE: &[OpSpec] = &[$(OpSpec { name: stringify!($name), strategy: || $strategy, f: $f },)*];
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
    };
}

specs! {
    // Element-wise unary.
    neg: one(0, true, &[Any]), |v, _| -v[0];
    exp: one(0, true, &[Any]), |v, _| v[0].exp();
    log: one(0, true, &[Positive]), |v, _| v[0].log();
    tanh: one(0, true, &[Any]), |v, _| v[0].tanh();
    sigmoid: one(0, true, &[Any]), |v, _| v[0].sigmoid();
    relu: one(0, true, &[AwayFromZero]), |v, _| v[0].relu();
    leaky_relu: one(0, true, &[AwayFromZero]), |v, _| v[0].leaky_relu(0.1);
    softplus: one(0, true, &[Any]), |v, _| v[0].softplus();
    sqrt: one(0, true, &[Positive]), |v, _| v[0].sqrt();
    abs: one(0, true, &[AwayFromZero]), |v, _| v[0].abs();
    square: one(0, true, &[Any]), |v, _| v[0].square();
    powf: one(0, true, &[Positive]), |v, c| v[0].powf([1.5, -0.7, 3.0][c % 3]);
    clamp: one(0, true, &[AwayFromHalf]), |v, _| v[0].clamp(-0.5, 0.5);
    add_scalar: one(0, true, &[Any]), |v, _| v[0].add_scalar(1.5);
    mul_scalar: one(0, true, &[Any]), |v, _| v[0].mul_scalar(-2.5);
    sin: one(0, true, &[Any]), |v, _| v[0].sin();
    cos: one(0, true, &[Any]), |v, _| v[0].cos();
    log1p: one(0, true, &[Positive]), |v, _| v[0].log1p();
    expm1: one(0, true, &[Any]), |v, _| v[0].expm1();
    sign: one(0, true, &[AwayFromZero]), |v, _| v[0].sign() * v[0];
    silu: one(0, true, &[Any]), |v, _| v[0].silu();
    gelu_tanh: one(0, true, &[Any]), |v, _| v[0].gelu_tanh();
    // Operators with a scalar on either side.
    add_rhs_scalar: one(0, true, &[Any]), |v, _| v[0] + 1.5;
    sub_rhs_scalar: one(0, true, &[Any]), |v, _| v[0] - 1.5;
    mul_rhs_scalar: one(0, true, &[Any]), |v, _| v[0] * 3.0;
    div_rhs_scalar: one(0, true, &[Any]), |v, _| v[0] / 3.0;
    add_lhs_scalar: one(0, true, &[Any]), |v, _| 1.5 + v[0];
    sub_lhs_scalar: one(0, true, &[Any]), |v, _| 1.5 - v[0];
    mul_lhs_scalar: one(0, true, &[Any]), |v, _| 3.0 * v[0];
    div_lhs_scalar: one(0, true, &[Divisor]), |v, _| 3.0 / v[0];
    rsub: one(0, true, &[Any]), |v, _| v[0].rsub(1.5);
    rdiv: one(0, true, &[Divisor]), |v, _| v[0].rdiv(3.0);
    // Element-wise binary with broadcasting.
    add: broadcast_pair(&[Any]), |v, _| v[0] + v[1];
    sub: broadcast_pair(&[Any]), |v, _| v[0] - v[1];
    mul: broadcast_pair(&[Any]), |v, _| v[0] * v[1];
    div: broadcast_pair(&[Any, Divisor]), |v, _| v[0] / v[1];
    maximum: broadcast_pair(&[Quarters, Eighths]), |v, _| v[0].maximum(v[1]);
    pow: broadcast_pair(&[Positive, Any]), |v, _| v[0].pow(v[1]);
    minimum: broadcast_pair(&[Quarters, Eighths]), |v, _| v[0].minimum(v[1]);
    // Products.
    matmul: (0usize..11).prop_flat_map(|variant| matmul_operands(variant, false, false)).boxed(),
        |v, _| v[0].matmul(v[1]);
    matmul_t: (0usize..4).prop_flat_map(|flags| {
        let (ta, tb) = (flags & 1 == 1, flags & 2 == 2);
        prop_oneof![matmul_operands(0, ta, tb), matmul_operands(1, ta, tb),
            matmul_operands(2, ta, tb)]
            .prop_map(move |c| Case { choice: flags, ..c })
    }).boxed(), |v, c| v[0].matmul_t(v[1], c & 1 == 1, c & 2 == 2);
    einsum: einsum_operands(), |v, c| Var::einsum(EINSUM_SPECS[c], v);
    // Reductions.
    sum: one(1, true, &[Any]), |v, c| v[0].sum(&[axis(&v[0], c)]);
    sum_keepdim: one(1, true, &[Any]), |v, c| {
        let rank = v[0].shape().len();
        let axes: Vec<usize> = (0..rank).filter(|a| (c >> a) & 1 == 1).collect();
        v[0].sum_keepdim(&axes)
    };
    sum_all: one(0, true, &[Any]), |v, _| v[0].sum_all();
    mean: one(1, false, &[Any]), |v, c| v[0].mean(&[axis(&v[0], c)]);
    mean_keepdim: one(1, false, &[Any]), |v, c| v[0].mean_keepdim(&[axis(&v[0], c)]);
    mean_all: one(0, false, &[Any]), |v, _| v[0].mean_all();
    max: one(1, false, &[Distinct]), |v, c| v[0].max(axis(&v[0], c));
    max_keepdim: one(1, false, &[Distinct]), |v, c| v[0].max_keepdim(axis(&v[0], c));
    min: one(1, false, &[Distinct]), |v, c| v[0].min(axis(&v[0], c));
    min_keepdim: one(1, false, &[Distinct]), |v, c| v[0].min_keepdim(axis(&v[0], c));
    amax: one(1, false, &[Distinct]), |v, c| v[0].amax(&axes(&v[0], c));
    amin: one(1, false, &[Distinct]), |v, c| v[0].amin(&axes(&v[0], c));
    amax_keepdim: one(1, false, &[Distinct]), |v, c| v[0].amax_keepdim(&axes(&v[0], c));
    amin_keepdim: one(1, false, &[Distinct]), |v, c| v[0].amin_keepdim(&axes(&v[0], c));
    var: one(1, false, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let correction = if v[0].shape()[a] > 1 { (c / 7) % 2 } else { 0 };
        v[0].var(&[a], correction)
    };
    var_keepdim: one(1, false, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let correction = if v[0].shape()[a] > 1 { (c / 7) % 2 } else { 0 };
        v[0].var_keepdim(&[a], correction)
    };
    std_keepdim: one(1, false, &[Distinct]).prop_filter("an axis of 2 or more",
        |c| c.inputs[0].shape().iter().any(|&d| d >= 2)).boxed(), |v, c| {
        let wide: Vec<usize> = (0..v[0].shape().len()).filter(|&a| v[0].shape()[a] >= 2).collect();
        v[0].std_keepdim(&[wide[c % wide.len()]], (c / 7) % 2)
    };
    std: one(1, false, &[Distinct]).prop_filter("an axis of 2 or more",
        |c| c.inputs[0].shape().iter().any(|&d| d >= 2)).boxed(), |v, c| {
        let wide: Vec<usize> = (0..v[0].shape().len()).filter(|&a| v[0].shape()[a] >= 2).collect();
        v[0].std(&[wide[c % wide.len()]], (c / 7) % 2)
    };
    // Layout.
    reshape: one(0, true, &[Any]), |v, c| {
        let shape = v[0].shape();
        let reversed: Vec<usize> = shape.iter().rev().copied().collect();
        let flat = vec![shape.iter().product()];
        v[0].reshape(if c % 2 == 0 { &reversed } else { &flat })
    };
    permute: one(1, true, &[Any]), |v, c| {
        let rank = v[0].shape().len();
        let mut perm: Vec<usize> = (0..rank).collect();
        perm.rotate_left(c % rank);
        if c & 8 != 0 { perm.reverse(); }
        v[0].permute(&perm)
    };
    transpose: one(1, true, &[Any]), |v, c| {
        let rank = v[0].shape().len();
        v[0].transpose(c % rank, (c / 7) % rank)
    };
    broadcast_to: one(0, true, &[Any]), |v, c| {
        let mut target: Vec<usize> = v[0].shape().iter().map(|&d| if d == 1 { 2 } else { d }).collect();
        if c % 2 == 0 { target.insert(0, 2); }
        v[0].broadcast_to(&target)
    };
    unsqueeze: one(0, true, &[Any]), |v, c| v[0].unsqueeze(c % (v[0].shape().len() + 1));
    squeeze: one(0, true, &[Any]), |v, c| {
        // A size-1 axis if there is one, else one made for the purpose.
        match v[0].shape().iter().position(|&d| d == 1) {
            Some(a) => v[0].squeeze(a),
            None => { let a = c % (v[0].shape().len() + 1); v[0].unsqueeze(a).squeeze(a) }
        }
    };
    pad: one(1, true, &[Any]), |v, c| v[0].pad(axis(&v[0], c), (c / 3) % 3, (c / 9) % 2, 0.5);
    flatten: one(1, true, &[Any]), |v, c| {
        let rank = v[0].shape().len();
        let first = c % rank;
        v[0].flatten(first, first + (c / 5) % (rank - first))
    };
    // Slicing and joining.
    narrow: one(1, true, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let dim = v[0].shape()[a];
        let start = (c / 3) % (dim + 1);
        v[0].narrow(a, start, (c / 11) % (dim - start + 1))
    };
    slice: one(1, true, &[Any]), |v, c| {
        let ranges: Vec<_> = v[0].shape().iter().enumerate().map(|(i, &d)| {
            let start = (c >> (2 * i)) % (d + 1);
            start..d
        }).collect();
        v[0].slice(&ranges)
    };
    concat: case((shape(1, 3, true), 0usize..=3, 0usize..=3).prop_map(|(s, d1, d2)| {
        let (mut s1, mut s2) = (s.clone(), s.clone());
        s1[0] = d1;
        s2[0] = d2;
        vec![s, s1, s2]
    }).boxed(), &[Any]), |v, _| Var::concat(v, 0);
    stack: same(3, 0, &[Any]), |v, c| Var::stack(v, c % (v[0].shape().len() + 1));
    // The pieces joined in reverse order, so each one's gradient is checked.
    split: one(1, true, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let first = (c / 3) % (v[0].shape()[a] + 1);
        let mut parts = v[0].split(&[first, v[0].shape()[a] - first], a);
        parts.reverse();
        Var::concat(&parts, a)
    };
    chunk: one(1, false, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let mut parts = v[0].chunk(1 + (c / 3) % 3, a);
        parts.reverse();
        Var::concat(&parts, a)
    };
    where_cond: broadcast_pair(&[Any]), |v, c| {
        let n: usize = support_broadcast_numel(v);
        let cond: Vec<bool> = (0..n).map(|i| (c >> (i % 60)) & 1 == 1).collect();
        Var::where_cond(&cond, v[0], v[1])
    };
    masked_fill: one(0, true, &[Any]), |v, c| {
        let n: usize = v[0].shape().iter().product();
        let mask: Vec<bool> = (0..n).map(|i| (c >> (i % 60)) & 1 == 1).collect();
        v[0].masked_fill(&mask, 0.25)
    };
    // Recurrence: inputs [steps, batch, hidden], h0, W; the choice picks
    // relu or tanh, W or Wᵀ, and (sometimes zero) lengths per sequence.
    elman_scan: case((1usize..=4, 1usize..=3, 1usize..=3)
        .prop_map(|(t, b, h)| vec![vec![t, b, h], vec![b, h], vec![h, h]]).boxed(), &[Any]), |v, c| {
        let (steps, batch) = (v[0].shape()[0], v[0].shape()[1]);
        let mut scan = ElmanScan::new(if c & 1 == 1 { Nonlinearity::Relu } else { Nonlinearity::Tanh });
        scan.transpose_weight = c & 2 == 2;
        if c & 4 == 4 {
            scan.lengths = Some((0..batch).map(|b| (c / 8 + b * 5) % (steps + 1)).collect());
        }
        v[0].elman_scan(v[1], v[2], &scan)
    };
    // GRU recurrence: projections [steps, batch, 3·hidden], h0, W_hh
    // [3·hidden, hidden], b_hh; the choice sets (sometimes zero) lengths.
    gru_scan: case((1usize..=3, 1usize..=3, 1usize..=2)
        .prop_map(|(t, b, h)| vec![vec![t, b, 3 * h], vec![b, h], vec![3 * h, h], vec![3 * h]]).boxed(), &[Any]), |v, c| {
        let (steps, batch) = (v[0].shape()[0], v[0].shape()[1]);
        let mut scan = GruScan::default();
        if c & 1 == 1 {
            scan.lengths = Some((0..batch).map(|b| (c / 2 + b * 5) % (steps + 1)).collect());
        }
        // Sometimes packed: only the rows each step computes, picked out.
        let lengths = scan.lengths.clone().unwrap_or_default();
        if c % 4 == 3 && lengths.iter().any(|&l| l > 0) {
            scan.packed = true;
            let wide = v[0].shape()[2];
            let gi = v[0].reshape(&[steps * batch, wide]).index_select(0, &packed_rows(&lengths));
            return gi.gru_scan(v[1], v[2], v[3], &scan);
        }
        v[0].gru_scan(v[1], v[2], v[3], &scan)
    };
    // LSTM recurrence: input products [steps, batch, 4·hidden], h0, c0,
    // W_hh [4·hidden, hidden], bias [4·hidden]; the choice sets (sometimes
    // zero) lengths, and whether the products come packed.
    lstm_scan: case((1usize..=3, 1usize..=3, 1usize..=2)
        .prop_map(|(t, b, h)| vec![vec![t, b, 4 * h], vec![b, h], vec![b, h], vec![4 * h, h], vec![4 * h]]).boxed(), &[Any]), |v, c| {
        let (steps, batch) = (v[0].shape()[0], v[0].shape()[1]);
        let mut scan = LstmScan::default();
        if c & 1 == 1 {
            scan.lengths = Some((0..batch).map(|b| (c / 2 + b * 5) % (steps + 1)).collect());
        }
        // Sometimes packed: only the rows each step computes, picked out.
        let lengths = scan.lengths.clone().unwrap_or_default();
        if c % 4 == 3 && lengths.iter().any(|&l| l > 0) {
            scan.packed = true;
            let wide = v[0].shape()[2];
            let gi = v[0].reshape(&[steps * batch, wide]).index_select(0, &packed_rows(&lengths));
            return gi.lstm_scan(v[1], v[2], v[3], v[4], &scan);
        }
        v[0].lstm_scan(v[1], v[2], v[3], v[4], &scan)
    };
    // Integer indexing.
    index_select: one(1, false, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let dim = v[0].shape()[a];
        let ids: Vec<usize> = (0..(c / 5) % 5).map(|i| (c / 3 + i * 7) % dim).collect();
        v[0].index_select(a, &ids)
    };
    // Ids that pick every entry once, whose adjoint is a gather too.
    index_select_permutation: one(1, false, &[Any]), |v, c| {
        let a = axis(&v[0], c);
        let dim = v[0].shape()[a];
        let mut ids: Vec<usize> = (0..dim).map(|i| (i + c / 3) % dim).collect();
        if c & 16 != 0 { ids.reverse(); }
        v[0].index_select(a, &ids)
    };
    index_add: one(1, false, &[Any]), |v, c| {
        // The base and, as source, the base's own rows picked by id.
        let a = axis(&v[0], c);
        let dim = v[0].shape()[a];
        let ids: Vec<usize> = (0..(c / 5) % 5).map(|i| (c / 3 + i * 7) % dim).collect();
        let source = v[0].index_select(a, &ids) * 0.5;
        v[0].index_add(a, &ids, source)
    };
    scatter_add: one(1, false, &[Any]), |v, c| {
        let shape = v[0].shape();
        let a = axis(&v[0], c);
        let positions: usize = shape.iter().product::<usize>() / shape[a];
        let index: Vec<usize> = (0..positions).map(|i| (c / 3 + i * 7) % shape[a]).collect();
        let source = v[0].gather(a, &index).square();
        v[0].scatter_add(a, &index, source)
    };
    gather: one(1, false, &[Any]), |v, c| {
        let shape = v[0].shape();
        let a = axis(&v[0], c);
        let picks = 1 + (c / 5) % 3;
        let positions: usize = shape.iter().product::<usize>() / shape[a];
        let index: Vec<usize> = (0..picks * positions).map(|i| (c / 3 + i * 7) % shape[a]).collect();
        v[0].gather(a, &index)
    };
    // Softmax family and losses.
    softmax: one(1, true, &[Any]), |v, c| v[0].softmax(axis(&v[0], c));
    log_softmax: one(1, true, &[Any]), |v, c| v[0].log_softmax(axis(&v[0], c));
    logsumexp: one(1, true, &[Any]), |v, c| v[0].logsumexp(&axes(&v[0], c));
    logsumexp_keepdim: one(1, true, &[Any]), |v, c| v[0].logsumexp_keepdim(&axes(&v[0], c));
    cross_entropy: one(2, false, &[Any]).prop_filter("2-D logits", |c| c.inputs[0].rank() == 2).boxed(), |v, c| {
        let shape = v[0].shape();
        let targets: Vec<usize> = (0..shape[0]).map(|i| (c / 3 + i * 5) % shape[1]).collect();
        let reduction = [Reduction::Mean, Reduction::Sum, Reduction::None][c % 3];
        v[0].cross_entropy(&targets, reduction)
    };
    mse: same(2, 0, &[Any]).prop_filter("non-empty", |c| c.inputs[0].numel() > 0).boxed(), |v, _| v[0].mse(v[1]);
}

fn support_broadcast_numel(v: &[Var<'_, f64>]) -> usize {
    let (a, b) = (v[0].shape(), v[1].shape());
    let rank = a.len().max(b.len());
    (0..rank)
        .map(|i| {
            let pick = |s: &[usize]| {
                if i < rank - s.len() {
                    1
                } else {
                    s[i - (rank - s.len())]
                }
            };
            pick(&a).max(pick(&b)) * (pick(&a).min(pick(&b)).min(1))
        })
        .product()
}

fn spec(name: &str) -> &'static OpSpec {
    TABLE.iter().find(|s| s.name == name).expect("spec exists")
}

fn run(name: &str) {
    let spec = spec(name);
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let opts = GradcheckOptions::default();
    proptest!(config, |(case in (spec.strategy)())| {
        let f = spec.f;
        let c = case.choice;
        gradcheck(|v| f(v, c), &case.inputs, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        gradgradcheck(|v| f(v, c), &case.inputs, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // A scalar view of the op, ⟨w, f(x)⟩ with fixed weights, for Hv.
        let out_shape = {
            let tape = Tape::new();
            let vars: Vec<_> = case.inputs.iter().map(|x| tape.var(x.clone())).collect();
            f(&vars, c).shape()
        };
        let n: usize = out_shape.iter().product();
        let w = Tensor::from_vec(&out_shape, (0..n).map(|i| ((i * 7 + c) % 5) as f64 - 2.0).collect()).unwrap();
        hvpcheck(|v| (f(v, c) * v[0].tape().constant(w.clone())).sum_all(), &case.inputs, &opts)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        // The eager backward (with the direct kernels: the scan's, narrow's
        // add into a window) equals the recorded one.
        let tape = Tape::new();
        let vars: Vec<_> = case.inputs.iter().map(|x| tape.var(x.clone())).collect();
        let y = f(&vars, c);
        let cotangent = tape.constant(w.clone());
        let eager = tape.vjp(&[y], &[cotangent], &vars, false);
        let recorded = tape.vjp(&[y], &[cotangent], &vars, true);
        for (k, (a, b)) in eager.iter().zip(&recorded).enumerate() {
            let (a, b) = (a.value(), b.value());
            for (p, q) in a.data().iter().zip(b.data()) {
                prop_assert!((p - q).abs() <= 1e-12 * (1.0 + p.abs()),
                    "{}: input {k}: eager {p} vs recorded {q}", spec.name);
            }
        }
    });
}

/// Every `.rs` file under `dir`, folders included (a fused op's folder).
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("ops dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Public op names found in the sources: `pub fn` inside `impl … Var<'t, T>`
/// blocks of `src/ops`, plus the arithmetic operator impls on `Var`.
fn public_ops_in_sources() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ops");
    let mut names = Vec::new();
    for path in rust_files(std::path::Path::new(dir)) {
        let text = std::fs::read_to_string(path).expect("source");
        let mut in_var_impl = false;
        for line in text.lines() {
            if line.starts_with("impl<'t, T: Float> Var<'t, T>") {
                in_var_impl = true;
            } else if line == "}" {
                in_var_impl = false;
            }
            let trimmed = line.trim_start();
            if in_var_impl && trimmed.starts_with("pub fn ") {
                let name = trimmed["pub fn ".len()..].split(['(', '<']).next().unwrap();
                names.push(name.to_string());
            }
            if let Some(rest) = trimmed.strip_prefix("var_operator!(") {
                names.push(rest.split(',').next().unwrap().to_lowercase());
            }
            if let Some(rest) = trimmed.strip_prefix("impl<'t, T: Float> std::ops::$") {
                let _ = rest; // the var_operator! template itself
            } else if let Some(rest) = trimmed.strip_prefix("impl<'t, T: Float> std::ops::") {
                let op = rest.split(['<', ' ']).next().unwrap().to_lowercase();
                names.push(if rest.contains("<T> for Var") {
                    format!("{op}_rhs_scalar")
                } else {
                    op
                });
            }
            if let Some(rest) = trimmed.strip_prefix("impl<'t> std::ops::") {
                let op = rest.split('<').next().unwrap().to_lowercase();
                names.push(format!("{op}_lhs_scalar"));
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn table_covers_every_public_op() {
    let found = public_ops_in_sources();
    assert!(
        found.len() > 40,
        "the source scan found too few ops: {found:?}"
    );
    let missing: Vec<_> = found
        .iter()
        .filter(|n| !TABLE.iter().any(|s| s.name == **n))
        .collect();
    assert!(
        missing.is_empty(),
        "public ops missing from the spec table: {missing:?}"
    );
}
