//! What a run reports: displacement episodes, per-tick metrics, and the run summary.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::households::{Lodging, Mark, PersonState, Status};
use crate::scenario::{GroupKind, Occupation};
use crate::step::MASS_EVENT_FAMILIES;

/// Why a household (or one of its members) moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Trigger {
    /// An extortion demand, or the threats that follow a default.
    Extortion = 0,
    /// Sexual violence against a woman or girl of the household.
    SexualViolence = 1,
    /// The group seized the household's house.
    PropertySeizure = 2,
    /// A member was murdered.
    Homicide = 3,
    /// A group tried to recruit a child.
    Recruitment = 4,
    /// A direct death threat: rule-breaking, a suspected witness or informant, a leaked report.
    ThreatInformant = 5,
    /// An order to leave for who a member is or what the household does.
    TargetedProfile = 6,
    /// A group ordered many families out at once.
    MassExpulsion = 7,
    /// Accumulated fear of neighbourhood violence (pre-emptive flight).
    DiffuseInsecurity = 8,
    /// Harassment, raids or 'social cleansing' by state forces.
    StateAbuse = 9,
    /// The household's income went with a business closed by extortion, and its savings ran
    /// down (an owner whose own business closed is recorded under `Extortion`).
    LivelihoodLoss = 10,
}

impl Trigger {
    pub const ALL: [Trigger; 11] = [
        Trigger::Extortion,
        Trigger::SexualViolence,
        Trigger::PropertySeizure,
        Trigger::Homicide,
        Trigger::Recruitment,
        Trigger::ThreatInformant,
        Trigger::TargetedProfile,
        Trigger::MassExpulsion,
        Trigger::DiffuseInsecurity,
        Trigger::StateAbuse,
        Trigger::LivelihoodLoss,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Trigger::Extortion => "extortion",
            Trigger::SexualViolence => "sexual_violence",
            Trigger::PropertySeizure => "property_seizure",
            Trigger::Homicide => "homicide",
            Trigger::Recruitment => "recruitment",
            Trigger::ThreatInformant => "threat_informant",
            Trigger::TargetedProfile => "targeted_profile",
            Trigger::MassExpulsion => "mass_expulsion",
            Trigger::DiffuseInsecurity => "diffuse_insecurity",
            Trigger::StateAbuse => "state_abuse",
            Trigger::LivelihoodLoss => "livelihood_loss",
        }
    }

    /// The trigger stored as `code - 1` in a household's mind (0 = none).
    pub fn from_code(code: u8) -> Option<Trigger> {
        code.checked_sub(1)
            .and_then(|i| Trigger::ALL.get(i as usize))
            .copied()
    }

    pub fn code(self) -> u8 {
        self as u8 + 1
    }

    /// Targeted triggers make a household leave within the tick; diffuse fear and a lost
    /// livelihood build up.
    pub fn is_targeted(self) -> bool {
        !matches!(self, Trigger::DiffuseInsecurity | Trigger::LivelihoodLoss)
    }
}

/// Where a trafficking case happened: at home (not displaced), in each lodging of the displaced,
/// alone with kin (a member under 18 sent away), or in transit abroad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraffickingSetting {
    Home = 0,
    Kin = 1,
    Rent = 2,
    Shelter = 3,
    Informal = 4,
    Unaccompanied = 5,
    Transit = 6,
}

impl TraffickingSetting {
    pub const ALL: [TraffickingSetting; 7] = [
        TraffickingSetting::Home,
        TraffickingSetting::Kin,
        TraffickingSetting::Rent,
        TraffickingSetting::Shelter,
        TraffickingSetting::Informal,
        TraffickingSetting::Unaccompanied,
        TraffickingSetting::Transit,
    ];

    /// Settings whose person-time is counted (all but transit, which is a moment).
    pub const EXPOSED: usize = 6;

    pub fn name(self) -> &'static str {
        match self {
            TraffickingSetting::Home => "home",
            TraffickingSetting::Kin => "kin",
            TraffickingSetting::Rent => "rent",
            TraffickingSetting::Shelter => "shelter",
            TraffickingSetting::Informal => "informal",
            TraffickingSetting::Unaccompanied => "unaccompanied_minor",
            TraffickingSetting::Transit => "transit",
        }
    }

    /// The setting of a household member in `lodging`.
    pub fn of_lodging(lodging: Lodging) -> TraffickingSetting {
        match lodging {
            Lodging::Home => TraffickingSetting::Home,
            Lodging::Kin => TraffickingSetting::Kin,
            Lodging::Rent => TraffickingSetting::Rent,
            Lodging::Shelter => TraffickingSetting::Shelter,
            Lodging::Informal => TraffickingSetting::Informal,
        }
    }
}

