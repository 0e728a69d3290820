//! Forward values against naive reference implementations, in f32 and
//! f64. Gradient checks prove a backward rule matches its forward; these
//! prove the forward computes the right thing.

use crate::support;

use origami_tape::{Float, Reduction, Tape, Tensor, Var};
use proptest::prelude::*;
use support::{Case, Domain, EINSUM_SPECS, broadcast_pair, einsum_operands, matmul_operands, one};

/// Row-major multi-index of flat position `i` in `shape`.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for a in (0..shape.len()).rev() {
        idx[a] = i % shape[a];
        i /= shape[a];
    }
    idx
}

fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// Element of `t` seen through broadcasting at output index `idx`.
fn at_broadcast(t: &Tensor<f64>, idx: &[usize]) -> f64 {
    let lead = idx.len() - t.rank();
    let own: Vec<usize> = t
        .shape()
        .iter()
        .enumerate()
        .map(|(a, &d)| if d == 1 { 0 } else { idx[a + lead] })
        .collect();
    t.data()[ravel(&own, t.shape())]
}

fn cast<T: Float>(t: &Tensor<f64>) -> Tensor<T> {
    t.cast::<T>()
}

/// Runs `f` in precision T on the case's inputs, returning f64 values.
fn run<T: Float>(case: &Case, f: impl for<'t> Fn(&[Var<'t, T>]) -> Var<'t, T>) -> Tensor<f64> {
    let tape = Tape::<T>::new();
    let vars: Vec<_> = case.inputs.iter().map(|x| tape.var(cast::<T>(x))).collect();
    f(&vars).value().cast::<f64>()
}

fn check(got: &Tensor<f64>, want: &Tensor<f64>, tol: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), want.shape());
    for (k, (g, w)) in got.data().iter().zip(want.data()).enumerate() {
        prop_assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "element {k}: {g} vs {w}"
        );
    }
    Ok(())
}

fn broadcast_binary(case: &Case, f: fn(f64, f64) -> f64) -> Tensor<f64> {
    let (a, b) = (&case.inputs[0], &case.inputs[1]);
    let rank = a.rank().max(b.rank());
    let pad = |s: &[usize]| {
        let mut v = vec![1; rank - s.len()];
        v.extend_from_slice(s);
        v
    };
    let (pa, pb) = (pad(a.shape()), pad(b.shape()));
    let shape: Vec<usize> = pa
        .iter()
        .zip(&pb)
        .map(|(&x, &y)| if x == 1 { y } else { x })
        .collect();
    let n = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let idx = unravel(i, &shape);
            f(at_broadcast(a, &idx), at_broadcast(b, &idx))
        })
        .collect();
    Tensor::from_vec(&shape, data).unwrap()
}

fn sum_axis_ref(x: &Tensor<f64>, axis: usize) -> Tensor<f64> {
    let mut shape = x.shape().to_vec();
    shape.remove(axis);
    let n = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let idx = unravel(i, &shape);
            (0..x.shape()[axis])
                .map(|j| {
                    let mut full = idx.clone();
                    full.insert(axis, j);
                    x.data()[ravel(&full, x.shape())]
                })
                .sum()
        })
        .collect();
    Tensor::from_vec(&shape, data).unwrap()
}

fn matmul_ref(a: &Tensor<f64>, b: &Tensor<f64>) -> Tensor<f64> {
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let data = (0..m * n)
        .map(|i| {
            (0..k)
                .map(|p| a.data()[(i / n) * k + p] * b.data()[p * n + i % n])
                .sum()
        })
        .collect();
    Tensor::from_vec(&[m, n], data).unwrap()
}

fn permute_ref(x: &Tensor<f64>, perm: &[usize]) -> Tensor<f64> {
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape()[p]).collect();
    let data = (0..x.numel())
        .map(|i| {
            let out = unravel(i, &shape);
            let mut src = vec![0; perm.len()];
            for (o, &p) in perm.iter().enumerate() {
                src[p] = out[o];
            }
            x.data()[ravel(&src, x.shape())]
        })
        .collect();
    Tensor::from_vec(&shape, data).unwrap()
}

