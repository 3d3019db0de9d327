//! The sweep file format: a base scenario, the parameters to vary by their dotted keys, the design
//! that combines them, replicates, and what to collect.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::design;
use crate::scenario::{Problem, Scenario, ScenarioError, load};

/// How the points of a sweep are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// The full factorial grid of every parameter's values.
    Grid,
    /// `points` points of a Latin hypercube over the parameters' ranges.
    LatinHypercube,
    /// The first `points` points of the Sobol sequence over the parameters' ranges.
    Sobol,
}

/// One varied parameter.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParameterSpec {
    /// Dotted scenario key, as for `--set`.
    pub key: String,
    /// Explicit values (grid designs).
    pub values: Vec<f64>,
    /// Range: grid designs take `steps` evenly spaced values from `min` to `max`; sampled designs
    /// draw within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Round values to whole numbers (for counts).
    pub integer: bool,
}

/// A sweep file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepSpec {
    /// Base scenario file, relative to the sweep file.
    pub base: String,
    /// Overrides applied to every run (`KEY=VALUE`, as for `--set`).
    pub set: Vec<String>,
    pub design: Design,
    /// Points of a sampled design.
    pub points: u32,
    /// A design matrix to use instead of generating one (CSV, one column per parameter key, one
    /// row per point), relative to the sweep file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design_file: Option<String>,
    /// Replicates per point; replicate r uses seed `seed + r` at every point.
    pub replicates: u32,
    pub seed: u64,
    /// Metrics to collect (default: every headline metric of `displace compare`).
    pub metrics: Vec<String>,
    /// Keep each run's `timeseries.csv` (in `timeseries/`).
    pub keep_timeseries: bool,
    /// The most runs (points x replicates) this sweep may have: a guard against a typo that
    /// asks for billions. Raise it explicitly for a real large design, up to
    /// [`HARD_MAX_RUNS`].
    pub max_runs: u64,
    pub parameters: Vec<ParameterSpec>,
}

/// Runs a sweep may have unless its `max_runs` says more.
pub const DEFAULT_MAX_RUNS: u64 = 1_000_000;

/// Runs no sweep may exceed: its design is held in memory (about 40 bytes a point and
/// parameter), and its folder holds a record per run.
pub const HARD_MAX_RUNS: u64 = 50_000_000;

/// Rows a design file may have before it is read.
const MAX_DESIGN_ROWS: u64 = HARD_MAX_RUNS;

impl Default for SweepSpec {
    fn default() -> Self {
        Self {
            base: String::new(),
            set: Vec::new(),
            design: Design::Grid,
            points: 0,
            design_file: None,
            replicates: 1,
            seed: 1,
            metrics: Vec::new(),
            keep_timeseries: false,
            max_runs: DEFAULT_MAX_RUNS,
            parameters: Vec::new(),
        }
    }
}

/// A loaded, checked sweep: its points in natural units, and what each run collects.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub spec: SweepSpec,
    /// The sweep file and the base scenario file.
    pub file: PathBuf,
    pub base: PathBuf,
    /// The base scenario's files as read when the sweep was loaded: every run starts from them.
    pub base_files: load::Base,
    /// Parameter keys, in column order.
    pub keys: Vec<String>,
    /// Whether each parameter is a whole number.
    pub integer: Vec<bool>,
    /// `points[p][k]`: the value of parameter `k` at point `p`.
    pub points: Vec<Vec<f64>>,
    pub metrics: Vec<String>,
}

