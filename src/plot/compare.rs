//! Figures of a comparison: a forest plot of the paired differences to the first arm, and each
//! arm's time series with its 95% band.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::Table;
use super::{Figure, HEIGHT, PlotError, WIDTH, drawing_failed, palette, save};

/// Colours of the arms, in order (the first arm is the reference).
pub const ARM_COLORS: [RGBColor; 6] = [
    palette::BLUE,
    palette::VERMILLION,
    palette::GREEN,
    palette::PURPLE,
    palette::ORANGE,
    palette::SKY_BLUE,
];

/// A mark drawn on an arm's line at some of its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    None,
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
}

/// How an arm's line is drawn in the comparison series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmStyle {
    pub color: RGBColor,
    /// Line width in pixels.
    pub width: u32,
    /// Dash and gap lengths in pixels (`None`: solid).
    pub dash: Option<(u32, u32)>,
    pub marker: Marker,
}

/// The style of arm `a`: the first (the reference) solid and widest, drawn first; each later
/// arm thinner, dashed, with its own marker, drawn over it, so that arms that coincide are all
/// seen. Colours are those of [`ARM_COLORS`].
pub fn arm_style(a: usize) -> ArmStyle {
    const MARKERS: [Marker; 5] = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Diamond,
        Marker::Cross,
    ];
    const DASHES: [(u32, u32); 5] = [(14, 7), (8, 6), (4, 5), (18, 5), (10, 10)];
    let color = ARM_COLORS[a % ARM_COLORS.len()];
    if a == 0 {
        ArmStyle {
            color,
            width: 7,
            dash: None,
            marker: Marker::None,
        }
    } else {
        ArmStyle {
            color,
            width: if a == 1 { 3 } else { 2 },
            dash: Some(DASHES[(a - 1) % DASHES.len()]),
            marker: MARKERS[(a - 1) % MARKERS.len()],
        }
    }
}

/// The marker of `style` as a filled shape centred at `(x, y)` (pixels, relative to where it
/// is placed).
fn marker(style: ArmStyle, (x, y): (i32, i32)) -> Polygon<(i32, i32)> {
    let r = if style.width >= 3 { 5 } else { 4 };
    let t = 2;
    let points: Vec<(i32, i32)> = match style.marker {
        Marker::None => vec![(0, 0), (1, 0), (1, 1), (0, 1)],
        Marker::Circle => (0..16)
            .map(|i| {
                let angle = f64::from(i) * std::f64::consts::PI / 8.0;
                let radius = f64::from(r + 1);
                (
                    (radius * angle.cos()).round() as i32,
                    (radius * angle.sin()).round() as i32,
                )
            })
            .collect(),
        Marker::Triangle => vec![(0, -r - 2), (r + 1, r), (-r - 1, r)],
        Marker::Square => vec![(-r, -r), (r, -r), (r, r), (-r, r)],
        Marker::Diamond => vec![(0, -r - 2), (r + 2, 0), (0, r + 2), (-r - 2, 0)],
        Marker::Cross => vec![
            (-t, -r - 1),
            (t, -r - 1),
            (t, -t),
            (r + 1, -t),
            (r + 1, t),
            (t, t),
            (t, r + 1),
            (-t, r + 1),
            (-t, t),
            (-r - 1, t),
            (-r - 1, -t),
            (-t, -t),
        ],
    };
    Polygon::new(
        points
            .into_iter()
            .map(|(px, py)| (px + x, py + y))
            .collect::<Vec<_>>(),
        style.color.filled(),
    )
}

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
    // Both files are read and checked before anything is drawn.
    let table = Table::read(
        &compare_dir.join("compare.csv"),
        &[
            "metric",
            "arm",
            "mean",
            "diff_mean",
            "diff_ci95_low",
            "diff_ci95_high",
        ],
    )?;
    let rows = forest_rows(&table)?;
    let series = Table::read(
        &compare_dir.join("compare_timeseries.csv"),
        &["arm", "tick", "series", "mean", "ci95_low", "ci95_high"],
    )?;
    let lines: Vec<(&str, Vec<String>, Vec<Line>)> = crate::compare::SERIES
        .iter()
        .map(|name| {
            let (arms, lines) = arm_lines(&series, name)?;
            Ok((*name, arms, lines))
        })
        .collect::<Result<_, PlotError>>()?;
    let departures = super::compare_map::read_panels(compare_dir)?;
    super::make_dir(plots_dir)?;
    let arms = arms_of(&table.text("arm")?);
    let height = forest_height(rows.len());
    let mut written = save(
        plots_dir,
        "compare_forest",
        (WIDTH, height),
        &Forest {
            rows: &rows,
            arms: &arms,
        },
    )?;
    for (name, arms, lines) in &lines {
        written.extend(save(
            plots_dir,
            &format!("compare_{name}"),
            (WIDTH, HEIGHT),
            &Bands { name, arms, lines },
        )?);
    }
    if let Some((first, panels)) = &departures {
        written.extend(super::compare_map::render(first, panels, plots_dir)?);
    }
    Ok(written)
}

