//! The validation battery: the stylised facts of the brief (§9) as experiments that can fail.
//!
//! Each fact is data ([`facts::catalogue`]): one or more checks, each naming the scenario it runs
//! in (a shipped file, with overrides for a variant), whether it is a single arm or a paired
//! contrast of two arms on the same seeds, the statistic it computes from a run, and the threshold
//! the statistic must clear, taken from the brief or marked as the modeller's assumption.
//!
//! A check's statistic is computed per replicate (for a contrast: per pair of runs with the same
//! seed, as the treated arm's value minus the base arm's), and the check holds when the whole 95%
//! interval of its mean over replicates lies beyond the threshold. Runs are shared: every distinct
//! arm (scenario and overrides) runs once per replicate however many checks use it, and each run
//! is reduced to the numbers its checks need as soon as it ends.

pub mod facts;
pub mod record;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;
use serde::Serialize;

use crate::compare::stats;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Stoppable, simulate};
pub use record::{Holder, Run};

/// A statistic of one run.
pub type Measure = fn(&Run) -> f64;

/// A series of one run (one value per point of the figure's x axis).
pub type SeriesOf = fn(&Run) -> Vec<f64>;

/// A figure drawn beside a check, where a picture says it better than the number: each arm's
/// series, its mean over the replicates with a 95% band.
#[derive(Debug, Clone)]
pub struct FigureSpec {
    /// File name, without extension (`fact_24_homicides`).
    pub name: &'static str,
    pub title: &'static str,
    pub x_label: &'static str,
    pub y_label: &'static str,
    /// The x of the series' first value; later values are one apart.
    pub x_first: f64,
    /// The arms' names in the legend, in the design's order (base, then treated).
    pub arm_labels: &'static [&'static str],
    pub series: SeriesOf,
}

/// An arm's points in a figure: (x, mean, 95% low, 95% high).
pub type Band = Vec<(f64, f64, f64, f64)>;

/// A check's figure as drawn: per arm, its label and its points.
#[derive(Debug, Clone)]
pub struct FigureData {
    pub fact: u32,
    pub spec: FigureSpec,
    pub arms: Vec<(String, Band)>,
}

/// What the battery found: a result per check, and the figures of the checks that have one.
#[derive(Debug, Clone)]
pub struct Battery {
    pub results: Vec<CheckResult>,
    pub figures: Vec<FigureData>,
}

/// A scenario as a check runs it: a shipped file (relative to the scenario folder) and overrides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ArmSpec {
    pub scenario: &'static str,
    pub set: Vec<String>,
}

impl ArmSpec {
    pub fn new(scenario: &'static str, set: &[&str]) -> ArmSpec {
        ArmSpec {
            scenario,
            set: set.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// How a report names the arm: the file, then its overrides.
    pub fn describe(&self) -> String {
        if self.set.is_empty() {
            self.scenario.to_string()
        } else {
            format!("{} --set {}", self.scenario, self.set.join(" --set "))
        }
    }
}

/// The runs a check compares.
#[derive(Debug, Clone)]
pub enum Design {
    /// One scenario; the statistic of each run.
    Single(ArmSpec),
    /// Two scenarios on the same seeds; the treated run's statistic minus the base run's.
    Paired { base: ArmSpec, treated: ArmSpec },
}

impl Design {
    fn arms(&self) -> Vec<&ArmSpec> {
        match self {
            Design::Single(a) => vec![a],
            Design::Paired { base, treated } => vec![base, treated],
        }
    }
}

/// Where a statistic must lie for the check to hold: its whole 95% interval beyond a bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Threshold {
    Above(f64),
    Below(f64),
    Between(f64, f64),
}

impl Threshold {
    fn holds(self, low: f64, high: f64) -> bool {
        match self {
            Threshold::Above(x) => low > x,
            Threshold::Below(x) => high < x,
            Threshold::Between(a, b) => low >= a && high <= b,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Threshold::Above(x) => format!("> {}", crate::scenario::error::number(x)),
            Threshold::Below(x) => format!("< {}", crate::scenario::error::number(x)),
            Threshold::Between(a, b) => format!(
                "in [{}, {}]",
                crate::scenario::error::number(a),
                crate::scenario::error::number(b)
            ),
        }
    }
}

/// Where a threshold comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Basis {
    /// Stated by the brief (a direction, an order, or a figure of §8).
    Brief,
    /// Chosen by the modeller, as the brief does with *[assumption]*.
    Assumption,
}

