//! Phase 0b: the state's policies at work.
//!
//! The `[state]` of each region is the base `[state]` with the events active this tick merged
//! over it (recomputed only when the set of active events changes). Crackdown units are deployed
//! (where groups are most active, or on area patrols where people live), raise state presence
//! where they stand, arrest group members (weakening their group) and, depending on precision,
//! innocent youths (booked per household in the decision phase), and clash with the groups.
//! Groups that are not raided regain strength. Detainees are released after a while.

use super::Model;
use crate::metrics::TickMetrics;
use crate::rng::{self, Draws, Process};
use crate::scenario::state::{Deployment, EventSpec, LegalRegime, Posture, ProtectionRegime};
use crate::scenario::{CellKind, StateSpec};

/// The state as it applies in one region this tick, with its per-tick quantities.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RegionPolicy {
    pub state: StateSpec,
    /// Harassment hazard per young man per tick at full presence, before the crackdown multiplier.
    pub abuse_hazard: f64,
    /// Baseline clashes per held cell per tick at full presence.
    pub clash_hazard: f64,
    /// Crackdown clashes per unit per tick.
    pub unit_clash_hazard: f64,
    /// Arrests per unit per tick (after corruption).
    pub arrest_hazard: f64,
    pub precision: f64,
    /// Probability that a casualty is killed (not wounded).
    pub kill_share: f64,
    pub intelligence_share: f64,
    pub abuse_multiplier: f64,
    /// Per-tick probability that the state retakes a raided cell from a group of strength 0.
    pub retake_probability: f64,
    /// Households assisted per tick, and relocations per tick.
    pub assist_per_tick: f64,
    /// Displaced households external agencies may assist per tick (the share the state admits).
    pub aid_per_tick: f64,
    pub relocations_per_tick: f64,
    pub shelter_factor: f64,
    /// Group types under truce (by type index).
    pub truce: Vec<u16>,
}

impl RegionPolicy {
    pub fn new(
        state: StateSpec,
        model_spec: &crate::scenario::ScenarioSpec,
        dt_years: f64,
    ) -> RegionPolicy {
        let k = &state.crackdown;
        let posture = k.posture;
        let active = posture != Posture::None;
        let niac = state.legal_regime == LegalRegime::Niac;
        let mut kpw = k.killed_per_wounded.get(posture);
        let mut access = 1.0;
        if niac {
            kpw *= state.niac_lethality;
            access = state.niac_access;
        }
        let truce = model_spec
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| state.truce.groups.contains(&g.name))
            .map(|(i, _)| i as u16)
            .collect();
        let assist = match state.protection.regime {
            ProtectionRegime::None => 0.0,
            _ => state.protection.budget * dt_years * access,
        };
        RegionPolicy {
            abuse_hazard: state.abuse_rate / 1e3 * dt_years,
            clash_hazard: state.clash_rate * dt_years,
            unit_clash_hazard: if active {
                k.clash_rate.get(posture) * dt_years
            } else {
                0.0
            },
            arrest_hazard: if active {
                k.arrest_rate.get(posture) * dt_years * (1.0 - state.corruption)
            } else {
                0.0
            },
            precision: k.arrest_precision.get(posture),
            kill_share: kpw / (1.0 + kpw),
            intelligence_share: k.intelligence_share.get(posture),
            abuse_multiplier: if active {
                k.abuse_multiplier.get(posture)
            } else {
                0.0
            },
            retake_probability: if active {
                1.0 - libm::exp(-k.retake_rate.get(posture) * dt_years)
            } else {
                0.0
            },
            assist_per_tick: assist,
            aid_per_tick: state.humanitarian_aid
                * dt_years
                * if niac { 1.0 } else { state.ihrl_consent },
            relocations_per_tick: state.protection.relocation_capacity * dt_years,
            shelter_factor: state.protection.shelter_factor * access,
            truce,
            state,
        }
    }

    pub fn units(&self) -> u32 {
        if self.state.crackdown.posture == Posture::None {
            0
        } else {
            self.state.crackdown.units
        }
    }
}

/// Which events are active at `tick` of the events' count (one bit per event); none in the
/// burn-in (`None`).
pub fn active_events(events: &[EventSpec], tick: Option<u32>) -> Vec<bool> {
    events
        .iter()
        .map(|e| tick.is_some_and(|t| e.active(t)))
        .collect()
}

