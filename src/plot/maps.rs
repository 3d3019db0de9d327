//! Maps of the neighbourhood grid: who holds each neighbourhood (at chosen ticks, and animated
//! over the whole run), and where people left from and arrived in.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::draw_error;
use super::data::Table;
use super::{HEIGHT, PlotError, WIDTH, palette};

/// A grid of coloured cells, row by row from y = 0 at the top.
pub struct Grid {
    pub width: u32,
    pub height: u32,
    pub colors: Vec<RGBColor>,
    /// Cells to cross out (ghost neighbourhoods).
    pub crossed: Vec<bool>,
}

/// A legend entry: a colour and what it means.
pub type Legend = Vec<(String, RGBColor)>;

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

/// Draws title, grid (run-length rectangles row by row), crosses, arrows and legend.
fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    grid: &Grid,
    legend: &Legend,
    arrows: &[Arrow],
) -> Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let size = root.dim_in_pixel();
    let k = f64::from(size.0) / f64::from(WIDTH);
    let font = |pt: f64| ("sans-serif", pt * k).into_font();
    root.fill(&WHITE).map_err(e)?;
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
    for a in arrows {
        let (x0, y0) = px(&l, a.from.0, a.from.1);
        let (x1, y1) = px(&l, a.to.0, a.to.1);
        let style = BLACK.mix(0.75).stroke_width(a.width);
        root.draw(&PathElement::new(vec![(x0, y0), (x1, y1)], style))
            .map_err(e)?;
        // Arrow head: a small triangle at the destination.
        let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let size = 8.0 + f64::from(a.width) * 2.0;
        let base = (f64::from(x1) - ux * size, f64::from(y1) - uy * size);
        let head = vec![
            (x1, y1),
            (
                (base.0 - uy * size * 0.5) as i32,
                (base.1 + ux * size * 0.5) as i32,
            ),
            (
                (base.0 + uy * size * 0.5) as i32,
                (base.1 - ux * size * 0.5) as i32,
            ),
        ];
        root.draw(&Polygon::new(head, BLACK.mix(0.75).filled()))
            .map_err(e)?;
    }
    let legend_x = size.0 as i32 - (300.0 * k) as i32;
    let unit = |v: f64| (v * k) as i32;
    for (i, (label, color)) in legend.iter().enumerate() {
        let y = unit(80.0 + 30.0 * i as f64);
        let corners = [(legend_x, y), (legend_x + unit(22.0), y + unit(18.0))];
        root.draw(&Rectangle::new(corners, color.filled()))
            .map_err(e)?;
        root.draw(&Rectangle::new(corners, BLACK.stroke_width(1)))
            .map_err(e)?;
        root.draw(&Text::new(
            label.clone(),
            (legend_x + unit(32.0), y),
            font(18.0),
        ))
        .map_err(e)?;
    }
    Ok(())
}

fn render_map(
    dir: &Path,
    name: &str,
    title: &str,
    grid: &Grid,
    legend: &Legend,
    arrows: &[Arrow],
) -> Result<Vec<PathBuf>, PlotError> {
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    {
        let root = BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area();
        draw_map(&root, title, grid, legend, arrows)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|m| draw_error(&png, m))?;
    }
    {
        let root = SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw_map(&root, title, grid, legend, arrows)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|m| draw_error(&svg, m))?;
    }
    Ok(vec![png, svg])
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
        'X' => palette::controller("contested"),
        _ => {
            let p = f64::from(presence.to_digit(10).unwrap_or(0)) / 9.0;
            blend(WHITE, palette::controller("state"), 0.2 + 0.8 * p)
        }
    }
}

/// The legend: state shading, and the kinds of holder that appear in any snapshot.
fn territory_legend(territory: &Table) -> Legend {
    let codes = &territory.columns["controllers"];
    let appears = |code: char| codes.iter().any(|row| row.contains(code));
    let mut legend: Legend = vec![
        ("state, weak presence".into(), territory_color('S', '1')),
        ("state, strong presence".into(), territory_color('S', '9')),
    ];
    for (code, label, kind) in [
        ('G', "street gang", "street_gang"),
        ('T', "trafficking group", "trafficking_group"),
        ('C', "cartel", "cartel"),
        ('X', "contested", "contested"),
    ] {
        if appears(code) {
            legend.push((label.into(), palette::controller(kind)));
        }
    }
    legend
}

