//! Issue 13: closures as an early warning. A business closed by extortion costs neighbours their
//! income; they live on their savings and leave when these run low, so departures follow
//! closures with a lag. Shown by paired seeds, the model's own bookkeeping, and `cell_ticks.csv`;
//! the lag itself is fact 13 of the validation battery (`tests/validation.rs`).

mod common;

use std::collections::BTreeSet;

use common::{SEEDS, displace, displaced_by, paired};
use displace::metrics::Trigger;

#[test]
fn every_departure_from_home_for_a_lost_livelihood_follows_a_closure_there() {
    let mut departures = 0;
    for &seed in &SEEDS {
        // (cell, tick) of every closure so far.
        let mut closures: BTreeSet<(u32, u32)> = BTreeSet::new();
        common::ticks_with_episodes(&[], seed, |tick, episodes, model| {
            // From home: a household that moves on from where it fled keeps its first trigger.
            let home = &model.households.origin;
            for e in episodes.iter().filter(|e| {
                e.trigger == Trigger::LivelihoodLoss && e.origin_cell == home[e.household as usize]
            }) {
                departures += 1;
                let earlier = closures
                    .range((e.origin_cell, 0)..(e.origin_cell, tick))
                    .count();
                assert!(
                    earlier > 0,
                    "a household left cell {} at tick {tick} for a lost livelihood with no \
                     closure there before",
                    e.origin_cell,
                );
            }
            for (c, &n) in model.world.cells.business_closures_tick.iter().enumerate() {
                if n > 0 {
                    closures.insert((c as u32, tick));
                }
            }
        });
    }
    assert!(departures > 20, "only {departures} livelihood departures");
}

#[test]
fn savings_and_new_jobs_hold_households_back_and_without_the_mechanism_nobody_leaves_for_it() {
    let livelihood = displaced_by("livelihood_loss");
    let (on, off) = paired(&[], &["livelihood.leave_share=0"], &livelihood);
    assert!(
        on > 20.0 && off == 0.0,
        "livelihood departures {on} -> {off}"
    );
    let (on, off) = paired(&[], &["livelihood.jobs_per_closure=0"], &livelihood);
    assert!(on > 20.0 && off == 0.0, "no jobs lost: {on} -> {off}");
    // Finding new work within a week or so, few run through their savings.
    let (slow, fast) = paired(&[], &["livelihood.reemployment_weeks=1"], &livelihood);
    assert!(
        fast < 0.5 * slow,
        "reemployment in a week: {slow} -> {fast}"
    );
    // Spending savings faster, more reach the reserve within the run.
    let (frugal, spending) = paired(
        &["livelihood.spending_months=0.1"],
        &["livelihood.spending_months=2"],
        &livelihood,
    );
    assert!(spending > frugal, "spending: {frugal} -> {spending}");
    // A closure costs more neighbours their income: more leave.
    let (one, four) = paired(&[], &["livelihood.jobs_per_closure=4"], &livelihood);
    assert!(four > 2.0 * one, "jobs per closure 1 -> 4: {one} -> {four}");
}

#[test]
fn cell_ticks_csv_adds_up_to_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let scenario = common::tiny_path();
    let run = displace(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--set",
            "outputs.cell_ticks=true",
            "--set",
            "livelihood.jobs_per_closure=3",
            "--out",
            out.to_str().unwrap(),
            "--no-plots",
        ],
        dir.path(),
    );
    assert!(run.status.success(), "{}", common::stderr(&run));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(out.join("cell_ticks.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, displace::output::CELL_TICK_COLUMNS);
    let rows: Vec<Vec<u64>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(|v| v.parse().unwrap()).collect())
        .collect();
    let total = |col: usize| rows.iter().map(|r| r[col]).sum::<u64>();
    assert_eq!(total(4), summary["business_closures"].as_u64().unwrap());
    assert_eq!(total(7), summary["homicides_oc"].as_u64().unwrap());
    assert!(
        rows.iter().all(|r| r[4..].iter().any(|&v| v > 0)),
        "a row of zeros"
    );
    // Every episode leaves from one neighbourhood; every one within the country arrives in one.
    assert_eq!(total(5), summary["displacements"].as_u64().unwrap());
    let abroad = summary["cross_border_exits"].as_u64().unwrap();
    assert_eq!(total(6), total(5) - abroad);
}
