//! The map of where each arm's departures differ from the first arm's: one panel per arm after
//! the first, on one diverging colour scale centred on 0, from `compare_cells.csv`.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::Table;
use super::{Figure, HEIGHT, PlotError, WIDTH, drawing_failed, palette, save};

/// One arm's panel: the mean paired difference of each cell, row by row.
pub struct Panel {
    pub arm: String,
    pub width: u32,
    pub height: u32,
    /// `None` where the arm's grid is not the first arm's.
    pub diffs: Vec<Option<f64>>,
}

/// The panels of the arms after the first, read from `compare_cells.csv` (`None` when the
/// folder has no such file: comparisons written before it existed).
pub fn read_panels(compare_dir: &Path) -> Result<Option<(String, Vec<Panel>)>, PlotError> {
    let path = compare_dir.join("compare_cells.csv");
    if !path.is_file() {
        return Ok(None);
    }
    let table = Table::read(&path, &["arm", "x", "y", "diff_mean"])?;
    let arm = table.text("arm")?;
    let x = table.whole("x")?;
    let y = table.whole("y")?;
    let diff = table.optional_numbers("diff_mean")?;
    let mut first = None;
    let mut panels: Vec<Panel> = Vec::new();
    for r in 0..table.rows() {
        let name = &arm[r];
        let first_name = first.get_or_insert_with(|| name.clone());
        if name == first_name {
            continue;
        }
        if panels.last().is_none_or(|p| &p.arm != name) {
            panels.push(Panel {
                arm: name.clone(),
                width: 0,
                height: 0,
                diffs: Vec::new(),
            });
        }
        let panel = panels.last_mut().expect("pushed above");
        panel.width = panel.width.max(x[r] + 1);
        panel.height = panel.height.max(y[r] + 1);
        panel.diffs.push(diff[r]);
    }
    for p in &panels {
        if p.diffs.len() != (p.width * p.height) as usize {
            return Err(table.damaged_file(format!(
                "arm `{}` has {} cells, expected one per cell of its {} by {} grid",
                p.arm,
                p.diffs.len(),
                p.width,
                p.height
            )));
        }
    }
    Ok(first.map(|f| (f, panels)))
}

/// The colour of a difference of `d` departures on a scale up to `max` either way: white at 0,
/// vermillion for more departures than the first arm, blue for fewer, deepening with the square
/// root of the share of `max` (so small differences show).
pub fn diff_color(d: f64, max: f64) -> RGBColor {
    let t = if max > 0.0 {
        (d.abs() / max).min(1.0).sqrt()
    } else {
        0.0
    };
    let to = if d > 0.0 {
        palette::VERMILLION
    } else {
        palette::BLUE
    };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(255, to.0), mix(255, to.1), mix(255, to.2))
}

/// The largest absolute difference of any panel (1 when there is none).
pub fn scale_max(panels: &[Panel]) -> f64 {
    let m = panels
        .iter()
        .flat_map(|p| p.diffs.iter().flatten())
        .fold(0.0_f64, |m, d| m.max(d.abs()));
    if m > 0.0 { m } else { 1.0 }
}

/// A label of the colour scale: `+2.5`, `0`, `−2.5`, with as many decimals as `max` needs.
fn label(v: f64, max: f64) -> String {
    let decimals = if max >= 10.0 {
        0
    } else if max >= 1.0 {
        1
    } else {
        2
    };
    let text = format!("{:.*}", decimals, v.abs());
    if text.bytes().all(|b| b == b'0' || b == b'.') {
        "0".into()
    } else if v > 0.0 {
        format!("+{text}")
    } else {
        format!("\u{2212}{text}")
    }
}

struct DeparturesMap<'a> {
    first: &'a str,
    panels: &'a [Panel],
}