/// Einstein summation by brute force: every assignment of every letter,
/// each adding its product of operand elements into the output.
fn einsum_ref(spec: &str, operands: &[Tensor<f64>]) -> Tensor<f64> {
    let (lhs, out) = spec.split_once("->").expect("explicit output");
    let terms: Vec<&[u8]> = lhs.split(',').map(str::as_bytes).collect();
    let mut letters: Vec<u8> = terms.iter().flat_map(|t| t.iter().copied()).collect();
    letters.sort_unstable();
    letters.dedup();
    let size = |l: u8| {
        let (t, x) = terms
            .iter()
            .zip(operands)
            .find(|(t, _)| t.contains(&l))
            .unwrap();
        x.shape()[t.iter().position(|&m| m == l).unwrap()]
    };
    let sizes: Vec<usize> = letters.iter().map(|&l| size(l)).collect();
    let out_shape: Vec<usize> = out.bytes().map(size).collect();
    let mut data = vec![0.0; out_shape.iter().product()];
    for flat in 0..sizes.iter().product() {
        let idx = unravel(flat, &sizes);
        let at = |l: &u8| idx[letters.iter().position(|m| m == l).unwrap()];
        let product: f64 = terms
            .iter()
            .zip(operands)
            .map(|(t, x)| x.data()[ravel(&t.iter().map(at).collect::<Vec<_>>(), x.shape())])
            .product();
        let o: Vec<usize> = out.bytes().map(|l| at(&l)).collect();
        data[ravel(&o, &out_shape)] += product;
    }
    Tensor::from_vec(&out_shape, data).unwrap()
}

/// `torch.matmul` of two stacks of matrices with broadcast batch axes,
/// one output element at a time.
fn broadcast_matmul_ref(a: &Tensor<f64>, b: &Tensor<f64>) -> Tensor<f64> {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k, n) = (a.shape()[ra - 2], a.shape()[ra - 1], b.shape()[rb - 1]);
    let batch_rank = ra.max(rb) - 2;
    let dim = |s: &[usize], r: usize, i: usize| {
        // Axis `i` of the broadcast batch, in an operand of rank `r`.
        if i + r >= batch_rank + 2 {
            s[i + r - batch_rank - 2]
        } else {
            1
        }
    };
    let mut shape: Vec<usize> = (0..batch_rank)
        .map(|i| dim(a.shape(), ra, i).max(dim(b.shape(), rb, i)))
        .collect();
    shape.extend([m, n]);
    let data = (0..shape.iter().product())
        .map(|flat| {
            let idx = unravel(flat, &shape);
            let (i, j) = (idx[batch_rank], idx[batch_rank + 1]);
            (0..k)
                .map(|p| {
                    let mut ia = idx[..batch_rank].to_vec();
                    ia.extend([i, p]);
                    let mut ib = idx[..batch_rank].to_vec();
                    ib.extend([p, j]);
                    at_broadcast(a, &ia) * at_broadcast(b, &ib)
                })
                .sum()
        })
        .collect();
    Tensor::from_vec(&shape, data).unwrap()
}

const F32_TOL: f64 = 1e-5;

