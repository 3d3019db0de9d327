//! The model and its tick: a fixed sequence of phases, each a plain function.
//!
//! 0. [`dynamics`]: groups expand, win or lose contests, split and relocate.
//! 1. [`hazards`]: what households face in each neighbourhood this tick.
//! 2. [`decide`]: every household, in parallel, meets its events and decides; it changes only its
//!    own state and returns what must be booked in shared state.
//! 3. Apply: cell events (killings, recruitment, seizures, closures) and status changes are
//!    booked in household order.
//! 4. [`flight`]: fleeing households choose destinations or leave the country (in parallel, from
//!    the state at the start of the phase), then arrive and find lodging in household order.
//! 5. [`lodging`]: households whose kin stop hosting them find other lodging; households that
//!    can return home do so (in household order: dwellings are shared).
//! 6. Bookkeeping: perceived risk from this tick's killings, ghost neighbourhoods, metrics.

pub mod decide;
pub mod dynamics;
pub mod flight;
pub mod hazards;
pub mod lodging;
pub mod policy;
pub mod recruits;
pub mod rest;
pub mod trafficking;

use crate::actors::{Group, place_groups};
use crate::households::{Households, PersonState, Status};
use crate::metrics::{Episode, TickMetrics};
use crate::scenario::{GroupKind, Scenario};
use crate::world::{CellSampler, Controller, NOT_GHOST, World};

/// "No group", for optional group references.
pub const NO_GROUP: u16 = u16::MAX;

/// An event of this many families or more is a mass displacement (the Ecuador survey's
/// definition, brief section 8).
pub const MASS_EVENT_FAMILIES: u32 = 10;

/// A running simulation. Between ticks its data is its whole state: a state file saves it all
/// but the scenario (`crate::checkpoint`), since the random streams are keyed by tick.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// Not saved: a state file holds the scenario's text, and [`Model::restore`] puts it back.
    #[serde(skip)]
    pub scenario: Scenario,
    pub world: World,
    pub groups: Vec<Group>,
    pub households: Households,
    /// The next tick to run (0 before the first).
    pub tick: u32,
    /// Households by status and persons by state, kept current as households change.
    pub households_by_status: [u64; Status::ALL.len()],
    pub persons_by_state: [u64; PersonState::ALL.len()],
    /// Draws destination candidates where people (initially) live.
    pub sampler: CellSampler,
    /// The state as it applies in each region this tick.
    pub policies: Vec<policy::RegionPolicy>,
    /// Which scenario events were active when `policies` were computed.
    pub active_events: Vec<bool>,
    /// Group members in state detention (not part of the household population).
    pub detained_members: u64,
    /// Persons at the start of the run.
    pub persons_at_start: u64,
    /// Share of persons who are young men (15-29) at the start (to share arrests among them).
    pub young_male_share: f64,
    /// Households eligible for protection in each region last tick (to share out the budget).
    pub eligible_for_assistance: Vec<u64>,
    /// Unassisted displaced households in each region last tick (to share out external aid).
    pub in_need_of_aid: Vec<u64>,
    /// Relocation places left this tick in each region.
    pub relocation_places: Vec<f64>,

    /// The neighbourhoods' counters at the end of the burn-in (none without one): cumulative
    /// counters are reported from tick 0, less these.
    pub cells_at_tick_0: Option<crate::world::CellState>,

    next_episode: u64,
    hazards: Vec<hazards::CellHazard>,
    /// Households at rest and their neighbourhoods (`simulation.sampling = "events"`).
    pub resting: rest::Resting,
}

/// The phases of a tick, in order, as timed by [`Model::step_profiled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Dynamics,
    Policy,
    Hazards,
    Decide,
    Apply,
    Flight,
    Lodging,
    Bookkeeping,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Dynamics,
        Phase::Policy,
        Phase::Hazards,
        Phase::Decide,
        Phase::Apply,
        Phase::Flight,
        Phase::Lodging,
        Phase::Bookkeeping,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Dynamics => "group dynamics",
            Phase::Policy => "state policies",
            Phase::Hazards => "hazards",
            Phase::Decide => "decisions",
            Phase::Apply => "apply",
            Phase::Flight => "flight",
            Phase::Lodging => "lodging and returns",
            Phase::Bookkeeping => "bookkeeping",
        }
    }
}