fn territory_grid(territory: &Table, row: usize) -> Grid {
    let width = territory.numbers("width")[row] as u32;
    let height = territory.numbers("height")[row] as u32;
    let codes = &territory.columns["controllers"][row];
    let presence = &territory.columns["presence"][row];
    let colors = codes
        .chars()
        .zip(presence.chars())
        .map(|(c, p)| territory_color(c, p))
        .collect();
    Grid {
        width,
        height,
        colors,
        crossed: vec![false; (width * height) as usize],
    }
}

/// Territory maps at the scenario's `outputs.map_weeks` (default: the first, middle and last
/// snapshot).
pub fn territory(run_dir: &Path, dir: &Path, map_weeks: &[u32]) -> Result<Vec<PathBuf>, PlotError> {
    let path = run_dir.join("territory.csv");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let territory = Table::read(&path)?;
    if territory.rows == 0 {
        return Ok(Vec::new());
    }
    let ticks = territory.numbers("tick");
    let legend = territory_legend(&territory);
    let mut rows: Vec<usize> = if map_weeks.is_empty() {
        vec![0, territory.rows / 2, territory.rows - 1]
    } else {
        // The snapshot at each asked week (or the last one before it).
        map_weeks
            .iter()
            .map(|w| {
                ticks
                    .iter()
                    .rposition(|&t| t + 1.0 <= f64::from(*w))
                    .unwrap_or(0)
            })
            .collect()
    };
    rows.dedup();
    let mut written = Vec::new();
    for row in rows {
        let tick = ticks[row] as u32;
        let title = format!("Who holds each neighbourhood, week {}", tick + 1);
        written.extend(render_map(
            dir,
            &format!("territory_week_{:03}", tick + 1),
            &title,
            &territory_grid(&territory, row),
            &legend,
            &[],
        )?);
    }
    Ok(written)
}

/// The animated territory map of every snapshot, `territory.gif`.
pub fn territory_animation(run_dir: &Path, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let path = run_dir.join("territory.csv");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let territory = Table::read(&path)?;
    if territory.rows == 0 {
        return Ok(Vec::new());
    }
    let gif = dir.join("territory.gif");
    write_gif(
        &gif,
        &territory,
        &territory.numbers("tick"),
        &territory_legend(&territory),
    )?;
    Ok(vec![gif])
}

/// Size of the animated map, in pixels (smaller than the still figures: it has many frames).
pub const GIF_WIDTH: u32 = 720;
pub const GIF_HEIGHT: u32 = 420;

/// The animated territory map. Frames are drawn by plotters into a buffer and mapped onto a small
/// fixed palette (the map's own colours, white, black and greys for text), which keeps encoding
/// fast and the colours exact.
fn write_gif(
    path: &Path,
    territory: &Table,
    ticks: &[f64],
    legend: &Legend,
) -> Result<(), PlotError> {
    const W: u32 = GIF_WIDTH;
    const H: u32 = GIF_HEIGHT;
    let fail = |m: String| draw_error(path, m);
    let mut palette_colors: Vec<RGBColor> = vec![WHITE, BLACK];
    palette_colors.extend((1..8).map(|g| RGBColor(g * 32, g * 32, g * 32)));
    palette_colors.extend("0123456789".chars().map(|p| territory_color('S', p)));
    palette_colors.extend(['G', 'T', 'C', 'X'].map(|c| territory_color(c, '0')));
    let flat: Vec<u8> = palette_colors
        .iter()
        .flat_map(|c| [c.0, c.1, c.2])
        .collect();
    let file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    let mut encoder = gif::Encoder::new(std::io::BufWriter::new(file), W as u16, H as u16, &flat)
        .map_err(|e| fail(e.to_string()))?;
    encoder
        .set_repeat(gif::Repeat::Infinite)
        .map_err(|e| fail(e.to_string()))?;
    let mut nearest: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
    let mut rgb = vec![0u8; (W * H * 3) as usize];
    for (row, tick) in ticks.iter().enumerate() {
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (W, H)).into_drawing_area();
            let title = format!("Who holds each neighbourhood, week {}", *tick as u32 + 1);
            draw_map(&root, &title, &territory_grid(territory, row), legend, &[]).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        // Neighbouring pixels mostly share a colour: remember the last one.
        let mut last = ([0u8; 3], None::<u8>);
        let indices: Vec<u8> = rgb
            .chunks_exact(3)
            .map(|p| {
                let key = [p[0], p[1], p[2]];
                if let (k, Some(i)) = last
                    && k == key
                {
                    return i;
                }
                let i = *nearest
                    .entry(key)
                    .or_insert_with(|| closest(&palette_colors, key));
                last = (key, Some(i));
                i
            })
            .collect();
        let frame = gif::Frame {
            width: W as u16,
            height: H as u16,
            delay: 15,
            buffer: std::borrow::Cow::Owned(indices),
            ..gif::Frame::default()
        };
        encoder
            .write_frame(&frame)
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
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
    let grid = Grid {
        width,
        height,
        colors: Vec::new(),
        crossed: Vec::new(),
    };
    let l = layout(&grid, (WIDTH, HEIGHT));
    let (px, py) = px(&l, f64::from(x) + 0.5, f64::from(y) + 0.5);
    (px as u32, py as u32)
}