/// The `[state]` of every region at `tick` of the events' count (the base `[state]` in the
/// burn-in, `None`).
pub fn region_policies(
    model_spec: &crate::scenario::ScenarioSpec,
    regions: &[String],
    tick: Option<u32>,
    dt_years: f64,
) -> Vec<RegionPolicy> {
    regions
        .iter()
        .map(|name| {
            let mut state = model_spec.state.clone();
            for event in model_spec
                .events
                .iter()
                .filter(|e| tick.is_some_and(|t| e.active(t)) && e.applies_to(name))
            {
                // Events are validated when the scenario is loaded.
                state = crate::scenario::validate::event_state(&state, event)
                    .expect("events are validated");
            }
            RegionPolicy::new(state, model_spec, dt_years)
        })
        .collect()
}

/// Runs the tick's policies: refresh regional states, deploy, arrest, clash, release, recover.
pub fn step(model: &mut Model, metrics: &mut TickMetrics) {
    let tick = model.event_tick();
    let active = active_events(&model.scenario.spec.events, tick);
    if active != model.active_events || model.policies.is_empty() {
        model.policies = region_policies(
            &model.scenario.spec,
            &model.world.region_names,
            tick,
            model.scenario.params.dt_years,
        );
        model.active_events = active;
    }
    set_presence(model);
    // Relocation places accrue tick by tick, up to a year's capacity.
    for (places, policy) in model.relocation_places.iter_mut().zip(&model.policies) {
        *places = (*places + policy.relocations_per_tick)
            .min(policy.state.protection.relocation_capacity.max(1.0));
    }
    deploy(model);
    let raided = arrests_and_clashes(model, metrics);
    update_pressure(model);
    recover(model, &raided);
    release_members(model);
    metrics.units_deployed = model.world.cells.units.iter().map(|&u| u32::from(u)).sum();
}

/// State presence this tick (the region's presence for the cell's kind, less where the cell is
/// more deprived than its kind) and shelter places (the scenario's places times the region's
/// shelter factor).
fn set_presence(model: &mut Model) {
    let world = &mut model.world;
    for c in 0..world.len() {
        let policy = &model.policies[world.region[c] as usize];
        world.state_presence[c] = (crate::world::neglected_presence(
            policy.state.presence.get(world.kind[c]),
            policy.state.deprivation_neglect,
            world.deprivation_excess[c],
        ) + world.cells.police_gain[c])
            .min(1.0);
        world.shelter_capacity[c] =
            libm::round(f64::from(world.shelter_base[c]) * policy.shelter_factor) as u32;
    }
}

/// Places each region's units: where groups are most active (targeted) or where people live
/// (patrol). Cells of groups under truce are left alone. A unit adds presence where it stands.
fn deploy(model: &mut Model) {
    let world = &mut model.world;
    world.cells.units.fill(0);
    let seed = model.scenario.seed();
    for (r, policy) in model.policies.iter().enumerate() {
        let units = policy.units();
        if units == 0 {
            continue;
        }
        let cells = &world.region_cells[r];
        let truce_free = |c: u32| {
            let claims = world.claims_of(c);
            !claims.is_empty()
                && claims.iter().any(|&g| {
                    let group = &model.groups[g as usize];
                    group.is_criminal() && !policy.truce.contains(&group.type_index)
                })
        };
        let mut chosen: Vec<u32> = Vec::with_capacity(units as usize);
        match policy.state.crackdown.deployment {
            Deployment::Targeted => {
                // Intelligence: the held cells with the most group violence, most people first.
                let mut held: Vec<(u64, u32)> = cells
                    .iter()
                    .copied()
                    .filter(|&c| truce_free(c))
                    .map(|c| {
                        let violence: f64 = world
                            .claims_of(c)
                            .iter()
                            .map(|&g| {
                                model.scenario.params.groups
                                    [model.groups[g as usize].type_index as usize]
                                    .violence_hazard
                            })
                            .sum();
                        (
                            (violence * f64::from(world.cells.persons[c as usize]) * 1e9) as u64,
                            c,
                        )
                    })
                    .collect();
                held.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                if held.is_empty() {
                    continue;
                }
                chosen.extend((0..units as usize).map(|i| held[i % held.len()].1));
            }
            Deployment::Patrol => {
                let mut draws = Draws::new(seed, Process::Deployment, r as u64, model.tick);
                for _ in 0..units {
                    let c = model
                        .sampler
                        .draw(&mut draws, Some(r as u16), crate::world::NO_CELL);
                    if c != crate::world::NO_CELL {
                        chosen.push(c);
                    }
                }
            }
        }
        let unit_presence = policy.state.crackdown.unit_presence;
        for c in chosen {
            let c = c as usize;
            world.cells.units[c] = world.cells.units[c].saturating_add(1);
            world.state_presence[c] =
                (f64::from(world.state_presence[c]) + unit_presence).min(1.0) as f32;
        }
    }
}

