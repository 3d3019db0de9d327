//! Figures of a calibration: each parameter's prior against its posterior, the posterior's
//! pairs, and each target's observed value against the posterior predictive interval.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::{BLUE, GREY, VERMILLION};
use super::{Figure, PlotError, drawing_failed, save};

/// One parameter's draws: from the prior, and the posterior's particles with their weights.
#[derive(Debug, Clone)]
pub struct ParameterDraws {
    pub key: String,
    /// Drawn on a logarithmic axis (a log-uniform prior, flat there).
    pub log_scale: bool,
    pub prior: Vec<f64>,
    pub posterior: Vec<(f64, f64)>,
}

/// One target: its observed value, scale, and the posterior predictive median and 90% interval.
#[derive(Debug, Clone)]
pub struct PredictiveBar {
    pub name: String,
    pub observed: f64,
    pub scale: f64,
    pub median: f64,
    pub q05: f64,
    pub q95: f64,
}

/// Draws `calibration_parameters`, `calibration_pairs` (two parameters or more) and
/// `calibration_predictive` into `dir`; returns the files written.
pub fn render_calibration(
    dir: &Path,
    parameters: &[ParameterDraws],
    predictive: &[PredictiveBar],
) -> Result<Vec<PathBuf>, PlotError> {
    super::register_font();
    super::make_dir(dir)?;
    let mut written = Vec::new();
    let n = parameters.len();
    let columns = n.clamp(1, 3);
    let rows = n.div_ceil(columns).max(1);
    written.extend(save(
        dir,
        "calibration_parameters",
        (420 * columns as u32, 320 * rows as u32),
        &Marginals { parameters },
    )?);
    if n >= 2 {
        let side = (260 * n as u32).clamp(700, 2400);
        written.extend(save(
            dir,
            "calibration_pairs",
            (side, side),
            &Pairs { parameters },
        )?);
    }
    if !predictive.is_empty() {
        let height = (90 + 46 * (predictive.len() as u32 + 1)).max(300);
        written.extend(save(
            dir,
            "calibration_predictive",
            (1000, height),
            &Predictive { rows: predictive },
        )?);
    }
    Ok(written)
}

/// The 1st and 99th percentiles of `values` (their range if they are few), widened when equal.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (0.0, 1.0);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let (lo, hi) = (at(0.01), at(0.99));
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
    }
}

/// Normalised histogram densities of weighted values over `bins` bins of `lo..hi`.
fn histogram(values: &[(f64, f64)], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let mut h = vec![0.0; bins];
    let width = (hi - lo) / bins as f64;
    let total: f64 = values.iter().map(|v| v.1).sum();
    for &(x, w) in values {
        if (lo..=hi).contains(&x) {
            let b = (((x - lo) / width) as usize).min(bins - 1);
            h[b] += w;
        }
    }
    if total > 0.0 {
        h.iter_mut().for_each(|v| *v /= total * width);
    }
    h
}

fn number(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(0.01..10_000.0).contains(&a) {
        format!("{x:.1e}")
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

struct Marginals<'a> {
    parameters: &'a [ParameterDraws],
}

impl Figure for Marginals<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = drawing_failed;
        root.fill(&WHITE).map_err(e)?;
        let n = self.parameters.len();
        let columns = n.clamp(1, 3);
        let rows = n.div_ceil(columns).max(1);
        let panels = root.split_evenly((rows, columns));
        for (p, panel) in self.parameters.iter().zip(panels.iter()) {
            // A log-scaled parameter is binned in its base-10 logarithm and labelled in its units.
            let axis = |x: f64| if p.log_scale { x.log10() } else { x };
            let (lo, hi) = span(
                p.prior
                    .iter()
                    .copied()
                    .chain(p.posterior.iter().map(|v| v.0))
                    .map(axis),
            );
            let bins = 30;
            let prior: Vec<(f64, f64)> = p.prior.iter().map(|&x| (axis(x), 1.0)).collect();
            let posterior: Vec<(f64, f64)> =
                p.posterior.iter().map(|&(x, w)| (axis(x), w)).collect();
            let prior_h = histogram(&prior, lo, hi, bins);
            let post_h = histogram(&posterior, lo, hi, bins);
            let caption = if p.log_scale {
                format!("{} (log scale)", p.key)
            } else {
                p.key.clone()
            };
            let top = prior_h.iter().chain(&post_h).fold(0.0f64, |a, &b| a.max(b)) * 1.1;
            let top = if top > 0.0 { top } else { 1.0 };
            let mut ctx = ChartBuilder::on(panel)
                .caption(&caption, ("sans-serif", 15))
                .margin(12)
                .x_label_area_size(30)
                .y_label_area_size(10)
                .build_cartesian_2d(lo..hi, 0.0..top)
                .map_err(e)?;
            ctx.configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .x_labels(if p.log_scale { 7 } else { 4 })
                .x_label_formatter(&|x| number(if p.log_scale { 10f64.powf(*x) } else { *x }))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(e)?;
            let width = (hi - lo) / bins as f64;
            let bars = |h: &[f64], color: RGBAColor| {
                h.iter()
                    .enumerate()
                    .map(|(b, &v)| {
                        let x0 = lo + b as f64 * width;
                        Rectangle::new([(x0, 0.0), (x0 + width, v)], color.filled())
                    })
                    .collect::<Vec<_>>()
            };
            ctx.draw_series(bars(&prior_h, GREY.mix(0.45)))
                .map_err(e)?
                .label("prior")
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], GREY.filled()));
            ctx.draw_series(bars(&post_h, BLUE.mix(0.6)))
                .map_err(e)?
                .label("posterior")
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE.filled()));
            ctx.configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .label_font(("sans-serif", 12))
                .draw()
                .map_err(e)?;
        }
        Ok(())
    }
}

