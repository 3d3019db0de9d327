//! Figures of a run, rendered with plotters from the run's own files (so `displace plot` can
//! redraw them without running the simulation). Every figure is written as PNG and SVG into the
//! run's `plots/` folder. Text uses a font bundled with the binary, so rendering works on a
//! machine without system fonts. Colours are the Okabe-Ito colour-blind-safe palette, and each
//! controller kind, status and trigger keeps its colour in every figure.

mod charts;
pub mod compare;
pub mod data;
pub mod maps;
mod palette;

use std::path::{Path, PathBuf};
use std::sync::Once;

pub use data::Table;

/// Size of every figure, in pixels.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 700;

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot read {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("cannot draw {}: {message}", path.display())]
    Draw { path: PathBuf, message: String },
}

static FONT: Once = Once::new();

/// Registers the bundled font under the family name the charts use.
pub(crate) fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // The bundled font is valid, so registration cannot fail.
        let _ =
            plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, bytes);
    });
}

/// A figure job: draws some files.
type Job<'a> = Box<dyn Fn() -> Result<Vec<PathBuf>, PlotError> + Sync + 'a>;

/// Renders every figure of the run in `run_dir` into `plots_dir` (figures in parallel on the
/// current rayon pool). Returns the files written.
pub fn render_run(run_dir: &Path, plots_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    use rayon::prelude::*;
    register_font();
    std::fs::create_dir_all(plots_dir).map_err(|e| PlotError::Draw {
        path: plots_dir.into(),
        message: e.to_string(),
    })?;
    let timeseries = Table::read(&run_dir.join("timeseries.csv"))?;
    let map_weeks = map_weeks(run_dir);
    let jobs: Vec<Job<'_>> = vec![
        Box::new(|| charts::status(&timeseries, plots_dir)),
        Box::new(|| charts::displacements_by_trigger(&timeseries, plots_dir)),
        Box::new(|| charts::homicides(&timeseries, plots_dir)),
        Box::new(|| maps::territory_animation(run_dir, plots_dir)),
        Box::new(|| maps::territory(run_dir, plots_dir, &map_weeks)),
        Box::new(|| maps::displacement(run_dir, plots_dir)),
        Box::new(|| charts::trigger_mix(run_dir, plots_dir)),
    ];
    let results: Vec<Result<Vec<PathBuf>, PlotError>> = jobs.par_iter().map(|job| job()).collect();
    let mut written = Vec::new();
    for r in results {
        written.extend(r?);
    }
    Ok(written)
}

/// The weeks the run's scenario asks territory maps of (`outputs.map_weeks` in the manifest).
fn map_weeks(run_dir: &Path) -> Vec<u32> {
    let Ok(text) = std::fs::read_to_string(run_dir.join("manifest.json")) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    manifest["scenario"]["outputs"]["map_weeks"]
        .as_array()
        .map(|weeks| {
            weeks
                .iter()
                .filter_map(|w| w.as_u64())
                .map(|w| w as u32)
                .collect()
        })
        .unwrap_or_default()
}
