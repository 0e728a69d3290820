//! The doctor's judgements on measurements made up to sit just either side
//! of each threshold: gradients per layer (vanishing, exploding, spikes, a
//! starving head, non-finite values), the loss curve (plateau, a rise,
//! overfitting), the label stream (sorted, imbalanced), units, time steps
//! and the rate regimes. Trained nets with planted pathologies are in the
//! workspace's `tests/suite/doctor.rs`.

use origami_nn::{Activation, Init, Params, Sequential, mlp};
use origami_probe::Doctor;
use origami_probe::doctor::{Kind, thresholds};
use origami_tape::{Grads, Tensor};
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Three dense layers named `0`, `2`, `4`.
fn net() -> Sequential<f64> {
    mlp(
        &[3, 4, 4, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut rand::rngs::StdRng::seed_from_u64(0),
    )
}

/// Gradients whose norm in each of the three layers is `norms[l]`.
fn grads(net: &Sequential<f64>, norms: [f64; 3]) -> Grads<f64> {
    let entries = net
        .params()
        .into_iter()
        .map(|(name, p)| {
            let layer = name.split('.').next().unwrap().parse::<usize>().unwrap() / 2;
            let shape = p.value().shape().to_vec();
            let numel: usize = shape.iter().product();
            // Weight and bias share the layer's norm equally.
            let each = norms[layer] / (2.0 * numel as f64).sqrt();
            (p.id(), Tensor::from_vec(&shape, vec![each; numel]).unwrap())
        })
        .collect();
    Grads::from_entries(entries)
}

fn kinds(doctor: &Doctor) -> Vec<Kind> {
    doctor.findings().iter().map(|f| f.kind).collect()
}

/// Observes `steps` steps with the given layer norms and a falling loss.
fn run(norms: [f64; 3], steps: usize) -> Doctor {
    let net = net();
    let g = grads(&net, norms);
    let mut doctor = Doctor::new();
    for step in 0..steps {
        doctor.observe(step, &net, &g, 1.0 / (1.0 + step as f64));
    }
    doctor
}

#[test]
fn layer_norms_either_side_of_the_thresholds() {
    let v = thresholds::VANISHING_RATIO;
    assert_eq!(kinds(&run([1.0, 1.0, 1.0], 40)), []);
    assert_eq!(kinds(&run([v * 2.0, 1.0, 1.0], 40)), []);
    let vanishing = run([v / 2.0, 1.0, 1.0], 40);
    assert_eq!(kinds(&vanishing), [Kind::VanishingGradient]);
    assert_eq!(vanishing.findings()[0].subject.as_deref(), Some("0"));
    assert_eq!(
        vanishing.findings()[0].step,
        19,
        "judged once the window is full"
    );
    let e = thresholds::EXPLODING_RATIO;
    assert_eq!(kinds(&run([e / 2.0, 1.0, 1.0], 40)), []);
    assert_eq!(
        kinds(&run([e * 2.0, e * 2.0, 1.0], 40)),
        [Kind::ExplodingGradient]
    );
    assert_eq!(
        kinds(&run([1e-4, 1.0, 1.0], 19)),
        [],
        "no judgement before a full window"
    );
}

#[test]
fn a_spike_in_the_global_norm_is_an_exploding_gradient() {
    let net = net();
    let calm = grads(&net, [1.0, 1.0, 1.0]);
    let k = thresholds::SPIKE_FACTOR;
    let mut doctor = Doctor::new();
    for step in 0..20 {
        doctor.observe(step, &net, &calm, 1.0);
    }
    assert!(
        doctor
            .observe(20, &net, &grads(&net, [k / 2.0; 3]), 1.0)
            .is_empty()
    );
    let new = doctor.observe(21, &net, &grads(&net, [k * 2.0; 3]), 1.0);
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].kind, Kind::ExplodingGradient);
    assert_eq!(new[0].subject, None);
}

#[test]
fn a_head_that_takes_all_the_gradient_starves_the_body() {
    let net = net();
    let s = thresholds::STARVING_RATIO;
    for (body, starving) in [(s * 2.0, false), (s / 2.0, true)] {
        // Layers "0" and "2" are the body, "4" the head.
        let g = grads(&net, [body, body, 1.0]);
        let mut doctor = Doctor::new().head("4");
        for step in 0..20 {
            doctor.observe(step, &net, &g, 1.0);
        }
        let found = kinds(&doctor);
        assert_eq!(found.contains(&Kind::StarvingHead), starving, "{found:?}");
        assert!(!found.contains(&Kind::VanishingGradient), "{found:?}");
    }
}