/// One executable check of a fact.
#[derive(Debug, Clone)]
pub struct Check {
    /// What the number is, in words.
    pub statistic: &'static str,
    pub design: Design,
    pub measure: Measure,
    pub threshold: Threshold,
    pub basis: Basis,
    pub figure: Option<FigureSpec>,
}

impl Check {
    /// The same check with a figure.
    pub fn with_figure(mut self, figure: FigureSpec) -> Check {
        self.figure = Some(figure);
        self
    }
}

/// A stylised fact of the brief with its checks.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Its number in §9 of the brief.
    pub id: u32,
    /// The claim, shortened from the brief.
    pub claim: &'static str,
    pub checks: Vec<Check>,
    /// Why the fact has no check yet: what the model lacks to show it.
    pub not_modelled: Option<&'static str>,
    /// The fewest replicates its checks need at full size, for contrasts too noisy for the
    /// battery's usual number (0: the battery's number).
    pub min_replicates: u32,
}

impl Fact {
    /// How many replicates this fact's checks take under `options` (quick mode keeps its own).
    pub fn replicates(&self, options: &Options) -> u32 {
        if options.quick {
            options.replicates
        } else {
            options.replicates.max(self.min_replicates)
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Holds,
    Fails,
    /// The model cannot show the fact yet.
    NotModelled,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "HOLDS",
            Verdict::Fails => "FAILS",
            Verdict::NotModelled => "NOT MODELLED",
        }
    }
}

/// One line of the report: a check of a fact, with its value over the replicates.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub fact: u32,
    /// `1`, `2`, ... within the fact.
    pub check: usize,
    pub claim: &'static str,
    pub statistic: &'static str,
    /// The arms, as `scenario --set k=v`; a contrast is `treated vs base`.
    pub scenario: String,
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub threshold: String,
    pub basis: Basis,
    pub replicates: usize,
    pub verdict: Verdict,
    /// What is missing, for a fact that is not modelled.
    pub note: String,
}

/// How the battery runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder of the shipped scenarios.
    pub scenarios: PathBuf,
    /// Facts to run (all when empty).
    pub facts: Vec<u32>,
    pub replicates: u32,
    pub seed: u64,
    /// Small populations, for tests and a first look.
    pub quick: bool,
    /// Overrides applied to every arm after its own (`--set`): to see a check fail when a
    /// mechanism is switched off, or to run the battery on a variant of the model.
    pub set: Vec<String>,
}

/// Quick mode divides every scenario's households by this (keeping at least 2,000).
pub const QUICK_HOUSEHOLDS_DIVISOR: u64 = 4;

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("no fact numbered {0}; the facts are 1 to {1}")]
    UnknownFact(u32, u32),
    #[error("run failed: {0}")]
    Run(std::io::Error),
}

/// The facts selected by `options`, in order.
pub fn selected(options: &Options) -> Result<Vec<Fact>, ValidateError> {
    let all = facts::catalogue();
    let last = all.iter().map(|f| f.id).max().unwrap_or(0);
    if let Some(&bad) = options
        .facts
        .iter()
        .find(|id| !all.iter().any(|f| f.id == **id))
    {
        return Err(ValidateError::UnknownFact(bad, last));
    }
    Ok(all
        .into_iter()
        .filter(|f| options.facts.is_empty() || options.facts.contains(&f.id))
        .collect())
}

/// The distinct arms of `facts`, each with the checks (fact index, check index) that use it.
fn arms_of(facts: &[Fact]) -> BTreeMap<ArmSpec, Vec<(usize, usize)>> {
    let mut arms: BTreeMap<ArmSpec, Vec<(usize, usize)>> = BTreeMap::new();
    for (f, fact) in facts.iter().enumerate() {
        for (c, check) in fact.checks.iter().enumerate() {
            for arm in check.design.arms() {
                arms.entry(arm.clone()).or_default().push((f, c));
            }
        }
    }
    arms
}

/// How many replicates each arm of `facts` runs: the most any fact that uses it needs.
fn arm_replicates(facts: &[Fact], options: &Options) -> BTreeMap<ArmSpec, u32> {
    let mut replicates: BTreeMap<ArmSpec, u32> = BTreeMap::new();
    for (arm, uses) in arms_of(facts) {
        let n = uses
            .iter()
            .map(|&(f, _)| facts[f].replicates(options))
            .max()
            .unwrap_or(options.replicates);
        replicates.insert(arm, n);
    }
    replicates
}

/// Runs the battery has to do for `facts` (each arm times its replicates).
pub fn runs_needed(facts: &[Fact], options: &Options) -> u64 {
    arm_replicates(facts, options)
        .values()
        .map(|&n| u64::from(n))
        .sum()
}

