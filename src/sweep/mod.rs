//! Scenario sweeps: many runs of one base scenario over a design of parameter points, each point
//! with the same replicate seeds.
//!
//! A sweep folder is the unit of work and of resumption:
//! - `sweep.toml` (a copy of the sweep file), `design.csv` and `manifest.json`, written once;
//! - `runs/run_<id>.json`, one record per finished run, each written to a temporary file and
//!   renamed into place, so a record exists whole or not at all;
//! - `timeseries/run_<id>.csv` when the sweep keeps time series (written before the record);
//! - `runs.csv` and `points.csv`, merged from the records once every run has one.
//!
//! Running a sweep skips runs that already have a record, so an interrupted sweep resumes where
//! it stopped, and shards of one sweep (on one machine or as a Slurm job array) fill the same
//! folder without coordination: shard *K* of *N* takes the runs whose id is *K − 1* modulo *N*.
//! Every run depends only on its point and seed, so the merged tables are the same bytes however
//! the runs were split, ordered or interrupted.

pub mod design;
pub mod merge;
pub mod slurm;
pub mod spec;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use merge::{MergeReport, merge, points_header, runs_header};
pub use spec::{Design, ParameterSpec, Sweep, SweepSpec};

use crate::metrics::TickMetrics;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Observer, Stoppable, simulate};
use crate::step::Model;

/// Why a sweep cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Sweep(#[from] ScenarioError),
    #[error(
        "{} holds a different sweep (hash {found}, this one is {expected}); choose another --out, or --force to replace it",
        dir.display()
    )]
    DifferentSweep {
        dir: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{} is not a sweep folder (no manifest.json)", dir.display())]
    NotASweep { dir: PathBuf },
    #[error(
        "{} exists and is not a sweep folder of displace, so it is left alone (--force replaces only an earlier sweep); choose another --out",
        dir.display()
    )]
    NotOurs { dir: PathBuf },
    #[error(
        "{} is in use by another displace sweep ({holder}); wait for it to finish, or if that process is gone, remove {}",
        dir.display(),
        lock.display()
    )]
    Locked {
        dir: PathBuf,
        holder: String,
        lock: PathBuf,
    },
    #[error(
        "{} is incomplete: {missing} of {runs} runs have no record yet (first missing: run {first}); run the sweep (or its remaining shards) again to finish them, then merge",
        dir.display()
    )]
    Incomplete {
        dir: PathBuf,
        missing: u64,
        runs: u64,
        first: u64,
    },
    #[error(
        "{} has a damaged record for run {run} ({problem}){}; run the sweep again (`displace sweep SWEEP.toml --out {}`): it reruns damaged runs",
        dir.display(),
        if *others > 0 { format!(" and {others} more") } else { String::new() },
        dir.display()
    )]
    DamagedRecords {
        dir: PathBuf,
        run: u64,
        problem: String,
        others: u64,
    },
    #[error("cannot read {}: {message}", path.display())]
    BadFile { path: PathBuf, message: String },
    #[error("interrupted")]
    Interrupted,
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One shard of a sweep: `index` of `count`, counting from 1, as in `--shard 2/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Whether run `run` belongs to this shard.
    pub fn holds(&self, run: u64) -> bool {
        run % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let expected = || format!("found `{s}`, expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(expected)?;
        let index: u32 = k.trim().parse().map_err(|_| expected())?;
        let count: u32 = n.trim().parse().map_err(|_| expected())?;
        if index == 0 || index > count {
            return Err(expected());
        }
        Ok(Shard { index, count })
    }
}

/// What `manifest.json` records: enough to merge the folder and to recognise the sweep.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepManifest {
    pub displace_version: String,
    pub git_revision: String,
    pub sweep_file: String,
    /// SHA-256 of the sweep file, the resolved base scenario and the design.
    pub sweep_hash: String,
    pub base_scenario: String,
    pub base_scenario_hash: String,
    pub design: Design,
    pub parameters: Vec<String>,
    pub integer: Vec<bool>,
    pub points: u64,
    pub replicates: u32,
    pub seeds: Vec<u64>,
    pub runs: u64,
    pub metrics: Vec<String>,
    pub keep_timeseries: bool,
    pub sweep: SweepSpec,
}

/// The record of one finished run, `runs/run_<id>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: u64,
    pub point: u64,
    pub replicate: u32,
    pub seed: u64,
    /// Varied parameter values, as passed to the scenario.
    pub parameters: Vec<String>,
    /// `ok` or `failed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Collected metrics in the manifest's order (empty for a failed run).
    pub metrics: Vec<Option<f64>>,
    pub wall_seconds: f64,
}

