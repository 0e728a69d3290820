//! Test-set metrics from the confusion matrix: per class precision,
//! recall, F1 and support, accuracy and macro-F1 (the unweighted mean of
//! the classes' F1, which a rare class moves as much as a common one);
//! printed as a table and written as JSON with `--metrics FILE`.

use std::path::Path;

use serde_json::{Value, json};

/// One class's scores. Precision is 0 for a class never predicted and
/// recall 0 for a class absent from the test set (scikit-learn's
/// `zero_division=0`).
pub struct ClassScores {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Test examples of this class.
    pub support: usize,
}

pub struct Metrics {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub classes: Vec<ClassScores>,
    /// Rows: true class; columns: predicted.
    pub confusion: Vec<Vec<usize>>,
}

impl Metrics {
    pub fn new(labels: &[String], confusion: &[Vec<usize>]) -> Metrics {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let classes: Vec<ClassScores> = labels
            .iter()
            .enumerate()
            .map(|(k, label)| {
                let hits = confusion[k][k];
                let support: usize = confusion[k].iter().sum();
                let predicted: usize = confusion.iter().map(|row| row[k]).sum();
                let (precision, recall) = (ratio(hits, predicted), ratio(hits, support));
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassScores {
                    label: label.clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect();
        let total: usize = confusion.iter().flatten().sum();
        let correct: usize = (0..labels.len()).map(|k| confusion[k][k]).sum();
        Metrics {
            accuracy: ratio(correct, total),
            macro_f1: classes.iter().map(|c| c.f1).sum::<f64>() / classes.len().max(1) as f64,
            classes,
            confusion: confusion.to_vec(),
        }
    }

    pub fn print(&self) {
        let width = self
            .classes
            .iter()
            .map(|c| c.label.chars().count())
            .max()
            .unwrap_or(5)
            .clamp(5, 20);
        println!("{:>width$}  precision  recall      f1  support", "class");
        for c in &self.classes {
            let label: String = c.label.chars().take(width).collect();
            println!(
                "{label:>width$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
                c.precision, c.recall, c.f1, c.support
            );
        }
        println!(
            "accuracy {:.4}  macro-F1 {:.4}",
            self.accuracy, self.macro_f1
        );
    }

    pub fn to_json(&self) -> Value {
        json!({
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "classes": self.classes.iter().map(|c| json!({
                "label": c.label, "precision": c.precision, "recall": c.recall,
                "f1": c.f1, "support": c.support,
            })).collect::<Vec<_>>(),
            "confusion": self.confusion,
        })
    }
}

/// Writes `value` as pretty JSON to `path`, naming the file on failure.
pub fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}
