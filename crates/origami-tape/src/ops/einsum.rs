//! `einsum`: products and sums named by index letters, built from sums,
//! permutes, reshapes and batched matrix products, so its derivatives of
//! every order come from those ops' rules.
//!
//! The operands are folded left to right. Before that, each operand sums
//! out the letters that appear nowhere else; each pair then becomes one
//! batched product `[batch, left, shared]·[batch, shared, right]`, where
//! `batch` are the letters both keep, `shared` those the product sums
//! over. The result is permuted into the requested order.

use crate::float::Float;
use crate::tape::Var;

/// A spec's operand and output letters, checked against the operands.
struct Spec {
    inputs: Vec<Vec<u8>>,
    output: Vec<u8>,
}

impl Spec {
    #[track_caller]
    fn parse<T: Float>(spec: &str, operands: &[Var<'_, T>]) -> Self {
        let fail = |why: String| -> ! { panic!("einsum {spec:?}: {why}") };
        let (lhs, rhs) = match spec.split_once("->") {
            Some((lhs, rhs)) => (lhs, Some(rhs)),
            None => (spec, None),
        };
        let letters = |term: &str| -> Vec<u8> {
            let term = term.trim();
            if let Some(c) = term.chars().find(|c| !c.is_ascii_alphabetic()) {
                fail(format!("{c:?} is not an index letter (a-z, A-Z; no '...')"));
            }
            term.bytes().collect()
        };
        let inputs: Vec<Vec<u8>> = lhs.split(',').map(letters).collect();
        if inputs.len() != operands.len() {
            fail(format!(
                "names {} operands but got {}",
                inputs.len(),
                operands.len()
            ));
        }
        let mut size: [Option<usize>; 128] = [None; 128];
        for (i, (term, x)) in inputs.iter().zip(operands).enumerate() {
            let shape = x.shape();
            if term.len() != shape.len() {
                fail(format!(
                    "operand {i} has shape {shape:?}, not {} axes",
                    term.len()
                ));
            }
            for (a, (&l, &d)) in term.iter().zip(shape.iter()).enumerate() {
                let letter = l as char;
                if term[..a].contains(&l) {
                    fail(format!(
                        "{letter:?} repeats in operand {i} (diagonals are not supported)"
                    ));
                }
                match size[l as usize] {
                    Some(seen) if seen != d => fail(format!(
                        "{letter:?} is {seen} in one place and {d} in operand {i}"
                    )),
                    _ => size[l as usize] = Some(d),
                }
            }
        }
        let output = match rhs {
            Some(rhs) => letters(rhs),
            // NumPy's implicit output: the letters used once, in ASCII
            // order (capitals first).
            None => (0u8..128)
                .filter(|l| inputs.iter().flatten().filter(|&&m| m == *l).count() == 1)
                .collect(),
        };
        for (a, &l) in output.iter().enumerate() {
            if output[..a].contains(&l) {
                fail(format!("{:?} repeats in the output", l as char));
            }
            if size[l as usize].is_none() {
                fail(format!("output letter {:?} is in no operand", l as char));
            }
        }
        Self { inputs, output }
    }
}

/// `x` with the axes whose letters are not in `keep` summed out.
fn sum_unused<'t, T: Float>(x: Var<'t, T>, term: &[u8], keep: &[u8]) -> (Var<'t, T>, Vec<u8>) {
    let axes: Vec<usize> = (0..term.len())
        .filter(|&a| !keep.contains(&term[a]))
        .collect();
    if axes.is_empty() {
        return (x, term.to_vec());
    }
    let left = term.iter().copied().filter(|l| keep.contains(l)).collect();
    (x.sum(&axes), left)
}

/// `x` (named by `term`) with its axes in the order of `order`.
fn arrange<'t, T: Float>(x: Var<'t, T>, term: &[u8], order: &[u8]) -> Var<'t, T> {
    let perm: Vec<usize> = order
        .iter()
        .map(|l| {
            term.iter()
                .position(|m| m == l)
                .expect("letter of the term")
        })
        .collect();
    if perm.iter().enumerate().all(|(a, &p)| a == p) {
        x
    } else {
        x.permute(&perm)
    }
}

