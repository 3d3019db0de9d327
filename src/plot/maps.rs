//! Maps of the neighbourhood grid: who holds each neighbourhood (at chosen ticks, and animated
//! over the whole run), and where people left from and arrived in.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::{Json, Table, quoted};
use super::{Figure, HEIGHT, PlotError, WIDTH, drawing_failed, palette, save, write_file};

/// A grid of coloured cells, row by row from y = 0 at the top.
pub struct Grid {
    pub width: u32,
    pub height: u32,
    pub colors: Vec<RGBColor>,
    /// Cells to cross out (ghost neighbourhoods).
    pub crossed: Vec<bool>,
    /// Region of each cell, to draw the borders between regions (empty: no borders).
    pub regions: Vec<u16>,
}

/// How a legend entry shows what it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key {
    /// A filled square of this colour.
    Swatch(RGBColor),
    /// A black line this many pixels wide (a region border), at full figure size.
    Border(u32),
    /// A crossed cell (a ghost neighbourhood).
    Cross,
    /// A flow arrow this many pixels wide, at full figure size.
    Arrow(u32),
    /// No symbol: a heading for the entries below it.
    Heading,
}

/// A legend entry: what it means, and how it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub key: Key,
}

pub type Legend = Vec<LegendEntry>;

fn swatch(label: &str, color: RGBColor) -> LegendEntry {
    LegendEntry {
        label: label.to_string(),
        key: Key::Swatch(color),
    }
}

/// Width of region borders in a full-size figure, in pixels.
pub const BORDER_WIDTH: u32 = 3;
/// Colour of region borders.
pub const BORDER_COLOR: RGBColor = RGBColor(0, 0, 0);

/// An arrow between two cells, with a width in pixels.
pub struct Arrow {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub width: u32,
}

/// Pixel geometry of the map inside the figure.
struct Layout {
    left: i32,
    top: i32,
    scale: f64,
}

/// The map fills the figure left of the legend; `k` scales text and margins with figure width.
fn layout(grid: &Grid, (w, h): (u32, u32)) -> Layout {
    let k = f64::from(w) / f64::from(WIDTH);
    let (map_w, map_h) = (f64::from(w) - 340.0 * k, f64::from(h) - 90.0 * k);
    let scale = (map_w / f64::from(grid.width)).min(map_h / f64::from(grid.height));
    let used_w = scale * f64::from(grid.width);
    Layout {
        left: (20.0 * k) as i32 + ((map_w - used_w) / 2.0) as i32,
        top: (60.0 * k) as i32,
        scale,
    }
}

fn px(l: &Layout, x: f64, y: f64) -> (i32, i32) {
    (l.left + (x * l.scale) as i32, l.top + (y * l.scale) as i32)
}

/// Draws the title and the map (grid, crosses, borders) over what is there; returns the map's
/// layout. Nothing of it reaches the legend's columns ([`legend_left`]), so an animation frame
/// redraws only this part.
fn draw_map_left<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    grid: &Grid,
) -> Result<Layout, String> {
    let e = drawing_failed;
    let size = root.dim_in_pixel();
    let k = f64::from(size.0) / f64::from(WIDTH);
    let font = |pt: f64| ("sans-serif", pt * k).into_font();
    root.draw(&Text::new(
        title.to_string(),
        ((20.0 * k) as i32, (15.0 * k) as i32),
        font(28.0),
    ))
    .map_err(e)?;
    let l = layout(grid, size);
    for y in 0..grid.height {
        let row = (y * grid.width) as usize;
        let mut x = 0;
        while x < grid.width {
            let color = grid.colors[row + x as usize];
            let mut end = x + 1;
            while end < grid.width && grid.colors[row + end as usize] == color {
                end += 1;
            }
            let (x0, y0) = px(&l, f64::from(x), f64::from(y));
            let (x1, y1) = px(&l, f64::from(end), f64::from(y + 1));
            root.draw(&Rectangle::new(
                [(x0, y0), (x1.max(x0 + 1), y1.max(y0 + 1))],
                color.filled(),
            ))
            .map_err(e)?;
            x = end;
        }
    }
    for (c, _) in grid
        .crossed
        .iter()
        .enumerate()
        .filter(|(_, crossed)| **crossed)
    {
        let (x, y) = (c as u32 % grid.width, c as u32 / grid.width);
        let (x0, y0) = px(&l, f64::from(x), f64::from(y));
        let (x1, y1) = px(&l, f64::from(x + 1), f64::from(y + 1));
        let style = BLACK.stroke_width(1);
        root.draw(&PathElement::new(vec![(x0, y0), (x1, y1)], style))
            .map_err(e)?;
        root.draw(&PathElement::new(vec![(x0, y1), (x1, y0)], style))
            .map_err(e)?;
    }
    draw_borders(root, grid, &l, k)?;
    Ok(l)
}

/// Draws title, grid (run-length rectangles row by row), crosses, arrows and legend.
fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    grid: &Grid,
    legend: &Legend,
    arrows: &[Arrow],
    scale: Option<&NetScale>,
) -> Result<(), String> {
    let e = drawing_failed;
    let size = root.dim_in_pixel();
    let k = f64::from(size.0) / f64::from(WIDTH);
    let font = |pt: f64| ("sans-serif", pt * k).into_font();
    root.fill(&WHITE).map_err(e)?;
    let l = draw_map_left(root, title, grid)?;
    for a in arrows {
        draw_arrow(
            root,
            px(&l, a.from.0, a.from.1),
            px(&l, a.to.0, a.to.1),
            a.width,
        )?;
    }
    let legend_x = legend_left(size);
    let unit = |v: f64| (v * k) as i32;
    let mut legend_top = 80.0;
    if let Some(scale) = scale {
        legend_top = draw_scale(root, scale, legend_x, k)? + 20.0;
    }
    for (i, entry) in legend.iter().enumerate() {
        let y = unit(legend_top + 30.0 * i as f64);
        let corners = [(legend_x, y), (legend_x + unit(22.0), y + unit(18.0))];
        match entry.key {
            Key::Swatch(color) => {
                root.draw(&Rectangle::new(corners, color.filled()))
                    .map_err(e)?;
                root.draw(&Rectangle::new(corners, BLACK.stroke_width(1)))
                    .map_err(e)?;
            }
            Key::Border(width) => {
                let style = BORDER_COLOR.stroke_width(border_pixels(width, k));
                let mid = y + unit(9.0);
                root.draw(&PathElement::new(
                    vec![(legend_x, mid), (legend_x + unit(22.0), mid)],
                    style,
                ))
                .map_err(e)?;
            }
            Key::Cross => {
                let [(x0, y0), (x1, y1)] = corners;
                let style = BLACK.stroke_width(1);
                root.draw(&Rectangle::new(corners, style)).map_err(e)?;
                root.draw(&PathElement::new(vec![(x0, y0), (x1, y1)], style))
                    .map_err(e)?;
                root.draw(&PathElement::new(vec![(x0, y1), (x1, y0)], style))
                    .map_err(e)?;
            }
            Key::Arrow(width) => {
                let mid = y + unit(9.0);
                draw_arrow(
                    root,
                    (legend_x, mid),
                    (legend_x + unit(56.0), mid),
                    border_pixels(width, k),
                )?;
            }
            Key::Heading => {}
        }
        let text_x = match entry.key {
            Key::Arrow(_) => legend_x + unit(66.0),
            Key::Heading => legend_x,
            _ => legend_x + unit(32.0),
        };
        root.draw(&Text::new(entry.label.clone(), (text_x, y), font(18.0)))
            .map_err(e)?;
    }
    Ok(())
}

