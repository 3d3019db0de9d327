//! The figures of a run over time and the reasons for fleeing, each drawn once for both
//! backends (PNG and SVG).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{Json, Table};
use super::{Figure, HEIGHT, PlotError, WIDTH, drawing_failed, palette, save};

/// One named, coloured series.
pub struct Series {
    pub name: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
}

/// A chart over time: stacked areas or lines.
pub struct TimeChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x: Vec<f64>,
    pub series: Vec<Series>,
    pub stacked: bool,
}

/// Household statuses, in the order of `timeseries.csv`.
pub const STATUSES: [&str; 5] = ["resident", "self_contained", "displaced", "abroad", "dead"];

/// Homicide columns of `timeseries.csv`, their names in the figure and their colours.
const HOMICIDES: [(&str, &str, RGBColor); 3] = [
    ("homicides_oc", "organised crime", palette::VERMILLION),
    ("homicides_background", "background", palette::GREY),
    ("homicides_state_clash", "state clashes", palette::BLUE),
];

/// The columns of `timeseries.csv` the figures draw.
pub fn timeseries_columns() -> Vec<String> {
    let mut columns = vec!["day".to_string()];
    columns.extend(STATUSES.iter().map(|s| format!("households_{s}")));
    columns.extend(
        crate::metrics::Trigger::ALL
            .iter()
            .map(|t| format!("displacements_{}", t.name())),
    );
    columns.extend(HOMICIDES.iter().map(|h| h.0.to_string()));
    columns
}

/// The run's `timeseries.csv`, checked: every column the figures draw is there and holds counts.
pub fn read_timeseries(run_dir: &Path) -> Result<Table, PlotError> {
    let columns = timeseries_columns();
    let required: Vec<&str> = columns.iter().map(String::as_str).collect();
    let table = Table::read(&run_dir.join("timeseries.csv"), &required)?;
    for c in &required {
        table.counts(c)?;
    }
    if table.rows() == 0 {
        return Err(table.damaged_file("no rows, expected one row per tick".to_string()));
    }
    Ok(table)
}

impl Figure for TimeChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_time(root, self)
    }
}

/// Draws `chart` as `<name>.png` and `<name>.svg` in `dir`.
pub fn render(chart: &TimeChart, dir: &Path, name: &str) -> Result<Vec<PathBuf>, PlotError> {
    save(dir, name, (WIDTH, HEIGHT), chart)
}

/// Axis label of a count on an axis going up to `max`.
fn count_label(y: f64, max: f64) -> String {
    if max >= 10.0 {
        format!("{y:.0}")
    } else {
        format!("{y:.2}")
    }
}

fn draw_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &TimeChart,
) -> Result<(), String> {
    let e = drawing_failed;
    root.fill(&WHITE).map_err(e)?;
    let (x_min, x_max) = x_range(&chart.x);
    // Stacked: the top of the stack; lines: the largest value.
    let tops: Vec<f64> = if chart.stacked {
        (0..chart.x.len())
            .map(|i| chart.series.iter().map(|s| s.values[i]).sum())
            .collect()
    } else {
        chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .collect()
    };
    let y_max = tops.iter().copied().fold(0.0, f64::max).max(1.0) * 1.05;

    let mut ctx = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 28))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)
        .map_err(e)?;
    ctx.configure_mesh()
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| count_label(*y, y_max))
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(e)?;

    let mut below = vec![0.0; chart.x.len()];
    for series in &chart.series {
        let color = series.color;
        if chart.stacked {
            let above: Vec<f64> = below
                .iter()
                .zip(&series.values)
                .map(|(b, v)| b + v)
                .collect();
            let mut points: Vec<(f64, f64)> =
                chart.x.iter().copied().zip(above.iter().copied()).collect();
            points.extend(chart.x.iter().copied().zip(below.iter().copied()).rev());
            ctx.draw_series(std::iter::once(Polygon::new(
                points,
                color.mix(0.85).filled(),
            )))
            .map_err(e)?
            .label(series.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled()));
            below = above;
        } else {
            ctx.draw_series(LineSeries::new(
                chart.x.iter().copied().zip(series.values.iter().copied()),
                color.stroke_width(3),
            ))
            .map_err(e)?
            .label(series.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
            });
        }
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// The time axis: from the first to the last point, at least one unit wide.
fn x_range(x: &[f64]) -> (f64, f64) {
    let x_max = x.last().copied().unwrap_or(1.0).max(1.0);
    let x_min = x.first().copied().unwrap_or(0.0).min(x_max - 1.0);
    (x_min, x_max)
}

/// Weeks since the start, from the `day` column.
fn weeks(timeseries: &Table) -> Result<Vec<f64>, PlotError> {
    Ok(timeseries.counts("day")?.iter().map(|d| d / 7.0).collect())
}

