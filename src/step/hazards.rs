//! Phase 1: the hazards households face this tick, per neighbourhood.
//!
//! Group activity comes from the groups claiming a cell, damped by clean state presence unless
//! the group is strong enough to withstand it; organised-crime violence is multiplied where two
//! or more groups contest the cell. Witnessing follows last tick's killings; state harassment
//! follows state presence; mass expulsion orders are issued in contested cells and, by groups
//! that take land, in the strategic cells they hold; a block leaves together after a collective
//! demand or threat, or after a massacre.

use rayon::prelude::*;

use super::Model;
use crate::metrics::Trigger;
use crate::rng::{Draws, Process};
use crate::scenario::CellKind;
use crate::world::Controller;

/// What a household in a cell faces this tick (hazards per unit of exposure).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellHazard {
    /// Organised-crime homicide hazard per unit of homicide risk weight.
    pub organised_homicide: f32,
    /// Extortion demand hazard for a household of unit weight.
    pub extortion: f32,
    /// Death-threat hazard for an unmarked household.
    pub threat: f32,
    /// Recruitment hazard per recruitable child.
    pub recruitment: f32,
    /// Sexual violence hazard per woman or girl.
    pub sexual_violence: f32,
    /// Seizure hazard per household living in a dwelling.
    pub seizure: f32,
    /// Order-to-leave hazard per targeted household.
    pub profile: f32,
    /// Hazard of witnessing one of last tick's killings.
    pub witness: f32,
    /// State harassment hazard per young man.
    pub state_abuse: f32,
    /// Hazard that a young man is detained though innocent (crackdown arrests).
    pub innocent_arrest: f32,
    /// Hazard, this tick, that a household here is ordered out in a mass expulsion
    /// (−ln(1 − share ordered out) where an order was issued, 0 elsewhere).
    pub mass_order: f32,
    /// Hazard, this tick, that a household here leaves with its block after a collective demand,
    /// a threat to the block or a massacre (0 where none happened), and that event's trigger
    /// code ([`Trigger::code`]; 0 for none).
    pub collective: f32,
    pub collective_trigger: u8,
    /// Trafficking hazard per person at home (not displaced): `trafficking.home_factor` of the
    /// base rate, raised by `trafficking.group_control_factor` where a group holds sway.
    pub trafficking_home: f32,
    /// Probability, this tick, that a household here loses its income to last tick's business
    /// closures (`livelihood.jobs_per_closure` households per closure).
    pub job_loss: f32,
    /// Change in accumulated fear this tick for a household of unit sensitivity (may be negative).
    pub fear_drive: f32,
}

/// Share of a group's activity in `cell` that survives state suppression: clean presence (the
/// region's presence plus crackdown units, less its corrupt share) suppresses what the group's
/// strength does not withstand.
pub fn suppression_factor(model: &Model, cell: u32, group: u16) -> f64 {
    let state = &model.policy_at(cell).state;
    let clean_presence =
        f64::from(model.world.state_presence[cell as usize]) * (1.0 - state.corruption);
    let strength = model.groups[group as usize].strength;
    1.0 - state.suppression * clean_presence * (1.0 - strength)
}

/// Share of a group's open violence (killings, threats, orders to leave, mass orders, expansion,
/// confrontation with the forces) it keeps under enforcement pressure:
/// 1 − `state.crackdown.lie_low` × its pressure, with the state of its home region. Forces that
/// stand on a group's cells make it lie low everywhere it holds; when they leave, pressure fades
/// over weeks and the violence returns. Quieter predation (extortion, recruitment, sexual
/// violence, seizures) is not lowered by lying low, only by presence where the forces stand.
pub fn activity_factor(model: &Model, group: u16) -> f64 {
    let group = &model.groups[group as usize];
    let lie_low = model.policy_at(group.home).state.crackdown.lie_low;
    1.0 - lie_low * group.pressure
}

/// How many times its type's rates a group preys at: an autodefensa that turned criminal
/// multiplies its community profile by `autodefensas.criminal_factor` (brief 2.11: predation
/// "low; rises if it turns criminal"); every other group preys at its type's rates.
pub fn predation_factor(model: &Model, group: u16) -> f64 {
    let group = &model.groups[group as usize];
    if group.kind == crate::scenario::GroupKind::Autodefensa && group.is_criminal() {
        model.scenario.spec.autodefensas.criminal_factor
    } else {
        1.0
    }
}

