//! First-order updates equal their closed-form recurrences (proptest over
//! random parameters, gradients, hyperparameters and a per-group rate
//! scale, several steps; SDLM's recurrence; Nesterov's requirements); a
//! parameter without a gradient is an error naming it; state round-trips
//! so training resumes exactly.

use origami_nn::{Dense, Params};
use origami_optim::{
    Adam, FirstOrder, Group, Groups, Method, OptimError, Sdlm, Sgd, clip_grad_norm,
};
use origami_tape::{Grads, Tape, Tensor, check_close};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Gradients equal to `g` for the layer's weight and bias (a loss
/// `⟨g_w, W⟩ + ⟨g_b, b⟩`, whose gradient is exactly `g`).
fn grads_of(layer: &Dense<f64>, gw: &Tensor<f64>, gb: &Tensor<f64>) -> Grads<f64> {
    let tape = Tape::new();
    let w = layer.weight.bind(&tape);
    let b = layer.bias.as_ref().unwrap().bind(&tape);
    let loss =
        (w * tape.constant(gw.clone())).sum_all() + (b * tape.constant(gb.clone())).sum_all();
    loss.backward()
}

fn flat(layer: &Dense<f64>) -> Vec<f64> {
    layer
        .params()
        .iter()
        .flat_map(|(_, p)| p.value().data().to_vec())
        .collect()
}

/// Runs `steps` updates of `opt` with random gradients; returns the
/// parameter trajectory and the gradients used.
fn run(
    opt: &mut impl FirstOrder<f64>,
    seed: u64,
    steps: usize,
) -> (Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut layer = Dense::<f64>::new(3, 2, &mut rng);
    let start = flat(&layer);
    let mut gs = Vec::new();
    let mut traj = Vec::new();
    for _ in 0..steps {
        let gw = Tensor::rand_uniform(&[2, 3], -1.0, 1.0, &mut rng).unwrap();
        let gb = Tensor::rand_uniform(&[2], -1.0, 1.0, &mut rng).unwrap();
        let grads = grads_of(&layer, &gw, &gb);
        opt.update(&mut layer, &grads).unwrap();
        gs.push(gw.data().iter().chain(gb.data()).copied().collect());
        traj.push(flat(&layer));
    }
    (start, gs, traj)
}

/// One group for everything with weight decay `wd`, and one for the bias
/// that also scales its rate by `bias_scale`.
fn groups(wd: f64, bias_scale: f64) -> Groups {
    Groups::uniform(wd).with(Group {
        weight_decay: wd,
        ..Group::new("bias", bias_scale)
    })
}

/// The rate of flat parameter `i` of [`run`]'s layer: its 6 weights come
/// first, then its 2 biases.
fn rate(lr: f64, bias_scale: f64, i: usize) -> f64 {
    if i < 6 { lr } else { lr * bias_scale }
}

fn assert_close(a: &[f64], b: &[f64]) -> Result<(), TestCaseError> {
    check_close(a, b, 1e-12).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sgd_momentum_and_nesterov_follow_pytorch(lr in 0.001f64..1.0, mu in 0.0f64..0.99, wd in 0.0f64..0.1,
                                                damp in 0.0f64..0.5, nesterov: bool, seed: u64,
                                                bias_scale in 0.1f64..3.0) {
        let mut opt = Sgd::<f64>::new(lr);
        opt.momentum = mu;
        opt.nesterov = nesterov && mu > 0.0;
        opt.dampening = if opt.nesterov { 0.0 } else { damp };
        opt.groups = groups(wd, bias_scale);
        let (mut p, gs, traj) = run(&mut opt, seed, 5);
        let mut buf = vec![0.0; p.len()];
        for (t, (g, want)) in gs.iter().zip(&traj).enumerate() {
            for i in 0..p.len() {
                let mut d = g[i] + wd * p[i];
                if mu != 0.0 {
                    buf[i] = if t == 0 { d } else { mu * buf[i] + (1.0 - opt.dampening) * d };
                    d = if opt.nesterov { d + mu * buf[i] } else { buf[i] };
                }
                p[i] -= rate(lr, bias_scale, i) * d;
            }
            assert_close(want, &p)?;
        }
    }

    #[test]
    fn adam_and_adamw_follow_pytorch(lr in 0.0001f64..0.1, b1 in 0.5f64..0.99, b2 in 0.9f64..0.9999,
                                     wd in 0.0f64..0.1, decoupled: bool, seed: u64,
                                     bias_scale in 0.1f64..3.0) {
        let mut opt = if decoupled { Adam::<f64>::adamw(lr, wd) } else { Adam::<f64>::new(lr) }
            .with_groups(groups(wd, bias_scale));
        opt.beta1 = b1;
        opt.beta2 = b2;
        let (mut p, gs, traj) = run(&mut opt, seed, 5);
        let (mut m, mut v) = (vec![0.0; p.len()], vec![0.0; p.len()]);
        for (t, (g, want)) in gs.iter().zip(&traj).enumerate() {
            let t = t as i32 + 1;
            for i in 0..p.len() {
                let (lr, mut gi) = (rate(lr, bias_scale, i), g[i]);
                if decoupled { p[i] *= 1.0 - lr * wd } else { gi += wd * p[i] }
                m[i] = b1 * m[i] + (1.0 - b1) * gi;
                v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
                let (mh, vh) = (m[i] / (1.0 - b1.powi(t)), v[i] / (1.0 - b2.powi(t)));
                p[i] -= lr * mh / (vh.sqrt() + 1e-8);
            }
            assert_close(want, &p)?;
        }
    }
}

