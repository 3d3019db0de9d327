//! Group dynamics: expansion and incursion, contests that end, splits, relocation under pressure.

mod common;

use common::{SEEDS, paired, run_ticks, scenario, set_all_groups, strs};
use displace::metrics::TickMetrics;
use displace::step::Model;
use displace::world::Controller;

fn total(metrics: &[TickMetrics], f: fn(&TickMetrics) -> u32) -> u32 {
    metrics.iter().map(f).sum()
}

fn held_cells(model: &Model) -> usize {
    (0..model.world.len() as u32)
        .filter(|&c| model.world.controller(c) != Controller::State)
        .count()
}

#[test]
fn groups_expand_and_invade_rivals() {
    let still = set_all_groups("expansion_rate", "0");
    let growing = set_all_groups("expansion_rate", "20");
    for seed in SEEDS {
        let (a, ma) = run_ticks(&strs(&still), seed);
        let (b, mb) = run_ticks(&strs(&growing), seed);
        assert_eq!(total(&ma, |m| m.expansions), 0);
        assert!(
            held_cells(&b) > held_cells(&a),
            "seed {seed}: held cells {} -> {}",
            held_cells(&a),
            held_cells(&b)
        );
        assert!(
            total(&mb, |m| m.incursions) > 0,
            "expanding groups run into rivals"
        );
    }
}

#[test]
fn contests_end_with_a_winner() {
    let still = set_all_groups("expansion_rate", "0");
    let frozen = [strs(&still), vec!["violence.contest_resolution_rate=0"]].concat();
    let quick = [strs(&still), vec!["violence.contest_resolution_rate=50"]].concat();
    for seed in SEEDS {
        let (_, a) = run_ticks(&frozen, seed);
        let (_, b) = run_ticks(&quick, seed);
        let first = a[0].cells_contested;
        assert!(first > 0, "the tiny scenario starts with contested cells");
        assert_eq!(
            a.last().unwrap().cells_contested,
            first,
            "without resolution contests last"
        );
        assert_eq!(
            b.last().unwrap().cells_contested,
            0,
            "quick resolution ends every contest"
        );
        assert!(total(&b, |m| m.contests_resolved) >= first);
    }
}

#[test]
fn splits_create_rival_factions_and_violence() {
    let none = set_all_groups("split_rate", "0");
    let often = set_all_groups("split_rate", "10");
    let (calm, split) = paired(&strs(&none), &strs(&often), |s| s.homicides_oc as f64);
    assert!(
        split > calm,
        "organised-crime homicides: {calm} without splits, {split} with"
    );
    for seed in SEEDS {
        let (model, metrics) = run_ticks(&strs(&often), seed);
        let splits = total(&metrics, |m| m.splits);
        assert!(splits > 0);
        assert_eq!(
            model.groups.len(),
            8 + splits as usize,
            "every split adds a faction"
        );
        assert_eq!(metrics.last().unwrap().groups as usize, model.groups.len());
    }
}

#[test]
fn pressed_groups_relocate_to_weakly_policed_cells() {
    // A strong state in every kind of neighbourhood but the rural ones.
    let pressed = [
        "state.presence={urban_core=1.0, urban_periphery=1.0, rural=0.0, border_corridor=1.0, resource_site=1.0}",
        "state.corruption=0",
        "groups.gangs.strength=0",
        "groups.gangs.relocation_pressure=0.2",
        "groups.gangs.relocation_rate=50",
        "groups.gangs.expansion_rate=0",
    ];
    let mut moved = 0;
    for seed in SEEDS {
        let s = scenario(&pressed, seed);
        let mut model = Model::build(&s);
        let presence = |m: &Model| -> f64 {
            let cells: Vec<u32> = m
                .groups
                .iter()
                .filter(|g| g.type_index == 0)
                .flat_map(|g| g.territory.clone())
                .collect();
            cells
                .iter()
                .map(|&c| f64::from(m.world.state_presence[c as usize]))
                .sum::<f64>()
                / cells.len() as f64
        };
        let before = presence(&model);
        let mut relocations = 0;
        for _ in 0..s.spec.simulation.ticks {
            relocations += model.step(&mut |_| Ok::<(), ()>(())).unwrap().relocations;
        }
        assert!(
            presence(&model) < before,
            "gangs end up where the state is weaker"
        );
        moved += relocations;
    }
    assert!(moved > 0);
}

/// Pre-emptive departures from cells in the tick a group entered or began to contest them.
fn departures_on_entry(overrides: &[&str]) -> u32 {
    let mut count = 0;
    for &seed in &SEEDS {
        let mut before: Vec<Controller> = Vec::new();
        common::ticks_with_episodes(overrides, seed, |_, episodes, model| {
            // Hazards are drawn after group dynamics: a cell entered this tick frightens now.
            let now: Vec<Controller> = (0..model.world.len() as u32)
                .map(|c| model.world.controller(c))
                .collect();
            if !before.is_empty() {
                count += episodes
                    .iter()
                    .filter(|e| {
                        let c = e.origin_cell as usize;
                        e.trigger == displace::metrics::Trigger::DiffuseInsecurity
                            && now[c] != before[c]
                            && now[c] != Controller::State
                    })
                    .count() as u32;
            }
            before = now;
        });
    }
    count
}

#[test]
fn an_incursion_frightens_its_neighbourhood_at_once() {
    let expanding = set_all_groups("expansion_rate", "6");
    let calm = [&strs(&expanding)[..], &["fear.incursion_weeks=0"]].concat();
    let shocked = [&strs(&expanding)[..], &["fear.incursion_weeks=40"]].concat();
    let (a, b) = (departures_on_entry(&calm), departures_on_entry(&shocked));
    assert!(
        b > 2 * a.max(5),
        "pre-emptive departures on entry: {a} -> {b}"
    );
}

/// Splits over the seeds under a year-long militarised crackdown everywhere, with `fragmentation`.
fn splits_under_crackdown(fragmentation: &str) -> u32 {
    let event = format!(
        "events=[{{label=\"crackdown\", tick=2, until=26, state={{crackdown={{posture=\"militarised\", \
         units=60, fragmentation={fragmentation}}}}}}}]"
    );
    let mut overrides = set_all_groups("split_rate", "1");
    overrides.push(event);
    SEEDS
        .iter()
        .map(|&seed| total(&run_ticks(&strs(&overrides), seed).1, |m| m.splits))
        .sum()
}

#[test]
fn groups_the_state_weakens_split_into_rival_factions() {
    let (none, some) = (splits_under_crackdown("0"), splits_under_crackdown("40"));
    assert!(
        some > none + 2,
        "splits under a crackdown: fragmentation 0 -> {none}, 40 -> {some}"
    );
}

/// Incursions over the seeds with expanding groups, a corruption level and a brokered peace.
fn incursions(corruption: &str, brokered_peace: &str) -> u32 {
    let mut overrides = set_all_groups("expansion_rate", "20");
    overrides.push(format!("state.corruption={corruption}"));
    overrides.push(format!("state.brokered_peace={brokered_peace}"));
    SEEDS
        .iter()
        .map(|&seed| total(&run_ticks(&strs(&overrides), seed).1, |m| m.incursions))
        .sum()
}

#[test]
fn collusion_keeps_the_peace_between_groups_and_its_end_lets_them_invade() {
    let (open, brokered) = (incursions("0.9", "0"), incursions("0.9", "1"));
    assert!(
        brokered * 2 < open,
        "incursions under collusion: no broker {open}, brokered {brokered}"
    );
    // Without corrupt officials there is nobody to broker: the same incursions either way.
    assert_eq!(incursions("0", "0"), incursions("0", "1"));
}
