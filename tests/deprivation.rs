//! Deprivation as a neighbourhood attribute (ODD 6.27): drawn around its kind's mean, neglected
//! by the state, sought by groups, and a spur to recruitment.

mod common;

use common::{SEEDS, paired, scenario, set_all_groups, strs};
use displace::scenario::CellKind;
use displace::step::Model;

fn model(overrides: &[&str], seed: u64) -> Model {
    Model::build(&scenario(overrides, seed))
}

#[test]
fn deprivation_varies_around_its_kind_and_the_state_neglects_the_deprived() {
    let spread = model(&[], 11);
    let w = &spread.world;
    let spec = &spread.scenario.spec;
    let kinds_varied = CellKind::ALL.iter().any(|&k| {
        let d: Vec<f32> = (0..w.len())
            .filter(|&c| w.kind[c] == k)
            .map(|c| w.deprivation[c])
            .collect();
        d.windows(2).any(|p| p[0] != p[1])
    });
    assert!(kinds_varied, "neighbourhoods of one kind differ");
    assert!(w.deprivation.iter().all(|d| (0.0..=1.0).contains(d)));
    // Rural cells are many: their mean is near the kind's mean.
    let rural: Vec<f64> = (0..w.len())
        .filter(|&c| w.kind[c] == CellKind::Rural)
        .map(|c| f64::from(w.deprivation[c]))
        .collect();
    let mean = rural.iter().sum::<f64>() / rural.len() as f64;
    let expected = spec.world.deprivation.get(CellKind::Rural);
    assert!(
        (mean - expected).abs() < 0.05,
        "rural mean {mean} vs {expected}"
    );
    // Within a kind and region, a more deprived cell never has more state presence.
    for a in 0..w.len() {
        for b in 0..w.len() {
            if w.kind[a] == w.kind[b]
                && w.region[a] == w.region[b]
                && w.deprivation[a] > w.deprivation[b]
            {
                assert!(
                    w.state_presence[a] <= w.state_presence[b],
                    "cells {a} and {b}"
                );
            }
        }
    }
    assert!(
        (0..w.len()).any(|c| w.state_presence[c] as f64 != spec.state.presence.get(w.kind[c])),
        "neglect moves presence away from the kind's level"
    );

    // Without neglect, presence is the kind's; without spread, deprivation is the kind's mean.
    let flat = model(
        &["state.deprivation_neglect=0", "world.deprivation_spread=0"],
        11,
    );
    let w = &flat.world;
    for c in 0..w.len() {
        let kind = w.kind[c];
        assert_eq!(w.state_presence[c], spec.state.presence.get(kind) as f32);
        assert_eq!(w.deprivation[c], spec.world.deprivation.get(kind) as f32);
    }
}

#[test]
fn groups_settle_in_deprived_neighbourhoods() {
    // Mean deprivation of the gangs' home cells above that of the cells they could settle in.
    let excess = |overrides: &[&str]| -> f64 {
        SEEDS
            .iter()
            .map(|&seed| {
                let m = model(overrides, seed);
                let w = &m.world;
                let eligible: Vec<usize> = (0..w.len())
                    .filter(|&c| {
                        matches!(w.kind[c], CellKind::UrbanCore | CellKind::UrbanPeriphery)
                    })
                    .collect();
                let pool = eligible
                    .iter()
                    .map(|&c| f64::from(w.deprivation[c]))
                    .sum::<f64>()
                    / eligible.len() as f64;
                let gangs: Vec<f64> = m
                    .groups
                    .iter()
                    .filter(|g| g.name.starts_with("gangs"))
                    .map(|g| f64::from(w.deprivation[g.home as usize]))
                    .collect();
                gangs.iter().sum::<f64>() / gangs.len() as f64 - pool
            })
            .sum::<f64>()
            / SEEDS.len() as f64
    };
    let drawn = excess(&["groups.gangs.deprivation_pull=8"]);
    let indifferent = excess(&["groups.gangs.deprivation_pull=0"]);
    assert!(
        drawn > indifferent + 0.05,
        "home deprivation above the pool: {drawn:.3} with a pull, {indifferent:.3} without"
    );
}

#[test]
fn recruitment_rises_with_deprivation() {
    // Every group's cells are more deprived than 0.5 on average, so a gain adds pressure.
    let deprived = set_all_groups("deprivation_pull", "4");
    let base = strs(&deprived);
    let with_gain = [base.clone(), vec!["recruitment.deprivation_gain=3"]].concat();
    let without = [base, vec!["recruitment.deprivation_gain=0"]].concat();
    let (a, b) = paired(&with_gain, &without, |s| s.children_recruited as f64);
    assert!(
        a > b * 1.2,
        "children recruited: {a} with the gain, {b} without"
    );
}
