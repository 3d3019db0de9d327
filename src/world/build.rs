//! Building the grid: kinds of neighbourhood (generated from the mix or read from an explicit
//! map), regions, adjacency, deprivation, state presence and shelter capacity.

use std::collections::BTreeMap;

use super::{Adjacency, CellState, World};
use crate::rng::{self, Process};
use crate::scenario::{CellKind, Edge, ScenarioSpec, WorldSpec};

impl World {
    /// Builds the world of a resolved scenario. Housing and occupancy are set once households exist.
    pub fn build(spec: &ScenarioSpec) -> World {
        let seed = spec.simulation.seed;
        let w = &spec.world;
        let (width, height, kind) = if w.map.is_empty() {
            let kind = generate_kinds(spec, seed);
            (w.width, w.height, kind)
        } else {
            let width = w.map[0].chars().count() as u32;
            let kind = w
                .map
                .iter()
                .flat_map(|row| row.chars())
                .map(|c| CellKind::from_map_letter(c).expect("map letters are validated"))
                .collect();
            (width, w.map.len() as u32, kind)
        };
        let (region, region_names) = regions(spec, width, height);
        let n = (width * height) as usize;
        let mut region_cells = vec![Vec::new(); region_names.len()];
        for (c, &r) in region.iter().enumerate() {
            region_cells[r as usize].push(c as u32);
        }
        let deprivation: Vec<f32> = kind
            .iter()
            .enumerate()
            .map(|(c, &k)| {
                let mut rng = rng::stream(seed, Process::Deprivation, c as u64, 0);
                let noise = w.deprivation_spread * rng::standard_normal(&mut rng);
                (w.deprivation.get(k) + noise).clamp(0.0, 1.0) as f32
            })
            .collect();
        let deprivation_excess: Vec<f32> = kind
            .iter()
            .zip(&deprivation)
            .map(|(&k, &d)| d - w.deprivation.get(k) as f32)
            .collect();
        let state_presence = base_presence(spec, &kind, &deprivation_excess);
        let shelter_capacity: Vec<u32> = kind
            .iter()
            .map(|&k| libm::round(spec.world.shelter_places.get(k)) as u32)
            .collect();
        let border_cells = (0..n as u32)
            .filter(|&c| kind[c as usize] == CellKind::BorderCorridor)
            .collect();
        let mut world = World {
            border_cells,
            width,
            height,
            cell_km: w.cell_km,
            kind,
            region,
            region_names,
            region_cells,
            adjacency: grid_adjacency(width, height),
            state_presence,
            deprivation,
            deprivation_excess,
            housing: vec![0; n],
            shelter_base: shelter_capacity.clone(),
            shelter_capacity,
            claim_offsets: vec![0; n + 1],
            claim_groups: Vec::new(),
            cells: CellState::default(),
        };
        world.cells = CellState {
            risk: vec![0.0; n],
            police_gain: vec![0.0; n],
            households: vec![0; n],
            persons: vec![0; n],
            initial_households: vec![0; n],
            dwellings_used: vec![0; n],
            shelter_used: vec![0; n],
            businesses_open: vec![0; n],
            business_closures: vec![0; n],
            business_closures_tick: vec![0; n],
            last_controller: Vec::new(),
            displaced_out: vec![0; n],
            displaced_in: vec![0; n],
            homicides_oc: vec![0; n],
            homicides_background: vec![0; n],
            homicides_oc_tick: vec![0; n],
            homicides_background_tick: vec![0; n],
            homicides_state_clash: vec![0; n],
            homicides_state_clash_tick: vec![0; n],
            recruited: vec![0; n],
            units: vec![0; n],
            seized: vec![0; n],
            displaced_out_mass: vec![0; n],
            exits: vec![0; n],
            ghost_since: vec![super::NOT_GHOST; n],
        };
        world
    }

    /// Splits `households` over cells in proportion to density by kind times the density of
    /// their region (largest remainder).
    pub fn allocate_households(&self, spec: &ScenarioSpec) -> Vec<u32> {
        let total = u64::from(spec.population.households);
        let by_region: Vec<f64> = self
            .region_names
            .iter()
            .map(|name| {
                spec.population
                    .region_density
                    .get(name)
                    .copied()
                    .unwrap_or(1.0)
            })
            .collect();
        let weights: Vec<f64> = self
            .kind
            .iter()
            .zip(&self.region)
            .map(|(&k, &r)| spec.population.density.get(k) * by_region[r as usize])
            .collect();
        let sum: f64 = weights.iter().sum();
        let mut counts = Vec::with_capacity(weights.len());
        let mut remainders = Vec::with_capacity(weights.len());
        let mut assigned = 0u64;
        for (c, w) in weights.iter().enumerate() {
            let exact = if sum > 0.0 {
                total as f64 * w / sum
            } else {
                0.0
            };
            let floor = libm::floor(exact) as u64;
            counts.push(floor as u32);
            remainders.push((exact - floor as f64, c));
            assigned += floor;
        }
        // Largest remainders first; ties by cell index keep it deterministic.
        remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, c) in remainders.iter().take((total - assigned) as usize) {
            counts[c] += 1;
        }
        counts
    }
}