/// Arrests of group members and clashes, cell by cell. Returns which groups were raided.
fn arrests_and_clashes(model: &mut Model, metrics: &mut TickMetrics) -> Vec<bool> {
    let seed = model.scenario.seed();
    let tick = model.tick;
    let capacity = detention_capacity(model);
    let mut detained = model.detained_persons();
    let mut raided = vec![false; model.groups.len()];
    let mut retaken: Vec<(u32, u16, bool)> = Vec::new();
    let casualties_per_clash = |p: &RegionPolicy| p.state.clash_casualties;
    for c in 0..model.world.len() {
        let claims = model.world.claims_of(c as u32);
        if claims.is_empty() {
            continue;
        }
        let policy = &model.policies[model.world.region[c] as usize];
        let targets: Vec<u16> = claims
            .iter()
            .copied()
            .filter(|&g| {
                let group = &model.groups[g as usize];
                // The state tolerates a community's self-defence group until it turns criminal.
                group.is_criminal() && !policy.truce.contains(&group.type_index)
            })
            .collect();
        let units = f64::from(model.world.cells.units[c]);
        let mut draws = Draws::new(seed, Process::StateClash, c as u64, tick);
        // Clashes: everyday ones where the state is present, and the crackdown's (groups under
        // truce are left alone). A clash needs armed members who stand and fight: groups avoid
        // the forces as far as they cannot withstand them (their strength against the state, at
        // most what they started with), and a group weakened by arrests, or lying low under
        // pressure, meets them less often still.
        let armed: f64 = targets
            .iter()
            .map(|&g| {
                let group = &model.groups[g as usize];
                group.strength.min(group.base_strength) * super::hazards::activity_factor(model, g)
            })
            .sum();
        let rate = policy.clash_hazard * f64::from(model.world.state_presence[c]) * armed
            + policy.unit_clash_hazard * units * armed.min(1.0);
        let clashes = rng::poisson(&mut draws, rate);
        if clashes > 0 {
            let casualties = rng::poisson(
                &mut draws,
                f64::from(clashes) * casualties_per_clash(policy),
            );
            let killed = (0..casualties)
                .filter(|_| draws.chance(policy.kill_share))
                .count() as u32;
            let intelligence = (0..clashes)
                .filter(|_| draws.chance(policy.intelligence_share))
                .count() as u32;
            model.world.cells.homicides_state_clash[c] += killed;
            model.world.cells.homicides_state_clash_tick[c] += killed;
            metrics.homicides_state_clash += killed;
            metrics.clash_wounded += casualties - killed;
            metrics.clashes += clashes;
            metrics.clashes_intelligence_led += intelligence;
        }
        // Arrests of group members by the units here (none once detention is full).
        if units > 0.0 && !targets.is_empty() && detained < capacity {
            let expected = policy.arrest_hazard * units * policy.precision;
            let members = u64::from(rng::poisson(&mut draws, expected)).min(capacity - detained);
            if members > 0 {
                let g = targets[rng::below(&mut draws, targets.len() as u32) as usize];
                let attrition = model.policies[model.world.region[c] as usize]
                    .state
                    .crackdown
                    .attrition;
                let group = &mut model.groups[g as usize];
                group.strength = (group.strength - attrition * members as f64).max(0.0);
                group.detained += members as f64;
                model.detained_members += members;
                detained += members;
                metrics.member_arrests += members as u32;
            }
        }
        // Raids go on when detention is full: the state can still retake the cell.
        if units > 0.0 {
            for &g in &targets {
                raided[g as usize] = true;
                // The weaker the group, the likelier the state retakes the cell from it.
                let group = &model.groups[g as usize];
                let p = policy.retake_probability * (1.0 - group.strength);
                if draws.chance(p) {
                    // Members who can still move on do (the balloon effect); the rest lie low.
                    let share = model.scenario.spec.groups[group.type_index as usize]
                        .raid_flight_share
                        .unwrap_or(0.0);
                    let relative = if group.base_strength > 0.0 {
                        (group.strength / group.base_strength).min(1.0)
                    } else {
                        1.0
                    };
                    let moves_on = share > 0.0 && draws.chance(share * relative);
                    retaken.push((c as u32, g, moves_on));
                }
            }
        }
    }
    if !retaken.is_empty() {
        let mut refuges: Vec<u32> = Vec::new();
        for &(c, g, moves_on) in &retaken {
            model.groups[g as usize].territory.retain(|&t| t != c);
            // Some members move on to a refuge; those who stay lie low and wait to come back.
            if moves_on && let Some(refuge) = refuge(model, c, g, &refuges) {
                refuges.push(refuge);
                model.groups[g as usize].territory.push(refuge);
                metrics.relocations += 1;
            }
            let group = &mut model.groups[g as usize];
            if !group.underground.contains(&c) {
                group.underground.push(c);
            }
        }
        metrics.cells_retaken += retaken.len() as u32;
        let territories = model.groups.iter().map(|g| g.territory.as_slice());
        model.world.set_claims(territories);
    }
    raided
}

