//! What a run reports: displacement episodes, per-tick metrics, and the run summary.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::households::{Lodging, Status};
use crate::scenario::{GroupKind, Occupation};

/// Why a household fled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Trigger {
    /// An extortion demand, or the threats that follow a default.
    Extortion = 0,
    /// A direct death threat (rule-breaking, suspected witness or informant).
    ThreatInformant = 1,
    /// Accumulated fear of neighbourhood violence (pre-emptive flight).
    DiffuseInsecurity = 2,
}

impl Trigger {
    pub const ALL: [Trigger; 3] = [
        Trigger::Extortion,
        Trigger::ThreatInformant,
        Trigger::DiffuseInsecurity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Trigger::Extortion => "extortion",
            Trigger::ThreatInformant => "threat_informant",
            Trigger::DiffuseInsecurity => "diffuse_insecurity",
        }
    }

    /// Targeted triggers make a household leave within the tick; the others build up.
    pub fn is_targeted(self) -> bool {
        !matches!(self, Trigger::DiffuseInsecurity)
    }
}

/// One displacement: one household (or part of it) moving from one neighbourhood to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub id: u64,
    pub tick: u32,
    pub household: u32,
    pub trigger: Trigger,
    /// Group whose action triggered the move (for diffuse insecurity: the origin's holder, if any).
    pub group: Option<u16>,
    pub whole_household: bool,
    pub persons: u32,
    pub persons_15_plus: u32,
    pub males_15_plus: u32,
    pub school_age_children: u32,
    /// 1 for a first displacement, 2 for the second, ...
    pub move_number: u32,
    pub origin_cell: u32,
    pub origin_region: u16,
    pub destination_cell: u32,
    pub destination_region: u16,
    pub distance_km: f64,
    pub lodging: Lodging,
    pub occupation: Occupation,
    pub migrant: bool,
}

/// Metrics of one tick (counts of this tick, or stocks at its end).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickMetrics {
    pub tick: u32,
    /// Households and persons by status at the end of the tick, in [`Status::ALL`] order.
    pub households_by_status: [u64; Status::ALL.len()],
    pub persons_by_status: [u64; Status::ALL.len()],
    /// Displacement episodes this tick by trigger, in [`Trigger::ALL`] order.
    pub displacements_by_trigger: [u32; Trigger::ALL.len()],
    pub displacements_targeted: u32,
    pub displacements_preemptive: u32,
    pub displacements_first: u32,
    pub displacements_repeat: u32,
    pub displaced_persons: u32,
    pub homicides_oc: u32,
    pub homicides_background: u32,
    pub extortion_demands: u32,
    pub extortion_payments: u32,
    pub extortion_defaults: u32,
    pub business_closures: u32,
    pub threats: u32,
    /// Households that wanted to flee but could not afford to.
    pub flight_blocked: u32,
    /// Neighbourhoods held by the state, by one group of each kind, and contested.
    pub cells_state: u32,
    pub cells_by_group_kind: [u32; GroupKind::ALL.len()],
    pub cells_contested: u32,
}

impl TickMetrics {
    pub fn displacements(&self) -> u32 {
        self.displacements_by_trigger.iter().sum()
    }
}

/// Headline metrics of a whole run (`summary.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub ticks: u32,
    pub households: u64,
    pub persons: u64,
    pub persons_15_plus: u64,
    /// Displacement episodes.
    pub displacements: u64,
    /// Households displaced at least once.
    pub displaced_households: u64,
    /// Persons in households displaced at least once (each person counted once).
    pub displaced_persons: u64,
    /// Displaced persons aged 15+ per 100,000 persons aged 15+, per year of simulated time.
    pub displacement_incidence_per_100k_15plus: f64,
    /// Share of displaced persons (summed over episodes) by trigger.
    pub trigger_shares: BTreeMap<String, f64>,
    /// Share of episodes in which the whole household moved.
    pub whole_family_share: f64,
    /// Share of displaced households displaced more than once.
    pub repeat_displacement_share: f64,
    /// Share of episodes by lodging on arrival.
    pub lodging_shares: BTreeMap<String, f64>,
    /// Share of first moves that stayed in the household's home region.
    pub first_move_same_region_share: f64,
    /// Mean distance of first and of later moves, in km.
    pub mean_distance_first_km: f64,
    pub mean_distance_later_km: f64,
    /// Males among displaced persons aged 15+ (first displacements).
    pub male_share: f64,
    /// Migrant households among displaced households.
    pub migrant_share: f64,
    pub homicides_oc: u64,
    pub homicides_background: u64,
    pub extortion_demands: u64,
    pub extortion_payments: u64,
    pub business_closures: u64,
    pub threats: u64,
    pub flight_blocked: u64,
    /// SHA-256 over every tick's metrics and every episode, in order: two runs with the same hash
    /// followed the same trajectory.
    pub trajectory_hash: String,
}

/// Run totals of per-tick counts.
#[derive(Debug, Clone, Default)]
struct Totals {
    homicides_oc: u64,
    homicides_background: u64,
    extortion_demands: u64,
    extortion_payments: u64,
    business_closures: u64,
    threats: u64,
    flight_blocked: u64,
}

