//! Creating the initial population: composition, wealth, occupation, migrant status and kin.

use rayon::prelude::*;

use super::{AgeBand, Households, Members, Mind, Sex, flags, traits};
use crate::rng::{self, Process};
use crate::scenario::{Occupation, ScenarioSpec};
use crate::world::{CellSampler, NO_CELL, World};

/// Everything drawn for one household.
struct Drawn {
    members: Members,
    wealth: f32,
    occupation: Occupation,
    traits: u8,
    kin_cell: u32,
}

impl Households {
    /// Creates the population of a resolved scenario in `world`, filling the world's occupancy,
    /// housing and business counts. Households are numbered cell by cell.
    pub fn build(spec: &ScenarioSpec, world: &mut World) -> Households {
        let counts = world.allocate_households(spec);
        let mut cell = Vec::with_capacity(spec.population.households as usize);
        for (c, &n) in counts.iter().enumerate() {
            cell.extend(std::iter::repeat_n(c as u32, n as usize));
        }
        let kin_sampler = CellSampler::new(world, &counts);
        let sizes = Sizes {
            children: rng::PoissonTable::new(spec.population.composition.children_mean),
            other_adults: rng::PoissonTable::new(spec.population.composition.other_adults_mean),
        };
        let drawn: Vec<Drawn> = cell
            .par_iter()
            .enumerate()
            .map(|(h, &c)| draw_household(spec, world, &kin_sampler, &sizes, h as u64, c))
            .collect();

        // Each column from the draws in parallel: a million households' columns are tens of
        // megabytes of fresh memory, filled by both threads.
        let households = Households {
            origin: cell.clone(),
            kin_cell: drawn.par_iter().map(|d| d.kin_cell).collect(),
            members: drawn.par_iter().map(|d| d.members).collect(),
            occupation: drawn.par_iter().map(|d| d.occupation).collect(),
            traits: drawn.par_iter().map(|d| d.traits).collect(),
            moves: vec![0; cell.len()],
            mind: drawn
                .par_iter()
                .map(|d| {
                    let mut mind = Mind {
                        wealth: d.wealth,
                        ..Mind::default()
                    };
                    mind.set(flags::BUSINESS_OPEN, d.traits & traits::BUSINESS_OWNER != 0);
                    mind
                })
                .collect(),
            cell,
        };
        drop(drawn);

        // Households are numbered cell by cell: each cell counts its own range.
        let mut first = Vec::with_capacity(counts.len() + 1);
        first.push(0usize);
        for &n in &counts {
            first.push(first.last().copied().unwrap_or(0) + n as usize);
        }
        let tallies: Vec<(u32, u32)> = (0..counts.len())
            .into_par_iter()
            .map(|c| {
                let homes = first[c]..first[c + 1];
                let persons = households.members[homes.clone()]
                    .iter()
                    .map(Members::total)
                    .sum();
                let businesses = households.mind[homes]
                    .iter()
                    .filter(|m| m.has(flags::BUSINESS_OPEN))
                    .count() as u32;
                (persons, businesses)
            })
            .collect();
        let cells = &mut world.cells;
        for (c, (&n, &(persons, businesses))) in counts.iter().zip(&tallies).enumerate() {
            cells.households[c] += n;
            cells.persons[c] += persons;
            cells.dwellings_used[c] += n;
            cells.businesses_open[c] += businesses;
        }
        cells.initial_households.clone_from(&cells.households);
        let slack = 1.0 + spec.world.housing_slack;
        for (housing, &n) in world.housing.iter_mut().zip(&cells.households) {
            *housing = libm::ceil(f64::from(n) * slack) as u32;
        }
        households
    }
}

/// The distributions of household size, drawn from for every household.
struct Sizes {
    children: rng::PoissonTable,
    other_adults: rng::PoissonTable,
}

