//! Comparing scenarios with common random numbers.
//!
//! Every arm runs the same replicates: replicate *r* uses seed `seed + r` in every arm, and
//! because every random draw is keyed by what it is for (process, entity, tick), two arms share
//! every draw except where their scenarios differ. The paired difference of a metric between an
//! arm and the first arm, replicate by replicate, therefore measures the effect of what differs,
//! with far less noise than two unrelated runs. Comparing a scenario with itself gives exactly 0.

pub mod cells;
pub mod stats;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::Summary;
use crate::scenario::Scenario;
use crate::sim::simulate;

/// One scenario in a comparison.
#[derive(Debug, Clone)]
pub struct Arm {
    pub name: String,
    pub scenario: Scenario,
}

/// The metrics compared, read from a run's summary.
pub fn headline(s: &Summary) -> Vec<(&'static str, f64)> {
    vec![
        ("displaced_persons", s.displaced_persons as f64),
        (
            "displacement_incidence_per_100k_15plus",
            s.displacement_incidence_per_100k_15plus,
        ),
        ("displacements", s.displacements as f64),
        ("repeat_displacement_share", s.repeat_displacement_share),
        ("mass_event_share", s.mass_event_share),
        ("whole_family_share", s.whole_family_share),
        (
            "self_contained_households",
            s.self_contained_households as f64,
        ),
        ("cross_border_exits", s.cross_border_exits as f64),
        ("returns", s.returns as f64),
        (
            "homicides_total",
            (s.homicides_oc + s.homicides_background + s.homicides_state_clash) as f64,
        ),
        ("homicides_oc", s.homicides_oc as f64),
        ("homicides_background", s.homicides_background as f64),
        ("homicides_state_clash", s.homicides_state_clash as f64),
        ("homicides_children", s.homicides_children as f64),
        ("children_recruited", s.children_recruited as f64),
        ("trafficking_true", s.trafficking_true as f64),
        ("trafficking_identified", s.trafficking_identified as f64),
        ("pursuit_attacks", s.pursuit_attacks as f64),
        ("business_closures", s.business_closures as f64),
        ("ghost_neighbourhoods", s.ghost_neighbourhoods as f64),
        (
            "recruitment_displacements",
            s.displacements_by_trigger
                .get("recruitment")
                .copied()
                .unwrap_or(0) as f64,
        ),
        (
            "state_abuse_displacements",
            s.displacements_by_trigger
                .get("state_abuse")
                .copied()
                .unwrap_or(0) as f64,
        ),
        ("innocent_detentions", s.innocent_detentions as f64),
        ("member_arrests", s.member_arrests as f64),
        ("killed_to_wounded_ratio", s.killed_to_wounded_ratio),
        ("assisted_households", s.assisted_households as f64),
        ("assisted_preemptive_share", s.assisted_preemptive_share),
    ]
}

/// What a headline metric is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Persons,
    Children,
    Households,
    Episodes,
    Homicides,
    Cases,
    Attacks,
    Businesses,
    Neighbourhoods,
    /// Persons per 100,000 persons (aged 15 or over) per year.
    Per100kPerYear,
    /// A proportion between 0 and 1.
    Share,
    /// A ratio of two counts (0 or more).
    Ratio,
}

impl Unit {
    /// The unit as written in the table and in `compare.csv`.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Persons => "persons",
            Unit::Children => "children",
            Unit::Households => "households",
            Unit::Episodes => "episodes",
            Unit::Homicides => "homicides",
            Unit::Cases => "cases",
            Unit::Attacks => "attacks",
            Unit::Businesses => "businesses",
            Unit::Neighbourhoods => "neighbourhoods",
            Unit::Per100kPerYear => "per 100k per year",
            Unit::Share => "share",
            Unit::Ratio => "ratio",
        }
    }

    /// The values a metric in this unit can take: never below 0, and shares never above 1.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Unit::Share => (0.0, 1.0),
            _ => (0.0, f64::INFINITY),
        }
    }
}