fn grid_adjacency(width: u32, height: u32) -> Adjacency {
    let mut offsets = Vec::with_capacity((width * height + 1) as usize);
    let mut neighbours = Vec::with_capacity((width * height * 4) as usize);
    offsets.push(0);
    for y in 0..height {
        for x in 0..width {
            if y > 0 {
                neighbours.push((y - 1) * width + x);
            }
            if x > 0 {
                neighbours.push(y * width + x - 1);
            }
            if x + 1 < width {
                neighbours.push(y * width + x + 1);
            }
            if y + 1 < height {
                neighbours.push((y + 1) * width + x);
            }
            offsets.push(neighbours.len() as u32);
        }
    }
    Adjacency {
        offsets,
        neighbours,
    }
}

/// Names of the regions a scenario's world has (`R1`, `R2`, ... or the region map's characters).
pub fn region_names(spec: &ScenarioSpec) -> Vec<String> {
    let (width, height) = match spec.world.map.first() {
        Some(row) => (row.chars().count() as u32, spec.world.map.len() as u32),
        None => (spec.world.width, spec.world.height),
    };
    if spec.world.region_map.is_empty() {
        (0..spec.world.regions_x * spec.world.regions_y)
            .map(|r| format!("R{}", r + 1))
            .collect()
    } else {
        regions(spec, width, height).1
    }
}

/// Region of each cell and the region labels: blocks of the grid, or an explicit region map.
fn regions(spec: &ScenarioSpec, width: u32, height: u32) -> (Vec<u16>, Vec<String>) {
    cell_regions(&spec.world, width, height)
}

/// Region of each cell of a `width` × `height` grid (row by row) and the region labels, from a
/// validated world: `regions_x` × `regions_y` blocks, or the explicit `region_map`, whose
/// distinct characters are numbered in sorted order.
pub fn cell_regions(w: &WorldSpec, width: u32, height: u32) -> (Vec<u16>, Vec<String>) {
    if !w.region_map.is_empty() {
        let labels: BTreeMap<char, u16> = {
            let mut distinct: Vec<char> = w.region_map.iter().flat_map(|r| r.chars()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            distinct
                .into_iter()
                .enumerate()
                .map(|(i, c)| (c, i as u16))
                .collect()
        };
        let region = w
            .region_map
            .iter()
            .flat_map(|r| r.chars())
            .map(|c| labels[&c])
            .collect();
        let names = labels.keys().map(|c| c.to_string()).collect();
        return (region, names);
    }
    let (rx, ry) = (w.regions_x, w.regions_y);
    let mut region = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let bx = x * rx / width;
            let by = y * ry / height;
            region.push((by * rx + bx) as u16);
        }
    }
    let names = (0..rx * ry).map(|r| format!("R{}", r + 1)).collect();
    (region, names)
}

/// Generated kinds: urban cells cluster around city centres, the border corridor runs along the
/// border edge, resource sites are scattered over what is left, and the rest is rural.
fn generate_kinds(spec: &ScenarioSpec, seed: u64) -> Vec<CellKind> {
    let w = &spec.world;
    let (width, height) = (w.width, w.height);
    let n = (width * height) as usize;
    let (region, _) = regions(spec, width, height);

    // City centres: random cells of each region.
    let mut centres = Vec::new();
    let mut by_region: BTreeMap<u16, Vec<u32>> = BTreeMap::new();
    for (c, &r) in region.iter().enumerate() {
        by_region.entry(r).or_default().push(c as u32);
    }
    for (&r, cells) in &by_region {
        let mut rng = rng::stream(seed, Process::WorldLayout, u64::from(r), 0);
        for _ in 0..w.cities_per_region {
            centres.push(cells[rng::below(&mut rng, cells.len() as u32) as usize]);
        }
    }

    let count = |share: f64| libm::round(share * n as f64) as usize;
    let n_core = count(w.mix.urban_core);
    let n_periphery = count(w.mix.urban_periphery).min(n - n_core);
    let mut kind = vec![CellKind::Rural; n];

    // Urban: the cells nearest to any centre.
    let dist2 = |c: u32| -> u64 {
        let (x, y) = (i64::from(c % width), i64::from(c / width));
        centres
            .iter()
            .map(|&k| {
                let (kx, ky) = (i64::from(k % width), i64::from(k / width));
                ((x - kx).pow(2) + (y - ky).pow(2)) as u64
            })
            .min()
            .unwrap_or(0)
    };
    let mut by_centre: Vec<(u64, u32)> = (0..n as u32).map(|c| (dist2(c), c)).collect();
    by_centre.sort_unstable();
    for (i, &(_, c)) in by_centre.iter().enumerate().take(n_core + n_periphery) {
        kind[c as usize] = if i < n_core {
            CellKind::UrbanCore
        } else {
            CellKind::UrbanPeriphery
        };
    }

    // Border corridor: the non-urban cells nearest to the border edge.
    let n_border = count(w.mix.border_corridor);
    let edge_distance = |c: u32| -> u32 {
        let (x, y) = (c % width, c / width);
        match w.border_edge {
            Edge::North => y,
            Edge::South => height - 1 - y,
            Edge::West => x,
            Edge::East => width - 1 - x,
        }
    };
    let mut by_edge: Vec<(u32, u32)> = (0..n as u32)
        .filter(|&c| kind[c as usize] == CellKind::Rural)
        .map(|c| (edge_distance(c), c))
        .collect();
    by_edge.sort_unstable();
    for &(_, c) in by_edge.iter().take(n_border) {
        kind[c as usize] = CellKind::BorderCorridor;
    }

    // Resource sites: scattered over the remaining rural cells.
    let n_resource = count(w.mix.resource_site);
    let mut rural: Vec<u32> = (0..n as u32)
        .filter(|&c| kind[c as usize] == CellKind::Rural)
        .collect();
    let mut rng = rng::stream(seed, Process::WorldLayout, u64::MAX, 1);
    for i in 0..n_resource.min(rural.len()) {
        let j = i + rng::below(&mut rng, (rural.len() - i) as u32) as usize;
        rural.swap(i, j);
        kind[rural[i] as usize] = CellKind::ResourceSite;
    }
    kind
}