/// Wall time spent in each phase, summed over the ticks profiled, and the events decided.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhaseTimes {
    pub seconds: [f64; Phase::ALL.len()],
    /// Events of the decision phase ([`decide::ChunkDecisions::events`]) over those ticks.
    pub events: u64,
}

impl PhaseTimes {
    fn start(&self) -> PhaseClock {
        PhaseClock(std::time::Instant::now())
    }

    pub fn get(&self, phase: Phase) -> f64 {
        self.seconds[phase as usize]
    }

    pub fn total(&self) -> f64 {
        self.seconds.iter().sum()
    }
}

/// A stopwatch over consecutive phases.
struct PhaseClock(std::time::Instant);

impl PhaseClock {
    fn lap(&mut self, times: &mut PhaseTimes, phase: Phase) {
        let now = std::time::Instant::now();
        times.seconds[phase as usize] += (now - self.0).as_secs_f64();
        self.0 = now;
    }
}

impl Model {
    /// Builds the world, groups and population of a resolved scenario.
    pub fn build(scenario: &Scenario) -> Model {
        let spec = &scenario.spec;
        let mut world = World::build(spec);
        let groups = place_groups(spec, &world);
        world.set_claims(groups.iter().map(|g| g.territory.as_slice()));
        let households = Households::build(spec, &mut world);
        let sampler = CellSampler::new(&world, &world.cells.initial_households);
        let regions = world.region_names.len();
        let mut model = Model {
            policies: Vec::new(),
            active_events: Vec::new(),
            detained_members: 0,
            persons_at_start: 0,
            young_male_share: 0.0,
            eligible_for_assistance: vec![0; regions],
            in_need_of_aid: vec![0; regions],
            relocation_places: vec![0.0; regions],

            scenario: scenario.clone(),
            hazards: vec![hazards::CellHazard::default(); world.len()],
            world,
            groups,
            households,
            tick: 0,
            households_by_status: [0; Status::ALL.len()],
            persons_by_state: [0; PersonState::ALL.len()],
            sampler,
            next_episode: 0,
            cells_at_tick_0: None,
            resting: rest::Resting::default(),
        };
        model.resting = rest::Resting::new(
            &model.households,
            model.world.len(),
            &model.scenario.spec,
            &model.scenario.params,
        );
        (model.households_by_status, model.persons_by_state) = model.count_by_status();
        model.persons_at_start = model.persons();
        let young_men: u64 = model
            .households
            .members
            .iter()
            .map(|m| u64::from(m.young_males()))
            .sum();
        model.young_male_share = young_men as f64 / model.persons_at_start.max(1) as f64;
        model.set_policies(model.event_tick());
        model
    }

    /// The tick as outputs number it: 0 is the first tick after the burn-in
    /// (`simulation.burn_in`), and every burn-in tick is 0 too (nothing of it is output).
    pub fn output_tick(&self) -> u32 {
        self.tick.saturating_sub(self.scenario.burn_in_ticks())
    }

    /// The tick as the scenario's `[[events]]` count it; `None` in the burn-in, which runs under
    /// the base `[state]` alone.
    pub fn event_tick(&self) -> Option<u32> {
        self.tick.checked_sub(self.scenario.burn_in_ticks())
    }

    /// Whether the world is still in its burn-in.
    pub fn burning_in(&self) -> bool {
        self.tick < self.scenario.burn_in_ticks()
    }

    /// Ends the burn-in: outputs count from here, episodes are numbered from 0 again and the
    /// neighbourhoods' counters are remembered, to be reported from tick 0 on.
    pub fn end_burn_in(&mut self) {
        self.next_episode = 0;
        self.cells_at_tick_0 = Some(self.world.cells.clone());
    }

    /// Sets each region's state and the active events as the scenario has them at `event_tick`.
    fn set_policies(&mut self, event_tick: Option<u32>) {
        self.policies = policy::region_policies(
            &self.scenario.spec,
            &self.world.region_names,
            event_tick,
            self.scenario.params.dt_years,
        );
        self.active_events = policy::active_events(&self.scenario.spec.events, event_tick);
    }

