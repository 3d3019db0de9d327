//! Phase 2: each household meets what its neighbourhood throws at it and decides.
//!
//! At most one targeted event reaches a household per tick, drawn from competing hazards: a
//! member's homicide, an extortion demand, a death threat, a recruitment attempt, sexual
//! violence, a house seizure, an order to leave for its profile, witnessing a killing, state
//! harassment, being found by a group that pursues it, or a mass expulsion order. Each event has
//! its answers (pay or default, comply or resist, report or keep silent, send a child away, hide,
//! flee). Without an event, diffuse fear builds up or fades, and displaced households may lose
//! their kin hosting, be pushed out of precarious lodging, be trafficked, or return home.
//!
//! Every household is handled independently from the state at the start of the phase; it changes
//! only its own [`Mind`] and [`Members`], and returns what must be booked in shared state (cell
//! events, flights, relodging, returns) for the serial phases that follow.

mod events;

use rayon::prelude::*;

use super::hazards::CellHazard;
use super::rest::{Resting, Stratum};
use super::{Model, NO_GROUP};
use crate::households::{
    AgeBand, Households, Lodging, Mark, Members, Mind, PersonState, Sex, Status, flags,
};
use crate::metrics::{
    RecruitmentPressure, TraffickingForm, TraffickingSetting, TraffickingTally, Trigger,
    time_displaced_band,
};
use crate::rng::{Draws, Process, StreamKey};
use crate::scenario::state::ProtectionRegime;
use crate::scenario::{Params, Sampling, ScenarioSpec};
use crate::world::{NO_CELL, World};

/// Households per parallel work item. Fixed, so results never depend on the thread count.
pub const CHUNK: usize = 1024;

/// What a flight moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlightKind {
    /// The whole household. Forced flights go whatever the cost (expulsion, seizure, pursuit).
    Whole { forced: bool },
    /// One child, sent to kin.
    SendAway { band: AgeBand, sex: Sex },
}

/// A household (or one of its children) that leaves this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlightRequest {
    pub household: u32,
    pub trigger: Trigger,
    /// The group it flees ([`NO_GROUP`] if none).
    pub group: u16,
    pub kind: FlightKind,
    /// Cell of the collective event it belongs to (an expulsion order, a collective demand or
    /// threat, a massacre), or [`NO_CELL`] for atomised flight.
    pub event_cell: u32,
}

/// A change to a cell's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellEvent {
    BusinessClosed,
    /// A member was killed (organised crime or background), leaving the cell's persons.
    Killed {
        organised: bool,
    },
    /// A child was taken by a group.
    Recruited,
    /// A dwelling was seized by a group.
    Seized,
    /// The last members of a household died: it no longer occupies the cell, and the business
    /// it ran there (if any) closes with it.
    HouseholdDied {
        lodging: Lodging,
        business: bool,
    },
    /// A youth was taken into detention, or released from it.
    Detained,
    Released,
    /// A household at home left the country for work: its persons, and whether it ran a
    /// business here.
    Emigrated {
        persons: u32,
        business: bool,
    },
}

/// Per-tick counts gathered in the decision phase.
#[derive(Debug, Default, Clone, Copy)]
pub struct DecisionCounts {
    pub demands: u32,
    pub payments: u32,
    pub defaults: u32,
    pub threats: u32,
    pub recruitment_attempts: u32,
    pub children_recruited: u32,
    /// Members under 18 killed.
    pub child_homicides: u32,
    pub sexual_violence: u32,
    pub seizures: u32,
    pub profile_orders: u32,
    pub witnesses: u32,
    pub reports: u32,
    pub report_leaks: u32,
    pub state_abuse: u32,
    pub pursuit_detections: u32,
    pub pursuit_attacks: u32,
    pub reprisals_on_reporters: u32,
    pub self_containment_starts: u32,
    pub first_hidings: u32,
    pub blocked: u32,
    pub trafficking_identified: u32,
    /// Trafficking cases and exposure by setting, time displaced, sex and form.
    pub trafficking: TraffickingTally,
    /// Recruitment attempts and youth-ticks where groups hold sway, local and displaced.
    pub recruitment_pressure: RecruitmentPressure,
    pub innocent_detentions: u32,
    pub assisted: u32,
    pub assisted_preemptive: u32,
    /// Households whose kin stopped hosting them and who moved on (the others relodge later).
    pub kin_hosting_moved_on: u32,
    /// Households that emigrated for work, without and with children under 15.
    pub labour_emigrants: [u32; 2],
}

/// Decisions of one chunk of households, in household order.
#[derive(Debug, Default)]
pub struct ChunkDecisions {
    pub flights: Vec<FlightRequest>,
    pub cell_events: Vec<(u32, CellEvent)>,
    /// Households whose kin stopped hosting them (they find other lodging where they are).
    pub relodge: Vec<u32>,
    /// Households that want to return home.
    pub returns: Vec<u32>,
    pub counts: DecisionCounts,
    /// Change in households by status and persons by state.
    pub households_delta: [i64; Status::ALL.len()],
    pub persons_delta: [i64; PersonState::ALL.len()],
    /// Displaced households eligible for protection, by region (sized on first use).
    pub eligible: Vec<u64>,
    /// Unassisted displaced households where external aid is offered, by region.
    pub in_need: Vec<u64>,
    /// Events this tick (targeted events met, job losses, departures for fear or a lost income,
    /// emigration for work): what the tick's cost should follow. Measured, not a model output.
    pub events: u32,
    /// Under `sampling = "events"`: the block's households that are not at rest after this
    /// phase, in increasing order.
    pub active: Vec<u32>,
}

impl ChunkDecisions {
    fn move_household(&mut self, from: Status, to: Status, persons: u32) {
        self.households_delta[from as usize] -= 1;
        self.households_delta[to as usize] += 1;
        self.persons_delta[PersonState::of_household(from) as usize] -= i64::from(persons);
        self.persons_delta[PersonState::of_household(to) as usize] += i64::from(persons);
    }

    fn move_person(&mut self, from: PersonState, to: PersonState) {
        self.persons_delta[from as usize] -= 1;
        self.persons_delta[to as usize] += 1;
    }
}

/// The competing targeted events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    OrganisedHomicide,
    BackgroundHomicide,
    Extortion,
    Threat,
    Recruitment,
    SexualViolence,
    Seizure,
    Profile,
    Witness,
    StateAbuse,
    Pursuit,
    MassOrder,
    Collective,
    InnocentArrest,
    Trafficking,
}

/// Read-only context of the decision phase.
struct Context<'a> {
    spec: &'a ScenarioSpec,
    params: &'a Params,
    world: &'a World,
    groups: &'a [crate::actors::Group],
    hazards: &'a [CellHazard],
    cell: &'a [u32],
    origin: &'a [u32],
    kin_cell: &'a [u32],
    occupation: &'a [crate::scenario::Occupation],
    trait_bits: &'a [u8],
    tick: u32,
    occupation_weight: [f64; 10],
    threshold_floor: f32,
    policies: &'a [super::policy::RegionPolicy],
    /// Probability that an eligible displaced household is assisted this tick, by region.
    assist_probability: Vec<f64>,
    /// Probability that an unassisted displaced household is reached by external aid, by region.
    aid_probability: Vec<f64>,
    /// Per-tick probability that a detained youth is released.
    release_probability: f64,
    /// Per-tick probability that a resident household without children under 15 emigrates
    /// for work, by region (border openness included).
    labour_probability: Vec<f64>,
    /// Homicide and recruitment weight of one person of each band and sex.
    homicide_multipliers: [f64; 14],
    recruitment_multipliers: [f64; 14],
    /// Weight of one person of each band and sex of being the member trafficked.
    trafficking_multipliers: [f64; 14],
    /// Under `sampling = "events"`: the probability with which a region's households at rest
    /// are picked for emigration for work (at least any one's), and its hazard.
    labour_pick_probability: Vec<f64>,
    labour_pick_hazard: Vec<f64>,
    /// Upper bounds of an unmarked household's total event hazard, by cell.
    event_bounds: Vec<EventBound>,
    /// Households at rest: the neighbourhoods' households by stratum, and powers of the decays
    /// (`sampling = "events"`).
    rest: RestIndex<'a>,
    sampling: Sampling,
    streams: Streams,
}

/// The keys of the household streams this tick.
struct Streams {
    events: StreamKey,
    release: StreamKey,
    /// Each household's fear threshold is drawn once for the whole run (tick 0).
    fear_threshold: StreamKey,
    /// Which households at rest are picked, by run of neighbours (`sampling = "events"`).
    resting: StreamKey,
}

