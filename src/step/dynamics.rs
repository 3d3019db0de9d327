//! Phase 0: group dynamics. Territories change: groups expand into weakly held or strategic
//! neighbourhoods (an incursion where a rival holds them), contests end with a winner, large
//! groups split into rival factions, and groups pressed by the state relocate to neighbourhoods
//! where it is weak (brief 2.1: groups "change locations when pressed by State forces, or after
//! striking new or breaking old alliances"; violence jumps with "incursions, turf battles and
//! rifts or power struggles").
//!
//! Groups act one after another in id order, each with its own random stream, so the outcome
//! does not depend on threads. The claims index of the world is rebuilt when anything changed.

use super::Model;
use super::hazards::suppression_factor;
use crate::actors::{Group, Stage};
use crate::metrics::TickMetrics;
use crate::rng::{Draws, Process, StreamKey};
use crate::scenario::{CellKind, GroupKind};

/// Runs the tick's group dynamics and books their counts.
pub fn step(model: &mut Model, metrics: &mut TickMetrics) {
    let mut changed = false;
    changed |= resolve_contests(model, metrics);
    changed |= autodefensa_paths(model, metrics);
    changed |= form_autodefensas(model, metrics);
    let n = model.groups.len();
    for g in 0..n {
        changed |= resurface(model, g, metrics);
        // A community's self-defence group defends its home; it neither spreads nor moves.
        if !model.groups[g].is_criminal() {
            continue;
        }
        changed |= expand(model, g, metrics);
        changed |= relocate(model, g, metrics);
        changed |= split(model, g, metrics);
    }
    if changed {
        let territories = model.groups.iter().map(|g| g.territory.as_slice());
        model.world.set_claims(territories);
    }
}

fn draws(model: &Model, entity: u64, salt: u64) -> Draws {
    Draws::new(
        model.scenario.seed(),
        Process::GroupDynamics,
        entity.wrapping_mul(8).wrapping_add(salt),
        model.tick,
    )
}

/// Contested cells end with a winner, drawn in proportion to strength; losers give the cell up.
fn resolve_contests(model: &mut Model, metrics: &mut TickMetrics) -> bool {
    let hazard = model.scenario.params.contest_resolution_hazard;
    if hazard <= 0.0 {
        return false;
    }
    let mut changed = false;
    for c in 0..model.world.len() as u32 {
        let claims = model.world.claims_of(c).to_vec();
        if claims.len() < 2 {
            continue;
        }
        let mut d = Draws::new(
            model.scenario.seed(),
            Process::ContestResolution,
            u64::from(c),
            model.tick,
        );
        if !d.chance_of_hazard(hazard) {
            continue;
        }
        let total: f64 = claims
            .iter()
            .map(|&g| model.groups[g as usize].strength.max(0.01))
            .sum();
        let mut target = d.unit() * total;
        let mut winner = claims[claims.len() - 1];
        for &g in &claims {
            let w = model.groups[g as usize].strength.max(0.01);
            if target < w {
                winner = g;
                break;
            }
            target -= w;
        }
        for &g in claims.iter().filter(|&&g| g != winner) {
            let territory = &mut model.groups[g as usize].territory;
            territory.retain(|&t| t != c);
        }
        metrics.contests_resolved += 1;
        changed = true;
    }
    changed
}

/// How much a group wants a neighbouring cell: weak clean state presence, its home kinds,
/// strategic value for groups that live off routes and land, deprivation.
fn attraction(model: &Model, g: usize, c: u32) -> f64 {
    let group = &model.groups[g];
    let spec = &model.scenario.spec;
    let kind = model.world.kind[c as usize];
    let home_kinds = spec.groups[group.type_index as usize]
        .home_kinds
        .as_deref()
        .unwrap_or(&[]);
    let survive = suppression_factor(model, c, g as u16);
    let mut a = survive;
    if home_kinds.contains(&kind) {
        a += 1.0;
    }
    if matches!(kind, CellKind::BorderCorridor | CellKind::ResourceSite)
        && group.kind != crate::scenario::GroupKind::StreetGang
    {
        a += 1.0;
    }
    // Incursions are "more likely with deprivation" (brief 7.3).
    let pull = spec.groups[group.type_index as usize]
        .deprivation_pull
        .unwrap_or(0.0);
    a + pull * f64::from(model.world.deprivation[c as usize])
}

