//! Each mechanism of the simulation core moves its target in the documented direction, shown
//! over paired seeds: the two arms of a comparison share every random draw except where the
//! changed parameter acts.

mod common;

use displace::metrics::{Episode, Summary};
use displace::scenario::Scenario;
use displace::sim::{NoObserver, simulate};
use displace::step::Model;

const SEEDS: [u64; 4] = [11, 12, 13, 14];

fn scenario(overrides: &[&str], seed: u64) -> Scenario {
    let seed = format!("simulation.seed={seed}");
    common::tiny(&[overrides, &[seed.as_str()]].concat())
}

fn summary(overrides: &[&str], seed: u64) -> Summary {
    simulate(&scenario(overrides, seed), &mut NoObserver)
        .unwrap()
        .summary
}

/// Sums a metric over the paired seeds for two arms.
fn paired(a: &[&str], b: &[&str], metric: impl Fn(&Summary) -> f64) -> (f64, f64) {
    SEEDS.iter().fold((0.0, 0.0), |(x, y), &s| {
        (x + metric(&summary(a, s)), y + metric(&summary(b, s)))
    })
}

fn extortion_displacements(s: &Summary) -> f64 {
    s.trigger_shares["extortion"] * s.displaced_persons as f64
}

/// Runs tick by tick, handing every episode and the model right after its tick to `inspect`.
fn episodes_with_model(overrides: &[&str], seed: u64, mut inspect: impl FnMut(&Episode, &Model)) {
    let mut model = Model::build(&scenario(overrides, seed));
    for _ in 0..model.scenario.spec.simulation.ticks {
        let mut episodes = Vec::new();
        model
            .step(&mut |e: &Episode| {
                episodes.push(e.clone());
                Ok::<(), ()>(())
            })
            .unwrap();
        for e in &episodes {
            inspect(e, &model);
        }
    }
}

#[test]
fn higher_extortion_rate_brings_more_demands_and_more_extortion_flight() {
    let (low, high) = paired(
        &["groups.gangs.extortion_rate=2"],
        &["groups.gangs.extortion_rate=20"],
        |s| s.extortion_demands as f64,
    );
    assert!(high > 3.0 * low, "demands {low} -> {high}");
    let (low, high) = paired(
        &["groups.gangs.extortion_rate=2"],
        &["groups.gangs.extortion_rate=20"],
        extortion_displacements,
    );
    assert!(high > low, "extortion displacement {low} -> {high}");
}

#[test]
fn lower_payment_capacity_means_more_defaults_closures_and_flight() {
    let rich = ["extortion.pay_capacity_months=5"];
    let poor = ["extortion.pay_capacity_months=0.1"];
    let (a, b) = paired(&rich, &poor, |s| s.business_closures as f64);
    assert!(b > a, "closures {a} -> {b}");
    let (a, b) = paired(&rich, &poor, |s| {
        (s.extortion_demands - s.extortion_payments) as f64
    });
    assert!(b > 2.0 * a, "defaults {a} -> {b}");
    let (a, b) = paired(&rich, &poor, extortion_displacements);
    assert!(b > a, "extortion displacement {a} -> {b}");
}

#[test]
fn clean_state_presence_suppresses_organised_violence_and_corruption_undoes_it() {
    let presence = |p: f64| {
        [
            "urban_core",
            "urban_periphery",
            "rural",
            "border_corridor",
            "resource_site",
        ]
        .map(|k| format!("state.presence.{k}={p}"))
    };
    let absent = presence(0.0);
    let present = presence(1.0);
    let absent: Vec<&str> = absent.iter().map(String::as_str).collect();
    let present: Vec<&str> = present.iter().map(String::as_str).collect();
    let clean: Vec<&str> = [&present[..], &["state.corruption=0"]].concat();
    let corrupt: Vec<&str> = [&present[..], &["state.corruption=1"]].concat();
    let oc = |s: &Summary| s.homicides_oc as f64 + s.extortion_demands as f64;
    let (none, with_clean) = paired(&absent, &clean, oc);
    assert!(
        with_clean < 0.7 * none,
        "clean presence: {none} -> {with_clean}"
    );
    let (with_corrupt, _) = paired(&corrupt, &clean, oc);
    let (none_again, _) = paired(&absent, &clean, oc);
    assert!(
        (with_corrupt - none_again).abs() < 1e-9,
        "fully corrupt presence protects no one"
    );
}

#[test]
fn strong_groups_withstand_the_state() {
    let set = |s: f64| {
        [
            "groups.gangs.strength",
            "groups.traffickers.strength",
            "groups.cartels.strength",
        ]
        .map(|k| format!("{k}={s}"))
    };
    let weak = set(0.0);
    let strong = set(1.0);
    let weak: Vec<&str> = weak.iter().map(String::as_str).collect();
    let strong: Vec<&str> = strong.iter().map(String::as_str).collect();
    let (w, s) = paired(&weak, &strong, |s| s.extortion_demands as f64);
    assert!(s > w * 1.1, "demands: weak {w}, strong {s}");
}