/// The purpose of a trafficking case (brief 6.1): sexual exploitation, forced labour, criminal
/// exploitation (forced recruitment into the group's roles), servitude (domestic servitude,
/// forced marriage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraffickingForm {
    Sexual = 0,
    Labour = 1,
    Criminal = 2,
    Servitude = 3,
}

impl TraffickingForm {
    pub const ALL: [TraffickingForm; 4] = [
        TraffickingForm::Sexual,
        TraffickingForm::Labour,
        TraffickingForm::Criminal,
        TraffickingForm::Servitude,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TraffickingForm::Sexual => "sexual",
            TraffickingForm::Labour => "labour",
            TraffickingForm::Criminal => "criminal",
            TraffickingForm::Servitude => "servitude",
        }
    }
}

/// Bands of time displaced for trafficking rates: under 26 weeks, 26 to 51, 52 or more.
pub const TIME_DISPLACED_BANDS: [&str; 3] = ["under_6_months", "6_to_12_months", "over_a_year"];

/// The band of [`TIME_DISPLACED_BANDS`] for `weeks` displaced.
pub fn time_displaced_band(weeks: f64) -> usize {
    if weeks < 26.0 {
        0
    } else if weeks < 52.0 {
        1
    } else {
        2
    }
}

/// Trafficking cases and the person-ticks exposed to them, by setting, by time displaced (for
/// displaced households), and by the victim's sex (female, male) and form.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraffickingTally {
    pub cases: [u32; TraffickingSetting::ALL.len()],
    pub person_ticks: [u64; TraffickingSetting::EXPOSED],
    pub cases_by_time: [u32; TIME_DISPLACED_BANDS.len()],
    pub person_ticks_by_time: [u64; TIME_DISPLACED_BANDS.len()],
    pub forms: [[u32; TraffickingForm::ALL.len()]; 2],
}

impl TraffickingTally {
    /// Books one case. `time_band` is the band of time displaced of a displaced household.
    pub fn case(
        &mut self,
        setting: TraffickingSetting,
        female: bool,
        form: TraffickingForm,
        time_band: Option<usize>,
    ) {
        self.cases[setting as usize] += 1;
        self.forms[usize::from(!female)][form as usize] += 1;
        if let Some(b) = time_band {
            self.cases_by_time[b] += 1;
        }
    }

    pub fn add(&mut self, other: &TraffickingTally) {
        let add = |a: &mut [u32], b: &[u32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        let add64 = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.cases, &other.cases);
        add64(&mut self.person_ticks, &other.person_ticks);
        add(&mut self.cases_by_time, &other.cases_by_time);
        add64(&mut self.person_ticks_by_time, &other.person_ticks_by_time);
        for (a, b) in self.forms.iter_mut().zip(&other.forms) {
            add(a, b);
        }
    }
}

/// Recruitment attempts on the youths (aged 8 to 17) of households where a group holds sway, and
/// the youth-ticks exposed: `[local, displaced]` (at home, or displaced to the neighbourhood).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecruitmentPressure {
    pub attempts: [u32; 2],
    pub youth_ticks: [u64; 2],
}

impl RecruitmentPressure {
    pub fn add(&mut self, other: &RecruitmentPressure) {
        for i in 0..2 {
            self.attempts[i] += other.attempts[i];
            self.youth_ticks[i] += other.youth_ticks[i];
        }
    }
}

/// Recruitment attempts on one kind of youth, its youth-years and the rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RecruitmentRate {
    pub attempts: u64,
    pub youth_years: f64,
    /// Attempts per youth-year (`null` with no youth-time).
    pub per_youth_year: Option<f64>,
}

/// Trafficking cases in one setting, its person-time and the rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TraffickingRate {
    pub cases: u64,
    pub person_years: f64,
    /// Cases per 1,000 person-years (`null` where no person-time is counted: transit).
    pub per_1000_person_years: Option<f64>,
}

impl TraffickingRate {
    fn new(cases: u64, person_ticks: Option<u64>, years_per_tick: f64) -> TraffickingRate {
        let person_years = person_ticks.map(|t| t as f64 * years_per_tick);
        TraffickingRate {
            cases,
            person_years: person_years.unwrap_or(0.0),
            per_1000_person_years: person_years
                .filter(|&y| y > 0.0)
                .map(|y| cases as f64 / y * 1000.0),
        }
    }
}

