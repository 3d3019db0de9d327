//! The catalogue: every stylised fact of the brief's §9, with the checks that make it executable.
//!
//! Thresholds marked [`Basis::Brief`] are the brief's own (a direction, an order, a figure of
//! §8); those marked [`Basis::Assumption`] are the modeller's, chosen before looking at results,
//! the way the brief marks its own. A fact the model cannot show yet says what it lacks.

use super::record::{Holder, Run};
use super::{ArmSpec, Basis, Check, Design, Fact, FigureSpec, Threshold};
use crate::households::{Lodging, Mark};
use crate::metrics::{Episode, TickMetrics, TraffickingForm, TraffickingSetting, Trigger};
use crate::scenario::{CellKind, GroupKind};

fn arm(scenario: &'static str, set: &[&str]) -> ArmSpec {
    ArmSpec::new(scenario, set)
}

fn single(
    statistic: &'static str,
    scenario: ArmSpec,
    measure: super::Measure,
    threshold: Threshold,
    basis: Basis,
) -> Check {
    Check {
        statistic,
        design: Design::Single(scenario),
        measure,
        threshold,
        basis,
        figure: None,
    }
}

fn paired(
    statistic: &'static str,
    base: ArmSpec,
    treated: ArmSpec,
    measure: super::Measure,
    threshold: Threshold,
    basis: Basis,
) -> Check {
    Check {
        statistic,
        design: Design::Paired { base, treated },
        measure,
        threshold,
        basis,
        figure: None,
    }
}

fn fact(id: u32, claim: &'static str, checks: Vec<Check>) -> Fact {
    Fact {
        id,
        claim,
        checks,
        not_modelled: None,
        min_replicates: 0,
    }
}

// ---- small helpers over a run -------------------------------------------------------------

/// `a / b`, or NaN when `b` is 0 (no value rather than a fake one).
fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}

/// Sum of `f` over ticks `from..to` (clamped to the run).
fn window(run: &Run, from: usize, to: usize, f: impl Fn(&TickMetrics) -> f64) -> f64 {
    run.ticks
        .iter()
        .skip(from)
        .take(to.saturating_sub(from))
        .map(f)
        .sum()
}

fn homicides(m: &TickMetrics) -> f64 {
    f64::from(m.homicides_oc + m.homicides_background + m.homicides_state_clash)
}

fn trigger_share(run: &Run, name: &str) -> f64 {
    run.summary.trigger_shares.get(name).copied().unwrap_or(0.0)
}

fn lodging_share(run: &Run, lodging: Lodging) -> f64 {
    run.summary
        .lodging_shares
        .get(lodging.name())
        .copied()
        .unwrap_or(0.0)
}

/// Cases per 1,000 person-years of several trafficking rates pooled.
fn pooled_rate<'a>(rates: impl Iterator<Item = &'a crate::metrics::TraffickingRate>) -> f64 {
    let (cases, years) = rates.fold((0.0, 0.0), |(c, y), r| {
        (c + r.cases as f64, y + r.person_years)
    });
    ratio(cases, years) * 1000.0
}

/// Trafficking cases per 1,000 person-years over `settings` together.
fn trafficking_rate(run: &Run, settings: &[TraffickingSetting]) -> f64 {
    pooled_rate(
        settings
            .iter()
            .map(|s| &run.summary.trafficking_by_setting[s.name()]),
    )
}

/// Trafficking cases per 1,000 person-years of displaced households in the bands of time
/// displaced `bands` (indices of [`crate::metrics::TIME_DISPLACED_BANDS`]).
fn trafficking_rate_by_time(run: &Run, bands: &[usize]) -> f64 {
    let by_time = &run.summary.trafficking_by_time_displaced;
    pooled_rate(
        bands
            .iter()
            .map(|&b| &by_time[crate::metrics::TIME_DISPLACED_BANDS[b]]),
    )
}

/// Share of the trafficking cases of victims of `sex` (`female`, `male`) in each form, in
/// [`TraffickingForm::ALL`] order.
fn form_shares(run: &Run, sex: &str) -> [f64; 4] {
    let counts = &run.summary.trafficking_forms[sex];
    let total: u64 = counts.values().sum();
    TraffickingForm::ALL.map(|f| ratio(counts[f.name()] as f64, total as f64))
}

const DISPLACED_SETTINGS: [TraffickingSetting; 5] = [
    TraffickingSetting::Kin,
    TraffickingSetting::Rent,
    TraffickingSetting::Shelter,
    TraffickingSetting::Informal,
    TraffickingSetting::Unaccompanied,
];

/// Departures per initial household, per cell, over the run.
fn departure_rates(run: &Run) -> Vec<(f64, f64)> {
    (0..run.cells)
        .map(|c| {
            let out: u32 = (0..run.len()).map(|t| run.at(&run.departures, t, c)).sum();
            (f64::from(out), f64::from(run.initial_households[c]))
        })
        .collect()
}

