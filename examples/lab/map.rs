//! 2-D maps: the input plane coloured cell by cell (a predicted class, or
//! an activation region), with axis names, a legend, black overlay curves
//! and optional data points; several panels side by side share one
//! caption naming the command that drew them.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::axis::number;
use super::figure::{caption, stamp};
use super::palette::{colour, pale};
use super::record::Run;

/// One panel: a square of the plane, `cells[row * n + col]` giving each
/// cell's colour index (row 0 at the bottom).
pub struct Panel {
    pub title: String,
    pub x_title: String,
    pub y_title: String,
    /// (lo, hi) of both axes.
    pub extent: (f64, f64),
    pub n: usize,
    pub cells: Vec<usize>,
    /// Legend entries: a name and the colour index it stands for (none
    /// drawn when empty).
    pub legend: Vec<(String, usize)>,
    /// Colour index = region number: many hues, neighbours' far apart,
    /// instead of the palette's pale class colours.
    pub regions: bool,
    /// Black curves drawn over the cells (true boundaries, circles).
    pub overlays: Vec<Vec<(f64, f64)>>,
    /// Data points: position and colour index (drawn in full colour).
    pub points: Vec<(f64, f64, usize)>,
}

impl Panel {
    /// Colours `f(x, y)` on an `n × n` grid over `extent` in both axes.
    pub fn sample(
        title: &str,
        extent: (f64, f64),
        n: usize,
        f: impl Fn(&[(f64, f64)]) -> Vec<usize>,
    ) -> Panel {
        let cell = (extent.1 - extent.0) / n as f64;
        let centres: Vec<(f64, f64)> = (0..n * n)
            .map(|k| {
                (
                    extent.0 + cell * ((k % n) as f64 + 0.5),
                    extent.0 + cell * ((k / n) as f64 + 0.5),
                )
            })
            .collect();
        Panel {
            title: title.into(),
            x_title: "x₁".into(),
            y_title: "x₂".into(),
            extent,
            n,
            cells: f(&centres),
            legend: Vec::new(),
            regions: false,
            overlays: Vec::new(),
            points: Vec::new(),
        }
    }
}

/// `v`, or 0 where it is rounding noise on an axis `span` long (plotters
/// puts a tick at −2.2e-16 instead of 0).
fn snap(v: f64, span: f64) -> f64 {
    if v.abs() < 1e-9 * span { 0.0 } else { v }
}

/// A pale colour for region `id`: hues a golden angle apart, so regions
/// numbered one after the other (neighbours, in scanning order) differ.
fn region_colour(id: usize) -> RGBColor {
    let hue = (id as f64 * 137.508) % 360.0;
    let lightness = [0.78, 0.86, 0.70][id % 3];
    let (r, g, b) = HSLColor(hue / 360.0, 0.6, lightness).rgb();
    RGBColor(r, g, b)
}

/// A circle of radius `r` around the origin, as an overlay.
pub fn circle(r: f64) -> Vec<(f64, f64)> {
    (0..=96)
        .map(|i| {
            let a = i as f64 * std::f64::consts::TAU / 96.0;
            (r * a.cos(), r * a.sin())
        })
        .collect()
}

/// Draws `panels` side by side into `target/lab/<file>`.
pub fn write(run: &Run, file: &str, panels: &[Panel]) -> Result<PathBuf, String> {
    let path = run.path(file);
    draw(run, &path, panels).map_err(|e| format!("{}: {e}", path.display()))?;
    stamp(&path, run)?;
    println!("figure: {}", path.display());
    Ok(path)
}

fn draw(run: &Run, path: &Path, panels: &[Panel]) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(path.parent().expect("inside target/lab"))?;
    let size = (430 * panels.len() as u32, 500);
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let (body, foot) = root.split_vertically(size.1 - 22);
    caption(&foot, run)?;
    for (panel, area) in panels.iter().zip(body.split_evenly((1, panels.len()))) {
        let (lo, hi) = panel.extent;
        let mut chart = ChartBuilder::on(&area)
            .caption(&panel.title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(lo..hi, lo..hi)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&panel.x_title)
            .y_desc(&panel.y_title)
            .x_label_formatter(&|v| number(snap(*v, hi - lo)))
            .y_label_formatter(&|v| number(snap(*v, hi - lo)))
            .axis_desc_style(("sans-serif", 14))
            .label_style(("sans-serif", 12))
            .draw()?;
        let cell = (hi - lo) / panel.n as f64;
        chart.draw_series(panel.cells.iter().enumerate().map(|(k, &c)| {
            let (x, y) = (
                lo + cell * (k % panel.n) as f64,
                lo + cell * (k / panel.n) as f64,
            );
            let fill = if panel.regions {
                region_colour(c)
            } else {
                pale(c)
            };
            Rectangle::new([(x, y), (x + cell, y + cell)], fill.filled())
        }))?;
        for overlay in &panel.overlays {
            chart.draw_series([PathElement::new(overlay.clone(), BLACK.stroke_width(2))])?;
        }
        chart.draw_series(
            panel
                .points
                .iter()
                .map(|&(x, y, c)| Circle::new((x, y), 2, colour(c).filled())),
        )?;
        for (name, c) in &panel.legend {
            let c = *c;
            chart
                .draw_series([Rectangle::new([(lo, lo), (lo, lo)], pale(c).filled())])?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], pale(c).filled())
                });
        }
        if !panel.legend.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .border_style(RGBColor(120, 120, 120))
                .background_style(WHITE.mix(0.9))
                .label_font(("sans-serif", 12))
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
