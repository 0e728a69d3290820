//! What the user sees at the end: the confusion matrix and a plot of loss
//! and validation accuracy per epoch (SVG).

use std::path::Path;

use plotters::prelude::*;

use crate::train::EpochLog;

pub fn print_confusion(labels: &[String], confusion: &[Vec<usize>]) {
    let width = labels
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(5)
        .clamp(5, 14);
    print!("{:>width$}  ", "true \\ predicted");
    for l in labels {
        print!("{:>width$} ", truncate(l, width));
    }
    println!();
    for (l, row) in labels.iter().zip(confusion) {
        print!("{:>width$}  ", truncate(l, width), width = width.max(16));
        for n in row {
            print!("{n:>width$} ");
        }
        println!();
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Loss (left axis) and validation accuracy (right axis) per epoch.
pub fn plot(path: &Path, logs: &[EpochLog]) -> Result<(), String> {
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let epochs = logs.len().max(1) as f64;
        let max_loss = logs
            .iter()
            .map(|l| l.train_loss)
            .fold(0.0, f64::max)
            .max(1e-3)
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption("rnn_text_classification", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .right_y_label_area_size(52)
            .build_cartesian_2d(1.0..epochs.max(2.0), 0.0..max_loss)?
            .set_secondary_coord(1.0..epochs.max(2.0), 0.0..1.0);
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("train loss")
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("validation accuracy")
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                logs.iter().map(|l| (l.epoch as f64, l.train_loss)),
                &RED,
            ))?
            .label("train loss")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
        chart
            .draw_secondary_series(LineSeries::new(
                logs.iter().map(|l| (l.epoch as f64, l.valid_accuracy)),
                &BLUE,
            ))?
            .label("validation accuracy")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()?;
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("{}: {e}", path.display()))
}
