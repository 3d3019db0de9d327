//! Phase 4: where fleeing households go and how they lodge.
//!
//! Destinations are household-specific safety judgements (brief, section 4): a household weighs
//! its kin's neighbourhood and a handful of candidates drawn where people live, mostly in its own
//! region on a first move and farther afield later. It scores each by perceived violence (security
//! first), by whether the group it flees holds or reaches it, by kin, and by distance, with noise.
//! Choices are made in parallel from the state at the start of the phase; arrivals are then booked
//! in household order, because shelter places and vacant dwellings are shared.

use rayon::prelude::*;

use super::Model;
use super::decide::FlightRequest;
use crate::households::{Lodging, Status};
use crate::metrics::{Episode, TickMetrics};
use crate::rng::{self, Draws, Process};
use crate::world::NO_CELL;

pub fn step<E>(
    model: &mut Model,
    requests: &[FlightRequest],
    metrics: &mut TickMetrics,
    on_episode: &mut dyn FnMut(&Episode) -> Result<(), E>,
) -> Result<(), E> {
    let m = &*model;
    let destinations: Vec<Option<u32>> = requests
        .par_iter()
        .map(|r| choose_destination(m, r))
        .collect();
    for (request, destination) in requests.iter().zip(destinations) {
        match destination {
            Some(dest) => {
                let episode = arrive(model, request, dest, metrics);
                on_episode(&episode)?;
            }
            None => metrics.flight_blocked += 1,
        }
    }
    Ok(())
}

/// The best-scoring candidate destination, or `None` when the world offers no other cell.
pub fn choose_destination(model: &Model, request: &FlightRequest) -> Option<u32> {
    let spec = &model.scenario.spec;
    let flight = &spec.flight;
    let hh = &model.households;
    let world = &model.world;
    let h = request.household as usize;
    let current = hh.cell[h];
    let home_region = world.region[hh.origin[h] as usize];
    let mut rng = rng::stream(
        spec.simulation.seed,
        Process::Destination,
        h as u64,
        model.tick,
    );

    let same_region_share = if hh.moves[h] == 0 {
        flight.first_move_same_region
    } else {
        flight.later_move_same_region
    };
    let kin = hh.kin_cell[h];
    let feared = (request.group != super::NO_GROUP).then(|| &model.groups[request.group as usize]);
    let pursued = request.trigger.is_targeted();

    let score = |c: u32, rng: &mut rand_chacha::ChaCha8Rng| -> f64 {
        let mut s = -flight.security_weight * f64::from(world.cells.risk[c as usize]) / 100.0;
        if let Some(group) = feared {
            if world.claims_of(c).contains(&request.group) {
                s -= flight.feared_group_weight;
            }
            if pursued && group.reaches(world, c) {
                s -= flight.reach_weight;
            }
        }
        if c == kin {
            s += flight.kin_weight;
        }
        s -= flight.distance_weight * world.distance_km(current, c) / 100.0;
        // Gumbel noise: the choice is a multinomial logit over the candidates.
        let u = 1.0 - rng::unit(rng);
        s - libm::log(-libm::log(u).min(-1e-300))
    };

    let mut best: Option<(f64, u32)> = None;
    let mut consider = |c: u32, rng: &mut rand_chacha::ChaCha8Rng| {
        if c == NO_CELL || c == current {
            return;
        }
        let s = score(c, rng);
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((s, c));
        }
    };
    consider(kin, &mut rng);
    for _ in 0..flight.candidates {
        let region = (rng::unit(&mut rng) < same_region_share).then_some(home_region);
        let c = model.sampler.draw(&mut rng, region, current);
        consider(c, &mut rng);
    }
    best.map(|(_, c)| c)
}