/// Computes every cell's hazards for this tick.
pub fn step(model: &mut Model) {
    // Cells a group entered, or began to contest, since last tick: an incursion frightens all.
    let now: Vec<Controller> = (0..model.world.len() as u32)
        .map(|c| model.world.controller(c))
        .collect();
    let last = std::mem::replace(&mut model.world.cells.last_controller, now);
    let entered: Vec<bool> = model
        .world
        .cells
        .last_controller
        .iter()
        .enumerate()
        .map(|(c, &held)| {
            last.get(c)
                .is_some_and(|&before| held != before && held != Controller::State)
        })
        .collect();
    let m = &*model;
    let spec = &m.scenario.spec;
    let params = &m.scenario.params;
    let seed = spec.simulation.seed;
    let tick = m.tick;
    let hazards: Vec<CellHazard> = (0..m.world.len() as u32)
        .into_par_iter()
        .map(|c| {
            let claims = m.world.claims_of(c);
            let contested = claims.len() >= 2;
            let contest = if contested {
                spec.violence.contest_multiplier
            } else {
                1.0
            };
            let strategic = matches!(
                m.world.kind[c as usize],
                CellKind::BorderCorridor | CellKind::ResourceSite
            );
            let mut h = [0.0f64; 7];
            let mut order_rate = 0.0;
            let mut order_share = 0.0f64;
            let mut collective_rate = 0.0;
            let policy = m.policy_at(c);
            let deprived_recruitment = (1.0
                + spec.recruitment.deprivation_gain
                    * (f64::from(m.world.deprivation[c as usize]) - 0.5))
                .max(0.0);
            for &g in claims {
                let group = &m.groups[g as usize];
                let gp = &params.groups[group.type_index as usize];
                let survive = suppression_factor(m, c, g) * predation_factor(m, g);
                // Lying low means no open violence: killings, threats and orders to leave stop,
                // while quieter predation (extortion, recruitment, abuse, seizures) goes on.
                let calm = activity_factor(m, g);
                let truce = if policy.truce.contains(&group.type_index) {
                    policy.state.truce.violence_factor
                } else {
                    1.0
                };
                h[0] += gp.violence_hazard * survive * calm * contest * truce;
                h[1] += gp.extortion_hazard * survive;
                h[2] += gp.threat_hazard * survive * calm;
                h[3] += gp.recruitment_hazard
                    * survive
                    * deprived_recruitment
                    * (1.0 - policy.state.youth_prevention);
                h[4] += gp.sexual_violence_hazard * survive;
                h[5] += gp.seizure_hazard * survive;
                h[6] += gp.profile_hazard * survive * calm;
                collective_rate += gp.collective_hazard * survive * calm;
                if contested {
                    order_rate += gp.expulsion_hazard * calm * predation_factor(m, g);
                    order_share = order_share.max(spec.mass.expulsion_share);
                } else if strategic {
                    order_rate += gp.land_grab_hazard * calm * predation_factor(m, g);
                    order_share = order_share.max(spec.mass.land_grab_share);
                }
            }
            // A mass order is a cell-level event: one draw per cell and tick.
            let ordered = order_rate > 0.0
                && Draws::new(seed, Process::MassOrder, u64::from(c), tick)
                    .chance_of_hazard(order_rate);
            let households = f64::from(m.world.cells.households[c as usize].max(1));
            let killings = m.world.cells.homicides_oc_tick[c as usize];
            let killed = f64::from(killings);
            // A block leaves together: after a massacre last tick, or a collective demand or
            // threat this tick (one draw per cell and tick; an expulsion order takes precedence).
            let collective_trigger = if ordered {
                None
            } else if spec.mass.massacre_killings > 0 && killings >= spec.mass.massacre_killings {
                Some(Trigger::Homicide)
            } else if collective_rate > 0.0 {
                let mut draws = Draws::new(seed, Process::Collective, u64::from(c), tick);
                draws.chance_of_hazard(collective_rate).then(|| {
                    if draws.chance(spec.mass.collective_threat_share) {
                        Trigger::ThreatInformant
                    } else {
                        Trigger::Extortion
                    }
                })
            } else {
                None
            };
            let block = (spec.mass.block_households / households).min(1.0);
            let collective = match collective_trigger {
                Some(_) => -libm::log1p(-(block * spec.mass.block_flee_share).min(0.999_999)),
                None => 0.0,
            };
            let presence = f64::from(m.world.state_presence[c as usize]);
            let units = f64::from(m.world.cells.units[c as usize]);
            // Innocent arrests by the units here, shared among the cell's young men (about
            // `young_male_share` of its persons); scaled below to the detention places left.
            let young_men =
                (f64::from(m.world.cells.persons[c as usize]) * m.young_male_share).max(1.0);
            let innocent = policy.arrest_hazard * units * (1.0 - policy.precision) / young_men;
            let perceived = f64::from(m.world.cells.risk[c as usize]);
            let closed = f64::from(m.world.cells.business_closures_tick[c as usize]);
            CellHazard {
                organised_homicide: h[0] as f32,
                extortion: h[1] as f32,
                threat: h[2] as f32,
                recruitment: h[3] as f32,
                sexual_violence: h[4] as f32,
                seizure: h[5] as f32,
                profile: h[6] as f32,
                witness: (spec.witness.per_homicide * killed / households).min(1.0) as f32,
                state_abuse: (policy.abuse_hazard
                    * presence
                    * (1.0 + policy.abuse_multiplier * units)) as f32,
                innocent_arrest: innocent as f32,
                // The share ordered out becomes the hazard that reaches that share of households.
                mass_order: if ordered {
                    -libm::log1p(-order_share.min(0.999_999)) as f32
                } else {
                    0.0
                },
                collective: collective as f32,
                collective_trigger: collective_trigger.map_or(0, Trigger::code),
                trafficking_home: (params.trafficking_hazard
                    * spec.trafficking.home_factor
                    * if claims.is_empty() {
                        1.0
                    } else {
                        spec.trafficking.group_control_factor
                    }) as f32,
                job_loss: (spec.livelihood.jobs_per_closure * closed / households).min(1.0) as f32,
                fear_drive: (params.dt_weeks * (perceived / spec.fear.tolerance - 1.0)
                    + if entered[c as usize] {
                        spec.fear.incursion_weeks
                    } else {
                        0.0
                    }) as f32,
            }
        })
        .collect();
    let mut hazards = hazards;
    // Expected innocent arrests fill at most the detention places left.
    let left =
        super::policy::detention_capacity(model).saturating_sub(model.detained_persons()) as f64;
    let expected: f64 = hazards
        .iter()
        .enumerate()
        .map(|(c, h)| {
            f64::from(h.innocent_arrest)
                * f64::from(model.world.cells.persons[c])
                * model.young_male_share
        })
        .sum();
    if expected > left {
        let scale = if expected > 0.0 { left / expected } else { 0.0 };
        for h in &mut hazards {
            h.innocent_arrest = (f64::from(h.innocent_arrest) * scale) as f32;
        }
    }
    model.hazards = hazards;
}

