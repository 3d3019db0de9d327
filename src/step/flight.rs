//! Phase 4: where fleeing households go, how they lodge, and who leaves the country.
//!
//! Destinations are household-specific safety judgements (brief, section 4): a household weighs
//! its kin's neighbourhood and a handful of candidates drawn where people live, mostly in its own
//! region on a first move and farther afield later. It scores each by perceived violence (security
//! first), by whether the group it flees holds or reaches it, by kin, and by distance, with noise.
//! Before that it may leave the country: more likely after failed internal moves, when pursued,
//! for targeted profiles and after sexual violence, if it can pay a smuggler and the border is
//! open. A child sent away goes to kin. Choices are made in parallel from the state at the start
//! of the phase; arrivals are then booked in household order, because shelter places and vacant
//! dwellings are shared.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::decide::{FlightKind, FlightRequest, flight_cost};
use super::{MASS_EVENT_FAMILIES, Model, NO_GROUP};
use crate::households::{Lodging, Mark, Members, PersonState, Sex, Status, flags, traits};
use crate::metrics::{Episode, TickMetrics, Trigger};
use crate::rng::{Draws, Process};
use crate::world::NO_CELL;

/// Where a flight ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    Cell(u32),
    /// Out of the country through the border crossing `crossing`.
    Abroad {
        crossing: u32,
    },
    /// No other cell could be found.
    Nowhere,
}

pub fn step<E>(
    model: &mut Model,
    requests: &[FlightRequest],
    metrics: &mut TickMetrics,
    on_episode: &mut dyn FnMut(&Episode) -> Result<(), E>,
) -> Result<(), E> {
    // Families leaving in the same collective event (an order, a demand, a threat, a massacre) form one event.
    let mut event_sizes: BTreeMap<u32, u32> = BTreeMap::new();
    for r in requests.iter().filter(|r| r.event_cell != NO_CELL) {
        *event_sizes.entry(r.event_cell).or_default() += 1;
    }
    let m = &*model;
    let destinations: Vec<Destination> = requests.par_iter().map(|r| choose(m, r)).collect();
    for (i, (request, destination)) in requests.iter().zip(destinations).enumerate() {
        // Booking goes one household after another, scattered in memory: fetch the state of
        // those a few requests ahead while this one is booked.
        if let Some(ahead) = requests.get(i + BOOKING_AHEAD) {
            prefetch_booking(model, ahead.household as usize);
        }
        let event_families = event_sizes.get(&request.event_cell).copied().unwrap_or(1);
        let episode = match (request.kind, destination) {
            (_, Destination::Nowhere) => {
                metrics.flight_blocked += 1;
                continue;
            }
            (FlightKind::SendAway { band, sex }, Destination::Cell(kin)) => {
                send_away(model, request, band, sex, kin, metrics)
            }
            (FlightKind::SendAway { .. }, Destination::Abroad { .. }) => {
                unreachable!("children are sent to kin")
            }
            (FlightKind::Whole { .. }, Destination::Cell(dest)) => {
                arrive(model, request, dest, event_families, metrics)
            }
            (FlightKind::Whole { .. }, Destination::Abroad { crossing }) => {
                exit(model, request, crossing, event_families, metrics)
            }
        };
        let episode = Episode {
            id: model.next_episode_id(),
            ..episode
        };
        book_episode(&episode, metrics);
        on_episode(&episode)?;
    }
    Ok(())
}

/// How many requests ahead the booking loop fetches the households it will book.
const BOOKING_AHEAD: usize = 4;

/// Fetches what booking household `h` reads first into the cache (a hint: no effect on results).
fn prefetch_booking(model: &Model, h: usize) {
    use super::rest::prefetch;
    let hh = &model.households;
    prefetch(&hh.mind[h]);
    prefetch(&hh.members[h]);
    prefetch(&hh.cell[h]);
    prefetch(&hh.kin_cell[h]);
    prefetch(&hh.moves[h]);
    prefetch(&hh.origin[h]);
}

