//! Mistakes in `einsum` specs and in matrix-product shapes panic with a
//! message naming the spec or the shapes and what is wrong with them.

use origami_tape::{Tape, Tensor, Var};

/// The panic message of `f`, which must panic.
fn message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("should panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn einsum_error(spec: &'static str, shapes: &'static [&'static [usize]]) -> String {
    message(move || {
        let tape = Tape::<f64>::new();
        let vars: Vec<Var<'_, f64>> = shapes.iter().map(|s| tape.var(Tensor::zeros(s))).collect();
        Var::einsum(spec, &vars);
    })
}

#[test]
fn einsum_names_what_is_wrong_with_the_spec() {
    let cases: [(&str, &[&[usize]], &str); 7] = [
        ("ij,jk->ik", &[&[2, 3]], "names 2 operands but got 1"),
        (
            "ij->i",
            &[&[2, 3, 4]],
            "operand 0 has shape [2, 3, 4], not 2 axes",
        ),
        (
            "ij,jk->ik",
            &[&[2, 3], &[4, 5]],
            "'j' is 3 in one place and 4 in operand 1",
        ),
        (
            "ii->i",
            &[&[2, 2]],
            "'i' repeats in operand 0 (diagonals are not supported)",
        ),
        ("ij->k", &[&[2, 3]], "output letter 'k' is in no operand"),
        ("ij->ii", &[&[2, 3]], "'i' repeats in the output"),
        ("...ij->ij", &[&[2, 3]], "'.' is not an index letter"),
    ];
    for (spec, shapes, want) in cases {
        let got = einsum_error(spec, shapes);
        assert!(got.starts_with(&format!("einsum {spec:?}: ")), "{got}");
        assert!(got.contains(want), "{spec}: {got}");
    }
}

#[test]
fn matmul_names_the_shapes_that_do_not_multiply() {
    let product = |a: &'static [usize], b: &'static [usize]| {
        message(move || {
            let tape = Tape::<f64>::new();
            tape.var(Tensor::zeros(a))
                .matmul(tape.var(Tensor::zeros(b)));
        })
    };
    assert_eq!(
        product(&[2, 1, 3, 4], &[5, 3, 2]),
        "matmul: shapes [2, 1, 3, 4] and [5, 3, 2] do not multiply"
    );
    assert_eq!(
        product(&[2, 3, 4], &[5, 4, 2]),
        "matmul: shapes [2, 3, 4] and [5, 4, 2] do not multiply: batch axes do not broadcast"
    );
    assert!(product(&[], &[2]).contains("operands need at least one axis"));
}

/// Records one op on a `[2, 3]` variable.
type Recording = fn(Var<'_, f64>);

/// Masks and ids are flat slices, so their length is checked when the op
/// is recorded, with the op, the length and the shape in the message.
#[test]
fn masks_and_ids_of_the_wrong_size_are_named() {
    let run = |f: fn(Var<'_, f64>)| {
        message(move || {
            let tape = Tape::<f64>::new();
            f(tape.var(Tensor::zeros(&[2, 3])));
        })
    };
    let cases: [(Recording, &str); 5] = [
        (
            |x| _ = x.masked_fill(&[true; 5], 0.0),
            "masked_fill: mask of 5 entries for shape [2, 3]",
        ),
        (
            |x| _ = Var::where_cond(&[true; 5], x, x),
            "where: condition of 5 entries, branches [2, 3] and [2, 3]",
        ),
        (
            |x| _ = x.index_select(1, &[0, 3]),
            "index_select: index 3 at position 1 is out of range for an axis of size 3",
        ),
        (|x| _ = x.gather(1, &[0, 1, 2]), "gather"),
        (
            |x| _ = x.cross_entropy(&[0, 5], origami_tape::Reduction::Mean),
            "cross_entropy",
        ),
    ];
    for (f, want) in cases {
        let got = run(f);
        assert!(got.starts_with(want), "{got}");
    }
}

#[test]
fn layout_ops_and_reductions_name_what_is_wrong() {
    let cases: [(Recording, &str); 13] = [
        (
            |x| _ = Var::concat(&[x, x.narrow(1, 0, 2)], 0),
            "concat: shape [2, 2] does not match [2, 3] off axis 0",
        ),
        (
            |x| _ = x.softmax(2),
            "softmax: axis 2 out of range for shape [2, 3]",
        ),
        (
            |x| _ = x.log_softmax(2),
            "log_softmax: axis 2 out of range for shape [2, 3]",
        ),
        (
            |x| _ = x.logsumexp(&[2]),
            "logsumexp: axis 2 out of range for shape [2, 3]",
        ),
        (
            |x| _ = x.sum(&[2]),
            "sum: axis 2 out of range for shape [2, 3]",
        ),
        (
            |x| _ = x.narrow(0, 0, 0).max(0),
            "max: axis 0 of shape [0, 3] is empty",
        ),
        (|x| _ = x.sum(&[1, 1]), "sum: axis 1 listed twice"),
        (
            |x| _ = x.max(2),
            "max: axis 2 out of range for shape [2, 3]",
        ),
        (
            |x| _ = x.permute(&[0]),
            "permute: [0] is not a permutation of the axes of [2, 3]",
        ),
        (
            |x| _ = x.permute(&[1, 1]),
            "permute: [1, 1] is not a permutation of the axes of [2, 3]",
        ),
        (
            |x| _ = x.permute(&[0, 2]),
            "permute: [0, 2] is not a permutation of the axes of [2, 3]",
        ),
        (
            |x| _ = x.broadcast_to(&[3]),
            "broadcast_to: shape [2, 3] does not broadcast to [3]",
        ),
        (
            |x| _ = x.broadcast_to(&[2, 2]),
            "broadcast_to: shape [2, 3] does not broadcast to [2, 2]",
        ),
    ];
    for (f, want) in cases {
        let got = message(move || {
            let tape = Tape::<f64>::new();
            f(tape.var(Tensor::zeros(&[2, 3])));
        });
        assert!(got.starts_with(want), "{got}");
    }
}