/// Updates perceived risk from this tick's homicides: the cell and its neighbours, read against
/// the region's rate (a prior worth `violence.perception_population` persons, so that one
/// killing in a hamlet does not read as a rate of thousands), annualised and smoothed.
pub fn update_risk(model: &mut Model) {
    let world = &model.world;
    let spec = &model.scenario.spec;
    let params = &model.scenario.params;
    let n = world.len();
    let killed_in = |c: usize| {
        world.cells.homicides_oc_tick[c]
            + world.cells.homicides_background_tick[c]
            + world.cells.homicides_state_clash_tick[c]
    };
    let regions = world.region_names.len();
    let mut region_killed = vec![0u64; regions];
    let mut region_persons = vec![0u64; regions];
    for c in 0..n {
        let r = world.region[c] as usize;
        region_killed[r] += u64::from(killed_in(c));
        region_persons[r] += u64::from(world.cells.persons[c]);
    }
    let prior_persons = spec.violence.perception_population;
    let alpha = params.risk_alpha;
    let per_year = 1e5 / params.dt_years;
    let risk: Vec<f32> = (0..n as u32)
        .into_par_iter()
        .map(|c| {
            let mut killed = killed_in(c as usize);
            let mut persons = world.cells.persons[c as usize];
            for &nb in world.adjacency.of(c) {
                killed += killed_in(nb as usize);
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
}