/// The first pixel column of the legend of a map `size` pixels large: title and map stay left
/// of it.
fn legend_left(size: (u32, u32)) -> i32 {
    let k = f64::from(size.0) / f64::from(WIDTH);
    size.0 as i32 - (300.0 * k) as i32
}

/// A border `width` pixels wide at full size, scaled to a figure `k` times as wide (at least 1).
fn border_pixels(width: u32, k: f64) -> u32 {
    ((f64::from(width) * k).round() as u32).max(1)
}

/// Colour of flow arrows.
const ARROW_COLOR: RGBColor = RGBColor(0, 0, 0);

/// An arrow `width` pixels wide from `from` to `to` (pixels): a line up to the base of a
/// triangular head that grows with the width.
fn draw_arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    width: u32,
) -> Result<(), String> {
    let e = drawing_failed;
    let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    let w = f64::from(width);
    // The head is longer than wide and always wider than the line.
    let head = (9.0 + 1.6 * w).min(len * 0.6);
    let half = (0.45 * head).max(w * 0.5 + 3.0);
    let base = (f64::from(x1) - ux * head, f64::from(y1) - uy * head);
    let color = ARROW_COLOR.mix(0.7);
    root.draw(&PathElement::new(
        vec![(x0, y0), (base.0.round() as i32, base.1.round() as i32)],
        color.stroke_width(width),
    ))
    .map_err(e)?;
    let point = |side: f64| {
        (
            (base.0 - uy * half * side).round() as i32,
            (base.1 + ux * half * side).round() as i32,
        )
    };
    root.draw(&Polygon::new(
        vec![(x1, y1), point(1.0), point(-1.0)],
        color.filled(),
    ))
    .map_err(e)?;
    Ok(())
}

/// The diverging colour scale of the displacement map: net arrivals minus departures from
/// `-max` to `max` episodes.
pub struct NetScale {
    pub max: f64,
}

/// Colour of a neighbourhood whose arrivals minus departures are `net`, on a scale up to
/// `max` in either direction: white at 0, blue for net arrivals, vermillion for net
/// departures, deepening with the square root of the share of `max` (so small flows show).
pub fn net_color(net: f64, max: f64) -> RGBColor {
    let t = (net.abs() / max.max(1.0)).min(1.0).sqrt();
    if net < 0.0 {
        blend(WHITE, palette::VERMILLION, t)
    } else {
        blend(WHITE, palette::BLUE, t)
    }
}

/// The largest 1, 2 or 5 × 10^k that is at most `v` (0 when `v` is below 1).
pub fn round_down(v: f64) -> f64 {
    if v < 1.0 {
        return 0.0;
    }
    let p = 10f64.powi(v.log10().floor() as i32);
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|x| *x <= v * (1.0 + 1e-12))
        .unwrap_or(p)
}

/// Labelled values of the net colour scale up to `max`: 0 and round values near `max`,
/// `max` / 4 and `max` / 16 (those of at least 1), on both sides, from the top (largest net
/// arrivals) down.
pub fn scale_ticks(max: f64) -> Vec<f64> {
    let mut up: Vec<f64> = [1.0, 0.25, 1.0 / 16.0]
        .iter()
        .map(|f| round_down(max * f))
        .filter(|v| *v >= 1.0)
        .collect();
    up.dedup();
    let mut ticks = up.clone();
    ticks.push(0.0);
    ticks.extend(up.iter().rev().map(|v| -v));
    ticks
}

/// A tick label of the net scale: `+200`, `0`, `−200`.
pub fn tick_label(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", super::charts::thousands(v))
    } else if v < 0.0 {
        format!("\u{2212}{}", super::charts::thousands(-v))
    } else {
        "0".to_string()
    }
}

