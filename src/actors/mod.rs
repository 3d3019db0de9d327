//! Armed groups: where they settle, which neighbourhoods they hold, how far they reach.

use crate::rng::{self, Process};
use crate::scenario::{GroupKind, ScenarioSpec};
use crate::world::World;

/// One armed group (an instance of a group type in the scenario).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// Index of the group type in `scenario.groups`.
    pub type_index: u16,
    pub kind: GroupKind,
    /// `"<type name>#<n>"`.
    pub name: String,
    pub home: u32,
    /// Held cells, home first.
    pub territory: Vec<u32>,
    pub strength: f64,
    /// Strength before any crackdown: a group that is not raided recovers towards it.
    pub base_strength: f64,
    /// Reach in neighbourhoods.
    pub reach: u32,
    /// Enforcement pressure, 0 to 1: the share of its cells where forces have stood lately
    /// (smoothed over `state.crackdown.pressure_weeks`). A group under pressure lies low.
    pub pressure: f64,
    /// Cells the state retook from the group, where its members lie low: once forces have left,
    /// it takes them back (`state.crackdown.return_rate`).
    pub underground: Vec<u32>,
    /// Its members in state detention (expected number): until they are released, the strength
    /// they took with them does not come back.
    pub detained: f64,
    /// Where a self-defence group stands on its path (criminal groups are always `Criminal`).
    pub stage: Stage,
}

/// The path of a self-defence group (brief 2.5): it defends its community, then is absorbed by
/// the state or turns criminal. Every other group is criminal from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stage {
    Community,
    Absorbed,
    Criminal,
}

impl Stage {
    /// The stage a group of `kind` starts in.
    pub fn initial(kind: GroupKind) -> Stage {
        if kind == GroupKind::Autodefensa {
            Stage::Community
        } else {
            Stage::Criminal
        }
    }
}

impl Group {
    /// Whether the group preys as a criminal group does (not a community's self-defence group).
    pub fn is_criminal(&self) -> bool {
        self.stage == Stage::Criminal
    }

    /// Distance, in neighbourhoods, from `cell` to the nearest held cell.
    pub fn distance_to(&self, world: &World, cell: u32) -> f64 {
        self.territory
            .iter()
            .map(|&t| world.distance_km(t, cell) / world.cell_km)
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether the group can find and reach people in `cell`: whether some held cell is within
    /// its reach, as [`Group::distance_to`] measures it. A held cell whose whole-number squared
    /// distance is (reach + 1)² or more cannot be, whatever the rounding, and is passed over
    /// without a square root; the first one within reach settles it.
    pub fn reaches(&self, world: &World, cell: u32) -> bool {
        let reach = f64::from(self.reach);
        let beyond = (reach + 1.0) * (reach + 1.0);
        let (x, y) = world.xy(cell);
        self.territory.iter().any(|&t| {
            let (tx, ty) = world.xy(t);
            let (dx, dy) = (f64::from(tx) - f64::from(x), f64::from(ty) - f64::from(y));
            dx * dx + dy * dy < beyond && world.distance_km(t, cell) / world.cell_km <= reach
        })
    }
}

/// Places every group of a resolved scenario and grows its territory from its home cell.
///
/// Homes are drawn among cells of the type's home kinds in its regions, avoiding cells another group already
/// holds when possible and favouring deprived ones (`deprivation_pull`); territory grows
/// breadth-first from home, preferring cells of the home kinds, then deprived ones.
/// Cells claimed by two or more groups are contested.
pub fn place_groups(spec: &ScenarioSpec, world: &World) -> Vec<Group> {
    let seed = spec.simulation.seed;
    let mut claimed = vec![0u16; world.len()];
    let mut groups = Vec::new();
    for (t, group_type) in spec.groups.iter().enumerate() {
        let home_kinds = group_type.home_kinds.clone().unwrap_or_default();
        let in_regions = |c: u32| {
            group_type.regions.is_empty()
                || group_type
                    .regions
                    .contains(&world.region_names[world.region[c as usize] as usize])
        };
        // Cells of the home kinds in the type's regions; failing those, any cell of its regions.
        let mut eligible: Vec<u32> = (0..world.len() as u32)
            .filter(|&c| in_regions(c) && home_kinds.contains(&world.kind[c as usize]))
            .collect();
        if eligible.is_empty() {
            eligible = (0..world.len() as u32).filter(|&c| in_regions(c)).collect();
        }
        let size = group_type.territory_cells.unwrap_or(1) as usize;
        let pull = group_type.deprivation_pull.unwrap_or(0.0);
        for i in 0..group_type.count {
            let mut rng = rng::stream(
                seed,
                Process::GroupPlacement,
                ((t as u64) << 32) | u64::from(i),
                0,
            );
            let home = match group_type.homes.get(i as usize) {
                Some(&[x, y]) => world.cell_at(x, y),
                None => draw_home(&mut rng, &eligible, &claimed, world, pull),
            };
            let territory = grow_territory(world, home, size, &home_kinds, pull);
            for &c in &territory {
                claimed[c as usize] += 1;
            }
            groups.push(Group {
                type_index: t as u16,
                kind: group_type.kind,
                name: format!("{}#{}", group_type.name, i + 1),
                home,
                territory,
                strength: group_type.strength.unwrap_or(0.5),
                base_strength: group_type.strength.unwrap_or(0.5),
                reach: group_type.reach.unwrap_or(0),
                pressure: 0.0,
                underground: Vec::new(),
                detained: 0.0,
                stage: Stage::initial(group_type.kind),
            });
        }
    }
    groups
}

/// A home among the eligible cells, unclaimed ones if any are left, each with weight
/// exp(pull × deprivation): groups take root where the state and the economy have left a void.
fn draw_home<R: rand::RngCore>(
    rng: &mut R,
    eligible: &[u32],
    claimed: &[u16],
    world: &World,
    pull: f64,
) -> u32 {
    if eligible.is_empty() {
        return rng::below(rng, world.len() as u32);
    }
    let free: Vec<u32> = eligible
        .iter()
        .copied()
        .filter(|&c| claimed[c as usize] == 0)
        .collect();
    let pool = if free.is_empty() { eligible } else { &free };
    let weights: Vec<f64> = pool
        .iter()
        .map(|&c| libm::exp(pull * f64::from(world.deprivation[c as usize])))
        .collect();
    let u = rng::unit(rng);
    pool[rng::weighted_index(&weights, u).unwrap_or(0)]
}

/// Breadth-first growth from `home`; among cells at the frontier, home kinds come first, then,
/// for a group drawn to deprivation, the more deprived.
fn grow_territory(
    world: &World,
    home: u32,
    size: usize,
    home_kinds: &[crate::scenario::CellKind],
    pull: f64,
) -> Vec<u32> {
    let mut territory = vec![home];
    let mut seen = vec![false; world.len()];
    seen[home as usize] = true;
    let mut frontier: Vec<u32> = Vec::new();
    let mut next_ring = vec![home];
    while territory.len() < size && !next_ring.is_empty() {
        frontier.clear();
        for &c in &next_ring {
            for &n in world.adjacency.of(c) {
                if !seen[n as usize] {
                    seen[n as usize] = true;
                    frontier.push(n);
                }
            }
        }
        // Preferred kinds first, then the more deprived, then by index: deterministic.
        let deprived = |c: u32| {
            if pull > 0.0 {
                -(world.deprivation[c as usize] * 1000.0) as i32
            } else {
                0
            }
        };
        frontier.sort_by_key(|&c| {
            (
                !home_kinds.contains(&world.kind[c as usize]),
                deprived(c),
                c,
            )
        });
        for &c in frontier.iter().take(size - territory.len()) {
            territory.push(c);
        }
        next_ring.clone_from(&frontier);
    }
    territory
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CellKind, GroupSpec, Scenario};