    /// Persons in state detention: innocent youths (from households) and group members.
    pub fn detained_persons(&self) -> u64 {
        self.persons_by_state[PersonState::Detained as usize] + self.detained_members
    }

    /// The state as it applies where `cell` is.
    pub fn policy_at(&self, cell: u32) -> &policy::RegionPolicy {
        &self.policies[self.world.region[cell as usize] as usize]
    }

    /// Each cell's hazards as computed in the last tick.
    pub fn hazards(&self) -> &[hazards::CellHazard] {
        &self.hazards
    }

    /// Households by status and persons by state, counted from the store (the invariant tests
    /// compare it with the running counters).
    pub fn count_by_status(&self) -> ([u64; Status::ALL.len()], [u64; PersonState::ALL.len()]) {
        let mut households = [0u64; Status::ALL.len()];
        let mut persons = [0u64; PersonState::ALL.len()];
        for (mind, members) in self.households.mind.iter().zip(&self.households.members) {
            households[mind.status as usize] += 1;
            persons[PersonState::of_household(mind.status) as usize] += u64::from(members.total());
            persons[PersonState::SentAway as usize] += u64::from(mind.away);
            persons[PersonState::Detained as usize] += u64::from(mind.detained);
        }
        // Persons no longer in any household: every death is a homicide booked in its cell, and
        // every recruited child is booked in the cell it was taken from.
        let cells = &self.world.cells;
        let sum = |v: &[u32]| v.iter().map(|&x| u64::from(x)).sum::<u64>();
        persons[PersonState::Dead as usize] +=
            sum(&cells.homicides_oc) + sum(&cells.homicides_background);
        persons[PersonState::Recruited as usize] += sum(&cells.recruited);
        (households, persons)
    }

    /// Total persons in the model, whatever their state.
    pub fn persons(&self) -> u64 {
        self.persons_by_state.iter().sum()
    }

    /// Moves a household's count (and its members') from one status to another.
    pub(crate) fn restate(&mut self, from: Status, to: Status, persons: u32) {
        self.households_by_status[from as usize] -= 1;
        self.households_by_status[to as usize] += 1;
        self.persons_by_state[PersonState::of_household(from) as usize] -= u64::from(persons);
        self.persons_by_state[PersonState::of_household(to) as usize] += u64::from(persons);
    }

    /// Runs one tick; `on_episode` receives every displacement as it happens.
    pub fn step<E>(
        &mut self,
        on_episode: &mut dyn FnMut(&Episode) -> Result<(), E>,
    ) -> Result<TickMetrics, E> {
        self.step_profiled(on_episode, &mut PhaseTimes::default())
    }

    /// Runs one tick like [`Model::step`], adding the wall time of each phase to `times`.
    /// Timing never touches model state, so results are the same as `step`'s.
    pub fn step_profiled<E>(
        &mut self,
        on_episode: &mut dyn FnMut(&Episode) -> Result<(), E>,
        times: &mut PhaseTimes,
    ) -> Result<TickMetrics, E> {
        let mut metrics = TickMetrics {
            tick: self.output_tick(),
            ..TickMetrics::default()
        };
        let mut clock = times.start();
        dynamics::step(self, &mut metrics);
        clock.lap(times, Phase::Dynamics);
        self.world.cells.homicides_state_clash_tick.fill(0);
        policy::step(self, &mut metrics);
        clock.lap(times, Phase::Policy);
        // Hazards read last tick's killings (witnesses); then this tick's are counted afresh.
        hazards::step(self);
        self.world.cells.homicides_oc_tick.fill(0);
        self.world.cells.business_closures_tick.fill(0);
        self.world.cells.homicides_background_tick.fill(0);
        clock.lap(times, Phase::Hazards);

        let decisions = decide::step(self);
        clock.lap(times, Phase::Decide);
        times.events += decisions.iter().map(|d| u64::from(d.events)).sum::<u64>();
        self.apply(&decisions, &mut metrics);
        recruits::killed_in_violent_roles(self, &mut metrics);

        let mut requests = Vec::new();
        let mut relodge = Vec::new();
        let mut returns = Vec::new();
        for chunk in decisions {
            requests.extend(chunk.flights);
            relodge.extend(chunk.relodge);
            returns.extend(chunk.returns);
        }
        clock.lap(times, Phase::Apply);
        flight::step(self, &requests, &mut metrics, on_episode)?;
        clock.lap(times, Phase::Flight);
        lodging::relodge(self, &relodge, &mut metrics);
        lodging::returns(self, &returns, &mut metrics);
        clock.lap(times, Phase::Lodging);

        hazards::update_risk(self);
        // Every case is booked in the tally, by setting; the total is its sum.
        metrics.trafficking_true = metrics.trafficking.cases.iter().sum();
        metrics.ghost_cells = self.update_ghosts();
        metrics.groups = self.groups.len() as u32;
        metrics.detained = self.detained_persons() as u32;
        metrics.households_by_status = self.households_by_status;
        metrics.persons_by_state = self.persons_by_state;
        self.count_control(&mut metrics);
        clock.lap(times, Phase::Bookkeeping);
        self.tick += 1;
        Ok(metrics)
    }