fn arith<'t, T: Float>(op: usize, v: &[Var<'t, T>]) -> Var<'t, T> {
    match op {
        0 => v[0] + v[1],
        1 => v[0] - v[1],
        2 => v[0] * v[1],
        _ => v[0] / v[1],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn broadcasting_arithmetic(case in broadcast_pair(&[Domain::Any, Domain::Divisor]), op in 0usize..4) {
        let f: fn(f64, f64) -> f64 = [|a, b| a + b, |a, b| a - b, |a, b| a * b, |a, b| a / b][op];
        let want = broadcast_binary(&case, f);
        check(&run::<f64>(&case, |v| arith(op, v)), &want, 1e-14)?;
        check(&run::<f32>(&case, |v| arith(op, v)), &want, F32_TOL)?;
    }

    #[test]
    fn sums_over_each_axis(case in one(1, true, &[Domain::Any]), pick in 0usize..3) {
        let axis = pick % case.inputs[0].rank();
        let want = sum_axis_ref(&case.inputs[0], axis);
        check(&run::<f64>(&case, |v| v[0].sum(&[axis])), &want, 1e-14)?;
        check(&run::<f32>(&case, |v| v[0].sum(&[axis])), &want, F32_TOL)?;
    }

    #[test]
    fn max_and_softmax_along_an_axis(case in one(1, false, &[Domain::Any]), pick in 0usize..3) {
        let x = &case.inputs[0];
        let axis = pick % x.rank();
        let mut shape = x.shape().to_vec();
        shape.remove(axis);
        let rows = |i: usize| -> Vec<usize> {
            let idx = unravel(i, &shape);
            (0..x.shape()[axis]).map(|j| { let mut f = idx.clone(); f.insert(axis, j); ravel(&f, x.shape()) }).collect()
        };
        let n: usize = shape.iter().product();
        let max: Vec<f64> = (0..n).map(|i| rows(i).iter().map(|&p| x.data()[p]).fold(f64::MIN, f64::max)).collect();
        let want_max = Tensor::from_vec(&shape, max).unwrap();
        check(&run::<f32>(&case, |v| v[0].max(axis)), &want_max, F32_TOL)?;
        let mut soft = vec![0.0; x.numel()];
        for i in 0..n {
            let total: f64 = rows(i).iter().map(|&p| x.data()[p].exp()).sum();
            for p in rows(i) { soft[p] = x.data()[p].exp() / total; }
        }
        let want_soft = Tensor::from_vec(x.shape(), soft).unwrap();
        check(&run::<f32>(&case, |v| v[0].softmax(axis)), &want_soft, F32_TOL)?;
        check(&run::<f64>(&case, |v| v[0].softmax(axis)), &want_soft, 1e-14)?;
    }

    #[test]
    fn permutations(case in one(1, true, &[Domain::Any]), rot in 0usize..3, flip: bool) {
        let rank = case.inputs[0].rank();
        let mut perm: Vec<usize> = (0..rank).collect();
        perm.rotate_left(rot % rank);
        if flip { perm.reverse(); }
        let want = permute_ref(&case.inputs[0], &perm);
        check(&run::<f32>(&case, |v| v[0].permute(&perm)), &want, F32_TOL)?;
        check(&run::<f64>(&case, |v| v[0].permute(&perm)), &want, 0.0)?;
    }

    #[test]
    fn matrix_products(m in 1usize..6, k in 0usize..6, n in 1usize..6, seed: u64) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let a = Tensor::rand_uniform(&[m, k], -1.0, 1.0, &mut rng).unwrap();
        let b = Tensor::rand_uniform(&[k, n], -1.0, 1.0, &mut rng).unwrap();
        let want = matmul_ref(&a, &b);
        let case = Case { inputs: vec![a, b], choice: 0 };
        check(&run::<f32>(&case, |v| v[0].matmul(v[1])), &want, F32_TOL)?;
        check(&run::<f64>(&case, |v| v[0].matmul(v[1])), &want, 1e-14)?;
        let transposed = Case { inputs: vec![permute_ref(&case.inputs[0], &[1, 0]), permute_ref(&case.inputs[1], &[1, 0])], choice: 0 };
        check(&run::<f32>(&transposed, |v| v[0].matmul_t(v[1], true, true)), &want, F32_TOL)?;
    }

    #[test]
    fn einsum_against_brute_force(case in einsum_operands()) {
        let spec = EINSUM_SPECS[case.choice];
        let explicit = match spec.contains("->") {
            true => spec.to_string(),
            // NumPy's implicit output: the letters used once, in ASCII order.
            false => {
                let used = |l: &u8| spec.bytes().filter(|m| m == l).count();
                let mut once: Vec<u8> = spec.bytes().filter(|l| l.is_ascii_alphabetic() && used(l) == 1).collect();
                once.sort_unstable();
                format!("{spec}->{}", String::from_utf8(once).unwrap())
            }
        };
        let want = einsum_ref(&explicit, &case.inputs);
        check(&run::<f64>(&case, |v| Var::einsum(spec, v)), &want, 1e-13)?;
        check(&run::<f32>(&case, |v| Var::einsum(spec, v)), &want, F32_TOL)?;
    }

    #[test]
    fn broadcast_matrix_products(case in (8usize..11).prop_flat_map(|v| matmul_operands(v, false, false))) {
        let want = broadcast_matmul_ref(&case.inputs[0], &case.inputs[1]);
        check(&run::<f64>(&case, |v| v[0].matmul(v[1])), &want, 1e-13)?;
        check(&run::<f32>(&case, |v| v[0].matmul(v[1])), &want, F32_TOL)?;
    }

    #[test]
    fn cross_entropy_against_log_softmax(n in 1usize..5, c in 1usize..6, seed: u64) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let x = Tensor::rand_uniform(&[n, c], -3.0, 3.0, &mut rng).unwrap();
        let targets: Vec<usize> = (0..n).map(|i| (i * 7 + seed as usize % 5) % c).collect();
        let per_row: Vec<f64> = x.data().chunks(c).zip(&targets).map(|(row, &t)| {
            row.iter().map(|v| v.exp()).sum::<f64>().ln() - row[t]
        }).collect();
        let mean = per_row.iter().sum::<f64>() / n as f64;
        let case = Case { inputs: vec![x], choice: 0 };
        check(&run::<f32>(&case, |v| v[0].cross_entropy(&targets, Reduction::Mean)), &Tensor::scalar(mean), F32_TOL)?;
        let none = Tensor::from_vec(&[n], per_row).unwrap();
        check(&run::<f64>(&case, |v| v[0].cross_entropy(&targets, Reduction::None)), &none, 1e-14)?;
    }
}

