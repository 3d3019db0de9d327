//! Calibration by approximate Bayesian computation: `displace calibrate FILE`.
//!
//! A calibration file ([`spec`]) names a base scenario, the parameters to calibrate with their
//! priors ([`prior`]), the observed statistics a run should match and hard constraints. ABC-SMC
//! ([`smc`]) moves a population of parameter sets from the prior to the approximate posterior;
//! this module runs the scenario for it and keeps the output folder: one file per finished
//! generation, so a calibration killed at any moment resumes from its last finished generation
//! to the same result.

pub mod prior;
pub mod smc;
pub mod spec;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use smc::{
    Generation, Particle, Progress, Simulator, SmcConfig, SmcError, StopReason, weighted_quantile,
};
pub use spec::{Calibration, CalibrationSpec, Statistic};

use crate::metrics::TickMetrics;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Observer, simulate};
use crate::step::Model;

/// A value as written into `--set`: whole numbers without a decimal point when asked.
pub fn format_value(value: f64, integer: bool) -> String {
    crate::sweep::spec::format_value(value, integer)
}

/// The summary of a short, small run of a scenario, to learn which keys runs produce (`None`
/// if even that run fails).
pub fn probe_summary(scenario: &Scenario) -> Option<serde_json::Value> {
    let households = scenario.spec.population.households.min(2000);
    let ticks = scenario.spec.simulation.ticks.min(2);
    let mut small = scenario.clone();
    small.spec.population.households = households;
    small.spec.simulation.ticks = ticks;
    let outcome =
        std::panic::catch_unwind(|| simulate(&small, &mut crate::sim::NoObserver)).ok()?;
    serde_json::to_value(outcome.ok()?.summary).ok()
}

/// The number at a dotted key path of a JSON value.
pub fn lookup(value: &Option<serde_json::Value>, path: &str) -> Option<f64> {
    let mut v = value.as_ref()?;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    v.as_f64()
}

/// Every dotted path to a number in a JSON value (for suggestions).
pub fn numeric_paths(value: &Option<serde_json::Value>) -> Vec<String> {
    fn walk(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(child, &path, out);
                }
            }
            serde_json::Value::Number(_) => out.push(prefix.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(v) = value {
        walk(v, "", &mut out);
    }
    out
}

/// SHA-256 of what decides the generations (the resolved calibration without its stopping
/// rules and predictive draws, so a calibration can be resumed with a larger budget) and of the
/// base scenario it runs.
fn hash_of(spec: &CalibrationSpec, base: &Scenario) -> String {
    let defaults = CalibrationSpec::default();
    let deciding = CalibrationSpec {
        max_generations: defaults.max_generations,
        final_tolerance: defaults.final_tolerance,
        min_acceptance: defaults.min_acceptance,
        max_simulations: defaults.max_simulations,
        predictive_draws: defaults.predictive_draws,
        ..spec.clone()
    };
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(&deciding).expect("a calibration spec serialises"));
    hash.update(base.hash().as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Collects the `timeseries.csv` columns a calibration's statistics read.
struct Columns {
    indices: Vec<usize>,
    tick_days: u32,
    /// `values[k][t]`: column `indices[k]` at tick `t`.
    values: Vec<Vec<f64>>,
}

impl Observer for Columns {
    fn tick(&mut self, metrics: &TickMetrics, model: &Model) -> std::io::Result<()> {
        if self.indices.is_empty() {
            return Ok(());
        }
        let row = crate::output::timeseries_row(metrics, self.tick_days, model.world.len());
        for (k, &i) in self.indices.iter().enumerate() {
            self.values[k].push(row[i].parse().unwrap_or(f64::NAN));
        }
        Ok(())
    }
}

/// Runs the calibration's scenario (and its variants): the statistics of `replicates` runs at
/// a parameter set, averaged.
pub struct ScenarioSimulator<'a> {
    calibration: &'a Calibration,
    /// Per run (the base, then each variant): the `timeseries.csv` columns its statistics read.
    columns: Vec<Vec<String>>,
}

