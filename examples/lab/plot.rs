//! The lab's one plotting helper: labelled lines on shared axes, written
//! as SVG (optionally with a logarithmic y axis).

// Each example uses a subset of these helpers.
#![allow(dead_code)]

use std::path::Path;

use plotters::prelude::*;

/// One named curve.
pub type Series = (String, Vec<(f64, f64)>);

/// Draws `series` into an SVG at `path`.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<(), String> {
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let root = SVGBackend::new(path, (760, 460)).into_drawing_area();
        root.fill(&WHITE)?;
        let points = series.iter().flat_map(|(_, p)| p.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, y) in points.filter(|(_, y)| y.is_finite() && (!log_y || *y > 0.0)) {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if !x0.is_finite() {
            (x0, x1, y0, y1) = (0.0, 1.0, 1e-3, 1.0);
        }
        let (x1, y1) = (
            if x1 > x0 { x1 } else { x0 + 1.0 },
            if y1 > y0 { y1 } else { y0 + 1.0 },
        );
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(38)
            .y_label_area_size(64);
        let style = |i: usize| Palette99::pick(i).to_rgba().stroke_width(2);
        if log_y {
            let mut chart =
                builder.build_cartesian_2d(x0..x1, (y0 * 0.8..y1 * 1.25).log_scale())?;
            chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .draw()?;
            for (i, (name, pts)) in series.iter().enumerate() {
                let pts: Vec<(f64, f64)> = pts
                    .iter()
                    .copied()
                    .filter(|(_, y)| *y > 0.0 && y.is_finite())
                    .collect();
                chart
                    .draw_series(LineSeries::new(pts, style(i)))?
                    .label(name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style(i)));
            }
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .draw()?;
        } else {
            let pad = 0.05 * (y1 - y0);
            let mut chart = builder.build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))?;
            chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .draw()?;
            for (i, (name, pts)) in series.iter().enumerate() {
                chart
                    .draw_series(LineSeries::new(pts.iter().copied(), style(i)))?
                    .label(name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style(i)));
            }
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .draw()?;
        }
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("{}: {e}", path.display()))
}

/// True if `--quick` was passed (the small configuration CI runs).
pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}