/// What the decision phase reads of [`Resting`].
struct RestIndex<'a> {
    origin_start: &'a [u32],
    order: &'a [u32],
    strata_start: &'a [u32],
    strata: &'a [Stratum],
    totals: &'a [crate::step::rest::StrataTotals],
    fear_decay: &'a [f64],
    strain_decay: &'a [f64],
}

/// The largest weights any household can bring to each hazard, the same for every cell.
#[derive(Clone, Copy)]
struct BoundWeights {
    exposure: f64,
    homicide: f64,
    recruitment: f64,
    threat: f64,
    background: f64,
}

/// An upper bound of the total event hazard of an unmarked household in one cell: `per_person`
/// times its members, plus `extortion` times its extortion weight, plus `fixed`. Each term
/// bounds one event's hazard by its largest weight (members of the riskiest band and sex, full
/// exposure). A marked household adds `pursuit`, the most a group that marked it can bring.
#[derive(Debug, Clone, Copy, Default)]
struct EventBound {
    per_person: f64,
    extortion: f64,
    fixed: f64,
    pursuit: f64,
}

impl EventBound {
    /// The bounds of every cell this tick.
    fn all(ctx: &Context<'_>, hazards: &[CellHazard]) -> Vec<EventBound> {
        let spec = ctx.spec;
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        let weights = BoundWeights {
            exposure: spec.self_containment.exposure.max(1.0),
            homicide: max(&ctx.homicide_multipliers),
            recruitment: max(&ctx.recruitment_multipliers)
                * spec.recruitment.newcomer_factor.max(1.0),
            threat: spec.threats.marked_multiplier.max(1.0),
            background: ctx.params.background_hazard,
        };
        let likeliest = max(&ctx.params.detection_hazard);
        hazards
            .iter()
            .enumerate()
            .map(|(c, hz)| {
                let leaks = ctx.policy(c as u32).state.leak_probability;
                EventBound::new(
                    &weights,
                    hz,
                    most_detection(&spec.pursuit, likeliest, leaks),
                )
            })
            .collect()
    }

    fn new(w: &BoundWeights, hz: &CellHazard, pursuit: f64) -> EventBound {
        let BoundWeights {
            exposure,
            homicide,
            recruitment,
            threat,
            background,
        } = *w;
        let f = f64::from;
        EventBound {
            per_person: (f(hz.organised_homicide) * homicide
                + f(hz.recruitment) * recruitment
                + f(hz.sexual_violence)
                + f(hz.state_abuse)
                + f(hz.innocent_arrest)
                + f(hz.trafficking_home))
                * exposure
                + background * homicide,
            extortion: f(hz.extortion) * exposure,
            fixed: (f(hz.threat) * threat + f(hz.profile) + f(hz.witness)) * exposure
                + f(hz.seizure)
                + f(hz.mass_order)
                + f(hz.collective),
            pursuit,
        }
    }

    /// The bound for an unmarked household of `persons` members and extortion weight `weight`.
    fn bound(&self, persons: u32, weight: f64) -> f64 {
        self.bound_with(persons, weight, 0.0)
    }

    /// The bound for household state `m`: a marked household adds its pursuer's at its most.
    fn bound_for(&self, m: &Mind, persons: u32, weight: f64) -> f64 {
        let pursuit = if m.mark == Mark::None {
            0.0
        } else {
            self.pursuit
        };
        self.bound_with(persons, weight, pursuit)
    }

    /// The slack covers rounding, since the exact total adds its products in another order.
    fn bound_with(&self, persons: u32, weight: f64, pursuit: f64) -> f64 {
        (self.per_person * f64::from(persons) + self.extortion * weight + self.fixed + pursuit)
            * (1.0 + 1e-9)
    }
}

impl Context<'_> {
    /// The state as it applies in cell `c`.
    fn policy(&self, c: u32) -> &super::policy::RegionPolicy {
        &self.policies[self.world.region[c as usize] as usize]
    }
}

/// Decides for every household, in parallel over fixed chunks of households (`every_household`)
/// or of neighbourhoods (`events`, [`super::rest`]).
pub fn step(model: &mut Model) -> Vec<ChunkDecisions> {
    let Model {
        scenario,
        world,
        groups,
        households,
        hazards,
        tick,
        policies,
        eligible_for_assistance,
        in_need_of_aid,
        resting,
        ..
    } = model;
    let assist_probability = share_out(policies, eligible_for_assistance, |p| p.assist_per_tick);
    let aid_probability = share_out(policies, in_need_of_aid, |p| p.aid_per_tick);
    let Households {
        mind,
        members,
        cell,
        origin,
        kin_cell,
        occupation,
        traits: trait_bits,
        ..
    } = households;
    let Resting {
        origin_start,
        order,
        strata_start,
        strata,
        cells: rest_cells,
        active,
        fear_decay,
        strain_decay,
        totals,
    } = resting;
    let spec = &scenario.spec;
    let fear = &spec.fear;
    let mut ctx = Context {
        spec,
        params: &scenario.params,
        world,
        groups,
        hazards,
        cell,
        origin,
        kin_cell,
        occupation,
        trait_bits,
        tick: *tick,
        occupation_weight: spec.extortion.occupation_weight.as_array(),
        threshold_floor: (fear.threshold_weeks * (1.0 - fear.threshold_spread)) as f32,
        policies,
        assist_probability,
        aid_probability,
        release_probability: 1.0
            - libm::exp(-scenario.params.dt_weeks / spec.state.crackdown.release_weeks),
        labour_probability: policies
            .iter()
            .map(|p| {
                -libm::expm1(-scenario.params.labour_emigration_hazard) * p.state.border_openness
            })
            .collect(),
        homicide_multipliers: crate::households::homicide_multipliers(&spec.homicide),
        recruitment_multipliers: crate::households::recruitment_multipliers(
            spec.recruitment.min_age,
            spec.recruitment.girl_weight,
        ),
        trafficking_multipliers: crate::households::trafficking_multipliers(
            spec.trafficking.female_weight,
            spec.trafficking.child_weight,
        ),
        labour_pick_probability: Vec::new(),
        labour_pick_hazard: Vec::new(),
        event_bounds: Vec::new(),
        rest: RestIndex {
            origin_start,
            order,
            strata_start,
            strata,
            totals,
            fear_decay,
            strain_decay,
        },
        sampling: spec.simulation.sampling,
        streams: Streams {
            events: StreamKey::new(spec.simulation.seed, Process::HouseholdEvents, *tick),
            release: StreamKey::new(spec.simulation.seed, Process::Release, *tick),
            fear_threshold: StreamKey::new(spec.simulation.seed, Process::FearThreshold, 0),
            resting: StreamKey::new(spec.simulation.seed, Process::RestingCandidates, *tick),
        },
    };
    ctx.event_bounds = EventBound::all(&ctx, hazards);
    let family = spec.exit.labour_family_factor.max(1.0);
    ctx.labour_pick_probability = ctx
        .labour_probability
        .iter()
        .map(|p| (p * family).min(1.0))
        .collect();
    ctx.labour_pick_hazard = ctx
        .labour_pick_probability
        .iter()
        .map(|&p| -libm::log1p(-p.min(1.0 - 1e-12)))
        .collect();
    let ctx = ctx;
    match ctx.sampling {
        Sampling::EveryHousehold => mind
            .par_chunks_mut(CHUNK)
            .zip(members.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(chunk, (minds, members))| {
                let mut out = ChunkDecisions::default();
                for (i, (mind, members)) in minds.iter_mut().zip(members.iter_mut()).enumerate() {
                    decide_household(&ctx, chunk * CHUNK + i, mind, members, &mut out, Mode::Full);
                }
                out
            })
            .collect(),
        Sampling::Events => {
            let blocks = events::Block::split(&ctx, mind, members, rest_cells, active);
            let decisions: Vec<ChunkDecisions> = blocks
                .into_par_iter()
                .map(|block| events::decide_block(&ctx, block))
                .collect();
            active.clear();
            for d in &decisions {
                active.extend_from_slice(&d.active);
            }
            decisions
        }
    }
}

/// A household's own fear threshold, drawn once for the whole run.
fn fear_threshold(ctx: &Context<'_>, h: usize) -> f64 {
    let fear = &ctx.spec.fear;
    let spread = ctx.streams.fear_threshold.draws(h as u64).unit() * 2.0 - 1.0;
    fear.threshold_weeks * (1.0 + fear.threshold_spread * spread)
}