#[test]
fn non_finite_loss_or_gradient_is_reported_at_once_and_named() {
    let net = net();
    let mut doctor = Doctor::new();
    let new = doctor.observe(0, &net, &grads(&net, [1.0; 3]), f64::NAN);
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].kind, Kind::NonFinite);
    let mut doctor = Doctor::new();
    let new = doctor.observe(3, &net, &grads(&net, [1.0, f64::INFINITY, 1.0]), 0.5);
    assert_eq!(new[0].kind, Kind::NonFinite);
    assert!(new[0].evidence.contains("2.weight"), "{}", new[0].evidence);
    assert_eq!(new[0].step, 3);
}

fn losses(values: impl IntoIterator<Item = f64>) -> Doctor {
    let net = net();
    let g = grads(&net, [1.0; 3]);
    let mut doctor = Doctor::with_window(10);
    for (step, loss) in values.into_iter().enumerate() {
        doctor.observe(step, &net, &g, loss);
    }
    doctor
}

#[test]
fn a_flat_loss_at_its_start_is_a_plateau_and_a_learned_one_is_not() {
    let wobble = |i: usize| 0.001 * ((i * 7 % 5) as f64 - 2.0);
    let stuck = losses((0..30).map(|i| 2.3 + wobble(i)));
    assert_eq!(kinds(&stuck), [Kind::Plateau]);
    assert_eq!(
        kinds(&losses((0..29).map(|i| 2.3 + wobble(i)))),
        [],
        "three windows needed"
    );
    // Flat at a fifth of the start: converged, not stuck.
    let learned = (0..10)
        .map(|_| 2.3)
        .chain((10..40).map(|i| 0.46 + wobble(i)));
    assert_eq!(kinds(&losses(learned)), []);
    // Still falling by 5% a window: not flat.
    assert_eq!(
        kinds(&losses((0..40).map(|i| 2.3 * 0.95f64.powi(i / 10)))),
        []
    );
}

#[test]
fn a_loss_that_gives_back_its_progress_is_unstable() {
    // Ten steps per window, each window at the given mean.
    let windows = |means: &[f64]| -> Doctor {
        losses(
            means
                .iter()
                .flat_map(|&m| std::iter::repeat_n(m, 10))
                .collect::<Vec<_>>(),
        )
    };
    let jitter = [0.0, 0.02, -0.01, 0.015, -0.02, 0.01];
    let curve = |tail: f64| -> Vec<f64> {
        let mut m = vec![2.0, 1.2];
        m.extend(jitter.iter().map(|j| 1.0 + j));
        m.extend([tail; 3]);
        m
    };
    assert_eq!(kinds(&windows(&curve(1.5))), [Kind::UnstableLoss]);
    assert_eq!(kinds(&windows(&curve(1.1))), [], "below RISE_FACTOR");
    // The same rise inside windows that swing by ±0.3 is noise.
    let mut swinging = vec![2.0, 1.2];
    swinging.extend([0.7, 1.3, 0.7, 1.3, 0.7, 1.3]);
    swinging.extend([1.25; 3]);
    assert_eq!(kinds(&windows(&swinging)), []);
    // Tiny absolute rises near zero loss give back no progress.
    let mut converged = vec![2.0, 1e-3];
    converged.extend(jitter.iter().map(|j| 1e-4 * (1.0 + j)));
    converged.extend([1.5e-4; 3]);
    assert_eq!(kinds(&windows(&converged)), []);
}

#[test]
fn validation_rising_while_training_falls_is_overfitting() {
    let net = net();
    let g = grads(&net, [1.0; 3]);
    let r = thresholds::OVERFIT_RISE;
    for (rise, overfits) in [(r * 0.99, false), (r * 1.01, true)] {
        let mut doctor = Doctor::with_window(10);
        for (step, valid) in [(0, 1.0), (1, 0.8), (2, 0.8 * rise), (3, 0.8 * rise)] {
            for i in 0..10 {
                let s = step * 10 + i;
                doctor.observe(s, &net, &g, 1.0 / (1.0 + s as f64));
            }
            doctor.observe_validation(step * 10 + 9, valid);
        }
        assert_eq!(
            kinds(&doctor).contains(&Kind::Overfitting),
            overfits,
            "rise {rise}"
        );
    }
    // Validation rising while training stays level is not overfitting.
    let mut doctor = Doctor::with_window(10);
    for (step, valid) in [(0usize, 1.0), (1, 0.8), (2, 1.0), (3, 1.0)] {
        for i in 0..10 {
            doctor.observe(step * 10 + i, &net, &g, 0.5);
        }
        doctor.observe_validation(step * 10 + 9, valid);
    }
    assert!(!kinds(&doctor).contains(&Kind::Overfitting));
}

