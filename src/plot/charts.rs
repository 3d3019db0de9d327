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

/// `v` with thousands separated by commas, no decimals (`120,000`).
pub fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    if v.round() < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Axis label of a count: whole numbers only (a short axis has no label between them).
fn count_label(y: f64) -> String {
    if (y - y.round()).abs() < 1e-6 {
        thousands(y)
    } else {
        String::new()
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
        .y_label_formatter(&|y| count_label(*y))
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

/// Households by status in panels, each on its own scale: living at home (the large status)
/// across the top, and each small status (hiding, displaced, abroad, dead) in its own panel
/// below, so that a status of a few percent is as readable as the large one.
pub struct StatusChart {
    pub x: Vec<f64>,
    /// Households at the start: the right axes give shares of it.
    pub households: f64,
    pub resident: Series,
    pub others: Vec<Series>,
}

impl StatusChart {
    pub fn from_timeseries(timeseries: &Table) -> Result<StatusChart, PlotError> {
        let mut series = series_from(timeseries, "households_", &STATUSES, palette::status)?;
        let resident = series.remove(0);
        // The statuses sum to the households at the start on every row.
        let households = resident.values[0] + series.iter().map(|s| s.values[0]).sum::<f64>();
        Ok(StatusChart {
            x: weeks(timeseries)?,
            households,
            resident: Series {
                name: "resident (living at home)".into(),
                ..resident
            },
            others: series,
        })
    }

    /// A panel's caption: the status, its number at the end and its share of households.
    fn caption(&self, series: &Series) -> String {
        let last = series.values.last().copied().unwrap_or(0.0);
        let share = 100.0 * last / self.households.max(1.0);
        let share = if share >= 10.0 || share == 0.0 {
            format!("{share:.0}%")
        } else if share >= 0.1 {
            format!("{share:.1}%")
        } else {
            "under 0.1%".to_string()
        };
        format!("{}: {} at the end ({share})", series.name, thousands(last))
    }

    /// One panel: a status as a line over its own area, on a scale from 0 to just above its
    /// largest value (`right_share`: a right axis in % of households).
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        series: &Series,
        y_max: f64,
        (caption_pt, label_pt): (u32, u32),
        right_share: bool,
        x_desc: &str,
    ) -> Result<(), String> {
        let e = drawing_failed;
        let (x_min, x_max) = x_range(&self.x);
        let share_max = 100.0 * y_max / self.households.max(1.0);
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(self.caption(series), ("sans-serif", caption_pt))
            .margin(12)
            .x_label_area_size(if x_desc.is_empty() { 28 } else { 48 })
            .y_label_area_size(if right_share { 90 } else { 62 })
            .right_y_label_area_size(if right_share { 60 } else { 0 });
        let mut ctx = builder
            .build_cartesian_2d(x_min..x_max, 0.0..y_max)
            .map_err(e)?
            .set_secondary_coord(x_min..x_max, 0.0..share_max);
        let x_format = |x: &f64| format!("{x:.0}");
        let y_format = |y: &f64| count_label(*y);
        let mut mesh = ctx.configure_mesh();
        mesh.x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .x_labels(if right_share { 10 } else { 5 })
            .y_labels(5)
            .label_style(("sans-serif", label_pt))
            .axis_desc_style(("sans-serif", label_pt + 2))
            .light_line_style(RGBColor(235, 235, 235));
        if !x_desc.is_empty() {
            mesh.x_desc(x_desc);
        }
        if right_share {
            mesh.y_desc("households");
        }
        mesh.draw().map_err(e)?;
        if right_share {
            ctx.configure_secondary_axes()
                .y_label_formatter(&|y| format!("{y:.0}%"))
                .y_labels(5)
                .label_style(("sans-serif", label_pt))
                .draw()
                .map_err(e)?;
        }
        let color = series.color;
        let points: Vec<(f64, f64)> = self
            .x
            .iter()
            .copied()
            .zip(series.values.iter().copied())
            .collect();
        ctx.draw_series(AreaSeries::new(
            points.iter().copied(),
            0.0,
            color.mix(0.2).filled(),
        ))
        .map_err(e)?;
        ctx.draw_series(LineSeries::new(points, color.stroke_width(3)))
            .map_err(e)?;
        Ok(())
    }
}

/// Top of a panel's scale: just above the largest value (at least 1).
fn scale_max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.08
}

impl Figure for StatusChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = drawing_failed;
        root.fill(&WHITE).map_err(e)?;
        let (w, h) = root.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        let (title, body) = root.split_vertically(48);
        title
            .draw(&Text::new(
                "Households by status (each panel on its own scale)",
                (w / 2, 26),
                TextStyle::from(("sans-serif", 28).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(e)?;
        // The large status across the top, from 0 to all households.
        let (top, bottom) = body.split_vertically((h - 48) * 2 / 5);
        self.panel(
            &top,
            &self.resident,
            self.households.max(1.0) * 1.05,
            (20, 15),
            true,
            "",
        )?;
        // The small statuses side by side below, each on its own scale.
        let panels = bottom.split_evenly((1, self.others.len().max(1)));
        for (area, series) in panels.iter().zip(&self.others) {
            self.panel(
                area,
                series,
                scale_max(&series.values),
                (16, 13),
                false,
                "week",
            )?;
        }
        Ok(())
    }
}

/// Households by status: at home across the top, each small status in its own panel below.
pub fn status(timeseries: &Table, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let chart = StatusChart::from_timeseries(timeseries)?;
    save(dir, "status", (WIDTH, HEIGHT), &chart)
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