/// SDLM (LeCun et al. 1998): the curvature estimate is the first sample,
/// then an average with factor γ; each weight moves by `lr/(μ + h)·g`.
#[test]
fn sdlm_follows_its_recurrence() {
    let (lr, mu, gamma) = (0.3, 0.5, 0.2);
    let mut opt = Sdlm::<f64>::new(lr, mu, gamma);
    let mut layer = Dense::<f64>::new(3, 2, &mut StdRng::seed_from_u64(8));
    let mut rng = StdRng::seed_from_u64(9);
    let mut w = flat(&layer);
    let mut h = vec![0.0; w.len()];
    for step in 0..4 {
        let draw = |shape: &[usize], lo: f64, rng: &mut StdRng| {
            Tensor::rand_uniform(shape, lo, 1.0, rng).unwrap()
        };
        let (gw, gb) = (draw(&[2, 3], -1.0, &mut rng), draw(&[2], -1.0, &mut rng));
        let (hw, hb) = (draw(&[2, 3], 0.0, &mut rng), draw(&[2], 0.0, &mut rng));
        let (grads, curvature) = (grads_of(&layer, &gw, &gb), grads_of(&layer, &hw, &hb));
        opt.update(&mut layer, &grads, &curvature).unwrap();
        let g: Vec<f64> = gw.data().iter().chain(gb.data()).copied().collect();
        let e: Vec<f64> = hw.data().iter().chain(hb.data()).copied().collect();
        for i in 0..w.len() {
            h[i] = if step == 0 {
                e[i]
            } else {
                (1.0 - gamma) * h[i] + gamma * e[i]
            };
            w[i] -= lr / (mu + h[i]) * g[i];
        }
        check_close(&flat(&layer), &w, 1e-14).unwrap();
    }
}

#[test]
fn nesterov_needs_momentum_and_no_dampening() {
    let mut layer = Dense::<f64>::new(3, 2, &mut StdRng::seed_from_u64(4));
    let zeros = grads_of(&layer, &Tensor::zeros(&[2, 3]), &Tensor::zeros(&[2]));
    for (momentum, dampening) in [(0.0, 0.0), (0.9, 0.1), (0.0, 0.1)] {
        let mut opt = Sgd::nesterov(0.1, 0.9);
        (opt.momentum, opt.dampening) = (momentum, dampening);
        let err = opt.update(&mut layer, &zeros).unwrap_err();
        assert!(err.to_string().contains("Nesterov momentum needs"), "{err}");
    }
    Sgd::nesterov(0.1, 0.9).update(&mut layer, &zeros).unwrap();
}

/// `Adam::adamw` decays every parameter by itself, without groups given:
/// with a zero gradient, one step multiplies each weight by `1 − lr·wd`.
#[test]
fn adamw_decays_every_parameter_by_default() {
    let mut layer = Dense::<f64>::new(3, 2, &mut StdRng::seed_from_u64(4));
    let before = flat(&layer);
    let zeros = grads_of(&layer, &Tensor::zeros(&[2, 3]), &Tensor::zeros(&[2]));
    let (lr, wd) = (0.1, 0.5);
    Adam::adamw(lr, wd).update(&mut layer, &zeros).unwrap();
    let want: Vec<f64> = before.iter().map(|w| w * (1.0 - lr * wd)).collect();
    assert_eq!(flat(&layer), want);
}

#[test]
fn a_parameter_without_gradient_is_named() {
    let mut layer = Dense::<f32>::new(2, 2, &mut StdRng::seed_from_u64(0));
    let tape = Tape::new();
    let loss = layer.weight.bind(&tape).sum_all();
    let grads = loss.backward();
    let err = Sgd::new(0.1).update(&mut layer, &grads).unwrap_err();
    assert!(
        matches!(err, OptimError::MissingGradient { ref name } if name == "bias"),
        "{err}"
    );
    assert!(err.to_string().contains("\"bias\""));
}

#[test]
fn resuming_from_saved_state_is_exact() {
    let train = |opt: &mut Adam<f32>, layer: &mut Dense<f32>, steps: std::ops::Range<u64>| {
        for s in steps {
            let g = Tensor::full(&[2, 3], (s as f32).sin());
            let tape = Tape::new();
            let loss = (layer.weight.bind(&tape) * tape.constant(g)).sum_all()
                + layer.bias.as_ref().unwrap().bind(&tape).square().sum_all();
            let mut grads = loss.backward();
            clip_grad_norm(&mut grads, 1.0).unwrap();
            opt.update(layer, &grads).unwrap();
        }
    };
    let mut a = Dense::<f32>::new(3, 2, &mut StdRng::seed_from_u64(1));
    let mut opt_a = Adam::new(0.01);
    train(&mut opt_a, &mut a, 0..10);

    let mut b = Dense::<f32>::new(3, 2, &mut StdRng::seed_from_u64(1));
    let mut opt_b = Adam::new(0.01);
    train(&mut opt_b, &mut b, 0..4);
    let state = opt_b.state();
    let mut opt_c = Adam::new(0.01);
    opt_c.load_state(state).unwrap();
    train(&mut opt_c, &mut b, 4..10);
    assert_eq!(a.weight.value(), b.weight.value());
    assert_eq!(
        a.bias.as_ref().unwrap().value(),
        b.bias.as_ref().unwrap().value()
    );
}