/// Draws the net colour scale as a vertical bar at `x` with its ticks; returns the bottom of
/// what it drew, in full-size pixels.
fn draw_scale<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scale: &NetScale,
    x: i32,
    k: f64,
) -> Result<f64, String> {
    let e = drawing_failed;
    let unit = |v: f64| (v * k) as i32;
    let font = |pt: f64| ("sans-serif", pt * k).into_font();
    root.draw(&Text::new(
        "arrivals \u{2212} departures",
        (x, unit(70.0)),
        font(18.0),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        "(episodes, whole run)",
        (x, unit(92.0)),
        font(15.0),
    ))
    .map_err(e)?;
    let (top, bottom) = (122.0, 362.0);
    let half = (bottom - top) / 2.0;
    // Position of a value on the bar: the colour deepens with the square root.
    let y_of = |v: f64| {
        let p = (v.abs() / scale.max).sqrt() * v.signum();
        top + half * (1.0 - p)
    };
    let bar = (x, x + unit(22.0));
    // Bands of 2 pixels at full size, each with the colour of the value at its middle.
    let mut y = top;
    while y < bottom {
        let mid = y + 1.0;
        let p = 1.0 - (mid - top) / half;
        let v = p.signum() * p * p * scale.max;
        root.draw(&Rectangle::new(
            [(bar.0, unit(y)), (bar.1, unit(y + 2.0))],
            net_color(v, scale.max).filled(),
        ))
        .map_err(e)?;
        y += 2.0;
    }
    root.draw(&Rectangle::new(
        [(bar.0, unit(top)), (bar.1, unit(bottom))],
        BLACK.stroke_width(1),
    ))
    .map_err(e)?;
    let style = TextStyle::from(font(15.0)).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Left,
        plotters::style::text_anchor::VPos::Center,
    ));
    for v in scale_ticks(scale.max) {
        let ty = unit(y_of(v));
        root.draw(&PathElement::new(
            vec![(bar.1, ty), (bar.1 + unit(6.0), ty)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
        root.draw(&Text::new(
            tick_label(v),
            (bar.1 + unit(10.0), ty),
            style.clone(),
        ))
        .map_err(e)?;
    }
    // What the two ends mean, beside the bar.
    let side = bar.1 + unit(90.0);
    root.draw(&Text::new(
        "net arrivals",
        (side, unit(top + 10.0)),
        style.clone(),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        "net departures",
        (side, unit(bottom - 10.0)),
        style,
    ))
    .map_err(e)?;
    Ok(bottom)
}

/// The outline of the grid, and the borders between regions as lines along the cell edges
/// where the region changes (runs of edges joined into one line).
fn draw_borders<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: &Grid,
    l: &Layout,
    k: f64,
) -> Result<(), String> {
    let e = drawing_failed;
    let (w, h) = (grid.width, grid.height);
    // The outline of the grid, thin.
    let (x0, y0) = px(l, 0.0, 0.0);
    let (x1, y1) = px(l, f64::from(w), f64::from(h));
    root.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        BORDER_COLOR.stroke_width(1),
    ))
    .map_err(e)?;
    if grid.regions.is_empty() {
        return Ok(());
    }
    let region = |x: u32, y: u32| grid.regions[(y * w + x) as usize];
    let stroke = border_pixels(BORDER_WIDTH, k);
    let style = BORDER_COLOR.stroke_width(stroke);
    let mut segments: Vec<((f64, f64), (f64, f64))> = Vec::new();
    // Vertical edges between columns x - 1 and x, joined down each column.
    for x in 1..w {
        let mut start = None;
        for y in 0..=h {
            let differs = y < h && region(x - 1, y) != region(x, y);
            match (differs, start) {
                (true, None) => start = Some(y),
                (false, Some(y0)) => {
                    segments.push(((f64::from(x), f64::from(y0)), (f64::from(x), f64::from(y))));
                    start = None;
                }
                _ => {}
            }
        }
    }
    // Horizontal edges between rows y - 1 and y, joined along each row.
    for y in 1..h {
        let mut start = None;
        for x in 0..=w {
            let differs = x < w && region(x, y - 1) != region(x, y);
            match (differs, start) {
                (true, None) => start = Some(x),
                (false, Some(x0)) => {
                    segments.push(((f64::from(x0), f64::from(y)), (f64::from(x), f64::from(y))));
                    start = None;
                }
                _ => {}
            }
        }
    }
    // Each line runs half its width past its ends, so that lines meet in square corners.
    let half = (stroke / 2) as i32;
    for (a, b) in segments {
        let ((x0, y0), (x1, y1)) = (px(l, a.0, a.1), px(l, b.0, b.1));
        let ends = if x0 == x1 {
            vec![(x0, y0 - half), (x1, y1 + half)]
        } else {
            vec![(x0 - half, y0), (x1 + half, y1)]
        };
        root.draw(&PathElement::new(ends, style)).map_err(e)?;
    }
    Ok(())
}

/// A map figure: a grid, its legend and arrows.
struct Map<'a> {
    title: &'a str,
    grid: &'a Grid,
    legend: &'a Legend,
    arrows: &'a [Arrow],
    scale: Option<&'a NetScale>,
}

impl Figure for Map<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw_map(
            root,
            self.title,
            self.grid,
            self.legend,
            self.arrows,
            self.scale,
        )
    }
}

fn render_map(
    dir: &Path,
    name: &str,
    title: &str,
    grid: &Grid,
    legend: &Legend,
    arrows: &[Arrow],
    scale: Option<&NetScale>,
) -> Result<Vec<PathBuf>, PlotError> {
    let map = Map {
        title,
        grid,
        legend,
        arrows,
        scale,
    };
    save(dir, name, (WIDTH, HEIGHT), &map)
}

/// Linear blend from `a` (t = 0) to `b` (t = 1).
fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour of a territory code; state-held cells are shaded by state presence (0-9).
pub fn territory_color(code: char, presence: char) -> RGBColor {
    match code {
        'G' => palette::controller("street_gang"),
        'T' => palette::controller("trafficking_group"),
        'C' => palette::controller("cartel"),
        'A' => palette::controller("autodefensa"),
        'X' => palette::controller("contested"),
        _ => {
            let p = f64::from(presence.to_digit(10).unwrap_or(0)) / 9.0;
            blend(WHITE, palette::controller("state"), 0.2 + 0.8 * p)
        }
    }
}

/// Who held each neighbourhood at each snapshot, from `territory.csv`, checked.
pub struct Territory {
    pub width: u32,
    pub height: u32,
    /// Tick of each snapshot.
    pub ticks: Vec<u32>,
    /// Per snapshot, one letter per cell (`S`, `G`, `T`, `C`, `X`), row by row.
    pub controllers: Vec<String>,
    /// Per snapshot, one digit per cell: state presence × 9.
    pub presence: Vec<String>,
}

/// Columns of `territory.csv`.
const TERRITORY_COLUMNS: [&str; 5] = ["tick", "width", "height", "controllers", "presence"];

