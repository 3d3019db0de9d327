//! Households in a struct-of-arrays store: one `Vec` per field, index = household id.
//!
//! Persons are counted by age band and sex inside a household (no heap objects per person).
//! Per-household state is 61 bytes; the fields a household's own decisions change every tick sit
//! together in [`Mind`] (32 bytes), so the parallel decision phase can own them chunk by chunk.

mod build;

use crate::scenario::{HomicideSpec, Occupation};

/// Age bands; the boundaries are the ones the brief's questions need (recruitment from 8, adults
/// over 15, school age 5-17, young men 15-29).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[repr(u8)]
pub enum AgeBand {
    Under5 = 0,
    Age5To7 = 1,
    Age8To14 = 2,
    Age15To17 = 3,
    Age18To29 = 4,
    Age30To59 = 5,
    Age60Plus = 6,
}

pub const AGE_BANDS: usize = 7;

impl AgeBand {
    pub const ALL: [AgeBand; AGE_BANDS] = [
        AgeBand::Under5,
        AgeBand::Age5To7,
        AgeBand::Age8To14,
        AgeBand::Age15To17,
        AgeBand::Age18To29,
        AgeBand::Age30To59,
        AgeBand::Age60Plus,
    ];

    /// First and last age of the band.
    pub fn ages(self) -> (u32, u32) {
        match self {
            AgeBand::Under5 => (0, 4),
            AgeBand::Age5To7 => (5, 7),
            AgeBand::Age8To14 => (8, 14),
            AgeBand::Age15To17 => (15, 17),
            AgeBand::Age18To29 => (18, 29),
            AgeBand::Age30To59 => (30, 59),
            AgeBand::Age60Plus => (60, 99),
        }
    }
}

/// Female = 0, male = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum Sex {
    Female = 0,
    Male = 1,
}

/// Members of a household counted by age band and sex: `counts[band * 2 + sex]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Members {
    pub counts: [u8; AGE_BANDS * 2],
}

/// The sum of the eight bytes of `v`: bytes added in pairs into four 16-bit lanes (each at
/// most 510), then the lanes added by one multiplication into the top lane (at most 2,040).
#[inline]
fn byte_sum(v: u64) -> u32 {
    const LANES: u64 = 0x00FF_00FF_00FF_00FF;
    let pairs = (v & LANES) + ((v >> 8) & LANES);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as u32
}

impl Members {
    pub fn add(&mut self, band: AgeBand, sex: Sex) {
        let slot = &mut self.counts[band as usize * 2 + sex as usize];
        *slot = slot.saturating_add(1);
    }

    /// Removes one member of that band and sex (who died, was recruited or was sent away).
    pub fn remove(&mut self, band: AgeBand, sex: Sex) {
        let slot = &mut self.counts[band as usize * 2 + sex as usize];
        debug_assert!(*slot > 0, "no member to remove");
        *slot = slot.saturating_sub(1);
    }

    pub fn count(&self, band: AgeBand, sex: Sex) -> u32 {
        u32::from(self.counts[band as usize * 2 + sex as usize])
    }

    fn sum_bands(&self, bands: std::ops::Range<usize>, sexes: &[usize]) -> u32 {
        bands
            .flat_map(|b| sexes.iter().map(move |&s| b * 2 + s))
            .map(|i| u32::from(self.counts[i]))
            .sum()
    }

    /// All members. Called for every household looked at, so the 14 counts are added eight
    /// at a time within two words rather than one by one.
    pub fn total(&self) -> u32 {
        let mut low = [0u8; 8];
        let mut high = [0u8; 8];
        low.copy_from_slice(&self.counts[..8]);
        high[..AGE_BANDS * 2 - 8].copy_from_slice(&self.counts[8..]);
        byte_sum(u64::from_le_bytes(low)) + byte_sum(u64::from_le_bytes(high))
    }

    /// Persons aged 15 or over.
    pub fn aged_15_plus(&self) -> u32 {
        self.sum_bands(AgeBand::Age15To17 as usize..AGE_BANDS, &[0, 1])
    }