impl<'a> ScenarioSimulator<'a> {
    pub fn new(calibration: &'a Calibration) -> Self {
        let runs = 1 + calibration.spec.variants.len();
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); runs];
        for (s, &r) in calibration
            .statistics
            .iter()
            .zip(&calibration.statistic_runs)
        {
            let wanted = match s {
                Statistic::Summary(_) => continue,
                Statistic::Window(w) => &w.columns,
                Statistic::Ratio(r) => &r.columns,
            };
            for c in wanted {
                if !columns[r].contains(c) {
                    columns[r].push(c.clone());
                }
            }
        }
        ScenarioSimulator {
            calibration,
            columns,
        }
    }

    /// Runs that some statistic reads (the base always).
    fn needed(&self, run: usize) -> bool {
        run == 0 || self.calibration.statistic_runs.contains(&run)
    }

    /// Run `run` (the base, or a variant) of one replicate with `seed`: writes the statistics
    /// read from that run into `stats`.
    fn run_once(
        &self,
        theta: &[f64],
        seed: u64,
        run: usize,
        stats: &mut [f64],
    ) -> Result<(), String> {
        let c = self.calibration;
        {
            let mut overrides = c.overrides(theta, seed);
            if run > 0 {
                // The variant's overrides act after the parameters' values, before the seed.
                let seed_entry = overrides.pop();
                overrides.extend(c.spec.variants[run - 1].set.iter().cloned());
                overrides.extend(seed_entry);
            }
            let scenario =
                Scenario::from_base(&c.base_files, &overrides).map_err(|e| e.to_string())?;
            let header = crate::output::timeseries_header();
            let mine = &self.columns[run];
            let mut observer = Columns {
                indices: mine
                    .iter()
                    .map(|c| header.iter().position(|h| h == c).unwrap_or(0))
                    .collect(),
                tick_days: scenario.spec.simulation.tick_days,
                values: vec![Vec::new(); mine.len()],
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                simulate(&scenario, &mut observer)
            }))
            .map_err(|panic| {
                format!(
                    "simulation panicked: {}",
                    crate::sim::panic_message(panic.as_ref())
                )
            })?
            .map_err(|e| format!("simulation failed: {e}"))?;
            let summary = Some(serde_json::to_value(&outcome.summary).map_err(|e| e.to_string())?);
            let window = |columns: &[String], [from, to]: [u32; 2]| -> f64 {
                columns
                    .iter()
                    .map(|name| {
                        let k = mine.iter().position(|c| c == name).unwrap_or(0);
                        let v = &observer.values[k];
                        v[(from as usize).min(v.len())..(to as usize).min(v.len())]
                            .iter()
                            .sum::<f64>()
                    })
                    .sum()
            };
            for (k, s) in c.statistics.iter().enumerate() {
                if c.statistic_runs[k] != run {
                    continue;
                }
                stats[k] = match s {
                    Statistic::Summary(path) => lookup(&summary, path).ok_or_else(|| {
                        format!("the run has no number at `{path}` in summary.json")
                    })?,
                    Statistic::Window(w) => window(&w.columns, w.ticks),
                    Statistic::Ratio(r) => {
                        let den = window(&r.columns, r.denominator);
                        if den > 0.0 {
                            window(&r.columns, r.numerator) / den
                        } else {
                            f64::NAN
                        }
                    }
                };
            }
        }
        Ok(())
    }
}

impl Simulator for ScenarioSimulator<'_> {
    /// Each run (the base, then each variant) over all replicates in turn; once the statistics
    /// so far put the proposal beyond `tolerance`, the remaining runs are skipped. Variant runs
    /// are long and most proposals fail on the base run's targets, so this saves most of their
    /// cost without changing which proposals are kept.
    fn simulate(&self, theta: &[f64], seed: u64, tolerance: f64) -> Result<Vec<f64>, String> {
        let c = self.calibration;
        let replicates = c.spec.replicates as u64;
        // The first replicate runs with the proposal's seed, the others with seeds mixed from it.
        let seeds: Vec<u64> = (0..replicates)
            .map(|r| {
                if r == 0 {
                    seed
                } else {
                    crate::rng::mix64(seed ^ r.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 1
                }
            })
            .collect();
        let mut mean = vec![f64::NAN; c.statistics.len()];
        for run in (0..self.columns.len()).filter(|&r| self.needed(r)) {
            let mut sum = vec![0.0; c.statistics.len()];
            for &s in &seeds {
                let mut stats = vec![f64::NAN; c.statistics.len()];
                self.run_once(theta, s, run, &mut stats)?;
                for (a, b) in sum.iter_mut().zip(stats) {
                    *a += b;
                }
            }
            for (k, total) in sum.into_iter().enumerate() {
                if c.statistic_runs[k] == run {
                    mean[k] = total / replicates as f64;
                }
            }
            if c.distance_lower_bound(&mean) > tolerance {
                break;
            }
        }
        Ok(mean)
    }

    fn distance(&self, stats: &[f64]) -> f64 {
        self.calibration.distance(stats)
    }
}