fn series_from(
    timeseries: &Table,
    prefix: &str,
    names: &[&str],
    color: fn(&str) -> RGBColor,
) -> Result<Vec<Series>, PlotError> {
    names
        .iter()
        .map(|n| {
            Ok(Series {
                name: n.replace('_', " "),
                color: color(n),
                values: timeseries.counts(&format!("{prefix}{n}"))?,
            })
        })
        .collect()
}

/// Households by status, stacked.
pub fn status(timeseries: &Table, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let chart = TimeChart {
        title: "Households by status".into(),
        x_label: "week".into(),
        y_label: "households".into(),
        x: weeks(timeseries)?,
        series: series_from(timeseries, "households_", &STATUSES, palette::status)?,
        stacked: true,
    };
    render(&chart, dir, "status")
}

/// Displacement episodes per tick by trigger, stacked.
pub fn displacements_by_trigger(timeseries: &Table, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let names: Vec<&str> = crate::metrics::Trigger::ALL
        .iter()
        .map(|t| t.name())
        .collect();
    let chart = TimeChart {
        title: "Displacements by trigger".into(),
        x_label: "week".into(),
        y_label: "displacement episodes per tick".into(),
        x: weeks(timeseries)?,
        series: series_from(timeseries, "displacements_", &names, palette::trigger)?,
        stacked: true,
    };
    render(&chart, dir, "displacements_by_trigger")
}

/// Homicides per tick: organised crime, background, and state clashes.
pub fn homicides(timeseries: &Table, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let chart = TimeChart {
        title: "Homicides".into(),
        x_label: "week".into(),
        y_label: "persons killed per tick".into(),
        x: weeks(timeseries)?,
        series: HOMICIDES
            .iter()
            .map(|(column, name, color)| {
                Ok(Series {
                    name: name.to_string(),
                    color: *color,
                    values: timeseries.counts(column)?,
                })
            })
            .collect::<Result<_, PlotError>>()?,
        stacked: false,
    };
    render(&chart, dir, "homicides")
}

/// One bar of the reasons for fleeing: trigger, colour, simulated share, calibration target.
type Bar = (String, RGBColor, f64, Option<f64>);

struct Bars(Vec<Bar>);

impl Figure for Bars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_bars(root, &self.0)
    }
}

/// The reasons for fleeing: the share of displaced persons by trigger over the whole run, as
/// horizontal bars, with the scenario's calibration targets beside them when it names any.
pub fn trigger_mix(summary: &Json, manifest: &Json, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let bars = crate::metrics::Trigger::ALL
        .iter()
        .map(|t| {
            let name = t.name();
            let share = summary.number(&format!("trigger_shares.{name}"))?;
            let target =
                manifest.optional_number(&format!("scenario.targets.trigger_shares.{name}"))?;
            Ok((
                name.replace('_', " "),
                palette::trigger(name),
                share,
                target,
            ))
        })
        .collect::<Result<Vec<Bar>, PlotError>>()?;
    save(dir, "trigger_mix", (WIDTH, HEIGHT), &Bars(bars))
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bars: &[Bar],
) -> Result<(), String> {
    let e = drawing_failed;
    root.fill(&WHITE).map_err(e)?;
    let x_max = bars
        .iter()
        .map(|b| b.2.max(b.3.unwrap_or(0.0)))
        .fold(0.0, f64::max)
        .max(0.01)
        * 1.1;
    let n = bars.len() as f64;
    let mut ctx = ChartBuilder::on(root)
        .caption(
            "Reasons for fleeing (share of displaced persons)",
            ("sans-serif", 28),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(180)
        .build_cartesian_2d(0.0..x_max, 0.0..n)
        .map_err(e)?;
    ctx.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
        .x_desc("share of displaced persons")
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(e)?;
    // Trigger names left of their bars.
    for (i, (name, ..)) in bars.iter().enumerate() {
        let (px, py) = ctx.backend_coord(&(0.0, n - i as f64 - 0.5));
        let style = TextStyle::from(("sans-serif", 17).into_font())
            .pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(name.clone(), (px - 10, py), style))
            .map_err(e)?;
    }
    let has_targets = bars.iter().any(|b| b.3.is_some());
    for (i, (_, color, share, target)) in bars.iter().enumerate() {
        // Bars from the top down, in trigger order.
        let top = n - i as f64 - 0.1;
        let (sim_bottom, target_top) = if has_targets {
            (top - 0.4, top - 0.4)
        } else {
            (top - 0.8, top)
        };
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(0.0, sim_bottom), (*share, top)],
            color.filled(),
        )))
        .map_err(e)?;
        if let Some(t) = target {
            ctx.draw_series(std::iter::once(Rectangle::new(
                [(0.0, target_top - 0.4), (*t, target_top)],
                palette::GREY.mix(0.6).filled(),
            )))
            .map_err(e)?;
        }
    }
    if has_targets {
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (0.0, 0.0)],
            palette::GREY.filled(),
        )))
        .map_err(e)?
        .label("target (calibration)")
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 16, y + 6)],
                palette::GREY.mix(0.6).filled(),
            )
        });
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()
            .map_err(e)?;
    }
    Ok(())
}