/// This tick's fear: the last tick's faded, plus the cell's fear drive (more for households with
/// children), never below zero.
fn faded_fear(ctx: &Context<'_>, fear: f32, drive: f32, children: u32) -> f32 {
    let sensitivity = if children > 0 {
        ctx.spec.fear.children_sensitivity as f32
    } else {
        1.0
    };
    (fear * ctx.params.fear_decay as f32 + drive * sensitivity).max(0.0)
}

/// Past payments weigh less each tick; under `sampling = "events"` a strain below
/// [`STRAIN_FLOOR`] is forgotten.
fn fade_strain(ctx: &Context<'_>, m: &mut Mind) {
    m.strain *= ctx.params.strain_decay as f32;
    if ctx.sampling == Sampling::Events && m.strain < STRAIN_FLOOR {
        m.strain = 0.0;
    }
}

/// How a household is looked at this tick.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Every process draws from the household's own streams.
    Full,
    /// A household at rest, picked in its neighbourhood for what may happen to it (its exposure
    /// was counted with the neighbourhood's).
    Resting(Picked),
}

/// What a household at rest was picked for.
#[derive(Debug, Clone, Copy, Default)]
struct Picked {
    /// Picked for a possible event, with this event draw: uniform below the probability with
    /// which it was picked, which bounds its probability of any event.
    event_draw: Option<f64>,
    /// It lost its income to a closure in its neighbourhood.
    job_loss: bool,
    /// Picked for emigration for work with this probability, at least its own.
    labour: Option<f64>,
}

/// Strain below this many months of income is forgotten under `sampling = "events"`, so that a
/// household that paid long ago can come to rest.
const STRAIN_FLOOR: f32 = 1e-3;

fn decide_household(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &mut Members,
    out: &mut ChunkDecisions,
    mode: Mode,
) {
    if !m.status.is_present() {
        return;
    }
    let spec = ctx.spec;
    let params = ctx.params;
    let c = ctx.cell[h];
    let hz = &ctx.hazards[c as usize];
    let claims = ctx.world.claims_of(c);
    let children = members.children_8_to_17();
    if matches!(mode, Mode::Full) {
        if m.lodging == Lodging::Home {
            out.counts.trafficking.person_ticks[TraffickingSetting::Home as usize] +=
                u64::from(members.total());
        }
        if !claims.is_empty()
            && let Some(i) = pressure_class(m)
        {
            out.counts.recruitment_pressure.youth_ticks[i] += u64::from(children);
        }
    }

    // A hiding spell ends.
    if m.status == Status::SelfContained && ctx.tick >= u32::from(m.hide_until) {
        let back = if m.lodging == Lodging::Home {
            Status::Resident
        } else {
            Status::Displaced
        };
        out.move_household(Status::SelfContained, back, members.total());
        m.status = back;
    }
    // Detained youths come home.
    if m.detained > 0 {
        let state = PersonState::of_household(m.status);
        let mut draws = ctx.streams.release.draws(h as u64);
        for _ in 0..m.detained {
            if draws.chance(ctx.release_probability) {
                m.detained -= 1;
                members.add(AgeBand::Age18To29, Sex::Male);
                out.move_person(PersonState::Detained, state);
                out.cell_events.push((c, CellEvent::Released));
            }
        }
    }
    let hidden = m.status == Status::SelfContained;
    if hidden {
        m.wealth = (f64::from(m.wealth) - params.hide_cost).max(0.0) as f32;
    }

    // Memory fades: past payments and fear (a household at rest faded as it came to rest).
    if matches!(mode, Mode::Full) {
        fade_strain(ctx, m);
        m.fear = faded_fear(ctx, m.fear, hz.fear_drive, children);
    }

    // Competing targeted events.
    let exposure = if hidden {
        spec.self_containment.exposure
    } else {
        1.0
    };
    let mut draws = ctx.streams.events.draws(h as u64);
    let mut u = draws.unit();
    // Most households meet no event in a tick. A draw at or above a cheap upper bound of their
    // total hazard (which bounds the probability of any event) settles that without computing
    // each hazard (nor, for a marked household, whether its pursuer reaches it). Either path
    // gives the same outcome from the same draw.
    let facing = Facing {
        cell: c,
        hazard: hz,
        claims,
        exposure,
        extortion_weight: extortion_weight(ctx, h, m),
    };
    let may_meet_event = match mode {
        Mode::Full => {
            u < ctx.event_bounds[c as usize].bound_for(m, members.total(), facing.extortion_weight)
        }
        // Picked with a draw uniform below the probability it was picked with.
        Mode::Resting(Picked {
            event_draw: Some(picked),
            ..
        }) => {
            u = picked;
            u < ctx.event_bounds[c as usize].bound(members.total(), facing.extortion_weight)
        }
        Mode::Resting(_) => false,
    };
    if may_meet_event && targeted_event(ctx, h, m, members, &facing, u, &mut draws, out) {
        out.events += 1;
        return;
    }

    // No targeted event: diffuse fear, then what happens to the displaced.
    if m.fear >= ctx.threshold_floor && f64::from(m.fear) >= fear_threshold(ctx, h) {
        out.events += 1;
        flee_insecurity(ctx, h, m, members, claims, &mut draws, out);
        return;
    }
    let (job_loss, labour) = match mode {
        Mode::Full => (None, Labour::Draw(u)),
        Mode::Resting(p) => (
            Some(p.job_loss),
            p.labour.map_or(Labour::NotPicked, Labour::Picked),
        ),
    };
    if livelihood(ctx, h, m, members, &facing, job_loss, &mut draws, out) {
        out.events += 1;
        return;
    }
    if labour_emigration(ctx, c, m, members, labour, &mut draws, out) {
        out.events += 1;
        return;
    }
    after_displacement(ctx, h, m, members, c, claims, &mut draws, out);
}

/// How a household comes to emigrate for work this tick.
#[derive(Debug, Clone, Copy)]
enum Labour {
    /// By the top of its event draw.
    Draw(f64),
    /// At rest, picked with this probability (at least its own): it goes with its own over it.
    Picked(f64),
    /// At rest and not picked.
    NotPicked,
}

/// A household at home emigrates for work, not violence, if it can pay the smuggler. In full it
/// uses the top of the event draw `u` (the events use its bottom, below their total hazard), so
/// most households need no draw of their own; where a cell's hazards are so high that the two
/// ranges overlap, a household that met no event there emigrates slightly more often.
fn labour_emigration(
    ctx: &Context<'_>,
    c: u32,
    m: &mut Mind,
    members: &Members,
    labour: Labour,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) -> bool {
    if m.status != Status::Resident || m.lodging != Lodging::Home {
        return false;
    }
    let with_children = members.total() > members.aged_15_plus();
    let mut p = ctx.labour_probability[ctx.world.region[c as usize] as usize];
    if with_children {
        p *= ctx.spec.exit.labour_family_factor;
    }
    let price = ctx.spec.exit.smuggler_price_months;
    let goes = match labour {
        Labour::Draw(u) => u >= 1.0 - p,
        Labour::Picked(picked) => draws.unit() * picked < p,
        Labour::NotPicked => false,
    };
    if !goes || f64::from(m.wealth) < price {
        return false;
    }
    let persons = members.total();
    let business = m.has(flags::BUSINESS_OPEN);
    m.set(flags::BUSINESS_OPEN, false);
    m.wealth = (f64::from(m.wealth) - price).max(0.0) as f32;
    out.move_household(Status::Resident, Status::Abroad, persons);
    m.status = Status::Abroad;
    out.cell_events
        .push((c, CellEvent::Emigrated { persons, business }));
    out.counts.labour_emigrants[usize::from(with_children)] += 1;
    true
}

/// Which youths a recruitment attempt counts for in [`RecruitmentPressure`]: 0 for local youths
/// (at home), 1 for those of displaced households; households hiding count for neither.
fn pressure_class(m: &Mind) -> Option<usize> {
    match m.status {
        Status::Resident => Some(0),
        Status::Displaced => Some(1),
        _ => None,
    }
}

/// Adds this tick's person-ticks exposed to trafficking where its hazards are drawn: members
/// sent to kin, and a displaced household's members (by lodging and time displaced). Persons at
/// home are counted where their competing events are drawn.
fn count_trafficking_exposure(
    ctx: &Context<'_>,
    m: &Mind,
    members: &Members,
    tally: &mut TraffickingTally,
) {
    let minors = u64::from(m.away_minors);
    tally.person_ticks[TraffickingSetting::Unaccompanied as usize] += minors;
    tally.person_ticks[TraffickingSetting::Kin as usize] += u64::from(m.away) - minors;
    if m.status == Status::Displaced {
        let persons = u64::from(members.total());
        tally.person_ticks[TraffickingSetting::of_lodging(m.lodging) as usize] += persons;
        tally.person_ticks_by_time[weeks_band(ctx, m)] += persons;
    }
}

