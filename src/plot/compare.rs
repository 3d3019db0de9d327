//! Figures of a comparison: a forest plot of the paired differences to the first arm, and each
//! arm's time series with its 95% band.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::draw_error;
use super::data::Table;
use super::{HEIGHT, PlotError, WIDTH, palette};

/// Colours of the arms, in order (the first arm is the reference).
pub const ARM_COLORS: [RGBColor; 6] = [
    palette::BLUE,
    palette::VERMILLION,
    palette::GREEN,
    palette::PURPLE,
    palette::ORANGE,
    palette::SKY_BLUE,
];

/// One row of the forest plot: a metric of an arm, its relative change and interval (in %).
struct Row {
    label: String,
    arm: usize,
    change: f64,
    low: f64,
    high: f64,
}

/// Height of the forest plot for `rows` rows.
pub fn forest_height(rows: usize) -> u32 {
    (120 + 24 * rows as u32).max(HEIGHT)
}

/// Renders the comparison in `compare_dir` into `plots_dir`.
pub fn render_comparison(compare_dir: &Path, plots_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    super::register_font();
    std::fs::create_dir_all(plots_dir).map_err(|e| draw_error(plots_dir, e.to_string()))?;
    let table = Table::read(&compare_dir.join("compare.csv"))?;
    let mut written = forest(&table, plots_dir)?;
    let series = Table::read(&compare_dir.join("compare_timeseries.csv"))?;
    for name in crate::compare::SERIES {
        written.extend(arm_series(&series, name, plots_dir)?);
    }
    Ok(written)
}

fn arms_of(table: &Table) -> Vec<String> {
    let mut arms: Vec<String> = Vec::new();
    for a in table.text("arm") {
        if !arms.contains(&a) {
            arms.push(a);
        }
    }
    arms
}

fn forest(table: &Table, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let arms = arms_of(table);
    let metrics = table.text("metric");
    let arm_of = table.text("arm");
    let mean = table.numbers("mean");
    let (diff, low, high) = (
        table.text("diff_mean"),
        table.text("diff_ci95_low"),
        table.text("diff_ci95_high"),
    );
    let mut rows = Vec::new();
    let mut reference = 0.0;
    for i in 0..table.rows {
        let a = arms.iter().position(|x| *x == arm_of[i]).unwrap_or(0);
        if a == 0 {
            reference = mean[i];
            continue;
        }
        let (Ok(d), Ok(l), Ok(h)) = (
            diff[i].parse::<f64>(),
            low[i].parse::<f64>(),
            high[i].parse::<f64>(),
        ) else {
            continue;
        };
        if reference == 0.0 {
            continue;
        }
        let pct = |v: f64| 100.0 * v / reference.abs();
        rows.push(Row {
            label: metrics[i].replace('_', " "),
            arm: a,
            change: pct(d),
            low: pct(l),
            high: pct(h),
        });
    }
    let height = forest_height(rows.len());
    let png = dir.join("compare_forest.png");
    let svg = dir.join("compare_forest.svg");
    {
        let root = BitMapBackend::new(&png, (WIDTH, height)).into_drawing_area();
        draw_forest(&root, &rows, &arms)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|m| draw_error(&png, m))?;
    }
    {
        let root = SVGBackend::new(&svg, (WIDTH, height)).into_drawing_area();
        draw_forest(&root, &rows, &arms)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|m| draw_error(&svg, m))?;
    }
    Ok(vec![png, svg])
}

/// Changes beyond this many percent are drawn at the edge of the axis.
const FOREST_LIMIT: f64 = 300.0;

