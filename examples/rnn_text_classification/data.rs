//! Text in, ids out: reading TSV files (warnings name file and line),
//! tokenizers, the vocabulary, and padded minibatches with lengths.

use std::collections::HashMap;
use std::path::Path;

use origami::nn::{TsvOptions, read_tsv};

/// Id 0 pads, id 1 stands for words not seen in training.
pub const PAD: usize = 0;
pub const UNKNOWN: usize = 1;

/// How text is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tokens {
    Word,
    Char,
}

impl Tokens {
    pub fn split(self, text: &str) -> Vec<String> {
        match self {
            Tokens::Word => text.split_whitespace().map(str::to_lowercase).collect(),
            Tokens::Char => text.chars().map(|c| c.to_lowercase().to_string()).collect(),
        }
    }
}

/// `--tokens auto` reads characters when more than this share of the
/// words of the checked texts never occur in the training texts: word ids
/// would then be mostly "unknown". (Word OOV rates on the validation split:
/// the built-in corpus 0, fortune topics 0.18, fortune languages 0.28,
/// single-word language ID 1.0; on the last three a character GRU beat a
/// word GRU on validation, 0.418 / 0.989 / 0.856 against 0.387 / 0.940 /
/// 0.126; `scripts/showcase_study.py search`.)
pub const MAX_WORD_OOV: f64 = 0.1;

/// Words or characters for `train` texts, by the share of the words of
/// `check` (the validation texts; the odd-numbered training texts when
/// there are none) missing from the rest; returns that share too.
pub fn choose_tokens(train: &[&str], check: &[&str]) -> (Tokens, f64) {
    let (known, check): (Vec<&str>, Vec<&str>) = if check.is_empty() {
        let (even, odd): (Vec<_>, Vec<_>) = train.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        (
            even.into_iter().map(|(_, t)| *t).collect(),
            odd.into_iter().map(|(_, t)| *t).collect(),
        )
    } else {
        (train.to_vec(), check.to_vec())
    };
    let vocab: std::collections::HashSet<String> =
        known.iter().flat_map(|t| Tokens::Word.split(t)).collect();
    let words: Vec<String> = check.iter().flat_map(|t| Tokens::Word.split(t)).collect();
    let missing = words.iter().filter(|w| !vocab.contains(*w)).count();
    let share = missing as f64 / words.len().max(1) as f64;
    let tokens = if share > MAX_WORD_OOV {
        Tokens::Char
    } else {
        Tokens::Word
    };
    (tokens, share)
}

/// A labelled example: label index and text.
pub type Example = (usize, String);

/// Reads a `label<TAB>text` file with origami's TSV reader, printing the
/// first few skipped lines as warnings. Labels not in `labels` are added
/// when `new_labels` is set (training data) and are malformed otherwise.
pub fn read_labelled(
    path: &Path,
    labels: &mut Vec<String>,
    new_labels: bool,
) -> Result<Vec<Example>, String> {
    let options = TsvOptions {
        new_labels,
        ..TsvOptions::default()
    };
    let data = read_tsv(path, labels, &options).map_err(|e| e.to_string())?;
    // In a distributed run, every rank reads the file; rank 0 warns.
    let shown = if crate::workers::speaks() { 5 } else { 0 };
    for skipped in data.skipped.iter().take(shown) {
        eprintln!(
            "warning: skipped {}:{}: {}",
            path.display(),
            skipped.line,
            skipped.problem
        );
    }
    if shown > 0 && data.skipped.len() > shown {
        eprintln!(
            "warning: … and {} more malformed lines in {}",
            data.skipped.len() - shown,
            path.display()
        );
    }
    Ok(data
        .examples
        .into_iter()
        .map(|e| (e.label, e.text))
        .collect())
}

/// Token ↔ id, built from training text.
#[derive(Clone, Debug)]
pub struct Vocab {
    pub tokens: Vec<String>,
    index: HashMap<String, usize>,
}

