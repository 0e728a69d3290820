//! Tape semantics: fan-out, constants, detach, parameter bookkeeping,
//! gradients of intermediates, what backward records, and the messages
//! shape errors carry.

use origami_tape::{Reduction, Tape, Tensor, Var};

fn t(shape: &[usize], data: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(shape, data.to_vec()).unwrap()
}

#[test]
fn fan_out_sums_every_use() {
    let tape = Tape::new();
    let x = tape.var(t(&[2], &[1.5, -2.0]));
    // y = x·x + 3x + x: dy/dx = 2x + 4.
    let y = (x * x + x * 3.0 + x).sum_all();
    let g = tape.grad(&[y], &[x], false)[0].value();
    assert_eq!(g.data(), &[7.0, 0.0]);
}

#[test]
fn constants_and_detached_values_get_no_gradient() {
    let w = t(&[2], &[1.0, 2.0]);
    let tape = Tape::new();
    let wv = tape.param(0, &w);
    let c = tape.constant(t(&[2], &[3.0, 4.0]));
    assert!(!c.requires_grad() && wv.requires_grad());
    assert!(!(c * c).requires_grad());
    let stopped = (wv * wv).detach();
    assert!(!stopped.requires_grad());
    let loss = (wv * c + stopped).sum_all();
    let grads = loss.backward();
    assert_eq!(grads.get(0).unwrap().data(), &[3.0, 4.0]);
}

#[test]
#[should_panic(expected = "wrt[0] is a constant")]
fn asking_for_the_gradient_of_a_constant_panics() {
    let tape = Tape::<f64>::new();
    let c = tape.constant(Tensor::ones(&[2]));
    let x = tape.var(Tensor::ones(&[2]));
    let _ = tape.grad(&[(c * x).sum_all()], &[c], false);
}

#[test]
fn unreached_parameters_are_reported_not_skipped() {
    let (a, b) = (t(&[1], &[1.0]), t(&[1], &[2.0]));
    let tape = Tape::new();
    let av = tape.param(7, &a);
    let _unused = tape.param(9, &b);
    let grads = (av * av).sum_all().backward();
    assert_eq!(grads.len(), 1);
    assert_eq!(grads.unreached(), &[9.into()]);
    let err = grads.require(9).unwrap_err().to_string();
    assert!(
        err.contains("ParamId(9)") && err.contains("does not depend"),
        "{err}"
    );
    let err = grads.require(3).unwrap_err().to_string();
    assert!(err.contains("never bound"), "{err}");
}

#[test]
fn binding_a_parameter_again_returns_the_same_handle() {
    let a = t(&[1], &[3.0]);
    let tape = Tape::new();
    let first = tape.param(0, &a);
    let again = tape.param(0, &a);
    let grads = (first * again).sum_all().backward();
    assert_eq!(grads.get(0).unwrap().data(), &[6.0]);
    assert_eq!(tape.params().len(), 1);
}

#[test]
#[should_panic(expected = "bound twice on one tape, to different tensors")]
fn binding_an_id_to_two_tensors_panics() {
    let (a, b) = (t(&[1], &[1.0]), t(&[1], &[1.0]));
    let tape = Tape::new();
    tape.param(0, &a);
    tape.param(0, &b);
}

#[test]
fn bind_substitutes_a_var_for_a_parameter() {
    let w = t(&[2], &[1.0, 2.0]);
    let tape = Tape::new();
    let shifted = tape.var(t(&[2], &[5.0, 5.0]));
    tape.bind(3, shifted);
    let wv = tape.param(3, &w);
    assert_eq!(wv.value().data(), &[5.0, 5.0]);
    let grads = (wv * wv).sum_all().backward();
    assert_eq!(grads.get(3).unwrap().data(), &[10.0, 10.0]);
}

#[test]
fn binding_shares_the_buffer_and_updates_do_not_copy_after_the_step() {
    let mut w = Tensor::<f32>::ones(&[1024]);
    let before = w.data().as_ptr();
    {
        let tape = Tape::new();
        let wv = tape.param(0, &w);
        assert!(wv.value().shares_buffer(&w));
        let _ = (wv * wv).sum_all().backward();
    }
    w.data_mut()[0] = 2.0;
    assert_eq!(
        w.data().as_ptr(),
        before,
        "the tape is gone, so no copy was needed"
    );
}

#[test]
fn eager_backward_records_nothing_and_create_graph_does() {
    let tape = Tape::new();
    let x = tape.var(t(&[3], &[0.1, 0.2, 0.3]));
    let y = x.tanh().sum_all();
    let before = tape.len();
    let _ = tape.grad(&[y], &[x], false);
    assert_eq!(
        tape.len(),
        before + 2,
        "only the seed and the result constants"
    );
    let _ = y.backward();
    assert_eq!(tape.len(), before + 2);
    let g = tape.grad(&[y], &[x], true)[0];
    assert!(tape.len() > before + 4 && g.requires_grad());
}

