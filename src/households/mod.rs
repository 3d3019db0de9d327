//! Households in a struct-of-arrays store: one `Vec` per field, index = household id.
//!
//! Persons are counted by age band and sex inside a household (no heap objects per person).
//! Per-household state is about 47 bytes; the fields a household's own decisions change every
//! tick sit together in [`Mind`] so the parallel decision phase can own them chunk by chunk.

mod build;

use crate::scenario::Occupation;

/// Age bands; the boundaries are the ones the brief's questions need (recruitment from 8, adults
/// over 15, school age 5-17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// Female = 0, male = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Sex {
    Female = 0,
    Male = 1,
}

/// Members of a household counted by age band and sex: `counts[band * 2 + sex]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Members {
    pub counts: [u8; AGE_BANDS * 2],
}

impl Members {
    pub fn add(&mut self, band: AgeBand, sex: Sex) {
        let slot = &mut self.counts[band as usize * 2 + sex as usize];
        *slot = slot.saturating_add(1);
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

    pub fn total(&self) -> u32 {
        self.counts.iter().map(|&c| u32::from(c)).sum()
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
}

/// Where a household stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Living in its home neighbourhood.
    Resident = 0,
    /// Displaced inside the country.
    Displaced = 1,
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Resident, Status::Displaced];

    pub fn name(self) -> &'static str {
        match self {
            Status::Resident => "resident",
            Status::Displaced => "displaced",
        }
    }
}

/// How a household is lodged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Lodging {
    /// Its own home (residents).
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
}

/// A mark a group holds against a household, by increasing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum Mark {
    #[default]
    None = 0,
    /// Failed to pay extortion.
    Defaulter = 1,
    /// Threatened for what it saw or for breaking the group's rules.
    Witness = 2,
}

impl Mark {
    pub fn name(self) -> &'static str {
        match self {
            Mark::None => "none",
            Mark::Defaulter => "defaulter",
            Mark::Witness => "witness",
        }
    }
}

/// Household traits fixed at creation (bit flags).
pub mod traits {
    pub const MIGRANT: u8 = 1;
    pub const BUSINESS_OWNER: u8 = 2;
    pub const FEMALE_HEAD: u8 = 4;
}

/// The state a household's own decisions change: owned by the decision phase, chunk by chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mind {
    /// Accumulated diffuse fear, in weeks lived at twice the tolerated homicide rate.
    pub fear: f32,
    /// Recent extortion payments weighing on the household, in months of median income.
    pub strain: f32,
    pub mark: Mark,
    /// Whether the household's business is still open.
    pub business_open: bool,
    /// Group holding the mark (meaningful when `mark != None`).
    pub marked_by: u16,
}

/// The household store.
#[derive(Debug, Clone, Default)]
pub struct Households {
    /// Current neighbourhood.
    pub cell: Vec<u32>,
    /// Home neighbourhood before any displacement.
    pub origin: Vec<u32>,
    /// Neighbourhood where kin live, or [`crate::world::NO_CELL`].
    pub kin_cell: Vec<u32>,
    pub members: Vec<Members>,
    /// Liquid wealth in months of the median household's income.
    pub wealth: Vec<f32>,
    pub occupation: Vec<Occupation>,
    /// [`traits`] flags.
    pub traits: Vec<u8>,
    pub status: Vec<Status>,
    pub lodging: Vec<Lodging>,
    /// Number of displacements so far (saturating).
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

    /// Bytes of model state per household (sum of field sizes).
    pub const BYTES_PER_HOUSEHOLD: usize = 4 * 3
        + std::mem::size_of::<Members>()
        + 4
        + std::mem::size_of::<Occupation>()
        + 1
        + std::mem::size_of::<Status>()
        + std::mem::size_of::<Lodging>()
        + 1
        + std::mem::size_of::<Mind>();
}

// Model state stays small: the hot loop streams it every tick.
const _: () = assert!(Households::BYTES_PER_HOUSEHOLD <= 64);
