//! Issue 13: forces' presence as state. Groups under pressure lie low everywhere they hold, meet
//! the forces less often as they weaken, keep retaken neighbourhoods underground and take them
//! back once the forces leave, and stay down while their members are detained. Each mechanism is
//! shown by paired seeds against the same scenario with it switched off.

mod common;

use common::{SEEDS, WIDE_SEEDS, run_ticks, set_all_groups, strs};
use displace::metrics::TickMetrics;

/// A militarised crackdown of `units` units in every region from `from` until `until`.
fn crackdown(units: u32, from: u32, until: u32) -> String {
    format!(
        "events=[{{label=\"crackdown\", tick={from}, until={until}, \
         state={{crackdown={{posture=\"militarised\", units={units}}}}}}}]"
    )
}

fn sum(metrics: &[TickMetrics], ticks: std::ops::Range<usize>, f: fn(&TickMetrics) -> u32) -> f64 {
    metrics[ticks].iter().map(|m| f64::from(f(m))).sum()
}

#[test]
fn groups_under_pressure_lie_low_and_their_violence_returns_after_withdrawal() {
    let event = crackdown(6, 4, 16);
    let ticks = "simulation.ticks=40";
    let (mut low, mut high, mut after_low, mut after_high) = (0.0, 0.0, 0.0, 0.0);
    let mut pressure_faded = 0;
    for &seed in &SEEDS {
        let (model, lying) = run_ticks(&[ticks, &event], seed);
        let (_, bold) = run_ticks(&[ticks, &event, "state.crackdown.lie_low=0"], seed);
        low += sum(&lying, 8..16, |m| m.homicides_oc);
        high += sum(&bold, 8..16, |m| m.homicides_oc);
        after_low += sum(&lying, 30..40, |m| m.homicides_oc);
        after_high += sum(&bold, 30..40, |m| m.homicides_oc);
        // 24 weeks after the withdrawal, four time constants of 6 weeks: pressure is all but gone.
        if model.groups.iter().all(|g| g.pressure < 0.05) {
            pressure_faded += 1;
        }
    }
    assert!(low < high, "lying low: {low} homicides against {high}");
    assert_eq!(pressure_faded, SEEDS.len());
    // Lying low defers violence rather than ending it: once the pressure fades, killings come
    // back further from where they were held than they do without it.
    assert!(
        after_low / low > after_high / high,
        "after / during: {after_low}/{low} with lying low, {after_high}/{high} without"
    );
}

#[test]
fn clashes_fall_as_groups_weaken_and_lie_low() {
    // Enough units to meet the groups, mostly flimsy gangs that avoid the forces, about once a
    // tick.
    let event = crackdown(24, 2, 40);
    let ticks = "simulation.ticks=30";
    // Groups that move on when raided meet the forces afresh where they go (the balloon effect,
    // tested below); here they stay, so that weakening and lying low are seen alone.
    let stay = set_all_groups("raid_flight_share", "0");
    let stay = strs(&stay);
    let (mut early, mut late, mut late_constant) = (0.0, 0.0, 0.0);
    // Eight seeds to see the trend.
    for &seed in &WIDE_SEEDS {
        let (_, adaptive) = run_ticks(&[&[ticks, &event][..], &stay].concat(), seed);
        // With no lying low and no attrition, the forces meet the groups at the same rate.
        let (_, constant) = run_ticks(
            &[
                &[
                    ticks,
                    &event,
                    "state.crackdown.lie_low=0",
                    "state.crackdown.attrition=0",
                ][..],
                &stay,
            ]
            .concat(),
            seed,
        );
        early += sum(&adaptive, 2..8, |m| m.clashes) / 6.0;
        late += sum(&adaptive, 22..30, |m| m.clashes) / 8.0;
        late_constant += sum(&constant, 22..30, |m| m.clashes) / 8.0;
    }
    assert!(late < early, "clashes per tick: early {early}, late {late}");
    assert!(late < late_constant, "late {late} against {late_constant}");
}

#[test]
fn groups_that_cannot_withstand_the_state_avoid_its_forces() {
    // Same deployment against flimsy and against heavily armed groups, with nothing else that
    // strength changes about the raids (no lying low, attrition, retaking or moving on).
    let event = crackdown(6, 2, 40);
    let fixed = [
        "simulation.ticks=20",
        "state.crackdown.lie_low=0",
        "state.crackdown.attrition=0",
        "state.crackdown.retake_rate.militarised=0",
    ];
    let clashes = |strength: &str, seed: u64| {
        let set: Vec<String> = [
            set_all_groups("strength", strength),
            set_all_groups("raid_flight_share", "0"),
        ]
        .concat();
        let args = [&fixed[..], &[event.as_str()], &strs(&set)].concat();
        let (_, metrics) = run_ticks(&args, seed);
        sum(&metrics, 2..20, |m| m.clashes)
    };
    let (mut flimsy, mut armed) = (0.0, 0.0);
    for &seed in &SEEDS {
        flimsy += clashes("0.2", seed);
        armed += clashes("0.8", seed);
    }
    // Clashes scale with the strength that stands and fights: about a quarter as many.
    assert!(
        flimsy < 0.5 * armed,
        "clashes against groups of strength 0.2: {flimsy}, of strength 0.8: {armed}"
    );
    assert!(flimsy > 0.0, "no clash at all against the weak groups");
}