/// Path of a run's record.
pub fn record_path(out: &Path, run: u64) -> PathBuf {
    out.join("runs").join(format!("run_{run:08}.json"))
}

fn timeseries_path(out: &Path, run: u64) -> PathBuf {
    out.join("timeseries").join(format!("run_{run:08}.csv"))
}

/// Writes `bytes` to `path` whole or not at all: a temporary sibling, unique to this process and
/// thread, renamed into place.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        rayon::current_thread_index().unwrap_or(usize::MAX)
    ));
    let mut file = fs::File::create(&temp).map_err(io_at(&temp))?;
    file.write_all(bytes).map_err(io_at(&temp))?;
    file.sync_data().map_err(io_at(&temp))?;
    drop(file);
    fs::rename(&temp, path).map_err(io_at(path))
}

impl Sweep {
    /// The manifest of this sweep (the same bytes wherever and whenever it is prepared, so that
    /// shards can check they belong to one sweep).
    pub fn manifest(&self) -> Result<SweepManifest, SweepError> {
        let base = Scenario::from_base(&self.base_files, &self.spec.set)?;
        let text = fs::read(&self.file).map_err(io_at(&self.file))?;
        let mut hash = Sha256::new();
        hash.update(&text);
        hash.update(base.hash().as_bytes());
        for (p, point) in self.points.iter().enumerate() {
            hash.update(format!("{p}:{}\n", self.point_values(point).join(",")).as_bytes());
        }
        let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(SweepManifest {
            displace_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: env!("DISPLACE_GIT_REVISION").into(),
            sweep_file: self.file.display().to_string(),
            sweep_hash: digest,
            base_scenario: self.base.display().to_string(),
            base_scenario_hash: base.hash(),
            design: self.spec.design,
            parameters: self.keys.clone(),
            integer: self.integer.clone(),
            points: self.points.len() as u64,
            replicates: self.spec.replicates,
            seeds: (0..self.spec.replicates).map(|r| self.seed(r)).collect(),
            runs: self.runs(),
            metrics: self.metrics.clone(),
            keep_timeseries: self.spec.keep_timeseries,
            sweep: self.spec.clone(),
        })
    }

    /// A point's parameter values as they are passed to the scenario.
    pub fn point_values(&self, point: &[f64]) -> Vec<String> {
        point
            .iter()
            .zip(&self.integer)
            .map(|(&v, &i)| spec::format_value(v, i))
            .collect()
    }

    /// The design as a matrix file: a `point` column, then one column per parameter key.
    pub fn design_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["point".to_string()];
        header.extend(self.keys.iter().cloned());
        w.write_record(&header).expect("writing to memory");
        for (p, point) in self.points.iter().enumerate() {
            let mut row = vec![p.to_string()];
            row.extend(self.point_values(point));
            w.write_record(&row).expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }

    /// Makes `out` a folder of this sweep: writes its copy of the sweep file, the design and the
    /// manifest, or checks that the folder already holds this very sweep. With `force`, an
    /// existing folder is removed first.
    pub fn prepare(&self, out: &Path, force: bool) -> Result<SweepManifest, SweepError> {
        let manifest = self.manifest()?;
        let manifest_path = out.join("manifest.json");
        if out.exists() {
            let ours = out.is_dir() && read_manifest(out).is_ok();
            let empty = out.is_dir()
                && !fs::read_dir(out)
                    .map_err(io_at(out))?
                    .any(|e| e.is_ok_and(|e| !e.file_name().to_string_lossy().starts_with('.')));
            if !ours && !empty {
                // Neither --force nor a resume touches a folder the tool did not make.
                return Err(SweepError::NotOurs {
                    dir: out.to_path_buf(),
                });
            }
            if force && ours {
                fs::remove_dir_all(out).map_err(io_at(out))?;
            }
        }
        if manifest_path.is_file() {
            let found = read_manifest(out)?;
            if found.sweep_hash != manifest.sweep_hash {
                return Err(SweepError::DifferentSweep {
                    dir: out.to_path_buf(),
                    found: found.sweep_hash,
                    expected: manifest.sweep_hash,
                });
            }
        }
        for dir in [out.join("runs"), out.join("timeseries")] {
            if dir.ends_with("timeseries") && !self.spec.keep_timeseries {
                continue;
            }
            fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        }
        let text = fs::read(&self.file).map_err(io_at(&self.file))?;
        write_atomic(&out.join("sweep.toml"), &text)?;
        write_atomic(&out.join("design.csv"), &self.design_csv())?;
        let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        if !manifest_path.is_file() {
            write_atomic(&manifest_path, &json)?;
        }
        Ok(manifest)
    }

    /// Runs of `shard` that have no usable record in `out` yet, in order. A record that cannot
    /// be read whole (damaged on disk) is removed so that its run is done again; such runs are
    /// listed with what was wrong.
    pub fn pending(&self, out: &Path, shard: Shard) -> Result<Pending, SweepError> {
        let present = present_records(out, self.runs())?;
        let mut pending = Pending::default();
        for run in (0..self.runs()).filter(|&r| shard.holds(r)) {
            if !present[run as usize] {
                pending.runs.push(run);
                continue;
            }
            if let Err(problem) = read_record(out, run, self.keys.len(), self.metrics.len()) {
                let path = record_path(out, run);
                fs::remove_file(&path).map_err(io_at(&path))?;
                pending.damaged.push((run, problem));
                pending.runs.push(run);
            }
        }
        Ok(pending)
    }

    /// Runs `runs` in parallel on the current rayon pool, recording each as it finishes.
    /// `on_run_done(ok)` is called once per run, from any thread. A run whose scenario is invalid
    /// or whose simulation fails is recorded as failed; only an output error stops the sweep.
    /// Raising `stop` ends the sweep with [`SweepError::Interrupted`]: runs under way stop at
    /// their next tick and leave no record, so that resuming runs them again.
    pub fn execute(
        &self,
        out: &Path,
        runs: &[u64],
        on_run_done: &(dyn Fn(bool) + Sync),
        stop: &AtomicBool,
    ) -> Result<(), SweepError> {
        runs.par_iter().try_for_each(|&run| {
            if stop.load(Ordering::Relaxed) {
                return Err(SweepError::Interrupted);
            }
            let record = self.run_one(out, run, stop)?;
            let ok = record.status == "ok";
            let json = serde_json::to_vec_pretty(&record).expect("record serialises");
            write_atomic(&record_path(out, run), &json)?;
            on_run_done(ok);
            Ok(())
        })
    }

    fn run_one(&self, out: &Path, run: u64, stop: &AtomicBool) -> Result<RunRecord, SweepError> {
        let started = std::time::Instant::now();
        let (point, replicate) = self.locate(run);
        let mut record = RunRecord {
            run,
            point: point as u64,
            replicate,
            seed: self.seed(replicate),
            parameters: self.point_values(&self.points[point]),
            status: "failed".into(),
            error: None,
            metrics: Vec::new(),
            wall_seconds: 0.0,
        };
        let scenario = match Scenario::from_base(
            &self.base_files,
            &self.overrides(&self.points[point], replicate),
        ) {
            Ok(s) => s,
            Err(e) => {
                record.error = Some(e.to_string());
                return Ok(record);
            }
        };
        let mut series = TimeseriesRows::new(self.spec.keep_timeseries, &scenario);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            simulate(&scenario, &mut Stoppable::new(&mut series, stop))
        }));
        match outcome {
            Ok(Ok(outcome)) => {
                let headline = crate::compare::headline(&outcome.summary);
                record.metrics = self
                    .metrics
                    .iter()
                    .map(|m| {
                        headline
                            .iter()
                            .find(|(name, _)| name == m)
                            .map(|&(_, v)| v)
                            .filter(|v| v.is_finite())
                    })
                    .collect();
                record.status = "ok".into();
                if self.spec.keep_timeseries {
                    write_atomic(&timeseries_path(out, run), &series.into_bytes())?;
                }
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
                return Err(SweepError::Interrupted);
            }
            Ok(Err(e)) => record.error = Some(format!("simulation failed: {e}")),
            Err(panic) => {
                record.error = Some(format!(
                    "simulation panicked: {}",
                    crate::sim::panic_message(panic.as_ref())
                ));
            }
        }
        record.wall_seconds = started.elapsed().as_secs_f64();
        Ok(record)
    }
}