/// The arms in order of first appearance.
fn arms_of(names: &[String]) -> Vec<String> {
    let mut arms: Vec<String> = Vec::new();
    for a in names {
        if !arms.contains(a) {
            arms.push(a.clone());
        }
    }
    arms
}

/// The rows of the forest plot: every metric of every arm after the first whose first-arm mean
/// is not 0, as a percentage of that mean.
fn forest_rows(table: &Table) -> Result<Vec<Row>, PlotError> {
    let arm_of = table.text("arm")?;
    let arms = arms_of(&arm_of);
    let metrics = table.text("metric")?;
    let mean = table.numbers("mean")?;
    let diff = table.optional_numbers("diff_mean")?;
    let low = table.optional_numbers("diff_ci95_low")?;
    let high = table.optional_numbers("diff_ci95_high")?;
    let mut rows = Vec::new();
    let mut reference = 0.0;
    for i in 0..table.rows() {
        let a = arms.iter().position(|x| *x == arm_of[i]).unwrap_or(0);
        if a == 0 {
            reference = mean[i];
            continue;
        }
        let (Some(d), Some(l), Some(h)) = (diff[i], low[i], high[i]) else {
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
    Ok(rows)
}

struct Forest<'a> {
    rows: &'a [Row],
    arms: &'a [String],
}

impl Figure for Forest<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_forest(root, self.rows, self.arms)
    }
}

/// The axis of the forest plot reaches at most this many percent; changes beyond it end in an
/// arrow at the edge, with their value.
const FOREST_LIMIT: f64 = 300.0;

/// What of a row lies beyond the axis `from..to`: the interval's end past each edge, and
/// whether the estimate itself is past it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Beyond {
    left: Option<f64>,
    right: Option<f64>,
    change: bool,
}

fn beyond(r: &Row, from: f64, to: f64) -> Beyond {
    Beyond {
        left: (r.low < from).then_some(r.low),
        right: (r.high > to).then_some(r.high),
        change: r.change < from || r.change > to,
    }
}

/// The words beside an arrow at the edge: the interval's end, or, when the estimate is past the
/// edge too, the estimate and its interval.
fn beyond_label(r: &Row, end: f64, change_beyond: bool) -> String {
    if change_beyond {
        format!("{:+.0}% [{:+.0}%, {:+.0}%]", r.change, r.low, r.high)
    } else {
        format!("{end:+.0}%")
    }
}

fn draw_forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[Row],
    arms: &[String],
) -> Result<(), String> {
    let e = drawing_failed;
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
    let (from, to) = (lo * 1.05, hi * 1.05);
    let clip = |v: f64| v.clamp(from, to);
    for (i, r) in rows.iter().enumerate() {
        let y = n - i as f64 - 0.5;
        let color = ARM_COLORS[r.arm % ARM_COLORS.len()];
        // What the axis cannot hold ends in an arrow at its edge, with the value above it.
        let out = beyond(r, from, to);
        for (edge, end, sign) in [(from, out.left, -1), (to, out.right, 1)] {
            let Some(end) = end else { continue };
            let (px, py) = ctx.backend_coord(&(edge, y));
            let arrow = vec![(px, py - 7), (px + sign * 12, py), (px, py + 7)];
            root.draw(&Polygon::new(arrow, color.filled())).map_err(e)?;
            let anchor = if sign > 0 { HPos::Right } else { HPos::Left };
            let style = TextStyle::from(("sans-serif", 14).into_font())
                .pos(Pos::new(anchor, VPos::Bottom))
                .color(&color);
            let text = beyond_label(r, end, out.change);
            root.draw(&Text::new(text, (px - sign * 4, py - 6), style))
                .map_err(e)?;
        }
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

/// Points of one arm's line: week, mean, low and high end of the band.
type Line = Vec<(f64, f64, f64, f64)>;

/// The arms of one series of `compare_timeseries.csv` and each arm's line.
fn arm_lines(table: &Table, name: &str) -> Result<(Vec<String>, Vec<Line>), PlotError> {
    let arm = table.text("arm")?;
    let series = table.text("series")?;
    let tick = table.whole("tick")?;
    let (mean, low, high) = (
        table.numbers("mean")?,
        table.numbers("ci95_low")?,
        table.numbers("ci95_high")?,
    );
    let arms = arms_of(&arm);
    let lines = arms
        .iter()
        .map(|a| {
            (0..table.rows())
                .filter(|&i| arm[i] == *a && series[i] == name)
                .map(|i| (f64::from(tick[i]) + 1.0, mean[i], low[i], high[i]))
                .collect()
        })
        .collect();
    Ok((arms, lines))
}

/// One series over time: a line per arm with its 95% band.
struct Bands<'a> {
    name: &'a str,
    arms: &'a [String],
    lines: &'a [Line],
}

impl Figure for Bands<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_bands(root, self.name, self.arms, self.lines)
    }
}