#[test]
fn gradients_of_intermediate_values() {
    let tape = Tape::new();
    let x = tape.var(t(&[2], &[1.0, 2.0]));
    let h = x * 2.0;
    let y = (h * h).sum_all();
    let [gh, gx] = tape.grad(&[y], &[h, x], false)[..] else {
        unreachable!()
    };
    assert_eq!(gh.value().data(), &[4.0, 8.0]);
    assert_eq!(gx.value().data(), &[8.0, 16.0]);
}

#[test]
fn third_derivative_by_repeated_create_graph() {
    let tape = Tape::new();
    let x = tape.var(Tensor::scalar(0.5));
    let y = x.exp() * x * x * x;
    let d1 = tape.grad(&[y], &[x], true)[0];
    let d2 = tape.grad(&[d1], &[x], true)[0];
    let d3 = tape.grad(&[d2], &[x], false)[0];
    // y = e^x · x³: y''' = e^x (x³ + 9x² + 18x + 6).
    let v: f64 = 0.5;
    let want = v.exp() * (v.powi(3) + 9.0 * v * v + 18.0 * v + 6.0);
    assert!((d3.value().item() - want).abs() < 1e-12);
}

#[test]
fn zero_size_tensors_flow_through() {
    let tape = Tape::new();
    let x = tape.var(Tensor::<f64>::zeros(&[0, 3]));
    let w = tape.var(Tensor::ones(&[3, 2]));
    let y = x.matmul(w).tanh().sum_all();
    assert_eq!(y.value().item(), 0.0);
    let g = tape.grad(&[y], &[w], false)[0].value();
    assert_eq!(g.data(), &[0.0; 6]);
}

#[test]
fn cross_entropy_is_stable_for_huge_logits() {
    let tape = Tape::<f32>::new();
    let logits = tape.var(Tensor::from_vec(&[2, 2], vec![1e4, -1e4, -1e4, 1e4]).unwrap());
    let loss = logits.cross_entropy(&[0, 0], Reduction::Mean);
    assert_eq!(loss.value().item(), 1e4);
    let g = tape.grad(&[loss], &[logits], false)[0].value();
    assert_eq!(g.data(), &[0.0, 0.0, -0.5, 0.5]);
}

#[test]
fn shape_errors_name_the_op_and_shapes() {
    let message = |f: fn()| {
        let err = std::panic::catch_unwind(f).unwrap_err();
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    let m = message(|| {
        let tape = Tape::<f32>::new();
        let _ = tape.var(Tensor::zeros(&[2, 3])) + tape.var(Tensor::zeros(&[4]));
    });
    assert!(
        m.contains("add") && m.contains("[2, 3]") && m.contains("[4]"),
        "{m}"
    );
    let m = message(|| {
        let tape = Tape::<f32>::new();
        let _ = tape
            .var(Tensor::zeros(&[2, 3]))
            .matmul(tape.var(Tensor::zeros(&[2, 3])));
    });
    assert!(m.contains("matmul") && m.contains("[2, 3]"), "{m}");
    let m = message(|| {
        let tape = Tape::<f32>::new();
        let _ = tape.var(Tensor::zeros(&[3, 2])).index_select(0, &[0, 5]);
    });
    assert!(m.contains("index 5 at position 1"), "{m}");
    let m = message(|| {
        let tape = Tape::<f32>::new();
        let _ = tape
            .var(Tensor::zeros(&[2, 3]))
            .cross_entropy(&[0, 3], Reduction::Mean);
    });
    assert!(m.contains("target 3 of example 1"), "{m}");
}

#[test]
fn from_vec_reports_length_mismatch() {
    let err = Tensor::<f32>::from_vec(&[2, 3], vec![0.0; 5])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[2, 3]") && err.contains('6') && err.contains('5'),
        "{err}"
    );
}

