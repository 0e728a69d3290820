//! Methods chosen at run time: every name `by_name` knows builds its
//! method, a boxed method trains exactly as the concrete one does, and its
//! state resumes a run bit for bit through the box; every method refuses
//! a loss that is not finite, and a saved step count must be whole.

use origami_nn::{Activation, Init, Module, Params, Sequential, mlp};
use origami_optim::{
    Adam, Evaluation, HessianFree, Lbfgs, METHOD_NAMES, Needs, OptimError, Optimizer, OutputLoss,
    Sdlm, Sgd, by_name, gauss_newton_diagonal_sample, gauss_newton_vector, grads_like, loss_fn,
};
use origami_tape::{Reduction, Tape, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

type Net = Sequential<f64>;

fn net() -> Net {
    mlp(
        &[2, 6, 2],
        Activation::Tanh,
        Init::LecunNormal,
        &mut StdRng::seed_from_u64(5),
    )
}

fn data() -> (Tensor<f64>, Vec<usize>) {
    let x = (0..16).map(|i| ((i * 7 % 11) as f64 - 5.0) / 5.0).collect();
    let y = (0..8).map(|i| i % 2).collect();
    (Tensor::from_vec(&[8, 2], x).unwrap(), y)
}

/// `steps` steps of `opt` on the same full batch; the closure supplies
/// whatever the method says it needs (SDLM's curvature samples are drawn
/// from `rng`). Returns the parameters after.
fn train(
    opt: &mut dyn Optimizer<f64, Net>,
    model: &mut Net,
    steps: usize,
    rng: &mut StdRng,
) -> Vec<Vec<f64>> {
    let (x, y) = data();
    let needs = opt.needs();
    let outputs = {
        let x = x.clone();
        loss_fn(move |t, m: &Net| m.forward(t, t.constant(x.clone())))
    };
    let target = OutputLoss::CrossEntropy(y.clone());
    for _ in 0..steps {
        opt.step(model, &mut |m| {
            let tape = Tape::new();
            let loss = m
                .forward(&tape, tape.constant(x.clone()))
                .cross_entropy(&y, Reduction::Mean);
            let evaluation = Evaluation::new(loss.value().item(), loss.backward());
            Ok(match needs {
                Needs::Gradient => evaluation,
                Needs::CurvatureDiagonal => {
                    let diagonal = gauss_newton_diagonal_sample(&outputs, &target, m, rng);
                    evaluation.with_curvature(grads_like(m, &diagonal))
                }
                Needs::CurvatureProduct => {
                    let (outputs, target) = (outputs.clone(), target.clone());
                    evaluation.with_product(move |v| gauss_newton_vector(&outputs, &target, m, v))
                }
            })
        })
        .unwrap();
    }
    model
        .params()
        .iter()
        .map(|(_, p)| p.value().data().to_vec())
        .collect()
}

/// A rate that suits the method: a step scale of 1 for L-BFGS, an initial
/// damping of 2 for Hessian-free (the rate is its inverse, so 0.5: not 1,
/// which would hide a rate taken as the damping), a small step otherwise.
fn rate(name: &str) -> f64 {
    match name {
        "lbfgs" => 1.0,
        "hessian_free" => 0.5,
        _ => 0.05,
    }
}

/// The concrete method each name stands for, as `by_name`'s table says.
fn concrete(name: &str, lr: f64) -> Box<dyn Optimizer<f64, Net>> {
    match name {
        "sgd" => Box::new(Sgd::new(lr)),
        "momentum" => Box::new(Sgd::momentum(lr, 0.9)),
        "nesterov" => Box::new(Sgd::nesterov(lr, 0.9)),
        "adam" => Box::new(Adam::new(lr)),
        "adamw" => Box::new(Adam::adamw(lr, 0.01)),
        "sdlm" => Box::new(Sdlm::new(lr, 0.1, 0.05)),
        "lbfgs" => Box::new(Lbfgs::new(lr)),
        "hessian_free" => Box::new(HessianFree::new(1.0 / lr, 20)),
        other => panic!("no concrete method for {other}"),
    }
}

#[test]
fn every_name_builds_the_method_its_table_names() {
    for name in METHOD_NAMES {
        let lr = rate(name);
        let mut boxed = by_name::<f64, Net>(name, lr).unwrap();
        let mut plain = concrete(name, lr);
        assert_eq!(boxed.name(), plain.name(), "{name}");
        assert_eq!(boxed.needs(), plain.needs(), "{name}");
        assert_eq!(boxed.learning_rate(), lr, "{name}");
        let rng = || StdRng::seed_from_u64(9);
        let (mut a, mut b) = (net(), net());
        let before = train(&mut *plain, &mut net(), 0, &mut rng());
        let trained = train(&mut *boxed, &mut a, 3, &mut rng());
        assert_eq!(trained, train(&mut *plain, &mut b, 3, &mut rng()), "{name}");
        assert_ne!(trained, before, "{name} did not move the model");
    }
}

#[test]
fn needs_name_what_the_closure_must_add() {
    let needs = |name| by_name::<f64, Net>(name, 0.1).unwrap().needs();
    assert_eq!(needs("adam"), Needs::Gradient);
    assert_eq!(needs("lbfgs"), Needs::Gradient);
    assert_eq!(needs("sdlm"), Needs::CurvatureDiagonal);
    assert_eq!(needs("hessian_free"), Needs::CurvatureProduct);
}

#[test]
fn only_plain_and_heavy_ball_sgd_report_a_momentum() {
    let momentum = |name| {
        by_name::<f64, Net>(name, 0.1)
            .unwrap()
            .heavy_ball_momentum()
    };
    assert_eq!(momentum("sgd"), Some(0.0));
    assert_eq!(momentum("momentum"), Some(0.9));
    for other in ["nesterov", "adam", "adamw", "sdlm", "lbfgs", "hessian_free"] {
        assert_eq!(momentum(other), None, "{other}");
    }
}

#[test]
fn a_boxed_method_resumes_bit_for_bit() {
    for name in METHOD_NAMES {
        let lr = rate(name);
        let (mut whole, mut halves) = (net(), net());
        let mut uninterrupted = by_name::<f64, Net>(name, lr).unwrap();
        let want = train(
            &mut *uninterrupted,
            &mut whole,
            2,
            &mut StdRng::seed_from_u64(9),
        );
        let mut rng = StdRng::seed_from_u64(9);
        let mut first = by_name::<f64, Net>(name, lr).unwrap();
        let halfway = train(&mut *first, &mut halves, 1, &mut rng);
        // The second half must still move, or the state would go unread.
        assert_ne!(halfway, want, "{name}: nothing left to do after one step");
        let mut second = by_name::<f64, Net>(name, lr).unwrap();
        second.load_state(first.state()).unwrap();
        assert_eq!(
            train(&mut *second, &mut halves, 1, &mut rng),
            want,
            "{name}"
        );
    }
}

#[test]
fn unknown_names_and_bad_rates_are_refused_with_the_reason() {
    let err = by_name::<f64, Net>("adagrad", 0.1).err().unwrap();
    assert!(matches!(err, OptimError::InvalidHyperparameter { .. }));
    let listed = METHOD_NAMES.join(", ");
    assert!(
        err.to_string()
            .contains(&format!("\"adagrad\" (known: {listed})")),
        "{err}"
    );
    for lr in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = by_name::<f64, Net>("sgd", lr).err().unwrap();
        assert!(
            err.to_string().contains("positive and finite"),
            "{lr}: {err}"
        );
    }
}