    /// Males aged 15 or over.
    pub fn males_15_plus(&self) -> u32 {
        self.sum_bands(AgeBand::Age15To17 as usize..AGE_BANDS, &[1])
    }

    /// Children aged 8-17: the ages groups recruit from.
    pub fn children_8_to_17(&self) -> u32 {
        self.sum_bands(
            AgeBand::Age8To14 as usize..AgeBand::Age18To29 as usize,
            &[0, 1],
        )
    }

    /// Children of school age (5-17).
    pub fn school_age(&self) -> u32 {
        self.sum_bands(
            AgeBand::Age5To7 as usize..AgeBand::Age18To29 as usize,
            &[0, 1],
        )
    }

    /// Males aged 15-29 (the targets of state harassment and most homicides).
    pub fn young_males(&self) -> u32 {
        self.count(AgeBand::Age15To17, Sex::Male) + self.count(AgeBand::Age18To29, Sex::Male)
    }

    /// Women and girls aged 8-59.
    pub fn females_at_risk(&self) -> u32 {
        self.sum_bands(
            AgeBand::Age8To14 as usize..AgeBand::Age60Plus as usize,
            &[0],
        )
    }

    /// Recruitment weight of each band and sex: recruitable children aged `min_age`-17, girls
    /// weighted by `girl_weight`. Index `band * 2 + sex`.
    pub fn recruitment_weights(&self, min_age: u32, girl_weight: f64) -> [f64; AGE_BANDS * 2] {
        self.weighted(&recruitment_multipliers(min_age, girl_weight))
    }

    /// Each slot's count times its multiplier (index `band * 2 + sex`).
    #[inline]
    pub fn weighted(&self, multipliers: &[f64; AGE_BANDS * 2]) -> [f64; AGE_BANDS * 2] {
        std::array::from_fn(|i| multipliers[i] * f64::from(self.counts[i]))
    }

    /// Weights picking one of the women and girls aged 8-59.
    pub fn female_weights(&self) -> [f64; AGE_BANDS * 2] {
        let mut w = [0.0; AGE_BANDS * 2];
        for band in [
            AgeBand::Age8To14,
            AgeBand::Age15To17,
            AgeBand::Age18To29,
            AgeBand::Age30To59,
        ] {
            w[band as usize * 2] = f64::from(self.count(band, Sex::Female));
        }
        w
    }

    /// Weights picking one of the males aged 15-29.
    pub fn young_male_weights(&self) -> [f64; AGE_BANDS * 2] {
        let mut w = [0.0; AGE_BANDS * 2];
        for band in [AgeBand::Age15To17, AgeBand::Age18To29] {
            w[band as usize * 2 + 1] = f64::from(self.count(band, Sex::Male));
        }
        w
    }

    /// Homicide risk weight of each band and sex (adult women = 1).
    pub fn homicide_weights(&self, h: &HomicideSpec) -> [f64; AGE_BANDS * 2] {
        self.weighted(&homicide_multipliers(h))
    }

    /// Picks a member in proportion to `weights` (index `band * 2 + sex`) with a uniform `u`.
    pub fn pick(weights: &[f64; AGE_BANDS * 2], u: f64) -> Option<(AgeBand, Sex)> {
        crate::rng::weighted_index(weights, u).map(|i| {
            (
                AgeBand::ALL[i / 2],
                if i % 2 == 0 { Sex::Female } else { Sex::Male },
            )
        })
    }
}

/// Where a household stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum Status {
    /// Living at home (never displaced, or returned).
    #[default]
    Resident = 0,
    /// Hiding at home or at its current lodging (autoencarcelización).
    SelfContained = 1,
    /// Displaced inside the country.
    Displaced = 2,
    /// Left the country (out of the simulation, still counted).
    Abroad = 3,
    /// Every member killed.
    Dead = 4,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Resident,
        Status::SelfContained,
        Status::Displaced,
        Status::Abroad,
        Status::Dead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Resident => "resident",
            Status::SelfContained => "self_contained",
            Status::Displaced => "displaced",
            Status::Abroad => "abroad",
            Status::Dead => "dead",
        }
    }

    /// Whether the household is in the country and alive (it occupies a cell).
    pub fn is_present(self) -> bool {
        matches!(
            self,
            Status::Resident | Status::SelfContained | Status::Displaced
        )
    }
}

