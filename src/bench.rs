//! The national benchmark: run a scenario without writing outputs, time it phase by phase, and
//! identify its trajectory, so that speed can be tracked and a silent change of results caught.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::metrics::TickMetrics;
use crate::scenario::Scenario;
use crate::sim::{Observer, simulate_profiled};
use crate::step::{Model, Phase, PhaseTimes};

/// The benchmark scenario, relative to the repository root.
pub const NATIONAL: &str = "scenarios/bench/national.toml";

/// Committed trajectory hashes of the benchmark, relative to the repository root.
pub const EXPECTED: &str = "scenarios/bench/expected.csv";

/// What one benchmark run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub scenario: String,
    pub households: u64,
    pub ticks: u32,
    pub seed: u64,
    pub threads: usize,
    /// Building the world, groups and population.
    pub build_seconds: f64,
    /// Stepping the model (the ticks alone).
    pub step_seconds: f64,
    /// Households × ticks / step seconds.
    pub household_ticks_per_second: f64,
    /// Peak resident memory of the whole process (Linux only).
    pub peak_memory_bytes: Option<u64>,
    /// Bytes of the household store per household (what every tick streams through).
    pub state_bytes_per_household: f64,
    /// Peak resident memory per household.
    pub peak_bytes_per_household: Option<f64>,
    pub displaced_persons: u64,
    pub trajectory_hash: String,
    /// Seconds spent in each phase of the tick, by phase name.
    pub phases: Vec<(String, f64)>,
    /// Events decided (targeted events met, job losses, departures for fear or a lost income,
    /// emigration for work) per household-tick: the load a tick's cost should follow.
    pub events_per_household_tick: f64,
}

/// Times the build and the ticks: the build ends when the observer is started.
struct Clock<F> {
    built: Option<Instant>,
    on_tick: F,
}

impl<F: FnMut(u32)> Observer for Clock<F> {
    fn start(&mut self, _model: &Model) -> std::io::Result<()> {
        self.built = Some(Instant::now());
        Ok(())
    }

    fn tick(&mut self, metrics: &TickMetrics, _model: &Model) -> std::io::Result<()> {
        (self.on_tick)(metrics.tick);
        Ok(())
    }
}

/// Runs `scenario` for its ticks on the current rayon pool, writing nothing. `on_tick` is called
/// after every tick (for a progress bar).
pub fn run(
    scenario: &Scenario,
    name: &str,
    threads: usize,
    on_tick: impl FnMut(u32),
) -> BenchReport {
    let mut clock = Clock {
        built: None,
        on_tick,
    };
    let mut times = PhaseTimes::default();
    let started = Instant::now();
    let outcome = simulate_profiled(scenario, &mut clock, &mut times)
        .expect("an observer that writes nothing cannot fail");
    let built = clock.built.expect("the run started");
    let build_seconds = (built - started).as_secs_f64();
    let step_seconds = built.elapsed().as_secs_f64();
    let (summary, model) = (outcome.summary, outcome.model);
    let households = summary.households;
    let ticks = scenario.spec.simulation.ticks;
    let peak = peak_memory_bytes();
    let n = households.max(1) as f64;
    BenchReport {
        scenario: name.to_string(),
        households,
        ticks,
        seed: scenario.spec.simulation.seed,
        threads,
        build_seconds,
        step_seconds,
        household_ticks_per_second: households as f64 * f64::from(ticks) / step_seconds.max(1e-9),
        peak_memory_bytes: peak,
        state_bytes_per_household: model.households.heap_bytes() as f64 / n,
        peak_bytes_per_household: peak.map(|p| p as f64 / n),
        displaced_persons: summary.displaced_persons,
        trajectory_hash: summary.trajectory_hash,
        phases: Phase::ALL
            .iter()
            .map(|&p| (p.name().to_string(), times.get(p)))
            .collect(),
        events_per_household_tick: times.events as f64 / (n * f64::from(ticks.max(1))),
    }
}

/// Peak resident set size of this process, from `/proc/self/status` (`VmHWM`).
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// One committed trajectory hash: the benchmark at a size and seed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct ExpectedHash {
    pub households: u64,
    pub ticks: u32,
    pub seed: u64,
    pub trajectory_hash: String,
}

/// Why a benchmark's trajectory could not be checked or did not match.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read {}: {message}", path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error(
        "{} has no trajectory hash for {households} households, {ticks} ticks, seed {seed}; record one with --bless",
        path.display()
    )]
    NoEntry {
        path: PathBuf,
        households: u64,
        ticks: u32,
        seed: u64,
    },
    #[error(
        "the trajectory changed: {} expects {expected} for {households} households, {ticks} ticks, seed {seed}, but this run gave {actual}. If the model change is intended, re-bless with --bless and say why in the commit",
        path.display()
    )]
    Changed {
        path: PathBuf,
        households: u64,
        ticks: u32,
        seed: u64,
        expected: String,
        actual: String,
    },
}

/// Reads the committed hashes (CSV: households, ticks, seed, trajectory_hash).
pub fn read_expected(path: &Path) -> Result<Vec<ExpectedHash>, CheckError> {
    let unreadable = |message: String| CheckError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| unreadable(e.to_string()))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| unreadable(format!("line {}: {e}", i + 2))))
        .collect()
}

/// Checks a report against the committed hash for its size and seed.
pub fn check(report: &BenchReport, path: &Path) -> Result<(), CheckError> {
    let expected = read_expected(path)?;
    let entry = expected
        .iter()
        .find(|e| {
            e.households == report.households && e.ticks == report.ticks && e.seed == report.seed
        })
        .ok_or_else(|| CheckError::NoEntry {
            path: path.to_path_buf(),
            households: report.households,
            ticks: report.ticks,
            seed: report.seed,
        })?;
    if entry.trajectory_hash == report.trajectory_hash {
        Ok(())
    } else {
        Err(CheckError::Changed {
            path: path.to_path_buf(),
            households: report.households,
            ticks: report.ticks,
            seed: report.seed,
            expected: entry.trajectory_hash.clone(),
            actual: report.trajectory_hash.clone(),
        })
    }
}

/// Records the report's hash for its size and seed (replacing an older one), atomically.
pub fn bless(report: &BenchReport, path: &Path) -> std::io::Result<()> {
    let mut entries = if path.exists() {
        read_expected(path).map_err(std::io::Error::other)?
    } else {
        Vec::new()
    };
    entries.retain(|e| {
        !(e.households == report.households && e.ticks == report.ticks && e.seed == report.seed)
    });
    entries.push(ExpectedHash {
        households: report.households,
        ticks: report.ticks,
        seed: report.seed,
        trajectory_hash: report.trajectory_hash.clone(),
    });
    entries.sort_by_key(|e| (e.households, e.ticks, e.seed));
    let temp = path.with_extension("csv.partial");
    {
        let mut writer = csv::Writer::from_path(&temp).map_err(std::io::Error::other)?;
        for e in &entries {
            writer.serialize(e).map_err(std::io::Error::other)?;
        }
        writer.flush()?;
    }
    std::fs::rename(&temp, path)
}
