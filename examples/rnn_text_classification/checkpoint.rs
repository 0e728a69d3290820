//! Saved models: `--save` writes the parameters (with the configuration,
//! vocabulary and labels as metadata) and the optimizer state, `--load`
//! resumes from them, `--predict` and `--predict-file` classify new text
//! with them.

use std::path::Path;

use origami::nn::{CellKind, Metadata, Params, RnnConfig};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::cli::Args;
use crate::data::{self, Tokens, Vocab};
use crate::model::{self, Classifier, NgramClassifier, RnnClassifier};

/// The configuration an RNN checkpoint records (`model=rnn`).
pub fn rnn_config(args: &Args, tokens: Tokens, max_len: usize, epoch: usize) -> String {
    let cell = match args.cell {
        CellKind::Gru => "gru",
        CellKind::Lstm => "lstm",
        _ => "elman",
    };
    let pool = format!("{:?}", args.pool).to_lowercase();
    format!(
        "model=rnn;cell={cell};embed={};hidden={};layers={};bidirectional={};pool={pool};head_depth={};tokens={};max_len={max_len};epoch={epoch};optimizer={};lr={}",
        args.embed,
        args.hidden,
        args.layers,
        args.bidirectional,
        args.head_depth,
        token_name(tokens),
        args.optimizer,
        args.lr
    )
}

/// The configuration a bag-of-n-grams checkpoint records (`model=ngram`).
pub fn ngram_config(model: &NgramClassifier, max_len: usize, epoch: usize) -> String {
    format!(
        "model=ngram;ngram={};buckets={};tokens={};max_len={max_len};epoch={epoch}",
        model.max_n,
        model.buckets,
        token_name(model.tokens)
    )
}

fn token_name(tokens: Tokens) -> &'static str {
    match tokens {
        Tokens::Char => "char",
        Tokens::Word => "word",
    }
}

/// Writes `model` with `config` (from [`rnn_config`] or [`ngram_config`]),
/// the vocabulary and labels as metadata, and the optimizer state.
pub fn save(
    dir: &Path,
    model: &impl Params<f32>,
    config: String,
    method: &dyn Method<f32>,
    vocab: &Vocab,
    labels: &[String],
) -> Result<(), String> {
    let meta = Metadata::from([
        ("config".to_string(), config),
        ("vocab".to_string(), vocab.tokens.join("\n")),
        ("labels".to_string(), labels.join("\n")),
    ]);
    origami::nn::save(&dir.join("model.safetensors"), model, &meta).map_err(|e| e.to_string())?;
    let state = method.state();
    let tensors: Vec<(String, &Tensor<f32>)> =
        state.tensors.iter().map(|(n, t)| (n.clone(), t)).collect();
    let scalars = state
        .scalars
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    origami::nn::save_tensors(&dir.join("optimizer.safetensors"), &tensors, &scalars)
        .map_err(|e| e.to_string())
}

