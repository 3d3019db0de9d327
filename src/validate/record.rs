//! What one run of the battery keeps for its checks: the summary, every tick's metrics, every
//! episode, who held each neighbourhood and what happened in it tick by tick, and a few traits of
//! each household at the start. A run is reduced to its checks' numbers as soon as it ends, so
//! this is held for one run at a time per worker.

use crate::households::{Status, flags, traits};
use crate::metrics::{Episode, Summary, TickMetrics};
use crate::scenario::GroupKind;
use crate::sim::Observer;
use crate::step::Model;
use crate::world::Controller;

/// Who holds a neighbourhood in [`Run::holder`]: the state, contested, or a group of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    State,
    Contested,
    Group(GroupKind),
}

impl Holder {
    pub fn is_group(self) -> bool {
        matches!(self, Holder::Group(_))
    }
}

/// One finished run, as the checks see it.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub summary: Summary,
    pub ticks: Vec<TickMetrics>,
    pub episodes: Vec<Episode>,
    pub cells: usize,
    /// Region and kind of each cell, and the number of regions.
    pub region: Vec<u16>,
    pub kind: Vec<crate::scenario::CellKind>,
    pub regions: usize,
    /// Households living in each cell at the start.
    pub initial_households: Vec<u32>,
    /// State presence in each cell in the first tick (before any event of the run changes it).
    pub initial_presence: Vec<f32>,
    /// Deprivation of each cell.
    pub deprivation: Vec<f32>,
    /// `holder[t * cells + c]`: who held cell `c` at the end of tick `t`.
    pub holder: Vec<Holder>,
    /// Departures (episodes starting in the cell), closures, crackdown units and perceived risk
    /// per tick and cell, laid out as `holder`.
    pub departures: Vec<u32>,
    pub closures: Vec<u32>,
    pub units: Vec<u16>,
    pub risk: Vec<f32>,
    /// Organised-crime homicides per tick and cell.
    pub oc_homicides: Vec<u32>,
    /// Per household, at the start: liquid wealth, and whether it is a migrant household.
    pub wealth: Vec<f32>,
    pub migrant: Vec<bool>,
    /// Persons aged 15 or over at the start, and those of migrant households.
    pub persons_15_plus: u64,
    pub migrant_persons_15_plus: u64,
    /// Per household, at the end: whether it ever hid, and its status.
    pub ever_hid: Vec<bool>,
    pub final_status: Vec<Status>,
    /// Ghost neighbourhoods at the end emptied mostly drop by drop.
    pub ghost_atomised: u32,
}

impl Run {
    /// The value of a per-tick, per-cell series at tick `t`, cell `c`.
    pub fn at<T: Copy>(&self, series: &[T], t: usize, c: usize) -> T {
        series[t * self.cells + c]
    }

    pub fn holder_at(&self, t: usize, c: usize) -> Holder {
        self.holder[t * self.cells + c]
    }

    /// Number of ticks recorded.
    pub fn len(&self) -> usize {
        self.ticks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty()
    }
}

/// Builds a [`Run`] as the simulation goes.
#[derive(Default)]
pub struct Recorder {
    pub run: Run,
    last_departures: Vec<u32>,
    last_closures: Vec<u32>,
}

fn holder_of(model: &Model, c: u32) -> Holder {
    match model.world.controller(c) {
        Controller::State => Holder::State,
        Controller::Contested => Holder::Contested,
        Controller::Group(g) => Holder::Group(model.groups[g as usize].kind),
    }
}

impl Observer for Recorder {
    fn start(&mut self, model: &Model) -> std::io::Result<()> {
        let run = &mut self.run;
        let cells = model.world.len();
        run.cells = cells;
        run.region = model.world.region.clone();
        run.kind = model.world.kind.clone();
        run.regions = model.world.region_names.len();
        run.initial_households = model.world.cells.households.clone();
        run.initial_presence = model.world.state_presence.clone();
        run.deprivation = model.world.deprivation.clone();
        let h = &model.households;
        run.wealth = h.mind.iter().map(|m| m.wealth).collect();
        run.migrant = (0..h.len()).map(|i| h.has(i, traits::MIGRANT)).collect();
        for (i, members) in h.members.iter().enumerate() {
            let adults = u64::from(members.aged_15_plus());
            run.persons_15_plus += adults;
            if run.migrant[i] {
                run.migrant_persons_15_plus += adults;
            }
        }
        self.last_departures = model.world.cells.displaced_out.clone();
        self.last_closures = model.world.cells.business_closures.clone();
        Ok(())
    }

    fn episode(&mut self, episode: &Episode) -> std::io::Result<()> {
        self.run.episodes.push(episode.clone());
        Ok(())
    }

    fn tick(&mut self, metrics: &TickMetrics, model: &Model) -> std::io::Result<()> {
        let run = &mut self.run;
        run.ticks.push(metrics.clone());
        let state = &model.world.cells;
        for c in 0..run.cells {
            run.holder.push(holder_of(model, c as u32));
            run.departures
                .push(state.displaced_out[c].saturating_sub(self.last_departures[c]));
            run.closures
                .push(state.business_closures[c].saturating_sub(self.last_closures[c]));
            run.units.push(state.units[c]);
            run.risk.push(state.risk[c]);
            run.oc_homicides.push(state.homicides_oc_tick[c]);
        }
        self.last_departures.clone_from(&state.displaced_out);
        self.last_closures.clone_from(&state.business_closures);
        if run.initial_presence.iter().all(|&p| p == 0.0) {
            run.initial_presence.clone_from(&model.world.state_presence);
        }
        Ok(())
    }
}

impl Recorder {
    /// The run, with what only the end state tells.
    pub fn finish(mut self, summary: Summary, model: &Model) -> Run {
        self.run.summary = summary;
        self.run.ever_hid = model
            .households
            .mind
            .iter()
            .map(|m| m.has(flags::EVER_HID))
            .collect();
        self.run.final_status = model.households.mind.iter().map(|m| m.status).collect();
        let cells = &model.world.cells;
        self.run.ghost_atomised = (0..model.world.len())
            .filter(|&c| cells.ghost_cause(c) == Some(crate::world::GhostCause::Atomised))
            .count() as u32;
        self.run
    }
}
