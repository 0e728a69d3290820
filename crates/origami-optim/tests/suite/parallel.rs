//! Data-parallel gradients: the shards' sum equals the whole batch's
//! gradient, is bit-identical whatever the thread count, and reports
//! errors, panics and unreached parameters like a single tape would.

use origami_nn::{Activation, Init, Module, Params, Sequential, mlp};
use origami_optim::{OptimError, sharded_gradient};
use origami_tape::{Grads, Reduction, Tape, Tensor};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn net() -> Sequential<f64> {
    mlp(
        &[3, 8, 4],
        Activation::Tanh,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(3),
    )
}

/// Mean cross-entropy of rows `rows` of the batch, divided by the full
/// batch size so that shards add up to the batch mean.
fn loss_of(
    model: &Sequential<f64>,
    x: &Tensor<f64>,
    y: &[usize],
    rows: std::ops::Range<usize>,
) -> (f64, Grads<f64>) {
    let tape = Tape::new();
    let input = tape.constant(x.clone()).narrow(0, rows.start, rows.len());
    let loss = model
        .forward(&tape, input)
        .cross_entropy(&y[rows], Reduction::Sum)
        / y.len() as f64;
    (loss.value().item(), loss.backward())
}

fn shard_rows(n: usize, shards: usize, i: usize) -> std::ops::Range<usize> {
    (n * i / shards)..(n * (i + 1) / shards)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn shards_add_up_to_the_batch(n in 4usize..24, shards in 1usize..5, threads in 1usize..4, seed in 0u64..1000) {
        let model = net();
        let x = Tensor::randn(&[n, 3], 0.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap();
        let y: Vec<usize> = (0..n).map(|i| (i * 7 + seed as usize) % 4).collect();
        let (whole_loss, whole) = loss_of(&model, &x, &y, 0..n);
        let sharded = |threads| {
            sharded_gradient(shards, threads, |i| Ok(loss_of(&model, &x, &y, shard_rows(n, shards, i)))).unwrap()
        };
        let (loss, grads) = sharded(threads);
        prop_assert!((loss - whole_loss).abs() <= 1e-12 * whole_loss.abs().max(1.0));
        for (_, p) in model.params() {
            let (a, b) = (grads.get(p.id()).unwrap(), whole.get(p.id()).unwrap());
            for (u, v) in a.data().iter().zip(b.data()) {
                prop_assert!((u - v).abs() <= 1e-12, "{u} vs {v}");
            }
        }
        let (loss_1, grads_1) = sharded(1);
        prop_assert_eq!(loss.to_bits(), loss_1.to_bits(), "thread count changed the loss");
        for (_, p) in model.params() {
            prop_assert_eq!(grads.get(p.id()).unwrap(), grads_1.get(p.id()).unwrap());
        }
    }
}

#[test]
fn unreached_means_no_shard_reached_it() {
    let model = net();
    let params = model.params();
    let (first, last) = (params[0].1, params[3].1);
    let (_, grads) = sharded_gradient(2, 2, |i| {
        let tape = Tape::new();
        let (a, b) = (first.bind(&tape), last.bind(&tape));
        let loss = if i == 0 {
            a.sum_all()
        } else {
            a.sum_all() + b.sum_all()
        };
        Ok((loss.value().item(), loss.backward()))
    })
    .unwrap();
    assert!(grads.unreached().is_empty());
    assert_eq!(grads.get(last.id()).unwrap().data(), &[1.0; 4]);
    assert_eq!(grads.get(first.id()).unwrap().data(), &[2.0; 24]);
    let (_, grads) = sharded_gradient(2, 2, |_| {
        let tape = Tape::new();
        let (a, _) = (first.bind(&tape), last.bind(&tape));
        let loss = a.sum_all();
        Ok((loss.value().item(), loss.backward()))
    })
    .unwrap();
    assert_eq!(grads.unreached(), &[last.id()]);
}

#[test]
fn errors_come_back_in_shard_order() {
    let err = sharded_gradient::<f64, _>(4, 2, |i| {
        Err(OptimError::State {
            message: format!("shard {i}"),
        })
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "optimizer state: shard 0");
    let err = sharded_gradient::<f64, _>(0, 2, |_| unreachable!()).unwrap_err();
    assert!(err.to_string().contains("at least one shard"), "{err}");
}

#[test]
#[should_panic(expected = "shard 1 fell over")]
fn a_panicking_shard_panics_the_caller() {
    let _ = sharded_gradient::<f64, _>(2, 2, |i| {
        assert!(i != 1, "shard 1 fell over");
        Ok((0.0, Grads::from_entries(Vec::new())))
    });
}

/// Shards already fill the threads, so the products inside one must not
/// start threads of their own (4 threads fighting for 2 cores, each
/// product waiting on a descheduled helper); one thread keeps the setting.
#[test]
fn products_inside_shards_stay_on_their_thread() {
    origami_tape::set_threads(2);
    let seen = |threads| {
        let counts = std::sync::Mutex::new(Vec::new());
        sharded_gradient::<f64, _>(4, threads, |_| {
            counts.lock().unwrap().push(origami_tape::threads());
            Ok((0.0, Grads::sum(vec![])))
        })
        .unwrap();
        counts.into_inner().unwrap()
    };
    let (two, one) = (seen(2), seen(1));
    origami_tape::set_threads(1);
    assert_eq!(two, [1; 4]);
    assert_eq!(one, [2; 4]);
}

/// `shard_gradients` gives each shard of a range with its global index, in
/// order; summed from a loss of 0, they are `sharded_gradient`'s result
/// bit for bit (what `origami-mpi` continues across processes).
#[test]
fn shard_gradients_are_the_sum_before_it_is_formed() {
    let model = net();
    let x = Tensor::randn(&[12, 3], 0.0, 1.0, &mut StdRng::seed_from_u64(5)).unwrap();
    let y: Vec<usize> = (0..12).map(|i| i % 4).collect();
    let shard = |i| Ok(loss_of(&model, &x, &y, shard_rows(12, 6, i)));
    let (loss, grads) = sharded_gradient(6, 2, shard).unwrap();
    let (front, back) = (
        origami_optim::shard_gradients(0..2, 2, shard).unwrap(),
        origami_optim::shard_gradients(2..6, 1, shard).unwrap(),
    );
    assert_eq!(back[0].0.to_bits(), shard(2).unwrap().0.to_bits());
    let parts: Vec<_> = front.into_iter().chain(back).collect();
    let total = parts.iter().fold(0.0, |sum, (l, _)| sum + l);
    assert_eq!(total.to_bits(), loss.to_bits());
    let summed = Grads::sum(parts.into_iter().map(|(_, g)| g));
    for (id, g) in grads.iter() {
        assert_eq!(summed.get(id).unwrap(), g);
    }
    let empty = origami_optim::shard_gradients::<f64, _>(3..3, 1, |_| unreachable!());
    assert!(
        empty
            .unwrap_err()
            .to_string()
            .contains("at least one shard")
    );
}