impl Territory {
    /// Reads `territory.csv` of a run folder (`None` when the run has none).
    pub fn read(run_dir: &Path) -> Result<Option<Territory>, PlotError> {
        let path = run_dir.join("territory.csv");
        if !path.is_file() {
            return Ok(None);
        }
        let table = Table::read(&path, &TERRITORY_COLUMNS)?;
        if table.rows() == 0 {
            return Err(table.damaged_file(
                "no rows, expected one row per snapshot of the territories".to_string(),
            ));
        }
        let ticks = table.whole("tick")?;
        let widths = table.whole("width")?;
        let heights = table.whole("height")?;
        let controllers = table.text("controllers")?;
        let presence = table.text("presence")?;
        let (width, height) = (widths[0], heights[0]);
        for row in 0..table.rows() {
            for (name, value, first) in [
                ("width", widths[row], width),
                ("height", heights[row], height),
            ] {
                if value == 0 {
                    return Err(table.damaged(
                        row,
                        name,
                        "found 0, expected a whole number of neighbourhoods, 1 or more".into(),
                    ));
                }
                if value != first {
                    return Err(table.damaged(
                        row,
                        name,
                        format!(
                            "found {value}, expected {first} as on line {} (the grid does not change)",
                            table.line(0)
                        ),
                    ));
                }
            }
            let cells = u64::from(width) * u64::from(height);
            for (name, text, allowed, what) in [
                (
                    "controllers",
                    &controllers[row],
                    "SGTCAX",
                    "S, G, T, C, A or X",
                ),
                (
                    "presence",
                    &presence[row],
                    "0123456789",
                    "a digit from 0 to 9",
                ),
            ] {
                let count = text.chars().count() as u64;
                if count != cells {
                    return Err(table.damaged(
                        row,
                        name,
                        format!(
                            "found {count} characters, expected {cells}, one per neighbourhood of the {width} × {height} grid"
                        ),
                    ));
                }
                if let Some((i, c)) = text
                    .chars()
                    .enumerate()
                    .find(|(_, c)| !allowed.contains(*c))
                {
                    let (x, y) = (i as u64 % u64::from(width), i as u64 / u64::from(width));
                    return Err(table.damaged(
                        row,
                        name,
                        format!(
                            "found {} for neighbourhood ({x}, {y}), expected {what}",
                            quoted(&c.to_string())
                        ),
                    ));
                }
            }
        }
        Ok(Some(Territory {
            width,
            height,
            ticks,
            controllers,
            presence,
        }))
    }

    /// Number of snapshots.
    pub fn len(&self) -> usize {
        self.ticks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty()
    }

    /// The map of snapshot `row`, with the borders of `regions` (one per cell, or none).
    fn grid(&self, row: usize, regions: &[u16]) -> Grid {
        let colors = self.controllers[row]
            .chars()
            .zip(self.presence[row].chars())
            .map(|(c, p)| territory_color(c, p))
            .collect();
        Grid {
            width: self.width,
            height: self.height,
            colors,
            crossed: vec![false; (self.width * self.height) as usize],
            regions: regions.to_vec(),
        }
    }
}

/// Presence (0 to 1) of a presence digit of `territory.csv`.
fn presence_of(digit: char) -> f64 {
    f64::from(digit.to_digit(10).unwrap_or(0)) / 9.0
}

/// The legend of a map of the snapshots `rows` (indices into `territory`): only what appears on
/// it. State cells get the weakest and the strongest shade of state presence found on it (one
/// entry when all have the same), then each kind of holder found on it, then the region border
/// when there is more than one region.
pub fn territory_legend(territory: &Territory, rows: &[usize], regions: &[u16]) -> Legend {
    let mut state_digits: Vec<char> = Vec::new();
    let mut codes: Vec<char> = Vec::new();
    for &row in rows {
        for (c, p) in territory.controllers[row]
            .chars()
            .zip(territory.presence[row].chars())
        {
            if c == 'S' {
                state_digits.push(p);
            } else {
                codes.push(c);
            }
        }
    }
    let mut legend = Legend::new();
    let weakest = state_digits.iter().copied().min();
    let strongest = state_digits.iter().copied().max();
    match (weakest, strongest) {
        (Some(lo), Some(hi)) if lo == hi => legend.push(swatch(
            &format!("state, presence {:.1}", presence_of(lo)),
            territory_color('S', lo),
        )),
        (Some(lo), Some(hi)) => {
            legend.push(swatch(
                &format!("state, presence {:.1} (weakest)", presence_of(lo)),
                territory_color('S', lo),
            ));
            legend.push(swatch(
                &format!("state, presence {:.1} (strongest)", presence_of(hi)),
                territory_color('S', hi),
            ));
        }
        _ => {}
    }
    for (code, label) in [
        ('G', "street gang"),
        ('T', "trafficking group"),
        ('C', "cartel"),
        ('A', "autodefensa"),
        ('X', "contested"),
    ] {
        if codes.contains(&code) {
            legend.push(swatch(label, territory_color(code, '0')));
        }
    }
    if regions.iter().any(|r| *r != regions[0]) {
        legend.push(LegendEntry {
            label: "region border".to_string(),
            key: Key::Border(BORDER_WIDTH),
        });
    }
    legend
}

/// Territory maps at the scenario's `outputs.map_weeks` (default: the first, middle and last
/// snapshot), with region borders (`regions`, one per cell, or none), each with a legend of
/// what appears on it.
pub fn territory(
    territory: &Territory,
    regions: &[u16],
    dir: &Path,
    map_weeks: &[u32],
) -> Result<Vec<PathBuf>, PlotError> {
    let ticks = &territory.ticks;
    let last = territory.len() - 1;
    let mut rows: Vec<usize> = if map_weeks.is_empty() {
        vec![0, territory.len() / 2, last]
    } else {
        // The snapshot at each asked week (or the last one before it).
        map_weeks
            .iter()
            .map(|w| {
                ticks
                    .iter()
                    .rposition(|&t| u64::from(t) < u64::from(*w))
                    .unwrap_or(0)
            })
            .collect()
    };
    rows.dedup();
    let mut written = Vec::new();
    for row in rows {
        let week = u64::from(ticks[row]) + 1;
        let title = format!("Who holds each neighbourhood, week {week}");
        written.extend(render_map(
            dir,
            &format!("territory_week_{week:03}"),
            &title,
            &territory.grid(row, regions),
            &territory_legend(territory, &[row], regions),
            &[],
            None,
        )?);
    }
    Ok(written)
}

/// The animated territory map of every snapshot, `territory.gif`, with one legend for all its
/// frames (what appears in any of them).
pub fn territory_animation(
    territory: &Territory,
    regions: &[u16],
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let gif = dir.join("territory.gif");
    let all: Vec<usize> = (0..territory.len()).collect();
    let legend = territory_legend(territory, &all, regions);
    write_gif(&gif, territory, regions, &legend)?;
    Ok(vec![gif])
}

