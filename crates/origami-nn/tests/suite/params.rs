//! Parameter names: what `impl_params!` gives for each kind of field (a
//! module, a bare `Param`, an `Option`, a `Vec`, a `Box<dyn Module>`), that
//! `params` and `params_mut` list the same parameters in the same order
//! for every layer of the crate, and that `assign` and
//! `Rnn::from_tensors` check what they are given.

use origami_nn::{
    Activation, CellKind, Dense, Embedding, Module, NnError, Param, Params, Rnn, RnnConfig, assign,
    impl_params, mlp,
};
use origami_tape::Tensor;
use rand::SeedableRng;
use rand::rngs::StdRng;

struct Model {
    scale: Param<f32>,
    embedding: Embedding<f32>,
    gate: Option<Dense<f32>>,
    heads: Vec<Dense<f32>>,
    body: Box<dyn Module<f32>>,
    nothing: Activation,
}
impl_params!(f32 for Model { scale, embedding, gate, heads, body, nothing });

fn model(with_gate: bool) -> Model {
    let rng = &mut StdRng::seed_from_u64(0);
    Model {
        scale: Param::new(Tensor::full(&[1], 1.0)),
        embedding: Embedding::new(5, 2, rng),
        gate: with_gate.then(|| Dense::with_init(2, 2, origami_nn::Init::Zeros, 1.0, false, rng)),
        heads: vec![Dense::new(2, 1, rng), Dense::new(2, 3, rng)],
        body: Box::new(mlp(
            &[2, 2],
            Activation::Tanh,
            origami_nn::Init::LecunNormal,
            rng,
        )),
        nothing: Activation::Relu,
    }
}

fn names<P: Params<f32>>(p: &P) -> Vec<String> {
    p.params().into_iter().map(|(n, _)| n).collect()
}

fn names_mut<P: Params<f32>>(p: &mut P) -> Vec<String> {
    p.params_mut().into_iter().map(|(n, _)| n).collect()
}

#[test]
fn each_kind_of_field_is_named_like_pytorch() {
    let with = model(true);
    let expected = [
        "scale",
        "embedding.weight",
        "gate.weight",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
        "body.0.weight",
        "body.0.bias",
    ];
    assert_eq!(names(&with), expected);
    let without = model(false);
    let expected: Vec<&str> = expected
        .into_iter()
        .filter(|n| !n.starts_with("gate"))
        .collect();
    assert_eq!(names(&without), expected);
}

#[test]
fn a_prefix_picks_its_group_in_order() {
    let with = model(true);
    let group = |prefix: &str| -> Vec<String> {
        let picked = with.params_with_prefix(prefix);
        for (name, param) in &picked {
            let same = with
                .params()
                .into_iter()
                .find(|(n, _)| n == name)
                .unwrap()
                .1;
            assert!(
                std::ptr::eq(*param, same),
                "{name}: not the model's own parameter"
            );
        }
        picked.into_iter().map(|(n, _)| n).collect()
    };
    assert_eq!(
        group("heads."),
        [
            "heads.0.weight",
            "heads.0.bias",
            "heads.1.weight",
            "heads.1.bias"
        ]
    );
    assert_eq!(group("heads.1"), ["heads.1.weight", "heads.1.bias"]);
    assert_eq!(group(""), names(&with));
    assert!(group("tail.").is_empty());
}

#[test]
fn params_and_params_mut_agree_for_every_layer() {
    fn agree<P: Params<f32>>(mut p: P) {
        let ids: Vec<_> = p.params().iter().map(|(_, q)| q.id()).collect();
        let ids_mut: Vec<_> = p.params_mut().iter().map(|(_, q)| q.id()).collect();
        assert_eq!(ids, ids_mut);
        let listed = names(&p);
        assert_eq!(listed, names_mut(&mut p));
    }
    let rng = &mut StdRng::seed_from_u64(1);
    agree(model(true));
    agree(Dense::<f32>::new(3, 2, rng));
    agree(Dense::<f32>::with_init(
        3,
        2,
        origami_nn::Init::Zeros,
        1.0,
        false,
        rng,
    ));
    agree(Embedding::<f32>::new(4, 2, rng));
    agree(mlp::<f32>(
        &[2, 3, 1],
        Activation::Relu,
        origami_nn::Init::KaimingNormal,
        rng,
    ));
    for kind in [
        CellKind::ElmanTanh,
        CellKind::ElmanRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        agree(Rnn::<f32>::new(rnn_config(kind), rng));
    }
}