/// The unit of a headline metric ([`headline`] names), `None` for any other name.
pub fn unit(metric: &str) -> Option<Unit> {
    Some(match metric {
        "displaced_persons" | "innocent_detentions" | "member_arrests" => Unit::Persons,
        "children_recruited" => Unit::Children,
        "displacement_incidence_per_100k_15plus" => Unit::Per100kPerYear,
        "displacements" | "recruitment_displacements" | "state_abuse_displacements" => {
            Unit::Episodes
        }
        "repeat_displacement_share"
        | "mass_event_share"
        | "whole_family_share"
        | "assisted_preemptive_share" => Unit::Share,
        "self_contained_households" | "cross_border_exits" | "returns" | "assisted_households" => {
            Unit::Households
        }
        "homicides_total"
        | "homicides_oc"
        | "homicides_background"
        | "homicides_state_clash"
        | "homicides_children" => Unit::Homicides,
        "trafficking_true" | "trafficking_identified" => Unit::Cases,
        "pursuit_attacks" => Unit::Attacks,
        "business_closures" => Unit::Businesses,
        "ghost_neighbourhoods" => Unit::Neighbourhoods,
        "killed_to_wounded_ratio" => Unit::Ratio,
        _ => return None,
    })
}

/// Statistics of one metric in one arm. The `diff_*` and `relative_change*` fields compare it with
/// the first arm, replicate by replicate; they are absent for the first arm.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ArmMetric {
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_ci95_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_ci95_high: Option<f64>,
    /// `diff_mean / mean of the first arm` (`None` when that mean is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_change: Option<f64>,
    /// 95% interval of `relative_change`: Fieller's interval for the ratio of the paired means
    /// (mean paired difference over the first arm's mean; see [`stats::fieller_ci95`]). `None`
    /// when the first arm's mean is 0 or its 95% interval includes 0 (the interval is then
    /// unbounded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_change_ci95_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_change_ci95_high: Option<f64>,
}

/// A finished comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub arms: Vec<String>,
    pub seeds: Vec<u64>,
    /// `runs[arm][replicate]`: the summary of each run.
    pub runs: Vec<Vec<Summary>>,
    /// Metric name → arm name → statistics, in headline order (names kept in `metric_order`).
    pub metrics: BTreeMap<String, BTreeMap<String, ArmMetric>>,
    pub metric_order: Vec<&'static str>,
    /// Per-tick series of each arm: `series[arm][tick][s]` is (mean, ci95_low, ci95_high) of
    /// `SERIES[s]` over the replicates.
    pub series: Vec<Vec<[(f64, f64, f64); SERIES.len()]>>,
    /// The posterior draws the replicates ran with, if the comparison carried parameter
    /// uncertainty.
    pub posterior: Option<PosteriorUse>,
    /// How the arms began, if they have a burn-in.
    pub burn_in: Option<BurnIn>,
    /// Each neighbourhood's departures, arm by arm.
    pub departures: cells::Departures,
}

/// Parameter sets drawn from a calibration's posterior, one per replicate, used in every arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PosteriorUse {
    /// The calibration folder, as given.
    pub dir: String,
    /// The generation drawn from (the calibration's last).
    pub generation: u32,
    pub keys: Vec<String>,
    /// `draws[replicate]`: the values, as passed to the scenario.
    pub draws: Vec<Vec<String>>,
}

/// The scenarios of a comparison whose runs differ by replicate: `scenarios[arm][replicate]`
/// (each arm's scenario with replicate r's posterior draw), and the draws.
#[derive(Debug, Clone)]
pub struct Variants {
    pub scenarios: Vec<Vec<Scenario>>,
    pub posterior: PosteriorUse,
}

/// The per-tick series kept for every run of a comparison.
pub const SERIES: [&str; 4] = [
    "displacements",
    "homicides_total",
    "households_displaced",
    "trafficking_true",
];

/// Collects [`SERIES`] tick by tick.
#[derive(Default)]
struct SeriesObserver {
    values: Vec<[f64; SERIES.len()]>,
    departures: cells::DepartureCounter,
}

impl crate::sim::Observer for SeriesObserver {
    fn start(&mut self, model: &crate::step::Model) -> std::io::Result<()> {
        self.departures.start(model);
        Ok(())
    }
    fn tick(
        &mut self,
        m: &crate::metrics::TickMetrics,
        _: &crate::step::Model,
    ) -> std::io::Result<()> {
        let displaced =
            m.households_by_status[crate::households::Status::Displaced as usize] as f64;
        self.values.push([
            f64::from(m.displacements()),
            f64::from(m.homicides_oc + m.homicides_background + m.homicides_state_clash),
            displaced,
            f64::from(m.trafficking_true),
        ]);
        Ok(())
    }
}