/// The departure rate of deprived, neglected cells over the others, compared within each setting
/// (urban core, periphery, ...) so that the settings' own differences do not enter: the
/// Mantel-Haenszel rate ratio over settings of cells whose deprivation is above their setting's
/// median and whose state presence at the start is at or below it.
fn deprived_and_neglected_rate_ratio(run: &Run) -> f64 {
    let rates = departure_rates(run);
    let median = |mut v: Vec<f32>| -> f32 {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let (mut numerator, mut denominator) = (0.0, 0.0);
    for kind in CellKind::ALL {
        let cells: Vec<usize> = (0..run.cells).filter(|&c| run.kind[c] == kind).collect();
        if cells.is_empty() {
            continue;
        }
        let deprived = median(cells.iter().map(|&c| run.deprivation[c]).collect());
        let policed = median(cells.iter().map(|&c| run.initial_presence[c]).collect());
        // (departures, households) of the exposed and the other cells of this setting.
        let (mut exposed, mut other) = ((0.0, 0.0), (0.0, 0.0));
        for &c in &cells {
            let side = if run.deprivation[c] > deprived && run.initial_presence[c] <= policed {
                &mut exposed
            } else {
                &mut other
            };
            side.0 += rates[c].0;
            side.1 += rates[c].1;
        }
        let total = exposed.1 + other.1;
        if exposed.1 > 0.0 && other.1 > 0.0 {
            numerator += exposed.0 * other.1 / total;
            denominator += other.0 * exposed.1 / total;
        }
    }
    ratio(numerator, denominator)
}

/// Cells held by `holder` at every tick of the run.
fn always_held(run: &Run, holder: Holder) -> Vec<usize> {
    (0..run.cells)
        .filter(|&c| (0..run.len()).all(|t| run.holder_at(t, c) == holder))
        .collect()
}

/// Cells a group of `kind` held alone at the end of some tick before `to`.
fn held_before(run: &Run, kind: GroupKind, to: usize) -> Vec<usize> {
    (0..run.cells)
        .filter(|&c| (0..to.min(run.len())).any(|t| run.holder_at(t, c) == Holder::Group(kind)))
        .collect()
}

/// Departures from `cells` from tick `from` on, per household living there at the start.
fn late_departures_from(run: &Run, cells: &[usize], from: usize) -> f64 {
    let out: u64 = (from..run.len())
        .flat_map(|t| {
            cells
                .iter()
                .map(move |&c| u64::from(run.at(&run.departures, t, c)))
        })
        .sum();
    let homes: u64 = cells
        .iter()
        .map(|&c| u64::from(run.initial_households[c]))
        .sum();
    ratio(out as f64, homes as f64)
}

/// Departures per initial household over `cells`.
fn rate_over(run: &Run, cells: &[usize]) -> f64 {
    let rates = departure_rates(run);
    let (out, homes) = cells
        .iter()
        .fold((0.0, 0.0), |(o, h), &c| (o + rates[c].0, h + rates[c].1));
    ratio(out, homes)
}

/// Episodes per household, for the households that have any.
fn moves_per_household(run: &Run) -> std::collections::BTreeMap<u32, u32> {
    let mut moves = std::collections::BTreeMap::new();
    for e in &run.episodes {
        *moves.entry(e.household).or_insert(0) += 1;
    }
    moves
}

fn share_of(episodes: &[&Episode], pick: impl Fn(&Episode) -> bool) -> f64 {
    ratio(
        episodes.iter().filter(|e| pick(e)).count() as f64,
        episodes.len() as f64,
    )
}

/// Whether a cell changed hands (to a group or into contest) within the `recent` ticks up to `t`.
fn newly_entered(run: &Run, t: usize, c: usize, recent: usize) -> bool {
    (t.saturating_sub(recent)..=t).any(|s| {
        s > 0 && {
            let (before, now) = (run.holder_at(s - 1, c), run.holder_at(s, c));
            before != now && now != Holder::State
        }
    })
}

/// Lags (ticks) the closure correlation is computed at.
const CLOSURE_LAGS: std::ops::RangeInclusive<i64> = -4..=4;

/// The within-cell correlation between a cell's closures and its departures `lag` ticks later,
/// for each lag of [`CLOSURE_LAGS`]. Each cell's series is taken about its own mean, so that the
/// statistic is about timing within a neighbourhood, not about which neighbourhoods have both;
/// cells without a closure are left out. NaN where a series does not vary.
fn closure_correlations(run: &Run) -> Vec<f64> {
    let ticks = run.len();
    let cells: Vec<usize> = (0..run.cells)
        .filter(|&c| (0..ticks).any(|t| run.at(&run.closures, t, c) > 0))
        .collect();
    let mean_of = |series: &[u32], c: usize| {
        (0..ticks)
            .map(|t| f64::from(series[t * run.cells + c]))
            .sum::<f64>()
            / ticks as f64
    };
    let means: Vec<(f64, f64)> = cells
        .iter()
        .map(|&c| (mean_of(&run.closures, c), mean_of(&run.departures, c)))
        .collect();
    CLOSURE_LAGS
        .map(|lag| {
            let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
            for t in 0..ticks as i64 {
                let u = t + lag;
                if u < 0 || u >= ticks as i64 {
                    continue;
                }
                for (&c, &(mx, my)) in cells.iter().zip(&means) {
                    let x = f64::from(run.at(&run.closures, t as usize, c)) - mx;
                    let y = f64::from(run.at(&run.departures, u as usize, c)) - my;
                    sxy += x * y;
                    sxx += x * x;
                    syy += y * y;
                }
            }
            if sxx > 0.0 && syy > 0.0 {
                sxy / (sxx * syy).sqrt()
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// The lag (in ticks, -4 to 4) at which a cell's closures correlate best with its departures
/// that many ticks later ([`closure_correlations`]); NaN if no lag has a correlation.
fn best_closure_lag(run: &Run) -> f64 {
    let mut best = (f64::NEG_INFINITY, f64::NAN);
    for (r, lag) in closure_correlations(run).into_iter().zip(CLOSURE_LAGS) {
        if r > best.0 {
            best = (r, lag as f64);
        }
    }
    best.1
}

/// Rural and peripheral cells state-held at week 7 that a group holds at each week.
fn quiet_outskirts_taken(run: &Run) -> Vec<f64> {
    let quiet = quiet_outskirts(run);
    (0..run.len())
        .map(|t| {
            quiet
                .iter()
                .filter(|&&c| run.holder_at(t, c).is_group())
                .count() as f64
        })
        .collect()
}

/// Wealth terciles of households at the start: 0 poorest, 2 richest.
fn wealth_terciles(run: &Run) -> Vec<u8> {
    let mut sorted: Vec<f32> = run.wealth.clone();
    sorted.sort_by(f32::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let (t1, t2) = (sorted[n / 3], sorted[2 * n / 3]);
    run.wealth
        .iter()
        .map(|&w| u8::from(w > t1) + u8::from(w > t2))
        .collect()
}

/// Rural and peripheral cells held by the state at week 7, before the raids of crackdown.toml
/// (the same cells in both arms of a contrast, which share every draw until then), ascending.
fn quiet_outskirts(run: &Run) -> Vec<usize> {
    use crate::scenario::CellKind;
    (0..run.cells)
        .filter(|&c| matches!(run.kind[c], CellKind::Rural | CellKind::UrbanPeriphery))
        .filter(|&c| run.holder_at(6, c) == Holder::State)
        .collect()
}

/// Kin's share of arrivals minus the largest share of any other lodging.
fn kin_margin(run: &Run) -> f64 {
    let other = [Lodging::Shelter, Lodging::Rent, Lodging::Informal]
        .iter()
        .map(|&l| lodging_share(run, l))
        .fold(0.0, f64::max);
    lodging_share(run, Lodging::Kin) - other
}

/// How much more common `pick` is among exits abroad than among all episodes.
fn exit_excess(run: &Run, pick: impl Fn(&Episode) -> bool) -> f64 {
    let all: Vec<&Episode> = run.episodes.iter().collect();
    let exits: Vec<&Episode> = run.episodes.iter().filter(|e| e.cross_border).collect();
    share_of(&exits, &pick) - share_of(&all, &pick)
}

/// How far homicides shift when conditions change in the three-year Ecuador runs: the smaller,
/// over week 53 (the declaration) and week 105 (the withdrawal), of the absolute log ratio of
/// homicides in the 26 weeks after over the 26 weeks before.
/// The smaller of the fall in homicides at the declaration (week 53) and their rise at the
/// withdrawal (week 105), as log ratios of the 26 weeks after the change over the 26 before:
/// above zero only if homicides follow the forces both ways.
fn follows_the_forces(run: &Run) -> f64 {
    let log_ratio = |t: usize| {
        ratio(
            window(run, t, t + 26, homicides),
            window(run, t - 26, t, homicides),
        )
        .ln()
    };
    (-log_ratio(52)).min(log_ratio(104))
}

/// The smaller absolute log ratio of homicides across the two changes, whichever way they move.
fn regime_shift(run: &Run) -> f64 {
    [52, 104]
        .iter()
        .map(|&t| {
            ratio(
                window(run, t, t + 26, homicides),
                window(run, t - 26, t, homicides),
            )
            .ln()
            .abs()
        })
        .fold(f64::INFINITY, f64::min)
}

fn oc_share(run: &Run) -> f64 {
    let s = &run.summary;
    ratio(
        s.homicides_oc as f64,
        (s.homicides_oc + s.homicides_background + s.homicides_state_clash) as f64,
    )
}

// ---- the catalogue ---------------------------------------------------------------------------

/// Every fact of §9, in order.
pub fn catalogue() -> Vec<Fact> {
    use Basis::{Assumption, Brief};
    use Threshold::{Above, Below, Between};
    let baseline = || arm("baseline.toml", &[]);
    let ecuador = || arm("ecuador_2024.toml", &[]);
    // Ecuador over three years: a year of peace, the declaration and its crackdown for a year
    // (week 53 to 104), then a year after the forces withdraw; and the same without it.
    let ecuador_crackdown = || {
        arm(
            "ecuador_2024.toml",
            &[
                "simulation.ticks=156",
                "events[1].tick=52",
                "events[1].until=104",
            ],
        )
    };
    // The crackdown of crackdown.toml in every region, so that every clash is under its posture.
    let nationwide = |posture: &'static str| {
        let set: &'static str = match posture {
            "law_enforcement" => "events[0].state.crackdown.posture=law_enforcement",
            _ => "events[0].state.crackdown.posture=militarised",
        };
        arm("crackdown.toml", &["events[0].regions=[]", set])
    };
    let ecuador_calm = || {
        arm(
            "ecuador_2024.toml",
            &["simulation.ticks=156", "events[1].tick=5000"],
        )
    };
    // Ecuador's groups frozen in place, and expanding at three times their rates.
    let ecuador_static = || {
        arm(
            "ecuador_2024.toml",
            &[
                "groups[0].expansion_rate=0",
                "groups[1].expansion_rate=0",
                "groups[2].expansion_rate=0",
            ],
        )
    };
    let ecuador_rapid = || {
        arm(
            "ecuador_2024.toml",
            &[
                "groups[0].expansion_rate=4.5",
                "groups[1].expansion_rate=3",
                "groups[2].expansion_rate=6",
            ],
        )
    };
    vec![
        fact(
            1,
            "Displacement concentrates in deprived cells with little state presence, or in strategic cells; per-cell rates are heavy-tailed.",
            vec![
                single(
                    "share of all departures from the 10% of cells with the highest departure rate",
                    baseline(),
                    |run| {
                        let mut rates: Vec<(f64, f64)> = departure_rates(run);
                        let total: f64 = rates.iter().map(|r| r.0).sum();
                        rates.sort_by(|a, b| ratio(b.0, b.1).total_cmp(&ratio(a.0, a.1)));
                        let top = rates.len().div_ceil(10);
                        ratio(rates.iter().take(top).map(|r| r.0).sum(), total)
                    },
                    Above(0.3),
                    Assumption,
                ),
                single(
                    "departure rate of cells more deprived and less policed than their setting's median over the other cells of their setting (Mantel-Haenszel, by setting)",
                    baseline(),
                    deprived_and_neglected_rate_ratio,
                    Above(1.0),
                    Brief,
                ),
                single(
                    "departure rate of strategic cells (border corridor, resource site) over rural cells",
                    arm("cartel_corridor.toml", &[]),
                    |run| {
                        let of_kinds = |kinds: &[CellKind]| -> Vec<usize> {
                            (0..run.cells)
                                .filter(|&c| kinds.contains(&run.kind[c]))
                                .collect()
                        };
                        ratio(
                            rate_over(
                                run,
                                &of_kinds(&[CellKind::BorderCorridor, CellKind::ResourceSite]),
                            ),
                            rate_over(run, &of_kinds(&[CellKind::Rural])),
                        )
                    },
                    Above(1.0),
                    Brief,
                ),
            ],
        ),
        fact(
            2,
            "Uncontested gang cells displace more per head than uncontested trafficking cells, which displace mainly when contested.",
            vec![
                single(
                    "departure rate of cells always held by one gang over cells always held by one trafficking group",
                    baseline(),
                    |run| {
                        ratio(
                            rate_over(run, &always_held(run, Holder::Group(GroupKind::StreetGang))),
                            rate_over(
                                run,
                                &always_held(run, Holder::Group(GroupKind::TraffickingGroup)),
                            ),
                        )
                    },
                    Above(1.0),
                    Brief,
                ),
                single(
                    "share of departures from ever-trafficking-held cells that left while the cell was contested or in a land grab",
                    arm("trafficking_routes.toml", &[]),
                    |run| {
                        let ever: Vec<bool> = (0..run.cells)
                            .map(|c| {
                                (0..run.len()).any(|t| {
                                    run.holder_at(t, c)
                                        == Holder::Group(GroupKind::TraffickingGroup)
                                })
                            })
                            .collect();
                        let (mut sought, mut all) = (0.0, 0.0);
                        for e in &run.episodes {
                            let c = e.origin_cell as usize;
                            if !ever[c] {
                                continue;
                            }
                            all += 1.0;
                            let contested =
                                run.holder_at(e.tick as usize, c) == Holder::Contested;
                            // An order to leave from a cell held by one group is a land grab.
                            if contested || e.trigger == Trigger::MassExpulsion {
                                sought += 1.0;
                            }
                        }
                        ratio(sought, all)
                    },
                    Above(0.5),
                    Brief,
                ),
            ],
        ),
        fact(
            3,
            "Mass events come disproportionately from contested or newly entered cells; atomised flight dominates elsewhere.",
            vec![single(
                "share of mass-event departures from contested or newly entered cells over that share of atomised departures",
                arm("cartel_corridor.toml", &[]),
                |run| {
                    let hot = |e: &&Episode| {
                        let (t, c) = (e.tick as usize, e.origin_cell as usize);
                        run.holder_at(t, c) == Holder::Contested || newly_entered(run, t, c, 8)
                    };
                    let mass: Vec<&Episode> = run
                        .episodes
                        .iter()
                        .filter(|e| e.event_families >= 10)
                        .collect();
                    let atomised: Vec<&Episode> = run
                        .episodes
                        .iter()
                        .filter(|e| e.event_families < 10)
                        .collect();
                    ratio(
                        share_of(&mass, |e| hot(&e)),
                        share_of(&atomised, |e| hot(&e)),
                    )
                },
                Above(1.0),
                Brief,
            )],
        ),
        fact(
            4,
            "Splits and incursions cause sudden jumps in displacement within a few ticks.",
            vec![single(
                "departures in the 4 ticks from a cell's change of hands over the 4 ticks before",
                arm("mexico_cartel_war.toml", &[]),
                |run| {
                    let (mut after, mut before) = (0.0, 0.0);
                    for t in 4..run.len().saturating_sub(4) {
                        for c in 0..run.cells {
                            let (was, now) = (run.holder_at(t - 1, c), run.holder_at(t, c));
                            if was != now && now != Holder::State {
                                after += (t..t + 4)
                                    .map(|s| f64::from(run.at(&run.departures, s, c)))
                                    .sum::<f64>();
                                before += (t - 4..t)
                                    .map(|s| f64::from(run.at(&run.departures, s, c)))
                                    .sum::<f64>();
                            }
                        }
                    }
                    ratio(after, before)
                },
                Above(1.5),
                Assumption,
            )],
        ),
        fact(
            5,
            "Triggers rank: extortion > sexual violence > property > homicide ≈ recruitment.",
            vec![
                single(
                    "smallest gap between consecutive shares of the ranking extortion, sexual violence, property, max(homicide, recruitment)",
                    ecuador(),
                    |run| {
                        let s = |n: &str| trigger_share(run, n);
                        let last = s("homicide").max(s("recruitment"));
                        (s("extortion") - s("sexual_violence"))
                            .min(s("sexual_violence") - s("property_seizure"))
                            .min(s("property_seizure") - last)
                    },
                    Above(0.0),
                    Brief,
                ),
                single(
                    "homicide share over recruitment share",
                    ecuador(),
                    |run| {
                        ratio(
                            trigger_share(run, "homicide"),
                            trigger_share(run, "recruitment"),
                        )
                    },
                    Between(0.5, 2.0),
                    Assumption,
                ),
            ],
        ),
        fact(
            6,
            "Whole-household moves are a minority; sending a youth away is common.",
            vec![
                single(
                    "whole-family share of displacement episodes",
                    ecuador(),
                    |run| run.summary.whole_family_share,
                    Below(0.5),
                    Brief,
                ),
                single(
                    "whole-family share of displacement episodes",
                    arm("gang_city.toml", &[]),
                    |run| run.summary.whole_family_share,
                    Below(0.5),
                    Brief,
                ),
            ],
        ),
        fact(
            7,
            "Repeat displacement is common, and rises with pursuit reach and with host rejection.",
            vec![
                single(
                    "repeat-displacement share",
                    arm("haiti_vacuum.toml", &[]),
                    |run| run.summary.repeat_displacement_share,
                    Above(0.1),
                    Assumption,
                ),
                paired(
                    "repeat-displacement share, reach doubled minus baseline",
                    baseline(),
                    arm(
                        "baseline.toml",
                        &[
                            "groups.gangs.reach=40",
                            "groups.cartels.reach=60",
                            "groups.traffickers.reach=40",
                        ],
                    ),
                    |run| run.summary.repeat_displacement_share,
                    Above(0.0),
                    Brief,
                ),
                paired(
                    "repeat-displacement share, host rejection per severity 0.6 minus 0",
                    arm("baseline.toml", &["hosting.rejection_per_severity=0"]),
                    arm("baseline.toml", &["hosting.rejection_per_severity=0.6"]),
                    |run| run.summary.repeat_displacement_share,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            8,
            "A large share leave in events of 10 or more families, alongside atomised flight.",
            vec![single(
                "share of displaced persons in events of 10 or more families",
                ecuador(),
                |run| run.summary.mass_event_share,
                Between(0.25, 0.9),
                Assumption,
            )],
        ),
        fact(
            9,
            "Most of the displaced are male.",
            vec![single(
                "male share of displaced persons aged 15 or over",
                ecuador(),
                |run| run.summary.male_share,
                Above(0.5),
                Brief,
            )],
        ),
        fact(
            10,
            "Marked households move more often after displacement than pre-emptive leavers.",
            vec![single(
                "mean displacements of displaced households marked at their first move over unmarked ones",
                baseline(),
                |run| {
                    let moves = moves_per_household(run);
                    let (mut marked, mut unmarked) = ((0.0, 0.0), (0.0, 0.0));
                    for e in run.episodes.iter().filter(|e| e.move_number == 1) {
                        let n = f64::from(moves[&e.household]);
                        let slot = if e.mark == Mark::None {
                            &mut unmarked
                        } else {
                            &mut marked
                        };
                        slot.0 += n;
                        slot.1 += 1.0;
                    }
                    ratio(ratio(marked.0, marked.1), ratio(unmarked.0, unmarked.1))
                },
                Above(1.0),
                Brief,
            )],
        ),
        fact(
            11,
            "Self-containment concentrates in poor households.",
            vec![single(
                "share of the poorest third of households that ever hid over that share of the richest third",
                baseline(),
                |run| {
                    let tercile = wealth_terciles(run);
                    let share = |k: u8| {
                        let (hid, n) = tercile.iter().zip(&run.ever_hid).fold(
                            (0.0, 0.0),
                            |(h, n), (&t, &e)| {
                                if t == k {
                                    (h + f64::from(u8::from(e)), n + 1.0)
                                } else {
                                    (h, n)
                                }
                            },
                        );
                        ratio(hid, n)
                    };
                    ratio(share(0), share(2))
                },
                Above(1.0),
                Brief,
            )],
        ),
        fact(
            12,
            "Migrants are over-represented among extortion victims and among the displaced.",
            vec![
                single(
                    "migrant share of displaced persons aged 15+ over their share of the population",
                    ecuador(),
                    |run| {
                        ratio(
                            run.summary.migrant_share,
                            ratio(
                                run.migrant_persons_15_plus as f64,
                                run.persons_15_plus as f64,
                            ),
                        )
                    },
                    Above(1.0),
                    Brief,
                ),
                single(
                    "migrant share of households displaced by extortion over their share of households",
                    ecuador(),
                    |run| {
                        let extorted: Vec<&Episode> = run
                            .episodes
                            .iter()
                            .filter(|e| e.trigger == Trigger::Extortion && e.move_number == 1)
                            .collect();
                        let population = ratio(
                            run.migrant.iter().filter(|&&m| m).count() as f64,
                            run.migrant.len() as f64,
                        );
                        ratio(share_of(&extorted, |e| e.migrant), population)
                    },
                    Above(1.0),
                    Brief,
                ),
            ],
        ),
        fact(
            13,
            "Business closures precede departures from the same cell: the cross-correlation peaks at a positive lag.",
            vec![single(
                "lag (ticks) of the peak within-cell correlation between closures and departures that many ticks later",
                baseline(),
                best_closure_lag,
                Above(0.0),
                Brief,
            )
            .with_figure(FigureSpec {
                name: "fact_13_closure_lag",
                title: "Fact 13: within-cell correlation of closures with departures by lag",
                x_label: "lag (ticks): departures this many ticks after the closures",
                y_label: "correlation",
                x_first: *CLOSURE_LAGS.start() as f64,
                arm_labels: &["baseline"],
                series: closure_correlations,
            })],
        ),
        fact(
            14,
            "Atomised flight alone can push a cell below an occupancy threshold.",
            // Drop by drop "can slowly abandon whole streets or neighbourhoods" (brief 4): slowly,
            // so over five years.
            vec![single(
                "ghost neighbourhoods emptied mostly by atomised departures, over five years",
                arm("gang_city.toml", &["simulation.ticks=260"]),
                |run| f64::from(run.ghost_atomised),
                Above(0.0),
                Brief,
            )],
        ),
        fact(
            15,
            "Destinations have lower homicide rates than origins, at every wealth level.",
            vec![single(
                "largest, over wealth terciles, mean perceived risk at destination minus at origin on first moves",
                baseline(),
                |run| {
                    let tercile = wealth_terciles(run);
                    let mut sums = [(0.0f64, 0.0f64); 3];
                    for e in run.episodes.iter().filter(|e| e.move_number == 1) {
                        let Some(dest) = e.destination_cell else {
                            continue;
                        };
                        let t = e.tick as usize;
                        let d = f64::from(run.at(&run.risk, t, dest as usize))
                            - f64::from(run.at(&run.risk, t, e.origin_cell as usize));
                        let k = tercile[e.household as usize] as usize;
                        sums[k].0 += d;
                        sums[k].1 += 1.0;
                    }
                    sums.iter()
                        .map(|&(s, n)| ratio(s, n))
                        .fold(f64::NEG_INFINITY, f64::max)
                },
                Below(0.0),
                Brief,
            )],
        ),
        fact(
            16,
            "First moves stay mostly within the region; later moves go farther.",
            vec![
                single(
                    "share of first moves within the region",
                    baseline(),
                    |run| run.summary.first_move_same_region_share,
                    Above(0.5),
                    Brief,
                ),
                single(
                    "mean distance of later moves minus first moves (km)",
                    baseline(),
                    |run| run.summary.mean_distance_later_km - run.summary.mean_distance_first_km,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            17,
            "Some regions both send and receive heavily in the same year.",
            vec![single(
                "regions whose departures and arrivals both exceed the mean region's",
                baseline(),
                |run| {
                    let mut out = vec![0.0; run.regions];
                    let mut inn = vec![0.0; run.regions];
                    for e in &run.episodes {
                        out[e.origin_region as usize] += 1.0;
                        if let Some(r) = e.destination_region {
                            inn[r as usize] += 1.0;
                        }
                    }
                    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
                    let (mo, mi) = (mean(&out), mean(&inn));
                    (0..run.regions)
                        .filter(|&r| out[r] > mo && inn[r] > mi)
                        .count() as f64
                },
                Above(0.5),
                Brief,
            )],
        ),
        fact(
            18,
            "Kin is the most common lodging on arrival; shelters hold a small minority.",
            vec![
                single(
                    "kin share of arrivals minus the largest other lodging share",
                    baseline(),
                    kin_margin,
                    Above(0.0),
                    Brief,
                ),
                single(
                    "shelter share of arrivals",
                    baseline(),
                    |run| lodging_share(run, Lodging::Shelter),
                    Below(0.15),
                    Assumption,
                ),
                single(
                    "kin share of arrivals minus the largest other lodging share",
                    ecuador(),
                    kin_margin,
                    Above(0.0),
                    Brief,
                ),
                single(
                    "shelter share of arrivals",
                    ecuador(),
                    |run| lodging_share(run, Lodging::Shelter),
                    Below(0.15),
                    Assumption,
                ),
            ],
        ),
        fact(
            19,
            "A substantial share of displaced school-age children do not resume schooling.",
            vec![single(
                "share of displaced school-age children who did not resume school",
                baseline(),
                |run| 1.0 - run.summary.school_resumption_share,
                Above(0.2),
                Assumption,
            )],
        ),
        fact(
            20,
            "Exits abroad come disproportionately from repeat-displaced and marked households.",
            vec![
                single(
                    "share of exits that are repeat moves minus that share of all episodes",
                    baseline(),
                    |run| exit_excess(run, |e| e.move_number > 1),
                    Above(0.0),
                    Brief,
                ),
                single(
                    "share of exits by marked households minus that share of all episodes",
                    baseline(),
                    |run| exit_excess(run, |e| e.mark != Mark::None),
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            21,
            "Among cross-border leavers, families with children are more violence-driven.",
            vec![single(
                "share fleeing violence (not emigrating for work) of households with children under 15 that left the country minus that share of those without",
                arm("nca_urban_gangs.toml", &[]),
                |run| {
                    let fled = |with_children: bool| {
                        run.episodes
                            .iter()
                            .filter(|e| {
                                e.cross_border && (e.persons > e.persons_15_plus) == with_children
                            })
                            .count() as f64
                    };
                    let s = &run.summary;
                    let labour_with = s.labour_emigrants_with_children as f64;
                    let labour_without = (s.labour_emigrants - s.labour_emigrants_with_children) as f64;
                    ratio(fled(true), fled(true) + labour_with)
                        - ratio(fled(false), fled(false) + labour_without)
                },
                Above(0.0),
                Brief,
            )],
        ),
        fact(
            22,
            "Host rejection rises with the arriving household's danger; rejected households are displaced again more often.",
            vec![
                single(
                    "host-rejection rate of marked arrivals minus that of unmarked arrivals",
                    baseline(),
                    |run| {
                        let all: Vec<&Episode> = run.episodes.iter().collect();
                        let marked: Vec<&Episode> = all
                            .iter()
                            .copied()
                            .filter(|e| e.mark != Mark::None)
                            .collect();
                        let unmarked: Vec<&Episode> = all
                            .iter()
                            .copied()
                            .filter(|e| e.mark == Mark::None)
                            .collect();
                        share_of(&marked, |e| e.host_rejected)
                            - share_of(&unmarked, |e| e.host_rejected)
                    },
                    Above(0.0),
                    Brief,
                ),
                single(
                    "mean displacements of ever-rejected households minus other displaced households",
                    baseline(),
                    |run| {
                        let moves = moves_per_household(run);
                        let rejected: std::collections::BTreeSet<u32> = run
                            .episodes
                            .iter()
                            .filter(|e| e.host_rejected)
                            .map(|e| e.household)
                            .collect();
                        let (mut a, mut b) = ((0.0, 0.0), (0.0, 0.0));
                        for (h, &n) in &moves {
                            let slot = if rejected.contains(h) { &mut a } else { &mut b };
                            slot.0 += f64::from(n);
                            slot.1 += 1.0;
                        }
                        ratio(a.0, a.1) - ratio(b.0, b.1)
                    },
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            23,
            "Displaced youths in cells held by another group face at least the recruitment pressure local youths do.",
            vec![single(
                "recruitment attempts per youth-year (8 to 17) of displaced households where a group holds sway over that of local youths, over three years",
                arm("haiti_vacuum.toml", &["simulation.ticks=156"]),
                |run| {
                    let p = &run.summary.recruitment_pressure;
                    let rate = |k: &str| p[k].per_youth_year.unwrap_or(f64::NAN);
                    ratio(rate("displaced"), rate("local"))
                },
                Above(1.0),
                Brief,
            )],
        ),
        fact(
            24,
            "A sustained crackdown lowers homicides from their peak; they rise again when forces withdraw; local violence tracks force presence.",
            vec![
                paired(
                    "homicides in weeks 57 to 104 (crackdown from week 53 to 104) minus without the crackdown",
                    ecuador_calm(),
                    ecuador_crackdown(),
                    |run| window(run, 56, 104, homicides),
                    Below(0.0),
                    Brief,
                )
                .with_figure(FigureSpec {
                    name: "fact_24_homicides",
                    title: "Fact 24: homicides per week, crackdown in weeks 53-104 and without it",
                    x_label: "week",
                    y_label: "homicides per week (clash deaths included)",
                    x_first: 1.0,
                    arm_labels: &["without the crackdown", "crackdown, weeks 53 to 104"],
                    series: |run| run.ticks.iter().map(homicides).collect(),
                }),
                single(
                    "homicides per week in the 26 weeks after withdrawal minus the last 26 weeks of the crackdown",
                    ecuador_crackdown(),
                    |run| {
                        (window(run, 104, 130, homicides) - window(run, 78, 104, homicides)) / 26.0
                    },
                    Above(0.0),
                    Brief,
                ),
                single(
                    "organised-crime homicides per cell-week with forces present over the same cells' weeks without",
                    ecuador_crackdown(),
                    |run| {
                        let (mut with, mut with_n, mut without, mut without_n) =
                            (0.0, 0.0, 0.0, 0.0);
                        let policed: Vec<usize> = (0..run.cells)
                            .filter(|&c| (0..run.len()).any(|t| run.at(&run.units, t, c) > 0))
                            .collect();
                        for &c in &policed {
                            for t in 0..run.len() {
                                let k = f64::from(run.at(&run.oc_homicides, t, c));
                                if run.at(&run.units, t, c) > 0 {
                                    with += k;
                                    with_n += 1.0;
                                } else {
                                    without += k;
                                    without_n += 1.0;
                                }
                            }
                        }
                        ratio(ratio(with, with_n), ratio(without, without_n))
                    },
                    Below(1.0),
                    Brief,
                ),
            ],
        ),
        fact(
            25,
            "Mass detention of about 1.25-1.6% collapses gang control within months; homicides fall sharply; some detainees are innocent.",
            vec![
                single(
                    "gang-held cells at the end as a share of those held the week before the state of exception",
                    arm("el_salvador_2022.toml", &[]),
                    |run| {
                        let held = |t: usize| {
                            (0..run.cells)
                                .filter(|&c| {
                                    run.holder_at(t, c) == Holder::Group(GroupKind::StreetGang)
                                })
                                .count() as f64
                        };
                        ratio(held(run.len() - 1), held(11))
                    },
                    Below(0.1),
                    Assumption,
                ),
                single(
                    "organised-crime homicides per week in the last 13 weeks over the 12 weeks before the state of exception",
                    arm("el_salvador_2022.toml", &[]),
                    |run| {
                        let n = run.len();
                        ratio(
                            window(run, n - 13, n, |m| f64::from(m.homicides_oc)) / 13.0,
                            window(run, 0, 12, |m| f64::from(m.homicides_oc)) / 12.0,
                        )
                    },
                    Below(0.5),
                    Assumption,
                ),
                single(
                    "innocent share of detainees",
                    arm("el_salvador_2022.toml", &[]),
                    |run| run.summary.innocent_share_of_detainees,
                    Above(0.0),
                    Brief,
                ),
                single(
                    "peak share of the population in detention",
                    arm("el_salvador_2022.toml", &[]),
                    |run| run.summary.detention_peak_share,
                    Between(0.0125, 0.016),
                    Brief,
                ),
            ],
        ),
        fact(
            26,
            "Exits abroad fall some time after an extreme crackdown (a weak test).",
            vec![single(
                "exits per week in the last 26 weeks minus the 12 weeks before the state of exception",
                arm("el_salvador_2022.toml", &[]),
                |run| {
                    let n = run.len();
                    window(run, n - 26, n, |m| f64::from(m.displacements_cross_border)) / 26.0
                        - window(run, 0, 12, |m| f64::from(m.displacements_cross_border)) / 12.0
                },
                Below(0.0),
                Brief,
            )],
        ),
        fact(
            27,
            "Balloon effect: urban raids raise group presence, then displacement, in previously quiet rural or peripheral cells.",
            vec![
                paired(
                    "rural and peripheral cells state-held at week 7 and group-held at week 51, with the raids minus without",
                    baseline(),
                    arm("crackdown.toml", &[]),
                    |run| {
                        quiet_outskirts(run)
                            .into_iter()
                            .filter(|&c| run.holder_at(run.len() - 1, c).is_group())
                            .count() as f64
                    },
                    Above(0.0),
                    Brief,
                )
                .with_figure(FigureSpec {
                    name: "fact_27_quiet_cells_taken",
                    title: "Fact 27: quiet rural and peripheral cells (state-held at week 7) held by a group",
                    x_label: "week",
                    y_label: "cells",
                    x_first: 1.0,
                    arm_labels: &["without the raids", "with the raids"],
                    series: quiet_outskirts_taken,
                }),
                paired(
                    "rural residents' first displacements caused by a group's act (not diffuse fear or the state) in weeks 20 to 52 from the rural ones, with the raids minus without",
                    baseline(),
                    arm("crackdown.toml", &[]),
                    |run| {
                        // Brief 5.2: gangs moved "to previously unaffected rural areas, which in
                        // turn has caused some rural residents to flee". Peripheral cells are
                        // left out here: in the treated regions they border the forces' cities,
                        // and there the raids deter the groups (fact 24), as they should.
                        let quiet: Vec<usize> = quiet_outskirts(run)
                            .into_iter()
                            .filter(|&c| run.kind[c] == crate::scenario::CellKind::Rural)
                            .collect();
                        run.episodes
                            .iter()
                            .filter(|e| {
                                // Rural residents who flee, not the displaced who arrived
                                // there and were found again.
                                e.tick >= 19
                                    && e.household_first
                                    && e.group.is_some()
                                    && !matches!(
                                        e.trigger,
                                        Trigger::DiffuseInsecurity | Trigger::StateAbuse
                                    )
                                    && quiet.binary_search(&(e.origin_cell as usize)).is_ok()
                            })
                            .count() as f64
                    },
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            28,
            "Raids displace young men even where predation falls; state-abuse departures rise with raid intensity.",
            vec![paired(
                "state-abuse displacements with twice the crackdown units minus the crackdown",
                arm("crackdown.toml", &[]),
                arm("crackdown.toml", &["events[0].state.crackdown.units=80"]),
                |run| {
                    run.summary
                        .displacements_by_trigger
                        .get(Trigger::StateAbuse.name())
                        .copied()
                        .unwrap_or(0) as f64
                },
                Above(0.0),
                Brief,
            )],
        ),
        fact(
            29,
            "Ending a collusive equilibrium and militarising raises homicides durably.",
            vec![paired(
                "organised-crime homicides in the second year, with the war from week 20 minus without it",
                arm("mexico_cartel_war.toml", &["events[0].tick=5000"]),
                arm("mexico_cartel_war.toml", &[]),
                |run| window(run, 52, 104, |m| f64::from(m.homicides_oc)),
                Above(0.0),
                Brief,
            )],
        ),
        fact(
            30,
            "The killed-to-wounded ratio is far above 1 under militarised enforcement and lower under law enforcement; few clashes are intelligence-led.",
            vec![
                single(
                    "killed-to-wounded ratio under a militarised crackdown in every region",
                    nationwide("militarised"),
                    |run| run.summary.killed_to_wounded_ratio,
                    Above(3.0),
                    Assumption,
                ),
                paired(
                    "killed-to-wounded ratio, law enforcement minus militarised",
                    nationwide("militarised"),
                    nationwide("law_enforcement"),
                    |run| run.summary.killed_to_wounded_ratio,
                    Below(0.0),
                    Brief,
                ),
                single(
                    "intelligence-led share of clashes under a militarised crackdown in every region from the first week, over three years",
                    // Three years: one year has about 65 clashes, too few to tell a share of
                    // a few percent from 5% over five replicates.
                    arm(
                        "crackdown.toml",
                        &[
                            "events[0].regions=[]",
                            "events[0].tick=0",
                            "events[0].state.crackdown.posture=militarised",
                            "simulation.ticks=156",
                        ],
                    ),
                    |run| run.summary.intelligence_led_share,
                    Below(0.05),
                    Assumption,
                ),
            ],
        ),
        fact(
            31,
            "Report-first protection has almost no take-up among pre-emptive leavers; a displacement law reaches more IDPs for the same budget.",
            vec![
                single(
                    "pre-emptive share of assisted households under report-first protection",
                    arm("protection.toml", &["state.protection.regime=report_first"]),
                    |run| run.summary.assisted_preemptive_share,
                    Below(0.05),
                    Assumption,
                ),
                paired(
                    "assisted households, displacement law minus report-first, same budget",
                    arm("protection.toml", &["state.protection.regime=report_first"]),
                    arm("protection.toml", &[]),
                    |run| run.summary.assisted_households as f64,
                    Above(0.0),
                    Brief,
                ),
                paired(
                    "reprisals on reporters under report-first protection, leak probability 0.6 minus 0.1",
                    arm(
                        "protection.toml",
                        &["state.protection.regime=report_first", "state.leak_probability=0.1"],
                    ),
                    arm(
                        "protection.toml",
                        &["state.protection.regime=report_first", "state.leak_probability=0.6"],
                    ),
                    |run| run.summary.reprisals_on_reporters as f64,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            32,
            "More leakage means fewer reports and more reprisals.",
            vec![
                paired(
                    "crime reports, leak probability 0.6 minus 0.1",
                    arm("baseline.toml", &["state.leak_probability=0.1"]),
                    arm("baseline.toml", &["state.leak_probability=0.6"]),
                    |run| run.summary.reports as f64,
                    Below(0.0),
                    Brief,
                ),
                paired(
                    "reprisals on reporters, leak probability 0.6 minus 0.1",
                    arm("baseline.toml", &["state.leak_probability=0.1"]),
                    arm("baseline.toml", &["state.leak_probability=0.6"]),
                    |run| run.summary.reprisals_on_reporters as f64,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            33,
            "Declaring a NIAC raises both humanitarian access and state lethality.",
            vec![
                paired(
                    "assisted households where agencies offer aid and the state has no programme, NIAC minus human-rights law",
                    arm("mexico_cartel_war.toml", &["state.humanitarian_aid=2000"]),
                    arm(
                        "mexico_cartel_war.toml",
                        &["state.humanitarian_aid=2000", "state.legal_regime=niac"],
                    ),
                    |run| run.summary.assisted_households as f64,
                    Above(0.0),
                    Brief,
                ),
                // A declared armed conflict presumes one: the state at war with armed groups that
                // fight back (Mexico), not a handful of police clashes with gangs that avoid them.
                paired(
                    "deaths in state clashes in the war on cartels, NIAC minus human-rights law",
                    arm("mexico_cartel_war.toml", &[]),
                    arm("mexico_cartel_war.toml", &["state.legal_regime=niac"]),
                    |run| run.summary.homicides_state_clash as f64,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            34,
            "Autodefensas are absorbed or turn criminal; if they turn criminal, displacement becomes protracted.",
            vec![
                single(
                    "self-defence groups absorbed by the state and turned criminal in three years of the Mexico war: the fewer of the two",
                    arm("mexico_cartel_war.toml", &["simulation.ticks=156"]),
                    |run| {
                        let s = &run.summary;
                        s.autodefensas_absorbed.min(s.autodefensas_criminal) as f64
                    },
                    Above(0.0),
                    Brief,
                ),
                paired(
                    "departures per 1,000 households in the third year from communities a self-defence group held in the first two, every group turning criminal minus every group absorbed",
                    arm(
                        "mexico_cartel_war.toml",
                        &["simulation.ticks=156", "autodefensas.criminal_rate=0"],
                    ),
                    arm(
                        "mexico_cartel_war.toml",
                        &["simulation.ticks=156", "autodefensas.absorption_rate=0"],
                    ),
                    |run| {
                        // Communities that rose in the first two years: most paths have run
                        // their course by the third.
                        let risen = held_before(run, GroupKind::Autodefensa, 104);
                        1000.0 * late_departures_from(run, &risen, 104)
                    },
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            35,
            "Youth prevention lowers recruitment-triggered displacement.",
            vec![paired(
                "recruitment-triggered displacements, youth prevention 0.5 minus none",
                baseline(),
                arm("baseline.toml", &["state.youth_prevention=0.5"]),
                |run| {
                    run.summary
                        .displacements_by_trigger
                        .get(Trigger::Recruitment.name())
                        .copied()
                        .unwrap_or(0) as f64
                },
                Below(0.0),
                Brief,
            )],
        ),
        fact(
            36,
            "Trafficking risk is higher for the displaced than for others, highest in shelters, informal settlements and protracted displacement.",
            vec![
                single(
                    "trafficking cases per person-year of the displaced (every lodging, and minors alone with kin) over those at home",
                    baseline(),
                    |run| {
                        ratio(
                            trafficking_rate(run, &DISPLACED_SETTINGS),
                            trafficking_rate(run, &[TraffickingSetting::Home]),
                        )
                    },
                    Above(1.0),
                    Brief,
                ),
                single(
                    "trafficking rate in shelters and informal settlements over the rate with kin or renting",
                    baseline(),
                    |run| {
                        use TraffickingSetting::{Informal, Kin, Rent, Shelter};
                        ratio(
                            trafficking_rate(run, &[Shelter, Informal]),
                            trafficking_rate(run, &[Kin, Rent]),
                        )
                    },
                    Above(1.0),
                    Brief,
                ),
                single(
                    "trafficking rate of households displaced 26 weeks or more over those displaced less, over three years",
                    arm("baseline.toml", &["simulation.ticks=156"]),
                    |run| ratio(trafficking_rate_by_time(run, &[1, 2]), trafficking_rate_by_time(run, &[0])),
                    Above(1.0),
                    Brief,
                ),
            ],
        ),
        fact(
            37,
            "Women and girls face mainly sexual exploitation, men and boys labour and criminal exploitation; unaccompanied minors are most at risk.",
            vec![
                single(
                    "sexual-exploitation share of cases with female victims minus the largest other form's share",
                    baseline(),
                    |run| {
                        let shares = form_shares(run, "female");
                        shares[0] - shares[1..].iter().copied().fold(0.0, f64::max)
                    },
                    Above(0.0),
                    Brief,
                ),
                single(
                    "labour and criminal share of cases with male victims",
                    baseline(),
                    |run| {
                        let shares = form_shares(run, "male");
                        shares[TraffickingForm::Labour as usize]
                            + shares[TraffickingForm::Criminal as usize]
                    },
                    Above(0.5),
                    Brief,
                ),
                single(
                    "trafficking rate of minors alone with kin over that of displaced persons with their household, over three years",
                    arm("baseline.toml", &["simulation.ticks=156"]),
                    |run| {
                        ratio(
                            trafficking_rate(run, &[TraffickingSetting::Unaccompanied]),
                            trafficking_rate(run, &DISPLACED_SETTINGS[..4]),
                        )
                    },
                    Above(1.0),
                    Brief,
                ),
            ],
        ),
        fact(
            38,
            "Without screening identification is about 0; screening raises it.",
            vec![
                single(
                    "identified share of trafficking cases without screening",
                    baseline(),
                    |run| {
                        ratio(
                            run.summary.trafficking_identified as f64,
                            run.summary.trafficking_true as f64,
                        )
                    },
                    Below(0.02),
                    Assumption,
                ),
                paired(
                    "identified trafficking cases, screening 0.5 minus none",
                    baseline(),
                    arm("baseline.toml", &["state.screening_rate=0.5"]),
                    |run| run.summary.trafficking_identified as f64,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        fact(
            39,
            "Rapid expansion of groups brings a steep rise in child homicides.",
            vec![
                paired(
                    "child homicides, groups expanding at three times Ecuador's rates minus groups that do not expand",
                    ecuador_static(),
                    ecuador_rapid(),
                    |run| run.summary.homicides_children as f64,
                    Above(0.0),
                    Brief,
                ),
            ],
        ),
        Fact {
            // Log ratios of a few dozen homicides a half-year, and their difference between two
            // arms: a replicate's value varies by about 0.13 around an effect of about 0.1, so
            // ten replicates decide by the seeds (under either sampling, seeds 11-20, 21-30,
            // 31-40 and 41-50 each fail the paired check); thirty resolve it.
            min_replicates: 30,
            ..fact(
            40,
            "Crackdowns, splits and alliances cause regime shifts: no single steady state under time-varying conditions.",
            vec![
                single(
                    "smaller of the fall at the declaration (week 53) and the rise at the withdrawal (week 105), as log ratios of homicides in the 26 weeks after the change over the 26 weeks before",
                    ecuador_crackdown(),
                    follows_the_forces,
                    Above(0.0),
                    Brief,
                ),
                paired(
                    "the same shift with the crackdown and its withdrawal minus the same weeks without them",
                    ecuador_calm(),
                    ecuador_crackdown(),
                    regime_shift,
                    Above(0.0),
                    Brief,
                ),
            ],
            )
        },
        fact(
            41,
            "Annual incidence (Ecuador) and the organised-crime share of homicides (Mexico, El Salvador) match §8.",
            vec![
                single(
                    "displacement incidence per 100,000 aged 15+ in one year (survey 910; 1,092 if annualised from ten months)",
                    ecuador(),
                    |run| run.summary.displacement_incidence_per_100k_15plus,
                    Between(728.0, 1092.0),
                    Brief,
                ),
                single(
                    "organised-crime share of homicides, Mexico as a country with the war in its western states (1/3 to 1/2)",
                    arm("mexico_national.toml", &[]),
                    oc_share,
                    Between(1.0 / 3.0, 0.5),
                    Brief,
                ),
                single(
                    "organised-crime share of homicides in the gang era, before the state of exception (El Salvador: 2/3)",
                    arm("el_salvador_2022.toml", &["events[0].tick=5000"]),
                    oc_share,
                    Between(0.57, 0.77),
                    Assumption,
                ),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_of_the_brief_is_listed_once_in_order() {
        let ids: Vec<u32> = catalogue().iter().map(|f| f.id).collect();
        assert_eq!(ids, (1..=41).collect::<Vec<_>>());
        for f in catalogue() {
            assert!(
                f.checks.is_empty() == f.not_modelled.is_some(),
                "fact {} needs checks or a reason",
                f.id
            );
        }
    }

    #[test]
    fn ratios_of_nothing_are_no_value() {
        assert!(ratio(1.0, 0.0).is_nan());
        assert_eq!(ratio(1.0, 4.0), 0.25);
    }
}