/// Where persons are: with their household (by its status), or apart from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum PersonState {
    Resident = 0,
    SelfContained = 1,
    Displaced = 2,
    Abroad = 3,
    /// Children sent to kin elsewhere (a partial household move).
    SentAway = 4,
    /// Children taken by a group.
    Recruited = 5,
    /// Innocent youths held in state detention.
    Detained = 6,
    Dead = 7,
}

impl PersonState {
    pub const ALL: [PersonState; 8] = [
        PersonState::Resident,
        PersonState::SelfContained,
        PersonState::Displaced,
        PersonState::Abroad,
        PersonState::SentAway,
        PersonState::Recruited,
        PersonState::Detained,
        PersonState::Dead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PersonState::Resident => "resident",
            PersonState::SelfContained => "self_contained",
            PersonState::Displaced => "displaced",
            PersonState::Abroad => "abroad",
            PersonState::SentAway => "sent_away",
            PersonState::Recruited => "recruited",
            PersonState::Detained => "detained",
            PersonState::Dead => "dead",
        }
    }

    /// Where the members living with a household of this status are counted.
    pub fn of_household(status: Status) -> PersonState {
        match status {
            Status::Resident => PersonState::Resident,
            Status::SelfContained => PersonState::SelfContained,
            Status::Displaced => PersonState::Displaced,
            Status::Abroad => PersonState::Abroad,
            Status::Dead => PersonState::Dead,
        }
    }
}

/// How a household is lodged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum Lodging {
    /// Its own home (residents and returnees).
    #[default]
    Home = 0,
    Kin = 1,
    Shelter = 2,
    Rent = 3,
    Informal = 4,
}

impl Lodging {
    /// Lodgings on arrival after a flight.
    pub const ON_ARRIVAL: [Lodging; 4] = [
        Lodging::Kin,
        Lodging::Shelter,
        Lodging::Rent,
        Lodging::Informal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lodging::Home => "home",
            Lodging::Kin => "kin",
            Lodging::Shelter => "shelter",
            Lodging::Rent => "rent",
            Lodging::Informal => "informal",
        }
    }

    /// Whether the household occupies a dwelling of the cell's housing stock.
    pub fn uses_dwelling(self) -> bool {
        matches!(self, Lodging::Home | Lodging::Rent)
    }
}

/// A mark a group holds against a household, by increasing severity.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[repr(u8)]
pub enum Mark {
    #[default]
    None = 0,
    /// Failed to pay extortion.
    Defaulter = 1,
    /// Refused the group: resisted recruitment, stayed on a seized property.
    Resister = 2,
    /// Saw a crime, or was threatened as if it had.
    Witness = 3,
    /// Reported a crime, and the report leaked.
    Informant = 4,
    /// Suspected of siding with a rival group.
    Traitor = 5,
}

impl Mark {
    pub const ALL: [Mark; 6] = [
        Mark::None,
        Mark::Defaulter,
        Mark::Resister,
        Mark::Witness,
        Mark::Informant,
        Mark::Traitor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mark::None => "none",
            Mark::Defaulter => "defaulter",
            Mark::Resister => "resister",
            Mark::Witness => "witness",
            Mark::Informant => "informant",
            Mark::Traitor => "traitor",
        }
    }
}

/// Homicide risk of one person of each band and sex, relative to a woman aged 15 or over
/// (index `band * 2 + sex`). Constant over a run, so the decision phase computes it once.
pub fn homicide_multipliers(h: &HomicideSpec) -> [f64; AGE_BANDS * 2] {
    let mut w = [0.0; AGE_BANDS * 2];
    for band in AgeBand::ALL {
        let (_, hi) = band.ages();
        let (female, male) = if hi < 15 {
            (h.child_risk, h.child_risk)
        } else if hi <= 29 {
            (1.0, h.young_male_risk)
        } else {
            (1.0, h.male_risk)
        };
        w[band as usize * 2] = female;
        w[band as usize * 2 + 1] = male;
    }
    w
}

