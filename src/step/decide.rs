//! Phase 2: each household meets what its neighbourhood throws at it and decides.
//!
//! Targeted events act within the tick: an extortion demand is paid if the household can bear it,
//! otherwise it defaults (its business may close, the group marks and threatens it, it may flee);
//! a death threat makes it flee or stay marked. Without a targeted event, diffuse fear builds up
//! from perceived violence and fades with time; a household leaves pre-emptively when its fear
//! crosses its own threshold. Flight needs money (less with kin to go to); households that cannot
//! afford it stay.

use rayon::prelude::*;

use super::{Model, NO_GROUP};
use crate::households::{Households, Mark, traits};
use crate::metrics::{TickMetrics, Trigger};
use crate::rng::{Draws, Process};
use crate::world::NO_CELL;

/// Households per parallel work item. Fixed, so results never depend on the thread count.
const CHUNK: usize = 1024;

/// A household that decided to flee this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlightRequest {
    pub household: u32,
    pub trigger: Trigger,
    /// The group it flees ([`NO_GROUP`] if none).
    pub group: u16,
}

/// Decisions of one chunk of households, in household order.
#[derive(Debug, Default)]
pub struct ChunkDecisions {
    pub flights: Vec<FlightRequest>,
    /// Cells where a business closed (one entry per closure).
    pub closures: Vec<u32>,
    demands: u32,
    payments: u32,
    defaults: u32,
    threats: u32,
    blocked: u32,
}

/// Decides for every household, in parallel over fixed chunks.
pub fn step(model: &mut Model) -> Vec<ChunkDecisions> {
    let Model {
        scenario,
        world,
        groups,
        households,
        hazards,
        tick,
        ..
    } = model;
    let Households {
        mind,
        cell,
        kin_cell,
        members,
        wealth,
        occupation,
        traits: flags,
        ..
    } = households;
    let (cell, kin_cell, members, wealth, occupation, flags) = (
        &*cell,
        &*kin_cell,
        &*members,
        &*wealth,
        &*occupation,
        &*flags,
    );
    let spec = &scenario.spec;
    let params = &scenario.params;
    let seed = spec.simulation.seed;
    let tick = *tick;
    let occupation_weight = spec.extortion.occupation_weight.as_array();
    let fear = &spec.fear;
    let threshold_floor = (fear.threshold_weeks * (1.0 - fear.threshold_spread)) as f32;

    mind.par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(chunk, minds)| {
            let mut out = ChunkDecisions::default();
            for (i, mind) in minds.iter_mut().enumerate() {
                let h = chunk * CHUNK + i;
                let c = cell[h];
                let hazard = hazards[c as usize];

                // Memory fades: past payments and fear.
                mind.strain *= params.strain_decay as f32;
                let sensitivity = if members[h].children_8_to_17() > 0 {
                    fear.children_sensitivity as f32
                } else {
                    1.0
                };
                mind.fear = (mind.fear * params.fear_decay as f32
                    + hazard.fear_drive * sensitivity)
                    .max(0.0);

                let migrant = flags[h] & traits::MIGRANT != 0;
                let mut weight = occupation_weight[occupation[h].index()];
                if mind.business_open {
                    weight *= spec.extortion.business_weight;
                }
                if migrant {
                    weight *= spec.extortion.migrant_weight;
                }
                let claims = world.claims_of(c);
                let marked_here = mind.mark != Mark::None && claims.contains(&mind.marked_by);
                let threat_multiplier = if marked_here {
                    spec.threats.marked_multiplier
                } else {
                    1.0
                };
                let x_extortion = f64::from(hazard.extortion) * weight;
                let x_threat = f64::from(hazard.threat) * threat_multiplier;
                let x_total = x_extortion + x_threat;

                let flight_cost =
                    spec.flight.cost_months * if kin_cell[h] != NO_CELL { 0.5 } else { 1.0 };
                let can_flee = f64::from(wealth[h]) >= flight_cost;
                let flee = |out: &mut ChunkDecisions, trigger: Trigger, group: u16| {
                    if can_flee {
                        out.flights.push(FlightRequest {
                            household: h as u32,
                            trigger,
                            group,
                        });
                    } else {
                        out.blocked += 1;
                    }
                };

                // Fast path: nothing targeted can happen and fear is below every threshold.
                if x_total <= 0.0 && mind.fear < threshold_floor {
                    continue;
                }
                let mut draws = Draws::new(seed, Process::HouseholdEvents, h as u64, tick);
                let u = draws.unit();
                if u < x_total && u < -libm::expm1(-x_total) {
                    // Which group acts: with several claimants, one at random.
                    let group = match claims {
                        [] => NO_GROUP,
                        [g] => *g,
                        _ => claims[(draws.unit() * claims.len() as f64) as usize],
                    };
                    let p_any = -libm::expm1(-x_total);
                    if u < p_any * x_extortion / x_total {
                        out.demands += 1;
                        if draws.chance(spec.extortion.flee_on_demand) && can_flee {
                            flee(&mut out, Trigger::Extortion, group);
                            continue;
                        }
                        let level = spec.groups[groups[group as usize].type_index as usize]
                            .extortion_level
                            .unwrap_or(0.0);
                        let relative_wealth =
                            f64::from(wealth[h]) / spec.population.wealth.median_months;
                        let capacity = params.pay_capacity
                            * libm::pow(relative_wealth, spec.extortion.wealth_elasticity);
                        if f64::from(mind.strain) + level <= capacity {
                            mind.strain += level as f32;
                            out.payments += 1;
                        } else {
                            out.defaults += 1;
                            if mind.business_open && draws.chance(spec.extortion.closure_on_default)
                            {
                                mind.business_open = false;
                                out.closures.push(c);
                            }
                            if mind.mark < Mark::Defaulter {
                                mind.mark = Mark::Defaulter;
                                mind.marked_by = group;
                            }
                            if draws.chance(spec.extortion.flee_on_default) {
                                flee(&mut out, Trigger::Extortion, group);
                            }
                        }
                    } else {
                        out.threats += 1;
                        if draws.chance(spec.threats.flee_on_threat) {
                            flee(&mut out, Trigger::ThreatInformant, group);
                        } else if mind.mark < Mark::Witness {
                            mind.mark = Mark::Witness;
                            mind.marked_by = group;
                        }
                    }
                    continue;
                }

                if mind.fear >= threshold_floor {
                    let spread =
                        Draws::new(seed, Process::FearThreshold, h as u64, 0).unit() * 2.0 - 1.0;
                    let threshold = fear.threshold_weeks * (1.0 + fear.threshold_spread * spread);
                    if f64::from(mind.fear) >= threshold {
                        let group = claims.first().copied().unwrap_or(NO_GROUP);
                        flee(&mut out, Trigger::DiffuseInsecurity, group);
                    }
                }
            }
            out
        })
        .collect()
}

/// Books closures and counts of every chunk, in chunk order.
pub fn apply(model: &mut Model, decisions: &[ChunkDecisions], metrics: &mut TickMetrics) {
    let cells = &mut model.world.cells;
    for d in decisions {
        for &c in &d.closures {
            cells.businesses_open[c as usize] -= 1;
            cells.business_closures[c as usize] += 1;
        }
        metrics.business_closures += d.closures.len() as u32;
        metrics.extortion_demands += d.demands;
        metrics.extortion_payments += d.payments;
        metrics.extortion_defaults += d.defaults;
        metrics.threats += d.threats;
        metrics.flight_blocked += d.blocked;
    }
}