    /// Books the decision phase's cell events, status changes and counts, in chunk order.
    fn apply(&mut self, decisions: &[decide::ChunkDecisions], metrics: &mut TickMetrics) {
        let cells = &mut self.world.cells;
        let mut eligible = vec![0u64; self.world.region_names.len()];
        let mut in_need = eligible.clone();
        for d in decisions {
            for &(c, event) in &d.cell_events {
                let c = c as usize;
                match event {
                    decide::CellEvent::BusinessClosed => {
                        cells.businesses_open[c] -= 1;
                        cells.business_closures[c] += 1;
                        cells.business_closures_tick[c] += 1;
                        metrics.business_closures += 1;
                    }
                    decide::CellEvent::Killed { organised } => {
                        cells.persons[c] -= 1;
                        if organised {
                            cells.homicides_oc[c] += 1;
                            cells.homicides_oc_tick[c] += 1;
                            metrics.homicides_oc += 1;
                        } else {
                            cells.homicides_background[c] += 1;
                            cells.homicides_background_tick[c] += 1;
                            metrics.homicides_background += 1;
                        }
                    }
                    decide::CellEvent::Detained => cells.persons[c] -= 1,
                    decide::CellEvent::Released => cells.persons[c] += 1,
                    decide::CellEvent::Recruited => {
                        cells.persons[c] -= 1;
                        cells.recruited[c] += 1;
                    }
                    decide::CellEvent::Seized => {
                        cells.seized[c] += 1;
                        metrics.house_seizures += 1;
                    }
                    decide::CellEvent::Emigrated { persons, business } => {
                        cells.households[c] -= 1;
                        cells.persons[c] -= persons;
                        cells.dwellings_used[c] -= 1;
                        if business {
                            cells.businesses_open[c] -= 1;
                        }
                    }
                    decide::CellEvent::HouseholdDied { lodging, business } => {
                        cells.households[c] -= 1;
                        if business {
                            cells.businesses_open[c] -= 1;
                        }
                        match lodging {
                            crate::households::Lodging::Home | crate::households::Lodging::Rent => {
                                cells.dwellings_used[c] -= 1
                            }
                            crate::households::Lodging::Shelter => cells.shelter_used[c] -= 1,
                            _ => {}
                        }
                    }
                }
            }
            for (total, delta) in self.households_by_status.iter_mut().zip(d.households_delta) {
                *total = total
                    .checked_add_signed(delta)
                    .expect("household counts stay non-negative");
            }
            for (total, delta) in self.persons_by_state.iter_mut().zip(d.persons_delta) {
                *total = total
                    .checked_add_signed(delta)
                    .expect("person counts stay non-negative");
            }
            let k = &d.counts;
            metrics.extortion_demands += k.demands;
            metrics.extortion_payments += k.payments;
            metrics.extortion_defaults += k.defaults;
            metrics.threats += k.threats;
            metrics.recruitment_attempts += k.recruitment_attempts;
            metrics.children_recruited += k.children_recruited;
            metrics.homicides_children += k.child_homicides;
            metrics.sexual_violence += k.sexual_violence;
            metrics.profile_orders += k.profile_orders;
            metrics.witnesses += k.witnesses;
            metrics.reports += k.reports;
            metrics.report_leaks += k.report_leaks;
            metrics.state_abuse += k.state_abuse;
            metrics.pursuit_detections += k.pursuit_detections;
            metrics.pursuit_attacks += k.pursuit_attacks;
            metrics.reprisals_on_reporters += k.reprisals_on_reporters;
            metrics.self_containment_starts += k.self_containment_starts;
            metrics.households_first_hiding += k.first_hidings;
            metrics.flight_blocked += k.blocked;
            metrics.trafficking_identified += k.trafficking_identified;
            metrics.trafficking.add(&k.trafficking);
            metrics.recruitment_pressure.add(&k.recruitment_pressure);
            metrics.innocent_detentions += k.innocent_detentions;
            metrics.assisted_households += k.assisted;
            metrics.assisted_preemptive += k.assisted_preemptive;
            metrics.kin_hosting_ended += k.kin_hosting_moved_on;
            metrics.labour_emigrants += k.labour_emigrants[0] + k.labour_emigrants[1];
            metrics.labour_emigrants_with_children += k.labour_emigrants[1];
            for (total, part) in [(&mut eligible, &d.eligible), (&mut in_need, &d.in_need)] {
                for (t, &n) in total.iter_mut().zip(part) {
                    *t += n;
                }
            }
        }
        self.eligible_for_assistance = eligible;
        self.in_need_of_aid = in_need;
    }