/// Recruitment weight of one person of each band and sex: the share of the band's ages from
/// `min_age` to 17, girls weighted by `girl_weight` (index `band * 2 + sex`).
pub fn recruitment_multipliers(min_age: u32, girl_weight: f64) -> [f64; AGE_BANDS * 2] {
    let mut w = [0.0; AGE_BANDS * 2];
    for band in [AgeBand::Age8To14, AgeBand::Age15To17] {
        let (lo, hi) = band.ages();
        let eligible = f64::from((hi + 1).saturating_sub(lo.max(min_age))) / f64::from(hi + 1 - lo);
        w[band as usize * 2] = eligible * girl_weight;
        w[band as usize * 2 + 1] = eligible;
    }
    w
}

/// Weight of one person of each band and sex of being the member trafficked: women and girls by
/// `female_weight`, persons under 18 by `child_weight`, nobody under 5 (index `band * 2 + sex`).
pub fn trafficking_multipliers(female_weight: f64, child_weight: f64) -> [f64; AGE_BANDS * 2] {
    let mut w = [0.0; AGE_BANDS * 2];
    for band in AgeBand::ALL.into_iter().skip(1) {
        let age = if band.ages().1 < 18 {
            child_weight
        } else {
            1.0
        };
        w[band as usize * 2] = age * female_weight;
        w[band as usize * 2 + 1] = age;
    }
    w
}

/// Whether a household has a profile groups order out: an LGBT+ member, or a head who is a
/// journalist, a human-rights defender, a member of the police or military, or a community leader.
pub fn targeted_profile(trait_bits: u8, occupation: Occupation) -> bool {
    trait_bits & traits::LGBT != 0
        || matches!(
            occupation,
            Occupation::Journalist
                | Occupation::Defender
                | Occupation::PoliceMilitary
                | Occupation::Leader
        )
}

/// Household traits fixed at creation (bit flags).
pub mod traits {
    pub const MIGRANT: u8 = 1;
    pub const BUSINESS_OWNER: u8 = 2;
    pub const FEMALE_HEAD: u8 = 4;
    /// A member is LGBT+ (a profile groups order out).
    pub const LGBT: u8 = 8;
}

/// Household state flags that change (bit flags of [`Mind::flags`]).
pub mod flags {
    pub const BUSINESS_OPEN: u16 = 1;
    /// The household's home was seized by a group (return is blocked).
    pub const HOUSE_SEIZED: u16 = 2;
    /// The household reported a crime.
    pub const REPORTED: u16 = 4;
    /// The household has hidden at least once.
    pub const EVER_HID: u16 = 8;
    /// The household received assistance from a protection programme.
    pub const ASSISTED: u16 = 16;
    /// The household was relocated by a protection programme.
    pub const RELOCATED: u16 = 32;
    /// The household lost its income to a business closure and lives on its savings.
    pub const WITHOUT_INCOME: u16 = 64;
    /// The business that carried that income was the household's own.
    pub const OWN_BUSINESS_CLOSED: u16 = 128;
    /// Kin refused the household where it last arrived (it may move on).
    pub const REJECTED_HERE: u16 = 256;
    /// The household has decided whether to denounce the crime that displaced it.
    pub const DENOUNCE_DECIDED: u16 = 512;
    /// The household is at rest under `simulation.sampling = "events"` (`step::rest`): its
    /// neighbourhood carries its exposure and fear, and it is looked at only when picked.
    pub const RESTING: u16 = 1024;
    /// At rest with children aged 8-17 (recorded when it came to rest: its fear's sensitivity).
    pub const WITH_CHILDREN: u16 = 2048;
}

