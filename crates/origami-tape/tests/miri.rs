//! Small enough for Miri: every `unsafe` block outside the kernels' SIMD
//! paths, reached with a few elements each — the broadcasting product and
//! `broadcast_to` (which fill fresh buffers before `set_len`), the matrix
//! product's output, the scans' transposed weights, the buffer cache
//! (blocks reused, sent across threads) and a checkpointed segment's
//! recomputation. Each result is also compared with a plain composition,
//! so the file bites on a normal run too.
//!
//! `MIRIFLAGS=-Zmiri-deterministic-floats cargo +nightly miri test -p origami-tape --test miri`

use std::sync::Arc;

use origami_tape::{ElmanScan, GruScan, LstmScan, Nonlinearity, Tape, Tensor, Var, check_close};

mod support;

use support::elman::unrolled;

fn ramp(shape: &[usize], scale: f64) -> Tensor<f64> {
    let n = shape.iter().product();
    Tensor::from_vec(
        shape,
        (0..n).map(|i| scale * ((i % 7) as f64 - 3.0)).collect(),
    )
    .unwrap()
}

#[test]
fn broadcasting_product_and_its_gradients() {
    let tape = Tape::new();
    let a = tape.var(ramp(&[2, 1, 3], 0.5));
    let b = tape.var(ramp(&[4, 1], 0.25));
    let product = a * b;
    assert_eq!(product.shape()[..], [2, 4, 3]);
    let by_hand = a.broadcast_to(&[2, 4, 3]) * b.broadcast_to(&[2, 4, 3]);
    check_close(product.value().data(), by_hand.value().data(), 0.0).unwrap();
    let grads = tape.grad(&[product.sum_all()], &[a, b], false);
    // d/da: the sum of b over the broadcast axis, 3 copies of Σb.
    let sum_b: f64 = b.value().data().iter().sum();
    assert!(grads[0].value().data().iter().all(|&g| g == sum_b));
    let sum_a: f64 = a.value().data().iter().sum();
    assert!(grads[1].value().data().iter().all(|&g| g == sum_a));
}

#[test]
fn batched_products_forward_and_backward() {
    let tape = Tape::new();
    let a = tape.var(ramp(&[2, 3, 4], 0.5));
    let w = tape.var(ramp(&[5, 4], 0.25));
    let folded = a.matmul_t(w, false, true);
    assert_eq!(folded.shape()[..], [2, 3, 5]);
    let flat = a
        .reshape(&[6, 4])
        .matmul(w.transpose(0, 1))
        .reshape(&[2, 3, 5]);
    check_close(folded.value().data(), flat.value().data(), 1e-12).unwrap();
    let g = tape.grad(&[folded.square().sum_all()], &[a, w], true);
    let h = tape.grad(&[flat.square().sum_all()], &[a, w], true);
    for k in 0..2 {
        check_close(g[k].value().data(), h[k].value().data(), 1e-12).unwrap();
    }
    // Second order through the product (the recorded backward).
    let gg = tape.grad(&[g[1].sum_all()], &[a], false);
    let hh = tape.grad(&[h[1].sum_all()], &[a], false);
    check_close(gg[0].value().data(), hh[0].value().data(), 1e-12).unwrap();
}

#[test]
fn elman_scan_with_ragged_lengths() {
    let tape = Tape::new();
    let (z, h0, w) = (
        tape.var(ramp(&[3, 2, 2], 0.3)),
        tape.var(ramp(&[2, 2], 0.2)),
        tape.var(ramp(&[2, 2], 0.4)),
    );
    let lengths: Arc<[usize]> = Arc::from(vec![3, 1]);
    let scan = ElmanScan {
        nonlinearity: Nonlinearity::Tanh,
        transpose_weight: true,
        lengths: Some(lengths.clone()),
    };
    let fused = z.elman_scan(h0, w, &scan);
    let by_hand = unrolled(z, h0, w, &scan);
    check_close(fused.value().data(), by_hand.value().data(), 1e-12).unwrap();
    for create_graph in [false, true] {
        let g = tape.grad(&[fused.square().sum_all()], &[z, h0, w], create_graph);
        let h = tape.grad(&[by_hand.square().sum_all()], &[z, h0, w], false);
        for k in 0..3 {
            check_close(g[k].value().data(), h[k].value().data(), 1e-12).unwrap();
        }
    }
}

