//! Issue 13, fact 34: self-defence groups. Communities held by a criminal group rise where the
//! state is absent; each autodefensa is absorbed by the state as rural police or turns criminal,
//! and a criminal one preys on the people it once defended. Each effect is shown against the
//! same seeds with the lever switched off.

mod common;

use common::SEEDS;
use displace::actors::Stage;
use displace::metrics::{Summary, TickMetrics};
use displace::scenario::{CellKind, GroupKind, Scenario};
use displace::sim::{NoObserver, simulate};
use displace::step::Model;

fn scenario(overrides: &[&str], seed: u64) -> Scenario {
    let path = common::root().join("tests/data/tiny_autodefensas.toml");
    let mut all: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    all.push(format!("simulation.seed={seed}"));
    Scenario::load(&path, &all).unwrap()
}

fn summary(overrides: &[&str], seed: u64) -> Summary {
    simulate(&scenario(overrides, seed), &mut NoObserver)
        .unwrap()
        .summary
}

fn run(overrides: &[&str], seed: u64) -> (Model, Vec<TickMetrics>) {
    common::run_scenario_ticks(&scenario(overrides, seed))
}

fn autodefensas(model: &Model) -> impl Iterator<Item = &displace::actors::Group> {
    model
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::Autodefensa)
}

#[test]
fn communities_rise_in_rural_cells_a_group_holds_and_less_where_the_state_stands() {
    let (mut absent, mut present, mut none) = (0, 0, 0);
    for seed in SEEDS {
        let (model, _) = run(&[], seed);
        for g in autodefensas(&model) {
            assert_eq!(model.world.kind[g.home as usize], CellKind::Rural);
        }
        absent += autodefensas(&model).count();
        present +=
            summary(&["state.presence.rural=1", "state.corruption=0"], seed).autodefensas_formed;
        none += summary(&["autodefensas.formation_rate=0"], seed).autodefensas_formed;
    }
    assert_eq!(none, 0);
    assert!(
        absent as u64 > 2 * present,
        "autodefensas formed: {absent} where the state is thin, {present} where it stands"
    );
}

#[test]
fn absorbed_autodefensas_leave_their_community_to_the_state_with_more_presence() {
    let absorb = [
        "autodefensas.absorption_rate=10",
        "autodefensas.criminal_rate=0",
    ];
    let mut absorbed = 0;
    for seed in SEEDS {
        let (model, _) = run(&absorb, seed);
        for g in autodefensas(&model).filter(|g| g.stage == Stage::Absorbed) {
            absorbed += 1;
            assert!(g.territory.is_empty(), "an absorbed group holds nothing");
            assert!(model.world.cells.police_gain[g.home as usize] > 0.0);
        }
        assert!(autodefensas(&model).all(|g| g.stage != Stage::Criminal));
    }
    assert!(absorbed > 0, "none was absorbed");
}

#[test]
fn autodefensas_that_turn_criminal_prey_on_the_communities_they_defended() {
    // Half the autodefensas have turned by the end of the year; where one holds a community
    // alone, its demands are `criminal_factor` times those of one still defending it.
    let factor = 8.0;
    let (mut criminal, mut community) = (0, 0);
    for seed in SEEDS {
        let (model, _) = run(
            &[
                "autodefensas.absorption_rate=0",
                "autodefensas.criminal_rate=1",
            ],
            seed,
        );
        for c in 0..model.world.len() as u32 {
            let &[g] = model.world.claims_of(c) else {
                continue;
            };
            let group = &model.groups[g as usize];
            if group.kind != GroupKind::Autodefensa {
                continue;
            }
            let profile = model.scenario.params.groups[group.type_index as usize].extortion_hazard
                * displace::step::hazards::suppression_factor(&model, c, g);
            let ratio = f64::from(model.hazards()[c as usize].extortion) / profile;
            let expected = if group.stage == Stage::Criminal {
                criminal += 1;
                factor
            } else {
                community += 1;
                1.0
            };
            assert!(
                (ratio - expected).abs() < 1e-3 * expected,
                "seed {seed}, cell {c}: {ratio}"
            );
        }
    }
    assert!(
        criminal > 0 && community > 0,
        "{criminal} criminal, {community} community cells"
    );
}
