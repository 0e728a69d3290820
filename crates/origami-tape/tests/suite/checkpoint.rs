//! Checkpointed segments against the plain tape: the same values and,
//! bit for bit, the same gradients (a chain of layers, weights shared by
//! every segment, several outputs, inputs used inside and outside, nested
//! segments, a random mask replayed from a seed); second derivatives
//! through segments; an inference tape; the errors.

use origami_tape::{ParamId, Tape, Tensor, Var};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn tensor(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, -1.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
}

/// A layer's weight and bias.
type Layer = (Tensor<f64>, Tensor<f64>);

/// One layer: `tanh(x W + b)`, with W and b bound from `weights`.
fn layer<'s>(t: &'s Tape<f64>, x: Var<'s, f64>, w: &Layer, id: usize) -> Var<'s, f64> {
    (x.matmul(t.param(2 * id, &w.0)) + t.param(2 * id + 1, &w.1)).tanh()
}

fn weights(depth: usize, width: usize, seed: u64) -> Vec<Layer> {
    (0..depth)
        .map(|l| {
            (
                tensor(&[width, width], seed + 2 * l as u64),
                tensor(&[width], seed + 2 * l as u64 + 1),
            )
        })
        .collect()
}

/// The loss of a `depth`-layer chain with every `block` layers in one
/// segment (`None`: no segments), and its gradients.
fn chain(
    x: &Tensor<f64>,
    ws: &[Layer],
    block: Option<usize>,
) -> (f64, Vec<(ParamId, Tensor<f64>)>) {
    let tape = Tape::new();
    let mut h = tape.constant(x.clone());
    let ids: Vec<usize> = (0..ws.len()).collect();
    match block {
        None => {
            for (l, w) in ws.iter().enumerate() {
                h = layer(&tape, h, w, l);
            }
        }
        Some(k) => {
            for group in ids.chunks(k) {
                let group: Vec<(usize, Layer)> =
                    group.iter().map(|&l| (l, ws[l].clone())).collect();
                h = tape.checkpoint(&[h], move |t, xs| {
                    vec![group.iter().fold(xs[0], |h, (l, w)| layer(t, h, w, *l))]
                })[0];
            }
        }
    }
    let loss = (h * h).sum_all();
    let grads = loss.backward();
    (
        loss.value().item(),
        grads.iter().map(|(id, g)| (id, g.clone())).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_chain_in_segments_has_the_plain_gradients_bit_for_bit(
        depth in 1usize..7, width in 1usize..6, rows in 1usize..4, block in 1usize..4, seed in 0u64..1000,
    ) {
        let ws = weights(depth, width, seed);
        let x = tensor(&[rows, width], seed + 999);
        let plain = chain(&x, &ws, None);
        let segmented = chain(&x, &ws, Some(block));
        prop_assert_eq!(plain.0.to_bits(), segmented.0.to_bits());
        prop_assert_eq!(plain.1.len(), segmented.1.len());
        for ((id, a), (id2, b)) in plain.1.iter().zip(&segmented.1) {
            prop_assert_eq!(id, id2);
            prop_assert_eq!(a.data(), b.data(), "{:?}", id);
        }
    }
}

fn step<'s>(t: &'s Tape<f64>, h: Var<'s, f64>, x: Var<'s, f64>, w: &Tensor<f64>) -> Var<'s, f64> {
    (h.matmul(t.param(0, w)) + x).tanh()
}