#[test]
fn hessian_is_symmetric_on_a_small_network() {
    // H[i][j] = e_jᵀ H e_i from n Hessian-vector products.
    let w = t(&[2, 2], &[0.3, -0.7, 1.1, 0.4]);
    let x = t(&[3, 2], &[1.0, -0.5, 0.2, 0.8, -1.2, 0.3]);
    let n = 4;
    let mut h = vec![vec![0.0; n]; n];
    for (i, row) in h.iter_mut().enumerate() {
        let tape = Tape::new();
        let wv = tape.var(w.clone());
        let loss = tape
            .constant(x.clone())
            .matmul(wv)
            .tanh()
            .cross_entropy(&[0, 1, 1], Reduction::Mean);
        let mut e = Tensor::zeros(&[2, 2]);
        e.data_mut()[i] = 1.0;
        *row = tape.hvp(loss, &[wv], &[e])[0].data().to_vec();
    }
    for (i, row) in h.iter().enumerate() {
        for (j, &hij) in row.iter().enumerate() {
            assert!((hij - h[j][i]).abs() < 1e-12, "H[{i}][{j}] != H[{j}][{i}]");
        }
    }
}

#[test]
fn jvp_matches_forward_differences_of_a_network() {
    let x = t(&[2, 3], &[0.5, -1.0, 0.3, 1.2, 0.7, -0.4]);
    let u = t(&[2, 3], &[0.2, 0.1, -0.3, 0.5, -0.6, 0.4]);
    fn f(v: Var<'_, f64>) -> Var<'_, f64> {
        (v.tanh() * v).softmax(1)
    }
    let tape = Tape::new();
    let v = tape.var(x.clone());
    let ju = tape.jvp(f(v), &[v], std::slice::from_ref(&u));
    let eps = 1e-6;
    let shifted = |s: f64| {
        let data = x
            .data()
            .iter()
            .zip(u.data())
            .map(|(a, b)| a + s * eps * b)
            .collect();
        let tape = Tape::new();
        f(tape.var(Tensor::from_vec(&[2, 3], data).unwrap())).value()
    };
    let (p, m) = (shifted(1.0), shifted(-1.0));
    for (k, &got) in ju.data().iter().enumerate() {
        let want = (p.data()[k] - m.data()[k]) / (2.0 * eps);
        assert!((got - want).abs() < 1e-8, "component {k}: {got} vs {want}");
    }
}

#[test]
fn an_inference_tape_keeps_no_backward_state() {
    let w = t(&[2, 2], &[0.5, -1.0, 2.0, 0.1]);
    let tape = Tape::inference();
    let wv = tape.param(0, &w);
    let y = tape
        .constant(t(&[1, 2], &[1.0, 1.0]))
        .matmul(wv)
        .tanh()
        .sum_all();
    assert!(!y.requires_grad());
    let grads = y.backward();
    assert!(grads.is_empty());
    assert_eq!(grads.unreached(), &[0.into()]);
}

/// A maximum over a non-empty axis of an empty tensor is empty, and so
/// is its gradient (an empty axis itself is refused: `shape_errors.rs`).
#[test]
fn max_of_an_empty_tensor_along_a_non_empty_axis_is_empty() {
    for (shape, axis, out) in [([2, 0], 0, [0]), ([0, 2], 1, [0])] {
        let tape = Tape::<f64>::new();
        let x = tape.var(Tensor::zeros(&shape));
        let m = x.max(axis);
        assert_eq!(m.shape()[..], out, "{shape:?} along {axis}");
        let g = tape.grad(&[m.sum_all()], &[x], false);
        assert_eq!(g[0].shape()[..], shape);
    }
}

#[test]
fn anomaly_mode_names_the_op_position_shapes_and_line_of_a_bad_forward() {
    let tape = Tape::<f64>::with_anomaly_detection();
    let x = tape.var(t(&[2, 2], &[1.0, -1.0, 2.0, 3.0]));
    let y = x.exp();
    let line = line!() + 1;
    let z = (y - 2.0).log(); // log of a negative number: NaN
    let loss = z.sum_all();
    let anomaly = tape.anomaly().expect("caught");
    assert_eq!(
        (anomaly.op, anomaly.phase),
        ("log", origami_tape::Phase::Forward)
    );
    assert_eq!(anomaly.input_shapes[0].as_slice(), &[2, 2]);
    let at = anomaly.location.unwrap();
    assert_eq!((at.file(), at.line()), (file!(), line));
    let message = loss.try_backward().unwrap_err().to_string();
    assert!(
        message.contains("log")
            && message.contains("[2, 2]")
            && message.contains(&format!("{}:{line}", file!())),
        "{message}"
    );
}

/// Anomalies, like shape errors, name the op: slicing, reductions,
/// layout ops and the loss too.
#[test]
fn anomaly_mode_names_slicing_reductions_layout_ops_and_the_loss() {
    type Recorded = for<'t> fn(Var<'t, f64>) -> Var<'t, f64>;
    let ops: [(&str, Recorded); 9] = [
        ("narrow", |x| x.narrow(0, 0, 1)),
        ("concat", |x| Var::concat(&[x, x], 0)),
        ("where", |x| {
            Var::where_cond(&[true, true, false, false], x, x)
        }),
        ("sum", |x| x.sum(&[0])),
        ("max", |x| x.max(1)),
        ("reshape", |x| x.reshape(&[4])),
        ("permute", |x| x.permute(&[1, 0])),
        ("broadcast_to", |x| x.broadcast_to(&[3, 2, 2])),
        ("cross_entropy", |x| {
            x.cross_entropy(&[0, 1], origami_tape::Reduction::Mean)
        }),
    ];
    for (name, op) in ops {
        let tape = Tape::<f64>::with_anomaly_detection();
        op(tape.var(t(&[2, 2], &[1.0, f64::NAN, 2.0, 3.0])));
        assert_eq!(tape.anomaly().expect("caught").op, name);
    }
}