/// Region of each neighbourhood of a `width` × `height` grid, numbered from 0. From the
/// `region` column of `cells.csv` when the run has one; otherwise derived from the scenario in
/// `manifest.json` (`world.regions_x`, `world.regions_y`, `world.region_map`) the way the
/// world builder does.
pub fn regions(
    width: u32,
    height: u32,
    cells: Option<&Cells>,
    manifest: &Json,
) -> Result<Vec<u16>, PlotError> {
    if let Some(cells) = cells {
        if (cells.width, cells.height) != (width, height) {
            return Err(PlotError::Damaged {
                path: cells.path.clone(),
                place: None,
                message: format!(
                    "a {} × {} grid of neighbourhoods, expected {width} × {height} as in territory.csv",
                    cells.width, cells.height
                ),
            });
        }
        let mut names: Vec<&str> = cells.region.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        return Ok(cells
            .region
            .iter()
            .map(|r| names.binary_search(&r.as_str()).unwrap_or(0) as u16)
            .collect());
    }
    let mut world = crate::scenario::WorldSpec::default();
    const MAP: &str = "scenario.world.region_map";
    match manifest.get(MAP) {
        Some(serde_json::Value::Array(rows)) if !rows.is_empty() => {
            let expected =
                format!("expected {height} rows of {width} characters (the grid of territory.csv)");
            if rows.len() != height as usize {
                return Err(manifest.damaged(MAP, format!("{} rows, {expected}", rows.len())));
            }
            for (i, row) in rows.iter().enumerate() {
                match row.as_str() {
                    Some(text) if text.chars().count() == width as usize => {
                        world.region_map.push(text.to_string());
                    }
                    _ => {
                        return Err(
                            manifest.damaged(MAP, format!("row {} is {row}, {expected}", i + 1))
                        );
                    }
                }
            }
        }
        Some(serde_json::Value::Array(_)) | None => {
            for (key, limit, field) in [
                ("scenario.world.regions_x", width, &mut world.regions_x),
                ("scenario.world.regions_y", height, &mut world.regions_y),
            ] {
                let value = manifest.get(key);
                *field = value
                    .and_then(serde_json::Value::as_u64)
                    .filter(|n| (1..=u64::from(limit)).contains(n))
                    .ok_or_else(|| {
                        let found = value.map_or("nothing".to_string(), ToString::to_string);
                        manifest.damaged(
                            key,
                            format!("found {found}, expected a whole number of regions from 1 to {limit}"),
                        )
                    })? as u32;
            }
        }
        Some(other) => {
            return Err(manifest.damaged(
                MAP,
                format!("found {other}, expected a list of rows of region characters"),
            ));
        }
    }
    Ok(crate::world::cell_regions(&world, width, height).0)
}

/// Size of the animated map, in pixels (smaller than the still figures: it has many frames).
pub const GIF_WIDTH: u32 = 720;
pub const GIF_HEIGHT: u32 = 420;

/// The animated territory map. Frames are drawn by plotters into a buffer and mapped onto a small
/// fixed palette (the map's own colours, white, black and greys for text), which keeps encoding
/// fast and the colours exact; they are compressed by [`super::lzw`].
fn write_gif(
    path: &Path,
    territory: &Territory,
    regions: &[u16],
    legend: &Legend,
) -> Result<(), PlotError> {
    const W: u32 = GIF_WIDTH;
    const H: u32 = GIF_HEIGHT;
    let fail = |reason: String| PlotError::Draw {
        path: path.to_path_buf(),
        reason,
    };
    let encoding = |_| fail("the GIF encoder failed".to_string());
    let mut palette_colors: Vec<RGBColor> = vec![WHITE, BLACK];
    palette_colors.extend((1..8).map(|g| RGBColor(g * 32, g * 32, g * 32)));
    palette_colors.extend("0123456789".chars().map(|p| territory_color('S', p)));
    palette_colors.extend(['G', 'T', 'C', 'X'].map(|c| territory_color(c, '0')));
    // The entry after the animation's colours marks a pixel a frame leaves as it was.
    let unchanged = palette_colors.len() as u8;
    let flat: Vec<u8> = palette_colors
        .iter()
        .chain([&BLACK])
        .flat_map(|c| [c.0, c.1, c.2])
        .collect();
    // The first frame drawn whole; every frame is that one with its title and map redrawn, and
    // only those columns mapped onto the palette again.
    let template = gif_frame_rgb(territory, regions, legend, 0, None).map_err(fail)?;
    let template_indices = PaletteMapper::new(&palette_colors).map(&template);
    let left = legend_left((W, H)) as usize;
    // One frame: the map of snapshot `row`, as palette indices.
    let frame = |row: usize| -> Result<Vec<u8>, PlotError> {
        let rgb = gif_frame_rgb(territory, regions, legend, row, Some(&template)).map_err(fail)?;
        let mut mapper = PaletteMapper::new(&palette_colors);
        let mut indices = template_indices.clone();
        // Most of a frame is as in the first: only runs of pixels that differ from it are
        // mapped (the same colour maps to the same index).
        const RUN: usize = 8;
        for ((line, pixels), first) in indices
            .chunks_exact_mut(W as usize)
            .zip(rgb.chunks_exact(W as usize * 3))
            .zip(template.chunks_exact(W as usize * 3))
        {
            for ((line, pixels), first) in line[..left]
                .chunks_mut(RUN)
                .zip(pixels[..left * 3].chunks(RUN * 3))
                .zip(first[..left * 3].chunks(RUN * 3))
            {
                if pixels != first {
                    mapper.map_into(pixels, line);
                }
            }
        }
        Ok(indices)
    };
    // Encoded in memory, then written: a failure to write names the file in plain words.
    let mut bytes = Vec::new();
    {
        use rayon::prelude::*;
        let mut encoder =
            gif::Encoder::new(&mut bytes, W as u16, H as u16, &flat).map_err(encoding)?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(encoding)?;
        // Frames are drawn and compressed in parallel, a batch at a time (memory stays bounded
        // for long runs), and written in order. Each frame after the first holds only the
        // rectangle that changed since the one before, drawn over it: the same animation, with
        // far fewer pixels to compress.
        const BATCH: usize = 32;
        let mut previous: Option<Vec<u8>> = None;
        for batch in (0..territory.ticks.len()).collect::<Vec<_>>().chunks(BATCH) {
            let full: Vec<Vec<u8>> = batch
                .par_iter()
                .map(|&row| frame(row))
                .collect::<Result<_, _>>()?;
            let before: Vec<Option<&Vec<u8>>> = std::iter::once(previous.as_ref())
                .chain(full.iter().map(Some))
                .collect();
            let frames: Vec<gif::Frame<'static>> = full
                .par_iter()
                .zip(before.par_iter())
                .map(|(now, before)| {
                    let mut f = changed_part(now, before.map(Vec::as_slice), W, H, unchanged);
                    f.delay = 15;
                    f.buffer = std::borrow::Cow::Owned(super::lzw::encode(&f.buffer));
                    f
                })
                .collect();
            for f in &frames {
                encoder.write_lzw_pre_encoded_frame(f).map_err(encoding)?;
            }
            previous = full.into_iter().last();
        }
    }
    write_file(path, &bytes)
}