impl Sweep {
    /// Reads and checks a sweep file. Errors name the file, line, key and what was expected.
    pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
        if let Some(hint) = scenario_given(path) {
            return Err(ScenarioError::NotAScenario {
                file: path.to_path_buf(),
                hint,
            });
        }
        let (spec, provenance) = load::read_located::<SweepSpec>(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut problems: Vec<Problem> = Vec::new();
        let mut problem =
            |key: &str, message: String| problems.push(provenance.problem(key, message));

        let base = dir.join(&spec.base);
        if spec.base.is_empty() {
            problem(
                "base",
                "a base scenario file is required, e.g. base = \"../baseline.toml\"".into(),
            );
        } else if !base.is_file() {
            problem("base", format!("no such scenario file {}", base.display()));
        }
        if spec.replicates == 0 || spec.replicates > 100_000 {
            problem(
                "replicates",
                format!(
                    "found {}, expected replicates from 1 to 100000",
                    spec.replicates
                ),
            );
        }
        if spec.seed > i64::MAX as u64 {
            problem(
                "seed",
                "expected a whole number up to 9223372036854775807".into(),
            );
        }
        let known: Vec<String> = crate::compare::headline(&crate::metrics::Summary::default())
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect();
        for (i, m) in spec.metrics.iter().enumerate() {
            if !known.contains(m) {
                let hint = load::nearest(m, &known)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                problem(
                    &format!("metrics[{i}]"),
                    format!("unknown metric `{m}`{hint}"),
                );
            }
        }
        if spec.parameters.is_empty() && spec.design_file.is_none() {
            problem(
                "parameters",
                "a sweep varies at least one parameter ([[parameters]] with a key)".into(),
            );
        }
        for (i, p) in spec.parameters.iter().enumerate() {
            let key = |k: &str| format!("parameters[{i}].{k}");
            if p.key.is_empty() {
                problem(
                    &key("key"),
                    "expected a dotted scenario key, e.g. \"groups.gangs.extortion_rate\"".into(),
                );
            }
            let sampled = spec.design != Design::Grid && spec.design_file.is_none();
            match (p.values.is_empty(), p.min, p.max) {
                (false, None, None) if !sampled => {}
                (true, Some(lo), Some(hi)) if lo <= hi => {
                    if !sampled && p.steps.is_none_or(|s| s < 1) {
                        problem(
                            &key("steps"),
                            "a grid range needs steps (1 or more values from min to max)".into(),
                        );
                    }
                }
                (true, Some(lo), Some(hi)) => problem(
                    &key("max"),
                    format!("found {hi}, expected at least min ({lo})"),
                ),
                _ if spec.design_file.is_some() => {}
                _ if sampled => problem(
                    &key("min"),
                    "a sampled design needs min and max for every parameter".into(),
                ),
                _ => problem(
                    &key("values"),
                    "expected values = [...], or min, max and steps".into(),
                ),
            }
        }
        let sampled = matches!(spec.design, Design::LatinHypercube | Design::Sobol)
            && spec.design_file.is_none();
        if sampled && spec.points == 0 {
            problem("points", "a sampled design needs points (1 or more)".into());
        }
        if spec.design == Design::Sobol && spec.parameters.len() > design::SOBOL_MAX_DIMS {
            problem(
                "parameters",
                format!(
                    "a Sobol design supports at most {} parameters",
                    design::SOBOL_MAX_DIMS
                ),
            );
        }
        if spec.max_runs == 0 || spec.max_runs > HARD_MAX_RUNS {
            problem(
                "max_runs",
                format!(
                    "found {}, expected from 1 to {HARD_MAX_RUNS}",
                    spec.max_runs
                ),
            );
        } else if spec.design_file.is_none() {
            // Counted before any point is generated, so a typo cannot exhaust memory.
            let runs = design_points(&spec).saturating_mul(u64::from(spec.replicates.max(1)));
            if runs > spec.max_runs {
                let at = if spec.design == Design::Grid {
                    "parameters"
                } else {
                    "points"
                };
                problem(
                    at,
                    format!(
                        "the design has {runs} runs (points x replicates), more than max_runs = {}; \
                         set max_runs (up to {HARD_MAX_RUNS}) if you mean it",
                        spec.max_runs
                    ),
                );
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::InvalidSweep { problems });
        }

        let DesignMatrix {
            keys,
            integer,
            points,
        } = match &spec.design_file {
            Some(file) => read_design(&dir.join(file), &spec).map_err(|message| {
                ScenarioError::InvalidSweep {
                    problems: vec![provenance.problem("design_file", message)],
                }
            })?,
            None => DesignMatrix {
                keys: spec.parameters.iter().map(|p| p.key.clone()).collect(),
                integer: spec.parameters.iter().map(|p| p.integer).collect(),
                points: generate(&spec),
            },
        };
        let metrics = if spec.metrics.is_empty() {
            known
        } else {
            spec.metrics.clone()
        };
        let base_files = load::Base::read(&base)?;
        let sweep = Sweep {
            spec,
            file: path.to_path_buf(),
            base,
            base_files,
            keys,
            integer,
            points,
            metrics,
        };
        // Fixed overrides and parameter keys must be scenario keys: try each one alone on the base
        // scenario, so the error names the entry at fault. (Values are checked per run: a value
        // out of range fails that run only.)
        let mut problems = Vec::new();
        let bad_set = |overrides: &[String]| match Scenario::from_base(&sweep.base_files, overrides)
        {
            Err(e @ ScenarioError::BadSet { .. }) => Some(e.to_string()),
            _ => None,
        };
        for (j, entry) in sweep.spec.set.iter().enumerate() {
            if let Some(message) = bad_set(std::slice::from_ref(entry)) {
                problems.push(provenance.problem(&format!("set[{j}]"), message));
            }
        }
        if let Some(point) = sweep.points.first() {
            for (i, (key, value)) in sweep.keys.iter().zip(point).enumerate() {
                let entry = format!("{key}={}", format_value(*value, sweep.integer[i]));
                if let Some(message) = bad_set(&[entry]) {
                    let at = if sweep.spec.design_file.is_some() {
                        "design_file".to_string()
                    } else {
                        format!("parameters[{i}].key")
                    };
                    problems.push(provenance.problem(&at, message));
                }
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::InvalidSweep { problems });
        }
        Ok(sweep)
    }