/// Loads an arm's scenario, shrunk in quick mode.
fn load_arm(arm: &ArmSpec, options: &Options) -> Result<Scenario, ValidateError> {
    let path = options.scenarios.join(arm.scenario);
    let mut set = arm.set.clone();
    set.extend(options.set.iter().cloned());
    if options.quick {
        let base = Scenario::load(&path, &set)?;
        let households =
            (u64::from(base.spec.population.households) / QUICK_HOUSEHOLDS_DIVISOR).max(2000);
        set.insert(0, format!("population.households={households}"));
    }
    Ok(Scenario::load(&path, &set)?)
}

/// What one run leaves for the checks of its arm: their statistics and figure series.
#[derive(Default)]
struct Reduced {
    values: BTreeMap<(usize, usize), f64>,
    series: BTreeMap<(usize, usize), Vec<f64>>,
}

/// Runs the battery: every arm of the selected facts for every replicate (in parallel on the
/// current rayon pool), then every check. `on_run_done` is called once per run; raising `stop`
/// ends it with an interruption. The result is the same for any number of threads.
pub fn run(
    facts: &[Fact],
    options: &Options,
    on_run_done: &(dyn Fn() + Sync),
    stop: &AtomicBool,
) -> Result<Battery, ValidateError> {
    let arms = arms_of(facts);
    let scenarios: Vec<(ArmSpec, Scenario)> = arms
        .keys()
        .map(|arm| Ok((arm.clone(), load_arm(arm, options)?)))
        .collect::<Result<_, ValidateError>>()?;
    let replicates = arm_replicates(facts, options);
    let seed = |r: usize| options.seed + r as u64;
    // Every arm's replicates, arm after arm: arm a's replicate r is job `first[a] + r`.
    let counts: Vec<usize> = scenarios
        .iter()
        .map(|(arm, _)| replicates[arm] as usize)
        .collect();
    let first: Vec<usize> = counts
        .iter()
        .scan(0, |next, &n| {
            let at = *next;
            *next += n;
            Some(at)
        })
        .collect();
    let jobs: Vec<(usize, usize)> = (0..scenarios.len())
        .flat_map(|a| (0..counts[a]).map(move |r| (a, r)))
        .collect();
    // Each run is reduced at once to the values of the checks that use its arm.
    let reduced: Vec<Reduced> = jobs
        .par_iter()
        .map(|&(a, r)| {
            let (arm, scenario) = &scenarios[a];
            let mut scenario = scenario.clone();
            scenario.spec.simulation.seed = seed(r);
            let mut recorder = record::Recorder::default();
            let outcome = simulate(&scenario, &mut Stoppable::new(&mut recorder, stop))
                .map_err(ValidateError::Run)?;
            let run = recorder.finish(outcome.summary, &outcome.model);
            let mut out = Reduced::default();
            for &(f, c) in &arms[arm] {
                let check = &facts[f].checks[c];
                out.values.insert((f, c), (check.measure)(&run));
                if let Some(figure) = &check.figure {
                    out.series.insert((f, c), (figure.series)(&run));
                }
            }
            on_run_done();
            Ok(out)
        })
        .collect::<Result<_, ValidateError>>()?;
    let index: BTreeMap<&ArmSpec, usize> = scenarios
        .iter()
        .enumerate()
        .map(|(i, (a, _))| (a, i))
        .collect();
    let value = |arm: &ArmSpec, r: usize, key: (usize, usize)| -> f64 {
        reduced[first[index[arm]] + r].values[&key]
    };
    let mut figures = Vec::new();
    for (f, fact) in facts.iter().enumerate() {
        for (c, check) in fact.checks.iter().enumerate() {
            let Some(spec) = &check.figure else { continue };
            let arms = check
                .design
                .arms()
                .into_iter()
                .enumerate()
                .map(|(a, arm)| {
                    let runs: Vec<&Vec<f64>> = (0..fact.replicates(options) as usize)
                        .map(|r| &reduced[first[index[arm]] + r].series[&(f, c)])
                        .collect();
                    let label = spec
                        .arm_labels
                        .get(a)
                        .map_or_else(|| arm.describe(), |l| l.to_string());
                    (label, bands(spec.x_first, &runs))
                })
                .collect();
            figures.push(FigureData {
                fact: fact.id,
                spec: spec.clone(),
                arms,
            });
        }
    }

    let mut results = Vec::new();
    for (f, fact) in facts.iter().enumerate() {
        if let Some(missing) = fact.not_modelled {
            results.push(CheckResult {
                fact: fact.id,
                check: 1,
                claim: fact.claim,
                statistic: "",
                scenario: String::new(),
                mean: f64::NAN,
                ci95_low: f64::NAN,
                ci95_high: f64::NAN,
                threshold: String::new(),
                basis: Basis::Brief,
                replicates: 0,
                verdict: Verdict::NotModelled,
                note: missing.to_string(),
            });
            continue;
        }
        let replicates = fact.replicates(options) as usize;
        for (c, check) in fact.checks.iter().enumerate() {
            let per_replicate: Vec<f64> = (0..replicates)
                .map(|r| match &check.design {
                    Design::Single(arm) => value(arm, r, (f, c)),
                    Design::Paired { base, treated } => {
                        value(treated, r, (f, c)) - value(base, r, (f, c))
                    }
                })
                .collect();
            let finite: Vec<f64> = per_replicate
                .into_iter()
                .filter(|v| v.is_finite())
                .collect();
            let (mean, low, high) = if finite.is_empty() {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                stats::mean_ci95(&finite)
            };
            let holds = finite.len() == replicates && check.threshold.holds(low, high);
            results.push(CheckResult {
                fact: fact.id,
                check: c + 1,
                claim: fact.claim,
                statistic: check.statistic,
                scenario: match &check.design {
                    Design::Single(a) => a.describe(),
                    Design::Paired { base, treated } => {
                        format!("{} vs {}", treated.describe(), base.describe())
                    }
                },
                mean,
                ci95_low: low,
                ci95_high: high,
                threshold: check.threshold.describe(),
                basis: check.basis,
                replicates: finite.len(),
                verdict: if holds {
                    Verdict::Holds
                } else {
                    Verdict::Fails
                },
                note: if finite.len() < replicates {
                    format!(
                        "{} of {} replicates gave no value",
                        replicates - finite.len(),
                        replicates
                    )
                } else {
                    String::new()
                },
            });
        }
    }
    Ok(Battery { results, figures })
}