/// Each group's enforcement pressure moves towards the share of its cells where units stand this
/// tick, over `state.crackdown.pressure_weeks` of its home region.
fn update_pressure(model: &mut Model) {
    let dt_weeks = model.scenario.params.dt_weeks;
    let units = &model.world.cells.units;
    for group in &mut model.groups {
        let target = if group.territory.is_empty() {
            0.0
        } else {
            let policed = group
                .territory
                .iter()
                .filter(|&&c| units[c as usize] > 0)
                .count();
            policed as f64 / group.territory.len() as f64
        };
        let weeks = model.policies[model.world.region[group.home as usize] as usize]
            .state
            .crackdown
            .pressure_weeks;
        group.pressure += (target - group.pressure) * (1.0 - libm::exp(-dt_weeks / weeks));
    }
}

/// Where a group's members go when the state retakes `from`: the least policed rural or
/// peripheral cell within the group's reach of it that no group holds, no unit stands in and no
/// other group moved to this tick; among equals the more deprived, then the nearer, then the
/// lower index. `None` when there is no such cell.
fn refuge(model: &Model, from: u32, g: u16, taken: &[u32]) -> Option<u32> {
    let world = &model.world;
    let reach = f64::from(model.groups[g as usize].reach.max(1));
    let mut best: Option<(f32, f32, f64, u32)> = None;
    for c in 0..world.len() as u32 {
        let i = c as usize;
        if !matches!(world.kind[i], CellKind::Rural | CellKind::UrbanPeriphery)
            || !world.claims_of(c).is_empty()
            || world.cells.units[i] > 0
            || taken.contains(&c)
        {
            continue;
        }
        let distance = world.distance_km(from, c) / world.cell_km;
        if distance > reach {
            continue;
        }
        let key = (world.state_presence[i], -world.deprivation[i], distance, c);
        let better = best.is_none_or(|b| {
            key.0
                .total_cmp(&b.0)
                .then(key.1.total_cmp(&b.1))
                .then(key.2.total_cmp(&b.2))
                .then(key.3.cmp(&b.3))
                .is_lt()
        });
        if better {
            best = Some(key);
        }
    }
    best.map(|b| b.3)
}

/// Detention places nationally (from the base `[state]`).
pub fn detention_capacity(model: &Model) -> u64 {
    (model.scenario.spec.state.crackdown.detention_capacity * model.persons_at_start as f64) as u64
}

/// Groups that were not raided regain strength towards their original level, less what their
/// members still in detention took with them (mass detention holds a group down for as long as
/// it holds its members; brief 5.1).
fn recover(model: &mut Model, raided: &[bool]) {
    let dt_weeks = model.scenario.params.dt_weeks;
    for (g, group) in model.groups.iter_mut().enumerate() {
        if raided[g] {
            continue;
        }
        let crackdown = &model.policies[model.world.region[group.home as usize] as usize]
            .state
            .crackdown;
        let regain = 1.0 - libm::exp(-dt_weeks / crackdown.recovery_weeks);
        let ceiling = (group.base_strength - crackdown.attrition * group.detained).max(0.0);
        if ceiling > group.strength {
            group.strength += (ceiling - group.strength) * regain;
        }
    }
}

/// Group members in detention are released after a while.
fn release_members(model: &mut Model) {
    if model.detained_members == 0 {
        return;
    }
    let weeks = model.scenario.spec.state.crackdown.release_weeks;
    let p = 1.0 - libm::exp(-model.scenario.params.dt_weeks / weeks);
    let mut draws = Draws::new(
        model.scenario.seed(),
        Process::Deployment,
        u64::MAX,
        model.tick,
    );
    let released = u64::from(rng::poisson(&mut draws, model.detained_members as f64 * p))
        .min(model.detained_members);
    model.detained_members -= released;
    for group in &mut model.groups {
        group.detained *= 1.0 - p;
    }
}
