//! The shipped scenario of each group kind shows the contrast the brief describes (2.11, 9 A.2-A.3):
//! mostly atomised flight under street gangs, mass expulsions in contested cartel territory, and
//! trafficking groups that displace little where they hold routes uncontested.

mod common;

use displace::scenario::{GroupKind, Scenario};
use displace::sim::{NoObserver, RunOutcome, simulate};
use displace::world::Controller;

fn run(name: &str, seed: u64) -> RunOutcome {
    let path = common::root().join("scenarios").join(name);
    let scenario = Scenario::load(
        &path,
        &[
            format!("simulation.seed={seed}"),
            "simulation.ticks=26".into(),
        ],
    )
    .unwrap();
    simulate(&scenario, &mut NoObserver).unwrap()
}

/// Atomised departures per initial household from cells held by one group of `kind`.
fn atomised_outflow(outcome: &RunOutcome, kind: GroupKind) -> f64 {
    let world = &outcome.model.world;
    let cells = &world.cells;
    let (mut out, mut households) = (0u64, 0u64);
    for c in 0..world.len() {
        if let Controller::Group(g) = world.controller(c as u32)
            && outcome.model.groups[g as usize].kind == kind
        {
            out += u64::from(cells.displaced_out[c] - cells.displaced_out_mass[c]);
            households += u64::from(cells.initial_households[c]);
        }
    }
    out as f64 / households.max(1) as f64
}

#[test]
fn gangs_displace_drop_by_drop_and_contested_cartel_corridors_in_mass() {
    for seed in [1, 2] {
        let gangs = run("gang_city.toml", seed);
        let cartels = run("cartel_corridor.toml", seed);
        let (g, c) = (&gangs.summary, &cartels.summary);
        // Mass events are a share of displaced persons: most gang-city departures are one
        // family, or since partial moves one member, at a time.
        assert!(
            g.mass_event_share < 0.15,
            "gang city: mass share {}",
            g.mass_event_share
        );
        assert!(
            c.mass_event_share > 0.3,
            "cartel corridor: mass share {}",
            c.mass_event_share
        );
        assert!(c.mass_event_share > 5.0 * g.mass_event_share);
        assert!(
            c.ghost_neighbourhoods > g.ghost_neighbourhoods,
            "ghost towns follow mass expulsions"
        );
    }
}

#[test]
fn uncontested_gang_turf_displaces_more_per_head_than_uncontested_trafficking_routes() {
    for seed in [1, 2] {
        let gangs = atomised_outflow(&run("gang_city.toml", seed), GroupKind::StreetGang);
        let routes = atomised_outflow(
            &run("trafficking_routes.toml", seed),
            GroupKind::TraffickingGroup,
        );
        assert!(
            gangs > 2.0 * routes,
            "atomised departures per household: gangs {gangs}, trafficking {routes}"
        );
    }
}
