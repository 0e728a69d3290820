//! Every module's gradients, proven in f64: proptest draws sizes, sequence
//! lengths and values; the module's parameters are substituted by watched
//! inputs (`Tape::bind`), and `gradcheck` (first derivatives) and
//! `hvpcheck` (Hessian-vector products) compare against central
//! differences. Each case ends in a scalar `⟨w, output⟩` with fixed `w`.

use origami_nn::{
    Activation, Cell, CellKind, CrossEntropy, Dense, Dropout, Elman, Embedding, Gru, Init, Lstm,
    Module, Params, Rnn, RnnConfig, bce_with_logits, mlp, mse,
};
use origami_tape::{
    GradcheckOptions, Reduction, Tape, Tensor, Var, checked_fn, gradcheck, hvpcheck,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The module's parameters as tensors, in `params()` order.
fn param_tensors<M: Params<f64>>(m: &M) -> Vec<Tensor<f64>> {
    m.params().iter().map(|(_, p)| p.value().clone()).collect()
}

/// Binds `vars[..k]` in place of the module's `k` parameters.
fn bind_all<'t, M: Params<f64>>(m: &M, vars: &[Var<'t, f64>]) {
    for ((_, p), v) in m.params().iter().zip(vars) {
        v.tape().bind(p.id(), *v);
    }
}

/// A stand-in module for the losses, which have no parameters.
struct NoParams;

origami_nn::impl_params!(f64 for NoParams {});

/// `Σ w ⊙ y` with deterministic weights, so every output element counts.
fn weighted_sum<'t>(y: Var<'t, f64>) -> Var<'t, f64> {
    let shape = y.shape();
    let n: usize = shape.iter().product();
    let w = Tensor::from_vec(
        &shape,
        (0..n).map(|i| ((i * 7) % 5) as f64 * 0.25 - 0.5).collect(),
    )
    .unwrap();
    (y * y.tape().constant(w)).sum_all()
}

fn inputs(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, -1.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
}