/// A household at home that lost its income to a closure (its own business, or the one that
/// employed or bought from it) lives on its savings until it finds a new income; when they fall
/// to `livelihood.reserve_months` it leaves while it can still pay the move, or stays on and gets
/// by. Returns whether it asked to leave. A household that left the neighbourhood left that
/// income behind.
/// `job_loss` says whether a household at rest lost its income this tick (it was drawn with its
/// neighbourhood's); `None` draws it here.
#[allow(clippy::too_many_arguments)]
fn livelihood(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    facing: &Facing<'_>,
    job_loss: Option<bool>,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) -> bool {
    const LIVELIHOOD: u16 = flags::WITHOUT_INCOME | flags::OWN_BUSINESS_CLOSED;
    match m.status {
        Status::Resident => {}
        Status::SelfContained => return false,
        _ => {
            m.set(LIVELIHOOD, false);
            return false;
        }
    }
    if !m.has(flags::WITHOUT_INCOME) {
        let lost = job_loss.unwrap_or_else(|| {
            let hazard = f64::from(facing.hazard.job_loss);
            hazard > 0.0 && draws.chance(hazard)
        });
        if !lost {
            return false;
        }
        out.events += 1;
        m.set(flags::WITHOUT_INCOME, true);
    }
    if draws.chance(ctx.params.reemployment_probability) {
        m.set(LIVELIHOOD, false);
        return false;
    }
    m.wealth = (f64::from(m.wealth) - ctx.params.savings_spent).max(0.0) as f32;
    let l = &ctx.spec.livelihood;
    if f64::from(m.wealth) > l.reserve_months {
        return false;
    }
    // The owner of the closed business was forced out by extortion; its workers and suppliers
    // by the loss of their living.
    let trigger = if m.has(flags::OWN_BUSINESS_CLOSED) {
        Trigger::Extortion
    } else {
        Trigger::LivelihoodLoss
    };
    m.set(LIVELIHOOD, false);
    if !draws.chance(l.leave_share) {
        return false;
    }
    let group = if trigger == Trigger::Extortion && m.mark != Mark::None {
        m.marked_by
    } else {
        facing.claims.first().copied().unwrap_or(NO_GROUP)
    };
    flee(ctx, h, m, members, trigger, group, false, draws, out);
    true
}

/// What one household faces where it is this tick.
#[derive(Clone, Copy)]
struct Facing<'a> {
    cell: u32,
    hazard: &'a CellHazard,
    /// Groups claiming the cell.
    claims: &'a [u16],
    /// 1, or less while the household hides.
    exposure: f64,
    extortion_weight: f64,
}

/// The competing targeted events of one household this tick, drawn from `u` (the first draw of
/// its event stream): if one occurs, the household responds to it and this returns true.
#[allow(clippy::too_many_arguments)]
fn targeted_event(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &mut Members,
    facing: &Facing<'_>,
    u: f64,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) -> bool {
    let spec = ctx.spec;
    let params = ctx.params;
    let hidden = m.status == Status::SelfContained;
    let Facing {
        cell: c,
        hazard: hz,
        claims,
        exposure,
        extortion_weight: weight,
    } = *facing;
    let homicide_weights = members.weighted(&ctx.homicide_multipliers);
    let homicide_weight: f64 = homicide_weights.iter().sum();
    let recruit_weights = members.weighted(&ctx.recruitment_multipliers);
    let recruit_weight: f64 = recruit_weights.iter().sum();
    let marked_here = m.mark != Mark::None && claims.contains(&m.marked_by);
    let pursuer = pursuer(ctx, m, c, claims);

    let targeted_profile = is_targeted_profile(ctx, h);
    let rates = [
        (
            Event::OrganisedHomicide,
            f64::from(hz.organised_homicide) * homicide_weight * exposure,
        ),
        (
            Event::BackgroundHomicide,
            params.background_hazard * homicide_weight,
        ),
        (
            Event::Extortion,
            f64::from(hz.extortion) * weight * exposure,
        ),
        (
            Event::Threat,
            f64::from(hz.threat)
                * if marked_here {
                    spec.threats.marked_multiplier
                } else {
                    1.0
                }
                * exposure,
        ),
        (
            Event::Recruitment,
            f64::from(hz.recruitment)
                * recruit_weight
                * exposure
                * if m.status == Status::Displaced {
                    spec.recruitment.newcomer_factor
                } else {
                    1.0
                },
        ),
        (
            Event::SexualViolence,
            f64::from(hz.sexual_violence) * f64::from(members.females_at_risk()) * exposure,
        ),
        (
            Event::Seizure,
            if m.lodging.uses_dwelling() {
                f64::from(hz.seizure)
            } else {
                0.0
            },
        ),
        (
            Event::Profile,
            if targeted_profile {
                f64::from(hz.profile) * exposure
            } else {
                0.0
            },
        ),
        (Event::Witness, f64::from(hz.witness) * exposure),
        (
            Event::StateAbuse,
            f64::from(hz.state_abuse) * f64::from(members.young_males()) * exposure,
        ),
        (Event::Pursuit, pursuer.map_or(0.0, |(_, x)| x)),
        (
            Event::MassOrder,
            if hidden {
                0.0
            } else {
                f64::from(hz.mass_order)
            },
        ),
        (
            Event::Collective,
            if hidden {
                0.0
            } else {
                f64::from(hz.collective)
            },
        ),
        (
            Event::InnocentArrest,
            f64::from(hz.innocent_arrest) * f64::from(members.young_males()) * exposure,
        ),
        (
            Event::Trafficking,
            if m.lodging == Lodging::Home {
                f64::from(hz.trafficking_home) * f64::from(members.total()) * exposure
            } else {
                0.0
            },
        ),
    ];
    let total: f64 = rates.iter().map(|(_, x)| x).sum();
    debug_assert!(
        total <= ctx.event_bounds[c as usize].bound_for(m, members.total(), weight),
        "the event bound holds"
    );

    // P(any event) = 1 - exp(-total) <= total: a draw at or above `total` meets no event, and
    // most households' draws are, so the exponential is mostly skipped (same outcome either way).
    let p_any = if total > 0.0 && u < total {
        -libm::expm1(-total)
    } else {
        0.0
    };
    if u < p_any {
        let mut target = u / p_any * total;
        let mut event = rates[0].0;
        for &(e, x) in &rates {
            if x <= 0.0 {
                continue;
            }
            event = e;
            if target < x {
                break;
            }
            target -= x;
        }
        let actor = match claims {
            [] => NO_GROUP,
            [g] => *g,
            _ => claims[(draws.unit() * claims.len() as f64) as usize],
        };
        respond(
            ctx,
            h,
            m,
            members,
            event,
            actor,
            pursuer,
            &homicide_weights,
            &recruit_weights,
            draws,
            out,
        );
        return true;
    }
    false
}

/// How strongly groups single out this household for extortion demands.
fn extortion_weight(ctx: &Context<'_>, h: usize, m: &Mind) -> f64 {
    super::rest::extortion_weight(
        ctx.spec,
        ctx.occupation_weight[ctx.occupation[h].index()],
        m.has(flags::BUSINESS_OPEN),
        ctx.trait_bits[h],
    )
}

/// The group pursuing this household here, with its detection hazard: a group that marked the
/// household, does not hold its current cell, but reaches it.
fn pursuer(ctx: &Context<'_>, m: &Mind, c: u32, claims: &[u16]) -> Option<(u16, f64)> {
    if m.mark == Mark::None || claims.contains(&m.marked_by) {
        return None;
    }
    let group = ctx.groups.get(m.marked_by as usize)?;
    if !group.reaches(ctx.world, c) {
        return None;
    }
    let policy = ctx.policy(c);
    let x = detection(
        &ctx.spec.pursuit,
        ctx.params.detection_hazard[m.mark as usize],
        m.lodging == Lodging::Kin,
        policy.state.leak_probability,
        m.status == Status::SelfContained,
        m.has(flags::RELOCATED)
            .then_some(policy.state.protection.relocation_protection),
    );
    Some((m.marked_by, x))
}