fn draw_bands<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    arms: &[String],
    lines: &[Line],
) -> Result<(), String> {
    let e = drawing_failed;
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
    // Bands first, then the lines over them: the first arm's wide solid line at the bottom,
    // every later arm thinner, dashed and marked on top, so an arm that coincides with the
    // first (or with another) stays visible.
    for (a, points) in lines.iter().enumerate() {
        let color = arm_style(a).color;
        let mut band: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.3)).collect();
        band.extend(points.iter().rev().map(|p| (p.0, p.2.max(0.0))));
        ctx.draw_series(std::iter::once(Polygon::new(
            band,
            color.mix(0.12).filled(),
        )))
        .map_err(e)?;
    }
    for (a, points) in lines.iter().enumerate() {
        let style = arm_style(a);
        let line = style.color.stroke_width(style.width);
        let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
        let drawn = match style.dash {
            None => ctx
                .draw_series(LineSeries::new(xy.iter().copied(), line))
                .map_err(e)?,
            Some((dash, gap)) => ctx
                .draw_series(DashedLineSeries::new(xy.iter().copied(), dash, gap, line))
                .map_err(e)?,
        };
        drawn.label(arms[a].as_str()).legend(move |(x, y)| {
            // A sample of the line: two dashes (or a solid line) and the marker.
            let (d, g) = style
                .dash
                .map_or((18, 0), |(d, g)| ((d as i32).min(16), (g as i32).min(6)));
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (d, 0)], line)
                + PathElement::new(vec![(d + g, 0), (36, 0)], line)
                + marker(style, (18, 0))
        });
        // Markers at staggered points: each later arm at its own weeks, about 8 per line, so
        // that arms that coincide do not hide each other's markers.
        if style.marker != Marker::None {
            let spacing = (xy.len() / 8).max(1);
            let later = lines.len().saturating_sub(1).max(1);
            ctx.draw_series(
                xy.iter()
                    .skip((a - 1) * spacing)
                    .step_by(spacing * later)
                    .map(|&(x, y)| EmptyElement::at((x, y)) + marker(style, (0, 0))),
            )
            .map_err(e)?;
        }
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .legend_area_size(44)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(change: f64, low: f64, high: f64) -> Row {
        Row {
            label: "displaced persons".into(),
            arm: 1,
            change,
            low,
            high,
        }
    }

    #[test]
    fn values_past_the_axis_are_found_and_labelled() {
        let inside = beyond(&row(20.0, 5.0, 40.0), -50.0, 315.0);
        assert_eq!(
            (inside.left, inside.right, inside.change),
            (None, None, false)
        );
        let wide = beyond(&row(250.0, 120.0, 612.0), -50.0, 315.0);
        assert_eq!(
            (wide.left, wide.right, wide.change),
            (None, Some(612.0), false)
        );
        assert_eq!(
            beyond_label(&row(250.0, 120.0, 612.0), 612.0, false),
            "+612%"
        );
        let far = beyond(&row(-140.0, -180.0, -90.0), -105.0, 315.0);
        assert_eq!((far.left, far.change), (Some(-180.0), true));
        assert_eq!(
            beyond_label(&row(-140.0, -180.0, -90.0), -180.0, true),
            "-140% [-180%, -90%]"
        );
    }

    #[test]
    fn the_forest_plot_writes_the_values_past_its_axis() {
        let rows = [row(250.0, 120.0, 612.0), row(20.0, 5.0, 37.0)];
        let arms = ["baseline".to_string(), "crackdown".to_string()];
        let mut svg = String::new();
        {
            let root =
                SVGBackend::with_string(&mut svg, (WIDTH, forest_height(2))).into_drawing_area();
            super::super::register_font();
            draw_forest(&root, &rows, &arms).unwrap();
            root.present().unwrap();
        }
        assert!(
            svg.contains("+612%"),
            "the interval's end past the axis is written"
        );
        assert!(
            !svg.contains("+37%"),
            "a row inside the axis has no value written"
        );
        assert_eq!(svg.matches("<polygon").count(), 1, "one arrow");
    }
}