    /// The `--set` overrides of one run: the sweep's fixed `set`, the point's values, the seed.
    pub fn overrides(&self, point: &[f64], replicate: u32) -> Vec<String> {
        let mut o = self.spec.set.clone();
        for (k, (key, value)) in self.keys.iter().zip(point).enumerate() {
            o.push(format!("{key}={}", format_value(*value, self.integer[k])));
        }
        o.push(format!("simulation.seed={}", self.seed(replicate)));
        o
    }

    /// Seed of a replicate: the same at every point, so points compare pairwise.
    pub fn seed(&self, replicate: u32) -> u64 {
        self.spec.seed.wrapping_add(u64::from(replicate))
    }

    /// Runs in the sweep: points × replicates.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.spec.replicates)
    }

    /// Point and replicate of a run id (runs are numbered point by point).
    pub fn locate(&self, run: u64) -> (usize, u32) {
        let r = u64::from(self.spec.replicates);
        ((run / r) as usize, (run % r) as u32)
    }
}

/// Points of a generated design, counted without generating it (saturating).
fn design_points(spec: &SweepSpec) -> u64 {
    match spec.design {
        Design::Grid => spec.parameters.iter().fold(1u64, |n, p| {
            let levels = if p.values.is_empty() {
                u64::from(p.steps.unwrap_or(1).max(1))
            } else {
                p.values.len() as u64
            };
            n.saturating_mul(levels)
        }),
        Design::LatinHypercube | Design::Sobol => u64::from(spec.points),
    }
}