/// The fast paths for a row over a batch (bias add either way round, the
/// bias gradient's sum over rows, broadcasting a row) give exactly the
/// naive result, at widths on both sides of their 16-wide blocks.
#[test]
fn row_over_batch_paths_are_exact() {
    for rows in [1usize, 3, 64] {
        for width in [1usize, 2, 15, 16, 17, 33, 40] {
            let value = |i: usize| ((i * 7919 % 1000) as f32 - 500.0) / 37.0;
            let a =
                Tensor::from_vec(&[rows, width], (0..rows * width).map(value).collect()).unwrap();
            let b =
                Tensor::from_vec(&[width], (0..width).map(|j| value(j + 11)).collect()).unwrap();
            let tape = Tape::<f32>::new();
            let (va, vb) = (tape.var(a.clone()), tape.var(b.clone()));
            let at = |i: usize| a.data()[i];
            let want: Vec<f32> = (0..rows * width)
                .map(|i| at(i) + b.data()[i % width])
                .collect();
            assert_eq!((va + vb).value().data(), &want[..], "{rows}×{width} + row");
            let want: Vec<f32> = (0..rows * width)
                .map(|i| b.data()[i % width] - at(i))
                .collect();
            assert_eq!((vb - va).value().data(), &want[..], "row − {rows}×{width}");
            let want: Vec<f32> = (0..width)
                .map(|j| (0..rows).fold(0.0f32, |s, r| s + at(r * width + j)))
                .collect();
            assert_eq!(
                va.sum(&[0]).value().data(),
                &want[..],
                "sum of {rows}×{width}"
            );
            let want: Vec<f32> = (0..rows * width).map(|i| b.data()[i % width]).collect();
            let spread = vb.broadcast_to(&[rows, width]).value();
            assert_eq!(spread.data(), &want[..], "{width} to {rows}×{width}");
        }
    }
}

/// GELU's tanh form against its formula evaluated in f64, on both sides
/// of zero, where the cubic term matters and in the tails.
#[test]
fn gelu_tanh_is_its_formula() {
    let xs: Vec<f64> = (-40..=40).map(|i| i as f64 * 0.15).collect();
    let reference = |x: f64| {
        let inner = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3));
        0.5 * x * (1.0 + inner.tanh())
    };
    let want = Tensor::from_vec(&[xs.len()], xs.iter().map(|&x| reference(x)).collect()).unwrap();
    let case = Case {
        inputs: vec![Tensor::from_vec(&[xs.len()], xs).unwrap()],
        choice: 0,
    };
    check(&run::<f64>(&case, |v| v[0].gelu_tanh()), &want, 1e-14).unwrap();
    check(&run::<f32>(&case, |v| v[0].gelu_tanh()), &want, F32_TOL).unwrap();
}