/// Maps RGB pixels onto the nearest colours of a palette. Neighbouring pixels mostly share a
/// colour: it remembers the last one, and the nearest palette entry of each colour met in a small
/// direct-mapped table.
struct PaletteMapper<'a> {
    palette: &'a [RGBColor],
    seen: Vec<u32>,
    index: Vec<u8>,
    last: (u32, u8),
}

impl<'a> PaletteMapper<'a> {
    const SLOTS: usize = 4096;

    fn new(palette: &'a [RGBColor]) -> Self {
        PaletteMapper {
            palette,
            seen: vec![u32::MAX; Self::SLOTS],
            index: vec![0; Self::SLOTS],
            last: (u32::MAX, 0),
        }
    }

    /// The palette index of each pixel of `rgb` (3 bytes a pixel).
    fn map(&mut self, rgb: &[u8]) -> Vec<u8> {
        let mut indices = vec![0; rgb.len() / 3];
        self.map_into(rgb, &mut indices);
        indices
    }

    /// Writes the palette index of each pixel of `rgb` (3 bytes a pixel) into `indices`.
    fn map_into(&mut self, rgb: &[u8], indices: &mut [u8]) {
        for (index, p) in indices.iter_mut().zip(rgb.chunks_exact(3)) {
            *index = self.index_of(p[0], p[1], p[2]);
        }
    }

    fn index_of(&mut self, r: u8, g: u8, b: u8) -> u8 {
        let key = u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b);
        if key == self.last.0 {
            return self.last.1;
        }
        let slot = (key.wrapping_mul(0x9E37_79B1) >> 20) as usize % Self::SLOTS;
        if self.seen[slot] != key {
            self.seen[slot] = key;
            self.index[slot] = closest(self.palette, [r, g, b]);
        }
        self.last = (key, self.index[slot]);
        self.last.1
    }
}

/// The picture of snapshot `row` of the animated map, in RGB: drawn whole, or from `template` (a
/// frame drawn whole) by redrawing the title and the map left of the legend, which is the same
/// picture at a fraction of the cost (the legend's text is most of it).
fn gif_frame_rgb(
    territory: &Territory,
    regions: &[u16],
    legend: &Legend,
    row: usize,
    template: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    const W: u32 = GIF_WIDTH;
    const H: u32 = GIF_HEIGHT;
    let title = format!(
        "Who holds each neighbourhood, week {}",
        u64::from(territory.ticks[row]) + 1
    );
    let grid = territory.grid(row, regions);
    let mut rgb = match template {
        Some(template) => {
            let mut rgb = template.to_vec();
            let left = legend_left((W, H)) as usize * 3;
            for line in rgb.chunks_exact_mut(W as usize * 3) {
                line[..left].fill(255);
            }
            rgb
        }
        None => vec![0u8; (W * H * 3) as usize],
    };
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (W, H)).into_drawing_area();
        match template {
            Some(_) => draw_map_left(&root, &title, &grid).map(|_| ())?,
            None => draw_map(&root, &title, &grid, legend, &[], None)?,
        }
        root.present().map_err(drawing_failed)?;
    }
    Ok(rgb)
}

/// The frame that turns `before` into `now` (both `width` × `height` palette indices): the
/// smallest rectangle holding every pixel that differs (one pixel when none does), kept on the
/// screen under the next frame, with the pixels inside it that did not change set to
/// `unchanged` (transparent, an index no picture uses). The whole of `now` when there is no
/// frame before.
fn changed_part(
    now: &[u8],
    before: Option<&[u8]>,
    width: u32,
    height: u32,
    unchanged: u8,
) -> gif::Frame<'static> {
    let (w, h) = (width as usize, height as usize);
    let (mut left, mut top, mut right, mut bottom) = (w, h, 0, 0);
    match before {
        None => (left, top, right, bottom) = (0, 0, w, h),
        Some(before) => {
            for y in 0..h {
                let (a, b) = (&now[y * w..(y + 1) * w], &before[y * w..(y + 1) * w]);
                if let Some(x0) = a.iter().zip(b).position(|(p, q)| p != q) {
                    let x1 = w - a
                        .iter()
                        .rev()
                        .zip(b.iter().rev())
                        .position(|(p, q)| p != q)
                        .unwrap_or(0);
                    left = left.min(x0);
                    right = right.max(x1);
                    top = top.min(y);
                    bottom = y + 1;
                }
            }
            if right == 0 {
                (left, top, right, bottom) = (0, 0, 1, 1);
            }
        }
    }
    let buffer: Vec<u8> = match before {
        None => now.to_vec(),
        // Inside the rectangle, what did not change shows through: long runs of one index,
        // which the compressor takes in few codes.
        Some(before) => (top..bottom)
            .flat_map(|y| {
                let row = y * w + left..y * w + right;
                now[row.clone()]
                    .iter()
                    .zip(&before[row])
                    .map(|(&p, &q)| if p == q { unchanged } else { p })
            })
            .collect(),
    };
    gif::Frame {
        left: left as u16,
        top: top as u16,
        width: (right - left) as u16,
        height: (bottom - top) as u16,
        dispose: gif::DisposalMethod::Keep,
        transparent: before.map(|_| unchanged),
        buffer: std::borrow::Cow::Owned(buffer),
        ..gif::Frame::default()
    }
}

fn closest(palette: &[RGBColor], p: [u8; 3]) -> u8 {
    let distance = |c: &RGBColor| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(c.0, p[0]) + d(c.1, p[1]) + d(c.2, p[2])
    };
    palette
        .iter()
        .enumerate()
        .min_by_key(|(_, c)| distance(c))
        .map_or(0, |(i, _)| i as u8)
}

/// Pixel at the centre of cell (x, y) of a `width` × `height` grid in a full-size map figure.
pub fn cell_center_pixel(width: u32, height: u32, x: u32, y: u32) -> (u32, u32) {
    grid_point_pixel(width, height, f64::from(x) + 0.5, f64::from(y) + 0.5)
}

/// Pixel at point (x, y) of a `width` × `height` grid, in cells from its top left corner, in a
/// full-size map figure (whole numbers are cell edges).
pub fn grid_point_pixel(width: u32, height: u32, x: f64, y: f64) -> (u32, u32) {
    let grid = Grid {
        width,
        height,
        colors: Vec::new(),
        crossed: Vec::new(),
        regions: Vec::new(),
    };
    let l = layout(&grid, (WIDTH, HEIGHT));
    let (px, py) = px(&l, x, y);
    (px as u32, py as u32)
}