/// A recurrence `h ← tanh(h W + x_t)` over `steps`, in chunks of `k`
/// steps (every chunk binds the same W), with the state of every step
/// kept as an output and all of them used by the loss.
fn recurrence(
    xs: &[Tensor<f64>],
    w: &Tensor<f64>,
    h0: &Tensor<f64>,
    k: Option<usize>,
) -> (Tensor<f64>, Tensor<f64>) {
    let tape = Tape::new();
    let h0 = tape.var(h0.clone());
    let inputs: Vec<Var<'_, f64>> = xs.iter().map(|x| tape.var(x.clone())).collect();
    let mut states = Vec::new();
    let mut h = h0;
    match k {
        None => {
            for &x in &inputs {
                h = step(&tape, h, x, w);
                states.push(h);
            }
        }
        Some(k) => {
            for chunk in inputs.chunks(k) {
                let mut args = vec![h];
                args.extend_from_slice(chunk);
                let w = w.clone();
                let outs = tape.checkpoint(&args, move |t, a| {
                    let mut h = a[0];
                    let mut outs = Vec::new();
                    for &x in &a[1..] {
                        h = step(t, h, x, &w);
                        outs.push(h);
                    }
                    outs
                });
                h = *outs.last().unwrap();
                states.extend(outs);
            }
        }
    }
    // Every state is used outside the segments too (a pooled read-out),
    // and the input h0 directly.
    let pooled = Var::stack(&states, 0).square().sum_all() + (h0 * h).sum_all();
    let grads = pooled.backward();
    let dh0 = tape.grad(&[pooled], &[h0], false)[0].value();
    (grads.get(0).unwrap().clone(), dh0)
}

#[test]
fn a_recurrence_in_chunks_has_the_plain_gradients_bit_for_bit() {
    let (batch, hidden, steps) = (3, 4, 10);
    let xs: Vec<Tensor<f64>> = (0..steps)
        .map(|t| tensor(&[batch, hidden], 100 + t as u64))
        .collect();
    let w = tensor(&[hidden, hidden], 7).map(|v| 0.8 * v);
    let h0 = tensor(&[batch, hidden], 8);
    let plain = recurrence(&xs, &w, &h0, None);
    for k in [1, 3, 4, 10] {
        let chunked = recurrence(&xs, &w, &h0, Some(k));
        assert_eq!(plain.0.data(), chunked.0.data(), "dW, chunks of {k}");
        assert_eq!(plain.1.data(), chunked.1.data(), "dh0, chunks of {k}");
    }
}

#[test]
fn second_derivatives_go_through_segments() {
    let ws = weights(3, 3, 11);
    let x = tensor(&[2, 3], 12);
    let v: Vec<Tensor<f64>> = ws
        .iter()
        .flat_map(|(w, b)| [tensor(w.shape(), 13), tensor(b.shape(), 14)])
        .collect();
    let run = |segmented: bool| {
        let tape = Tape::new();
        let mut h = tape.constant(x.clone());
        for (l, w) in ws.iter().enumerate() {
            h = if segmented {
                let w = w.clone();
                tape.checkpoint(&[h], move |t, xs| vec![layer(t, xs[0], &w, l)])[0]
            } else {
                layer(&tape, h, w, l)
            };
        }
        let loss = (h * h).sum_all();
        let wrt: Vec<Var<'_, f64>> = tape.params().into_iter().map(|(_, v)| v).collect();
        let hv = tape.hvp(loss, &wrt, &v);
        let jv = tape.jvp(h, &wrt, &v);
        (hv, jv)
    };
    let (hv_plain, jv_plain) = run(false);
    let (hv_seg, jv_seg) = run(true);
    for (a, b) in hv_plain.iter().zip(&hv_seg) {
        let diff = a
            .data()
            .iter()
            .zip(b.data())
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        assert!(diff <= 1e-12, "Hv differs by {diff}");
    }
    let diff = jv_plain
        .data()
        .iter()
        .zip(jv_seg.data())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    assert!(diff <= 1e-12, "Jv differs by {diff}");
}

/// A segment with a segment of two outputs inside.
fn nested<'t>(v: &[Var<'t, f64>]) -> Var<'t, f64> {
    v[0].tape().checkpoint(&[v[0], v[1]], |t, xs| {
        let inner = t.checkpoint(&[xs[0]], |_, ys| vec![ys[0].sin(), ys[0].exp()]);
        vec![(inner[0] * xs[1]).tanh() + inner[1]]
    })[0]
}

