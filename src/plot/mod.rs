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

/// Renders every figure of the run in `run_dir` into `plots_dir`. Returns the files written.
pub fn render_run(run_dir: &Path, plots_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    register_font();
    std::fs::create_dir_all(plots_dir).map_err(|e| PlotError::Draw {
        path: plots_dir.into(),
        message: e.to_string(),
    })?;
    let timeseries = Table::read(&run_dir.join("timeseries.csv"))?;
    let mut written = Vec::new();
    written.extend(charts::status(&timeseries, plots_dir)?);
    written.extend(charts::displacements_by_trigger(&timeseries, plots_dir)?);
    written.extend(charts::homicides(&timeseries, plots_dir)?);
    written.extend(maps::territory(run_dir, plots_dir)?);
    written.extend(maps::displacement(run_dir, plots_dir)?);
    written.extend(charts::trigger_mix(run_dir, plots_dir)?);
    Ok(written)
}
