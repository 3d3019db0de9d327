//! The calibration file format: a base scenario, the parameters to calibrate with their priors,
//! the observed statistics to match, hard constraints, and the algorithm's settings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::prior::Prior;
use super::smc::SmcConfig;
use crate::scenario::{Problem, Scenario, ScenarioError, load};

/// One calibrated parameter: a dotted scenario key and its prior.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParameterSpec {
    /// Dotted scenario key, as for `--set`.
    pub key: String,
    /// `uniform`, `log_uniform`, `normal` or `truncated_normal`.
    pub prior: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Round values to whole numbers (for counts).
    pub integer: bool,
}

/// Sum of `timeseries.csv` columns over the ticks `from..to`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowSpec {
    pub columns: Vec<String>,
    pub ticks: [u32; 2],
}

/// The ratio of two window sums of the same `timeseries.csv` columns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RatioSpec {
    pub columns: Vec<String>,
    pub numerator: [u32; 2],
    pub denominator: [u32; 2],
}

/// A statistic of a run: exactly one of a `summary.json` key path, a window sum or a ratio of
/// window sums.
#[derive(Debug, Clone, PartialEq)]
pub enum Statistic {
    Summary(String),
    Window(WindowSpec),
    Ratio(RatioSpec),
}

/// One observed statistic to match.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TargetSpec {
    pub name: String,
    /// The variant whose run gives the statistic (default: the base run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// A `summary.json` key path, e.g. `trigger_shares.extortion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<RatioSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<f64>,
    /// The difference that counts as one unit of distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
}

/// A hard constraint: a proposal that breaks it is never kept.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConstraintSpec {
    /// Target names (or `summary.json` key paths of the base run) whose simulated statistics
    /// must come in this order, largest first.
    pub order: Vec<String>,
    /// The variant whose run gives the statistic (default: the base run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Or one statistic, as for a target, with `above` and/or `below`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<RatioSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
}

/// A variant of the base scenario run beside it with the same parameters and seed (a longer
/// run, a policy switched on), for targets and constraints that need it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VariantSpec {
    pub name: String,
    /// Overrides applied after the calibration's own `set`.
    pub set: Vec<String>,
}

/// A calibration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalibrationSpec {
    /// Base scenario file, relative to the calibration file.
    pub base: String,
    /// Overrides applied to every run (`KEY=VALUE`, as for `--set`).
    pub set: Vec<String>,
    pub seed: u64,
    /// Particles per generation.
    pub particles: u32,
    /// Runs per proposal (seeds drawn per proposal); its statistics are their means.
    pub replicates: u32,
    /// Proposals simulated together (default: the particles).
    pub batch: u32,
    /// Each tolerance is this quantile of the previous generation's distances.
    pub quantile: f64,
    pub max_generations: u32,
    pub final_tolerance: f64,
    pub min_acceptance: f64,
    pub max_simulations: u64,
    /// Posterior draws simulated afresh for `predictive.csv`.
    pub predictive_draws: u32,
    pub parameters: Vec<ParameterSpec>,
    pub variants: Vec<VariantSpec>,
    pub targets: Vec<TargetSpec>,
    pub constraints: Vec<ConstraintSpec>,
}

impl Default for CalibrationSpec {
    fn default() -> Self {
        Self {
            base: String::new(),
            set: Vec::new(),
            seed: 1,
            particles: 200,
            replicates: 1,
            batch: 0,
            quantile: 0.5,
            max_generations: 10,
            final_tolerance: 0.0,
            min_acceptance: 0.02,
            max_simulations: 100_000,
            predictive_draws: 100,
            parameters: Vec::new(),
            variants: Vec::new(),
            targets: Vec::new(),
            constraints: Vec::new(),
        }
    }
}

/// A constraint, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// Indices of targets whose statistics must be in decreasing order.
    Order(Vec<usize>),
    /// A statistic (index into [`Calibration::statistics`]) within bounds.
    Bounds {
        statistic: usize,
        above: Option<f64>,
        below: Option<f64>,
    },
}