#[test]
fn class_order_and_balance_from_the_label_stream() {
    let judge = |labels: Vec<usize>| {
        let mut doctor = Doctor::new();
        for (step, batch) in labels.chunks(10).enumerate() {
            doctor.observe_labels(step, batch);
        }
        kinds(&doctor)
    };
    let mut shuffled: Vec<usize> = (0..400).map(|i| i % 4).collect();
    shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(1));
    assert_eq!(judge(shuffled.clone()), []);
    let mut sorted = shuffled.clone();
    sorted.sort();
    assert_eq!(judge(sorted), [Kind::ClassSorted]);
    // Class 3 kept 8 times in 100, the rest become class 0: 192 : 8.
    let mut kept = 0;
    let rare: Vec<usize> = shuffled
        .iter()
        .map(|&l| match l {
            3 if kept < 8 => {
                kept += 1;
                3
            }
            3 => 0,
            l => l,
        })
        .collect();
    assert_eq!(judge(rare), [Kind::ClassImbalance]);
    assert_eq!(
        judge([0, 1].repeat(99)),
        [],
        "fewer than MIN_LABELS: no judgement"
    );
}

#[test]
fn units_time_steps_and_rates() {
    let mut doctor = Doctor::new();
    let calm = Tensor::from_vec(&[4, 2], vec![0.1, -0.2, 0.3, 0.0, -0.1, 0.2, 0.05, -0.3]).unwrap();
    assert!(
        doctor
            .inspect_units(0, "h", &calm, Activation::Tanh)
            .is_empty()
    );
    let hot = Tensor::from_vec(&[4, 2], vec![5.0, -4.0, 3.0, 6.0, -5.0, 4.0, 0.1, 7.0]).unwrap();
    assert_eq!(
        doctor.inspect_units(0, "h", &hot, Activation::Tanh)[0].kind,
        Kind::SaturatedUnits
    );
    let off = Tensor::from_vec(&[3, 2], vec![-1.0, 0.5, -2.0, 0.1, -0.3, -0.2]).unwrap();
    assert_eq!(
        doctor.inspect_units(0, "r", &off, Activation::Relu)[0].kind,
        Kind::DeadUnits
    );

    let t = thresholds::TIME_VANISHING_RATIO;
    assert!(
        doctor
            .inspect_time_steps(0, "rnn", &[t * 2.0, 0.5, 1.0])
            .is_empty()
    );
    assert_eq!(
        doctor.inspect_time_steps(0, "rnn", &[t / 2.0, 0.5, 1.0])[0].kind,
        Kind::VanishingOverTime
    );
    let x = thresholds::TIME_EXPLODING_RATIO;
    assert_eq!(
        doctor.inspect_time_steps(0, "rnn2", &[x * 2.0, 1.0, 1.0])[0].kind,
        Kind::ExplodingOverTime
    );
    assert!(
        doctor
            .inspect_time_steps(0, "rnn3", &[f64::NAN, 1.0])
            .is_empty()
    );

    let regime = |rate: f64, momentum: f64| {
        let mut doctor = Doctor::new();
        doctor.inspect_curvature(0, 2.0, rate, momentum);
        kinds(&doctor)
    };
    assert_eq!(regime(0.4, 0.0), []);
    assert_eq!(regime(0.75, 0.0), [Kind::RateZigZag]);
    assert_eq!(regime(1.1, 0.0), [Kind::RateAboveStableLimit]);
    assert_eq!(
        regime(1.1, 0.9),
        [],
        "momentum raises the stable limit to 2(1 + β)/λ"
    );
    assert_eq!(regime(0.04, 0.0), [Kind::RateTooSmall]);
    assert_eq!(
        regime(0.04, 0.9),
        [],
        "momentum 0.9 makes the effective rate ten times larger"
    );
}

#[test]
fn findings_are_reported_once_and_the_summary_lists_them() {
    let mut doctor = run([1e-6, 1.0, 1.0], 60);
    assert_eq!(kinds(&doctor), [Kind::VanishingGradient]);
    assert!(
        doctor.summary().contains("vanishing-gradient at 0"),
        "{}",
        doctor.summary()
    );
    doctor = Doctor::new();
    assert!(doctor.summary().contains("no findings"));
}

#[test]
fn inspect_network_names_layers_like_the_parameters() {
    let mut net = net();
    for (name, p) in net.params_mut() {
        if name == "2.bias" {
            p.value_mut().data_mut().fill(30.0);
        }
    }
    let x = Tensor::from_vec(&[2, 3], vec![0.1, 0.2, 0.3, -0.1, 0.0, 0.4]).unwrap();
    let mut doctor = Doctor::new();
    let new = doctor.inspect_network(0, "body", &net, &x);
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].subject.as_deref(), Some("body.2"));
}