/// The neighbourhoods at the end of the run, from `cells.csv`, checked, in cell index order.
pub struct Cells {
    /// The file read.
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    /// Episodes that arrived minus episodes that left.
    pub net: Vec<f64>,
    /// Ghost neighbourhoods at the end of the run.
    pub ghost: Vec<bool>,
    /// Region name of each neighbourhood.
    pub region: Vec<String>,
}

/// Columns of `cells.csv` the maps use.
const CELL_COLUMNS: [&str; 6] = [
    "x",
    "y",
    "region",
    "displaced_out",
    "displaced_in",
    "ghost_since",
];

impl Cells {
    /// Reads `cells.csv` of a run folder (`None` when the run has none).
    pub fn read(run_dir: &Path) -> Result<Option<Cells>, PlotError> {
        let path = run_dir.join("cells.csv");
        if !path.is_file() {
            return Ok(None);
        }
        let table = Table::read(&path, &CELL_COLUMNS)?;
        if table.rows() == 0 {
            return Err(
                table.damaged_file("no rows, expected one row per neighbourhood".to_string())
            );
        }
        let xs = table.whole("x")?;
        let ys = table.whole("y")?;
        let out = table.counts("displaced_out")?;
        let inn = table.counts("displaced_in")?;
        let ghost_since = table.optional_integer("ghost_since")?;
        let regions = table.text("region")?;
        let width = xs.iter().copied().max().unwrap_or(0) as u64 + 1;
        let height = ys.iter().copied().max().unwrap_or(0) as u64 + 1;
        if width * height != table.rows() as u64 {
            return Err(table.damaged_file(format!(
                "{} rows for a {width} × {height} grid (x up to {}, y up to {}), expected {}, one per neighbourhood",
                table.rows(),
                width - 1,
                height - 1,
                width * height
            )));
        }
        let (width, height) = (width as u32, height as u32);
        let n = (width * height) as usize;
        let mut seen = vec![None::<usize>; n];
        let mut cells = Cells {
            path: path.clone(),
            width,
            height,
            net: vec![0.0; n],
            ghost: vec![false; n],
            region: vec![String::new(); n],
        };
        for row in 0..table.rows() {
            let c = (ys[row] * width + xs[row]) as usize;
            if let Some(first) = seen[c] {
                return Err(table.damaged(
                    row,
                    "x",
                    format!(
                        "neighbourhood ({}, {}) is also on line {}, expected each once",
                        xs[row],
                        ys[row],
                        table.line(first)
                    ),
                ));
            }
            seen[c] = Some(row);
            if regions[row].is_empty() {
                return Err(table.damaged(
                    row,
                    "region",
                    "found an empty value, expected a region name".to_string(),
                ));
            }
            cells.net[c] = inn[row] - out[row];
            cells.ghost[c] = ghost_since[row].is_some();
            cells.region[c].clone_from(&regions[row]);
        }
        Ok(Some(cells))
    }
}

/// Net flow of each neighbourhood (arrivals minus departures) on a diverging scale, the main
/// origin→destination flows between blocks of the grid as arrows, and ghost neighbourhoods
/// crossed out.
pub fn displacement(cells: &Cells, flows: &[Flow], dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let (width, height) = (cells.width, cells.height);
    let scale = NetScale {
        max: net_max(cells),
    };
    let colors = cells.net.iter().map(|v| net_color(*v, scale.max)).collect();
    let grid = Grid {
        width,
        height,
        colors,
        crossed: cells.ghost.clone(),
        regions: Vec::new(),
    };
    let mut legend = Legend::new();
    if cells.ghost.iter().any(|g| *g) {
        legend.push(LegendEntry {
            label: "ghost neighbourhood".to_string(),
            key: Key::Cross,
        });
    }
    let largest = flows.first().map_or(0, |f| f.episodes);
    if largest > 0 {
        let side = block_side(width, height);
        legend.push(LegendEntry {
            label: format!("main flows, blocks of {side} × {side}:"),
            key: Key::Heading,
        });
        for (episodes, width) in flow_key(largest) {
            legend.push(LegendEntry {
                label: format!(
                    "{} episode{}",
                    super::charts::thousands(f64::from(episodes)),
                    if episodes == 1 { "" } else { "s" }
                ),
                key: Key::Arrow(width),
            });
        }
    }
    render_map(
        dir,
        "displacement_map",
        "Where people left and arrived (whole run)",
        &grid,
        &legend,
        &arrows(flows, width, height),
        Some(&scale),
    )
}

/// The end of the net colour scale: the largest arrivals minus departures of any neighbourhood,
/// either way (at least 1).
pub fn net_max(cells: &Cells) -> f64 {
    cells
        .net
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f64::max)
        .max(1.0)
}

/// Widest flow arrow, in pixels at full size.
pub const MAX_FLOW_WIDTH: u32 = 12;

/// Width in pixels of the arrow of a flow of `episodes` when the largest flow drawn has
/// `largest`: in proportion to the flow, the largest `MAX_FLOW_WIDTH`, at least 1.
pub fn flow_width(episodes: u32, largest: u32) -> u32 {
    let share = f64::from(episodes) / f64::from(largest.max(1));
    ((share * f64::from(MAX_FLOW_WIDTH)).round() as u32).clamp(1, MAX_FLOW_WIDTH)
}

/// The key of arrow widths: the largest flow, then round flows near a half and an eighth of it
/// (those of at least 1 episode), largest first, each with its width.
pub fn flow_key(largest: u32) -> Vec<(u32, u32)> {
    let mut flows = vec![largest];
    flows.extend(
        [0.5, 0.125]
            .iter()
            .map(|f| round_down(f64::from(largest) * f) as u32)
            .filter(|n| *n >= 1),
    );
    flows.dedup();
    flows
        .into_iter()
        .map(|n| (n, flow_width(n, largest)))
        .collect()
}

/// A block of the grid, by its column and row.
type Block = (u32, u32);

/// A flow of episodes from one block of the grid to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub from: Block,
    pub to: Block,
    pub episodes: u32,
}

/// Side of the blocks flows are counted between: about an eighth of the grid.
fn block_side(width: u32, height: u32) -> u32 {
    width.max(height).div_ceil(8).max(1)
}

