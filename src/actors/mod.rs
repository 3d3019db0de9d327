//! Armed groups: where they settle, which neighbourhoods they hold, how far they reach.

use crate::rng::{self, Process};
use crate::scenario::{GroupKind, ScenarioSpec};
use crate::world::World;

/// One armed group (an instance of a group type in the scenario).
#[derive(Debug, Clone)]
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
}

impl Group {
    /// Distance, in neighbourhoods, from `cell` to the nearest held cell.
    pub fn distance_to(&self, world: &World, cell: u32) -> f64 {
        self.territory
            .iter()
            .map(|&t| world.distance_km(t, cell) / world.cell_km)
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether the group can find and reach people in `cell`.
    pub fn reaches(&self, world: &World, cell: u32) -> bool {
        self.distance_to(world, cell) <= f64::from(self.reach)
    }
}

/// Places every group of a resolved scenario and grows its territory from its home cell.
///
/// Homes are drawn among cells of the type's home kinds, avoiding cells another group already
/// holds when possible; territory grows breadth-first from home, preferring cells of the home kinds.
/// Cells claimed by two or more groups are contested.
pub fn place_groups(spec: &ScenarioSpec, world: &World) -> Vec<Group> {
    let seed = spec.simulation.seed;
    let mut claimed = vec![0u16; world.len()];
    let mut groups = Vec::new();
    for (t, group_type) in spec.groups.iter().enumerate() {
        let home_kinds = group_type.home_kinds.clone().unwrap_or_default();
        let eligible: Vec<u32> = (0..world.len() as u32)
            .filter(|&c| home_kinds.contains(&world.kind[c as usize]))
            .collect();
        let size = group_type.territory_cells.unwrap_or(1) as usize;
        for i in 0..group_type.count {
            let mut rng = rng::stream(
                seed,
                Process::GroupPlacement,
                ((t as u64) << 32) | u64::from(i),
                0,
            );
            let home = match group_type.homes.get(i as usize) {
                Some(&[x, y]) => world.cell_at(x, y),
                None => draw_home(&mut rng, &eligible, &claimed, world.len() as u32),
            };
            let territory = grow_territory(world, home, size, &home_kinds);
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
            });
        }
    }
    groups
}

fn draw_home<R: rand::RngCore>(
    rng: &mut R,
    eligible: &[u32],
    claimed: &[u16],
    n_cells: u32,
) -> u32 {
    if eligible.is_empty() {
        return rng::below(rng, n_cells);
    }
    let mut candidate = eligible[0];
    for _ in 0..64 {
        candidate = eligible[rng::below(rng, eligible.len() as u32) as usize];
        if claimed[candidate as usize] == 0 {
            break;
        }
    }
    candidate
}

/// Breadth-first growth from `home`; among cells at the frontier, home kinds come first.
fn grow_territory(
    world: &World,
    home: u32,
    size: usize,
    home_kinds: &[crate::scenario::CellKind],
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
        // Preferred kinds first, then by index: deterministic.
        frontier.sort_by_key(|&c| (!home_kinds.contains(&world.kind[c as usize]), c));
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