/// Where a request goes: kin for a child sent away; abroad or the best candidate cell otherwise.
pub fn choose(model: &Model, request: &FlightRequest) -> Destination {
    let h = request.household as usize;
    match request.kind {
        FlightKind::SendAway { .. } => {
            let kin = model.households.kin_cell[h];
            if kin == NO_CELL || kin == model.households.cell[h] {
                Destination::Nowhere
            } else {
                Destination::Cell(kin)
            }
        }
        FlightKind::Whole { .. } => match exit_crossing(model, request) {
            Some(crossing) => Destination::Abroad { crossing },
            None => choose_cell(model, request).map_or(Destination::Nowhere, Destination::Cell),
        },
    }
}

/// The border crossing of a household that leaves the country, if it does.
fn exit_crossing(model: &Model, request: &FlightRequest) -> Option<u32> {
    let e = &model.scenario.spec.exit;
    let h = request.household as usize;
    let hh = &model.households;
    let mind = &hh.mind[h];
    let moves = i32::from(hh.moves[h]);
    let mut p = e.base * libm::pow(e.failed_move_multiplier, f64::from(moves));
    let border_openness = model.policy_at(hh.cell[h]).state.border_openness;
    if mind.mark != Mark::None && request.trigger.is_targeted() {
        p *= e.pursuit_multiplier;
    }
    match request.trigger {
        Trigger::TargetedProfile => p *= e.profile_multiplier,
        Trigger::SexualViolence => p *= e.sexual_violence_multiplier,
        _ => {}
    }
    p = (p * border_openness).min(1.0);
    if f64::from(mind.wealth) < e.smuggler_price_months {
        return None;
    }
    let mut draws = Draws::new(model.scenario.seed(), Process::Exit, h as u64, model.tick);
    if !draws.chance(p) {
        return None;
    }
    let here = hh.cell[h];
    model.world.border_cells.iter().copied().min_by(|&a, &b| {
        model
            .world
            .distance_km(here, a)
            .total_cmp(&model.world.distance_km(here, b))
            .then(a.cmp(&b))
    })
}