    /// Marks neighbourhoods whose occupancy fell below the ghost threshold; returns how many are ghosts.
    fn update_ghosts(&mut self) -> u32 {
        let g = &self.scenario.spec.ghosts;
        let cells = &mut self.world.cells;
        let mut ghosts = 0;
        for c in 0..cells.households.len() {
            let initial = cells.initial_households[c];
            let is_ghost = initial >= g.min_households
                && f64::from(cells.households[c]) < g.threshold * f64::from(initial);
            if is_ghost {
                ghosts += 1;
                if cells.ghost_since[c] == NOT_GHOST {
                    cells.ghost_since[c] = self.tick;
                }
            } else {
                cells.ghost_since[c] = NOT_GHOST;
            }
        }
        ghosts
    }

    fn count_control(&self, metrics: &mut TickMetrics) {
        for c in 0..self.world.len() as u32 {
            match self.world.controller(c) {
                Controller::State => metrics.cells_state += 1,
                Controller::Contested => metrics.cells_contested += 1,
                Controller::Group(g) => {
                    let kind = self.groups[g as usize].kind;
                    let k = GroupKind::ALL.iter().position(|&x| x == kind).unwrap_or(0);
                    metrics.cells_by_group_kind[k] += 1;
                }
            }
        }
    }

    /// A model read back from a state file or copied from a burn-in, continued under `scenario`:
    /// the one it ran under (but for its number of ticks), or an arm's, which may set other
    /// `[state]` policies and events (`crate::checkpoint::Continuing`).
    pub fn restore(scenario: &Scenario, mut model: Model) -> Model {
        // Tables as long as this run asks for: the same values as the saved run's.
        let ticks = scenario.end_tick();
        model.resting.fear_decay = rest::decay_powers(scenario.params.fear_decay, ticks);
        model.resting.strain_decay = rest::decay_powers(scenario.params.strain_decay, ticks);
        model.resting.total_strata();
        model.scenario = scenario.clone();
        if model.tick == 0 {
            // A world as built, not yet run: its state presence is the one this scenario's base
            // `[state]` gives at the build (group dynamics read it in the first tick, before the
            // policies set it), so that an arm forked from another arm's build runs as if built
            // under its own scenario.
            model.world.state_presence = crate::world::base_presence(
                &scenario.spec,
                &model.world.kind,
                &model.world.deprivation_excess,
            );
        }
        // The state as the last tick ran it, under this scenario's `[state]` and events: the
        // saved run's, unless this scenario is an arm forked from it with other policies.
        // (A model at tick 0 has them as built, for tick 0.)
        let last_run = model.tick.saturating_sub(1);
        model.set_policies(last_run.checked_sub(scenario.burn_in_ticks()));
        model
    }

    fn next_episode_id(&mut self) -> u64 {
        let id = self.next_episode;
        self.next_episode += 1;
        id
    }
}