/// What `manifest.json` records of a calibration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibrationManifest {
    pub tool: String,
    pub displace_version: String,
    pub git_revision: String,
    pub calibration_file: String,
    pub calibration_hash: String,
    pub base_scenario: String,
    pub parameters: Vec<String>,
    pub statistics: Vec<String>,
    /// `running` until the calibration stops, then `finished`.
    pub status: String,
    pub stop_reason: Option<StopReason>,
    pub generations: u32,
    pub simulations: u64,
    pub calibration: CalibrationSpec,
}

/// Why a calibration cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error(transparent)]
    Spec(#[from] ScenarioError),
    #[error(
        "{} holds a different calibration (hash {found}, this one is {expected}); choose another --out, or --force to replace it",
        dir.display()
    )]
    DifferentCalibration {
        dir: PathBuf,
        found: String,
        expected: String,
    },
    #[error(
        "{} exists and is not a calibration folder of displace, so it is left alone (--force replaces only an earlier calibration); choose another --out",
        dir.display()
    )]
    NotOurs { dir: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error(transparent)]
    Smc(#[from] SmcError),
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> CalibrateError + '_ {
    move |source| CalibrateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename: never half-written.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut file = fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_data()?;
    drop(file);
    fs::rename(&temp, path)
}

const TOOL: &str = "displace calibrate";

fn generation_path(out: &Path, index: u32) -> PathBuf {
    out.join("generations").join(format!("{index:04}.json"))
}

impl Calibration {
    fn manifest(
        &self,
        status: &str,
        stop: Option<StopReason>,
        done: &[Generation],
    ) -> CalibrationManifest {
        CalibrationManifest {
            tool: TOOL.into(),
            displace_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: env!("DISPLACE_GIT_REVISION").into(),
            calibration_file: self.file.display().to_string(),
            calibration_hash: self.hash.clone(),
            base_scenario: self.base.display().to_string(),
            parameters: self.keys(),
            statistics: self.statistic_names.clone(),
            status: status.into(),
            stop_reason: stop,
            generations: done.len() as u32,
            simulations: done.iter().map(|g| g.simulations).sum(),
            calibration: self.spec.clone(),
        }
    }
}

/// Prepares `out`: a fresh folder, or the finished generations of the same calibration to resume
/// from. `force` replaces an earlier calibration (never a folder that is not one).
pub fn prepare(
    calibration: &Calibration,
    out: &Path,
    force: bool,
) -> Result<Vec<Generation>, CalibrateError> {
    let manifest_path = out.join("manifest.json");
    if out.exists() {
        let found: Option<CalibrationManifest> = fs::read(&manifest_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|m: &CalibrationManifest| m.tool == TOOL);
        match found {
            None => {
                let empty = fs::read_dir(out).map_err(io_at(out))?.next().is_none();
                if !empty {
                    return Err(CalibrateError::NotOurs {
                        dir: out.to_path_buf(),
                    });
                }
            }
            Some(_) if force => {
                fs::remove_dir_all(out).map_err(io_at(out))?;
            }
            Some(m) if m.calibration_hash != calibration.hash => {
                return Err(CalibrateError::DifferentCalibration {
                    dir: out.to_path_buf(),
                    found: m.calibration_hash,
                    expected: calibration.hash.clone(),
                });
            }
            Some(m) => {
                if m.git_revision != env!("DISPLACE_GIT_REVISION") {
                    eprintln!(
                        "note: resuming a calibration started by another build of displace ({}, this is {}); its earlier generations ran on that build",
                        m.git_revision,
                        env!("DISPLACE_GIT_REVISION")
                    );
                }
            }
        }
    }
    // The manifest comes first: a folder killed at any later point is still recognised as a
    // calibration, to be resumed or replaced.
    fs::create_dir_all(out).map_err(io_at(out))?;
    if !manifest_path.exists() {
        let manifest = calibration.manifest("running", None, &[]);
        write_atomic(
            &manifest_path,
            &serde_json::to_vec_pretty(&manifest).expect("manifest serialises"),
        )
        .map_err(io_at(&manifest_path))?;
    }
    fs::create_dir_all(out.join("generations")).map_err(io_at(out))?;
    // Temporary files of a process killed while writing: their final files were never made.
    for dir in [out.to_path_buf(), out.join("generations")] {
        for entry in fs::read_dir(&dir).map_err(io_at(&dir))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    // Finished generations, in order; a missing one ends the list (later ones are redone).
    let mut done = Vec::new();
    loop {
        let path = generation_path(out, done.len() as u32);
        let Ok(bytes) = fs::read(&path) else { break };
        let g: Generation =
            serde_json::from_slice(&bytes).map_err(|e| CalibrateError::Corrupt {
                path: path.clone(),
                message: format!("not a finished generation ({e}); remove it to redo it"),
            })?;
        done.push(g);
    }
    let manifest = calibration.manifest("running", None, &done);
    write_atomic(
        &manifest_path,
        &serde_json::to_vec_pretty(&manifest).expect("manifest serialises"),
    )
    .map_err(io_at(&manifest_path))?;
    Ok(done)
}

/// Who hears of a running calibration: every batch, and every finished generation.
pub struct Listeners<'a> {
    pub progress: &'a (dyn Fn(Progress) + Sync),
    pub generation: &'a mut dyn FnMut(&Generation),
}