#[test]
fn contest_multiplies_violence() {
    let (calm, hot) = paired(
        &["violence.contest_multiplier=1"],
        &["violence.contest_multiplier=30"],
        |s| s.homicides_oc as f64,
    );
    assert!(hot > calm, "homicides {calm} -> {hot}");
}

/// Only diffuse fear: no demands, no threats.
const FEAR_ONLY: [&str; 7] = [
    "groups.gangs.extortion_rate=0",
    "groups.traffickers.extortion_rate=0",
    "groups.cartels.extortion_rate=0",
    "groups.gangs.threat_rate=0",
    "groups.traffickers.threat_rate=0",
    "groups.cartels.threat_rate=0",
    "violence.contest_multiplier=10",
];

#[test]
fn diffuse_fear_accumulates_with_a_lag_and_a_threshold() {
    let low: Vec<&str> = [&FEAR_ONLY[..], &["fear.threshold_weeks=5"]].concat();
    let high: Vec<&str> = [&FEAR_ONLY[..], &["fear.threshold_weeks=40"]].concat();
    let (l, h) = paired(&low, &high, |s| s.displaced_persons as f64);
    assert!(
        l > h,
        "lower threshold, more pre-emptive flight: {l} vs {h}"
    );
    let (short, long) = paired(
        &[&low[..], &["fear.memory_weeks=1"]].concat(),
        &[&low[..], &["fear.memory_weeks=52"]].concat(),
        |s| s.displaced_persons as f64,
    );
    assert!(
        long > short,
        "fear that lingers accumulates: {short} vs {long}"
    );
    // Lagged: nobody leaves in the first tick, before fear has built up.
    let mut first_tick = u32::MAX;
    episodes_with_model(&low, 11, |e, _| first_tick = first_tick.min(e.tick));
    assert!(
        first_tick >= 1 && first_tick != u32::MAX,
        "first pre-emptive flight at tick {first_tick}"
    );
}

#[test]
fn destinations_are_safer_than_origins_and_avoid_the_group_fled() {
    let mut safer = (0u32, 0u32);
    let mut into_fled_group = (0u32, 0u32);
    for seed in SEEDS {
        episodes_with_model(&[], seed, |e, m| {
            let risk = &m.world.cells.risk;
            safer.0 += u32::from(risk[e.destination_cell as usize] <= risk[e.origin_cell as usize]);
            safer.1 += 1;
            if let Some(g) = e.group {
                into_fled_group.0 += u32::from(m.world.claims_of(e.destination_cell).contains(&g));
                into_fled_group.1 += 1;
            }
        });
    }
    assert!(
        f64::from(safer.0) > 0.8 * f64::from(safer.1),
        "safer destinations: {safer:?}"
    );
    assert!(
        f64::from(into_fled_group.0) < 0.02 * f64::from(into_fled_group.1),
        "into the group fled: {into_fled_group:?}"
    );
}

#[test]
fn first_moves_stay_in_the_region_and_kin_draw_households() {
    let (near, far) = paired(
        &["flight.first_move_same_region=1"],
        &["flight.first_move_same_region=0"],
        |s| s.first_move_same_region_share,
    );
    assert!(near > far + 0.5, "same-region first moves: {near} vs {far}");
    let (kin, without) = paired(
        &["flight.kin_weight=10"],
        &["population.kin_tie_share=0"],
        |s| s.lodging_shares["kin"],
    );
    assert!(
        kin > 0.2 * SEEDS.len() as f64 && without == 0.0,
        "kin lodging {kin} vs {without}"
    );
}

#[test]
fn lodging_depends_on_shelter_capacity_and_wealth() {
    let none = [
        "world.shelter_places.urban_core=0",
        "world.shelter_places.urban_periphery=0",
        "world.shelter_places.border_corridor=0",
    ];
    let (s, _) = paired(&none, &none, |s| s.lodging_shares["shelter"]);
    assert_eq!(s, 0.0, "no shelter places, nobody in a shelter");
    let (poor, rich) = paired(
        &["population.wealth.median_months=0.8"],
        &["population.wealth.median_months=30"],
        |s| s.lodging_shares["rent"],
    );
    assert!(rich > poor, "richer households rent more: {poor} vs {rich}");
}

#[test]
fn flight_costs_money_and_the_poor_are_stuck() {
    let s = summary(
        &[
            "flight.cost_months=2",
            "population.wealth.median_months=0.9",
            "population.wealth.sigma=0",
        ],
        11,
    );
    assert_eq!(s.displacements, 0);
    assert!(s.flight_blocked > 0);
}
