//! Labelled text as TSV (`label<TAB>text`, one example per line): a reader
//! that never panics on what it is given, skips malformed lines with the
//! line number and the reason, and refuses a file in which too many lines
//! are malformed.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How strict [`read_tsv`] and [`parse_tsv`] are.
#[derive(Clone, Debug)]
pub struct TsvOptions {
    /// Add labels not yet in the list (training data); when `false` such
    /// lines are malformed (test data must use the training labels).
    pub new_labels: bool,
    /// Largest fraction of non-blank lines that may be malformed before
    /// the whole file is refused.
    pub max_bad_fraction: f64,
    /// Longest line accepted, in bytes; longer lines are malformed.
    pub max_line_bytes: usize,
}

impl Default for TsvOptions {
    /// New labels allowed, at most 1% bad lines, lines up to 1 MiB.
    fn default() -> Self {
        TsvOptions {
            new_labels: true,
            max_bad_fraction: 0.01,
            max_line_bytes: 1 << 20,
        }
    }
}

/// One example: the label's index into the label list, and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelledText {
    /// Index into the label list passed to the reader.
    pub label: usize,
    /// The text after the first tab, without surrounding spaces.
    pub text: String,
}

/// What was wrong with a skipped line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// The bytes are not UTF-8; `column` is the first bad byte (1-based).
    NotUtf8 {
        /// 1-based byte position of the first invalid byte.
        column: usize,
    },
    /// No tab separates label and text.
    NoTab,
    /// The label is empty or only spaces.
    EmptyLabel,
    /// The text is empty or only spaces.
    EmptyText,
    /// The label is not in the list and new labels are not allowed.
    UnknownLabel(String),
    /// The line is longer than [`TsvOptions::max_line_bytes`].
    TooLong {
        /// The line's length in bytes.
        bytes: usize,
    },
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::NotUtf8 { column } => write!(f, "not valid UTF-8 at byte {column}"),
            LineProblem::NoTab => write!(f, "no tab between label and text"),
            LineProblem::EmptyLabel => write!(f, "empty label"),
            LineProblem::EmptyText => write!(f, "empty text"),
            LineProblem::UnknownLabel(l) => {
                write!(f, "label {l:?} does not occur in the training data")
            }
            LineProblem::TooLong { bytes } => write!(f, "line is {bytes} bytes long"),
        }
    }
}

/// A line the reader skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based line number.
    pub line: usize,
    /// Why it was skipped.
    pub problem: LineProblem,
}

/// What a file held: the usable examples and the lines skipped.
#[derive(Clone, Debug, Default)]
pub struct TsvData {
    /// The examples, in file order.
    pub examples: Vec<LabelledText>,
    /// The malformed lines, in file order.
    pub skipped: Vec<SkippedLine>,
}

/// Why a TSV file was refused as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TsvError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Not one line was usable.
    #[error("{path}: no usable examples ({skipped} malformed lines)")]
    Empty {
        /// The file involved.
        path: PathBuf,
        /// How many lines were malformed.
        skipped: usize,
    },
    /// More lines were malformed than [`TsvOptions::max_bad_fraction`]
    /// allows.
    #[error(
        "{path}: {bad} of {lines} lines are malformed (more than {:.1}%); the first, line {}: {}",
        allowed * 100.0, first.line, first.problem
    )]
    TooManyBad {
        /// The file involved.
        path: PathBuf,
        /// Malformed lines.
        bad: usize,
        /// Non-blank lines.
        lines: usize,
        /// The allowed fraction.
        allowed: f64,
        /// The first malformed line.
        first: SkippedLine,
    },
}

/// Reads a TSV file of labelled text; see [`parse_tsv`].
///
/// # Errors
/// [`TsvError::Io`] if the file cannot be read, otherwise as [`parse_tsv`].
pub fn read_tsv(
    path: &Path,
    labels: &mut Vec<String>,
    options: &TsvOptions,
) -> Result<TsvData, TsvError> {
    let bytes = std::fs::read(path).map_err(|source| TsvError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_tsv(&bytes, path, labels, options)
}

/// Parses `label<TAB>text` lines from `bytes` (`path` names them in
/// errors). Labels map to indices in `labels`, which grows with new names
/// when [`TsvOptions::new_labels`] is set. Blank lines, a UTF-8 byte order
/// mark and `\r\n` endings are accepted; label and text are trimmed of
/// surrounding spaces.
///
/// # Errors
/// [`TsvError::Empty`] if no line is usable, [`TsvError::TooManyBad`] if
/// the malformed fraction is above the limit.
///
/// ```
/// use origami_nn::{parse_tsv, TsvOptions};
/// use std::path::Path;
/// let mut labels = Vec::new();
/// let data = parse_tsv(b"pos\tgood film\nneg\tdull\n", Path::new("toy.tsv"), &mut labels, &TsvOptions::default())?;
/// assert_eq!(labels, ["pos", "neg"]);
/// assert_eq!(data.examples[1].text, "dull");
/// # Ok::<(), origami_nn::TsvError>(())
/// ```
pub fn parse_tsv(
    bytes: &[u8],
    path: &Path,
    labels: &mut Vec<String>,
    options: &TsvOptions,
) -> Result<TsvData, TsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut index: HashMap<String, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i))
        .collect();
    let mut data = TsvData::default();
    let mut lines = 0;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;
        match parse_line(raw, labels, &mut index, options) {
            Ok(example) => data.examples.push(example),
            Err(problem) => data.skipped.push(SkippedLine {
                line: i + 1,
                problem,
            }),
        }
    }
    let bad = data.skipped.len();
    if data.examples.is_empty() {
        return Err(TsvError::Empty {
            path: path.to_path_buf(),
            skipped: bad,
        });
    }
    if bad as f64 > options.max_bad_fraction * lines as f64 {
        return Err(TsvError::TooManyBad {
            path: path.to_path_buf(),
            bad,
            lines,
            allowed: options.max_bad_fraction,
            first: data.skipped.swap_remove(0),
        });
    }
    Ok(data)
}

fn parse_line(
    raw: &[u8],
    labels: &mut Vec<String>,
    index: &mut HashMap<String, usize>,
    options: &TsvOptions,
) -> Result<LabelledText, LineProblem> {
    if raw.len() > options.max_line_bytes {
        return Err(LineProblem::TooLong { bytes: raw.len() });
    }
    let line = std::str::from_utf8(raw).map_err(|e| LineProblem::NotUtf8 {
        column: e.valid_up_to() + 1,
    })?;
    let (label, text) = line.split_once('\t').ok_or(LineProblem::NoTab)?;
    let (label, text) = (label.trim(), text.trim());
    if label.is_empty() {
        return Err(LineProblem::EmptyLabel);
    }
    if text.is_empty() {
        return Err(LineProblem::EmptyText);
    }
    let label = match index.get(label) {
        Some(&i) => i,
        None if options.new_labels => {
            labels.push(label.to_string());
            index.insert(label.to_string(), labels.len() - 1);
            labels.len() - 1
        }
        None => return Err(LineProblem::UnknownLabel(label.to_string())),
    };
    Ok(LabelledText {
        label,
        text: text.to_string(),
    })
}