/// Runs (or resumes, after `done`) a calibration into `out` and writes its tables and, with
/// `plots`, its figures.
pub fn run(
    calibration: &Calibration,
    simulator: &dyn Simulator,
    out: &Path,
    done: Vec<Generation>,
    listeners: Listeners<'_>,
    plots: bool,
    stop: &AtomicBool,
) -> Result<(Vec<Generation>, StopReason), CalibrateError> {
    let Listeners {
        progress,
        generation: on_generation,
    } = listeners;
    let config = calibration.config();
    let mut finished = |g: &Generation| -> std::io::Result<()> {
        let path = generation_path(out, g.index);
        write_atomic(&path, &generation_json(g))?;
        on_generation(g);
        Ok(())
    };
    let (generations, reason) = smc::run(&config, simulator, done, &mut finished, progress, stop)?;
    write_tables(calibration, out, &generations)?;
    let last = generations.last().expect("generation 0 always finishes");
    write_parameters(calibration, out, last)?;
    write_calibrated(calibration, out, last)?;
    let predictive = predictive_check(calibration, simulator, last, stop)?;
    write_predictive(out, &predictive)?;
    if plots {
        draw_figures(calibration, out, last, &predictive)?;
    }
    let manifest = calibration.manifest("finished", Some(reason), &generations);
    let path = out.join("manifest.json");
    write_atomic(
        &path,
        &serde_json::to_vec_pretty(&manifest).expect("manifest serialises"),
    )
    .map_err(io_at(&path))?;
    Ok((generations, reason))
}

/// A generation as JSON (an infinite tolerance as `null`).
fn generation_json(g: &Generation) -> Vec<u8> {
    serde_json::to_vec(g).expect("generation serialises")
}

/// `generations.csv` and `posterior.csv` from every finished generation.
pub fn write_tables(
    calibration: &Calibration,
    out: &Path,
    generations: &[Generation],
) -> Result<(), CalibrateError> {
    let mut g_csv = csv::Writer::from_writer(Vec::new());
    let field = |e: csv::Error| CalibrateError::Io {
        path: out.to_path_buf(),
        source: std::io::Error::other(e),
    };
    g_csv
        .write_record([
            "generation",
            "tolerance",
            "particles",
            "proposals",
            "failed",
            "simulations",
            "acceptance",
            "ess",
            "seconds",
        ])
        .map_err(field)?;
    for g in generations {
        g_csv
            .write_record([
                g.index.to_string(),
                g.tolerance.to_string(),
                g.particles.len().to_string(),
                g.proposals.to_string(),
                g.failed.to_string(),
                g.simulations.to_string(),
                g.acceptance.to_string(),
                g.ess.to_string(),
                format!("{:.3}", g.seconds),
            ])
            .map_err(field)?;
    }
    let bytes = g_csv
        .into_inner()
        .map_err(|e| field(e.into_error().into()))?;
    let path = out.join("generations.csv");
    write_atomic(&path, &bytes).map_err(io_at(&path))?;

    let mut p_csv = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "generation".to_string(),
        "particle".into(),
        "weight".into(),
        "distance".into(),
        "seed".into(),
    ];
    header.extend(calibration.keys());
    header.extend(calibration.statistic_names.iter().cloned());
    p_csv.write_record(&header).map_err(field)?;
    for g in generations {
        for (i, p) in g.particles.iter().enumerate() {
            let mut row = vec![
                g.index.to_string(),
                i.to_string(),
                p.weight.to_string(),
                p.distance.to_string(),
                p.seed.to_string(),
            ];
            row.extend(p.theta.iter().map(|x| x.to_string()));
            row.extend(p.stats.iter().map(|x| x.to_string()));
            p_csv.write_record(&row).map_err(field)?;
        }
    }
    let bytes = p_csv
        .into_inner()
        .map_err(|e| field(e.into_error().into()))?;
    let path = out.join("posterior.csv");
    write_atomic(&path, &bytes).map_err(io_at(&path))?;
    Ok(())
}