/// Mean and 95% band over replicates at each point (as far as the shortest replicate's series).
fn bands(x_first: f64, runs: &[&Vec<f64>]) -> Band {
    let points = runs.iter().map(|s| s.len()).min().unwrap_or(0);
    (0..points)
        .map(|i| {
            let at: Vec<f64> = runs
                .iter()
                .map(|s| s[i])
                .filter(|v| v.is_finite())
                .collect();
            let (mean, low, high) = if at.is_empty() {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                stats::mean_ci95(&at)
            };
            (x_first + i as f64, mean, low, high)
        })
        .collect()
}

/// A fact holds when every one of its checks does.
pub fn fact_verdicts(results: &[CheckResult]) -> BTreeMap<u32, Verdict> {
    let mut out: BTreeMap<u32, Verdict> = BTreeMap::new();
    for r in results {
        let entry = out.entry(r.fact).or_insert(Verdict::Holds);
        *entry = match (*entry, r.verdict) {
            (Verdict::NotModelled, _) | (_, Verdict::NotModelled) => Verdict::NotModelled,
            (Verdict::Fails, _) | (_, Verdict::Fails) => Verdict::Fails,
            _ => Verdict::Holds,
        };
    }
    out
}

/// Where the shipped scenarios are, seen from `dir` (the repository or any folder below it).
pub fn find_scenarios(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("scenarios"))
        .find(|d| d.join("baseline.toml").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(facts: &[u32], replicates: u32, quick: bool) -> Options {
        Options {
            scenarios: PathBuf::from("scenarios"),
            facts: facts.to_vec(),
            replicates,
            seed: 1,
            quick,
            set: Vec::new(),
        }
    }

    #[test]
    fn a_noisy_fact_runs_at_least_its_replicates_at_full_size_and_shares_nothing_more() {
        let full = options(&[40, 41], 10, false);
        let facts = selected(&full).unwrap();
        let by_id = |id: u32| facts.iter().find(|f| f.id == id).unwrap();
        assert_eq!(by_id(40).replicates(&full), 30);
        assert_eq!(by_id(41).replicates(&full), 10);
        // More than its floor when asked for more; quick mode keeps its own number.
        assert_eq!(by_id(40).replicates(&options(&[40], 50, false)), 50);
        assert_eq!(by_id(40).replicates(&options(&[40], 3, true)), 3);
        // Fact 40's two arms at 30 replicates, fact 41's three at 10.
        assert_eq!(runs_needed(&facts, &full), 2 * 30 + 3 * 10);
        assert_eq!(runs_needed(&facts, &options(&[40, 41], 3, true)), 5 * 3);
    }
}