/// The hazard that a group pursuing a household finds it: its mark's `base` detection hazard,
/// more while it is lodged with kin and where the state leaks, less while it hides or under a
/// relocation programme's protection.
fn detection(
    p: &crate::scenario::PursuitSpec,
    base: f64,
    with_kin: bool,
    leak_probability: f64,
    hiding: bool,
    relocation_protection: Option<f64>,
) -> f64 {
    let mut x = base;
    if with_kin {
        x *= 1.0 + p.kin_visibility;
    }
    x *= 1.0 + p.leak_factor * leak_probability;
    if hiding {
        x *= 1.0 - p.clandestinity;
    }
    if let Some(protection) = relocation_protection {
        x *= 1.0 - protection;
    }
    x
}

/// The most [`detection`] can be where the state leaks with `leak_probability`, for marks whose
/// largest detection hazard is `likeliest`: with kin, neither hiding nor relocated (which only
/// lower it, their shares being at most 1).
fn most_detection(p: &crate::scenario::PursuitSpec, likeliest: f64, leak_probability: f64) -> f64 {
    detection(p, likeliest, true, leak_probability, false, None)
}

fn is_targeted_profile(ctx: &Context<'_>, h: usize) -> bool {
    crate::households::targeted_profile(ctx.trait_bits[h], ctx.occupation[h])
}

#[allow(clippy::too_many_arguments)]
fn respond(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &mut Members,
    event: Event,
    actor: u16,
    pursuer: Option<(u16, f64)>,
    homicide_weights: &[f64; 14],
    recruit_weights: &[f64; 14],
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let spec = ctx.spec;
    let c = ctx.cell[h];
    match event {
        Event::OrganisedHomicide | Event::BackgroundHomicide => {
            let organised = event == Event::OrganisedHomicide;
            kill_member(
                m,
                members,
                homicide_weights,
                draws.unit(),
                c,
                organised,
                out,
            );
            if organised && m.status.is_present() {
                m.mark_by(Mark::Witness, actor);
                if draws.chance(spec.responses.flee_on_homicide) {
                    flee(
                        ctx,
                        h,
                        m,
                        members,
                        Trigger::Homicide,
                        actor,
                        false,
                        draws,
                        out,
                    );
                }
            }
        }
        Event::Extortion => extortion(ctx, h, m, members, actor, draws, out),
        Event::Threat => {
            out.counts.threats += 1;
            if m.has(flags::REPORTED) {
                out.counts.reprisals_on_reporters += 1;
            }
            if draws.chance(spec.threats.flee_on_threat) {
                flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::ThreatInformant,
                    actor,
                    false,
                    draws,
                    out,
                );
            } else {
                m.mark_by(Mark::Witness, actor);
            }
        }
        Event::Recruitment => recruitment(ctx, h, m, members, actor, recruit_weights, draws, out),
        Event::SexualViolence => {
            out.counts.sexual_violence += 1;
            if draws.chance(spec.responses.flee_on_sexual_violence) {
                let victim = Members::pick(&members.female_weights(), draws.unit());
                send_or_flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::SexualViolence,
                    actor,
                    victim,
                    draws,
                    out,
                );
            }
        }
        Event::Seizure => {
            out.counts.seizures += 1;
            if draws.chance(spec.responses.flee_on_seizure) {
                out.cell_events.push((c, CellEvent::Seized));
                if m.lodging == Lodging::Home {
                    m.set(flags::HOUSE_SEIZED, true);
                }
                flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::PropertySeizure,
                    actor,
                    true,
                    draws,
                    out,
                );
            } else {
                // Staying on as resistance.
                m.mark_by(Mark::Resister, actor);
            }
        }
        Event::Profile => {
            out.counts.profile_orders += 1;
            if draws.chance(spec.responses.flee_on_profile) {
                flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::TargetedProfile,
                    actor,
                    true,
                    draws,
                    out,
                );
            } else {
                m.mark_by(Mark::Resister, actor);
            }
        }
        Event::Witness => witness(ctx, h, m, members, actor, draws, out),
        Event::StateAbuse => {
            out.counts.state_abuse += 1;
            if draws.chance(spec.responses.flee_on_state_abuse) {
                let youth = Members::pick(&members.young_male_weights(), draws.unit());
                send_or_flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::StateAbuse,
                    NO_GROUP,
                    youth,
                    draws,
                    out,
                );
            }
        }
        Event::Pursuit => {
            let group = pursuer.map_or(m.marked_by, |(g, _)| g);
            out.counts.pursuit_detections += 1;
            out.counts.pursuit_attacks += 1;
            if m.has(flags::REPORTED) {
                out.counts.reprisals_on_reporters += 1;
            }
            if draws.chance(spec.pursuit.attack_lethality) {
                kill_member(m, members, homicide_weights, draws.unit(), c, true, out);
            }
            if m.status.is_present() {
                let trigger =
                    Trigger::from_code(m.first_trigger).unwrap_or(Trigger::ThreatInformant);
                flee(ctx, h, m, members, trigger, group, true, draws, out);
            }
        }
        Event::InnocentArrest => {
            // A young man taken by state forces, though innocent; his family may flee the state.
            if let Some((band, sex)) = Members::pick(&members.young_male_weights(), draws.unit()) {
                members.remove(band, sex);
                m.detained = m.detained.saturating_add(1);
                out.move_person(PersonState::of_household(m.status), PersonState::Detained);
                out.cell_events.push((c, CellEvent::Detained));
                out.counts.innocent_detentions += 1;
                if draws.chance(spec.responses.flee_on_state_abuse) {
                    flee(
                        ctx,
                        h,
                        m,
                        members,
                        Trigger::StateAbuse,
                        NO_GROUP,
                        false,
                        draws,
                        out,
                    );
                }
            }
        }
        Event::Collective => {
            // The threat is to the whole block, not to one member: the family leaves with its
            // neighbours (one event) if it can pay the move, and otherwise hides or stays.
            let trigger = Trigger::from_code(ctx.hazards[c as usize].collective_trigger)
                .unwrap_or(Trigger::DiffuseInsecurity);
            match trigger {
                Trigger::ThreatInformant => out.counts.threats += 1,
                Trigger::Extortion => out.counts.demands += 1,
                _ => {}
            }
            if m.status.is_present() && can_leave(ctx, h, m, members, draws, out) {
                out.flights.push(FlightRequest {
                    household: h as u32,
                    trigger,
                    group: actor,
                    kind: FlightKind::Whole { forced: false },
                    event_cell: c,
                });
            }
        }
        Event::Trafficking => {
            // At home under a group's sway: no screening reaches those who never left.
            super::trafficking::book_case(
                &spec.trafficking,
                &mut out.counts.trafficking,
                TraffickingSetting::Home,
                members,
                &ctx.trafficking_multipliers,
                None,
                draws,
            );
        }
        Event::MassOrder => {
            // Some of those ordered out are held as 'suspect': the group marks them as traitors.
            if draws.chance(spec.mass.suspect_share) {
                m.mark_by(Mark::Traitor, actor);
            }
            let request = FlightRequest {
                household: h as u32,
                trigger: Trigger::MassExpulsion,
                group: actor,
                kind: FlightKind::Whole { forced: true },
                event_cell: c,
            };
            out.flights.push(request);
        }
    }
}

fn extortion(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    group: u16,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let spec = ctx.spec;
    out.counts.demands += 1;
    if draws.chance(spec.extortion.flee_on_demand) && can_afford_flight(ctx, h, m) {
        flee(
            ctx,
            h,
            m,
            members,
            Trigger::Extortion,
            group,
            false,
            draws,
            out,
        );
        return;
    }
    let level = ctx.groups.get(group as usize).map_or(0.0, |g| {
        spec.groups[g.type_index as usize]
            .extortion_level
            .unwrap_or(0.0)
    });
    let relative_wealth = f64::from(m.wealth) / spec.population.wealth.median_months;
    let refuses = draws.chance(spec.extortion.refusal);
    if refuses {
        m.mark_by(Mark::Resister, group);
    }
    if !refuses
        && within_capacity(
            f64::from(m.strain) + level,
            ctx.params.pay_capacity,
            relative_wealth,
            spec.extortion.wealth_elasticity,
        )
    {
        m.strain += level as f32;
        out.counts.payments += 1;
        return;
    }
    out.counts.defaults += 1;
    m.mark_by(Mark::Defaulter, group);
    // An owner who closes the business has answered the demand: it stays, without the income,
    // and lives on its savings (`livelihood`); the threats a default brings may still come.
    if m.has(flags::BUSINESS_OPEN) && draws.chance(spec.extortion.closure_on_default) {
        m.set(flags::BUSINESS_OPEN, false);
        m.set(flags::WITHOUT_INCOME | flags::OWN_BUSINESS_CLOSED, true);
        out.cell_events
            .push((ctx.cell[h], CellEvent::BusinessClosed));
        return;
    }
    if draws.chance(spec.extortion.flee_on_default) {
        flee(
            ctx,
            h,
            m,
            members,
            Trigger::Extortion,
            group,
            false,
            draws,
            out,
        );
    }
}