/// One displacement: a household, or one of its children, leaving a neighbourhood.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub id: u64,
    pub tick: u32,
    pub household: u32,
    pub trigger: Trigger,
    /// Group whose action triggered the move (for diffuse insecurity: the origin's holder, if any).
    pub group: Option<u16>,
    /// False when one child was sent to kin (a partial move).
    pub whole_household: bool,
    pub persons: u32,
    pub persons_15_plus: u32,
    pub males_15_plus: u32,
    pub school_age_children: u32,
    /// School-age children who resumed school at the destination.
    pub school_resumed: u32,
    /// 1 for a household's first displacement (and for a child sent away), 2 for the second, ...
    pub move_number: u32,
    pub origin_cell: u32,
    pub origin_region: u16,
    /// `None` when the household left the country.
    pub destination_cell: Option<u32>,
    pub destination_region: Option<u16>,
    /// Distance travelled in the country (to the border crossing for exits), km.
    pub distance_km: f64,
    /// `None` when the household left the country.
    pub lodging: Option<Lodging>,
    pub cross_border: bool,
    /// Families that left the origin in the same event (1 for atomised flight).
    pub event_families: u32,
    /// Kin refused to take the household in.
    pub host_rejected: bool,
    /// The household had never been displaced, wholly or partly, before this episode.
    pub household_first: bool,
    /// The household's mark when it left.
    pub mark: Mark,
    pub occupation: Occupation,
    pub migrant: bool,
}

impl Episode {
    /// Appends every field of the episode to `out`, in order, as fixed-size little-endian
    /// bytes (an absent value as a 0 byte, a present one as 1 and the value): what the
    /// trajectory hash reads of it.
    pub fn hash_bytes(&self, out: &mut Vec<u8>) {
        fn optional<const N: usize>(out: &mut Vec<u8>, value: Option<[u8; N]>) {
            match value {
                Some(bytes) => {
                    out.push(1);
                    out.extend_from_slice(&bytes);
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.tick.to_le_bytes());
        out.extend_from_slice(&self.household.to_le_bytes());
        out.push(self.trigger as u8);
        optional(out, self.group.map(u16::to_le_bytes));
        out.push(u8::from(self.whole_household));
        for n in [
            self.persons,
            self.persons_15_plus,
            self.males_15_plus,
            self.school_age_children,
            self.school_resumed,
            self.move_number,
            self.origin_cell,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&self.origin_region.to_le_bytes());
        optional(out, self.destination_cell.map(u32::to_le_bytes));
        optional(out, self.destination_region.map(u16::to_le_bytes));
        out.extend_from_slice(&self.distance_km.to_bits().to_le_bytes());
        optional(out, self.lodging.map(|l| [l as u8]));
        out.push(u8::from(self.cross_border));
        out.extend_from_slice(&self.event_families.to_le_bytes());
        out.push(u8::from(self.host_rejected));
        out.push(u8::from(self.household_first));
        out.push(self.mark as u8);
        out.push(self.occupation.index() as u8);
        out.push(u8::from(self.migrant));
    }
}

/// Metrics of one tick (counts of this tick, or stocks at its end).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TickMetrics {
    pub tick: u32,
    /// Households by status and persons by state at the end of the tick.
    pub households_by_status: [u64; Status::ALL.len()],
    pub persons_by_state: [u64; PersonState::ALL.len()],
    /// Displacement episodes this tick by trigger, in [`Trigger::ALL`] order.
    pub displacements_by_trigger: [u32; Trigger::ALL.len()],
    pub displacements_targeted: u32,
    pub displacements_preemptive: u32,
    pub displacements_first: u32,
    pub displacements_repeat: u32,
    /// Children sent to kin (partial moves).
    pub displacements_partial: u32,
    pub displacements_cross_border: u32,
    /// Episodes that were part of an event of 10 or more families.
    pub displacements_mass: u32,
    pub displaced_persons: u32,
    pub homicides_oc: u32,
    pub homicides_background: u32,
    /// Killed in clashes between state forces and groups (kept apart from the household population).
    pub homicides_state_clash: u32,
    /// Homicides of children under 18: household members (organised crime or background) and
    /// recruited children killed in the groups' violent roles (counted in `homicides_oc` too).
    pub homicides_children: u32,
    pub extortion_demands: u32,
    pub extortion_payments: u32,
    pub extortion_defaults: u32,
    pub business_closures: u32,
    pub threats: u32,
    pub recruitment_attempts: u32,
    pub children_recruited: u32,
    pub sexual_violence: u32,
    pub house_seizures: u32,
    pub profile_orders: u32,
    pub witnesses: u32,
    pub reports: u32,
    pub report_leaks: u32,
    pub state_abuse: u32,
    pub self_containment_starts: u32,
    /// Households that hid for the first time in the run.
    pub households_first_hiding: u32,
    /// Households that wanted to flee but could neither afford it nor hide.
    pub flight_blocked: u32,
    pub pursuit_detections: u32,
    pub pursuit_attacks: u32,
    /// Threats and pursuit attacks against households that reported a crime.
    pub reprisals_on_reporters: u32,
    pub host_rejections: u32,
    pub kin_hosting_ended: u32,
    pub returns: u32,
    pub transit_violence: u32,
    pub trafficking_true: u32,
    pub trafficking_identified: u32,
    /// Trafficking cases and exposure by setting, time displaced, sex and form.
    pub trafficking: TraffickingTally,
    /// Recruitment attempts and youth-time where groups hold sway, local and displaced youths.
    pub recruitment_pressure: RecruitmentPressure,
    /// Ghost neighbourhoods at the end of the tick.
    pub ghost_cells: u32,
    /// Group dynamics this tick.
    pub expansions: u32,
    pub incursions: u32,
    pub contests_resolved: u32,
    pub splits: u32,
    pub relocations: u32,
    /// Self-defence groups formed, absorbed by the state and turned criminal this tick.
    pub autodefensas_formed: u32,
    pub autodefensas_absorbed: u32,
    pub autodefensas_criminal: u32,
    /// Armed groups at the end of the tick (splits and uprisings add groups).
    pub groups: u32,
    /// The state's policies this tick.
    pub units_deployed: u32,
    pub clashes: u32,
    pub clashes_intelligence_led: u32,
    pub clash_wounded: u32,
    pub member_arrests: u32,
    pub innocent_detentions: u32,
    /// Persons in detention at the end of the tick (group members and innocent youths).
    pub detained: u32,
    pub assisted_households: u32,
    /// Assisted households whose first displacement was pre-emptive (diffuse insecurity).
    pub assisted_preemptive: u32,
    /// Households relocated by a protection programme.
    pub protection_relocations: u32,
    /// Raided neighbourhoods the state took back from a group this tick.
    pub cells_retaken: u32,
    /// Households that left the country for work (not displaced), and those of them with
    /// children under 15.
    pub labour_emigrants: u32,
    pub labour_emigrants_with_children: u32,
    /// Neighbourhoods held by the state, by one group of each kind, and contested.
    pub cells_state: u32,
    pub cells_by_group_kind: [u32; GroupKind::ALL.len()],
    pub cells_contested: u32,
}

impl TickMetrics {
    pub fn displacements(&self) -> u32 {
        self.displacements_by_trigger.iter().sum()
    }

