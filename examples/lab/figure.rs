//! Line figures: curves with markers on the measured points (or markers
//! alone, for scatters), a shaded band
//! (mean ± sd, or a range) where a curve comes from several seeds, dashed
//! vertical reference lines (η_opt, 2η_opt), readable axes ([`super::axis`])
//! and a caption naming the command that drew it. Written as SVG with
//! plotters; the run's provenance goes into the SVG's `<desc>`.

use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::axis::Axis;
use super::palette::colour;
use super::record::Run;
use super::stats::Summary;

/// A measured point, with the spread (low, high) of its seeds if any.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub spread: Option<(f64, f64)>,
}

/// One named curve.
#[derive(Clone, Debug)]
pub struct Curve {
    pub name: String,
    pub points: Vec<Point>,
    /// Markers only, no connecting line (points that are not a sequence).
    pub scatter: bool,
}

impl Curve {
    /// A curve through single measurements.
    pub fn new(name: &str, points: impl IntoIterator<Item = (f64, f64)>) -> Curve {
        Curve {
            name: name.into(),
            points: points
                .into_iter()
                .map(|(x, y)| Point { x, y, spread: None })
                .collect(),
            scatter: false,
        }
    }

    /// A curve of means with a mean ± sd band.
    pub fn mean_sd(name: &str, points: impl IntoIterator<Item = (f64, Summary)>) -> Curve {
        Curve {
            name: name.into(),
            points: points
                .into_iter()
                .map(|(x, s)| Point {
                    x,
                    y: s.mean,
                    spread: Some((s.mean - s.sd, s.mean + s.sd)),
                })
                .collect(),
            scatter: false,
        }
    }

    /// A curve of medians with a min–max band (for skewed quantities and
    /// log axes, where mean − sd can fall below zero).
    pub fn median_range(name: &str, points: impl IntoIterator<Item = (f64, Summary)>) -> Curve {
        Curve {
            name: name.into(),
            points: points
                .into_iter()
                .map(|(x, s)| Point {
                    x,
                    y: s.median,
                    spread: Some((s.min, s.max)),
                })
                .collect(),
            scatter: false,
        }
    }
}

/// A point in plot coordinates: x, y and the band's (low, high).
type Visible = (f64, f64, Option<(f64, f64)>);

/// Where the legend sits inside the plot.
pub use plotters::chart::SeriesLabelPosition as Legend;

/// A figure of curves on two axes.
pub struct Figure {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub curves: Vec<Curve>,
    /// Dashed vertical lines at x, each with a label.
    pub marks: Vec<(String, f64)>,
    pub legend: Legend,
    /// A second line under the title saying what the bands are (e.g. "20
    /// seeds, mean ± sd").
    pub subtitle: String,
}

impl Figure {
    pub fn new(title: &str, x: Axis, y: Axis) -> Figure {
        Figure {
            title: title.into(),
            x,
            y,
            curves: Vec::new(),
            marks: Vec::new(),
            legend: Legend::UpperRight,
            subtitle: String::new(),
        }
    }