/// Moves the household, finds it lodging, and books every count the move changes.
fn arrive(
    model: &mut Model,
    request: &FlightRequest,
    dest: u32,
    metrics: &mut TickMetrics,
) -> Episode {
    let spec = &model.scenario.spec;
    let seed = spec.simulation.seed;
    let tick = model.tick;
    let h = request.household as usize;
    let hh = &mut model.households;
    let cells = &mut model.world.cells;
    let from = hh.cell[h];
    let (f, d) = (from as usize, dest as usize);

    // Leave: free what the household occupied.
    match hh.lodging[h] {
        Lodging::Home | Lodging::Rent => cells.dwellings_used[f] -= 1,
        Lodging::Shelter => cells.shelter_used[f] -= 1,
        Lodging::Kin | Lodging::Informal => {}
    }
    // A business cannot be run from elsewhere: fleeing abandons it (not counted as an extortion
    // closure, which is the early-warning signal).
    if hh.mind[h].business_open {
        hh.mind[h].business_open = false;
        cells.businesses_open[f] -= 1;
    }
    let has_kin = hh.kin_cell[h] != NO_CELL;
    let cost = spec.flight.cost_months * if has_kin { 0.5 } else { 1.0 };
    hh.wealth[h] = (f64::from(hh.wealth[h]) - cost).max(0.0) as f32;

    // Lodging cascade: kin, shelter, rent, informal settlement.
    let mut draws = Draws::new(seed, Process::Lodging, h as u64, tick);
    let lodging = if dest == hh.kin_cell[h] && draws.chance(spec.flight.kin_acceptance) {
        Lodging::Kin
    } else if cells.shelter_used[d] < model.world.shelter_capacity[d] {
        cells.shelter_used[d] += 1;
        Lodging::Shelter
    } else if f64::from(hh.wealth[h]) >= spec.flight.rent_months
        && cells.dwellings_used[d] < model.world.housing[d]
    {
        hh.wealth[h] -= spec.flight.rent_months as f32;
        cells.dwellings_used[d] += 1;
        Lodging::Rent
    } else {
        Lodging::Informal
    };

    let members = hh.members[h];
    let persons = members.total();
    cells.households[f] -= 1;
    cells.persons[f] -= persons;
    cells.households[d] += 1;
    cells.persons[d] += persons;
    cells.displaced_out[f] += 1;
    cells.displaced_in[d] += 1;

    let old_status = hh.status[h];
    if old_status != Status::Displaced {
        model.households_by_status[old_status as usize] -= 1;
        model.persons_by_status[old_status as usize] -= u64::from(persons);
        model.households_by_status[Status::Displaced as usize] += 1;
        model.persons_by_status[Status::Displaced as usize] += u64::from(persons);
    }
    hh.status[h] = Status::Displaced;
    hh.lodging[h] = lodging;
    hh.cell[h] = dest;
    hh.moves[h] = hh.moves[h].saturating_add(1);
    hh.mind[h].fear = 0.0;
    let move_number = u32::from(hh.moves[h]);

    metrics.displacements_by_trigger[request.trigger as usize] += 1;
    if request.trigger.is_targeted() {
        metrics.displacements_targeted += 1;
    } else {
        metrics.displacements_preemptive += 1;
    }
    if move_number == 1 {
        metrics.displacements_first += 1;
    } else {
        metrics.displacements_repeat += 1;
    }
    metrics.displaced_persons += persons;

    let migrant = hh.has(h, crate::households::traits::MIGRANT);
    let occupation = hh.occupation[h];
    let world = &model.world;
    let episode = Episode {
        id: 0,
        tick,
        household: request.household,
        trigger: request.trigger,
        group: (request.group != super::NO_GROUP).then_some(request.group),
        whole_household: true,
        persons,
        persons_15_plus: members.aged_15_plus(),
        males_15_plus: members.males_15_plus(),
        school_age_children: members.school_age(),
        move_number,
        origin_cell: from,
        origin_region: world.region[f],
        destination_cell: dest,
        destination_region: world.region[d],
        distance_km: world.distance_km(from, dest),
        lodging,
        occupation,
        migrant,
    };
    Episode {
        id: model.next_episode_id(),
        ..episode
    }
}