/// Whether `need ≤ scale · base^exponent`, exactly as `libm::pow` (the same on every machine)
/// decides it. The platform's `powf` is several times faster and agrees with it to within an
/// ulp or two, far inside the margin here, so only a near tie needs `libm::pow` itself.
fn within_capacity(need: f64, scale: f64, base: f64, exponent: f64) -> bool {
    let fast = scale * base.powf(exponent);
    let margin = fast.abs() * 1e-9;
    if need < fast - margin {
        return true;
    }
    if need > fast + margin {
        return false;
    }
    need <= scale * libm::pow(base, exponent)
}

/// The household's answer to a recruitment attempt on one of its children.
#[allow(clippy::too_many_arguments)]
fn recruitment(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &mut Members,
    group: u16,
    weights: &[f64; 14],
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let r = &ctx.spec.recruitment;
    out.counts.recruitment_attempts += 1;
    if let Some(i) = pressure_class(m) {
        out.counts.recruitment_pressure.attempts[i] += 1;
    }
    let Some((band, sex)) = Members::pick(weights, draws.unit()) else {
        return;
    };
    let poverty = ctx.spec.population.wealth.median_months / f64::from(m.wealth).max(0.05);
    let has_kin = has_kin_elsewhere(ctx, h);
    let answers = [
        r.comply_weight * libm::pow(poverty, r.poverty_comply),
        r.resist_weight,
        if has_kin { r.send_away_weight } else { 0.0 },
        if m.status == Status::SelfContained {
            0.0
        } else {
            r.hide_weight * hide_propensity(ctx, m)
        },
        r.flee_weight,
    ];
    let total: f64 = answers.iter().sum();
    let mut target = draws.unit() * total;
    let mut answer = answers.len() - 1;
    for (i, &w) in answers.iter().enumerate() {
        if w > 0.0 && target < w {
            answer = i;
            break;
        }
        target -= w;
    }
    let state = PersonState::of_household(m.status);
    match answer {
        0 => {
            // Comply: the child goes with the group. Forced recruitment of a child is trafficking.
            members.remove(band, sex);
            out.move_person(state, PersonState::Recruited);
            out.cell_events.push((ctx.cell[h], CellEvent::Recruited));
            out.counts.children_recruited += 1;
            // Boys for the group's criminal roles, girls "for sexual and other purposes".
            let form = match sex {
                Sex::Male => TraffickingForm::Criminal,
                Sex::Female => TraffickingForm::Sexual,
            };
            let setting = TraffickingSetting::of_lodging(m.lodging);
            let time_band = (m.status == Status::Displaced).then(|| weeks_band(ctx, m));
            out.counts
                .trafficking
                .case(setting, sex == Sex::Female, form, time_band);
            if members.total() == 0 && m.away == 0 && m.detained == 0 {
                household_gone(ctx, h, m, out);
            }
        }
        1 => {
            m.mark_by(Mark::Resister, group);
            if draws.chance(r.resist_murder) {
                // The youth the group wanted: a child (recruitment takes those under 18).
                members.remove(band, sex);
                out.counts.child_homicides += 1;
                out.move_person(state, PersonState::Dead);
                out.cell_events
                    .push((ctx.cell[h], CellEvent::Killed { organised: true }));
                if members.total() == 0 && m.away == 0 && m.detained == 0 {
                    household_gone(ctx, h, m, out);
                    return;
                }
            }
            if draws.chance(r.flee_after_resist) {
                flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::Recruitment,
                    group,
                    false,
                    draws,
                    out,
                );
            }
        }
        2 => out.flights.push(FlightRequest {
            household: h as u32,
            trigger: Trigger::Recruitment,
            group,
            kind: FlightKind::SendAway { band, sex },
            event_cell: NO_CELL,
        }),
        3 => hide(ctx, m, members, draws, out),
        _ => flee(
            ctx,
            h,
            m,
            members,
            Trigger::Recruitment,
            group,
            false,
            draws,
            out,
        ),
    }
}

/// Witnessing a killing: report (risking a leak) or keep silent (risking suspicion).
fn witness(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    group: u16,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let w = &ctx.spec.witness;
    let leak = ctx.policy(ctx.cell[h]).state.leak_probability;
    out.counts.witnesses += 1;
    // Fear of leaks deters reporting.
    if draws.chance(w.report * (1.0 - leak)) {
        out.counts.reports += 1;
        m.set(flags::REPORTED, true);
        if draws.chance(leak) {
            // The group learns who talked and threatens the informant at once: a reprisal,
            // which the household flees as it would any death threat.
            out.counts.report_leaks += 1;
            out.counts.threats += 1;
            out.counts.reprisals_on_reporters += 1;
            m.mark_by(Mark::Informant, group);
            if draws.chance(ctx.spec.threats.flee_on_threat) {
                flee(
                    ctx,
                    h,
                    m,
                    members,
                    Trigger::ThreatInformant,
                    group,
                    false,
                    draws,
                    out,
                );
            }
        }
    } else if draws.chance(w.suspicion) {
        m.mark_by(Mark::Witness, group);
        if draws.chance(w.flee) {
            flee(
                ctx,
                h,
                m,
                members,
                Trigger::ThreatInformant,
                group,
                false,
                draws,
                out,
            );
        }
    }
}

/// Probability, by region, that a household in a budget's queue is reached this tick: the budget
/// per tick (`per_tick`) shared among last tick's queue (at least 1), at most 1.
fn share_out(
    policies: &[super::policy::RegionPolicy],
    queue: &[u64],
    per_tick: impl Fn(&super::policy::RegionPolicy) -> f64,
) -> Vec<f64> {
    policies
        .iter()
        .zip(queue)
        .map(|(p, &n)| (per_tick(p) / n.max(1) as f64).min(1.0))
        .collect()
}

/// Joins region `r`'s queue for a budget (sized on first use) and draws whether the household is
/// reached with `probability`.
fn queue_for(
    queue: &mut Vec<u64>,
    regions: usize,
    r: usize,
    probability: f64,
    draws: &mut Draws,
) -> bool {
    if queue.len() < regions {
        queue.resize(regions, 0);
    }
    queue[r] += 1;
    draws.chance(probability)
}

/// Assistance: cash worth `assistance_months` of income, and lower trafficking and
/// precarious-move hazards from then on.
fn assist(m: &mut Mind, policy: &super::policy::RegionPolicy, out: &mut ChunkDecisions) {
    m.set(flags::ASSISTED, true);
    m.wealth += policy.state.protection.assistance_months as f32;
    out.counts.assisted += 1;
    if m.first_trigger == Trigger::DiffuseInsecurity.code() {
        out.counts.assisted_preemptive += 1;
    }
}

/// A displaced victim denounces the crime that displaced it, deterred by expected leaks; a leak
/// marks it as an informant of the group that displaced it ("dangers for them as informants").
fn denounce(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    c: u32,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let state = &ctx.policy(c).state;
    let leak = state.leak_probability;
    if !draws.chance(state.protection.denounce_share * (1.0 - leak)) {
        return;
    }
    out.counts.reports += 1;
    m.set(flags::REPORTED, true);
    if draws.chance(leak) {
        out.counts.report_leaks += 1;
        let group = if m.mark == Mark::None {
            ctx.world.claims_of(ctx.origin[h]).first().copied()
        } else {
            Some(m.marked_by)
        };
        if let Some(group) = group {
            m.mark_by(Mark::Informant, group);
        }
    }
}

