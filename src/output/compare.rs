//! Writing a comparison's folder: `compare.csv` (long format), `compare.json`, `runs.csv` (one
//! row per run) and `manifest.json`, made visible atomically.

mod cells;
mod table;

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Existing, OutputError, OutputKind, Staging, csv_error, io_at, write_json};
use crate::compare::{Arm, Comparison, headline};
use crate::scenario::ScenarioSpec;

pub use cells::COMPARE_CELLS_COLUMNS;
pub use table::{TABLE_WIDTH, metric_cells, table, table_wide};

#[derive(Serialize)]
struct ArmInfo<'a> {
    name: &'a str,
    scenario_file: &'a str,
    scenario_hash: String,
}

#[derive(Serialize)]
struct CompareJson<'a> {
    replicates: usize,
    seeds: &'a [u64],
    arms: Vec<ArmInfo<'a>>,
    /// Metric name → unit label.
    units: std::collections::BTreeMap<&'a str, &'static str>,
    metrics: &'a std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, crate::compare::ArmMetric>,
    >,
    /// The posterior draws the replicates ran with (none without `--posterior`).
    #[serde(skip_serializing_if = "Option::is_none")]
    posterior: Option<&'a crate::compare::PosteriorUse>,
    /// How the arms began, with a burn-in (`simulation.burn_in`).
    #[serde(skip_serializing_if = "Option::is_none")]
    burn_in: Option<&'a crate::compare::BurnIn>,
}

/// The burn-in of a comparison in its manifest: what `compare.json` says, and the timing.
#[derive(Serialize)]
struct ManifestBurnIn<'a> {
    #[serde(flatten)]
    burn_in: &'a crate::compare::BurnIn,
    seconds_saved: f64,
}

#[derive(Serialize)]
struct ManifestArm<'a> {
    name: &'a str,
    scenario_file: &'a str,
    scenario_hash: String,
    scenario: &'a ScenarioSpec,
}

#[derive(Serialize)]
struct CompareManifest<'a> {
    displace_version: &'static str,
    git_revision: &'static str,
    replicates: usize,
    seeds: &'a [u64],
    threads: usize,
    started_unix: u64,
    wall_seconds: f64,
    files: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    burn_in: Option<ManifestBurnIn<'a>>,
    arms: Vec<ManifestArm<'a>>,
}

/// Where and how a comparison ran.
pub struct CompareInfo<'a> {
    pub scenario_files: &'a [String],
    pub threads: usize,
    pub started_unix: u64,
    pub wall_seconds: f64,
}

/// Column names of `compare_timeseries.csv`.
pub const COMPARE_TIMESERIES_COLUMNS: [&str; 6] =
    ["arm", "tick", "series", "mean", "ci95_low", "ci95_high"];

/// Column names of `compare.csv`.
pub const COMPARE_COLUMNS: [&str; 13] = [
    "metric",
    "arm",
    "scenario_file",
    "mean",
    "ci95_low",
    "ci95_high",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
    "relative_change",
    "relative_change_ci95_low",
    "relative_change_ci95_high",
    "unit",
];