/// A lock on a sweep folder, held while a process runs its points: two processes never run
/// the same runs into one folder. Shards of one sweep each hold their own lock, which excludes
/// a second copy of the same shard and a whole-sweep run, not the other shards. The lock is a
/// file beside the folder (so that `--force` can replace the folder under it), naming its holder;
/// a lock whose process is gone is taken over.
#[derive(Debug)]
pub struct SweepLock {
    path: PathBuf,
}

/// Who holds a lock, as written in its file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LockHolder {
    pid: u32,
    host: String,
    started_unix: u64,
    /// `all`, or the shard as `K/N`.
    shard: String,
}

impl SweepLock {
    /// Takes the lock of `out` for `shard`, or says who holds it.
    pub fn acquire(out: &Path, shard: Shard) -> Result<SweepLock, SweepError> {
        use crate::output::liveness::{host_name, process_alive};
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let name = out
            .file_name()
            .map_or("sweep".into(), |n| n.to_string_lossy().into_owned());
        let prefix = format!(".{name}.sweep-lock");
        let own = if shard == Shard::ALL {
            prefix.clone()
        } else {
            format!("{prefix}-{}-of-{}", shard.index, shard.count)
        };
        let host = host_name();
        let entries = fs::read_dir(&parent).map_err(io_at(&parent))?;
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if !file.starts_with(&prefix) {
                continue;
            }
            let conflicts = shard == Shard::ALL || file == prefix || file == own;
            if !conflicts {
                continue;
            }
            let path = entry.path();
            let holder = fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str::<LockHolder>(&t).ok());
            let live = match &holder {
                // A process on another machine cannot be checked: its lock stands.
                Some(h) => h.host != host || process_alive(h.pid),
                // A lock being written this instant, or damaged: stale only if old.
                None => fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_none_or(|age| age.as_secs() < 60),
            };
            if live {
                return Err(SweepError::Locked {
                    dir: out.to_path_buf(),
                    holder: holder.map_or("a lock being written".into(), |h| {
                        format!(
                            "process {} on {}, shard {}, since {} UTC",
                            h.pid,
                            h.host,
                            h.shard,
                            crate::output::utc_stamp(h.started_unix)
                        )
                    }),
                    lock: path,
                });
            }
            let _ = fs::remove_file(&path);
        }
        let path = parent.join(&own);
        let holder = LockHolder {
            pid: std::process::id(),
            host,
            started_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            shard: if shard == Shard::ALL {
                "all".into()
            } else {
                format!("{}/{}", shard.index, shard.count)
            },
        };
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(SweepError::Locked {
                    dir: out.to_path_buf(),
                    holder: "a process that took the lock at the same moment".into(),
                    lock: path,
                });
            }
            Err(e) => return Err(io_at(&path)(e)),
        };
        let json = serde_json::to_vec(&holder).expect("lock holder serialises");
        file.write_all(&json).map_err(io_at(&path))?;
        Ok(SweepLock { path })
    }
}

impl Drop for SweepLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// What is left to run of a sweep, and which of those runs had a damaged record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    pub runs: Vec<u64>,
    /// Runs whose record could not be read, with the reason; their records were removed.
    pub damaged: Vec<(u64, String)>,
}

