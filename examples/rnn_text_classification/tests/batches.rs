//! Batching: longest first, split across threads, and padding that
//! never changes a score.

#[test]
fn batches_run_longest_first_and_split_deals_their_rows() {
    use crate::data::{PAD, batches, longest_first};
    // Eleven sequences of lengths 1…5 in a scrambled order; sequence `i`
    // holds the ids `i + 1, i + 1, …` so every cell can be traced back.
    let lengths = [3, 1, 5, 2, 4, 5, 1, 3, 2, 4, 3];
    let encoded: Vec<(usize, Vec<usize>)> = lengths
        .iter()
        .enumerate()
        .map(|(i, &l)| (i % 3, vec![i + 1; l]))
        .collect();
    let mut order: Vec<usize> = (0..encoded.len()).rev().collect();
    longest_first(&mut order, &encoded, 4);
    // Each chunk of four sorted longest first; ties keep their order.
    assert_eq!(order, [9, 10, 7, 8, 5, 4, 3, 6, 2, 0, 1]);
    for batch in batches(&encoded, &order, 4) {
        for parts in 1..=5 {
            let pieces = batch.split(parts);
            assert_eq!(pieces.len(), parts.min(batch.labels.len()));
            let mut dealt: Vec<usize> = Vec::new();
            for (k, piece) in pieces.iter().enumerate() {
                // Rows k, k + parts, … in order, still longest first.
                let rows: Vec<usize> = (k..batch.labels.len()).step_by(pieces.len()).collect();
                let expected: Vec<usize> = rows.iter().map(|&r| batch.indices[r]).collect();
                assert_eq!(piece.indices, expected);
                assert!(piece.lengths.windows(2).all(|w| w[0] >= w[1]));
                assert_eq!(piece.steps.len(), piece.lengths[0]);
                for (row, &i) in piece.indices.iter().enumerate() {
                    assert_eq!(piece.labels[row], encoded[i].0);
                    assert_eq!(piece.lengths[row], lengths[i]);
                    for (t, ids) in piece.steps.iter().enumerate() {
                        let id = if t < lengths[i] { i + 1 } else { PAD };
                        assert_eq!(ids[row], id, "piece {k}, row {row}, step {t}");
                    }
                }
                dealt.extend(&piece.indices);
            }
            dealt.sort_unstable();
            let mut all = batch.indices.clone();
            all.sort_unstable();
            assert_eq!(dealt, all);
        }
    }
}

#[test]
fn evaluation_scores_do_not_depend_on_the_thread_count() {
    use crate::model::{Pool, RnnClassifier};
    use crate::train::{Split, evaluate};
    use origami::nn::{CellKind, RnnConfig};
    use rand::SeedableRng;
    // 53 texts of lengths 1…9 over 4 classes: batches of 8 leave a short
    // last batch, and 3 threads get unequal shares.
    let encoded: Vec<(usize, Vec<usize>)> = (0..53)
        .map(|i| {
            (
                i % 4,
                (0..1 + i % 9).map(|t| 2 + (i * 7 + t) % 11).collect(),
            )
        })
        .collect();
    let split = Split {
        texts: (0..53).map(|i| format!("text {i}")).collect(),
        encoded,
    };
    let config = RnnConfig {
        kind: CellKind::Lstm,
        input_size: 0,
        hidden_size: 6,
        layers: 1,
        bidirectional: true,
    };
    let rng = &mut rand::rngs::StdRng::seed_from_u64(9);
    let model = RnnClassifier::new(13, 5, config, 1, 4, Pool::Max, rng);
    let one = evaluate(&model, &split, 8, 4, 1);
    assert_eq!(one.confusion.iter().flatten().sum::<usize>(), 53);
    // Predictions that differ, so a batch scored against another batch's
    // labels would show.
    let guessed = (0..4).filter(|&k| one.confusion.iter().any(|row| row[k] > 0));
    assert!(guessed.count() > 1, "{:?}", one.confusion);
    for threads in [2, 3, 16] {
        let many = evaluate(&model, &split, 8, 4, threads);
        assert_eq!(many.confusion, one.confusion, "{threads} threads");
        assert_eq!(many.loss.to_bits(), one.loss.to_bits(), "{threads} threads");
        assert_eq!(many.accuracy, one.accuracy, "{threads} threads");
    }
}

/// Padding never changes a result: every sequence's logits, and the
/// gradient of their sum, are those it gets alone, for every pooling,
/// cell and direction (max pooling reads the padding, which repeats
/// states the row already had).
#[test]
fn a_padded_batch_scores_every_sequence_as_it_scores_alone() {
    use crate::data::batches;
    use crate::model::{Classifier, Pool, RnnClassifier};
    use origami::nn::{CellKind, Params, RnnConfig};
    use origami::prelude::*;
    use rand::SeedableRng;
    let encoded: Vec<(usize, Vec<usize>)> = [5, 2, 4, 1, 3]
        .iter()
        .enumerate()
        .map(|(i, &l)| (i % 4, (0..l).map(|t| 2 + (i * 5 + t * 3) % 11).collect()))
        .collect();
    let texts = vec![""; encoded.len()];
    for kind in [CellKind::Lstm, CellKind::Gru, CellKind::ElmanTanh] {
        for (bidirectional, pool) in [(true, Pool::Max), (false, Pool::Max), (true, Pool::Mean)] {
            let config = RnnConfig {
                kind,
                input_size: 0,
                hidden_size: 6,
                layers: 1,
                bidirectional,
            };
            let rng = &mut rand::rngs::StdRng::seed_from_u64(3);
            let model = RnnClassifier::new(13, 5, config, 1, 4, pool, rng);
            let score = |rows: &[usize]| {
                let batch = batches(&encoded, rows, rows.len()).remove(0);
                let tape = Tape::new();
                let logits = model.logits(&tape, &batch, &texts[..rows.len()], None);
                let grads = logits.sum_all().backward();
                (logits.value().data().to_vec(), grads)
            };
            let (together, summed) = score(&[0, 1, 2, 3, 4]);
            let mut alone_grads = Vec::new();
            for i in 0..encoded.len() {
                let (alone, grads) = score(&[i]);
                let row = &together[4 * i..4 * i + 4];
                let close = row.iter().zip(&alone).all(|(a, b)| (a - b).abs() < 1e-5);
                assert!(close, "{kind:?} {pool:?} row {i}: {row:?} vs {alone:?}");
                alone_grads.push(grads);
            }
            for (name, param) in model.params() {
                let want = summed.get(param.id()).unwrap();
                let mut got = vec![0.0f32; want.numel()];
                for grads in &alone_grads {
                    for (g, x) in got.iter_mut().zip(grads.get(param.id()).unwrap().data()) {
                        *g += x;
                    }
                }
                let close = got
                    .iter()
                    .zip(want.data())
                    .all(|(a, b)| (a - b).abs() < 1e-4);
                assert!(close, "{kind:?} {pool:?} gradient of {name}");
            }
        }
    }
}