#[test]
fn anomaly_mode_catches_a_non_finite_gradient() {
    let w = t(&[2], &[0.0, 4.0]);
    let tape = Tape::<f64>::with_anomaly_detection();
    let x = tape.param(0, &w);
    let line = line!() + 1;
    let loss = x.sqrt().sum_all(); // finite forward, d sqrt / dx = inf at 0
    assert!(tape.anomaly().is_none());
    let anomaly = loss.try_backward().unwrap_err();
    assert_eq!(
        (anomaly.op, anomaly.phase, anomaly.input),
        ("sqrt", origami_tape::Phase::Backward, Some(0))
    );
    assert_eq!(anomaly.location.unwrap().line(), line);
}

#[test]
fn a_normal_tape_does_not_check() {
    let tape = Tape::<f64>::new();
    let x = tape.var(t(&[1], &[-1.0]));
    let y = x.log().sum_all();
    assert!(tape.anomaly().is_none());
    assert!(y.try_backward().is_ok());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, failure_persistence: None, ..Default::default() })]

    /// Many narrows of one tensor (overlapping, along either axis, some
    /// used twice): the eager backward adds each window in place, the
    /// recorded one pads; both must agree with central differences.
    #[test]
    fn many_narrows_of_one_tensor_accumulate_their_windows(
        rows in 1usize..5,
        cols in 1usize..5,
        cuts in proptest::collection::vec((0usize..2, 0usize..5, 1usize..5), 1..6),
        seed in 0u64..1000,
    ) {
        use origami_tape::{GradcheckOptions, checked_fn, gradcheck, gradgradcheck};
        use rand::SeedableRng;
        let f = checked_fn(|v: &[Var<'_, f64>]| {
            let x = v[0];
            let mut total = x.sum_all() * 0.0;
            for (k, &(axis, start, len)) in cuts.iter().enumerate() {
                let dim = [rows, cols][axis];
                let start = start % dim;
                let len = len.min(dim - start);
                let part = x.narrow(axis, start, len).tanh();
                total = total + part.sum_all() * (k as f64 + 1.0) + part.square().sum_all();
            }
            total
        });
        let x = Tensor::rand_uniform(&[rows, cols], -1.0, 1.0, &mut rand::rngs::StdRng::seed_from_u64(seed)).unwrap();
        let opts = GradcheckOptions::default();
        gradcheck(f, std::slice::from_ref(&x), &opts).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        gradgradcheck(f, &[x], &opts).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
    }
}

#[test]
fn max_picks_the_first_maximum_and_the_first_nan_along_any_axis() {
    let tape = Tape::<f64>::new();
    // [3, 2, 2]: along axis 0, columns with a tie (2 at steps 0 and 2),
    // a NaN after a larger value, and a NaN before a larger one.
    let data = vec![
        2.0,
        1.0,
        5.0,
        f64::NAN,
        0.0,
        3.0,
        f64::NAN,
        9.0,
        2.0,
        3.0,
        7.0,
        1.0,
    ];
    let x = tape.var(Tensor::from_vec(&[3, 2, 2], data).unwrap());
    let m = x.max(0);
    let values = m.value();
    assert_eq!(values.data()[..2], [2.0, 3.0]);
    assert!(values.data()[2].is_nan() && values.data()[3].is_nan());
    let dx = tape.grad(&[m.sum_all()], &[x], false)[0].value();
    assert_eq!(
        dx.data(),
        &[1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "the gradient goes to the first maximum (or NaN) of each column"
    );
    // Along the last axis the same rule.
    let rows = tape
        .constant(Tensor::from_vec(&[2, 3], vec![1.0, 4.0, 4.0, f64::NAN, 2.0, f64::NAN]).unwrap());
    let picked = rows.max(1).value();
    assert_eq!(picked.data()[0], 4.0);
    assert!(picked.data()[1].is_nan());
}
