//! Neighbourhoods (cells) on a grid, grouped in regions, with their static features, controller
//! and per-tick state. Cells are addressed by `u32` index `y * width + x`.

mod build;

pub use build::{base_presence, cell_regions, region_names};

use crate::rng::AliasTable;

use crate::scenario::CellKind;

/// "No cell", for optional cell references such as a household without kin.
pub const NO_CELL: u32 = u32::MAX;

/// Who controls a neighbourhood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Controller {
    State,
    Group(u16),
    Contested,
}

/// Compressed adjacency lists (4-neighbourhood on a grid).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Adjacency {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
}

impl Adjacency {
    pub fn of(&self, cell: u32) -> &[u32] {
        let c = cell as usize;
        &self.neighbours[self.offsets[c] as usize..self.offsets[c + 1] as usize]
    }
}

/// The world: static geography plus the neighbourhood state that changes tick by tick.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct World {
    pub width: u32,
    pub height: u32,
    pub cell_km: f64,
    pub kind: Vec<CellKind>,
    pub region: Vec<u16>,
    /// Region labels, in region-index order.
    pub region_names: Vec<String>,
    /// Cells of each region, ascending.
    pub region_cells: Vec<Vec<u32>>,
    /// Border-corridor cells: where households cross the border to leave the country.
    pub border_cells: Vec<u32>,
    pub adjacency: Adjacency,
    /// State presence this tick, 0 to 1 (the region's presence for the cell's kind, plus
    /// crackdown units).
    pub state_presence: Vec<f32>,
    /// Deprivation, 0 to 1: drawn once per cell around its kind's mean (`world.deprivation`).
    pub deprivation: Vec<f32>,
    /// Deprivation above the cell's kind's mean (negative below it): what the state neglects.
    pub deprivation_excess: Vec<f32>,
    /// Dwellings.
    pub housing: Vec<u32>,
    /// Shelter places, in households, this tick (the scenario's places times the region's
    /// `state.protection.shelter_factor`).
    pub shelter_capacity: Vec<u32>,
    /// Shelter places the scenario gives each cell.
    pub shelter_base: Vec<u32>,
    /// Groups claiming each cell (compressed: `claims_of`).
    claim_offsets: Vec<u32>,
    claim_groups: Vec<u16>,
    pub cells: CellState,
}

/// State presence in a cell whose kind has `kind_presence`, `excess` more deprived than its
/// kind's mean: the state neglects marginalised neighbourhoods (`state.deprivation_neglect`).
pub fn neglected_presence(kind_presence: f64, neglect: f64, excess: f32) -> f32 {
    (kind_presence * (1.0 - neglect * f64::from(excess)).max(0.0)).clamp(0.0, 1.0) as f32
}

/// Per-cell state that changes during a run. Counters are cumulative over the run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CellState {
    /// Perceived homicide rate (per 100,000 residents per year), smoothed over recent ticks.
    pub risk: Vec<f32>,
    /// State presence gained for good where an absorbed self-defence group became rural police.
    pub police_gain: Vec<f32>,
    pub households: Vec<u32>,
    pub persons: Vec<u32>,
    pub initial_households: Vec<u32>,
    /// Households living in a dwelling here (residents and renters).
    pub dwellings_used: Vec<u32>,
    pub shelter_used: Vec<u32>,
    pub businesses_open: Vec<u32>,
    pub business_closures: Vec<u32>,
    /// Closures of the current tick (they cost jobs in the next).
    pub business_closures_tick: Vec<u32>,
    pub displaced_out: Vec<u32>,
    pub displaced_in: Vec<u32>,
    pub homicides_oc: Vec<u32>,
    pub homicides_background: Vec<u32>,
    /// Homicides of the current tick (read by the next tick's witness hazard and by perceived risk).
    pub homicides_oc_tick: Vec<u32>,
    pub homicides_background_tick: Vec<u32>,
    /// Persons killed in clashes between state forces and groups (cumulative, and this tick).
    pub homicides_state_clash: Vec<u32>,
    pub homicides_state_clash_tick: Vec<u32>,
    /// Children recruited by groups here.
    pub recruited: Vec<u32>,
    /// Crackdown units deployed here this tick.
    pub units: Vec<u16>,
    /// Dwellings seized by groups (neither occupied nor available).
    pub seized: Vec<u32>,
    /// Departures that were part of a mass event.
    pub displaced_out_mass: Vec<u32>,
    /// Exits abroad from this cell.
    pub exits: Vec<u32>,
    /// Tick at which the cell became a ghost neighbourhood ([`NOT_GHOST`] if it is not one).
    pub ghost_since: Vec<u32>,
    /// Who held each cell when hazards were last computed (empty before the first tick).
    pub last_controller: Vec<Controller>,
}

/// [`CellState::ghost_since`] of a cell that is not a ghost neighbourhood.
pub const NOT_GHOST: u32 = u32::MAX;

/// How a ghost neighbourhood emptied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GhostCause {
    /// At least half of its departures were in mass events.
    Mass,
    /// Drop by drop.
    Atomised,
}

impl GhostCause {
    pub fn name(self) -> &'static str {
        match self {
            GhostCause::Mass => "mass",
            GhostCause::Atomised => "atomised",
        }
    }
}

impl CellState {
    /// Why cell `c` is a ghost neighbourhood, or `None` if it is not one.
    pub fn ghost_cause(&self, c: usize) -> Option<GhostCause> {
        if self.ghost_since[c] == NOT_GHOST {
            None
        } else if 2 * self.displaced_out_mass[c] >= self.displaced_out[c] {
            Some(GhostCause::Mass)
        } else {
            Some(GhostCause::Atomised)
        }
    }

