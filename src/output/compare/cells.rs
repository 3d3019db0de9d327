//! `compare_cells.csv`: each neighbourhood's departures in each arm, and the paired difference to
//! the first arm.

use std::path::Path;

use super::super::{OutputError, csv_error, io_at};
use crate::compare::Comparison;

/// Column names of `compare_cells.csv`.
pub const COMPARE_CELLS_COLUMNS: [&str; 8] = [
    "arm",
    "cell",
    "x",
    "y",
    "departures_mean",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
];

/// Writes `compare_cells.csv` to `path`: one row per arm and cell, cells row by row.
pub fn write_cells(path: &Path, comparison: &Comparison) -> Result<(), OutputError> {
    let mut w = csv::Writer::from_path(path).map_err(|e| csv_error(path, e))?;
    w.write_record(COMPARE_CELLS_COLUMNS)
        .map_err(|e| csv_error(path, e))?;
    let departures = &comparison.departures;
    for (a, cells) in departures.cells.iter().enumerate() {
        let width = departures.widths[a].max(1) as usize;
        for (c, cell) in cells.iter().enumerate() {
            let (diff, low, high) = match cell.diff {
                Some((d, l, h)) => (d.to_string(), l.to_string(), h.to_string()),
                None => Default::default(),
            };
            w.write_record([
                comparison.arms[a].clone(),
                c.to_string(),
                (c % width).to_string(),
                (c / width).to_string(),
                cell.mean.to_string(),
                diff,
                low,
                high,
            ])
            .map_err(|e| csv_error(path, e))?;
        }
    }
    w.flush().map_err(io_at(path))?;
    Ok(())
}