/// Each parameter's posterior median and its weighted 5% and 95% quantiles, in the last
/// generation.
pub fn posterior_summary(last: &Generation, k: usize) -> (f64, f64, f64) {
    let values: Vec<(f64, f64)> = last
        .particles
        .iter()
        .map(|p| (p.theta[k], p.weight))
        .collect();
    (
        weighted_quantile(&values, 0.5),
        weighted_quantile(&values, 0.05),
        weighted_quantile(&values, 0.95),
    )
}

/// The central 90% of a prior, by sampling (the same draws every time).
fn prior_interval(prior: &prior::Prior) -> (f64, f64) {
    let mut rng = crate::rng::stream(0, crate::rng::Process::Calibration, u64::MAX, u32::MAX);
    let draws: Vec<(f64, f64)> = (0..20_000).map(|_| (prior.sample(&mut rng), 1.0)).collect();
    (
        weighted_quantile(&draws, 0.05),
        weighted_quantile(&draws, 0.95),
    )
}

/// `parameters.csv`: per parameter, its prior, the prior's and the posterior's central 90%, the
/// posterior median, and how much the data narrowed it (posterior width over prior width).
fn write_parameters(
    calibration: &Calibration,
    out: &Path,
    last: &Generation,
) -> Result<(), CalibrateError> {
    let rows: Vec<Vec<String>> = calibration
        .spec
        .parameters
        .iter()
        .zip(&calibration.priors)
        .enumerate()
        .map(|(k, (p, prior))| {
            let (lo, hi) = prior_interval(prior);
            let (median, q05, q95) = posterior_summary(last, k);
            vec![
                p.key.clone(),
                prior.name().to_string(),
                lo.to_string(),
                hi.to_string(),
                median.to_string(),
                q05.to_string(),
                q95.to_string(),
                ((q95 - q05) / (hi - lo)).to_string(),
            ]
        })
        .collect();
    let header = [
        "parameter",
        "prior",
        "prior_q05",
        "prior_q95",
        "posterior_median",
        "posterior_q05",
        "posterior_q95",
        "width_ratio",
    ];
    write_csv(out, "parameters.csv", &header, &rows)
}