/// What a comparison keeps of one run: its summary and series, and its grid's width with each
/// neighbourhood's departures.
type Run = (
    (Summary, Vec<[f64; SERIES.len()]>),
    (u32, cells::RunDepartures),
);

impl SeriesObserver {
    fn finish(self, outcome: crate::sim::RunOutcome) -> Run {
        let departures = self.departures.finish(&outcome.model);
        (
            (outcome.summary, self.values),
            (outcome.model.world.width, departures),
        )
    }
}

/// Mean and 95% interval of each series at each tick, arm by arm (runs in arm-major order).
fn series_stats(
    results: &[(Summary, Vec<[f64; SERIES.len()]>)],
    arms: usize,
    replicates: usize,
) -> Vec<Vec<[(f64, f64, f64); SERIES.len()]>> {
    (0..arms)
        .map(|a| {
            let runs = &results[a * replicates..(a + 1) * replicates];
            let ticks = runs.iter().map(|(_, v)| v.len()).min().unwrap_or(0);
            (0..ticks)
                .map(|t| {
                    std::array::from_fn(|s| {
                        let values: Vec<f64> = runs.iter().map(|(_, v)| v[t][s]).collect();
                        stats::mean_ci95(&values)
                    })
                })
                .collect()
        })
        .collect()
}

/// Seeds of the replicates: `seed`, `seed + 1`, ...
pub fn replicate_seeds(seed: u64, replicates: u32) -> Vec<u64> {
    (0..u64::from(replicates))
        .map(|r| seed.wrapping_add(r))
        .collect()
}