fn check<M: Params<f64>>(
    module: &M,
    data: Vec<Tensor<f64>>,
    f: impl for<'t> Fn(&M, &'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
) -> Result<(), TestCaseError> {
    let k = module.params().len();
    let mut all = param_tensors(module);
    all.extend(data);
    let run = checked_fn(|vars| {
        let tape = vars[0].tape();
        bind_all(module, &vars[..k]);
        weighted_sum(f(module, tape, &vars[k..]))
    });
    let opts = GradcheckOptions::default();
    gradcheck(run, &all, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    hvpcheck(run, &all, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(())
}

/// Lengths in `1..=steps`, one per sequence, from a seed.
fn lengths(batch: usize, steps: usize, seed: u64) -> Vec<usize> {
    (0..batch)
        .map(|b| 1 + (seed as usize / (b + 1)) % steps)
        .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dense(i in 1usize..4, o in 1usize..4, n in 1usize..4, seed: u64) {
        let layer = Dense::<f64>::new(i, o, &mut StdRng::seed_from_u64(seed));
        check(&layer, vec![inputs(&[n, i], seed)], |m, t, v| m.forward(t, v[0]))?;
    }

    #[test]
    fn mlp_with_each_activation(w in 1usize..4, n in 1usize..3, act in 0usize..5, seed: u64) {
        let activation = [Activation::Tanh, Activation::ScaledTanh, Activation::Sigmoid,
            Activation::Softplus, Activation::Identity][act];
        let net = mlp::<f64>(&[2, w, 2], activation, Init::XavierNormal, &mut StdRng::seed_from_u64(seed));
        check(&net, vec![inputs(&[n, 2], seed)], |m, t, v| m.forward(t, v[0]))?;
    }

    /// The mask is drawn from the same seed at every evaluation, as
    /// within one training step.
    #[test]
    fn dropout_then_tanh(n in 1usize..4, d in 1usize..5, p in 0.0f64..0.9, seed: u64) {
        let dropout = Dropout::new(p).unwrap();
        check(&NoParams, vec![inputs(&[n, d], seed)], |_, _, v| {
            dropout.train(v[0], &mut StdRng::seed_from_u64(seed)).tanh()
        })?;
    }

    #[test]
    fn embedding(vocab in 1usize..5, dim in 1usize..4, seed: u64) {
        let table = Embedding::<f64>::new(vocab, dim, &mut StdRng::seed_from_u64(seed));
        let ids: Vec<usize> = (0..4).map(|i| (seed as usize + i * 3) % vocab).collect();
        check(&table, vec![], |m, t, _| m.forward(t, &ids))?;
    }

    #[test]
    fn recurrent_cells_over_ragged_batches(kind in 0usize..4, i in 1usize..3, h in 1usize..3,
                                           batch in 1usize..3, steps in 1usize..4, seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let lens = lengths(batch, steps, seed);
        let xs: Vec<Tensor<f64>> = (0..steps).map(|t| inputs(&[batch, i], seed + t as u64)).collect();
        match kind {
            0 => check(&Elman::<f64>::new(i, h, Activation::Tanh, &mut rng), xs, |m, t, v| run_cell(m, t, v, &lens))?,
            1 => check(&Elman::<f64>::new(i, h, Activation::Softplus, &mut rng), xs, |m, t, v| run_cell(m, t, v, &lens))?,
            2 => check(&Gru::<f64>::new(i, h, &mut rng), xs, |m, t, v| run_cell(m, t, v, &lens))?,
            _ => check(&Lstm::<f64>::new(i, h, &mut rng), xs, |m, t, v| run_cell(m, t, v, &lens))?,
        }
    }

    #[test]
    fn stacked_bidirectional_rnn(kind in 0usize..3, layers in 1usize..3, batch in 1usize..3,
                                 steps in 1usize..4, seed: u64) {
        let kind = [CellKind::ElmanTanh, CellKind::Gru, CellKind::Lstm][kind];
        let config = RnnConfig { kind, input_size: 2, hidden_size: 2, layers, bidirectional: true };
        let rnn = Rnn::<f64>::new(config, &mut StdRng::seed_from_u64(seed));
        let lens = lengths(batch, steps, seed);
        let xs: Vec<Tensor<f64>> = (0..steps).map(|t| inputs(&[batch, 2], seed + t as u64)).collect();
        check(&rnn, xs, |m, t, v| {
            let out = m.forward(t, v, Some(&lens));
            let mut parts = out.outputs.clone();
            parts.push(out.last);
            Var::concat(&parts, 1)
        })?;
    }

    #[test]
    fn losses(n in 1usize..4, c in 1usize..4, smoothing in 0.0f64..0.5, weighted: bool, reduction in 0usize..3, seed: u64) {
        let reduction = [Reduction::Mean, Reduction::Sum, Reduction::None][reduction];
        let targets: Vec<usize> = (0..n).map(|i| (seed as usize + i) % c).collect();
        let class_weights = weighted.then(|| (0..c).map(|k| 0.5 + k as f64).collect());
        let ce = CrossEntropy { class_weights, label_smoothing: smoothing, reduction };
        let none = NoParams;
        check(&none, vec![inputs(&[n, c], seed)], |_, _, v| ce.loss(v[0], &targets))?;
        let y = Tensor::rand_uniform(&[n, c], 0.0, 1.0, &mut StdRng::seed_from_u64(seed + 1)).unwrap();
        check(&none, vec![inputs(&[n, c], seed), y.clone()], |_, _, v| bce_with_logits(v[0], v[1], reduction))?;
        check(&none, vec![inputs(&[n, c], seed), y], |_, _, v| mse(v[0], v[1], reduction))?;
    }
}

/// Every output step of a cell over a ragged batch (and the LSTM's final
/// cell vector), side by side.
fn run_cell<'t>(
    cell: &dyn Cell<f64>,
    tape: &'t Tape<f64>,
    xs: &[Var<'t, f64>],
    lens: &[usize],
) -> Var<'t, f64> {
    let out = cell.seq(tape, xs, Some(lens), None);
    let mut parts = out.outputs.clone();
    parts.extend(out.last.c);
    Var::concat(&parts, 1)
}