/// The state a household's own decisions change, owned by the decision phase chunk by chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mind {
    /// Accumulated diffuse fear, in weeks lived at twice the tolerated homicide rate.
    pub fear: f32,
    /// Recent extortion payments weighing on the household, in months of median income.
    pub strain: f32,
    /// Liquid wealth in months of the median household's income.
    pub wealth: f32,
    /// Tick at which a hiding spell ends.
    pub hide_until: u16,
    /// Tick of the latest displacement.
    pub displaced_since: u16,
    /// Group holding the mark (meaningful when `mark != None`).
    pub marked_by: u16,
    pub mark: Mark,
    pub status: Status,
    pub lodging: Lodging,
    /// Members sent to kin (they live in the kin neighbourhood), and how many of them are under 18
    /// (alone with kin: unaccompanied minors).
    pub away: u8,
    pub away_minors: u8,
    /// Women and girls among the members sent to kin.
    pub away_female: u8,
    /// Trigger of the first displacement, as `Trigger as u8 + 1` (0: never displaced).
    pub first_trigger: u8,
    /// [`flags`] bits.
    pub flags: u16,
    /// Members held in state detention (innocent youths).
    pub detained: u8,
    /// While the household is at rest ([`flags::RESTING`]): the tick as of which its strain,
    /// and in a calm neighbourhood its fear (then held as an offset), were last brought up to
    /// date (`step::rest`).
    pub rest_since: u16,
}

impl Mind {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    pub fn set(&mut self, flag: u16, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// Raises the mark to `mark` (marks only grow) and records who holds it.
    pub fn mark_by(&mut self, mark: Mark, group: u16) {
        if mark > self.mark {
            self.mark = mark;
            self.marked_by = group;
        }
    }
}

/// The household store.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Households {
    /// Current neighbourhood (for households abroad or dead: the last one).
    pub cell: Vec<u32>,
    /// Home neighbourhood before any displacement.
    pub origin: Vec<u32>,
    /// Neighbourhood where kin live, or [`crate::world::NO_CELL`].
    pub kin_cell: Vec<u32>,
    pub members: Vec<Members>,
    pub occupation: Vec<Occupation>,
    /// [`traits`] flags.
    pub traits: Vec<u8>,
    /// Number of whole-household displacements so far (saturating).
    pub moves: Vec<u8>,
    pub mind: Vec<Mind>,
}

impl Households {
    pub fn len(&self) -> usize {
        self.cell.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cell.is_empty()
    }

    pub fn has(&self, h: usize, flag: u8) -> bool {
        self.traits[h] & flag != 0
    }

    /// Whether the household has a profile groups order out.
    pub fn is_targeted_profile(&self, h: usize) -> bool {
        targeted_profile(self.traits[h], self.occupation[h])
    }

    /// Bytes the store holds on the heap (allocated capacity of every field).
    pub fn heap_bytes(&self) -> usize {
        fn bytes<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        bytes(&self.cell)
            + bytes(&self.origin)
            + bytes(&self.kin_cell)
            + bytes(&self.members)
            + bytes(&self.occupation)
            + bytes(&self.traits)
            + bytes(&self.moves)
            + bytes(&self.mind)
    }

    /// Bytes of model state per household (sum of field sizes).
    pub const BYTES_PER_HOUSEHOLD: usize = 4 * 3
        + std::mem::size_of::<Members>()
        + std::mem::size_of::<Occupation>()
        + 1
        + 1
        + std::mem::size_of::<Mind>();
}

// Model state stays small: the hot loop streams it every tick.
const _: () = assert!(std::mem::size_of::<Mind>() == 32);
const _: () = assert!(Households::BYTES_PER_HOUSEHOLD <= 64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_adds_every_count_whatever_their_size() {
        use rand::RngCore;
        let mut cases = crate::rng::Draws::new(1, crate::rng::Process::HouseholdBuild, 0, 0);
        for case in 0..2000 {
            let mut members = Members::default();
            for slot in members.counts.iter_mut() {
                let state = cases.next_u64();
                // Small counts mostly; every slot at its largest in some cases.
                *slot = match case % 4 {
                    0 => 255,
                    1 => (state >> 56) as u8,
                    _ => (state % 6) as u8,
                };
            }
            let naive: u32 = members.counts.iter().map(|&c| u32::from(c)).sum();
            assert_eq!(members.total(), naive, "{:?}", members.counts);
        }
    }
}