    /// The per-tick counters written to `timeseries.csv` after the stocks, with their names.
    pub fn counters(&self) -> [(&'static str, u32); 60] {
        [
            ("displacements_targeted", self.displacements_targeted),
            ("displacements_preemptive", self.displacements_preemptive),
            ("displacements_first", self.displacements_first),
            ("displacements_repeat", self.displacements_repeat),
            ("displacements_partial", self.displacements_partial),
            (
                "displacements_cross_border",
                self.displacements_cross_border,
            ),
            ("displacements_mass", self.displacements_mass),
            ("displaced_persons", self.displaced_persons),
            ("homicides_oc", self.homicides_oc),
            ("homicides_background", self.homicides_background),
            ("homicides_state_clash", self.homicides_state_clash),
            ("homicides_children", self.homicides_children),
            ("extortion_demands", self.extortion_demands),
            ("extortion_payments", self.extortion_payments),
            ("extortion_defaults", self.extortion_defaults),
            ("business_closures", self.business_closures),
            ("threats", self.threats),
            ("recruitment_attempts", self.recruitment_attempts),
            ("children_recruited", self.children_recruited),
            ("sexual_violence", self.sexual_violence),
            ("house_seizures", self.house_seizures),
            ("profile_orders", self.profile_orders),
            ("witnesses", self.witnesses),
            ("reports", self.reports),
            ("report_leaks", self.report_leaks),
            ("state_abuse", self.state_abuse),
            ("self_containment_starts", self.self_containment_starts),
            ("households_first_hiding", self.households_first_hiding),
            ("flight_blocked", self.flight_blocked),
            ("pursuit_detections", self.pursuit_detections),
            ("pursuit_attacks", self.pursuit_attacks),
            ("reprisals_on_reporters", self.reprisals_on_reporters),
            ("host_rejections", self.host_rejections),
            ("kin_hosting_ended", self.kin_hosting_ended),
            ("returns", self.returns),
            ("transit_violence", self.transit_violence),
            ("labour_emigrants", self.labour_emigrants),
            (
                "labour_emigrants_with_children",
                self.labour_emigrants_with_children,
            ),
            ("trafficking_true", self.trafficking_true),
            ("trafficking_identified", self.trafficking_identified),
            ("expansions", self.expansions),
            ("incursions", self.incursions),
            ("contests_resolved", self.contests_resolved),
            ("splits", self.splits),
            ("relocations", self.relocations),
            ("autodefensas_formed", self.autodefensas_formed),
            ("autodefensas_absorbed", self.autodefensas_absorbed),
            ("autodefensas_criminal", self.autodefensas_criminal),
            ("units_deployed", self.units_deployed),
            ("clashes", self.clashes),
            ("clashes_intelligence_led", self.clashes_intelligence_led),
            ("clash_wounded", self.clash_wounded),
            ("member_arrests", self.member_arrests),
            ("innocent_detentions", self.innocent_detentions),
            ("detained", self.detained),
            ("assisted_households", self.assisted_households),
            ("assisted_preemptive", self.assisted_preemptive),
            ("protection_relocations", self.protection_relocations),
            ("cells_retaken", self.cells_retaken),
            ("groups", self.groups),
        ]
    }
}

/// Headline metrics of a whole run (`summary.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub ticks: u32,
    pub households: u64,
    pub persons: u64,
    pub persons_15_plus: u64,
    /// Displacement episodes (whole-household moves, children sent away, exits).
    pub displacements: u64,
    /// Households displaced (as a whole) at least once.
    pub displaced_households: u64,
    /// Persons displaced at least once (each counted once).
    pub displaced_persons: u64,
    /// Displaced persons aged 15+ per 100,000 persons aged 15+, per year of simulated time.
    pub displacement_incidence_per_100k_15plus: f64,
    /// Share of displaced persons (summed over episodes) by trigger.
    pub trigger_shares: BTreeMap<String, f64>,
    /// Displacement episodes by trigger.
    pub displacements_by_trigger: BTreeMap<String, u64>,
    /// Share of episodes in which the whole household moved.
    pub whole_family_share: f64,
    /// Share of displaced households displaced more than once.
    pub repeat_displacement_share: f64,
    /// Share of displaced persons (summed over episodes) who left in events of 10 or more families.
    pub mass_event_share: f64,
    /// Share of in-country episodes by lodging on arrival.
    pub lodging_shares: BTreeMap<String, f64>,
    /// Share of displaced school-age children (over episodes) who resumed school.
    pub school_resumption_share: f64,
    /// Share of first moves that stayed in the household's home region.
    pub first_move_same_region_share: f64,
    /// Mean distance of first and of later moves, in km.
    pub mean_distance_first_km: f64,
    pub mean_distance_later_km: f64,
    /// Males among persons aged 15+ displaced for the first time.
    pub male_share: f64,
    /// Migrant households among households displaced for the first time (whole or partly).
    pub migrant_share: f64,
    /// Households that hid at home at least once.
    pub self_contained_households: u64,
    /// Children (5-17) sent to kin without their household (partial moves of a child).
    pub sent_away_children: u64,
    pub cross_border_exits: u64,
    /// Households that emigrated for work, not displaced (not in `cross_border_exits`), and
    /// those of them with children under 15.
    pub labour_emigrants: u64,
    pub labour_emigrants_with_children: u64,
    pub returns: u64,
    pub pursuit_attacks: u64,
    pub homicides_oc: u64,
    pub homicides_background: u64,
    pub homicides_state_clash: u64,
    /// Homicides of children under 18 (see [`TickMetrics::homicides_children`]).
    pub homicides_children: u64,
    pub children_recruited: u64,
    pub trafficking_true: u64,
    pub trafficking_identified: u64,
    /// Trafficking cases, person-years and rate by setting: at home, by lodging of the
    /// displaced, minors alone with kin, transit.
    pub trafficking_by_setting: BTreeMap<String, TraffickingRate>,
    /// The same for displaced households (at kin, rent, shelter, informal) by time displaced.
    pub trafficking_by_time_displaced: BTreeMap<String, TraffickingRate>,
    /// Trafficking cases by the victim's sex (`female`, `male`) and form.
    pub trafficking_forms: BTreeMap<String, BTreeMap<String, u64>>,
    /// Recruitment attempts per youth-year (aged 8 to 17) where a group holds the neighbourhood:
    /// `local` youths at home, `displaced` youths of households displaced there.
    pub recruitment_pressure: BTreeMap<String, RecruitmentRate>,
    pub extortion_demands: u64,
    pub extortion_payments: u64,
    pub business_closures: u64,
    pub threats: u64,
    pub reports: u64,
    pub report_leaks: u64,
    pub reprisals_on_reporters: u64,
    pub host_rejections: u64,
    pub kin_hosting_ended: u64,
    pub flight_blocked: u64,
    /// Neighbourhoods that are ghosts at the end of the run.
    pub ghost_neighbourhoods: u64,
    /// Self-defence groups formed, absorbed by the state and turned criminal over the run.
    pub autodefensas_formed: u64,
    pub autodefensas_absorbed: u64,
    pub autodefensas_criminal: u64,
    /// Clashes between state forces and groups, and their killed per wounded.
    pub clashes: u64,
    pub killed_to_wounded_ratio: f64,
    /// Share of clashes that followed intelligence.
    pub intelligence_led_share: f64,
    pub member_arrests: u64,
    pub innocent_detentions: u64,
    /// Innocent youths among all those detained.
    pub innocent_share_of_detainees: f64,
    /// Most persons in detention at once, as a share of the population.
    pub detention_peak_share: f64,
    pub assisted_households: u64,
    /// Share of assisted households whose first displacement was pre-emptive.
    pub assisted_preemptive_share: f64,
    pub protection_relocations: u64,
    /// SHA-256 over every tick's metrics and every episode, in order: two runs with the same hash
    /// followed the same trajectory.
    pub trajectory_hash: String,
}

/// Feeds a value's `Debug` text to the hasher (the bytes of `format!("{value:?}")`), through a
/// buffer reused from call to call.
fn hash_debug(hasher: &mut Sha256, buffer: &mut String, value: &impl std::fmt::Debug) {
    use std::fmt::Write;
    buffer.clear();
    write!(buffer, "{value:?}").expect("formatting into a String cannot fail");
    hasher.update(buffer.as_bytes());
}

/// Builds the [`Summary`] as ticks and episodes stream past. Between ticks it can be saved with
/// the model and continued (`displace run --save-state`).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SummaryBuilder {
    ticks: u32,
    tick_days: u32,
    households: u64,
    persons: u64,
    persons_15_plus: u64,
    episodes: u64,
    whole: u64,
    first_whole: u64,
    second_whole: u64,
    persons_moved: u64,
    persons_moved_by_trigger: [u64; Trigger::ALL.len()],
    episodes_by_trigger: [u64; Trigger::ALL.len()],
    children_sent_away: u64,
    persons_moved_mass: u64,
    lodging: [u64; Lodging::ON_ARRIVAL.len()],
    school_age: u64,
    school_resumed: u64,
    first_moves: u64,
    first_same_region: u64,
    distance_first: f64,
    later_moves: u64,
    distance_later: f64,
    displaced_persons: u64,
    displaced_15_plus: u64,
    displaced_males_15_plus: u64,
    first_time_households: u64,
    first_time_migrant_households: u64,
    #[serde(with = "counter_names")]
    totals: BTreeMap<&'static str, u64>,
    trafficking: TraffickingTally,
    recruitment: RecruitmentPressure,
    last: TickMetrics,
    peak_detained: u64,
    #[serde(with = "hasher_state")]
    hasher: Sha256,
    #[serde(skip)]
    hash_buffer: String,
    /// This tick's episodes, hashed when the tick ends (their text is formatted in parallel).
    /// The bytes of this tick's episodes ([`Episode::hash_bytes`]), not yet hashed.
    unhashed: Vec<u8>,
}

