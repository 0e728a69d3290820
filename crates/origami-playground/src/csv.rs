//! The user's own points as CSV: `x,y,label` rows (2-D classification,
//! labels 0–7) or `x,target` rows (1-D regression), an optional header,
//! blank lines and `#` comments skipped. Every problem is reported with
//! its line number; nothing is kept from a file with any.

use std::fmt;

use crate::data::Points;

/// Most points an upload may hold.
pub const MAX_POINTS: usize = 5000;
/// Most classes an upload may use.
pub const MAX_CLASSES: usize = 8;

/// Why an upload was refused, with the 1-based line it was found on
/// (0 for the file as a whole).
#[derive(Clone, Debug, PartialEq)]
pub struct CsvError {
    /// The line, or 0.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "CSV: {}", self.message)
        } else {
            write!(f, "CSV line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for CsvError {}

fn fail(line: usize, message: String) -> CsvError {
    CsvError { line, message }
}

/// Reads `text` as points.
///
/// ```
/// use origami_playground::parse_csv;
/// let points = parse_csv("x,y,label\n0.5,0.1,0\n-0.2,0.3,1\n0.9,0.1,0\n0,0,2\n").unwrap();
/// assert_eq!((points.len(), points.classes), (4, 3));
/// let err = parse_csv("0.5,0.1,0\n0.2,oops,1\n").unwrap_err();
/// assert_eq!(err.to_string(), "CSV line 2: column 2 \"oops\" is not a number");
/// ```
///
/// # Errors
/// A [`CsvError`] for the first bad line: a wrong number of columns, a
/// value that is not a finite number, a label that is not a whole number
/// in `0..8`, rows of both kinds; or a file with fewer than 4 points, more
/// than [`MAX_POINTS`], or a single class.
pub fn parse_csv(text: &str) -> Result<Points, CsvError> {
    let mut columns = None;
    let (mut inputs, mut labels, mut targets) = (Vec::new(), Vec::new(), Vec::new());
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        let numbers: Result<Vec<f64>, usize> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| c.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or(i))
            .collect();
        let values = match numbers {
            Ok(v) => v,
            // A first row of words is a header.
            Err(_)
                if columns.is_none()
                    && inputs.is_empty()
                    && cells.iter().all(|c| c.parse::<f64>().is_err()) =>
            {
                columns = Some(cells.len());
                continue;
            }
            Err(i) => {
                return Err(fail(
                    line,
                    format!("column {} {:?} is not a number", i + 1, cells[i]),
                ));
            }
        };
        let expected = *columns.get_or_insert(values.len());
        if values.len() != expected || !(2..=3).contains(&values.len()) {
            return Err(fail(
                line,
                format!(
                    "{} columns; expected x,y,label or x,target throughout",
                    values.len()
                ),
            ));
        }
        if inputs.len() >= MAX_POINTS * 2 {
            return Err(fail(line, format!("more than {MAX_POINTS} points")));
        }
        if values.len() == 3 {
            let label = values[2];
            if label.fract() != 0.0 || !(0.0..MAX_CLASSES as f64).contains(&label) {
                return Err(fail(
                    line,
                    format!("label {label} is not a whole number in 0..{MAX_CLASSES}"),
                ));
            }
            inputs.extend_from_slice(&values[..2]);
            labels.push(label as usize);
        } else {
            inputs.push(values[0]);
            targets.push(values[1]);
        }
    }
    let dims = if labels.is_empty() { 1 } else { 2 };
    let count = inputs.len() / dims;
    if count < 4 {
        return Err(fail(0, format!("{count} points; at least 4 are needed")));
    }
    let classes = labels.iter().max().map_or(1, |m| m + 1);
    if dims == 2 && classes < 2 {
        return Err(fail(
            0,
            "every point has label 0; at least two classes are needed".into(),
        ));
    }
    Ok(Points {
        dims,
        inputs,
        labels,
        targets,
        classes,
    })
}
