//! Phase 1: homicides, perceived neighbourhood risk, and the per-cell hazards of the tick.
//!
//! Organised-crime homicides come from the groups holding a cell (multiplied where two or more
//! contest it), damped by clean state presence unless the group is strong enough to withstand it;
//! background homicides come from everyone. Residents perceive the homicide rate of their
//! neighbourhood and the adjoining ones, smoothed over recent weeks.

use rayon::prelude::*;

use super::Model;
use crate::rng::{self, Draws, Process};

/// What a household in a cell faces this tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CellHazard {
    /// Extortion demand hazard for a household of unit weight.
    pub extortion: f32,
    /// Death-threat hazard for an unmarked household.
    pub threat: f32,
    /// Change in accumulated fear this tick for a household of unit sensitivity (may be negative).
    pub fear_drive: f32,
}

/// Share of a group's activity in `cell` that survives state suppression.
pub fn suppression_factor(model: &Model, cell: u32, group: u16) -> f64 {
    let state = &model.scenario.spec.state;
    let clean_presence =
        f64::from(model.world.state_presence[cell as usize]) * (1.0 - state.corruption);
    let strength = model.groups[group as usize].strength;
    1.0 - state.suppression * clean_presence * (1.0 - strength)
}

/// Draws homicides, updates perceived risk and computes the tick's hazards.
/// Returns (organised-crime, background) homicides.
pub fn step(model: &mut Model) -> (u32, u32) {
    let seed = model.scenario.seed();
    let tick = model.tick;
    let params = &model.scenario.params;
    let spec = &model.scenario.spec;
    let n = model.world.len();

    // Per cell: organised-crime violence, extortion and threat hazards.
    let m = &*model;
    let activity: Vec<(f64, f32, f32)> = (0..n as u32)
        .into_par_iter()
        .map(|c| {
            let claims = m.world.claims_of(c);
            let contest = if claims.len() >= 2 {
                spec.violence.contest_multiplier
            } else {
                1.0
            };
            let (mut violence, mut extortion, mut threat) = (0.0, 0.0, 0.0);
            for &g in claims {
                let gp = &params.groups[m.groups[g as usize].type_index as usize];
                let survive = suppression_factor(m, c, g);
                violence += gp.violence_hazard * survive * contest;
                extortion += gp.extortion_hazard * survive;
                threat += gp.threat_hazard * survive;
            }
            (violence, extortion as f32, threat as f32)
        })
        .collect();

    let homicides: Vec<(u32, u32)> = (0..n)
        .into_par_iter()
        .map(|c| {
            let persons = f64::from(m.world.cells.persons[c]);
            let mut draws = Draws::new(seed, Process::Violence, c as u64, tick);
            let oc = rng::poisson(&mut draws, persons * activity[c].0);
            let background = rng::poisson(&mut draws, persons * params.background_hazard);
            (oc, background)
        })
        .collect();

    let cells = &mut model.world.cells;
    let (mut total_oc, mut total_background) = (0u32, 0u32);
    for (c, &(oc, background)) in homicides.iter().enumerate() {
        cells.homicides_oc[c] += oc;
        cells.homicides_background[c] += background;
        total_oc += oc;
        total_background += background;
    }

    // Perceived risk: this tick's homicides over the cell and its neighbours, read against the
    // region's rate (a prior worth `perception_population` persons, so that one killing in a
    // hamlet does not read as a rate of thousands), annualised and smoothed over recent weeks.
    let world = &model.world;
    let regions = world.region_names.len();
    let mut region_killed = vec![0u64; regions];
    let mut region_persons = vec![0u64; regions];
    for (c, &(oc, background)) in homicides.iter().enumerate() {
        let r = world.region[c] as usize;
        region_killed[r] += u64::from(oc + background);
        region_persons[r] += u64::from(world.cells.persons[c]);
    }
    let prior_persons = spec.violence.perception_population;
    let alpha = params.risk_alpha;
    let per_year = 1e5 / params.dt_years;
    let risk: Vec<f32> = (0..n as u32)
        .into_par_iter()
        .map(|c| {
            let mut killed = homicides[c as usize].0 + homicides[c as usize].1;
            let mut persons = world.cells.persons[c as usize];
            for &nb in world.adjacency.of(c) {
                killed += homicides[nb as usize].0 + homicides[nb as usize].1;
                persons += world.cells.persons[nb as usize];
            }
            let r = world.region[c as usize] as usize;
            let region_rate = region_killed[r] as f64 / (region_persons[r] as f64).max(1.0);
            let observed = (f64::from(killed) + region_rate * prior_persons)
                / (f64::from(persons) + prior_persons).max(1.0)
                * per_year;
            let previous = f64::from(world.cells.risk[c as usize]);
            (previous + alpha * (observed - previous)) as f32
        })
        .collect();
    model.world.cells.risk = risk;

    let tolerance = spec.fear.tolerance;
    let dt_weeks = params.dt_weeks;
    for (c, hazard) in model.hazards.iter_mut().enumerate() {
        let perceived = f64::from(model.world.cells.risk[c]);
        *hazard = CellHazard {
            extortion: activity[c].1,
            threat: activity[c].2,
            fear_drive: (dt_weeks * (perceived / tolerance - 1.0)) as f32,
        };
    }
    (total_oc, total_background)
}