/// Runs every arm with the same replicate seeds (in parallel on the current rayon pool) and
/// computes the statistics. `on_progress` is called once per finished run (and once per shared
/// burn-in, [`compare_with`]), from any thread;
/// raising `stop` ends every run at its next tick with an `Interrupted` error.
pub fn compare(
    arms: &[Arm],
    replicates: u32,
    seed: u64,
    on_progress: &(dyn Fn() + Sync),
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<Comparison> {
    compare_with(arms, replicates, seed, None, false, on_progress, stop)
}

/// Like [`compare`]; with `variants`, replicate r of arm a runs `variants.scenarios[a][r]`
/// (with the replicate's seed), so each paired difference also carries the spread of the
/// parameters drawn. With a burn-in (`simulation.burn_in`), every arm is forked, replicate by
/// replicate, from one burn-in under the first arm's scenario when the arms differ only in
/// their policies and events, unless `own_burn_in`: then every run burns in under its own.
/// Without one, such arms (without posterior draws) share each replicate's built world, which
/// changes no result; `own_burn_in` then builds every run's world on its own.
/// `on_progress` is then also called once per finished burn-in ([`shares_burn_in`]).
pub fn compare_with(
    arms: &[Arm],
    replicates: u32,
    seed: u64,
    variants: Option<&Variants>,
    own_burn_in: bool,
    on_progress: &(dyn Fn() + Sync),
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<Comparison> {
    let seeds = replicate_seeds(seed, replicates);
    // Replicate r of arm a runs this scenario.
    let scenario_of = |a: usize, r: usize| -> Scenario {
        let mut scenario = match variants {
            Some(v) => v.scenarios[a][r].clone(),
            None => arms[a].scenario.clone(),
        };
        scenario.spec.simulation.seed = seeds[r];
        scenario
    };
    let burn_in = burn_in_plan(arms, own_burn_in);
    let started = std::time::Instant::now();
    // Without a burn-in, arms that differ only in their policies and events share each
    // replicate's built world all the same: the runs are those of worlds built apart (not
    // with posterior draws, whose scenarios differ run by run).
    let shared_build =
        burn_in.is_none() && !own_burn_in && variants.is_none() && unshared_keys(arms).is_empty();
    let results = if shared_build || burn_in.as_ref().is_some_and(|b| b.forked) {
        forked_runs(arms.len(), seeds.len(), &scenario_of, on_progress, stop)?
    } else {
        let jobs: Vec<(usize, usize)> = (0..arms.len())
            .flat_map(|a| (0..seeds.len()).map(move |r| (a, r)))
            .collect();
        let runs: Vec<Run> = jobs
            .par_iter()
            .map(|&(a, r)| {
                let scenario = scenario_of(a, r);
                let mut series = SeriesObserver::default();
                let outcome = simulate(
                    &scenario,
                    &mut crate::sim::Stoppable::new(&mut series, stop),
                )?;
                on_progress();
                Ok(series.finish(outcome))
            })
            .collect::<std::io::Result<_>>()?;
        runs
    };
    let (results, cells): (Vec<_>, Vec<_>) = results.into_iter().unzip();
    let departures = cells::departures_by_arm(cells, seeds.len());
    // Forking spares every arm after the first its burn-in: (arms - 1) × replicates burn-ins,
    // which at the pace of the ticks run would have taken this long.
    let burn_in = burn_in.map(|b| {
        let w = f64::from(arms[0].scenario.burn_in_ticks());
        let run_ticks: f64 = arms
            .iter()
            .map(|a| f64::from(a.scenario.spec.simulation.ticks))
            .sum();
        let r = seeds.len() as f64;
        let saved = if b.forked {
            (arms.len() - 1) as f64 * r * w
        } else {
            0.0
        };
        let done = if b.forked {
            r * w + r * run_ticks
        } else {
            arms.len() as f64 * r * w + r * run_ticks
        };
        BurnIn {
            seconds_saved: started.elapsed().as_secs_f64() * saved / done.max(1.0),
            ..b
        }
    });
    let series = series_stats(&results, arms.len(), seeds.len());
    let summaries: Vec<Summary> = results.into_iter().map(|(s, _)| s).collect();
    let runs: Vec<Vec<Summary>> = summaries
        .chunks(seeds.len())
        .map(<[Summary]>::to_vec)
        .collect();

    let metric_order: Vec<&'static str> = headline(&runs[0][0])
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let values = |arm: usize, metric: usize| -> Vec<f64> {
        runs[arm].iter().map(|s| headline(s)[metric].1).collect()
    };
    let mut metrics = BTreeMap::new();
    for (m, name) in metric_order.iter().enumerate() {
        let first = values(0, m);
        let first_mean = stats::mean(&first);
        let mut per_arm = BTreeMap::new();
        for (a, arm) in arms.iter().enumerate() {
            let v = values(a, m);
            let (mean, low, high) = stats::mean_ci95(&v);
            let mut entry = ArmMetric {
                mean,
                ci95_low: low,
                ci95_high: high,
                diff_mean: None,
                diff_ci95_low: None,
                diff_ci95_high: None,
                relative_change: None,
                relative_change_ci95_low: None,
                relative_change_ci95_high: None,
            };
            if a > 0 {
                let diffs: Vec<f64> = v.iter().zip(&first).map(|(x, y)| x - y).collect();
                let (d, dl, dh) = stats::mean_ci95(&diffs);
                entry.diff_mean = Some(d);
                entry.diff_ci95_low = Some(dl);
                entry.diff_ci95_high = Some(dh);
                entry.relative_change = (first_mean != 0.0).then(|| d / first_mean);
                if let Some((low, high)) = stats::fieller_ci95(&diffs, &first) {
                    entry.relative_change_ci95_low = Some(low);
                    entry.relative_change_ci95_high = Some(high);
                }
            }
            per_arm.insert(arm.name.clone(), entry);
        }
        metrics.insert(name.to_string(), per_arm);
    }
    Ok(Comparison {
        arms: arms.iter().map(|a| a.name.clone()).collect(),
        seeds,
        runs,
        metrics,
        metric_order,
        series,
        posterior: variants.map(|v| v.posterior.clone()),
        burn_in,
        departures,
    })
}

/// How the arms of a comparison with a burn-in (`simulation.burn_in`) began.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnIn {
    /// The burn-in, in weeks (`simulation.burn_in` of the first arm).
    pub weeks: u32,
    /// Whether every arm was forked, replicate by replicate, from one burn-in under the first
    /// arm's scenario: true when the arms differ only in `[state]`, `[[events]]` and keys the
    /// model does not read (`crate::checkpoint::unshared_keys`).
    pub forked: bool,
    /// When not forked, the keys some arm sets otherwise than the first (beyond the keys an
    /// arm may change), which give each arm a burn-in of its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub own_burn_in_keys: Vec<String>,
    /// Wall time saved by forking, estimated: the ticks of the burn-ins not run ((arms - 1) ×
    /// replicates × burn-in ticks) at the pace of the ticks run. Not in `compare.json`, which
    /// does not depend on timing.
    #[serde(skip)]
    pub seconds_saved: f64,
}

/// Whether [`compare_with`] runs one burn-in per replicate and forks every arm from it.
pub fn shares_burn_in(arms: &[Arm], own_burn_in: bool) -> bool {
    burn_in_plan(arms, own_burn_in).is_some_and(|b| b.forked)
}

/// The keys some arm sets otherwise than the first, beyond those an arm may change
/// (`crate::checkpoint::unshared_keys`), sorted.
fn unshared_keys(arms: &[Arm]) -> Vec<String> {
    let first_toml = arms[0].scenario.to_toml();
    let mut keys: Vec<String> = arms[1..]
        .iter()
        .flat_map(|a| crate::checkpoint::unshared_keys(&first_toml, &a.scenario.to_toml()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether the arms have a burn-in and whether they share it (not with `own_burn_in`); `None`
/// without a burn-in.
fn burn_in_plan(arms: &[Arm], own_burn_in: bool) -> Option<BurnIn> {
    let first = &arms[0].scenario;
    if arms.iter().all(|a| a.scenario.burn_in_ticks() == 0) {
        return None;
    }
    if own_burn_in {
        return Some(BurnIn {
            weeks: first.spec.simulation.burn_in,
            forked: false,
            own_burn_in_keys: Vec::new(),
            seconds_saved: 0.0,
        });
    }
    let keys = unshared_keys(arms);
    Some(BurnIn {
        weeks: first.spec.simulation.burn_in,
        forked: keys.is_empty(),
        own_burn_in_keys: keys,
        seconds_saved: 0.0,
    })
}

/// Builds every replicate's world and runs its burn-in (if any) once, under the first arm's
/// scenario, and forks every arm from it (in parallel over replicates, then over arms). Returns
/// the runs in arm-major order, as [`compare_with`] keeps them.
fn forked_runs(
    arms: usize,
    replicates: usize,
    scenario_of: &(dyn Fn(usize, usize) -> Scenario + Sync),
    on_progress: &(dyn Fn() + Sync),
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<Vec<Run>> {
    let per_replicate: Vec<Vec<Run>> = (0..replicates)
        .into_par_iter()
        .map(|r| {
            let first = scenario_of(0, r);
            let world = crate::sim::burn_in(
                &first,
                crate::step::Model::build(&first),
                &mut crate::sim::Stoppable::new(&mut crate::sim::NoObserver, stop),
                &mut crate::step::PhaseTimes::default(),
            )?;
            // A shared build without a burn-in is not a step of the progress bar.
            if first.burn_in_ticks() > 0 {
                on_progress();
            }
            (0..arms)
                .into_par_iter()
                .map(|a| {
                    let scenario = scenario_of(a, r);
                    let model = crate::step::Model::restore(&scenario, world.clone());
                    let summary = crate::sim::summary_from(&model);
                    let mut series = SeriesObserver::default();
                    let outcome = crate::sim::simulate_from(
                        &scenario,
                        Some((model, summary)),
                        crate::sim::RunControl::default(),
                        &mut crate::sim::Stoppable::new(&mut series, stop),
                        &mut crate::step::PhaseTimes::default(),
                    )?;
                    on_progress();
                    Ok(series.finish(outcome))
                })
                .collect::<std::io::Result<Vec<Run>>>()
        })
        .collect::<std::io::Result<_>>()?;
    let mut by_replicate: Vec<std::vec::IntoIter<Run>> =
        per_replicate.into_iter().map(Vec::into_iter).collect();
    let mut runs = Vec::with_capacity(arms * replicates);
    for _ in 0..arms {
        for replicate in by_replicate.iter_mut() {
            runs.push(replicate.next().expect("one run per arm"));
        }
    }
    Ok(runs)
}

/// Distinct arm names from scenario file stems (`a`, `b`, `a#2` for a repeated stem).
pub fn arm_names(stems: &[String]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    stems
        .iter()
        .map(|s| {
            let n = seen.entry(s.as_str()).or_insert(0);
            *n += 1;
            if *n == 1 {
                s.clone()
            } else {
                format!("{s}#{n}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_12_every_headline_metric_has_a_unit() {
        for (name, _) in headline(&Summary::default()) {
            assert!(unit(name).is_some(), "{name} has no unit");
        }
        assert_eq!(unit("displaced_persons"), Some(Unit::Persons));
        assert_eq!(unit("whole_family_share"), Some(Unit::Share));
        assert_eq!(Unit::Share.bounds(), (0.0, 1.0));
        assert_eq!(unit("no_such_metric"), None);
    }
}