    fn scenario(groups: Vec<GroupSpec>) -> Scenario {
        let mut spec = ScenarioSpec::default();
        spec.world.width = 30;
        spec.world.height = 30;
        spec.population.households = 1000;
        spec.groups = groups;
        Scenario::from_spec(spec).unwrap()
    }

    #[test]
    fn gangs_settle_in_urban_cells_with_small_territories() {
        let s = scenario(vec![GroupSpec {
            count: 6,
            ..GroupSpec::default()
        }]);
        let world = World::build(&s.spec);
        let groups = place_groups(&s.spec, &world);
        assert_eq!(groups.len(), 6);
        for g in &groups {
            assert!(matches!(
                world.kind[g.home as usize],
                CellKind::UrbanCore | CellKind::UrbanPeriphery
            ));
            assert_eq!(g.territory.len(), 3);
            // Territory is connected: every cell after the home touches an earlier one.
            for (i, &c) in g.territory.iter().enumerate().skip(1) {
                assert!(
                    g.territory[..i]
                        .iter()
                        .any(|&p| world.adjacency.of(p).contains(&c))
                );
            }
        }
    }

    #[test]
    fn reach_agrees_with_the_distance_to_the_nearest_held_cell() {
        for (reach, cells) in [(0, 1), (1, 4), (2, 9), (3, 1), (6, 25)] {
            let s = scenario(vec![GroupSpec {
                kind: GroupKind::Cartel,
                homes: vec![[4, 6]],
                territory_cells: Some(cells),
                reach: Some(reach),
                ..GroupSpec::default()
            }]);
            let world = World::build(&s.spec);
            let g = &place_groups(&s.spec, &world)[0];
            let mut inside = 0;
            for c in 0..world.len() as u32 {
                let by_distance = g.distance_to(&world, c) <= f64::from(g.reach);
                assert_eq!(g.reaches(&world, c), by_distance, "reach {reach}, cell {c}");
                inside += usize::from(by_distance);
            }
            assert!(
                inside >= cells as usize && inside < world.len(),
                "{inside} cells in reach"
            );
        }
    }

    #[test]
    fn explicit_home_is_used_and_reach_is_measured_from_territory() {
        let s = scenario(vec![GroupSpec {
            kind: GroupKind::Cartel,
            homes: vec![[5, 7]],
            territory_cells: Some(1),
            reach: Some(3),
            ..GroupSpec::default()
        }]);
        let world = World::build(&s.spec);
        let g = &place_groups(&s.spec, &world)[0];
        assert_eq!(g.territory, vec![world.cell_at(5, 7)]);
        assert!(g.reaches(&world, world.cell_at(8, 7)));
        assert!(!g.reaches(&world, world.cell_at(9, 7)));
    }
}
