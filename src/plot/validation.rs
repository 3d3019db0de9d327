//! Figures of a validation: for each check that has one, each arm's series over its x axis (weeks,
//! or lags), the mean over the replicates with its 95% band, drawn from `validation_series.csv`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::compare::arm_style;
use super::data::Table;
use super::{Figure, HEIGHT, PlotError, WIDTH, drawing_failed, save};

/// Columns of `validation_series.csv`.
pub const SERIES_COLUMNS: [&str; 10] = [
    "fact",
    "figure",
    "title",
    "x_label",
    "y_label",
    "arm",
    "x",
    "mean",
    "ci95_low",
    "ci95_high",
];

/// Points of one arm: x, mean, low and high end of the band.
type Line = Vec<(f64, f64, f64, f64)>;

/// One figure: its labels and a line per arm, in order of first appearance.
struct Chart {
    title: String,
    x_label: String,
    y_label: String,
    arms: Vec<(String, Line)>,
}

/// Draws every figure of `validation_series.csv` in `dir` into `figures_dir`; returns the files.
pub fn render_validation(dir: &Path, figures_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    super::register_font();
    let table = Table::read(&dir.join("validation_series.csv"), &SERIES_COLUMNS)?;
    let names = table.text("figure")?;
    let (titles, x_labels, y_labels, arms) = (
        table.text("title")?,
        table.text("x_label")?,
        table.text("y_label")?,
        table.text("arm")?,
    );
    let x = table.numbers("x")?;
    let (mean, low, high) = (
        table.optional_numbers("mean")?,
        table.optional_numbers("ci95_low")?,
        table.optional_numbers("ci95_high")?,
    );
    let mut charts: BTreeMap<String, Chart> = BTreeMap::new();
    for i in 0..table.rows() {
        let chart = charts.entry(names[i].clone()).or_insert_with(|| Chart {
            title: titles[i].clone(),
            x_label: x_labels[i].clone(),
            y_label: y_labels[i].clone(),
            arms: Vec::new(),
        });
        let (Some(m), Some(l), Some(h)) = (mean[i], low[i], high[i]) else {
            continue;
        };
        match chart.arms.iter_mut().find(|(a, _)| *a == arms[i]) {
            Some((_, line)) => line.push((x[i], m, l, h)),
            None => chart.arms.push((arms[i].clone(), vec![(x[i], m, l, h)])),
        }
    }
    if charts.is_empty() {
        return Ok(Vec::new());
    }
    super::make_dir(figures_dir)?;
    let mut written = Vec::new();
    for (name, chart) in &charts {
        written.extend(save(figures_dir, name, (WIDTH, HEIGHT), chart)?);
    }
    Ok(written)
}

impl Figure for Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = drawing_failed;
        root.fill(&WHITE).map_err(e)?;
        let points = || self.arms.iter().flat_map(|(_, line)| line.iter());
        let x_min = points().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let x_max = points().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        let (x_min, x_max) = if x_min < x_max {
            (x_min, x_max)
        } else {
            (x_min - 1.0, x_min + 1.0)
        };
        let y_low = points().map(|p| p.2).fold(0.0, f64::min);
        let y_high = points().map(|p| p.3).fold(0.0, f64::max);
        let pad = ((y_high - y_low) * 0.05).max(1e-9);
        let (y_low, y_high) = (if y_low < 0.0 { y_low - pad } else { 0.0 }, y_high + pad);
        let decimals = if y_high - y_low >= 10.0 { 0 } else { 2 };
        let mut ctx = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 24))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(x_min..x_max, y_low..y_high)
            .map_err(e)?;
        ctx.configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.decimals$}"))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(e)?;
        if y_low < 0.0 {
            ctx.draw_series(LineSeries::new(
                [(x_min, 0.0), (x_max, 0.0)],
                BLACK.mix(0.4).stroke_width(1),
            ))
            .map_err(e)?;
        }
        // Bands first, then the lines over them, the first arm widest and solid, later arms
        // dashed on top, so that arms that coincide stay visible.
        for (a, (_, line)) in self.arms.iter().enumerate() {
            let color = arm_style(a).color;
            let mut band: Vec<(f64, f64)> = line.iter().map(|p| (p.0, p.3)).collect();
            band.extend(line.iter().rev().map(|p| (p.0, p.2)));
            ctx.draw_series(std::iter::once(Polygon::new(
                band,
                color.mix(0.15).filled(),
            )))
            .map_err(e)?;
        }
        for (a, (label, line)) in self.arms.iter().enumerate() {
            let style = arm_style(a);
            let stroke = style.color.stroke_width(style.width);
            let xy: Vec<(f64, f64)> = line.iter().map(|p| (p.0, p.1)).collect();
            let drawn = match style.dash {
                None => ctx.draw_series(LineSeries::new(xy, stroke)).map_err(e)?,
                Some((dash, gap)) => ctx
                    .draw_series(DashedLineSeries::new(xy, dash, gap, stroke))
                    .map_err(e)?,
            };
            drawn
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], stroke));
        }
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(e)?;
        Ok(())
    }
}