    /// Draws the figure into `target/lab/<file>` and returns its path.
    pub fn write(&self, run: &Run, file: &str) -> Result<PathBuf, String> {
        let path = run.path(file);
        self.draw(run, &path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        stamp(&path, run)?;
        println!("figure: {}", path.display());
        Ok(path)
    }

    fn draw(&self, run: &Run, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
        std::fs::create_dir_all(path.parent().expect("inside target/lab"))?;
        let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
        root.fill(&WHITE)?;
        let (body, foot) = root.split_vertically(478);
        caption(&foot, run)?;
        let (x_range, y_range) = self.ranges();
        let (x_ticks, y_ticks) = (
            self.x.ticks(x_range.start, x_range.end),
            self.y.ticks(y_range.start, y_range.end),
        );
        let y_label_width = y_ticks
            .iter()
            .map(|&t| self.y.label(t).chars().count())
            .max()
            .unwrap_or(1) as u32;
        let (head, body) = body.split_vertically(if self.subtitle.is_empty() { 30 } else { 48 });
        head.draw(&Text::new(
            self.title.clone(),
            (14, 8),
            ("sans-serif", 17).into_font(),
        ))?;
        head.draw(&Text::new(
            self.subtitle.clone(),
            (14, 29),
            ("sans-serif", 13).into_font().color(&RGBColor(70, 70, 70)),
        ))?;
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(34 + 8 * y_label_width)
            .build_cartesian_2d(
                Ticked {
                    range: x_range,
                    ticks: x_ticks,
                },
                Ticked {
                    range: y_range,
                    ticks: y_ticks,
                },
            )?;
        chart
            .configure_mesh()
            .x_desc(&self.x.title)
            .y_desc(&self.y.title)
            .x_label_formatter(&|v| self.x.label(*v))
            .y_label_formatter(&|v| self.y.label(*v))
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        let (y_lo, y_hi) = (chart.y_range().start, chart.y_range().end);
        for (name, x) in &self.marks {
            let Some(x) = self.x.to_plot(*x) else {
                continue;
            };
            let grey = RGBColor(90, 90, 90);
            chart.draw_series(DashedLineSeries::new(
                [(x, y_lo), (x, y_hi)],
                6,
                4,
                grey.stroke_width(1),
            ))?;
            chart.draw_series([Text::new(
                name.clone(),
                (x, y_hi),
                ("sans-serif", 13).into_font().color(&grey),
            )])?;
        }
        for (i, curve) in self.curves.iter().enumerate() {
            let visible: Vec<Visible> = curve
                .points
                .iter()
                .filter_map(|p| {
                    let spread = p.spread.and_then(|(lo, hi)| {
                        Some((self.y.to_plot(lo).unwrap_or(y_lo), self.y.to_plot(hi)?))
                    });
                    Some((self.x.to_plot(p.x)?, self.y.to_plot(p.y)?, spread))
                })
                .collect();
            let band: Vec<(f64, f64, f64)> = visible
                .iter()
                .filter_map(|&(x, _, s)| s.map(|(lo, hi)| (x, lo.max(y_lo), hi.min(y_hi))))
                .collect();
            if band.len() > 1 {
                let outline: Vec<(f64, f64)> = band
                    .iter()
                    .map(|&(x, lo, _)| (x, lo))
                    .chain(band.iter().rev().map(|&(x, _, hi)| (x, hi)))
                    .collect();
                chart.draw_series([Polygon::new(outline, colour(i).mix(0.18).filled())])?;
            } else if let Some(&(x, lo, hi)) = band.first() {
                chart.draw_series([PathElement::new(vec![(x, lo), (x, hi)], colour(i))])?;
            }
            let style = colour(i).stroke_width(2);
            let line: Vec<(f64, f64)> = visible.iter().map(|&(x, y, _)| (x, y)).collect();
            if curve.scatter {
                chart
                    .draw_series(line.iter().map(|&p| Circle::new(p, 4, colour(i).filled())))?
                    .label(&curve.name)
                    .legend(move |(x, y)| Circle::new((x + 9, y), 4, colour(i).filled()));
                continue;
            }
            chart
                .draw_series(LineSeries::new(line.clone(), style))?
                .label(&curve.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            if line.len() <= 40 {
                chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, colour(i).filled())))?;
            }
        }
        chart
            .configure_series_labels()
            .position(self.legend.clone())
            .border_style(RGBColor(160, 160, 160))
            .background_style(WHITE.mix(0.9))
            .label_font(("sans-serif", 13))
            .draw()?;
        root.present()?;
        Ok(())
    }

    /// The plotted ranges (plot coordinates), padded by 4%; bands included.
    fn ranges(&self) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for p in self.curves.iter().flat_map(|c| &c.points) {
            if let (Some(x), Some(y)) = (self.x.to_plot(p.x), self.y.to_plot(p.y)) {
                xs.push(x);
                ys.push(y);
                if let Some((lo, hi)) = p.spread {
                    ys.extend(self.y.to_plot(lo));
                    ys.extend(self.y.to_plot(hi));
                }
            }
        }
        xs.extend(self.marks.iter().filter_map(|(_, x)| self.x.to_plot(*x)));
        (padded(&xs), padded(&ys))
    }
}

/// A linear coordinate (in plot coordinates) whose grid lines and labels
/// sit exactly at the ticks [`Axis::ticks`] chose.
struct Ticked {
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.range.start) / (self.range.end - self.range.start);
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

fn padded(values: &[f64]) -> std::ops::Range<f64> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo { 0.04 * (hi - lo) } else { 0.5 };
    (lo - pad)..(hi + pad)
}

/// The caption line under a figure: the command and commit that drew it.
pub fn caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    run: &Run,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let text = if run.quick {
        format!("{} · QUICK RUN, not for docs", run.caption())
    } else {
        run.caption()
    };
    area.draw(&Text::new(
        text,
        (10, 4),
        ("monospace", 12).into_font().color(&RGBColor(80, 80, 80)),
    ))?;
    Ok(())
}

/// Puts the run's provenance into the SVG's `<desc>` element.
pub fn stamp(path: &Path, run: &Run) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let svg = std::fs::read_to_string(path).map_err(fail)?;
    let open = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1))
        .ok_or_else(|| format!("{}: no <svg> element", path.display()))?;
    let escaped = run
        .provenance()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let stamped = format!("{}\n<desc>{escaped}</desc>{}", &svg[..open], &svg[open..]);
    std::fs::write(path, stamped).map_err(fail)
}