/// A scenario file given where a sweep file is expected: what to do instead.
fn scenario_given(path: &Path) -> Option<String> {
    let text = load::read_text(path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let scenario_keys = [
        "extends",
        "simulation",
        "world",
        "population",
        "groups",
        "state",
        "events",
        "outputs",
    ];
    (!table.contains_key("base") && scenario_keys.iter().any(|k| table.contains_key(*k))).then(
        || {
            "it is a scenario file, not a sweep file: run it with `displace run FILE`, or write \
             a sweep file whose `base` names it (see docs/SWEEPS.md)"
                .to_string()
        },
    )
}

/// A value as written into `--set`: whole numbers without a decimal point when asked.
pub fn format_value(value: f64, integer: bool) -> String {
    if integer {
        format!("{}", libm::round(value) as i64)
    } else {
        format!("{value}")
    }
}

/// The points of a generated design, in natural units.
fn generate(spec: &SweepSpec) -> Vec<Vec<f64>> {
    let round = |v: f64, p: &ParameterSpec| if p.integer { libm::round(v) } else { v };
    match spec.design {
        Design::Grid => {
            let levels: Vec<Vec<f64>> = spec
                .parameters
                .iter()
                .map(|p| {
                    if !p.values.is_empty() {
                        return p.values.iter().map(|&v| round(v, p)).collect();
                    }
                    let (lo, hi, n) = (
                        p.min.unwrap_or(0.0),
                        p.max.unwrap_or(0.0),
                        p.steps.unwrap_or(1).max(1),
                    );
                    (0..n)
                        .map(|i| {
                            if n == 1 {
                                lo
                            } else {
                                lo + (hi - lo) * f64::from(i) / f64::from(n - 1)
                            }
                        })
                        .map(|v| round(v, p))
                        .collect()
                })
                .collect();
            design::grid(&levels)
        }
        Design::LatinHypercube | Design::Sobol => {
            let n = spec.points as usize;
            let dims = spec.parameters.len();
            let unit = if spec.design == Design::Sobol {
                design::sobol(n, dims)
            } else {
                design::latin_hypercube(n, dims, spec.seed)
            };
            unit.into_iter()
                .map(|u| {
                    u.iter()
                        .zip(&spec.parameters)
                        .map(|(x, p)| {
                            let (lo, hi) = (p.min.unwrap_or(0.0), p.max.unwrap_or(0.0));
                            round(lo + (hi - lo) * x, p)
                        })
                        .collect()
                })
                .collect()
        }
    }
}

/// The points of a design: one value per parameter key, in key order.
struct DesignMatrix {
    keys: Vec<String>,
    /// Whether each parameter is rounded to a whole number.
    integer: Vec<bool>,
    points: Vec<Vec<f64>>,
}

/// Reads a design matrix: a CSV with one column per parameter key (a `point` column, if present,
/// is ignored) and one row per point.
fn read_design(path: &Path, spec: &SweepSpec) -> Result<DesignMatrix, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let columns: Vec<usize> = (0..header.len())
        .filter(|&i| header[i] != "point")
        .collect();
    if columns.is_empty() {
        return Err(format!("{} has no parameter columns", path.display()));
    }
    let keys: Vec<String> = columns.iter().map(|&i| header[i].clone()).collect();
    let integer = keys
        .iter()
        .map(|k| spec.parameters.iter().any(|p| p.key == *k && p.integer))
        .collect();
    let mut points = Vec::new();
    let max_rows = spec.max_runs.min(MAX_DESIGN_ROWS) / u64::from(spec.replicates.max(1));
    for (row, record) in reader.records().enumerate() {
        if row as u64 >= max_rows {
            return Err(format!(
                "{} has more than {max_rows} points, which with {} replicates is more than \
                 max_runs = {}; set max_runs (up to {HARD_MAX_RUNS}) if you mean it",
                path.display(),
                spec.replicates,
                spec.max_runs
            ));
        }
        let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
        let mut point = Vec::with_capacity(columns.len());
        for &i in &columns {
            let cell = record.get(i).unwrap_or("");
            let value = cell.trim().parse::<f64>().map_err(|_| {
                format!(
                    "{}: line {} column `{}`: found `{cell}`, expected a number",
                    path.display(),
                    row + 2,
                    header[i]
                )
            })?;
            point.push(value);
        }
        points.push(point);
    }
    if points.is_empty() {
        return Err(format!("{} has no points", path.display()));
    }
    Ok(DesignMatrix {
        keys,
        integer,
        points,
    })
}
