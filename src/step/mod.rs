//! The model and its tick: a fixed sequence of phases, each a plain function.
//!
//! 1. [`violence`]: homicides per neighbourhood, perceived risk, and the hazards households face.
//! 2. [`decide`]: every household, in parallel, meets demands and threats and weighs its fear;
//!    it returns what it does (pay, default, flee) and updates only its own [`Mind`](crate::households::Mind).
//! 3. Apply: business closures and marks are booked in household order.
//! 4. [`flight`]: fleeing households choose destinations (in parallel, from the state at the
//!    start of the phase), then arrive and find lodging in household order (capacity is shared).
//! 5. Bookkeeping: the tick's metrics.

pub mod decide;
pub mod flight;
pub mod violence;

use crate::actors::{Group, place_groups};
use crate::households::{Households, Status};
use crate::metrics::{Episode, TickMetrics};
use crate::scenario::{GroupKind, Scenario};
use crate::world::{CellSampler, Controller, World};

/// "No group", for optional group references.
pub const NO_GROUP: u16 = u16::MAX;

/// A running simulation.
#[derive(Debug, Clone)]
pub struct Model {
    pub scenario: Scenario,
    pub world: World,
    pub groups: Vec<Group>,
    pub households: Households,
    /// The next tick to run (0 before the first).
    pub tick: u32,
    /// Households and persons by status, kept current as households move.
    pub households_by_status: [u64; Status::ALL.len()],
    pub persons_by_status: [u64; Status::ALL.len()],
    /// Draws destination candidates where people (initially) live.
    pub sampler: CellSampler,
    next_episode: u64,
    hazards: Vec<violence::CellHazard>,
}

impl Model {
    /// Builds the world, groups and population of a resolved scenario.
    pub fn build(scenario: &Scenario) -> Model {
        let spec = &scenario.spec;
        let mut world = World::build(spec);
        let groups = place_groups(spec, &world);
        let territories: Vec<Vec<u32>> = groups.iter().map(|g| g.territory.clone()).collect();
        world.set_claims(&territories);
        let households = Households::build(spec, &mut world);
        let sampler = CellSampler::new(&world, &world.cells.initial_households);
        let mut model = Model {
            sampler,
            scenario: scenario.clone(),
            hazards: vec![violence::CellHazard::default(); world.len()],
            world,
            groups,
            households,
            tick: 0,
            households_by_status: [0; Status::ALL.len()],
            persons_by_status: [0; Status::ALL.len()],
            next_episode: 0,
        };
        (model.households_by_status, model.persons_by_status) = model.count_by_status();
        model
    }

    /// Households and persons by status, counted from the store (the invariant tests use it).
    pub fn count_by_status(&self) -> ([u64; Status::ALL.len()], [u64; Status::ALL.len()]) {
        let mut households = [0u64; Status::ALL.len()];
        let mut persons = [0u64; Status::ALL.len()];
        for (status, members) in self.households.status.iter().zip(&self.households.members) {
            households[*status as usize] += 1;
            persons[*status as usize] += u64::from(members.total());
        }
        (households, persons)
    }

    /// Total persons alive in the model.
    pub fn persons(&self) -> u64 {
        self.persons_by_status.iter().sum()
    }

    /// Runs one tick; `on_episode` receives every displacement as it happens.
    pub fn step<E>(
        &mut self,
        on_episode: &mut dyn FnMut(&Episode) -> Result<(), E>,
    ) -> Result<TickMetrics, E> {
        let tick = self.tick;
        let mut metrics = TickMetrics {
            tick,
            ..TickMetrics::default()
        };

        let (oc, background) = violence::step(self);
        metrics.homicides_oc = oc;
        metrics.homicides_background = background;

        let decisions = decide::step(self);
        decide::apply(self, &decisions, &mut metrics);

        let requests: Vec<decide::FlightRequest> = decisions
            .into_iter()
            .flat_map(|chunk| chunk.flights)
            .collect();
        flight::step(self, &requests, &mut metrics, on_episode)?;

        metrics.households_by_status = self.households_by_status;
        metrics.persons_by_status = self.persons_by_status;
        self.count_control(&mut metrics);
        self.tick += 1;
        Ok(metrics)
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

    fn next_episode_id(&mut self) -> u64 {
        let id = self.next_episode;
        self.next_episode += 1;
        id
    }
}
