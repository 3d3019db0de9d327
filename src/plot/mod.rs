//! Figures of a run, rendered with plotters from the run's own files (so `displace plot` can
//! redraw them without running the simulation). Every figure is written as PNG and SVG into the
//! run's `plots/` folder. Text uses a font bundled with the binary, so rendering works on a
//! machine without system fonts. Colours are the Okabe-Ito colour-blind-safe palette, and each
//! controller kind, status and trigger keeps its colour in every figure.

pub mod calibration;
mod charts;
pub mod compare;
pub mod compare_map;
pub mod data;
mod lzw;
pub mod maps;
pub mod palette;
pub mod validation;

use std::path::{Path, PathBuf};
use std::sync::Once;

pub use data::Table;

/// Size of every figure, in pixels.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 700;

/// Why figures could not be drawn. Every message is plain words naming the file (and, for a
/// damaged file, the line and column) and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A file the figures are drawn from cannot be read (missing, unreadable).
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    /// A file the figures are drawn from holds something other than what it should: `place` is
    /// where (`line 5, column `x`` or `key `trigger_shares``), `message` what was expected.
    #[error("{}{}: {message}", path.display(), place.as_deref().map(|p| format!(", {p}")).unwrap_or_default())]
    Damaged {
        path: PathBuf,
        place: Option<String>,
        message: String,
    },
    /// A figure cannot be written (the folder is not writable, the disk is full...).
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    /// A figure cannot be drawn (not a problem of the files).
    #[error("cannot draw {}: {reason}", path.display())]
    Draw { path: PathBuf, reason: String },
}

impl PlotError {
    /// True when the fault is in the files read (bad input), not in the machine.
    pub fn is_input(&self) -> bool {
        matches!(self, PlotError::Read { .. } | PlotError::Damaged { .. })
    }

    /// The same error with a path under `from` named under `to` instead (figures are drawn in a
    /// temporary folder that later takes the final name).
    pub fn relocated(self, from: &Path, to: &Path) -> PlotError {
        let moved = |path: PathBuf| match path.strip_prefix(from) {
            Ok(rest) if rest.as_os_str().is_empty() => to.to_path_buf(),
            Ok(rest) => to.join(rest),
            Err(_) => path,
        };
        match self {
            PlotError::Read { path, reason } => PlotError::Read {
                path: moved(path),
                reason,
            },
            PlotError::Damaged {
                path,
                place,
                message,
            } => PlotError::Damaged {
                path: moved(path),
                place,
                message,
            },
            PlotError::Write { path, reason } => PlotError::Write {
                path: moved(path),
                reason,
            },
            PlotError::Draw { path, reason } => PlotError::Draw {
                path: moved(path),
                reason,
            },
        }
    }
}

/// An I/O error in plain words ("permission denied", "not found"), without the operating
/// system's error number.
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let words = match e.kind() {
        ErrorKind::NotFound => "not found",
        ErrorKind::PermissionDenied => "permission denied",
        ErrorKind::AlreadyExists => "a file or folder of that name is in the way",
        ErrorKind::IsADirectory => "it is a folder, not a file",
        ErrorKind::NotADirectory => "part of the path is a file, not a folder",
        ErrorKind::DirectoryNotEmpty => "the folder is not empty",
        ErrorKind::StorageFull => "no space left on the device",
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only",
        ErrorKind::InvalidData => "it is not valid text",
        _ => "",
    };
    if !words.is_empty() {
        return words.to_string();
    }
    // Other errors: the system's own words, without "(os error N)", starting in lower case.
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "unknown input/output error".to_string(),
    }
}

/// Writes a figure's bytes to `path`.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    std::fs::write(path, bytes).map_err(|e| PlotError::Write {
        path: path.to_path_buf(),
        reason: io_words(&e),
    })
}

/// What went wrong while drawing, in plain words (plotters' own messages are debug text).
pub(crate) fn drawing_failed<E: std::error::Error + Send + Sync>(
    err: plotters::prelude::DrawingAreaErrorKind<E>,
) -> String {
    use plotters::prelude::DrawingAreaErrorKind;
    match err {
        DrawingAreaErrorKind::BackendError(_) => {
            "the drawing backend failed (a shape or text could not be drawn)".to_string()
        }
        DrawingAreaErrorKind::SharingError => "the drawing area was used twice at once".to_string(),
        DrawingAreaErrorKind::LayoutError => "the chart does not fit the figure".to_string(),
    }
}

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String>;
}