fn write_csv(
    out: &Path,
    name: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<(), CalibrateError> {
    let path = out.join(name);
    let field = |e: csv::Error| CalibrateError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(field)?;
    for row in rows {
        w.write_record(row).map_err(field)?;
    }
    let bytes = w.into_inner().map_err(|e| field(e.into_error().into()))?;
    write_atomic(&path, &bytes).map_err(io_at(&path))
}

/// `path` relative to the folder `from` (both made absolute), with `/` separators.
fn relative_to(path: &Path, from: &Path) -> String {
    let absolute = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(p))
    };
    let (path, from) = (absolute(path), absolute(from));
    let a: Vec<_> = path.components().collect();
    let b: Vec<_> = from.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        a[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `calibrated.toml`: the base scenario with the calibration's fixed overrides and each
/// parameter at its posterior median, runnable as it is from the output folder.
fn write_calibrated(
    calibration: &Calibration,
    out: &Path,
    last: &Generation,
) -> Result<(), CalibrateError> {
    let mut sets: Vec<String> = calibration.spec.set.clone();
    for (k, p) in calibration.spec.parameters.iter().enumerate() {
        let (median, _, _) = posterior_summary(last, k);
        sets.push(format!("{}={}", p.key, format_value(median, p.integer)));
    }
    let quoted: Vec<String> = sets
        .iter()
        .map(|s| format!("  {},", toml::Value::String(s.clone())))
        .collect();
    let text = format!(
        "# The posterior medians of `displace calibrate {}` (generation {}, {} particles,\n\
         # tolerance {}), over its base scenario and fixed overrides. Run it as it is:\n\
         # displace run calibrated.toml\n\
         extends = {}\n\
         set = [\n{}\n]\n",
        calibration.file.display(),
        last.index,
        last.particles.len(),
        last.tolerance,
        toml::Value::String(relative_to(&calibration.base, out)),
        quoted.join("\n")
    );
    let path = out.join("calibrated.toml");
    write_atomic(&path, text.as_bytes()).map_err(io_at(&path))
}

/// One target's observed value against the posterior predictive distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveRow {
    pub name: String,
    pub observed: f64,
    pub median: f64,
    pub q05: f64,
    pub q95: f64,
    /// Draws whose run gave a value.
    pub draws: usize,
}

/// Draws `predictive_draws` parameter sets from the last generation by weight and runs each with
/// a fresh seed: the spread of each statistic over them is the posterior predictive.
pub fn predictive_check(
    calibration: &Calibration,
    simulator: &dyn Simulator,
    last: &Generation,
    stop: &AtomicBool,
) -> Result<Vec<PredictiveRow>, CalibrateError> {
    use rayon::prelude::*;
    let draws = calibration.spec.predictive_draws as u64;
    let weights: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
    let stats: Vec<Option<Vec<f64>>> = (0..draws)
        .into_par_iter()
        .map(|d| {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            // The predictive's own streams: generation number u32::MAX is never a generation.
            let mut rng = crate::rng::stream(
                calibration.spec.seed,
                crate::rng::Process::Calibration,
                d,
                u32::MAX,
            );
            let pick =
                crate::rng::weighted_index(&weights, crate::rng::unit(&mut rng)).unwrap_or(0);
            let seed = rand::RngCore::next_u64(&mut rng) >> 1;
            simulator
                .simulate(&last.particles[pick].theta, seed, f64::INFINITY)
                .ok()
        })
        .collect();
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(CalibrateError::Smc(SmcError::Interrupted));
    }
    Ok(calibration
        .statistic_names
        .iter()
        .enumerate()
        .take(calibration.observed.len())
        .map(|(k, name)| {
            let values: Vec<(f64, f64)> = stats
                .iter()
                .flatten()
                .map(|s| (s[k], 1.0))
                .filter(|v| v.0.is_finite())
                .collect();
            PredictiveRow {
                name: name.clone(),
                observed: calibration.observed[k],
                median: weighted_quantile(&values, 0.5),
                q05: weighted_quantile(&values, 0.05),
                q95: weighted_quantile(&values, 0.95),
                draws: values.len(),
            }
        })
        .collect())
}

/// `predictive.csv`: each target's observed value, the posterior predictive median and 90%
/// interval, and whether the interval holds the observed value.
fn write_predictive(out: &Path, rows: &[PredictiveRow]) -> Result<(), CalibrateError> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.observed.to_string(),
                r.median.to_string(),
                r.q05.to_string(),
                r.q95.to_string(),
                (r.q05 <= r.observed && r.observed <= r.q95).to_string(),
                r.draws.to_string(),
            ]
        })
        .collect();
    write_csv(
        out,
        "predictive.csv",
        &[
            "target",
            "observed",
            "predictive_median",
            "predictive_q05",
            "predictive_q95",
            "observed_within_90",
            "draws",
        ],
        &rows,
    )
}

/// The last generation of a finished calibration, to draw parameter sets from.
#[derive(Debug, Clone)]
pub struct PosteriorDraws {
    pub dir: PathBuf,
    pub generation: u32,
    pub keys: Vec<String>,
    /// The calibration's own fixed overrides (its `set`).
    pub fixed_set: Vec<String>,
    pub integer: Vec<bool>,
    particles: Vec<Particle>,
}