/// A destination in the country, chosen among its candidates by a multinomial logit over their
/// scores, or `None` when there is no other cell.
pub fn choose_cell(model: &Model, request: &FlightRequest) -> Option<u32> {
    let spec = &model.scenario.spec;
    let flight = &spec.flight;
    let hh = &model.households;
    let world = &model.world;
    let h = request.household as usize;
    let current = hh.cell[h];
    let home_region = world.region[hh.origin[h] as usize];
    let mut draws = Draws::new(
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
    let feared = (request.group != NO_GROUP).then(|| &model.groups[request.group as usize]);
    let pursued = request.trigger.is_targeted();

    let score = |c: u32| -> f64 {
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
        s - flight.distance_weight * world.distance_km(current, c) / 100.0
    };

    // The kin's neighbourhood and the candidates drawn where people live, with their scores.
    let mut candidates: Vec<(u32, f64)> = Vec::with_capacity(flight.candidates as usize + 1);
    let mut consider = |c: u32| {
        if c != NO_CELL && c != current {
            candidates.push((c, score(c)));
        }
    };
    consider(kin);
    for _ in 0..flight.candidates {
        let region = (draws.unit() < same_region_share).then_some(home_region);
        consider(model.sampler.draw(&mut draws, region, current));
    }
    // Each candidate with probability exp(score) over the sum (a candidate drawn twice counts
    // twice), the choice of a utility maximiser with Gumbel noise on every score.
    let top = candidates
        .iter()
        .map(|&(_, s)| s)
        .fold(f64::NEG_INFINITY, f64::max);
    // Each weight computed once, then summed and gone through in the same order.
    for candidate in candidates.iter_mut() {
        candidate.1 = libm::exp(candidate.1 - top);
    }
    let total: f64 = candidates.iter().map(|&(_, w)| w).sum();
    let mut target = draws.unit() * total;
    let mut chosen = None;
    for &(c, w) in &candidates {
        chosen = Some(c);
        target -= w;
        if target < 0.0 {
            break;
        }
    }
    chosen
}

/// The household leaves its cell: frees its dwelling or shelter place, abandons its business,
/// pays for the journey.
fn leave_cell(model: &mut Model, h: usize, cost: f64) {
    let hh = &mut model.households;
    let cells = &mut model.world.cells;
    let f = hh.cell[h] as usize;
    let mind = &mut hh.mind[h];
    match mind.lodging {
        Lodging::Home | Lodging::Rent => cells.dwellings_used[f] -= 1,
        Lodging::Shelter => cells.shelter_used[f] -= 1,
        Lodging::Kin | Lodging::Informal => {}
    }
    // A business cannot be run from elsewhere: fleeing abandons it (not counted as an extortion
    // closure, which is the early-warning signal).
    if mind.has(flags::BUSINESS_OPEN) {
        mind.set(flags::BUSINESS_OPEN, false);
        cells.businesses_open[f] -= 1;
    }
    mind.wealth = (f64::from(mind.wealth) - cost).max(0.0) as f32;
    let persons = hh.members[h].total();
    cells.households[f] -= 1;
    cells.persons[f] -= persons;
    cells.displaced_out[f] += 1;
}

/// A whole household arrives in `dest` and finds lodging.
fn arrive(
    model: &mut Model,
    request: &FlightRequest,
    dest: u32,
    event_families: u32,
    metrics: &mut TickMetrics,
) -> Episode {
    let h = request.household as usize;
    let from = model.households.cell[h];
    let has_kin = model.households.kin_cell[h] != NO_CELL;
    // A relocation programme takes targeted profiles and survivors of sexual violence, as long as
    // it has places: the journey is paid and the household is hidden from its pursuers.
    let region = model.world.region[from as usize] as usize;
    let eligible = matches!(
        request.trigger,
        Trigger::TargetedProfile | Trigger::SexualViolence
    ) || model.households.is_targeted_profile(h);
    let relocated = eligible && model.relocation_places[region] >= 1.0;
    let cost = if relocated {
        0.0
    } else {
        flight_cost(&model.scenario.spec, has_kin)
    };
    if relocated {
        model.relocation_places[region] -= 1.0;
        model.households.mind[h].set(flags::RELOCATED, true);
        metrics.protection_relocations += 1;
    }
    leave_cell(model, h, cost);
    if event_families >= MASS_EVENT_FAMILIES {
        model.world.cells.displaced_out_mass[from as usize] += 1;
    }
    let spec = &model.scenario.spec;
    let mut draws = Draws::new(spec.simulation.seed, Process::Lodging, h as u64, model.tick);
    let d = dest as usize;
    let hh = &mut model.households;
    let cells = &mut model.world.cells;
    let mind = &mut hh.mind[h];

    // Lodging cascade: kin (who may refuse a household in danger), shelter, rent, informal.
    let mut host_rejected = false;
    let lodging = if dest == hh.kin_cell[h] {
        let acceptance = spec.flight.kin_acceptance
            * (1.0 - spec.hosting.rejection_per_severity * f64::from(mind.mark as u8)).max(0.0);
        if draws.chance(acceptance) {
            Some(Lodging::Kin)
        } else {
            host_rejected = true;
            metrics.host_rejections += 1;
            None
        }
    } else {
        None
    };
    let lodging = lodging.unwrap_or_else(|| {
        lodge_without_kin(
            spec,
            cells,
            &model.world.housing,
            &model.world.shelter_capacity,
            mind,
            d,
        )
    });

    let members = hh.members[h];
    let persons = members.total();
    cells.households[d] += 1;
    cells.persons[d] += persons;
    cells.displaced_in[d] += 1;

    let school_age = members.school_age();
    let readmission = spec.school.readmission
        * if lodging == Lodging::Informal {
            spec.school.informal_factor
        } else {
            1.0
        };
    let school_resumed = (0..school_age)
        .filter(|_| draws.chance(readmission))
        .count() as u32;

    let household_first = mind.first_trigger == 0;
    if household_first {
        mind.first_trigger = request.trigger.code();
    }
    let old_status = mind.status;
    mind.lodging = lodging;
    mind.set(flags::REJECTED_HERE, host_rejected);
    mind.fear = 0.0;
    mind.displaced_since = model.tick.min(u32::from(u16::MAX)) as u16;
    mind.status = Status::Displaced;
    let mark = mind.mark;
    hh.cell[h] = dest;
    hh.moves[h] = hh.moves[h].saturating_add(1);
    let move_number = u32::from(hh.moves[h]);
    model.restate(old_status, Status::Displaced, persons);

    let world = &model.world;
    Episode {
        id: 0,
        tick: model.output_tick(),
        household: request.household,
        trigger: request.trigger,
        group: (request.group != NO_GROUP).then_some(request.group),
        whole_household: true,
        persons,
        persons_15_plus: members.aged_15_plus(),
        males_15_plus: members.males_15_plus(),
        school_age_children: school_age,
        school_resumed,
        move_number,
        origin_cell: from,
        origin_region: world.region[from as usize],
        destination_cell: Some(dest),
        destination_region: Some(world.region[d]),
        distance_km: world.distance_km(from, dest),
        lodging: Some(lodging),
        cross_border: false,
        event_families,
        host_rejected,
        household_first,
        mark,
        occupation: model.households.occupation[h],
        migrant: model.households.has(h, traits::MIGRANT),
    }
}

/// A rented dwelling if the household can pay and one is vacant, a shelter place if one is free
/// (shelters are the resort of those who cannot pay), otherwise an informal settlement. Books
/// the place taken.
pub fn lodge_without_kin(
    spec: &crate::scenario::ScenarioSpec,
    cells: &mut crate::world::CellState,
    housing: &[u32],
    shelter_capacity: &[u32],
    mind: &mut crate::households::Mind,
    d: usize,
) -> Lodging {
    if f64::from(mind.wealth) >= spec.flight.rent_months && cells.vacant_dwellings(housing, d) > 0 {
        mind.wealth -= spec.flight.rent_months as f32;
        cells.dwellings_used[d] += 1;
        Lodging::Rent
    } else if cells.shelter_used[d] < shelter_capacity[d] {
        cells.shelter_used[d] += 1;
        Lodging::Shelter
    } else {
        Lodging::Informal
    }
}

/// The household leaves the country through `crossing`.
fn exit(
    model: &mut Model,
    request: &FlightRequest,
    crossing: u32,
    event_families: u32,
    metrics: &mut TickMetrics,
) -> Episode {
    let h = request.household as usize;
    let from = model.households.cell[h];
    let e = &model.scenario.spec.exit;
    let price = e.smuggler_price_months;
    let (transit_violence, transit_trafficking) = (e.transit_violence, e.transit_trafficking);
    leave_cell(model, h, price);
    model.world.cells.exits[from as usize] += 1;
    if event_families >= MASS_EVENT_FAMILIES {
        model.world.cells.displaced_out_mass[from as usize] += 1;
    }
    let mut draws = Draws::new(model.scenario.seed(), Process::Exit, h as u64, model.tick);
    draws.unit(); // the draw that decided the exit
    if draws.chance(transit_violence) {
        metrics.transit_violence += 1;
    }
    if draws.chance(transit_trafficking) {
        let t = &model.scenario.spec.trafficking;
        let weights = crate::households::trafficking_multipliers(t.female_weight, t.child_weight);
        let members = model.households.members[h];
        super::trafficking::book_case(
            t,
            &mut metrics.trafficking,
            crate::metrics::TraffickingSetting::Transit,
            &members,
            &weights,
            None,
            &mut draws,
        );
    }
    let hh = &mut model.households;
    let mind = &mut hh.mind[h];
    let members = hh.members[h];
    let household_first = mind.first_trigger == 0;
    if household_first {
        mind.first_trigger = request.trigger.code();
    }
    let old_status = mind.status;
    mind.status = Status::Abroad;
    let mark = mind.mark;
    hh.moves[h] = hh.moves[h].saturating_add(1);
    let move_number = u32::from(hh.moves[h]);
    model.restate(old_status, Status::Abroad, members.total());
    let world = &model.world;
    Episode {
        id: 0,
        tick: model.output_tick(),
        household: request.household,
        trigger: request.trigger,
        group: (request.group != NO_GROUP).then_some(request.group),
        whole_household: true,
        persons: members.total(),
        persons_15_plus: members.aged_15_plus(),
        males_15_plus: members.males_15_plus(),
        school_age_children: 0,
        school_resumed: 0,
        move_number,
        origin_cell: from,
        origin_region: world.region[from as usize],
        destination_cell: None,
        destination_region: None,
        distance_km: world.distance_km(from, crossing),
        lodging: None,
        cross_border: true,
        event_families,
        host_rejected: false,
        household_first,
        mark,
        occupation: model.households.occupation[h],
        migrant: model.households.has(h, traits::MIGRANT),
    }
}

/// One child goes to kin in `kin`: a partial household move.
fn send_away(
    model: &mut Model,
    request: &FlightRequest,
    band: crate::households::AgeBand,
    sex: Sex,
    kin: u32,
    metrics: &mut TickMetrics,
) -> Episode {
    let h = request.household as usize;
    let spec = &model.scenario.spec;
    let mut draws = Draws::new(spec.simulation.seed, Process::Lodging, h as u64, model.tick);
    let school_resumed = u32::from(draws.chance(spec.school.sent_away_readmission));
    let hh = &mut model.households;
    let from = hh.cell[h];
    hh.members[h].remove(band, sex);
    let mind = &mut hh.mind[h];
    mind.away = mind.away.saturating_add(1);
    if band.ages().1 < 18 {
        mind.away_minors = mind.away_minors.saturating_add(1);
    }
    if sex == Sex::Female {
        mind.away_female = mind.away_female.saturating_add(1);
    }
    let household_first = mind.first_trigger == 0;
    if household_first {
        mind.first_trigger = request.trigger.code();
    }
    let from_state = PersonState::of_household(mind.status);
    let mark = mind.mark;
    let cells = &mut model.world.cells;
    cells.persons[from as usize] -= 1;
    cells.persons[kin as usize] += 1;
    cells.displaced_out[from as usize] += 1;
    cells.displaced_in[kin as usize] += 1;
    model.persons_by_state[from_state as usize] -= 1;
    model.persons_by_state[PersonState::SentAway as usize] += 1;
    metrics.displacements_partial += 1;

    let mut child = Members::default();
    child.add(band, sex);
    let world = &model.world;
    Episode {
        id: 0,
        tick: model.output_tick(),
        household: request.household,
        trigger: request.trigger,
        group: (request.group != NO_GROUP).then_some(request.group),
        whole_household: false,
        persons: 1,
        persons_15_plus: child.aged_15_plus(),
        males_15_plus: child.males_15_plus(),
        school_age_children: child.school_age(),
        school_resumed: school_resumed.min(child.school_age()),
        // The child's own move: a first move unless it already moved with its household.
        move_number: u32::from(model.households.moves[h]) + 1,
        origin_cell: from,
        origin_region: world.region[from as usize],
        destination_cell: Some(kin),
        destination_region: Some(world.region[kin as usize]),
        distance_km: world.distance_km(from, kin),
        lodging: Some(Lodging::Kin),
        cross_border: false,
        event_families: 1,
        host_rejected: false,
        household_first,
        mark,
        occupation: model.households.occupation[h],
        migrant: model.households.has(h, traits::MIGRANT),
    }
}

/// Per-tick counts of an episode.
fn book_episode(e: &Episode, metrics: &mut TickMetrics) {
    metrics.displacements_by_trigger[e.trigger as usize] += 1;
    if e.trigger.is_targeted() {
        metrics.displacements_targeted += 1;
    } else if e.trigger == Trigger::DiffuseInsecurity {
        metrics.displacements_preemptive += 1;
    }
    if e.move_number == 1 {
        metrics.displacements_first += 1;
    } else {
        metrics.displacements_repeat += 1;
    }
    if e.cross_border {
        metrics.displacements_cross_border += 1;
    }
    if e.event_families >= MASS_EVENT_FAMILIES {
        metrics.displacements_mass += 1;
    }
    metrics.displaced_persons += e.persons;
}