/// Which of runs `0..runs` have a record file, from one listing of `runs/` (not a lookup per
/// run, so the cost follows the files present, not the number of runs a manifest claims).
pub(crate) fn present_records(out: &Path, runs: u64) -> Result<Vec<bool>, SweepError> {
    let mut present = vec![false; usize::try_from(runs).unwrap_or(usize::MAX)];
    let dir = out.join("runs");
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(present),
        Err(e) => return Err(io_at(&dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_at(&dir))?;
        let name = entry.file_name();
        let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_prefix("run_"))
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        if let Some(slot) = present.get_mut(id as usize) {
            *slot = true;
        }
    }
    Ok(present)
}

/// A run's record, checked against the sweep's shape; `Err` says why it cannot be used.
pub(crate) fn read_record(
    out: &Path,
    run: u64,
    parameters: usize,
    metrics: usize,
) -> Result<RunRecord, String> {
    let path = record_path(out, run);
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read it: {e}"))?;
    let record: RunRecord =
        serde_json::from_str(&text).map_err(|e| format!("it is not a whole record: {e}"))?;
    if record.run != run || record.parameters.len() != parameters {
        return Err(format!(
            "expected the record of run {run} with {parameters} parameters"
        ));
    }
    if record.status == "ok" && record.metrics.len() != metrics {
        return Err(format!(
            "expected {metrics} metrics, found {}",
            record.metrics.len()
        ));
    }
    Ok(record)
}

/// Reads a sweep folder's manifest.
pub fn read_manifest(out: &Path) -> Result<SweepManifest, SweepError> {
    let path = out.join("manifest.json");
    if !path.is_file() {
        return Err(SweepError::NotASweep {
            dir: out.to_path_buf(),
        });
    }
    let text = fs::read_to_string(&path).map_err(io_at(&path))?;
    let manifest: SweepManifest = serde_json::from_str(&text).map_err(|e| SweepError::BadFile {
        path: path.clone(),
        message: e.to_string(),
    })?;
    // A damaged or hand-edited manifest must not send a merge through billions of runs.
    let consistent = manifest.replicates >= 1
        && manifest.seeds.len() == manifest.replicates as usize
        && manifest.points.checked_mul(u64::from(manifest.replicates)) == Some(manifest.runs)
        && manifest.runs <= spec::HARD_MAX_RUNS
        && manifest.integer.len() == manifest.parameters.len();
    if !consistent {
        return Err(SweepError::BadFile {
            path,
            message: format!(
                "it claims {} runs of {} points x {} replicates ({} seeds); expected runs = points x replicates, at most {}",
                manifest.runs,
                manifest.points,
                manifest.replicates,
                manifest.seeds.len(),
                spec::HARD_MAX_RUNS
            ),
        });
    }
    Ok(manifest)
}

/// Collects a run's `timeseries.csv` rows in memory (one run's worth: a few hundred rows).
struct TimeseriesRows {
    writer: Option<csv::Writer<Vec<u8>>>,
    tick_days: u32,
    cells: usize,
}

impl TimeseriesRows {
    fn new(keep: bool, scenario: &Scenario) -> TimeseriesRows {
        let writer = keep.then(|| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(crate::output::timeseries_header())
                .expect("writing to memory");
            w
        });
        TimeseriesRows {
            writer,
            tick_days: scenario.spec.simulation.tick_days,
            cells: 0,
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        self.writer
            .map(|w| w.into_inner().expect("writing to memory"))
            .unwrap_or_default()
    }
}

impl Observer for TimeseriesRows {
    fn start(&mut self, model: &Model) -> std::io::Result<()> {
        self.cells = model.world.len();
        Ok(())
    }

    fn tick(&mut self, metrics: &TickMetrics, _model: &Model) -> std::io::Result<()> {
        if let Some(w) = &mut self.writer {
            w.write_record(crate::output::timeseries_row(
                metrics,
                self.tick_days,
                self.cells,
            ))
            .map_err(std::io::Error::other)?;
        }
        Ok(())
    }
}