/// `minimum` and `maximum` pick element by element, and at a tie pass
/// half the gradient to each side (as PyTorch does).
#[test]
fn minimum_and_maximum_split_the_gradient_at_ties() {
    let tape = Tape::<f64>::new();
    let a = tape.var(Tensor::from_vec(&[4], vec![1.0, 5.0, 3.0, -2.0]).unwrap());
    let b = tape.var(Tensor::from_vec(&[4], vec![2.0, 4.0, 3.0, -2.0]).unwrap());
    let (low, high) = (a.minimum(b), a.maximum(b));
    assert_eq!(low.value().data(), &[1.0, 4.0, 3.0, -2.0]);
    assert_eq!(high.value().data(), &[2.0, 5.0, 3.0, -2.0]);
    for picked in [low, high] {
        let g = tape.grad(&[picked.sum_all()], &[a, b], false);
        let (ga, gb) = (g[0].value(), g[1].value());
        assert_eq!(&ga.data()[2..], &[0.5, 0.5], "ties: half to the first");
        assert_eq!(&gb.data()[2..], &[0.5, 0.5], "ties: half to the second");
    }
    let g = tape.grad(&[low.sum_all()], &[a, b], false);
    assert_eq!(&g[0].value().data()[..2], &[1.0, 0.0]);
    let g = tape.grad(&[high.sum_all()], &[a, b], false);
    assert_eq!(&g[0].value().data()[..2], &[0.0, 1.0]);
}

/// Mean squared error against a target that is not zero, broadcast or
/// not.
#[test]
fn mse_is_the_mean_of_squared_differences() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 3.0, -2.0, 0.5]).unwrap());
    let full = tape.constant(Tensor::from_vec(&[2, 2], vec![2.0, 1.0, 1.0, 0.5]).unwrap());
    assert_eq!(x.mse(full).value().item(), (1.0 + 4.0 + 9.0 + 0.0) / 4.0);
    let row = tape.constant(Tensor::from_vec(&[2], vec![1.0, -1.0]).unwrap());
    assert_eq!(x.mse(row).value().item(), (0.0 + 16.0 + 9.0 + 2.25) / 4.0);
}

/// `matmul`'s routes by rank: batches of one against batches of two in
/// 3-D, and operands of rank 5, whose batch axes a rank-3 or rank-4 case
/// would not tell apart from the last two.
#[test]
fn matmul_broadcasts_batch_axes_at_every_rank() {
    let pairs: [(&[usize], &[usize]); 6] = [
        (&[1, 2, 3], &[2, 3, 4]),
        (&[2, 2, 3], &[1, 3, 4]),
        (&[2, 1, 2, 2, 3], &[3, 4]),
        (&[2, 3], &[2, 1, 2, 3, 4]),
        (&[1, 2, 1, 2, 3], &[2, 1, 3, 2]),
        (&[3, 2, 3], &[2, 1, 1, 3, 2]),
    ];
    for (a, b) in pairs {
        let numbered = |shape: &[usize], first: usize| {
            let n: usize = shape.iter().product();
            let data = (first..first + n).map(|i| (i % 11) as f64 - 5.0).collect();
            Tensor::from_vec(shape, data).unwrap()
        };
        let case = Case {
            inputs: vec![numbered(a, 0), numbered(b, 3)],
            choice: 0,
        };
        let want = broadcast_matmul_ref(&case.inputs[0], &case.inputs[1]);
        check(&run::<f64>(&case, |v| v[0].matmul(v[1])), &want, 1e-13)
            .unwrap_or_else(|e| panic!("{a:?} · {b:?}: {e}"));
    }
}

/// At their kinks the piecewise ops take PyTorch's one-sided derivatives:
/// `relu'(0) = 0`, `leaky_relu'(0) = slope`, `abs'(0) = 0`, and `clamp`
/// passes the gradient at both bounds.
#[test]
fn kinks_take_pytorchs_derivatives() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(&[5], vec![-1.0, -0.0, 0.0, 0.5, 1.0]).unwrap());
    let slope_of = |y: Var<'_, f64>| tape.grad(&[y.sum_all()], &[x], false)[0].value();
    assert_eq!(slope_of(x.relu()).data(), &[0.0, 0.0, 0.0, 1.0, 1.0]);
    assert_eq!(
        slope_of(x.leaky_relu(0.1)).data(),
        &[0.1, 0.1, 0.1, 1.0, 1.0]
    );
    assert_eq!(slope_of(x.abs()).data(), &[-1.0, 0.0, 0.0, 1.0, 1.0]);
    assert_eq!(
        slope_of(x.clamp(-0.0, 0.5)).data(),
        &[0.0, 1.0, 1.0, 1.0, 0.0]
    );
}