/// A loaded, checked calibration.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub spec: CalibrationSpec,
    pub file: PathBuf,
    pub base: PathBuf,
    /// The base scenario's files as read when the calibration was loaded: every simulation
    /// starts from them.
    pub base_files: load::Base,
    pub priors: Vec<Prior>,
    /// Every statistic a run reports: the targets' first, then the constraints' own.
    pub statistics: Vec<Statistic>,
    /// Names of the statistics, for `posterior.csv`.
    pub statistic_names: Vec<String>,
    /// The run each statistic is read from: 0 for the base, 1 + v for variant v.
    pub statistic_runs: Vec<usize>,
    pub observed: Vec<f64>,
    pub scales: Vec<f64>,
    pub constraints: Vec<Constraint>,
    /// SHA-256 of the calibration file's resolved content and of the base scenario.
    pub hash: String,
}

/// Limits that keep a typo from asking for the impossible.
const MAX_PARTICLES: u32 = 1_000_000;
const MAX_REPLICATES: u32 = 1_000;
const MAX_SIMULATIONS: u64 = 1_000_000_000;

impl Calibration {
    /// Reads and checks a calibration file. Errors name the file, line, key and what was
    /// expected.
    pub fn load(path: &Path) -> Result<Calibration, ScenarioError> {
        let (spec, provenance) = load::read_located::<CalibrationSpec>(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut problems: Vec<Problem> = Vec::new();
        let mut problem =
            |key: &str, message: String| problems.push(provenance.problem(key, message));

        let base = dir.join(&spec.base);
        if spec.base.is_empty() {
            problem(
                "base",
                "a base scenario file is required, e.g. base = \"../ecuador_2024.toml\"".into(),
            );
        } else if !base.is_file() {
            problem("base", format!("no such scenario file {}", base.display()));
        }
        let mut range_u = |key: &str, v: u64, lo: u64, hi: u64, what: &str| {
            if v < lo || v > hi {
                problem(key, format!("found {v}, expected {what} from {lo} to {hi}"));
            }
        };
        range_u("seed", spec.seed, 0, i64::MAX as u64, "a seed");
        range_u(
            "particles",
            spec.particles.into(),
            2,
            MAX_PARTICLES.into(),
            "particles",
        );
        range_u(
            "replicates",
            spec.replicates.into(),
            1,
            MAX_REPLICATES.into(),
            "replicates",
        );
        range_u(
            "batch",
            spec.batch.into(),
            0,
            MAX_PARTICLES.into(),
            "a batch size (0: the particles)",
        );
        range_u(
            "max_generations",
            spec.max_generations.into(),
            1,
            1000,
            "generations",
        );
        range_u(
            "max_simulations",
            spec.max_simulations,
            1,
            MAX_SIMULATIONS,
            "simulations",
        );
        range_u(
            "predictive_draws",
            spec.predictive_draws.into(),
            0,
            100_000,
            "draws",
        );
        if !(spec.quantile > 0.0 && spec.quantile < 1.0) {
            problem(
                "quantile",
                format!("found {}, expected a share between 0 and 1", spec.quantile),
            );
        }
        if !(0.0..1.0).contains(&spec.min_acceptance) {
            problem(
                "min_acceptance",
                format!(
                    "found {}, expected a share from 0 to below 1",
                    spec.min_acceptance
                ),
            );
        }
        if !(spec.final_tolerance >= 0.0 && spec.final_tolerance.is_finite()) {
            problem(
                "final_tolerance",
                format!(
                    "found {}, expected a distance of 0 or more",
                    spec.final_tolerance
                ),
            );
        }
        let first_batch = u64::from(if spec.batch == 0 {
            spec.particles
        } else {
            spec.batch
        }) * u64::from(spec.replicates);
        if first_batch > spec.max_simulations {
            problem(
                "max_simulations",
                format!(
                    "found {}, less than one batch of proposals ({first_batch} simulations)",
                    spec.max_simulations
                ),
            );
        }

        // Parameters and their priors.
        if spec.parameters.is_empty() {
            problem(
                "parameters",
                "a calibration needs at least one parameter ([[parameters]] with a key and a prior)"
                    .into(),
            );
        }
        let mut priors = Vec::new();
        for (i, p) in spec.parameters.iter().enumerate() {
            let key = |k: &str| format!("parameters[{i}].{k}");
            if p.key.is_empty() {
                problem(
                    &key("key"),
                    "expected a dotted scenario key, e.g. \"groups.gangs.extortion_rate\"".into(),
                );
            }
            if spec.parameters[..i].iter().any(|q| q.key == p.key) && !p.key.is_empty() {
                problem(&key("key"), format!("`{}` is calibrated twice", p.key));
            }
            match prior_of(p) {
                Ok(prior) => priors.push(prior),
                Err((k, message)) => problem(&key(k), message),
            }
        }

        // Variants: distinct names; each target or constraint names one of them, or none.
        for (v, variant) in spec.variants.iter().enumerate() {
            if variant.name.is_empty() {
                problem(
                    &format!("variants[{v}].name"),
                    "expected a name for the variant".into(),
                );
            } else if spec.variants[..v].iter().any(|w| w.name == variant.name) {
                problem(
                    &format!("variants[{v}].name"),
                    format!("two variants are named `{}`", variant.name),
                );
            }
        }
        let variant_names: Vec<String> = spec.variants.iter().map(|v| v.name.clone()).collect();
        let mut run_of = |at: &str, variant: &Option<String>| -> usize {
            match variant {
                None => 0,
                Some(name) => match variant_names.iter().position(|n| n == name) {
                    Some(v) => v + 1,
                    None => {
                        let hint = load::nearest(name, &variant_names)
                            .map(|n| format!(" (did you mean `{n}`?)"))
                            .unwrap_or_default();
                        problem(at, format!("no variant named `{name}`{hint}"));
                        0
                    }
                },
            }
        };
        let mut statistic_runs = Vec::new();
        for (i, t) in spec.targets.iter().enumerate() {
            statistic_runs.push(run_of(&format!("targets[{i}].variant"), &t.variant));
        }
        let mut constraint_runs = Vec::new();
        for (i, c) in spec.constraints.iter().enumerate() {
            constraint_runs.push(run_of(&format!("constraints[{i}].variant"), &c.variant));
        }

        // Targets, then the constraints' own statistics.
        let mut statistics = Vec::new();
        let mut statistic_names = Vec::new();
        let mut observed = Vec::new();
        let mut scales = Vec::new();
        if spec.targets.is_empty() {
            problem(
                "targets",
                "a calibration needs at least one target ([[targets]] with a statistic, observed and scale)"
                    .into(),
            );
        }
        for (i, t) in spec.targets.iter().enumerate() {
            let key = |k: &str| format!("targets[{i}].{k}");
            if t.name.is_empty() {
                problem(&key("name"), "expected a name for the target".into());
            } else if spec.targets[..i].iter().any(|q| q.name == t.name) {
                problem(&key("name"), format!("two targets are named `{}`", t.name));
            }
            match statistic_of(&t.summary, &t.window, &t.ratio) {
                Ok(s) => statistics.push(s),
                Err(message) => problem(&format!("targets[{i}]"), message),
            }
            statistic_names.push(t.name.clone());
            match t.observed {
                Some(v) if v.is_finite() => observed.push(v),
                Some(v) => problem(&key("observed"), format!("found {v}, expected a number")),
                None => problem(&key("observed"), "expected the observed value".into()),
            }
            match t.scale {
                Some(v) if v > 0.0 && v.is_finite() => scales.push(v),
                Some(v) => problem(
                    &key("scale"),
                    format!("found {v}, expected a positive number"),
                ),
                None => problem(
                    &key("scale"),
                    "expected a scale: the difference that counts as one unit of distance".into(),
                ),
            }
        }
        let mut constraints = Vec::new();
        // Order entries that name no target: (constraint, summary path), checked below.
        let mut order_paths: Vec<(usize, String)> = Vec::new();
        for (i, c) in spec.constraints.iter().enumerate() {
            let key = |k: &str| format!("constraints[{i}].{k}");
            let has_statistic = c.summary.is_some() || c.window.is_some() || c.ratio.is_some();
            if !c.order.is_empty() {
                if has_statistic || c.above.is_some() || c.below.is_some() {
                    problem(
                        &key("order"),
                        "a constraint is either an order of targets or one statistic with above/below, not both"
                            .into(),
                    );
                }
                if c.order.len() < 2 {
                    problem(&key("order"), "an order needs two targets or more".into());
                }
                if c.variant.is_some() {
                    problem(
                        &key("variant"),
                        "an order compares targets, each read from its own run: give the variant on the targets"
                            .into(),
                    );
                }
                let mut indices = Vec::new();
                for name in &c.order {
                    match spec.targets.iter().position(|t| t.name == *name) {
                        Some(k) => indices.push(k),
                        // Not a target: a summary key of the base run, checked with the others.
                        None => {
                            statistic_names.push(name.clone());
                            statistics.push(Statistic::Summary(name.clone()));
                            statistic_runs.push(0);
                            order_paths.push((i, name.clone()));
                            indices.push(statistics.len() - 1);
                        }
                    }
                }
                constraints.push(Constraint::Order(indices));
            } else {
                match statistic_of(&c.summary, &c.window, &c.ratio) {
                    Ok(s) => {
                        statistic_names.push(format!("constraint_{i}"));
                        statistics.push(s);
                        statistic_runs.push(constraint_runs[i]);
                        constraints.push(Constraint::Bounds {
                            statistic: statistics.len() - 1,
                            above: c.above,
                            below: c.below,
                        });
                    }
                    Err(message) => problem(&format!("constraints[{i}]"), message),
                }
                if c.above.is_none() && c.below.is_none() {
                    problem(
                        &format!("constraints[{i}]"),
                        "expected `above`, `below` or both for the statistic".into(),
                    );
                }
                if let (Some(a), Some(b)) = (c.above, c.below)
                    && a >= b
                {
                    problem(
                        &key("below"),
                        format!("found {b}, expected more than `above` ({a})"),
                    );
                }
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::InvalidCalibration { problems });
        }

        // The base with the fixed overrides must load, and each parameter key must be a key of
        // it: try each alone, so the error names the entry at fault.
        let mut problems = Vec::new();
        let base_files = load::Base::read(&base)?;
        let bad = |overrides: &[String]| match Scenario::from_base(&base_files, overrides) {
            Err(e @ ScenarioError::BadSet { .. }) => Some(e.to_string()),
            _ => None,
        };
        for (j, entry) in spec.set.iter().enumerate() {
            if let Some(message) = bad(std::slice::from_ref(entry)) {
                problems.push(provenance.problem(&format!("set[{j}]"), message));
            }
        }
        for (i, (p, prior)) in spec.parameters.iter().zip(&priors).enumerate() {
            let (mean, _) = prior.moments();
            let value = super::format_value(mean, p.integer);
            if let Some(message) = bad(&[format!("{}={value}", p.key)]) {
                problems.push(provenance.problem(&format!("parameters[{i}].key"), message));
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::InvalidCalibration { problems });
        }
        // Each variant's overrides must apply over the base and its `set`.
        let mut problems = Vec::new();
        for (v, variant) in spec.variants.iter().enumerate() {
            for (j, entry) in variant.set.iter().enumerate() {
                let mut o = spec.set.clone();
                o.push(entry.clone());
                if let Some(message) = bad(&o) {
                    problems.push(provenance.problem(&format!("variants[{v}].set[{j}]"), message));
                }
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::InvalidCalibration { problems });
        }
        let scenario = Scenario::from_base(&base_files, &spec.set)?;
        let mut runs = vec![scenario.clone()];
        for variant in &spec.variants {
            let mut o = spec.set.clone();
            o.extend(variant.set.iter().cloned());
            runs.push(Scenario::from_base(&base_files, &o)?);
        }

        // Every statistic must be one its run produces: summary keys are looked up in the
        // summary of a small run, columns in the time series, windows within the run's ticks.
        let mut problems = Vec::new();
        let probes: Vec<Option<serde_json::Value>> = runs
            .iter()
            .enumerate()
            .map(|(r, run)| {
                let used = statistic_runs
                    .iter()
                    .zip(&statistics)
                    .any(|(&k, st)| k == r && matches!(st, Statistic::Summary(_)));
                if used {
                    super::probe_summary(run)
                } else {
                    None
                }
            })
            .collect();
        let columns = crate::output::timeseries_header();
        let run_name = |r: usize| {
            if r == 0 {
                "the base".to_string()
            } else {
                format!("variant `{}`", spec.variants[r - 1].name)
            }
        };
        let mut check_statistic = |at: String, s: &Statistic, r: usize, summary_key: &str| {
            let ticks = runs[r].spec.simulation.ticks;
            match s {
                Statistic::Summary(path) => {
                    if super::lookup(&probes[r], path).is_none() {
                        let keys = super::numeric_paths(&probes[r]);
                        let hint = load::nearest(path, &keys)
                            .map(|n| format!(" (did you mean `{n}`?)"))
                            .unwrap_or_default();
                        problems.push(provenance.problem(
                            &format!("{at}.{summary_key}"),
                            format!(
                                "no run of {} produces a number at `{path}` in summary.json{hint}",
                                run_name(r)
                            ),
                        ));
                    }
                }
                Statistic::Window(w) => {
                    check_columns(
                        &w.columns,
                        &columns,
                        &at,
                        "window",
                        &provenance,
                        &mut problems,
                    );
                    check_ticks(
                        w.ticks,
                        ticks,
                        &format!("{at}.window.ticks"),
                        &provenance,
                        &mut problems,
                    );
                }
                Statistic::Ratio(r) => {
                    check_columns(
                        &r.columns,
                        &columns,
                        &at,
                        "ratio",
                        &provenance,
                        &mut problems,
                    );
                    check_ticks(
                        r.numerator,
                        ticks,
                        &format!("{at}.ratio.numerator"),
                        &provenance,
                        &mut problems,
                    );
                    check_ticks(
                        r.denominator,
                        ticks,
                        &format!("{at}.ratio.denominator"),
                        &provenance,
                        &mut problems,
                    );
                }
            }
        };
        for (i, st) in statistics.iter().enumerate().take(spec.targets.len()) {
            check_statistic(format!("targets[{i}]"), st, statistic_runs[i], "summary");
        }
        for (i, c) in constraints.iter().enumerate() {
            // Every constraint is resolved in file order, so `i` is its index in the file.
            if let Constraint::Bounds { statistic, .. } = c {
                let (st, r) = (&statistics[*statistic], statistic_runs[*statistic]);
                check_statistic(format!("constraints[{i}]"), st, r, "summary");
            }
        }
        for (i, path) in &order_paths {
            check_statistic(
                format!("constraints[{i}]"),
                &Statistic::Summary(path.clone()),
                0,
                "order",
            );
        }
        if !problems.is_empty() {
            return Err(ScenarioError::InvalidCalibration { problems });
        }
        let hash = super::hash_of(&spec, &scenario);
        Ok(Calibration {
            spec,
            file: path.to_path_buf(),
            base,
            base_files,
            priors,
            statistics,
            statistic_names,
            statistic_runs,
            observed,
            scales,
            constraints,
            hash,
        })
    }

    /// The algorithm's settings.
    pub fn config(&self) -> SmcConfig {
        let s = &self.spec;
        SmcConfig {
            seed: s.seed,
            particles: s.particles as usize,
            batch: if s.batch == 0 { s.particles } else { s.batch } as usize,
            quantile: s.quantile,
            max_generations: s.max_generations,
            final_tolerance: s.final_tolerance,
            min_acceptance: s.min_acceptance,
            max_simulations: s.max_simulations,
            runs_per_proposal: u64::from(s.replicates),
            priors: self.priors.clone(),
            integer: s.parameters.iter().map(|p| p.integer).collect(),
        }
    }

    /// Parameter keys, in column order.
    pub fn keys(&self) -> Vec<String> {
        self.spec.parameters.iter().map(|p| p.key.clone()).collect()
    }

    /// The `--set` overrides of a run at `theta` with `seed`.
    pub fn overrides(&self, theta: &[f64], seed: u64) -> Vec<String> {
        let mut o = self.spec.set.clone();
        for (p, &x) in self.spec.parameters.iter().zip(theta) {
            o.push(format!("{}={}", p.key, super::format_value(x, p.integer)));
        }
        o.push(format!("simulation.seed={seed}"));
        o
    }

    /// Root-mean-square scaled distance of the targets; infinite when a constraint fails.
    pub fn distance(&self, stats: &[f64]) -> f64 {
        self.distance_of(stats, false)
    }

    /// A lower bound of the distance from statistics some of which are not known yet (NaN):
    /// constraints on unknown statistics are passed over and unknown targets add nothing. So a
    /// proposal whose first runs already lie beyond the tolerance can be refused without the
    /// rest, and exactly the proposals the full distance would refuse are refused.
    pub fn distance_lower_bound(&self, stats: &[f64]) -> f64 {
        self.distance_of(stats, true)
    }

    fn distance_of(&self, stats: &[f64], unknown_pass: bool) -> f64 {
        let known = |k: usize| !(unknown_pass && stats[k].is_nan());
        for c in &self.constraints {
            let ok = match c {
                Constraint::Order(indices) => indices
                    .windows(2)
                    .all(|w| !(known(w[0]) && known(w[1])) || stats[w[0]] > stats[w[1]]),
                Constraint::Bounds {
                    statistic,
                    above,
                    below,
                } => {
                    let v = stats[*statistic];
                    !known(*statistic)
                        || (above.is_none_or(|a| v > a) && below.is_none_or(|b| v < b))
                }
            };
            if !ok {
                return f64::INFINITY;
            }
        }
        let n = self.observed.len();
        let sum: f64 = (0..n)
            .filter(|&k| known(k))
            .map(|k| ((stats[k] - self.observed[k]) / self.scales[k]).powi(2))
            .sum();
        if sum.is_nan() {
            f64::INFINITY
        } else {
            (sum / n as f64).sqrt()
        }
    }
}

fn check_columns(
    wanted: &[String],
    columns: &[String],
    at: &str,
    kind: &str,
    provenance: &load::Provenance,
    problems: &mut Vec<Problem>,
) {
    if wanted.is_empty() {
        problems.push(provenance.problem(
            &format!("{at}.{kind}.columns"),
            "expected one or more timeseries.csv columns".into(),
        ));
    }
    for c in wanted {
        if !columns.contains(c) {
            let hint = load::nearest(c, columns)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            problems.push(provenance.problem(
                &format!("{at}.{kind}.columns"),
                format!("no column `{c}` in timeseries.csv{hint}"),
            ));
        }
    }
}

fn check_ticks(
    window: [u32; 2],
    ticks: u32,
    at: &str,
    provenance: &load::Provenance,
    problems: &mut Vec<Problem>,
) {
    let [from, to] = window;
    if from >= to || to > ticks {
        problems.push(provenance.problem(
            at,
            format!(
                "found [{from}, {to}], expected ticks [from, to) with from < to <= {ticks} (the run's ticks)"
            ),
        ));
    }
}

fn statistic_of(
    summary: &Option<String>,
    window: &Option<WindowSpec>,
    ratio: &Option<RatioSpec>,
) -> Result<Statistic, String> {
    match (summary, window, ratio) {
        (Some(s), None, None) => Ok(Statistic::Summary(s.clone())),
        (None, Some(w), None) => Ok(Statistic::Window(w.clone())),
        (None, None, Some(r)) => Ok(Statistic::Ratio(r.clone())),
        (None, None, None) => Err(
            "expected a statistic: `summary = \"key.path\"`, `window = { columns, ticks }` or `ratio = { columns, numerator, denominator }`"
                .into(),
        ),
        _ => Err("expected one statistic, found more than one of summary, window and ratio".into()),
    }
}

/// The prior of a parameter, or the key at fault and why.
fn prior_of(p: &ParameterSpec) -> Result<Prior, (&'static str, String)> {
    let need = |v: Option<f64>, k: &'static str| {
        v.filter(|x| x.is_finite())
            .ok_or((k, format!("a {} prior needs a finite `{k}`", p.prior)))
    };
    let ordered = |low: f64, high: f64| {
        if low < high {
            Ok(())
        } else {
            Err((
                "high",
                format!("found {high}, expected more than low ({low})"),
            ))
        }
    };
    match p.prior.as_str() {
        "uniform" => {
            let (low, high) = (need(p.low, "low")?, need(p.high, "high")?);
            ordered(low, high)?;
            Ok(Prior::Uniform { low, high })
        }
        "log_uniform" => {
            let (low, high) = (need(p.low, "low")?, need(p.high, "high")?);
            if low <= 0.0 {
                return Err(("low", format!("found {low}, expected a positive number")));
            }
            ordered(low, high)?;
            Ok(Prior::LogUniform { low, high })
        }
        "normal" => {
            let (mean, sd) = (need(p.mean, "mean")?, need(p.sd, "sd")?);
            if sd <= 0.0 {
                return Err(("sd", format!("found {sd}, expected a positive number")));
            }
            Ok(Prior::Normal { mean, sd })
        }
        "truncated_normal" => {
            let (mean, sd) = (need(p.mean, "mean")?, need(p.sd, "sd")?);
            let (low, high) = (need(p.low, "low")?, need(p.high, "high")?);
            if sd <= 0.0 {
                return Err(("sd", format!("found {sd}, expected a positive number")));
            }
            ordered(low, high)?;
            let prior = Prior::TruncatedNormal {
                mean,
                sd,
                low,
                high,
            };
            if prior.truncated_mass() < 1e-6 {
                return Err((
                    "low",
                    format!(
                        "the bounds [{low}, {high}] hold almost none of a normal({mean}, {sd}): move them nearer the mean"
                    ),
                ));
            }
            Ok(prior)
        }
        "" => Err((
            "prior",
            "expected a prior: uniform, log_uniform, normal or truncated_normal".into(),
        )),
        other => Err((
            "prior",
            format!(
                "unknown prior `{other}`, expected uniform, log_uniform, normal or truncated_normal"
            ),
        )),
    }
}
