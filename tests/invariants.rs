//! Conservation and bookkeeping invariants, checked after every tick of violent runs.

mod common;

use displace::households::{Lodging, Status, flags};
use displace::metrics::{Episode, Trigger};
use displace::sim::{Observer, simulate};
use displace::step::Model;

/// Recomputes every stock from the household store and compares with the model's counters.
fn assert_consistent(model: &Model, initial_households: usize, initial_persons: u64) {
    let hh = &model.households;
    let cells = &model.world.cells;
    assert_eq!(
        hh.len(),
        initial_households,
        "households are neither created nor lost"
    );
    let (by_status, persons_by_state) = model.count_by_status();
    assert_eq!(by_status, model.households_by_status);
    assert_eq!(persons_by_state, model.persons_by_state);
    assert_eq!(
        persons_by_state.iter().sum::<u64>(),
        initial_persons,
        "persons are conserved"
    );

    let n = model.world.len();
    let (mut households, mut persons) = (vec![0u32; n], vec![0u32; n]);
    let (mut dwellings, mut shelter, mut businesses) =
        (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
    for h in 0..hh.len() {
        let mind = &hh.mind[h];
        if mind.away > 0 {
            persons[hh.kin_cell[h] as usize] += u32::from(mind.away);
        }
        match mind.status {
            Status::Dead => {
                assert_eq!(
                    hh.members[h].total() + u32::from(mind.away),
                    0,
                    "a dead household has no one left"
                );
                continue;
            }
            Status::Abroad => continue,
            Status::Resident => {
                assert_eq!(mind.lodging, Lodging::Home);
                assert_eq!(hh.cell[h], hh.origin[h], "residents live at home");
            }
            Status::Displaced => assert_ne!(mind.lodging, Lodging::Home),
            Status::SelfContained => {}
        }
        let c = hh.cell[h] as usize;
        households[c] += 1;
        persons[c] += hh.members[h].total();
        businesses[c] += u32::from(mind.has(flags::BUSINESS_OPEN));
        match mind.lodging {
            Lodging::Home | Lodging::Rent => dwellings[c] += 1,
            Lodging::Shelter => shelter[c] += 1,
            Lodging::Kin | Lodging::Informal => {}
        }
    }
    assert_eq!(
        households, cells.households,
        "occupancy equals households located there"
    );
    assert_eq!(
        persons, cells.persons,
        "persons present equal members here plus children sent here"
    );
    assert_eq!(dwellings, cells.dwellings_used);
    assert_eq!(shelter, cells.shelter_used);
    assert_eq!(
        businesses, cells.businesses_open,
        "open businesses are where their owners are"
    );
    for c in 0..n {
        assert!(
            cells.shelter_used[c] <= model.world.shelter_capacity[c],
            "shelter over capacity"
        );
        assert!(
            cells.dwellings_used[c] + cells.seized[c] <= model.world.housing[c],
            "only vacant dwellings are rented, returned to or seized"
        );
    }
}

struct Checker {
    households: usize,
    persons: u64,
    episodes_this_tick: u32,
    episodes: Vec<Episode>,
    ticks: u32,
}

impl Observer for Checker {
    fn start(&mut self, model: &Model) -> std::io::Result<()> {
        self.households = model.households.len();
        self.persons = model.persons();
        assert_consistent(model, self.households, self.persons);
        Ok(())
    }

    fn episode(&mut self, e: &Episode) -> std::io::Result<()> {
        self.episodes_this_tick += 1;
        self.episodes.push(e.clone());
        Ok(())
    }

    fn tick(&mut self, m: &displace::metrics::TickMetrics, model: &Model) -> std::io::Result<()> {
        assert_consistent(model, self.households, self.persons);
        assert_eq!(
            m.displacements(),
            self.episodes_this_tick,
            "one episode per displacement"
        );
        assert_eq!(
            m.displacements_first + m.displacements_repeat,
            m.displacements()
        );
        // Every episode is targeted, pre-emptive, or for a livelihood lost to a closure.
        let livelihood = m.displacements_by_trigger[Trigger::LivelihoodLoss as usize];
        assert_eq!(
            m.displacements_targeted + m.displacements_preemptive + livelihood,
            m.displacements()
        );
        // Child homicides are among the organised-crime and background ones, never extra.
        assert!(m.homicides_children <= m.homicides_oc + m.homicides_background);
        self.episodes_this_tick = 0;
        self.ticks += 1;
        Ok(())
    }
}

fn check(overrides: &[&str]) -> Checker {
    let scenario = common::tiny(overrides);
    let mut checker = Checker {
        households: 0,
        persons: 0,
        episodes_this_tick: 0,
        episodes: Vec::new(),
        ticks: 0,
    };
    let outcome = simulate(&scenario, &mut checker).unwrap();
    assert_eq!(checker.ticks, scenario.spec.simulation.ticks);
    assert_eq!(outcome.summary.displacements, checker.episodes.len() as u64);
    // Episode ids are consecutive and each names a real move.
    for (i, e) in checker.episodes.iter().enumerate() {
        assert_eq!(e.id, i as u64);
        assert_ne!(Some(e.origin_cell), e.destination_cell);
        assert_eq!(e.cross_border, e.destination_cell.is_none());
        assert!(e.move_number >= 1);
    }
    checker
}

#[test]
fn invariants_hold_every_tick_in_the_tiny_scenario() {
    let c = check(&[]);
    assert!(
        c.episodes.len() > 100,
        "the scenario displaces people ({} episodes)",
        c.episodes.len()
    );
}

#[test]
fn invariants_hold_under_heavy_violence_with_scarce_housing() {
    let c = check(&[
        "violence.contest_multiplier=20",
        "fear.tolerance=10",
        "world.housing_slack=0",
        "flight.cost_months=0",
        "groups.gangs.extortion_rate=40",
    ]);
    assert!(
        c.episodes.iter().any(|e| e.move_number > 1),
        "repeat displacement happens"
    );
}

#[test]
fn invariants_hold_with_splits_expansion_exits_and_returns() {
    let c = check(&[
        "groups.cartels.split_rate=10",
        "groups.gangs.expansion_rate=10",
        "state.border_openness=1",
        "exit.smuggler_price_months=0",
        "exit.labour_rate=0.5",
        "returns.rate=10",
        "returns.max_risk=100000",
        "groups.gangs.reach=40",
        "violence.contest_multiplier=10",
        "events=[{tick=2, until=18, state={crackdown={posture=\"emergency\", units=30}}}]",
        "state.protection={regime=\"displacement_law\", budget=2000, relocation_capacity=200}",
    ]);
    assert!(
        c.episodes.iter().any(|e| e.cross_border),
        "households leave the country"
    );
}