/// The saved configuration as key → value.
fn saved_config(meta: &Metadata) -> Result<std::collections::HashMap<String, String>, String> {
    let config = meta
        .get("config")
        .ok_or("the checkpoint has no configuration")?;
    Ok(config
        .split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

pub fn resume(
    dir: &Path,
    model: &mut RnnClassifier,
    method: &mut dyn Method<f32>,
) -> Result<usize, String> {
    let path = dir.join("model.safetensors");
    let (_, meta) = origami::nn::load_tensors::<f32>(&path).map_err(|e| e.to_string())?;
    if saved_config(&meta)?
        .get("model")
        .is_some_and(|m| m == "ngram")
    {
        return Err(format!(
            "{}: holds a bag-of-n-grams model; --load resumes RNN training only (use it with --predict or --predict-file)",
            path.display()
        ));
    }
    let meta =
        origami::nn::load(&dir.join("model.safetensors"), model).map_err(|e| e.to_string())?;
    let (tensors, scalars) = origami::nn::load_tensors::<f32>(&dir.join("optimizer.safetensors"))
        .map_err(|e| e.to_string())?;
    let scalars = scalars
        .into_iter()
        .map(|(k, v)| {
            v.parse()
                .map(|x| (k.clone(), x))
                .map_err(|_| format!("optimizer state: {k}={v:?}"))
        })
        .collect::<Result<_, _>>()?;
    method
        .load_state(origami::optim::OptimState { tensors, scalars })
        .map_err(|e| e.to_string())?;
    let config = saved_config(&meta)?;
    config
        .get("epoch")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| "the checkpoint has no epoch count".to_string())
}

/// A model saved with `--save`, ready to classify text.
pub struct Saved {
    model: SavedModel,
    vocab: Vocab,
    labels: Vec<String>,
    tokens: Tokens,
    max_len: usize,
}

/// The two kinds of model a checkpoint can hold.
enum SavedModel {
    Rnn(RnnClassifier),
    Ngram(NgramClassifier),
}

/// Largest bucket count and n-gram length a checkpoint may ask for (the
/// example uses 2¹⁴ buckets and n ≤ 3 by default).
const MAX_BUCKETS: usize = 1 << 24;
const MAX_NGRAM: usize = 16;

impl Saved {
    /// Reads `DIR/model.safetensors` and rebuilds the model it describes.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join("model.safetensors");
        let (_, meta) = origami::nn::load_tensors::<f32>(&path).map_err(|e| e.to_string())?;
        let config = saved_config(&meta)?;
        let get = |k: &str| {
            config
                .get(k)
                .cloned()
                .ok_or_else(|| format!("{}: configuration lacks {k}", path.display()))
        };
        let num = |k: &str| {
            get(k).and_then(|v| {
                v.parse::<usize>()
                    .map_err(|_| format!("{}: bad {k}={v}", path.display()))
            })
        };
        let vocab = Vocab::from_list(
            meta.get("vocab")
                .ok_or("no vocabulary in the checkpoint")?
                .split('\n')
                .map(String::from)
                .collect(),
        );
        let labels: Vec<String> = meta
            .get("labels")
            .ok_or("no labels in the checkpoint")?
            .split('\n')
            .map(String::from)
            .collect();
        let tokens = if get("tokens")? == "char" {
            Tokens::Char
        } else {
            Tokens::Word
        };
        let rng = &mut StdRng::seed_from_u64(0);
        let model = if config.get("model").is_some_and(|m| m == "ngram") {
            let buckets = num("buckets")?;
            if buckets == 0 || buckets > MAX_BUCKETS {
                return Err(format!("{}: bad buckets={buckets}", path.display()));
            }
            let n = num("ngram")?;
            if n == 0 || n > MAX_NGRAM {
                return Err(format!("{}: bad ngram={n}", path.display()));
            }
            let mut model = NgramClassifier::new(tokens, n, buckets, labels.len(), rng);
            origami::nn::load(&path, &mut model).map_err(|e| e.to_string())?;
            SavedModel::Ngram(model)
        } else {
            let kind = match get("cell")?.as_str() {
                "gru" => CellKind::Gru,
                "lstm" => CellKind::Lstm,
                _ => CellKind::ElmanTanh,
            };
            let pool = match get("pool")?.as_str() {
                "mean" => model::Pool::Mean,
                "max" => model::Pool::Max,
                _ => model::Pool::Last,
            };
            let config = RnnConfig {
                kind,
                input_size: num("embed")?,
                hidden_size: num("hidden")?,
                layers: num("layers")?,
                bidirectional: get("bidirectional")? == "true",
            };
            let mut model = RnnClassifier::new(
                vocab.len(),
                num("embed")?,
                config,
                num("head_depth")?,
                labels.len(),
                pool,
                rng,
            );
            origami::nn::load(&path, &mut model).map_err(|e| e.to_string())?;
            SavedModel::Rnn(model)
        };
        let max_len = num("max_len")?;
        Ok(Self {
            model,
            vocab,
            labels,
            tokens,
            max_len,
        })
    }

    /// Whether the checkpoint holds the bag-of-n-grams model.
    #[cfg(test)]
    pub fn is_ngram(&self) -> bool {
        matches!(self.model, SavedModel::Ngram(_))
    }

    /// Class probabilities for each text (one row per text).
    pub fn probabilities(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        let classes = self.labels.len();
        let encoded: Vec<(usize, Vec<usize>)> = texts
            .iter()
            .map(|t| (0, self.vocab.encode(t, self.tokens, self.max_len)))
            .collect();
        let order: Vec<usize> = (0..texts.len()).collect();
        let mut rows = Vec::with_capacity(texts.len());
        for batch in data::batches(&encoded, &order, PREDICT_BATCH) {
            let tape = Tape::inference();
            let batch_texts: Vec<&str> = batch.indices.iter().map(|&i| texts[i]).collect();
            let logits = match &self.model {
                SavedModel::Rnn(m) => m.logits(&tape, &batch, &batch_texts, None),
                SavedModel::Ngram(m) => m.logits(&tape, &batch, &batch_texts, None),
            };
            let probs = logits.softmax(1).value();
            rows.extend(probs.data().chunks(classes).map(<[f32]>::to_vec));
        }
        rows
    }
}

/// Texts classified at once by `--predict-file`.
const PREDICT_BATCH: usize = 64;

/// The most probable class.
fn most_probable(probs: &[f32]) -> usize {
    (0..probs.len()).fold(0, |b, k| if probs[k] > probs[b] { k } else { b })
}

/// `--predict TEXT`: the label, then every class's probability.
pub fn predict(dir: &Path, text: &str) -> Result<(), String> {
    let saved = Saved::load(dir)?;
    let probs = &saved.probabilities(&[text])[0];
    println!("{}", saved.labels[most_probable(probs)]);
    for (l, p) in saved.labels.iter().zip(probs) {
        println!("  {l:<16} {p:.4}");
    }
    Ok(())
}

/// `--predict-file FILE`: [`predictions`] on standard output.
pub fn predict_file(dir: &Path, file: &Path) -> Result<(), String> {
    let out = predictions(dir, file)?;
    use std::io::Write;
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| format!("standard output: {e}"))
}

/// One tab-separated row per non-empty line of `file` (its line number,
/// the label, each class's probability), after a header row.
pub fn predictions(dir: &Path, file: &Path) -> Result<String, String> {
    let saved = Saved::load(dir)?;
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut lines = Vec::new();
    for (number, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line)
            .map_err(|_| format!("{}:{}: not UTF-8 text", file.display(), number + 1))?;
        let line = line.trim_end_matches('\r');
        if !line.trim().is_empty() {
            lines.push((number + 1, line));
        }
    }
    let texts: Vec<&str> = lines.iter().map(|(_, t)| *t).collect();
    let mut out = String::from("line\tlabel");
    for label in &saved.labels {
        out.push_str(&format!("\tp({label})"));
    }
    out.push('\n');
    for ((number, _), probs) in lines.iter().zip(saved.probabilities(&texts)) {
        out.push_str(&format!(
            "{number}\t{}",
            saved.labels[most_probable(&probs)]
        ));
        for p in &probs {
            out.push_str(&format!("\t{p:.4}"));
        }
        out.push('\n');
    }
    Ok(out)
}