/// Builds the [`Summary`] as ticks and episodes stream past.
#[derive(Debug, Clone)]
pub struct SummaryBuilder {
    ticks: u32,
    tick_days: u32,
    households: u64,
    persons: u64,
    persons_15_plus: u64,
    episodes: u64,
    first: u64,
    repeat_households: u64,
    whole: u64,
    persons_moved_by_trigger: [u64; Trigger::ALL.len()],
    lodging: [u64; Lodging::ON_ARRIVAL.len()],
    first_same_region: u64,
    distance_first: f64,
    distance_later: f64,
    displaced_persons: u64,
    displaced_15_plus: u64,
    displaced_males_15_plus: u64,
    displaced_migrant_households: u64,
    totals: Totals,
    hasher: Sha256,
}

impl SummaryBuilder {
    pub fn new(
        households: u64,
        persons: u64,
        persons_15_plus: u64,
        tick_days: u32,
    ) -> SummaryBuilder {
        SummaryBuilder {
            ticks: 0,
            tick_days,
            households,
            persons,
            persons_15_plus,
            episodes: 0,
            first: 0,
            repeat_households: 0,
            whole: 0,
            persons_moved_by_trigger: [0; Trigger::ALL.len()],
            lodging: [0; Lodging::ON_ARRIVAL.len()],
            first_same_region: 0,
            distance_first: 0.0,
            distance_later: 0.0,
            displaced_persons: 0,
            displaced_15_plus: 0,
            displaced_males_15_plus: 0,
            displaced_migrant_households: 0,
            totals: Totals::default(),
            hasher: Sha256::new(),
        }
    }

    pub fn episode(&mut self, e: &Episode) {
        self.episodes += 1;
        self.persons_moved_by_trigger[e.trigger as usize] += u64::from(e.persons);
        if let Some(i) = Lodging::ON_ARRIVAL.iter().position(|&l| l == e.lodging) {
            self.lodging[i] += 1;
        }
        if e.whole_household {
            self.whole += 1;
        }
        match e.move_number {
            1 => {
                self.first += 1;
                self.displaced_persons += u64::from(e.persons);
                self.displaced_15_plus += u64::from(e.persons_15_plus);
                self.displaced_males_15_plus += u64::from(e.males_15_plus);
                self.displaced_migrant_households += u64::from(e.migrant);
                self.first_same_region += u64::from(e.origin_region == e.destination_region);
                self.distance_first += e.distance_km;
            }
            2 => {
                self.repeat_households += 1;
                self.distance_later += e.distance_km;
            }
            _ => self.distance_later += e.distance_km,
        }
        self.hasher.update(format!("{e:?}").as_bytes());
    }

    pub fn tick(&mut self, m: &TickMetrics) {
        self.ticks += 1;
        let t = &mut self.totals;
        t.homicides_oc += u64::from(m.homicides_oc);
        t.homicides_background += u64::from(m.homicides_background);
        t.extortion_demands += u64::from(m.extortion_demands);
        t.extortion_payments += u64::from(m.extortion_payments);
        t.business_closures += u64::from(m.business_closures);
        t.threats += u64::from(m.threats);
        t.flight_blocked += u64::from(m.flight_blocked);
        self.hasher.update(format!("{m:?}").as_bytes());
    }

    pub fn finish(self) -> Summary {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let years = f64::from(self.ticks) * f64::from(self.tick_days) / 365.25;
        let moved: u64 = self.persons_moved_by_trigger.iter().sum();
        let later = self.episodes - self.first;
        Summary {
            ticks: self.ticks,
            households: self.households,
            persons: self.persons,
            persons_15_plus: self.persons_15_plus,
            displacements: self.episodes,
            displaced_households: self.first,
            displaced_persons: self.displaced_persons,
            displacement_incidence_per_100k_15plus: if years > 0.0 {
                ratio(self.displaced_15_plus, self.persons_15_plus) * 1e5 / years
            } else {
                0.0
            },
            trigger_shares: Trigger::ALL
                .iter()
                .map(|t| {
                    (
                        t.name().to_string(),
                        ratio(self.persons_moved_by_trigger[*t as usize], moved),
                    )
                })
                .collect(),
            whole_family_share: ratio(self.whole, self.episodes),
            repeat_displacement_share: ratio(self.repeat_households, self.first),
            lodging_shares: Lodging::ON_ARRIVAL
                .iter()
                .enumerate()
                .map(|(i, l)| (l.name().to_string(), ratio(self.lodging[i], self.episodes)))
                .collect(),
            first_move_same_region_share: ratio(self.first_same_region, self.first),
            mean_distance_first_km: if self.first > 0 {
                self.distance_first / self.first as f64
            } else {
                0.0
            },
            mean_distance_later_km: if later > 0 {
                self.distance_later / later as f64
            } else {
                0.0
            },
            male_share: ratio(self.displaced_males_15_plus, self.displaced_15_plus),
            migrant_share: ratio(self.displaced_migrant_households, self.first),
            homicides_oc: self.totals.homicides_oc,
            homicides_background: self.totals.homicides_background,
            extortion_demands: self.totals.extortion_demands,
            extortion_payments: self.totals.extortion_payments,
            business_closures: self.totals.business_closures,
            threats: self.totals.threats,
            flight_blocked: self.totals.flight_blocked,
            trajectory_hash: crate::scenario::hex(&self.hasher.finalize()),
        }
    }
}