#[test]
fn retaken_neighbourhoods_go_underground_and_come_back_once_forces_leave() {
    let event = crackdown(12, 2, 14);
    let ticks = "simulation.ticks=40";
    let retake = "state.crackdown.retake_rate.militarised=50";
    let (mut back, mut none) = (0.0, 0.0);
    let mut went_underground = false;
    for &seed in &SEEDS {
        let (_, returning) = run_ticks(&[ticks, &event, retake], seed);
        let (model, staying) = run_ticks(
            &[ticks, &event, retake, "state.crackdown.return_rate=0"],
            seed,
        );
        went_underground |= model.groups.iter().any(|g| !g.underground.is_empty());
        let held = |m: &TickMetrics| m.cells_by_group_kind.iter().sum::<u32>() + m.cells_contested;
        back += f64::from(held(&returning[39])) - f64::from(held(&returning[14]));
        none += f64::from(held(&staying[39])) - f64::from(held(&staying[14]));
    }
    assert!(went_underground, "no cell was retaken");
    assert!(
        back > none,
        "cells regained after withdrawal: {back} against {none}"
    );
}

#[test]
fn detained_members_hold_a_group_down_until_they_are_released() {
    let event = crackdown(12, 2, 12);
    let ticks = "simulation.ticks=30";
    // Places for everyone, so that both arms arrest the same members.
    let places = "state.crackdown.detention_capacity=0.5";
    let (mut held_long, mut held_short) = (0.0, 0.0);
    for &seed in &SEEDS {
        let (long, _) = run_ticks(
            &[ticks, &event, places, "state.crackdown.release_weeks=520"],
            seed,
        );
        let (short, _) = run_ticks(
            &[ticks, &event, places, "state.crackdown.release_weeks=1"],
            seed,
        );
        let strength = |m: &displace::step::Model| {
            m.groups
                .iter()
                .map(|g| g.strength / g.base_strength.max(1e-9))
                .sum::<f64>()
        };
        held_long += strength(&long);
        held_short += strength(&short);
        assert!(long.groups.iter().any(|g| g.detained > 0.0));
    }
    assert!(
        held_long < held_short,
        "relative strength with long detention {held_long}, short {held_short}"
    );
}

#[test]
fn raided_groups_move_on_to_the_outskirts_and_come_back_only_as_far_as_they_can_hold() {
    use displace::scenario::CellKind;
    let event = crackdown(12, 2, 30);
    let ticks = "simulation.ticks=40";
    let retake = "state.crackdown.retake_rate.militarised=50";
    let (lie_low, move_on) = (
        set_all_groups("raid_flight_share", "0"),
        set_all_groups("raid_flight_share", "1"),
    );
    let outskirts_held = |model: &displace::step::Model| {
        (0..model.world.len() as u32)
            .filter(|&c| {
                matches!(
                    model.world.kind[c as usize],
                    CellKind::Rural | CellKind::UrbanPeriphery
                ) && !model.world.claims_of(c).is_empty()
            })
            .count()
    };
    let (mut held_staying, mut held_moving) = (0, 0);
    let (mut moves_staying, mut moves_moving) = (0.0, 0.0);
    for &seed in &SEEDS {
        let (stayed, m_stayed) =
            run_ticks(&[ticks, &event, retake, &lie_low[0], &lie_low[1]], seed);
        let (moved, m_moved) = run_ticks(
            &[&[ticks, &event, retake][..], &strs(&move_on)].concat(),
            seed,
        );
        held_staying += outskirts_held(&stayed);
        held_moving += outskirts_held(&moved);
        moves_staying += sum(&m_stayed, 0..40, |m| m.relocations);
        moves_moving += sum(&m_moved, 0..40, |m| m.relocations);
        // Returning to retaken cells never takes a group past the ground it can hold.
        for group in &moved.groups {
            let max = moved.scenario.spec.groups[group.type_index as usize]
                .max_territory_cells
                .unwrap();
            assert!(
                group.territory.len() <= max as usize,
                "seed {seed}: {} cells",
                group.territory.len()
            );
        }
    }
    assert!(
        moves_moving > moves_staying,
        "relocations: {moves_moving} moving on, {moves_staying} lying low"
    );
    assert!(
        held_moving > held_staying,
        "rural and peripheral cells held at the end: {held_moving} moving on, {held_staying} lying low"
    );
}