/// The product of two named operands, summed over the letters not in
/// `keep`: one batched matrix product.
fn contract<'t, T: Float>(
    (a, ta): (Var<'t, T>, &[u8]),
    (b, tb): (Var<'t, T>, &[u8]),
    keep: &[u8],
) -> (Var<'t, T>, Vec<u8>) {
    let both = |l: &u8| ta.contains(l) && tb.contains(l);
    let batch: Vec<u8> = ta
        .iter()
        .copied()
        .filter(|l| both(l) && keep.contains(l))
        .collect();
    let shared: Vec<u8> = ta
        .iter()
        .copied()
        .filter(|l| both(l) && !keep.contains(l))
        .collect();
    let left: Vec<u8> = ta.iter().copied().filter(|l| !both(l)).collect();
    let right: Vec<u8> = tb.iter().copied().filter(|l| !both(l)).collect();
    let size = |x: &Var<'t, T>, term: &[u8], letters: &[u8]| -> Vec<usize> {
        let shape = x.shape();
        let dim = |l: &u8| shape[term.iter().position(|m| m == l).expect("letter")];
        letters.iter().map(dim).collect()
    };
    let (batch_dims, left_dims) = (size(&a, ta, &batch), size(&a, ta, &left));
    let (shared_dims, right_dims) = (size(&a, ta, &shared), size(&b, tb, &right));
    let count = |dims: &[usize]| dims.iter().product::<usize>();
    let (nb, nl, ns, nr) = (
        count(&batch_dims),
        count(&left_dims),
        count(&shared_dims),
        count(&right_dims),
    );
    let a_order = [&batch[..], &left, &shared].concat();
    let b_order = [&batch[..], &shared, &right].concat();
    let a = arrange(a, ta, &a_order).reshape(&[nb, nl, ns]);
    let b = arrange(b, tb, &b_order).reshape(&[nb, ns, nr]);
    let shape = [&batch_dims[..], &left_dims, &right_dims].concat();
    let product = a.matmul(b).reshape(&shape);
    (product, [batch, left, right].concat())
}

impl<'t, T: Float> Var<'t, T> {
    /// Einstein summation, as `numpy.einsum` and `torch.einsum` read
    /// `spec`: one letter per axis of each operand, `->` and the output's
    /// letters (without `->`, the letters used once, in ASCII order); a
    /// letter missing from the output is summed over. `"ij,jk->ik"` is a
    /// matrix product, `"bij,bkj->bik"` a batched one against transposes,
    /// `"i,j->ij"` an outer product, `"ij->ji"` a transpose, `"ii"`-style
    /// diagonals and `...` are not supported. Differentiable to any order.
    ///
    /// ```
    /// # use origami_tape::{Tape, Tensor, Var};
    /// let tape = Tape::<f32>::new();
    /// let a = tape.var(Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap());
    /// let x = tape.var(Tensor::from_vec(&[2], vec![1.0, 1.0]).unwrap());
    /// assert_eq!(Var::einsum("ij,j->i", &[a, x]).value().data(), &[3.0, 7.0]);
    /// assert_eq!(Var::einsum("i,ij,j", &[x, a, x]).value().item(), 10.0);
    /// let b = tape.var(Tensor::zeros(&[2, 3]));
    /// assert_eq!(Var::einsum("bA", &[b]).shape().as_slice(), &[3, 2]); // as NumPy: "bA->Ab"
    /// ```
    ///
    /// # Panics
    /// If `spec` is malformed, names another number of operands or axes
    /// than given, repeats a letter within a term, or gives one letter two
    /// sizes (the message names the letter and the operand).
    #[track_caller]
    pub fn einsum(spec: &str, operands: &[Self]) -> Self {
        let spec = Spec::parse(spec, operands);
        let needed_after = |i: usize| -> Vec<u8> {
            let later = spec.inputs[i + 1..].iter().flatten();
            spec.output.iter().chain(later).copied().collect()
        };
        let mut named: Vec<(Self, Vec<u8>)> = Vec::with_capacity(operands.len());
        for (i, (&x, term)) in operands.iter().zip(&spec.inputs).enumerate() {
            let others = spec.inputs.iter().enumerate().filter(|&(j, _)| j != i);
            let elsewhere: Vec<u8> = others
                .flat_map(|(_, t)| t.iter().copied())
                .chain(spec.output.iter().copied())
                .collect();
            named.push(sum_unused(x, term, &elsewhere));
        }
        let mut parts = named.into_iter();
        let (mut acc, mut term) = parts.next().expect("einsum: at least one operand");
        for (i, (x, t)) in parts.enumerate() {
            (acc, term) = contract((acc, &term), (x, &t), &needed_after(i + 1));
        }
        arrange(acc, &term, &spec.output)
    }
}