struct Pairs<'a> {
    parameters: &'a [ParameterDraws],
}

impl Figure for Pairs<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = drawing_failed;
        root.fill(&WHITE).map_err(e)?;
        let n = self.parameters.len();
        let panels = root.split_evenly((n, n));
        let spans: Vec<(f64, f64)> = self
            .parameters
            .iter()
            .map(|p| span(p.posterior.iter().map(|v| v.0)))
            .collect();
        let max_weight = self.parameters[0]
            .posterior
            .iter()
            .map(|v| v.1)
            .fold(0.0f64, f64::max)
            .max(f64::MIN_POSITIVE);
        for i in 0..n {
            for j in 0..n {
                let panel = &panels[i * n + j];
                if j > i {
                    continue;
                }
                if i == j {
                    let text = short(&self.parameters[i].key);
                    panel
                        .draw(&Text::new(
                            text,
                            (10, panel.dim_in_pixel().1 as i32 / 2),
                            ("sans-serif", 14),
                        ))
                        .map_err(e)?;
                    continue;
                }
                let (xs, ys) = (spans[j], spans[i]);
                let mut ctx = ChartBuilder::on(panel)
                    .margin(6)
                    .x_label_area_size(if i == n - 1 { 24 } else { 4 })
                    .y_label_area_size(if j == 0 { 50 } else { 4 })
                    .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
                    .map_err(e)?;
                let mut mesh = ctx.configure_mesh();
                mesh.x_labels(3)
                    .y_labels(3)
                    .x_label_formatter(&|x| number(*x))
                    .y_label_formatter(&|y| number(*y))
                    .label_style(("sans-serif", 11));
                if i != n - 1 {
                    mesh.disable_x_axis();
                }
                if j != 0 {
                    mesh.disable_y_axis();
                }
                mesh.draw().map_err(e)?;
                let (px, py) = (&self.parameters[j].posterior, &self.parameters[i].posterior);
                ctx.draw_series(px.iter().zip(py).map(|(a, b)| {
                    // Heavier particles are drawn darker.
                    let alpha = 0.15 + 0.75 * (a.1 / max_weight).min(1.0);
                    Circle::new((a.0, b.0), 3, BLUE.mix(alpha).filled())
                }))
                .map_err(e)?;
            }
        }
        Ok(())
    }
}

/// A parameter key's last two parts (`gangs.extortion_rate`), for small panels.
fn short(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    parts[parts.len().saturating_sub(2)..].join(".")
}

struct Predictive<'a> {
    rows: &'a [PredictiveBar],
}

impl Figure for Predictive<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = drawing_failed;
        root.fill(&WHITE).map_err(e)?;
        // Everything in units of each target's scale, centred on its observed value.
        let z = |v: f64, r: &PredictiveBar| (v - r.observed) / r.scale;
        let reach = self
            .rows
            .iter()
            .flat_map(|r| [z(r.q05, r), z(r.q95, r)])
            .filter(|v| v.is_finite())
            .fold(1.0f64, |a, b| a.max(b.abs()))
            * 1.15;
        let n = self.rows.len();
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        let mut ctx = ChartBuilder::on(root)
            .caption(
                "Posterior predictive against observed (in units of each target's scale)",
                ("sans-serif", 20),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(170)
            // One row of room above the targets for the legend.
            .build_cartesian_2d(-reach..reach, -0.5..(n as f64 + 0.5))
            .map_err(e)?;
        ctx.configure_mesh()
            .disable_y_mesh()
            .y_labels(n + 1)
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    names[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("(simulated − observed) / scale")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(e)?;
        ctx.draw_series(LineSeries::new(
            [(0.0, -0.5), (0.0, n as f64 - 0.5)],
            VERMILLION.stroke_width(2),
        ))
        .map_err(e)?
        .label("observed")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], VERMILLION.stroke_width(2)));
        for (k, r) in self.rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let (lo, hi, m) = (z(r.q05, r), z(r.q95, r), z(r.median, r));
            if !(lo.is_finite() && hi.is_finite() && m.is_finite()) {
                continue;
            }
            ctx.draw_series(std::iter::once(PathElement::new(
                vec![(lo.max(-reach), y), (hi.min(reach), y)],
                BLUE.stroke_width(3),
            )))
            .map_err(e)?;
            ctx.draw_series(std::iter::once(Circle::new((m, y), 6, BLUE.filled())))
                .map_err(e)?;
        }
        ctx.draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(e)?
            .label("predictive median and 90% interval")
            .legend(|(x, y)| Circle::new((x + 10, y), 5, BLUE.filled()));
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(e)?;
        Ok(())
    }
}