#[test]
fn gated_scans_run_forward_and_backward() {
    let tape = Tape::new();
    let lengths: Option<Arc<[usize]>> = Some(Arc::from(vec![2, 1]));
    let h0 = tape.var(ramp(&[2, 2], 0.2));
    let gru_in = tape.var(ramp(&[2, 2, 6], 0.3));
    let gru_w = tape.var(ramp(&[6, 2], 0.4));
    let gru_b = tape.var(ramp(&[6], 0.1));
    let gru = gru_in.gru_scan(
        h0,
        gru_w,
        gru_b,
        &GruScan {
            lengths: lengths.clone(),
            ..GruScan::default()
        },
    );
    let lstm_in = tape.var(ramp(&[2, 2, 8], 0.3));
    let c0 = tape.var(ramp(&[2, 2], 0.1));
    let lstm_w = tape.var(ramp(&[8, 2], 0.4));
    let lstm_b = tape.var(ramp(&[8], 0.1));
    let lstm = lstm_in.lstm_scan(
        h0,
        c0,
        lstm_w,
        lstm_b,
        &LstmScan {
            lengths,
            ..LstmScan::default()
        },
    );
    let loss = gru.square().sum_all() + lstm.square().sum_all();
    let inputs = [gru_in, h0, gru_w, gru_b, lstm_in, c0, lstm_w, lstm_b];
    let eager = tape.grad(&[loss], &inputs, false);
    let recorded = tape.grad(&[loss], &inputs, true);
    for k in 0..inputs.len() {
        check_close(eager[k].value().data(), recorded[k].value().data(), 1e-12).unwrap();
    }
    // The second row ended after one step: its later states repeat it.
    let states = gru.value().data().to_vec();
    assert_eq!(states[4 + 2..4 + 4], states[2..4]);
}

#[test]
fn buffers_are_reused_and_cross_threads() {
    for round in 0..3 {
        let tensors: Vec<Tensor<f64>> = (1..6).map(|n| ramp(&[n, 3], round as f64 + 1.0)).collect();
        let sums = std::thread::scope(|s| {
            let handles: Vec<_> = tensors
                .iter()
                .map(|t| s.spawn(move || t.data().iter().sum::<f64>()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<f64>>()
        });
        for (t, sum) in tensors.iter().zip(sums) {
            assert_eq!(sum, t.data().iter().sum::<f64>());
        }
        let moved =
            std::thread::spawn(move || tensors.into_iter().map(|t| t.numel()).sum::<usize>());
        assert_eq!(moved.join().unwrap(), 3 * 15);
    }
}

#[test]
fn checkpointed_segment_recomputes_exactly() {
    let tape = Tape::new();
    let x = tape.var(ramp(&[2, 3], 0.5));
    let w = tape.var(ramp(&[3, 3], 0.25));
    fn block<'t>(v: Var<'t, f64>, w: Var<'t, f64>) -> Var<'t, f64> {
        v.matmul(w).tanh().matmul(w).sigmoid()
    }
    let kept = tape.checkpoint(&[x, w], |_, xs| vec![block(xs[0], xs[1])])[0];
    let plain = block(x, w);
    assert_eq!(kept.value().data(), plain.value().data());
    let g = tape.grad(&[kept.sum_all()], &[x, w], false);
    let h = tape.grad(&[plain.sum_all()], &[x, w], false);
    for k in 0..2 {
        assert_eq!(g[k].value().data(), h[k].value().data());
    }
}
