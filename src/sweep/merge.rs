//! Merging a sweep folder's run records into `runs.csv` and `points.csv`.
//!
//! Records are read one at a time in run order and streamed out, so memory holds one point's
//! replicates at most, however many runs the sweep has.

use std::fs;
use std::path::Path;

use super::{
    RunRecord, SweepError, SweepManifest, io_at, present_records, read_manifest, read_record,
};
use crate::compare::stats;
use crate::output::{Existing, OutputKind, Staging};

/// What a merge wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeReport {
    pub runs: u64,
    pub failed: u64,
    pub points: u64,
}

/// Writes `runs.csv` and `points.csv` of the sweep folder `out` from its run records. Fails,
/// writing nothing, if any run has no record yet.
pub fn merge(out: &Path) -> Result<MergeReport, SweepError> {
    let manifest = read_manifest(out)?;
    let present = present_records(out, manifest.runs)?;
    let missing = present.iter().filter(|&&p| !p).count() as u64;
    if let Some(first) = present.iter().position(|&p| !p) {
        return Err(SweepError::Incomplete {
            dir: out.to_path_buf(),
            missing,
            runs: manifest.runs,
            first: first as u64,
        });
    }
    // Every record is checked before anything is written, so a damaged one is reported with
    // the count of the others.
    let mut damaged: Option<(u64, String)> = None;
    let mut others = 0;
    for run in 0..manifest.runs {
        if let Err(problem) =
            read_record(out, run, manifest.parameters.len(), manifest.metrics.len())
        {
            match damaged {
                None => damaged = Some((run, problem)),
                Some(_) => others += 1,
            }
        }
    }
    if let Some((run, problem)) = damaged {
        return Err(SweepError::DamagedRecords {
            dir: out.to_path_buf(),
            run,
            problem,
            others,
        });
    }

    // Both tables are written into a staging folder and moved into place only when complete.
    let staging = Staging::create(&out.join(".merge"), OutputKind::Scratch, Existing::Replace)
        .map_err(|e| SweepError::Io {
            path: out.join(".merge"),
            source: std::io::Error::other(e.to_string()),
        })?;
    let runs_path = staging.path("runs.csv");
    let points_path = staging.path("points.csv");
    let csv_error = |path: &Path| {
        let path = path.to_path_buf();
        move |e: csv::Error| SweepError::Io {
            path,
            source: std::io::Error::other(e),
        }
    };
    let mut runs_csv = csv::Writer::from_path(&runs_path).map_err(csv_error(&runs_path))?;
    let mut points_csv = csv::Writer::from_path(&points_path).map_err(csv_error(&points_path))?;
    runs_csv
        .write_record(runs_header(&manifest))
        .map_err(csv_error(&runs_path))?;
    points_csv
        .write_record(points_header(&manifest))
        .map_err(csv_error(&points_path))?;

    let mut report = MergeReport {
        runs: manifest.runs,
        failed: 0,
        points: manifest.points,
    };
    let mut point = PointAccumulator::new(manifest.metrics.len());
    for run in 0..manifest.runs {
        let record = read_record(out, run, manifest.parameters.len(), manifest.metrics.len())
            .map_err(|problem| SweepError::DamagedRecords {
                dir: out.to_path_buf(),
                run,
                problem,
                others: 0,
            })?;
        if record.status != "ok" {
            report.failed += 1;
        }
        runs_csv
            .write_record(run_row(&record, manifest.metrics.len()))
            .map_err(csv_error(&runs_path))?;
        point.add(&record);
        let last_of_point = (run + 1) % u64::from(manifest.replicates) == 0;
        if last_of_point {
            points_csv
                .write_record(point.row())
                .map_err(csv_error(&points_path))?;
            point = PointAccumulator::new(manifest.metrics.len());
        }
    }
    runs_csv.flush().map_err(io_at(&runs_path))?;
    points_csv.flush().map_err(io_at(&points_path))?;
    drop((runs_csv, points_csv));

    for file in ["runs.csv", "points.csv"] {
        let from = staging.path(file);
        let to = out.join(file);
        fs::rename(&from, &to).map_err(io_at(&to))?;
    }
    drop(staging);
    remove_stale_temporaries(&out.join("runs"));
    remove_stale_temporaries(&out.join("timeseries"));
    Ok(report)
}

/// Columns of `runs.csv`.
pub fn runs_header(manifest: &SweepManifest) -> Vec<String> {
    let mut h: Vec<String> = ["run", "point", "replicate", "seed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(manifest.parameters.iter().cloned());
    h.push("status".into());
    h.push("error".into());
    h.extend(manifest.metrics.iter().cloned());
    h
}

/// Columns of `points.csv`.
pub fn points_header(manifest: &SweepManifest) -> Vec<String> {
    let mut h = vec!["point".to_string()];
    h.extend(manifest.parameters.iter().cloned());
    h.push("runs_ok".into());
    h.push("runs_failed".into());
    for m in &manifest.metrics {
        h.push(format!("{m}_mean"));
        h.push(format!("{m}_ci95_low"));
        h.push(format!("{m}_ci95_high"));
    }
    h
}

fn number(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v}"))
}

/// One `runs.csv` row. A failed run has no metrics, so its metric cells are left empty and every
/// row keeps the header's width.
fn run_row(record: &RunRecord, metrics: usize) -> Vec<String> {
    let mut row = vec![
        record.run.to_string(),
        record.point.to_string(),
        record.replicate.to_string(),
        record.seed.to_string(),
    ];
    row.extend(record.parameters.iter().cloned());
    row.push(record.status.clone());
    row.push(record.error.clone().unwrap_or_default());
    row.extend(record.metrics.iter().map(|&v| number(v)));
    row.resize(4 + record.parameters.len() + 2 + metrics, String::new());
    row
}

/// The replicates of one point, summarised into a `points.csv` row.
struct PointAccumulator {
    point: Option<(u64, Vec<String>)>,
    ok: u64,
    failed: u64,
    values: Vec<Vec<f64>>,
}

impl PointAccumulator {
    fn new(metrics: usize) -> PointAccumulator {
        PointAccumulator {
            point: None,
            ok: 0,
            failed: 0,
            values: vec![Vec::new(); metrics],
        }
    }

    fn add(&mut self, record: &RunRecord) {
        self.point
            .get_or_insert_with(|| (record.point, record.parameters.clone()));
        if record.status != "ok" {
            self.failed += 1;
            return;
        }
        self.ok += 1;
        for (values, v) in self.values.iter_mut().zip(&record.metrics) {
            if let Some(v) = v {
                values.push(*v);
            }
        }
    }

    fn row(&self) -> Vec<String> {
        let (point, parameters) = self.point.clone().unwrap_or_default();
        let mut row = vec![point.to_string()];
        row.extend(parameters);
        row.push(self.ok.to_string());
        row.push(self.failed.to_string());
        for values in &self.values {
            if values.is_empty() {
                row.extend([String::new(), String::new(), String::new()]);
            } else {
                let (mean, low, high) = stats::mean_ci95(values);
                row.extend([mean, low, high].map(|v| format!("{v}")));
            }
        }
        row
    }
}

/// Removes temporary files left by processes killed while writing a record. Called only once
/// every run has its record, when no shard can still be writing.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = fs::remove_file(entry.path());
        }
    }
}