/// Draws `figure` as `<name>.png` and `<name>.svg` in `dir`, `size` pixels. Both are drawn in
/// memory and then written, so any failure to write names the file and says why in plain words.
pub(crate) fn save(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    figure: &impl Figure,
) -> Result<Vec<PathBuf>, PlotError> {
    use plotters::prelude::*;
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present().map_err(drawing_failed))
            .map_err(|reason| PlotError::Draw {
                path: png.clone(),
                reason,
            })?;
    }
    let bytes = encode_png(&rgb, size).map_err(|reason| PlotError::Draw {
        path: png.clone(),
        reason,
    })?;
    write_file(&png, &bytes)?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present().map_err(drawing_failed))
            .map_err(|reason| PlotError::Draw {
                path: svg.clone(),
                reason,
            })?;
    }
    write_file(&svg, text.as_bytes())?;
    Ok(vec![png, svg])
}

/// An RGB buffer as PNG bytes.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // A light deflate level: figures are redrawn with every run. With the zlib-rs backend,
    // level 2 takes a fraction of the default level's time, and its files are smaller than
    // level 1's. Each row is filtered against the one above it: figures are mostly flat
    // colour, so this one filter compresses them better than choosing among the five row by
    // row (which tries each of them) does, at a fifth of the filtering work.
    encoder.set_filter(png::Filter::Up);
    encoder.set_deflate_compression(png::DeflateCompression::Level(2));
    let fail = |_| "the PNG encoder failed".to_string();
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(rgb).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
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

/// Creates the folder figures are written into.
pub(crate) fn make_dir(dir: &Path) -> Result<(), PlotError> {
    std::fs::create_dir_all(dir).map_err(|e| PlotError::Write {
        path: dir.to_path_buf(),
        reason: io_words(&e),
    })
}

/// Renders every figure of the run in `run_dir` into `plots_dir` (figures in parallel on the
/// current rayon pool). Every file is read and checked first, in a fixed order, so a damaged
/// file is reported the same way every time and no figure is drawn from it. Returns the files
/// written.
pub fn render_run(run_dir: &Path, plots_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    use rayon::prelude::*;
    register_font();
    let timeseries = charts::read_timeseries(run_dir)?;
    let manifest = data::Json::read(&run_dir.join("manifest.json"))?;
    let summary = data::Json::read(&run_dir.join("summary.json"))?;
    let map_weeks = map_weeks(&manifest)?;
    let territory = maps::Territory::read(run_dir)?;
    let cells = maps::Cells::read(run_dir)?;
    let flows = match &cells {
        Some(cells) => maps::main_flows(run_dir, cells)?,
        None => Vec::new(),
    };
    let regions = match &territory {
        Some(t) => maps::regions(t.width, t.height, cells.as_ref(), &manifest)?,
        None => Vec::new(),
    };
    make_dir(plots_dir)?;
    let mut jobs: Vec<Job<'_>> = vec![
        Box::new(|| charts::status(&timeseries, plots_dir)),
        Box::new(|| charts::displacements_by_trigger(&timeseries, plots_dir)),
        Box::new(|| charts::homicides(&timeseries, plots_dir)),
        Box::new(|| charts::trigger_mix(&summary, &manifest, plots_dir)),
    ];
    if let Some(territory) = &territory {
        jobs.push(Box::new(|| {
            maps::territory_animation(territory, &regions, plots_dir)
        }));
        jobs.push(Box::new(|| {
            maps::territory(territory, &regions, plots_dir, &map_weeks)
        }));
    }
    if let Some(cells) = &cells {
        jobs.push(Box::new(|| maps::displacement(cells, &flows, plots_dir)));
    }
    let results: Vec<Result<Vec<PathBuf>, PlotError>> = jobs.par_iter().map(|job| job()).collect();
    let mut written = Vec::new();
    for r in results {
        written.extend(r?);
    }
    Ok(written)
}

/// The weeks the run's scenario asks territory maps of (`outputs.map_weeks` in the manifest;
/// none when it names none).
fn map_weeks(manifest: &data::Json) -> Result<Vec<u32>, PlotError> {
    const KEY: &str = "scenario.outputs.map_weeks";
    let Some(weeks) = manifest.get(KEY) else {
        return Ok(Vec::new());
    };
    let expected = || {
        manifest.damaged(
            KEY,
            format!("found {weeks}, expected a list of weeks (whole numbers from 1)"),
        )
    };
    weeks
        .as_array()
        .ok_or_else(expected)?
        .iter()
        .map(|w| {
            w.as_u64()
                .filter(|w| (1..=u64::from(u32::MAX)).contains(w))
                .map(|w| w as u32)
                .ok_or_else(expected)
        })
        .collect()
}