impl Figure for DeparturesMap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = drawing_failed;
        let font = |pt: f64| ("sans-serif", pt).into_font();
        root.fill(&WHITE).map_err(e)?;
        root.draw(&Text::new(
            format!(
                "Departures by neighbourhood: each arm \u{2212} {}",
                self.first
            ),
            (20, 15),
            font(28.0),
        ))
        .map_err(e)?;
        let max = scale_max(self.panels);
        // Panels fill the figure left of the colour scale, in up to 3 columns.
        let n = self.panels.len().max(1) as u32;
        let columns = n.min(3);
        let rows = n.div_ceil(columns);
        let (area_w, area_h) = (f64::from(WIDTH - 300), f64::from(HEIGHT - 70));
        let (cell_w, cell_h) = (area_w / f64::from(columns), area_h / f64::from(rows));
        let centred = Pos::new(HPos::Center, VPos::Top);
        for (i, p) in self.panels.iter().enumerate() {
            let (col, row) = (i as u32 % columns, i as u32 / columns);
            let left = 20.0 + cell_w * f64::from(col);
            let top = 60.0 + cell_h * f64::from(row);
            root.draw(&Text::new(
                format!("{} \u{2212} {}", p.arm, self.first),
                ((left + cell_w / 2.0) as i32, top as i32),
                TextStyle::from(font(20.0)).pos(centred),
            ))
            .map_err(e)?;
            let (map_w, map_h) = (cell_w - 20.0, cell_h - 40.0);
            let scale = (map_w / f64::from(p.width.max(1))).min(map_h / f64::from(p.height.max(1)));
            let x0 = left + (map_w - scale * f64::from(p.width)) / 2.0;
            let y0 = top + 32.0;
            let at = |x: u32, y: u32| {
                (
                    (x0 + scale * f64::from(x)) as i32,
                    (y0 + scale * f64::from(y)) as i32,
                )
            };
            for (c, d) in p.diffs.iter().enumerate() {
                let (x, y) = (c as u32 % p.width, c as u32 / p.width);
                let (a, b) = (at(x, y), at(x + 1, y + 1));
                let color = d.map_or(RGBColor(200, 200, 200), |d| diff_color(d, max));
                root.draw(&Rectangle::new(
                    [a, (b.0.max(a.0 + 1), b.1.max(a.1 + 1))],
                    color.filled(),
                ))
                .map_err(e)?;
            }
            root.draw(&Rectangle::new(
                [at(0, 0), at(p.width, p.height)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
        }
        self.scale(root, max)
    }
}

impl DeparturesMap<'_> {
    /// The colour scale, a vertical bar at the right, with its units and ticks.
    fn scale<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        max: f64,
    ) -> Result<(), String> {
        let e = drawing_failed;
        let font = |pt: f64| ("sans-serif", pt).into_font();
        let x = (WIDTH - 260) as i32;
        for (i, line) in [
            "departures per replicate,".to_string(),
            format!("arm \u{2212} {}", self.first),
        ]
        .iter()
        .enumerate()
        {
            root.draw(&Text::new(
                line.clone(),
                (x, 70 + 22 * i as i32),
                font(17.0),
            ))
            .map_err(e)?;
        }
        let (top, bottom): (f64, f64) = (130.0, 450.0);
        let half = (bottom - top) / 2.0;
        let bar = (x, x + 24);
        let mut y = top;
        while y < bottom {
            let p = 1.0 - (y + 1.0 - top) / half;
            let v = p.signum() * p * p * max;
            root.draw(&Rectangle::new(
                [(bar.0, y as i32), (bar.1, (y + 2.0) as i32)],
                diff_color(v, max).filled(),
            ))
            .map_err(e)?;
            y += 2.0;
        }
        root.draw(&Rectangle::new(
            [(bar.0, top as i32), (bar.1, bottom as i32)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
        let style = TextStyle::from(font(15.0)).pos(Pos::new(HPos::Left, VPos::Center));
        for v in [max, max / 4.0, 0.0, -max / 4.0, -max] {
            let p = (v.abs() / max).sqrt() * v.signum();
            let ty = (top + half * (1.0 - p)) as i32;
            root.draw(&PathElement::new(
                vec![(bar.1, ty), (bar.1 + 6, ty)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
            root.draw(&Text::new(label(v, max), (bar.1 + 10, ty), style.clone()))
                .map_err(e)?;
        }
        root.draw(&Text::new(
            "more departures",
            (bar.1 + 80, top as i32 + 10),
            style.clone(),
        ))
        .map_err(e)?;
        root.draw(&Text::new(
            "fewer departures",
            (bar.1 + 80, bottom as i32 - 10),
            style,
        ))
        .map_err(e)?;
        Ok(())
    }
}

/// Draws `compare_departures_map` (PNG and SVG) into `plots_dir`; nothing when there is no
/// arm after the first.
pub fn render(first: &str, panels: &[Panel], plots_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    if panels.is_empty() {
        return Ok(Vec::new());
    }
    save(
        plots_dir,
        "compare_departures_map",
        (WIDTH, HEIGHT),
        &DeparturesMap { first, panels },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_white_at_zero_and_diverges_by_sign() {
        assert_eq!(diff_color(0.0, 5.0), WHITE);
        assert_eq!(diff_color(5.0, 5.0), palette::VERMILLION);
        assert_eq!(diff_color(-5.0, 5.0), palette::BLUE);
        assert_eq!(label(0.0, 5.0), "0");
        assert_eq!(label(2.5, 5.0), "+2.5");
        assert_eq!(label(-0.004, 0.5), "0");
    }
}