fn draw_household(
    spec: &ScenarioSpec,
    world: &World,
    kin: &CellSampler,
    sizes: &Sizes,
    h: u64,
    cell: u32,
) -> Drawn {
    let p = &spec.population;
    let comp = &p.composition;
    let mut rng = rng::Draws::new(spec.simulation.seed, Process::HouseholdBuild, h, 0);
    let mut members = Members::default();

    let female_head = rng::unit(&mut rng) < comp.female_head_share;
    let u = rng::unit(&mut rng);
    let head_band = if u < comp.young_head_share {
        AgeBand::Age18To29
    } else if u < comp.young_head_share + comp.older_head_share {
        AgeBand::Age60Plus
    } else {
        AgeBand::Age30To59
    };
    let (head_sex, partner_sex) = if female_head {
        (Sex::Female, Sex::Male)
    } else {
        (Sex::Male, Sex::Female)
    };
    members.add(head_band, head_sex);
    if rng::unit(&mut rng) < comp.partner_share {
        members.add(head_band, partner_sex);
    }
    for _ in 0..sizes.children.draw(&mut rng).min(12) {
        let age = rng::below(&mut rng, 18);
        let band = match age {
            0..=4 => AgeBand::Under5,
            5..=7 => AgeBand::Age5To7,
            8..=14 => AgeBand::Age8To14,
            _ => AgeBand::Age15To17,
        };
        members.add(band, random_sex(&mut rng));
    }
    for _ in 0..sizes.other_adults.draw(&mut rng).min(8) {
        let u = rng::unit(&mut rng);
        let band = if u < 0.6 {
            AgeBand::Age18To29
        } else if u < 0.8 {
            AgeBand::Age30To59
        } else {
            AgeBand::Age60Plus
        };
        members.add(band, random_sex(&mut rng));
    }

    let migrant = rng::unit(&mut rng) < p.migrant_share;
    let median = p.wealth.median_months
        * if migrant {
            p.wealth.migrant_factor
        } else {
            1.0
        };
    let wealth = (median * libm::exp(p.wealth.sigma * rng::standard_normal(&mut rng))) as f32;

    let occupation = pick_occupation(&p.occupations.as_array(), rng::unit(&mut rng));
    let owner = rng::unit(&mut rng) < p.business_owner_share.get(occupation);

    let mut trait_bits = 0;
    if migrant {
        trait_bits |= traits::MIGRANT;
    }
    if owner {
        trait_bits |= traits::BUSINESS_OWNER;
    }
    if female_head {
        trait_bits |= traits::FEMALE_HEAD;
    }
    if rng::unit(&mut rng) < p.lgbt_share {
        trait_bits |= traits::LGBT;
    }

    let mut kin_rng = rng::Draws::new(spec.simulation.seed, Process::KinTies, h, 0);
    let kin_cell = if rng::unit(&mut kin_rng) < p.kin_tie_share {
        let same_region = rng::unit(&mut kin_rng) < p.kin_same_region_share;
        let region = same_region.then(|| world.region[cell as usize]);
        kin.draw(&mut kin_rng, region, cell)
    } else {
        NO_CELL
    };

    Drawn {
        members,
        wealth,
        occupation,
        traits: trait_bits,
        kin_cell,
    }
}

fn random_sex<R: rand::RngCore>(rng: &mut R) -> Sex {
    if rng.next_u32() & 1 == 0 {
        Sex::Female
    } else {
        Sex::Male
    }
}

fn pick_occupation(shares: &[f64; 10], u: f64) -> Occupation {
    let mut cumulative = 0.0;
    for (occupation, share) in Occupation::ALL.iter().zip(shares) {
        cumulative += share;
        if u < cumulative {
            return *occupation;
        }
    }
    Occupation::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(households: u32) -> (ScenarioSpec, World, Households) {
        let mut spec = ScenarioSpec::default();
        spec.world.width = 20;
        spec.world.height = 20;
        spec.population.households = households;
        let mut world = World::build(&spec);
        let hh = Households::build(&spec, &mut world);
        (spec, world, hh)
    }

    #[test]
    fn composition_and_traits_follow_the_scenario() {
        let (spec, world, hh) = build(40_000);
        let n = hh.len() as f64;
        let mean_size = hh.members.iter().map(|m| f64::from(m.total())).sum::<f64>() / n;
        let c = &spec.population.composition;
        let expected = 1.0 + c.partner_share + c.children_mean + c.other_adults_mean;
        assert!(
            (mean_size - expected).abs() < 0.05,
            "mean size {mean_size} vs {expected}"
        );
        let migrants = (0..hh.len())
            .filter(|&h| hh.has(h, traits::MIGRANT))
            .count() as f64
            / n;
        assert!((migrants - spec.population.migrant_share).abs() < 0.005);
        let with_kin = hh.kin_cell.iter().filter(|&&k| k != NO_CELL).count() as f64 / n;
        assert!((with_kin - spec.population.kin_tie_share).abs() < 0.01);
        assert!(hh.kin_cell.iter().zip(&hh.cell).all(|(k, c)| k != c));
        // Occupancy matches the store.
        assert_eq!(
            world
                .cells
                .households
                .iter()
                .map(|&x| x as usize)
                .sum::<usize>(),
            hh.len()
        );
        let mut wealth: Vec<f32> = hh.mind.iter().map(|m| m.wealth).collect();
        wealth.sort_by(f32::total_cmp);
        let median = f64::from(wealth[wealth.len() / 2]);
        assert!(median > 1.5 && median < 2.1, "median wealth {median}");
    }
}