#[test]
fn checkpointed_functions_pass_the_derivative_checks() {
    use origami_tape::{GradcheckOptions, gradcheck, gradgradcheck, hvpcheck};
    let inputs = [tensor(&[2, 3], 21), tensor(&[3], 22)];
    let opts = GradcheckOptions::default();
    gradcheck(nested, &inputs, &opts).unwrap();
    gradgradcheck(nested, &inputs, &opts).unwrap();
    hvpcheck(|v| nested(v).sum_all(), &inputs, &opts).unwrap();
}

/// Dropout by hand: a mask drawn from a generator seeded with `seed`.
fn masked<'s>(t: &'s Tape<f64>, h: Var<'s, f64>, seed: u64) -> Var<'s, f64> {
    let mask = Tensor::rand_uniform(&h.shape(), 0.0, 1.0, &mut StdRng::seed_from_u64(seed))
        .unwrap()
        .map(|u| if u < 0.5 { 0.0 } else { 2.0 });
    h * t.constant(mask)
}

#[test]
fn a_random_mask_drawn_from_a_captured_seed_is_replayed() {
    let w = tensor(&[4, 4], 31);
    let x = tensor(&[5, 4], 32);
    let plain = {
        let tape = Tape::new();
        let h = masked(
            &tape,
            tape.constant(x.clone()).matmul(tape.param(0, &w)),
            77,
        );
        h.square().sum_all().backward().get(0).unwrap().clone()
    };
    let segmented = {
        let tape = Tape::new();
        let w = w.clone();
        let h = tape.checkpoint(&[tape.constant(x.clone())], move |t, xs| {
            vec![masked(t, xs[0].matmul(t.param(0, &w)), 77)]
        })[0];
        h.square().sum_all().backward().get(0).unwrap().clone()
    };
    assert_eq!(plain.data(), segmented.data());
}

#[test]
fn an_inference_tape_runs_the_segment_in_place() {
    let tape = Tape::<f64>::inference();
    let x = tape.var(tensor(&[2], 41));
    let before = tape.len();
    let y = tape.checkpoint(&[x], |_, xs| vec![xs[0].exp()])[0];
    assert_eq!(tape.len(), before + 1, "one node: the exp itself");
    assert_eq!(y.value().data(), x.value().map(f64::exp).data());
}

#[test]
#[should_panic(expected = "checkpoint: the segment returned no outputs")]
fn a_segment_without_outputs_panics() {
    let tape = Tape::<f64>::new();
    let x = tape.var(tensor(&[2], 51));
    tape.checkpoint(&[x], |_, _| Vec::new());
}

/// An anomaly-checking tape looks inside its segments: the first
/// non-finite value is reported at the op inside that made it (its name and
/// line), with the segment's node; a segment that stays finite reports
/// nothing, and a plain tape checks nothing.
#[test]
fn anomaly_detection_reaches_inside_segments() {
    let tape = Tape::<f64>::with_anomaly_detection();
    let x = tape.var(Tensor::from_vec(&[2], vec![1.0, -1.0]).unwrap());
    let fine = tape.checkpoint(&[x], |_, xs| vec![xs[0].exp()]);
    assert!(tape.anomaly().is_none());
    let line = line!() + 1;
    tape.checkpoint(&[fine[0]], |_, xs| vec![(xs[0] - 2.0).log() * 3.0]);
    let node = tape.len() - 1;
    let anomaly = tape
        .anomaly()
        .expect("log of a negative number inside the segment");
    assert_eq!(anomaly.op, "log");
    assert_eq!(anomaly.segment, Some(node));
    assert_eq!(anomaly.location.map(|l| l.line()), Some(line));
    let text = anomaly.to_string();
    assert!(
        text.contains(&format!("of the checkpointed segment at node {node})")),
        "{text}"
    );
    let plain = Tape::<f64>::new();
    let x = plain.var(Tensor::from_vec(&[1], vec![-1.0]).unwrap());
    plain.checkpoint(&[x], |_, xs| vec![xs[0].log()]);
    assert!(plain.anomaly().is_none());
}