/// State presence in each cell before the first tick, under the scenario's base `[state]`
/// (from the first tick on, each region's policy sets it: `step::policy`).
pub fn base_presence(
    spec: &ScenarioSpec,
    kind: &[CellKind],
    deprivation_excess: &[f32],
) -> Vec<f32> {
    kind.iter()
        .zip(deprivation_excess)
        .map(|(&k, &e)| {
            super::neglected_presence(
                spec.state.presence.get(k),
                spec.state.deprivation_neglect,
                e,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ScenarioSpec {
        let mut s = ScenarioSpec::default();
        s.world.width = 30;
        s.world.height = 20;
        s
    }

    #[test]
    fn generated_mix_matches_shares() {
        let s = spec();
        let world = World::build(&s);
        let n = world.len() as f64;
        for (kind, share) in s.world.mix.entries() {
            let got = world.kind.iter().filter(|&&k| k == kind).count() as f64 / n;
            assert!(
                (got - share).abs() <= 1.0 / n + 1e-9,
                "{kind:?}: {got} vs {share}"
            );
        }
    }

    #[test]
    fn border_corridor_hugs_the_border_edge() {
        let world = World::build(&spec());
        let east_column = (0..world.height).map(|y| world.cell_at(world.width - 1, y));
        let corridor = east_column
            .filter(|&c| world.kind[c as usize] == CellKind::BorderCorridor)
            .count();
        assert!(
            corridor as u32 >= world.height / 2,
            "only {corridor} corridor cells on the east edge"
        );
    }

    #[test]
    fn allocation_is_exact_and_follows_density() {
        let s = spec();
        let world = World::build(&s);
        let counts = world.allocate_households(&s);
        assert_eq!(
            counts.iter().map(|&c| u64::from(c)).sum::<u64>(),
            u64::from(s.population.households)
        );
        let mean = |k: CellKind| {
            let cells: Vec<_> = (0..world.len()).filter(|&c| world.kind[c] == k).collect();
            cells.iter().map(|&c| f64::from(counts[c])).sum::<f64>() / cells.len() as f64
        };
        assert!(mean(CellKind::UrbanCore) > 5.0 * mean(CellKind::Rural));
    }

    #[test]
    fn region_density_scales_a_regions_households_and_empties_it_at_zero() {
        let mut s = spec();
        let world = World::build(&s);
        let in_region = |counts: &[u32], r: usize| -> u64 {
            (0..world.len())
                .filter(|&c| world.region[c] as usize == r)
                .map(|c| u64::from(counts[c]))
                .sum()
        };
        let even = world.allocate_households(&s);
        s.population.region_density.insert("R1".into(), 3.0);
        s.population.region_density.insert("R2".into(), 0.0);
        let uneven = world.allocate_households(&s);
        assert_eq!(
            uneven.iter().map(|&c| u64::from(c)).sum::<u64>(),
            u64::from(s.population.households)
        );
        assert_eq!(in_region(&uneven, 1), 0, "a region of density 0 is empty");
        // R1's share of the rest triples against R3's (same kinds of cells up to the draw).
        let ratio = |counts: &[u32]| in_region(counts, 0) as f64 / in_region(counts, 2) as f64;
        let tripled = ratio(&uneven) / ratio(&even);
        assert!(
            (tripled - 3.0).abs() < 0.01,
            "R1 against R3 went up {tripled} times"
        );
    }

    #[test]
    fn adjacency_is_symmetric_four_neighbourhood() {
        let world = World::build(&spec());
        for c in 0..world.len() as u32 {
            for &n in world.adjacency.of(c) {
                assert!(world.adjacency.of(n).contains(&c));
                let ((x, y), (nx, ny)) = (world.xy(c), world.xy(n));
                assert_eq!(x.abs_diff(nx) + y.abs_diff(ny), 1);
            }
        }
        assert_eq!(world.adjacency.of(0).len(), 2);
    }
}