/// Communities held by one criminal group, where the state is absent, rise against it
/// (brief 2.5: autodefensas "form in response to the presence of organised crime"): with
/// hazard `autodefensas.formation_rate` × (1 − clean state presence) per year, a new group of the
/// first `autodefensa` type claims the cell, which becomes contested with its holder. Only
/// cells of that type's home kinds with people in them rise.
fn form_autodefensas(model: &mut Model, metrics: &mut TickMetrics) -> bool {
    let spec = &model.scenario.spec;
    let Some(type_index) = spec
        .groups
        .iter()
        .position(|g| g.kind == GroupKind::Autodefensa)
    else {
        return false;
    };
    let rate = spec.autodefensas.formation_rate * model.scenario.params.dt_years;
    if rate <= 0.0 {
        return false;
    }
    let type_spec = &spec.groups[type_index];
    let home_kinds = type_spec.home_kinds.clone().unwrap_or_default();
    let key = StreamKey::new(model.scenario.seed(), Process::Autodefensas, model.tick);
    let mut risen = Vec::new();
    for c in 0..model.world.len() as u32 {
        let i = c as usize;
        let held_by_crime = match model.world.claims_of(c) {
            [g] => model.groups[*g as usize].is_criminal(),
            _ => false,
        };
        if !held_by_crime
            || !home_kinds.contains(&model.world.kind[i])
            || model.world.cells.households[i] == 0
        {
            continue;
        }
        let state = &model.policy_at(c).state;
        let clean = f64::from(model.world.state_presence[i]) * (1.0 - state.corruption);
        if key
            .draws(u64::from(c))
            .chance_of_hazard(rate * (1.0 - clean))
        {
            risen.push(c);
        }
    }
    let room = usize::from(super::NO_GROUP) - 1;
    for c in risen {
        if model.groups.len() >= room {
            break;
        }
        let number = model
            .groups
            .iter()
            .filter(|g| g.type_index as usize == type_index)
            .count()
            + 1;
        let strength = type_spec.strength.unwrap_or(0.4);
        model.groups.push(Group {
            type_index: type_index as u16,
            kind: GroupKind::Autodefensa,
            name: format!("{}#{number}", type_spec.name),
            home: c,
            territory: vec![c],
            strength,
            base_strength: strength,
            reach: type_spec.reach.unwrap_or(1),
            pressure: 0.0,
            underground: Vec::new(),
            detained: 0.0,
            stage: Stage::Community,
        });
        metrics.autodefensas_formed += 1;
    }
    metrics.autodefensas_formed > 0
}

/// Each self-defence group that still holds its community ends its path, with hazard
/// `autodefensas.absorption_rate` × (1 − corruption) per year absorbed by the state as rural
/// police (its cells return to the state, with `absorbed_presence` more presence for good), and
/// with hazard `autodefensas.criminal_rate` turned criminal (brief 2.5: "some were absorbed by
/// state forces as rural police, others morphed into criminal groups").
fn autodefensa_paths(model: &mut Model, metrics: &mut TickMetrics) -> bool {
    let spec = &model.scenario.spec.autodefensas;
    let dt_years = model.scenario.params.dt_years;
    let key = StreamKey::new(model.scenario.seed(), Process::Autodefensas, model.tick);
    let mut changed = false;
    for g in 0..model.groups.len() {
        let group = &model.groups[g];
        if group.stage != Stage::Community || group.territory.is_empty() {
            continue;
        }
        let corruption = model.policy_at(group.home).state.corruption;
        let absorb = spec.absorption_rate * (1.0 - corruption) * dt_years;
        let turn = spec.criminal_rate * dt_years;
        // Keyed apart from the uprisings' cells, which use the same process and tick.
        let mut d = key.draws(u64::MAX - g as u64);
        if !d.chance_of_hazard(absorb + turn) {
            continue;
        }
        if d.chance(absorb / (absorb + turn)) {
            let cells = std::mem::take(&mut model.groups[g].territory);
            for c in cells {
                let gain = &mut model.world.cells.police_gain[c as usize];
                *gain = (*gain + spec.absorbed_presence as f32).min(1.0);
            }
            model.groups[g].underground.clear();
            model.groups[g].stage = Stage::Absorbed;
            metrics.autodefensas_absorbed += 1;
        } else {
            model.groups[g].stage = Stage::Criminal;
            metrics.autodefensas_criminal += 1;
        }
        changed = true;
    }
    changed
}