/// The running totals by counter name, saved as names and read back as the names of
/// [`TickMetrics::counters`].
mod counter_names {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        totals: &BTreeMap<&'static str, u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        totals.iter().collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<&'static str, u64>, D::Error> {
        let names = super::TickMetrics::default()
            .counters()
            .map(|(name, _)| name);
        Vec::<(String, u64)>::deserialize(d)?
            .into_iter()
            .map(|(name, total)| {
                names
                    .iter()
                    .find(|n| **n == name)
                    .map(|n| (*n, total))
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown counter `{name}`")))
            })
            .collect()
    }
}

/// The trajectory hash as far as it has come, saved as the hasher's internal state.
mod hasher_state {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use sha2::Sha256;
    use sha2::digest::common::hazmat::{SerializableState, SerializedState};

    pub fn serialize<S: Serializer>(hasher: &Sha256, s: S) -> Result<S::Ok, S::Error> {
        hasher.serialize().as_slice().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sha256, D::Error> {
        let bytes = Vec::<u8>::deserialize(d)?;
        let state = SerializedState::<Sha256>::try_from(bytes.as_slice())
            .map_err(|_| serde::de::Error::custom("a trajectory hash state of the wrong size"))?;
        <Sha256 as SerializableState>::deserialize(&state)
            .map_err(|_| serde::de::Error::custom("a damaged trajectory hash state"))
    }
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
            whole: 0,
            first_whole: 0,
            second_whole: 0,
            persons_moved: 0,
            persons_moved_by_trigger: [0; Trigger::ALL.len()],
            episodes_by_trigger: [0; Trigger::ALL.len()],
            children_sent_away: 0,
            persons_moved_mass: 0,
            lodging: [0; Lodging::ON_ARRIVAL.len()],
            school_age: 0,
            school_resumed: 0,
            first_moves: 0,
            first_same_region: 0,
            distance_first: 0.0,
            later_moves: 0,
            distance_later: 0.0,
            displaced_persons: 0,
            displaced_15_plus: 0,
            displaced_males_15_plus: 0,
            first_time_households: 0,
            first_time_migrant_households: 0,
            totals: BTreeMap::new(),
            trafficking: TraffickingTally::default(),
            recruitment: RecruitmentPressure::default(),
            last: TickMetrics::default(),
            peak_detained: 0,
            hasher: Sha256::new(),
            hash_buffer: String::new(),
            unhashed: Vec::new(),
        }
    }

    pub fn episode(&mut self, e: &Episode) {
        self.episodes += 1;
        let persons = u64::from(e.persons);
        self.persons_moved += persons;
        self.persons_moved_by_trigger[e.trigger as usize] += persons;
        self.episodes_by_trigger[e.trigger as usize] += 1;
        if !e.whole_household && e.school_age_children > 0 {
            self.children_sent_away += 1;
        }
        if e.event_families >= MASS_EVENT_FAMILIES {
            self.persons_moved_mass += persons;
        }
        if let Some(i) = e
            .lodging
            .and_then(|l| Lodging::ON_ARRIVAL.iter().position(|&x| x == l))
        {
            self.lodging[i] += 1;
        }
        if e.household_first {
            self.first_time_households += 1;
            self.first_time_migrant_households += u64::from(e.migrant);
        }
        self.school_age += u64::from(e.school_age_children);
        self.school_resumed += u64::from(e.school_resumed);
        if e.whole_household {
            self.whole += 1;
            match e.move_number {
                1 => self.first_whole += 1,
                2 => self.second_whole += 1,
                _ => {}
            }
        }
        if e.move_number == 1 {
            // A first move: of the household, or of a child sent away (never both for one person).
            self.displaced_persons += persons;
            self.displaced_15_plus += u64::from(e.persons_15_plus);
            self.displaced_males_15_plus += u64::from(e.males_15_plus);
            self.first_moves += 1;
            self.first_same_region += u64::from(Some(e.origin_region) == e.destination_region);
            self.distance_first += e.distance_km;
        } else {
            self.later_moves += 1;
            self.distance_later += e.distance_km;
        }
        e.hash_bytes(&mut self.unhashed);
    }

    pub fn tick(&mut self, m: &TickMetrics) {
        self.ticks += 1;
        for (name, value) in m.counters() {
            *self.totals.entry(name).or_default() += u64::from(value);
        }
        self.peak_detained = self.peak_detained.max(u64::from(m.detained));
        self.trafficking.add(&m.trafficking);
        self.recruitment.add(&m.recruitment_pressure);
        self.last = m.clone();
        self.hash_episodes();
        hash_debug(&mut self.hasher, &mut self.hash_buffer, m);
    }

    /// Feeds the tick's episodes to the trajectory hash, in order.
    fn hash_episodes(&mut self) {
        self.hasher.update(&self.unhashed);
        self.unhashed.clear();
    }

    pub fn finish(mut self) -> Summary {
        self.hash_episodes();
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let total = |name: &str| self.totals.get(name).copied().unwrap_or(0);
        let years = f64::from(self.ticks) * f64::from(self.tick_days) / 365.25;
        let in_country: u64 = self.lodging.iter().sum();
        let years_per_tick = f64::from(self.tick_days) / 365.25;
        let t = &self.trafficking;
        let trafficking_by_setting = TraffickingSetting::ALL
            .iter()
            .map(|&s| {
                let i = s as usize;
                let exposed = t.person_ticks.get(i).copied();
                let rate = TraffickingRate::new(u64::from(t.cases[i]), exposed, years_per_tick);
                (s.name().to_string(), rate)
            })
            .collect();
        let trafficking_by_time_displaced = TIME_DISPLACED_BANDS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let rate = TraffickingRate::new(
                    u64::from(t.cases_by_time[i]),
                    Some(t.person_ticks_by_time[i]),
                    years_per_tick,
                );
                (name.to_string(), rate)
            })
            .collect();
        let trafficking_forms = ["female", "male"]
            .iter()
            .zip(&t.forms)
            .map(|(sex, counts)| {
                let by_form = TraffickingForm::ALL
                    .iter()
                    .map(|f| (f.name().to_string(), u64::from(counts[*f as usize])))
                    .collect();
                (sex.to_string(), by_form)
            })
            .collect();
        let recruitment_pressure = ["local", "displaced"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let attempts = u64::from(self.recruitment.attempts[i]);
                let youth_years = self.recruitment.youth_ticks[i] as f64 * years_per_tick;
                let rate = RecruitmentRate {
                    attempts,
                    youth_years,
                    per_youth_year: (youth_years > 0.0).then(|| attempts as f64 / youth_years),
                };
                (name.to_string(), rate)
            })
            .collect();
        Summary {
            ticks: self.ticks,
            households: self.households,
            persons: self.persons,
            persons_15_plus: self.persons_15_plus,
            displacements: self.episodes,
            displaced_households: self.first_whole,
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
                        ratio(
                            self.persons_moved_by_trigger[*t as usize],
                            self.persons_moved,
                        ),
                    )
                })
                .collect(),
            displacements_by_trigger: Trigger::ALL
                .iter()
                .map(|t| (t.name().to_string(), self.episodes_by_trigger[*t as usize]))
                .collect(),
            whole_family_share: ratio(self.whole, self.episodes),
            repeat_displacement_share: ratio(self.second_whole, self.first_whole),
            mass_event_share: ratio(self.persons_moved_mass, self.persons_moved),
            lodging_shares: Lodging::ON_ARRIVAL
                .iter()
                .enumerate()
                .map(|(i, l)| (l.name().to_string(), ratio(self.lodging[i], in_country)))
                .collect(),
            school_resumption_share: ratio(self.school_resumed, self.school_age),
            first_move_same_region_share: ratio(self.first_same_region, self.first_moves),
            mean_distance_first_km: if self.first_moves > 0 {
                self.distance_first / self.first_moves as f64
            } else {
                0.0
            },
            mean_distance_later_km: if self.later_moves > 0 {
                self.distance_later / self.later_moves as f64
            } else {
                0.0
            },
            male_share: ratio(self.displaced_males_15_plus, self.displaced_15_plus),
            migrant_share: ratio(
                self.first_time_migrant_households,
                self.first_time_households,
            ),
            self_contained_households: total("households_first_hiding"),
            sent_away_children: self.children_sent_away,
            cross_border_exits: total("displacements_cross_border"),
            labour_emigrants: total("labour_emigrants"),
            labour_emigrants_with_children: total("labour_emigrants_with_children"),
            returns: total("returns"),
            pursuit_attacks: total("pursuit_attacks"),
            homicides_oc: total("homicides_oc"),
            homicides_background: total("homicides_background"),
            homicides_state_clash: total("homicides_state_clash"),
            homicides_children: total("homicides_children"),
            children_recruited: total("children_recruited"),
            trafficking_true: total("trafficking_true"),
            trafficking_identified: total("trafficking_identified"),
            trafficking_by_setting,
            trafficking_by_time_displaced,
            trafficking_forms,
            recruitment_pressure,
            extortion_demands: total("extortion_demands"),
            extortion_payments: total("extortion_payments"),
            business_closures: total("business_closures"),
            threats: total("threats"),
            reports: total("reports"),
            report_leaks: total("report_leaks"),
            reprisals_on_reporters: total("reprisals_on_reporters"),
            host_rejections: total("host_rejections"),
            kin_hosting_ended: total("kin_hosting_ended"),
            flight_blocked: total("flight_blocked"),
            ghost_neighbourhoods: u64::from(self.last.ghost_cells),
            autodefensas_formed: total("autodefensas_formed"),
            autodefensas_absorbed: total("autodefensas_absorbed"),
            autodefensas_criminal: total("autodefensas_criminal"),
            clashes: total("clashes"),
            killed_to_wounded_ratio: ratio(total("homicides_state_clash"), total("clash_wounded")),
            intelligence_led_share: ratio(total("clashes_intelligence_led"), total("clashes")),
            member_arrests: total("member_arrests"),
            innocent_detentions: total("innocent_detentions"),
            innocent_share_of_detainees: ratio(
                total("innocent_detentions"),
                total("innocent_detentions") + total("member_arrests"),
            ),
            detention_peak_share: ratio(self.peak_detained, self.persons),
            assisted_households: total("assisted_households"),
            assisted_preemptive_share: ratio(
                total("assisted_preemptive"),
                total("assisted_households"),
            ),
            protection_relocations: total("protection_relocations"),
            trajectory_hash: crate::scenario::hex(&self.hasher.finalize()),
        }
    }
}