impl PosteriorDraws {
    /// Reads a calibration folder; it must hold a finished calibration.
    pub fn load(dir: &Path) -> Result<PosteriorDraws, CalibrateError> {
        let manifest_path = dir.join("manifest.json");
        let manifest: CalibrationManifest = fs::read(&manifest_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|m: &CalibrationManifest| m.tool == TOOL)
            .ok_or_else(|| CalibrateError::Corrupt {
                path: dir.to_path_buf(),
                message: "not a calibration folder of displace (no manifest.json of `displace calibrate`)".into(),
            })?;
        if manifest.status != "finished" || manifest.generations == 0 {
            return Err(CalibrateError::Corrupt {
                path: dir.to_path_buf(),
                message: format!(
                    "the calibration is not finished ({} generations so far); run `displace calibrate` again to finish it",
                    manifest.generations
                ),
            });
        }
        let path = generation_path(dir, manifest.generations - 1);
        let bytes = fs::read(&path).map_err(io_at(&path))?;
        let last: Generation =
            serde_json::from_slice(&bytes).map_err(|e| CalibrateError::Corrupt {
                path: path.clone(),
                message: format!("not a finished generation ({e})"),
            })?;
        let width = manifest.parameters.len();
        if last.particles.is_empty()
            || last.particles.iter().any(|p| p.theta.len() != width)
            || !last.particles.iter().any(|p| p.weight > 0.0)
        {
            return Err(CalibrateError::Corrupt {
                path,
                message: format!(
                    "expected particles with {width} parameter values and positive weights"
                ),
            });
        }
        Ok(PosteriorDraws {
            dir: dir.to_path_buf(),
            generation: last.index,
            keys: manifest.parameters.clone(),
            fixed_set: manifest.calibration.set.clone(),
            integer: manifest
                .calibration
                .parameters
                .iter()
                .map(|p| p.integer)
                .collect(),
            particles: last.particles,
        })
    }

    /// Replicate `r`'s parameter set, drawn by weight from its own stream keyed by `seed`: the
    /// values as passed to the scenario, in key order.
    pub fn draw(&self, seed: u64, r: u64) -> Vec<String> {
        // Generation number u32::MAX − 1 is never a generation, nor the predictive check's.
        let mut rng = crate::rng::stream(seed, crate::rng::Process::Calibration, r, u32::MAX - 1);
        let weights: Vec<f64> = self.particles.iter().map(|p| p.weight).collect();
        let pick = crate::rng::weighted_index(&weights, crate::rng::unit(&mut rng)).unwrap_or(0);
        self.particles[pick]
            .theta
            .iter()
            .zip(&self.integer)
            .map(|(&x, &integer)| format_value(x, integer))
            .collect()
    }

    /// `KEY=VALUE` overrides of a draw.
    pub fn overrides(&self, draw: &[String]) -> Vec<String> {
        self.keys
            .iter()
            .zip(draw)
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }
}

/// `figures/`: each parameter's prior against its posterior, the posterior's pairs, and each
/// target's observed value against the predictive interval.
fn draw_figures(
    calibration: &Calibration,
    out: &Path,
    last: &Generation,
    predictive: &[PredictiveRow],
) -> Result<(), CalibrateError> {
    use crate::plot::calibration::{ParameterDraws, PredictiveBar, render_calibration};
    let parameters: Vec<ParameterDraws> = calibration
        .spec
        .parameters
        .iter()
        .zip(&calibration.priors)
        .enumerate()
        .map(|(k, (p, prior))| {
            let mut rng =
                crate::rng::stream(0, crate::rng::Process::Calibration, k as u64, u32::MAX);
            ParameterDraws {
                key: p.key.clone(),
                log_scale: matches!(prior, crate::calibrate::prior::Prior::LogUniform { .. }),
                prior: (0..4000).map(|_| prior.sample(&mut rng)).collect(),
                posterior: last
                    .particles
                    .iter()
                    .map(|q| (q.theta[k], q.weight))
                    .collect(),
            }
        })
        .collect();
    let bars: Vec<PredictiveBar> = predictive
        .iter()
        .zip(&calibration.scales)
        .map(|(r, &scale)| PredictiveBar {
            name: r.name.clone(),
            observed: r.observed,
            scale,
            median: r.median,
            q05: r.q05,
            q95: r.q95,
        })
        .collect();
    render_calibration(&out.join("figures"), &parameters, &bars)?;
    Ok(())
}