/// A group takes back the cells the state retook from it once no forces stand there: the members
/// who stayed lay low (brief 4: violence "fluctuated depending on the presence of State
/// forces"). The hazard grows with the group's remaining strength and shrinks while it lies low;
/// a cell someone else has taken meanwhile becomes contested. A group that moved on to refuges
/// (6.23) comes back only as far as `max_territory_cells` allows: it cannot hold more ground than
/// its members can.
fn resurface(model: &mut Model, g: usize, metrics: &mut TickMetrics) -> bool {
    if model.groups[g].underground.is_empty() {
        return false;
    }
    let group = &model.groups[g];
    let max_cells = model.scenario.spec.groups[group.type_index as usize]
        .max_territory_cells
        .unwrap_or(1) as usize;
    let room = max_cells.saturating_sub(group.territory.len());
    let relative = if group.base_strength > 0.0 {
        (group.strength / group.base_strength).min(1.0)
    } else {
        1.0
    };
    let calm = super::hazards::activity_factor(model, g as u16);
    let dt_years = model.scenario.params.dt_years;
    let mut d = draws(model, g as u64, 4);
    let mut back = Vec::new();
    for &c in &group.underground {
        if model.world.cells.units[c as usize] > 0 {
            continue;
        }
        let rate = model.policy_at(c).state.crackdown.return_rate;
        // Draw for every cell, so that the room left changes no other cell's draw.
        if d.chance_of_hazard(rate * dt_years * relative * calm) && back.len() < room {
            back.push(c);
        }
    }
    if back.is_empty() {
        return false;
    }
    let group = &mut model.groups[g];
    group.underground.retain(|c| !back.contains(c));
    for c in back {
        if !model.world.claims_of(c).is_empty() {
            metrics.incursions += 1;
        }
        model.groups[g].territory.push(c);
        metrics.expansions += 1;
    }
    true
}

/// Expansion into a neighbouring cell; into a rival's cell it is an incursion (the cell becomes
/// contested).
fn expand(model: &mut Model, g: usize, metrics: &mut TickMetrics) -> bool {
    let group = &model.groups[g];
    let type_index = group.type_index as usize;
    let params = &model.scenario.params.groups[type_index];
    let max_cells = model.scenario.spec.groups[type_index]
        .max_territory_cells
        .unwrap_or(1) as usize;
    if group.territory.is_empty() || group.territory.len() >= max_cells {
        return false;
    }
    let mut d = draws(model, g as u64, 1);
    // A group lying low under enforcement pressure does not push into new ground.
    let calm = super::hazards::activity_factor(model, g as u16);
    if !d.chance_of_hazard(params.expansion_hazard * calm) {
        return false;
    }
    // Candidates: cells next to the territory, not already held by this group.
    let mut best: Option<(f64, u32)> = None;
    for &t in &group.territory {
        for &c in model.world.adjacency.of(t) {
            if group.territory.contains(&c) {
                continue;
            }
            let score =
                attraction(model, g, c) - libm::log(-libm::log(1.0 - d.unit()).min(-1e-300));
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, c));
            }
        }
    }
    let Some((_, target)) = best else {
        return false;
    };
    let incursion = !model.world.claims_of(target).is_empty();
    if incursion {
        // Colluding officials broker the division of territory and call incursions off.
        let state = &model.policy_at(target).state;
        let brokered = state.brokered_peace * state.corruption;
        if brokered > 0.0 && d.chance(brokered) {
            return false;
        }
    }
    model.groups[g].territory.push(target);
    metrics.expansions += 1;
    if incursion {
        metrics.incursions += 1;
    }
    true
}