/// What happens to displaced households between events: kin hosting ends, precarious lodging,
/// trafficking, return home.
#[allow(clippy::too_many_arguments)]
fn after_displacement(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    c: u32,
    claims: &[u16],
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let params = ctx.params;
    let t = &ctx.spec.trafficking;
    count_trafficking_exposure(ctx, m, members, &mut out.counts.trafficking);
    // Minors alone with kin are the most exposed to trafficking; adults sent away are displaced
    // persons lodged with kin.
    if m.away_minors > 0 {
        let kin = ctx.kin_cell[h];
        let held = kin != NO_CELL && !ctx.world.claims_of(kin).is_empty();
        let control = if held { t.group_control_factor } else { 1.0 };
        let x =
            params.trafficking_hazard * t.unaccompanied_factor * control * f64::from(m.away_minors);
        if draws.chance_of_hazard(x) {
            let sex = super::trafficking::away_victim_sex(t, m.away, m.away_female, draws.unit());
            let tally = &mut out.counts.trafficking;
            super::trafficking::book_case_of(
                t,
                tally,
                TraffickingSetting::Unaccompanied,
                sex,
                None,
                draws,
            );
            trafficked(ctx, c, draws, out);
        }
    }
    let adults_away = m.away.saturating_sub(m.away_minors);
    if adults_away > 0 {
        let x = params.trafficking_hazard * t.lodging.kin * f64::from(adults_away);
        if draws.chance_of_hazard(x) {
            let sex = super::trafficking::away_victim_sex(t, m.away, m.away_female, draws.unit());
            let tally = &mut out.counts.trafficking;
            super::trafficking::book_case_of(t, tally, TraffickingSetting::Kin, sex, None, draws);
            trafficked(ctx, c, draws, out);
        }
    }
    if m.status != Status::Displaced {
        return;
    }
    // Protection: needs-based under a displacement law, only for those who reported a crime
    // under a report-first regime; the budget is shared among last tick's eligible households.
    let policy = ctx.policy(c);
    let assisted = m.has(flags::ASSISTED);
    // A penal scheme assists victims who denounce the crime that displaced them: those who left
    // pre-emptively, or because work ran out, have no such crime to denounce (brief 5.4).
    let victim = Trigger::from_code(m.first_trigger).is_some_and(Trigger::is_targeted);
    if policy.state.protection.regime == ProtectionRegime::ReportFirst
        && victim
        && !m.has(flags::DENOUNCE_DECIDED)
    {
        m.set(flags::DENOUNCE_DECIDED, true);
        denounce(ctx, h, m, c, draws, out);
    }
    if !assisted {
        let eligible = match policy.state.protection.regime {
            ProtectionRegime::None => false,
            ProtectionRegime::ReportFirst => victim && m.has(flags::REPORTED),
            ProtectionRegime::DisplacementLaw => true,
        };
        let r = ctx.world.region[c as usize] as usize;
        let regions = ctx.policies.len();
        if eligible
            && queue_for(
                &mut out.eligible,
                regions,
                r,
                ctx.assist_probability[r],
                draws,
            )
        {
            assist(m, policy, out);
        }
        // External humanitarian agencies assist by need those the state has not, as far as the
        // state lets them in (brief 5.7: all of their aid under a declared armed conflict).
        if !m.has(flags::ASSISTED)
            && policy.aid_per_tick > 0.0
            && queue_for(&mut out.in_need, regions, r, ctx.aid_probability[r], draws)
        {
            assist(m, policy, out);
        }
    }
    let protected = if m.has(flags::ASSISTED) {
        policy.state.protection.assisted_risk_factor
    } else {
        1.0
    };
    let lodging_factor = match m.lodging {
        Lodging::Kin => t.lodging.kin,
        Lodging::Shelter => t.lodging.shelter,
        Lodging::Rent => t.lodging.rent,
        Lodging::Informal => t.lodging.informal,
        Lodging::Home => 0.0,
    };
    let years_displaced =
        f64::from(ctx.tick.saturating_sub(u32::from(m.displaced_since))) * params.dt_years;
    let mut x =
        params.trafficking_hazard * lodging_factor * (1.0 + t.per_year_displaced * years_displaced);
    if ctx.kin_cell[h] == NO_CELL {
        x *= t.no_kin_factor;
    }
    if !claims.is_empty() {
        x *= t.group_control_factor;
    }
    x *= f64::from(members.total()) * protected;
    if x > 0.0 && draws.chance_of_hazard(x) {
        super::trafficking::book_case(
            t,
            &mut out.counts.trafficking,
            TraffickingSetting::of_lodging(m.lodging),
            members,
            &ctx.trafficking_multipliers,
            Some(weeks_band(ctx, m)),
            draws,
        );
        trafficked(ctx, c, draws, out);
    }

    // Refused by kin on arrival, or no longer hosted, a household may move on rather than find
    // other lodging here: internal flight that fails (a repeat displacement).
    let move_on = ctx.spec.hosting.move_on_share;
    if m.has(flags::REJECTED_HERE) {
        m.set(flags::REJECTED_HERE, false);
        if draws.chance(move_on) {
            flee_again(ctx, h, m, members, claims, draws, out);
            return;
        }
    }
    match m.lodging {
        Lodging::Kin if draws.chance(params.kin_hosting_end) => {
            if draws.chance(move_on) {
                out.counts.kin_hosting_moved_on += 1;
                flee_again(ctx, h, m, members, claims, draws, out);
            } else {
                out.relodge.push(h as u32);
            }
        }
        Lodging::Shelter | Lodging::Informal
            if draws.chance(params.precarious_move_hazard * protected) =>
        {
            flee_insecurity(ctx, h, m, members, claims, draws, out);
        }
        _ => {
            if c != ctx.origin[h]
                && may_return(ctx, m, ctx.origin[h])
                && draws.chance(params.return_hazard)
            {
                out.returns.push(h as u32);
            }
        }
    }
}

/// A displaced household moves on for want of a place to stay, with the trigger of its first
/// displacement (the danger it is still fleeing), away from the group that marked it if any.
fn flee_again(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    claims: &[u16],
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let trigger = Trigger::from_code(m.first_trigger).unwrap_or(Trigger::DiffuseInsecurity);
    let group = if m.mark != Mark::None {
        m.marked_by
    } else {
        claims.first().copied().unwrap_or(NO_GROUP)
    };
    flee(ctx, h, m, members, trigger, group, false, draws, out);
}

/// Return needs a calmer origin, not held by the group that marked the household, and a house
/// that was not seized.
fn may_return(ctx: &Context<'_>, m: &Mind, origin: u32) -> bool {
    if m.has(flags::HOUSE_SEIZED) {
        return false;
    }
    if f64::from(ctx.world.cells.risk[origin as usize]) > ctx.spec.returns.max_risk {
        return false;
    }
    !(m.mark != Mark::None && ctx.world.claims_of(origin).contains(&m.marked_by))
}

/// The band of time displaced of a displaced household ([`time_displaced_band`]).
fn weeks_band(ctx: &Context<'_>, m: &Mind) -> usize {
    let ticks = ctx.tick.saturating_sub(u32::from(m.displaced_since));
    time_displaced_band(f64::from(ticks) * ctx.params.dt_weeks)
}

/// Whether screening identifies a case among the displaced (already booked by setting).
fn trafficked(ctx: &Context<'_>, c: u32, draws: &mut Draws, out: &mut ChunkDecisions) {
    if draws.chance(ctx.policy(c).state.screening_rate) {
        out.counts.trafficking_identified += 1;
    }
}

/// Removes one member (picked by homicide risk) and books the death.
fn kill_member(
    m: &mut Mind,
    members: &mut Members,
    weights: &[f64; 14],
    u: f64,
    c: u32,
    organised: bool,
    out: &mut ChunkDecisions,
) {
    let Some((band, sex)) = Members::pick(weights, u) else {
        return;
    };
    members.remove(band, sex);
    if band <= AgeBand::Age15To17 {
        out.counts.child_homicides += 1;
    }
    out.move_person(PersonState::of_household(m.status), PersonState::Dead);
    out.cell_events.push((c, CellEvent::Killed { organised }));
    if members.total() == 0 && m.away == 0 && m.detained == 0 {
        household_ends(c, m, out);
    }
}

/// A household whose last member at home was recruited or killed, with no child away: it ends.
fn household_gone(ctx: &Context<'_>, h: usize, m: &mut Mind, out: &mut ChunkDecisions) {
    household_ends(ctx.cell[h], m, out);
}

/// The household in cell `c` has no one left: it leaves the cell's books, with its business.
fn household_ends(c: u32, m: &mut Mind, out: &mut ChunkDecisions) {
    let business = m.has(flags::BUSINESS_OPEN);
    m.set(flags::BUSINESS_OPEN, false);
    out.cell_events.push((
        c,
        CellEvent::HouseholdDied {
            lodging: m.lodging,
            business,
        },
    ));
    out.move_household(m.status, Status::Dead, 0);
    m.status = Status::Dead;
}

fn can_afford_flight(ctx: &Context<'_>, h: usize, m: &Mind) -> bool {
    f64::from(m.wealth) >= flight_cost(ctx.spec, ctx.kin_cell[h] != NO_CELL)
}