/// Net flow of each neighbourhood (arrivals minus departures) on a diverging scale, the main
/// origin→destination flows between blocks of the grid as arrows, and ghost neighbourhoods
/// crossed out.
pub fn displacement(run_dir: &Path, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let cells_path = run_dir.join("cells.csv");
    if !cells_path.is_file() {
        return Ok(Vec::new());
    }
    let cells = Table::read(&cells_path)?;
    let xs = cells.numbers("x");
    let ys = cells.numbers("y");
    let width = xs.iter().copied().fold(0.0, f64::max) as u32 + 1;
    let height = ys.iter().copied().fold(0.0, f64::max) as u32 + 1;
    let out = cells.numbers("displaced_out");
    let inn = cells.numbers("displaced_in");
    let net: Vec<f64> = inn.iter().zip(&out).map(|(i, o)| i - o).collect();
    let max = net.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0);
    let mut colors = vec![WHITE; (width * height) as usize];
    let mut crossed = vec![false; (width * height) as usize];
    let ghost = cells.text("ghost_since");
    for (i, v) in net.iter().enumerate() {
        let c = (ys[i] as u32 * width + xs[i] as u32) as usize;
        let t = (v.abs() / max).sqrt();
        colors[c] = if *v < 0.0 {
            blend(WHITE, palette::VERMILLION, t)
        } else {
            blend(WHITE, palette::BLUE, t)
        };
        crossed[c] = !ghost[i].is_empty();
    }
    let arrows = main_flows(run_dir, width, height)?;
    let grid = Grid {
        width,
        height,
        colors,
        crossed,
    };
    let legend = vec![
        ("net departures, many".into(), palette::VERMILLION),
        (
            "net departures, few".into(),
            blend(WHITE, palette::VERMILLION, 0.35),
        ),
        ("balanced".into(), WHITE),
        (
            "net arrivals, few".into(),
            blend(WHITE, palette::BLUE, 0.35),
        ),
        ("net arrivals, many".into(), palette::BLUE),
        ("ghost neighbourhood: crossed".into(), palette::GREY),
        ("main flows: arrows".into(), RGBColor(64, 64, 64)),
    ];
    render_map(
        dir,
        "displacement_map",
        "Where people left and arrived (whole run)",
        &grid,
        &legend,
        &arrows,
    )
}

/// A block of the grid, by its column and row.
type Block = (u32, u32);

/// The 12 largest flows of episodes between blocks of about an eighth of the grid.
fn main_flows(run_dir: &Path, width: u32, height: u32) -> Result<Vec<Arrow>, PlotError> {
    let path = run_dir.join("episodes.csv");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let episodes = Table::read(&path)?;
    let block = width.max(height).div_ceil(8).max(1);
    let to_block = |cell: u32| (cell % width / block, cell / width / block);
    let mut flows: std::collections::BTreeMap<(Block, Block), u32> =
        std::collections::BTreeMap::new();
    let origins = episodes.numbers("origin_cell");
    let destinations = episodes.text("destination_cell");
    for (o, d) in origins.iter().zip(&destinations) {
        let Ok(d) = d.parse::<u32>() else { continue };
        let (a, b) = (to_block(*o as u32), to_block(d));
        if a != b {
            *flows.entry((a, b)).or_default() += 1;
        }
    }
    let mut ranked: Vec<((Block, Block), u32)> = flows.into_iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let top = ranked.first().map_or(1, |r| r.1).max(1);
    let centre = |(bx, by): (u32, u32)| {
        let cx = (f64::from(bx * block) + f64::from(((bx + 1) * block).min(width))) / 2.0;
        let cy = (f64::from(by * block) + f64::from(((by + 1) * block).min(height))) / 2.0;
        (cx, cy)
    };
    Ok(ranked
        .iter()
        .take(12)
        .map(|((a, b), n)| Arrow {
            from: centre(*a),
            to: centre(*b),
            width: 1 + 5 * n / top,
        })
        .collect())
}