/// Writes the comparison into `out`; `existing` says what happens to a folder already there.
/// Returns where an earlier comparison was kept aside, if one was; nothing is moved into place
/// if `stop` is raised by then.
pub fn write_comparison(
    out: &Path,
    existing: Existing,
    arms: &[Arm],
    comparison: &Comparison,
    info: &CompareInfo<'_>,
    plots: bool,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<Option<PathBuf>, OutputError> {
    let staging = Staging::create(out, OutputKind::Comparison, existing)?;
    let num = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());

    let path = staging.path("compare.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
    w.write_record(COMPARE_COLUMNS)
        .map_err(|e| csv_error(&path, e))?;
    for metric in &comparison.metric_order {
        for (a, arm) in arms.iter().enumerate() {
            let m = &comparison.metrics[*metric][&arm.name];
            w.write_record([
                metric.to_string(),
                arm.name.clone(),
                info.scenario_files[a].clone(),
                m.mean.to_string(),
                m.ci95_low.to_string(),
                m.ci95_high.to_string(),
                num(m.diff_mean),
                num(m.diff_ci95_low),
                num(m.diff_ci95_high),
                num(m.relative_change),
                num(m.relative_change_ci95_low),
                num(m.relative_change_ci95_high),
                unit_label(metric).to_string(),
            ])
            .map_err(|e| csv_error(&path, e))?;
        }
    }
    w.flush().map_err(io_at(&path))?;

    let path = staging.path("runs.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
    let mut header = vec![
        "arm".to_string(),
        "replicate".to_string(),
        "seed".to_string(),
    ];
    header.extend(comparison.metric_order.iter().map(|m| m.to_string()));
    w.write_record(&header).map_err(|e| csv_error(&path, e))?;
    for (a, runs) in comparison.runs.iter().enumerate() {
        for (r, summary) in runs.iter().enumerate() {
            let mut row = vec![
                arms[a].name.clone(),
                r.to_string(),
                comparison.seeds[r].to_string(),
            ];
            row.extend(headline(summary).into_iter().map(|(_, v)| v.to_string()));
            w.write_record(&row).map_err(|e| csv_error(&path, e))?;
        }
    }
    w.flush().map_err(io_at(&path))?;

    let path = staging.path("compare_timeseries.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
    w.write_record(COMPARE_TIMESERIES_COLUMNS)
        .map_err(|e| csv_error(&path, e))?;
    for (a, ticks) in comparison.series.iter().enumerate() {
        for (t, values) in ticks.iter().enumerate() {
            for (s, (mean, low, high)) in values.iter().enumerate() {
                w.write_record([
                    arms[a].name.clone(),
                    t.to_string(),
                    crate::compare::SERIES[s].to_string(),
                    mean.to_string(),
                    low.to_string(),
                    high.to_string(),
                ])
                .map_err(|e| csv_error(&path, e))?;
            }
        }
    }
    w.flush().map_err(io_at(&path))?;
    cells::write_cells(&staging.path("compare_cells.csv"), comparison)?;
    if plots {
        crate::plot::compare::render_comparison(&staging.path(""), &staging.path("plots"))
            .map_err(|e| e.relocated(&staging.path(""), staging.final_path()))?;
    }

    let arm_info = || {
        arms.iter()
            .enumerate()
            .map(|(a, arm)| ArmInfo {
                name: &arm.name,
                scenario_file: &info.scenario_files[a],
                scenario_hash: arm.scenario.hash(),
            })
            .collect::<Vec<_>>()
    };
    write_json(
        &staging.path("compare.json"),
        &CompareJson {
            replicates: comparison.seeds.len(),
            seeds: &comparison.seeds,
            arms: arm_info(),
            units: comparison
                .metric_order
                .iter()
                .map(|m| (*m, unit_label(m)))
                .collect(),
            metrics: &comparison.metrics,
            posterior: comparison.posterior.as_ref(),
            burn_in: comparison.burn_in.as_ref(),
        },
    )?;
    if let Some(p) = &comparison.posterior {
        let path = staging.path("posterior_draws.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
        let mut header = vec!["replicate".to_string(), "seed".to_string()];
        header.extend(p.keys.iter().cloned());
        w.write_record(&header).map_err(|e| csv_error(&path, e))?;
        for (r, draw) in p.draws.iter().enumerate() {
            let mut row = vec![r.to_string(), comparison.seeds[r].to_string()];
            row.extend(draw.iter().cloned());
            w.write_record(&row).map_err(|e| csv_error(&path, e))?;
        }
        w.flush().map_err(io_at(&path))?;
    }
    write_json(
        &staging.path("manifest.json"),
        &CompareManifest {
            displace_version: env!("CARGO_PKG_VERSION"),
            git_revision: env!("DISPLACE_GIT_REVISION"),
            replicates: comparison.seeds.len(),
            seeds: &comparison.seeds,
            threads: info.threads,
            started_unix: info.started_unix,
            wall_seconds: info.wall_seconds,
            files: [
                "compare.csv",
                "compare.json",
                "runs.csv",
                "compare_timeseries.csv",
                "compare_cells.csv",
                "manifest.json",
            ]
            .into_iter()
            .chain(comparison.posterior.as_ref().map(|_| "posterior_draws.csv"))
            .collect(),
            burn_in: comparison.burn_in.as_ref().map(|b| ManifestBurnIn {
                burn_in: b,
                seconds_saved: b.seconds_saved,
            }),
            arms: arms
                .iter()
                .enumerate()
                .map(|(a, arm)| ManifestArm {
                    name: &arm.name,
                    scenario_file: &info.scenario_files[a],
                    scenario_hash: arm.scenario.hash(),
                    scenario: &arm.scenario.spec,
                })
                .collect(),
        },
    )?;
    if stop.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(OutputError::Interrupted);
    }
    staging.commit()
}

/// The unit of a compared metric as written in the outputs (empty if it has none).
fn unit_label(metric: &str) -> &'static str {
    crate::compare::unit(metric).map_or("", crate::compare::Unit::label)
}