/// The 12 largest flows of episodes between blocks of the grid, largest first, from the run's
/// `episodes.csv` (none when the run has none). Cells must lie in the `cells` grid.
pub fn main_flows(run_dir: &Path, cells: &Cells) -> Result<Vec<Flow>, PlotError> {
    let path = run_dir.join("episodes.csv");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let episodes = Table::read(&path, &["origin_cell", "destination_cell"])?;
    let (width, height) = (cells.width, cells.height);
    let n = width * height;
    let block = block_side(width, height);
    let to_block = |cell: u32| (cell % width / block, cell / width / block);
    let mut flows: std::collections::BTreeMap<(Block, Block), u32> =
        std::collections::BTreeMap::new();
    let origins = episodes.whole("origin_cell")?;
    let destinations = episodes.optional_whole("destination_cell")?;
    for (row, (o, d)) in origins.iter().zip(&destinations).enumerate() {
        for (name, cell) in [("origin_cell", Some(*o)), ("destination_cell", *d)] {
            if let Some(cell) = cell
                && cell >= n
            {
                return Err(episodes.damaged(
                    row,
                    name,
                    format!(
                        "found neighbourhood {cell}, expected one of the {n} of the {width} × {height} grid of cells.csv (0 to {})",
                        n - 1
                    ),
                ));
            }
        }
        let Some(d) = d else { continue };
        let (a, b) = (to_block(*o), to_block(*d));
        if a != b {
            *flows.entry((a, b)).or_default() += 1;
        }
    }
    let mut ranked: Vec<((Block, Block), u32)> = flows.into_iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    Ok(ranked
        .into_iter()
        .take(12)
        .map(|((from, to), episodes)| Flow { from, to, episodes })
        .collect())
}

/// The flows as arrows between block centres.
fn arrows(flows: &[Flow], width: u32, height: u32) -> Vec<Arrow> {
    let block = block_side(width, height);
    let top = flows.first().map_or(1, |f| f.episodes).max(1);
    let centre = |(bx, by): Block| {
        let cx = (f64::from(bx * block) + f64::from(((bx + 1) * block).min(width))) / 2.0;
        let cy = (f64::from(by * block) + f64::from(((by + 1) * block).min(height))) / 2.0;
        (cx, cy)
    };
    flows
        .iter()
        .map(|f| Arrow {
            from: centre(f.from),
            to: centre(f.to),
            width: flow_width(f.episodes, top),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Territory, changed_part, gif_frame_rgb, territory_legend};

    /// Every frame of the animation redrawn from the first is the frame drawn whole: on a grid
    /// whose holders, state presence and regions change from snapshot to snapshot, up to week
    /// 9,999 (the longest title).
    #[test]
    fn an_animation_frame_redrawn_from_the_first_is_the_frame_drawn_whole() {
        crate::plot::register_font();
        let (width, height) = (37u32, 23u32);
        let n = (width * height) as usize;
        let letters = ['S', 'G', 'T', 'C', 'X'];
        let snapshot = |t: usize| -> (String, String) {
            let controllers = (0..n)
                .map(|c| letters[(c * 7 + t * 13 + c / 5 * t) % letters.len()])
                .collect();
            let presence = (0..n)
                .map(|c| char::from(b'0' + ((c + 3 * t) % 10) as u8))
                .collect();
            (controllers, presence)
        };
        let rows: Vec<(String, String)> = (0..6).map(snapshot).collect();
        let territory = Territory {
            width,
            height,
            ticks: vec![0, 1, 17, 250, 4000, 9998],
            controllers: rows.iter().map(|r| r.0.clone()).collect(),
            presence: rows.iter().map(|r| r.1.clone()).collect(),
        };
        let regions: Vec<u16> = (0..n as u32)
            .map(|c| ((c % width) * 3 / width + (c / width) * 2 / height * 3) as u16)
            .collect();
        let all: Vec<usize> = (0..territory.ticks.len()).collect();
        let legend = territory_legend(&territory, &all, &regions);
        let template = gif_frame_rgb(&territory, &regions, &legend, 0, None).unwrap();
        for row in 0..territory.ticks.len() {
            let whole = gif_frame_rgb(&territory, &regions, &legend, row, None).unwrap();
            let redrawn =
                gif_frame_rgb(&territory, &regions, &legend, row, Some(&template)).unwrap();
            assert!(whole == redrawn, "snapshot {row} differs");
        }
    }

    /// Draws `frame` over `screen` (`width` wide) as a GIF decoder does with `Keep`: its
    /// transparent pixels leave the screen as it was.
    fn draw_over(screen: &mut [u8], width: usize, frame: &gif::Frame<'_>) {
        let (left, top) = (usize::from(frame.left), usize::from(frame.top));
        let w = usize::from(frame.width);
        for (row, pixels) in frame.buffer.chunks(w).enumerate() {
            let at = (top + row) * width + left;
            for (x, &p) in pixels.iter().enumerate() {
                if Some(p) != frame.transparent {
                    screen[at + x] = p;
                }
            }
        }
    }

    #[test]
    fn a_frame_holds_what_changed_and_rebuilds_the_next_picture() {
        // An index none of the pictures below uses.
        const UNCHANGED: u8 = 250;
        let (w, h) = (40u32, 30u32);
        let first: Vec<u8> = (0..w * h).map(|i| (i % 7) as u8).collect();
        let mut second = first.clone();
        second[(5 * w + 9) as usize] = 200;
        second[(12 * w + 31) as usize] = 201;
        second[(8 * w + 3) as usize] = 202;

        let whole = changed_part(&first, None, w, h, UNCHANGED);
        assert_eq!(
            (whole.left, whole.top, whole.width, whole.height),
            (0, 0, 40, 30)
        );

        let part = changed_part(&second, Some(&first), w, h, UNCHANGED);
        // Rows 5 to 12, columns 3 to 31: the smallest rectangle around the three changes.
        assert_eq!(
            (part.left, part.top, part.width, part.height),
            (3, 5, 29, 8)
        );
        assert_eq!(part.dispose, gif::DisposalMethod::Keep);
        // Inside the rectangle, pixels that did not change are transparent; those that did are
        // the new ones.
        assert_eq!(part.transparent, Some(UNCHANGED));
        let at = |x: u32, y: u32| part.buffer[((y - 5) * 29 + (x - 3)) as usize];
        assert_eq!((at(10, 6), at(9, 5), at(31, 12)), (UNCHANGED, 200, 201));
        let mut screen = first.clone();
        draw_over(&mut screen, w as usize, &part);
        assert_eq!(screen, second);

        let same = changed_part(&second, Some(&second), w, h, UNCHANGED);
        assert_eq!((same.width, same.height), (1, 1));
        let mut screen = second.clone();
        draw_over(&mut screen, w as usize, &same);
        assert_eq!(screen, second);
    }
}