/// Whether the household has kin in another neighbourhood than where it lives now (somewhere to
/// send a member).
fn has_kin_elsewhere(ctx: &Context<'_>, h: usize) -> bool {
    ctx.kin_cell[h] != NO_CELL && ctx.kin_cell[h] != ctx.cell[h]
}

/// What fleeing costs, in months of median income: half with kin to go to.
pub fn flight_cost(spec: &ScenarioSpec, has_kin: bool) -> f64 {
    spec.flight.cost_months * if has_kin { 0.5 } else { 1.0 }
}

/// How readily a household hides rather than leaves: poorer households hide more.
fn hide_propensity(ctx: &Context<'_>, m: &Mind) -> f64 {
    let sc = &ctx.spec.self_containment;
    let poverty = ctx.spec.population.wealth.median_months / f64::from(m.wealth).max(0.05);
    libm::pow(poverty, sc.poverty_elasticity)
}

/// Starts a hiding spell (a no-op for a household already hidden).
fn hide(
    ctx: &Context<'_>,
    m: &mut Mind,
    members: &Members,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    if m.status == Status::SelfContained {
        return;
    }
    let (lo, hi) = ctx.params.hide_ticks;
    let spell = lo + (draws.unit() * f64::from(hi - lo + 1)) as u32;
    out.move_household(m.status, Status::SelfContained, members.total());
    m.status = Status::SelfContained;
    m.hide_until = (ctx.tick + spell).min(u32::from(u16::MAX)) as u16;
    out.counts.self_containment_starts += 1;
    if !m.has(flags::EVER_HID) {
        m.set(flags::EVER_HID, true);
        out.counts.first_hidings += 1;
    }
}

/// One member is at risk: with kin to go to, the household may send only that member away
/// (`responses.send_away_share`); otherwise it flees as a whole.
#[allow(clippy::too_many_arguments)]
fn send_or_flee(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    trigger: Trigger,
    group: u16,
    member: Option<(AgeBand, Sex)>,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    if let Some((band, sex)) = member
        && has_kin_elsewhere(ctx, h)
        && draws.chance(ctx.spec.responses.send_away_share)
    {
        out.flights.push(FlightRequest {
            household: h as u32,
            trigger,
            group,
            kind: FlightKind::SendAway { band, sex },
            event_cell: NO_CELL,
        });
        return;
    }
    flee(ctx, h, m, members, trigger, group, false, draws, out);
}

/// Flight out of general insecurity rather than a targeted event, away from the group (if any)
/// that holds the cell.
fn flee_insecurity(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    claims: &[u16],
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    let group = claims.first().copied().unwrap_or(NO_GROUP);
    // At home where a group holds sway, the fear is first for the children it recruits: the
    // family may send one of them to kin and stay, which starts its fear afresh.
    if m.status == Status::Resident && group != NO_GROUP && members.total() > 1 {
        let weights = members.weighted(&ctx.recruitment_multipliers);
        if let Some(child) = Members::pick(&weights, draws.unit())
            && has_kin_elsewhere(ctx, h)
            && draws.chance(ctx.spec.responses.send_away_share)
        {
            m.fear = 0.0;
            out.flights.push(FlightRequest {
                household: h as u32,
                trigger: Trigger::DiffuseInsecurity,
                group,
                kind: FlightKind::SendAway {
                    band: child.0,
                    sex: child.1,
                },
                event_cell: NO_CELL,
            });
            return;
        }
    }
    flee(
        ctx,
        h,
        m,
        members,
        Trigger::DiffuseInsecurity,
        group,
        false,
        draws,
        out,
    );
}

/// Whether a household that wants to go can pay the move; if not, it hides (with
/// `self_containment.when_trapped`) or stays where it is (blocked).
fn can_leave(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) -> bool {
    if can_afford_flight(ctx, h, m) {
        return true;
    }
    if draws.chance(ctx.spec.self_containment.when_trapped) && m.status != Status::SelfContained {
        hide(ctx, m, members, draws, out);
    } else {
        out.counts.blocked += 1;
    }
    false
}

/// Requests a flight: of the whole household, or of the member most at risk (6.13). A voluntary
/// flight the household cannot afford becomes a hiding spell (with
/// `self_containment.when_trapped`) or nothing (blocked).
#[allow(clippy::too_many_arguments)]
fn flee(
    ctx: &Context<'_>,
    h: usize,
    m: &mut Mind,
    members: &Members,
    trigger: Trigger,
    group: u16,
    forced: bool,
    draws: &mut Draws,
    out: &mut ChunkDecisions,
) {
    if !m.status.is_present() || (!forced && !can_leave(ctx, h, m, members, draws, out)) {
        return;
    }
    // A threat aimed at the family through one member (a demand, a death threat, a killing) may
    // send only the member most at risk to kin: an individual move (young men first). A lost
    // income, likewise, may send one adult to make a living elsewhere.
    if !forced
        && matches!(
            trigger,
            Trigger::Extortion
                | Trigger::ThreatInformant
                | Trigger::Homicide
                | Trigger::LivelihoodLoss
        )
        && members.total() > 1
        && has_kin_elsewhere(ctx, h)
        && draws.chance(ctx.spec.responses.individual_share)
    {
        let mut weights = members.homicide_weights(&ctx.spec.homicide);
        for band in [AgeBand::Under5, AgeBand::Age5To7, AgeBand::Age8To14] {
            weights[band as usize * 2] = 0.0;
            weights[band as usize * 2 + 1] = 0.0;
        }
        if let Some((band, sex)) = Members::pick(&weights, draws.unit()) {
            out.flights.push(FlightRequest {
                household: h as u32,
                trigger,
                group,
                kind: FlightKind::SendAway { band, sex },
                event_cell: NO_CELL,
            });
            return;
        }
    }
    out.flights.push(FlightRequest {
        household: h as u32,
        trigger,
        group,
        kind: FlightKind::Whole { forced },
        event_cell: NO_CELL,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pursuer's term of a marked household's event bound is at least its pursuer's
    /// detection hazard, whatever its mark, lodging, hiding and relocation, for pursuit
    /// parameters across their valid ranges.
    #[test]
    fn no_pursuer_detects_beyond_the_bound() {
        let mut cases = crate::rng::Draws::new(11, crate::rng::Process::HouseholdEvents, 0, 0);
        let mut unit = || cases.unit();
        for _ in 0..20_000 {
            let p = crate::scenario::PursuitSpec {
                kin_visibility: 100.0 * unit() * unit(),
                leak_factor: 100.0 * unit() * unit(),
                clandestinity: unit(),
                ..Default::default()
            };
            let marks: Vec<f64> = (0..6).map(|_| 52.0 * unit()).collect();
            let likeliest = marks.iter().copied().fold(0.0, f64::max);
            let leaks = unit();
            let bound = most_detection(&p, likeliest, leaks);
            for &base in &marks {
                for (with_kin, hiding) in
                    [(false, false), (true, false), (false, true), (true, true)]
                {
                    for relocation in [None, Some(unit())] {
                        let x = detection(&p, base, with_kin, leaks, hiding, relocation);
                        assert!(x <= bound, "{x} above the bound {bound}");
                    }
                }
            }
        }
    }

    #[test]
    fn capacity_is_decided_as_libm_decides_it_even_at_a_tie() {
        let mut cases = crate::rng::Draws::new(3, crate::rng::Process::HouseholdEvents, 0, 0);
        let mut unit = || cases.unit();
        for _ in 0..100_000 {
            let base = 0.01 + 20.0 * unit();
            let exponent = 2.0 * unit();
            let scale = 0.1 + 2.0 * unit();
            let exact = scale * libm::pow(base, exponent);
            // At the exact capacity, an ulp either side, a hair either side, and anywhere.
            let below = f64::from_bits(exact.to_bits() - 1);
            let above = f64::from_bits(exact.to_bits() + 1);
            let anywhere = 3.0 * unit() * exact;
            for need in [
                exact,
                below,
                above,
                exact * (1.0 + 1e-10),
                exact * (1.0 - 1e-10),
                anywhere,
            ] {
                assert_eq!(
                    within_capacity(need, scale, base, exponent),
                    need <= exact,
                    "need {need} against {scale} · {base}^{exponent} = {exact}"
                );
            }
        }
        assert!(within_capacity(0.0, 1.0, 0.0, 0.5));
        assert!(!within_capacity(1e-300, 1.0, 0.0, 0.5));
    }
}