impl Vocab {
    /// Every token seen at least `min_count` times, most frequent first.
    pub fn build(texts: &[&str], tokens: Tokens, min_count: usize) -> Self {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in texts {
            for tok in tokens.split(t) {
                *counts.entry(tok).or_default() += 1;
            }
        }
        let mut kept: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(_, c)| *c >= min_count)
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let list: Vec<String> = ["<pad>", "<unk>"]
            .iter()
            .map(|s| s.to_string())
            .chain(kept.into_iter().map(|(t, _)| t))
            .collect();
        Self::from_list(list)
    }

    pub fn from_list(tokens: Vec<String>) -> Self {
        let index = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        Self { tokens, index }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Ids of `text`, cut to `max_len` (at least one id: empty text → unknown).
    pub fn encode(&self, text: &str, tokens: Tokens, max_len: usize) -> Vec<usize> {
        let mut ids: Vec<usize> = tokens
            .split(text)
            .iter()
            .take(max_len)
            .map(|t| *self.index.get(t).unwrap_or(&UNKNOWN))
            .collect();
        if ids.is_empty() {
            ids.push(UNKNOWN);
        }
        ids
    }
}

/// The `q`-quantile of the token counts of `texts`.
pub fn length_quantile(texts: &[&str], tokens: Tokens, q: f64) -> usize {
    let mut lens: Vec<usize> = texts.iter().map(|t| tokens.split(t).len().max(1)).collect();
    lens.sort_unstable();
    lens[((lens.len() - 1) as f64 * q).round() as usize]
}

/// A minibatch: per time step the ids of every sequence (padded), the
/// lengths, and the labels.
pub struct Batch {
    /// Positions of the examples in their data set.
    pub indices: Vec<usize>,
    pub steps: Vec<Vec<usize>>,
    pub lengths: Vec<usize>,
    pub labels: Vec<usize>,
}

impl Batch {
    /// Deals the batch into `parts` pieces of nearly equal size (fewer if
    /// the batch is smaller), rows `k, k + parts, …` to piece `k`, each
    /// padded only to its own longest sequence. Dealt rather than cut, a
    /// batch ordered longest first gives every piece a fair share of the
    /// long sequences and keeps each piece in that order.
    pub fn split(&self, parts: usize) -> Vec<Batch> {
        let n = self.labels.len();
        let parts = parts.clamp(1, n.max(1));
        (0..parts)
            .map(|k| {
                let rows: Vec<usize> = (k..n).step_by(parts).collect();
                let pick =
                    |values: &[usize]| -> Vec<usize> { rows.iter().map(|&r| values[r]).collect() };
                let lengths = pick(&self.lengths);
                let longest = lengths.iter().copied().max().unwrap_or(0);
                Batch {
                    indices: pick(&self.indices),
                    steps: self.steps[..longest].iter().map(|ids| pick(ids)).collect(),
                    lengths,
                    labels: pick(&self.labels),
                }
            })
            .collect()
    }
}

/// Orders every `size`-long chunk of `order` (each a future batch) longest
/// sequence first, ties as they were: the order of packed sequences, in
/// which the recurrent scans skip, at every step, the rows that have ended.
pub fn longest_first(order: &mut [usize], encoded: &[(usize, Vec<usize>)], size: usize) {
    for chunk in order.chunks_mut(size.max(1)) {
        chunk.sort_by_key(|&i| std::cmp::Reverse(encoded[i].1.len()));
    }
}

/// Cuts `order` into batches of `size` encoded sequences.
pub fn batches(encoded: &[(usize, Vec<usize>)], order: &[usize], size: usize) -> Vec<Batch> {
    order
        .chunks(size.max(1))
        .map(|chunk| {
            let lengths: Vec<usize> = chunk.iter().map(|&i| encoded[i].1.len()).collect();
            let longest = *lengths.iter().max().expect("non-empty chunk");
            let steps = (0..longest)
                .map(|t| {
                    chunk
                        .iter()
                        .map(|&i| *encoded[i].1.get(t).unwrap_or(&PAD))
                        .collect()
                })
                .collect();
            Batch {
                indices: chunk.to_vec(),
                steps,
                lengths,
                labels: chunk.iter().map(|&i| encoded[i].0).collect(),
            }
        })
        .collect()
}