/// What a checkpoint and a schedule read from a method: its name (the key
/// its state is saved under), the rate a schedule sets, and the step count.
#[test]
fn names_rates_and_step_counts_are_what_a_checkpoint_reads() {
    let expected_name = |name: &'static str| match name {
        "momentum" | "nesterov" => "sgd",
        "adamw" => "adam",
        other => other,
    };
    for name in METHOD_NAMES {
        let mut method = by_name::<f64, Net>(name, rate(name)).unwrap();
        assert_eq!(method.name(), expected_name(name));
        method.set_learning_rate(0.25);
        assert_eq!(method.learning_rate(), 0.25, "{name}");
        train(&mut *method, &mut net(), 3, &mut StdRng::seed_from_u64(9));
        let state = method.state();
        // L-BFGS counts its inner iterations: 20 per step (PyTorch's
        // default), and this problem does not converge within them.
        let (key, count) = match name {
            "lbfgs" => ("iterations", 60.0),
            _ => ("step", 3.0),
        };
        let step = state.scalars.iter().find(|(k, _)| k == key);
        assert_eq!(
            step.map(|(_, v)| *v),
            Some(count),
            "{name}: {key} after three steps"
        );
    }
}

#[test]
fn a_loss_that_is_not_finite_is_refused_and_changes_nothing() {
    for name in METHOD_NAMES {
        for bad in [f64::NAN, f64::INFINITY] {
            let mut model = net();
            let before: Vec<Vec<f64>> = model
                .params()
                .iter()
                .map(|(_, p)| p.value().data().to_vec())
                .collect();
            let mut opt = by_name::<f64, Net>(name, rate(name)).unwrap();
            let err = opt
                .step(&mut model, &mut |m| {
                    let tape = Tape::new();
                    let (x, y) = data();
                    let loss = m
                        .forward(&tape, tape.constant(x))
                        .cross_entropy(&y, Reduction::Mean);
                    Ok(Evaluation::new(bad, loss.backward()))
                })
                .unwrap_err();
            assert!(matches!(err, OptimError::NonFinite { .. }), "{name}: {err}");
            let after: Vec<Vec<f64>> = model
                .params()
                .iter()
                .map(|(_, p)| p.value().data().to_vec())
                .collect();
            assert_eq!(after, before, "{name}: the model changed");
        }
    }
}

#[test]
fn a_step_count_that_is_not_a_whole_number_is_refused() {
    for step in [-1.0, 1.5, f64::NAN] {
        let mut adam = Adam::<f64>::new(0.1);
        let state = origami_optim::OptimState {
            tensors: Vec::new(),
            scalars: vec![("step".to_string(), step)],
        };
        let err = origami_optim::Method::load_state(&mut adam, state).unwrap_err();
        assert!(
            err.to_string().contains("is not a whole number"),
            "{step}: {err}"
        );
    }
}