fn rnn_config(kind: CellKind) -> RnnConfig {
    RnnConfig {
        kind,
        input_size: 3,
        hidden_size: 2,
        layers: 2,
        bidirectional: true,
    }
}

/// Every parameter of `p` as a named tensor with values `offset, offset + 1, …`.
fn numbered<P: Params<f32>>(p: &P, offset: f32) -> Vec<(String, Tensor<f32>)> {
    let mut next = offset;
    p.params()
        .into_iter()
        .map(|(name, q)| {
            let data = (0..q.value().numel())
                .map(|_| {
                    next += 1.0;
                    next
                })
                .collect();
            (name, Tensor::from_vec(q.shape(), data).unwrap())
        })
        .collect()
}

#[test]
fn rnn_from_tensors_holds_exactly_the_given_weights() {
    let rng = &mut StdRng::seed_from_u64(2);
    for kind in [CellKind::ElmanRelu, CellKind::Gru, CellKind::Lstm] {
        let shape = Rnn::<f32>::new(rnn_config(kind), rng);
        let mut given = numbered(&shape, 0.0);
        given.reverse(); // any order
        let rnn = Rnn::from_tensors(rnn_config(kind), given.clone()).unwrap();
        for (name, param) in rnn.params() {
            let (_, want) = given.iter().find(|(n, _)| *n == name).unwrap();
            assert_eq!(param.value(), want, "{kind:?} {name}");
        }
    }
}

#[test]
fn assign_names_what_does_not_fit_and_changes_nothing() {
    let mut m = model(true);
    let before: Vec<Tensor<f32>> = m.params().iter().map(|(_, p)| p.value().clone()).collect();
    let unchanged = |m: &Model| {
        let now: Vec<Tensor<f32>> = m.params().iter().map(|(_, p)| p.value().clone()).collect();
        now == before
    };
    let good = numbered(&m, 10.0);

    let mut missing = good.clone();
    missing.retain(|(n, _)| n != "heads.1.bias");
    let err = assign(&mut m, missing).unwrap_err();
    assert!(matches!(&err, NnError::Missing { name, .. } if name == "heads.1.bias"));
    assert_eq!(
        err.to_string(),
        "parameter \"heads.1.bias\" is missing from given tensors"
    );
    assert!(unchanged(&m));

    let mut extra = good.clone();
    extra.push(("heads.2.weight".into(), Tensor::zeros(&[1, 2])));
    let err = assign(&mut m, extra).unwrap_err();
    assert!(matches!(&err, NnError::Unexpected { name, .. } if name == "heads.2.weight"));
    assert!(unchanged(&m));

    let mut misshapen = good.clone();
    misshapen[0].1 = Tensor::zeros(&[2]);
    let err = assign(&mut m, misshapen).unwrap_err();
    assert!(matches!(&err, NnError::Shape { name, .. } if name == "scale"));
    assert!(unchanged(&m));

    let mut twice = good.clone();
    twice.push(good[0].clone());
    let err = assign(&mut m, twice).unwrap_err();
    assert!(matches!(&err, NnError::DuplicateName { name } if name == "scale"));
    assert!(unchanged(&m));

    assign(&mut m, good.clone()).unwrap();
    for ((name, p), (given_name, t)) in m.params().into_iter().zip(&good) {
        assert_eq!((&name, p.value()), (given_name, t));
    }

    let config = RnnConfig {
        layers: 0,
        ..rnn_config(CellKind::Gru)
    };
    let err = Rnn::<f32>::from_tensors(config, Vec::new()).err().unwrap();
    assert!(err.to_string().contains("at least one layer"), "{err}");
}