/// A group pressed by the state abandons its most policed cell for the least policed free cell
/// within its reach (the balloon effect).
fn relocate(model: &mut Model, g: usize, metrics: &mut TickMetrics) -> bool {
    let group = &model.groups[g];
    let type_index = group.type_index as usize;
    let spec_group = &model.scenario.spec.groups[type_index];
    let threshold = spec_group.relocation_pressure.unwrap_or(1.0);
    if group.territory.is_empty() {
        return false;
    }
    let pressure = |c: u32| 1.0 - suppression_factor(model, c, g as u16);
    let mean_pressure =
        group.territory.iter().map(|&c| pressure(c)).sum::<f64>() / group.territory.len() as f64;
    if mean_pressure < threshold {
        return false;
    }
    let mut d = draws(model, g as u64, 2);
    if !d.chance(-libm::expm1(
        -model.scenario.params.groups[type_index].relocation_hazard,
    )) {
        return false;
    }
    let (worst_index, _) = group
        .territory
        .iter()
        .enumerate()
        .map(|(i, &c)| (i, pressure(c)))
        .fold((0, f64::MIN), |acc, x| if x.1 > acc.1 { x } else { acc });
    // The least policed unclaimed cell within reach of the rest of the territory.
    let reach = f64::from(group.reach.max(1));
    let world = &model.world;
    let mut best: Option<(f64, u32)> = None;
    for c in 0..world.len() as u32 {
        if !world.claims_of(c).is_empty() || group.distance_to(world, c) > reach {
            continue;
        }
        let p = pressure(c);
        if best.is_none_or(|(b, bc)| p < b || (p == b && c < bc)) {
            best = Some((p, c));
        }
    }
    let Some((p, target)) = best else {
        return false;
    };
    if p >= pressure(group.territory[worst_index]) {
        return false;
    }
    let group = &mut model.groups[g];
    group.territory.remove(worst_index);
    group.territory.push(target);
    metrics.relocations += 1;
    true
}

/// A large group splits: a new faction of the same type takes the half of the territory farthest
/// from home, and the cells where the halves meet are contested.
fn split(model: &mut Model, g: usize, metrics: &mut TickMetrics) -> bool {
    let group = &model.groups[g];
    if group.territory.len() < 4 || model.groups.len() >= usize::from(super::NO_GROUP) - 1 {
        return false;
    }
    let type_index = group.type_index as usize;
    let mut d = draws(model, g as u64, 3);
    // A group the state has weakened splits more: arrested leaders and members leave rival
    // successors (the state of the group's home region decides how much).
    let lost = if group.base_strength > 0.0 {
        (1.0 - group.strength / group.base_strength).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let fragmentation = model.policy_at(group.home).state.crackdown.fragmentation;
    let hazard =
        model.scenario.params.groups[type_index].split_hazard * (1.0 + fragmentation * lost);
    if !d.chance(-libm::expm1(-hazard)) {
        return false;
    }
    let world = &model.world;
    let home = group.home;
    let mut by_distance: Vec<(u64, u32)> = group
        .territory
        .iter()
        .map(|&c| ((world.distance_km(home, c) * 1000.0) as u64, c))
        .collect();
    by_distance.sort_unstable();
    let half = by_distance.len() / 2;
    let kept: Vec<u32> = by_distance[..half].iter().map(|&(_, c)| c).collect();
    let mut taken: Vec<u32> = by_distance[half..].iter().map(|&(_, c)| c).collect();
    // The new faction also claims the parent's cells that touch its half: a contested front.
    let front: Vec<u32> = kept
        .iter()
        .copied()
        .filter(|&c| world.adjacency.of(c).iter().any(|n| taken.contains(n)))
        .collect();
    taken.extend(front);
    let number = model
        .groups
        .iter()
        .filter(|x| x.type_index == group.type_index)
        .count()
        + 1;
    let type_name = &model.scenario.spec.groups[type_index].name;
    let faction = Group {
        type_index: group.type_index,
        kind: group.kind,
        name: format!("{type_name}#{number}"),
        home: taken[0],
        territory: taken,
        strength: group.strength,
        base_strength: group.base_strength,
        reach: group.reach,
        pressure: group.pressure,
        underground: Vec::new(),
        detained: 0.0,
        stage: group.stage,
    };
    model.groups[g].territory = kept;
    model.groups.push(faction);
    metrics.splits += 1;
    true
}