fn draw_forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[Row],
    arms: &[String],
) -> Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let lo = rows.iter().map(|r| r.low).fold(-10.0, f64::min).max(-100.0);
    let hi = rows
        .iter()
        .map(|r| r.high)
        .fold(10.0, f64::max)
        .min(FOREST_LIMIT);
    let n = rows.len().max(1) as f64;
    let first = arms.first().cloned().unwrap_or_default();
    let mut ctx = ChartBuilder::on(root)
        .caption(
            format!("Paired difference to {first}, % of its mean, with 95% interval"),
            ("sans-serif", 26),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(380)
        .build_cartesian_2d(lo * 1.05..hi * 1.05, 0.0..n)
        .map_err(e)?;
    ctx.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| format!("{x:+.0}%"))
        .x_desc("change relative to the first arm")
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(e)?;
    ctx.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, n)],
        BLACK.stroke_width(2),
    )))
    .map_err(e)?;
    let clip = |v: f64| v.clamp(lo * 1.05, hi * 1.05);
    for (i, r) in rows.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        let color = ARM_COLORS[r.arm % ARM_COLORS.len()];
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(clip(r.low), y), (clip(r.high), y)],
            color.stroke_width(3),
        )))
        .map_err(e)?;
        ctx.draw_series(std::iter::once(Circle::new(
            (clip(r.change), y),
            5,
            color.filled(),
        )))
        .map_err(e)?;
        let (px, py) = ctx.backend_coord(&(lo * 1.05, y));
        let style = TextStyle::from(("sans-serif", 15).into_font())
            .pos(Pos::new(HPos::Right, VPos::Center));
        let label = if arms.len() > 2 {
            format!("{} ({})", r.label, arms[r.arm])
        } else {
            r.label.clone()
        };
        root.draw(&Text::new(label, (px - 8, py), style))
            .map_err(e)?;
    }
    for (a, arm) in arms.iter().enumerate().skip(1) {
        let color = ARM_COLORS[a % ARM_COLORS.len()];
        ctx.draw_series(std::iter::once(Circle::new(
            (0.0, -10.0),
            0,
            color.filled(),
        )))
        .map_err(e)?
        .label(arm.as_str())
        .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// One series over time: a line per arm with its 95% band.
fn arm_series(table: &Table, name: &str, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let arms = arms_of(table);
    let (arm, series) = (table.text("arm"), table.text("series"));
    let (tick, mean, low, high) = (
        table.numbers("tick"),
        table.numbers("mean"),
        table.numbers("ci95_low"),
        table.numbers("ci95_high"),
    );
    let lines: Vec<Vec<(f64, f64, f64, f64)>> = arms
        .iter()
        .map(|a| {
            (0..table.rows)
                .filter(|&i| arm[i] == *a && series[i] == name)
                .map(|i| (tick[i] + 1.0, mean[i], low[i], high[i]))
                .collect()
        })
        .collect();
    let png = dir.join(format!("compare_{name}.png"));
    let svg = dir.join(format!("compare_{name}.svg"));
    {
        let root = BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area();
        draw_bands(&root, name, &arms, &lines)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|m| draw_error(&png, m))?;
    }
    {
        let root = SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw_bands(&root, name, &arms, &lines)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|m| draw_error(&svg, m))?;
    }
    Ok(vec![png, svg])
}

fn draw_bands<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    arms: &[String],
    lines: &[Vec<(f64, f64, f64, f64)>],
) -> Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let x_max = lines.iter().flatten().map(|p| p.0).fold(1.0, f64::max);
    let y_max = lines.iter().flatten().map(|p| p.3).fold(1.0, f64::max) * 1.05;
    let title = format!(
        "{} by arm (mean and 95% band over replicates)",
        name.replace('_', " ")
    );
    let mut ctx = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(1.0..x_max, 0.0..y_max)
        .map_err(e)?;
    ctx.configure_mesh()
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| {
            if y_max >= 10.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.2}")
            }
        })
        .x_desc("week")
        .y_desc(if name == "households_displaced" {
            "households"
        } else {
            "per tick"
        })
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(e)?;
    for (a, points) in lines.iter().enumerate() {
        let color = ARM_COLORS[a % ARM_COLORS.len()];
        let mut band: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.3)).collect();
        band.extend(points.iter().rev().map(|p| (p.0, p.2.max(0.0))));
        ctx.draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
            .map_err(e)?;
        ctx.draw_series(LineSeries::new(
            points.iter().map(|p| (p.0, p.1)),
            color.stroke_width(3),
        ))
        .map_err(e)?
        .label(arms[a].as_str())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
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