    /// Dwellings that are free to rent or return to.
    pub fn vacant_dwellings(&self, housing: &[u32], c: usize) -> u32 {
        housing[c].saturating_sub(self.dwellings_used[c] + self.seized[c])
    }
}

impl World {
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    pub fn xy(&self, cell: u32) -> (u32, u32) {
        (cell % self.width, cell / self.width)
    }

    pub fn cell_at(&self, x: u32, y: u32) -> u32 {
        y * self.width + x
    }

    /// Straight-line distance between two cells, in kilometres.
    pub fn distance_km(&self, a: u32, b: u32) -> f64 {
        let (ax, ay) = self.xy(a);
        let (bx, by) = self.xy(b);
        let dx = f64::from(ax) - f64::from(bx);
        let dy = f64::from(ay) - f64::from(by);
        libm::sqrt(dx * dx + dy * dy) * self.cell_km
    }

    /// Groups claiming a cell, in group order.
    pub fn claims_of(&self, cell: u32) -> &[u16] {
        let c = cell as usize;
        &self.claim_groups[self.claim_offsets[c] as usize..self.claim_offsets[c + 1] as usize]
    }

    pub fn controller(&self, cell: u32) -> Controller {
        match self.claims_of(cell) {
            [] => Controller::State,
            [g] => Controller::Group(*g),
            _ => Controller::Contested,
        }
    }

    /// Rebuilds the claims index from each group's territory, in place: each cell's groups in
    /// the order of the groups, each once.
    pub fn set_claims<'a, I>(&mut self, territories: I)
    where
        I: IntoIterator<Item = &'a [u32]>,
        I::IntoIter: Clone,
    {
        let territories = territories.into_iter();
        let n = self.len();
        // Counts first, then each group written at its cell's next place: no list per cell.
        let mut last = vec![u16::MAX; n];
        let mut ends = vec![0u32; n + 1];
        for (g, territory) in territories.clone().enumerate() {
            for &c in territory {
                let c = c as usize;
                if last[c] != g as u16 {
                    last[c] = g as u16;
                    ends[c + 1] += 1;
                }
            }
        }
        for c in 0..n {
            ends[c + 1] += ends[c];
        }
        self.claim_groups.clear();
        self.claim_groups.resize(ends[n] as usize, 0);
        let mut next = ends[..n].to_vec();
        last.fill(u16::MAX);
        for (g, territory) in territories.enumerate() {
            for &c in territory {
                let c = c as usize;
                if last[c] != g as u16 {
                    last[c] = g as u16;
                    self.claim_groups[next[c] as usize] = g as u16;
                    next[c] += 1;
                }
            }
        }
        self.claim_offsets = ends;
    }
}

/// Draws a neighbourhood in proportion to where people live (initially), nationally or in one
/// region, in constant time (alias tables).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CellSampler {
    /// Per region: cells with people, and a table drawing among them by their households.
    regions: Vec<(Vec<u32>, AliasTable)>,
    national: (Vec<u32>, AliasTable),
}

impl CellSampler {
    pub fn new(world: &World, counts: &[u32]) -> CellSampler {
        let table = |cells: &mut dyn Iterator<Item = u32>| {
            let kept: Vec<u32> = cells.filter(|&c| counts[c as usize] > 0).collect();
            let weights: Vec<f64> = kept
                .iter()
                .map(|&c| f64::from(counts[c as usize]))
                .collect();
            let table = AliasTable::new(&weights);
            (kept, table)
        };
        CellSampler {
            regions: world
                .region_cells
                .iter()
                .map(|cells| table(&mut cells.iter().copied()))
                .collect(),
            national: table(&mut (0..world.len() as u32)),
        }
    }

    /// A populated cell other than `own`, or `NO_CELL` when there is none after a few tries.
    pub fn draw<R: rand::RngCore>(&self, rng: &mut R, region: Option<u16>, own: u32) -> u32 {
        let (cells, table) = match region {
            Some(r) => &self.regions[r as usize],
            None => &self.national,
        };
        for _ in 0..8 {
            let Some(i) = table.draw(rng) else {
                return NO_CELL;
            };
            if cells[i] != own {
                return cells[i];
            }
        }
        NO_CELL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claims_index_lists_each_cells_groups_in_order_once() {
        let mut spec = crate::scenario::ScenarioSpec::default();
        spec.world.width = 12;
        spec.world.height = 10;
        let mut world = World::build(&spec);
        let cells = world.len() as u64;
        use rand::RngCore;
        let mut cases = crate::rng::Draws::new(5, crate::rng::Process::GroupPlacement, 0, 0);
        let mut next = || cases.next_u64();
        for round in 0..50 {
            // Territories that overlap, list a cell twice and sometimes hold nothing.
            let territories: Vec<Vec<u32>> = (0..1 + next() % 30)
                .map(|_| (0..next() % 25).map(|_| (next() % cells) as u32).collect())
                .collect();
            world.set_claims(territories.iter().map(Vec::as_slice));
            for c in 0..world.len() as u32 {
                let expected: Vec<u16> = (0..territories.len())
                    .filter(|&g| territories[g].contains(&c))
                    .map(|g| g as u16)
                    .collect();
                assert_eq!(
                    world.claims_of(c),
                    expected.as_slice(),
                    "round {round}, cell {c}"
                );
            }
        }
    }
}
