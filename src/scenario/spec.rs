//! The scenario format: serde structures in natural units, one per TOML table.
//!
//! Every key has a default, so any partial document (a single file in an `extends` chain, or a
//! single `--set` override) deserializes on its own; that is how unknown keys and wrong types are
//! caught with the file and line they came from. Group parameters that depend on the group's kind
//! are `Option`s here and are filled from the kind's defaults when the scenario is resolved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::mechanisms::*;
pub use super::state::*;

/// A whole scenario as written in TOML.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Path of a scenario this one builds on, relative to this file. Consumed by the loader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Overrides applied right after this file's own keys, written as for `--set`
    /// (`"groups.gangs.extortion_rate=0.4"`): keys a table cannot name, such as one group type
    /// of an inherited list. Consumed by the loader.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<String>,
    /// Free text saying what the scenario represents.
    pub description: String,
    pub simulation: SimulationSpec,
    pub world: WorldSpec,
    pub population: PopulationSpec,
    pub groups: Vec<GroupSpec>,
    pub state: StateSpec,
    pub violence: ViolenceSpec,
    pub extortion: ExtortionSpec,
    pub livelihood: LivelihoodSpec,
    pub threats: ThreatSpec,
    pub fear: FearSpec,
    pub flight: FlightSpec,
    pub recruitment: RecruitmentSpec,
    pub responses: ResponsesSpec,
    pub homicide: HomicideSpec,
    pub witness: WitnessSpec,
    pub self_containment: SelfContainmentSpec,
    pub pursuit: PursuitSpec,
    pub hosting: HostingSpec,
    pub school: SchoolSpec,
    pub exit: ExitSpec,
    pub returns: ReturnSpec,
    pub trafficking: TraffickingSpec,
    pub ghosts: GhostSpec,
    pub mass: MassSpec,
    pub autodefensas: AutodefensaSpec,
    /// Timeline of changes to `[state]` by tick and region.
    pub events: Vec<EventSpec>,
    /// Calibration targets, drawn beside the simulated figures.
    pub targets: TargetsSpec,
    pub outputs: OutputsSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationSpec {
    /// Number of ticks to simulate.
    pub ticks: u32,
    /// Length of one tick in days.
    pub tick_days: u32,
    /// Root seed of every random stream.
    pub seed: u64,
    /// Weeks the world runs before tick 0, under the base `[state]` and no events; nothing is
    /// output for them (docs/ODD.md, "Burn-in").
    #[serde(skip_serializing_if = "is_zero")]
    pub burn_in: u32,
    /// Which households the decision phase looks at each tick (docs/ODD.md, "Scheduling").
    #[serde(skip_serializing_if = "Sampling::is_events")]
    pub sampling: Sampling,
}

impl Default for SimulationSpec {
    fn default() -> Self {
        Self {
            ticks: 52,
            tick_days: 7,
            seed: 1,
            burn_in: 0,
            sampling: Sampling::Events,
        }
    }
}

/// How the decision phase finds the households to which something may happen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Every household draws its own events every tick: the reference the default is tested
    /// against (`tests/sampling.rs`).
    EveryHousehold,
    /// Households at rest are not looked at until something may happen to them: their
    /// neighbourhood counts their exposure, carries their fear and picks, by an exponential
    /// clock, those that may meet an event (`step::rest`). The same distributions, at a cost
    /// that follows the events rather than the population.
    #[default]
    Events,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl Sampling {
    fn is_events(&self) -> bool {
        *self == Sampling::Events
    }
}

/// The five kinds of neighbourhood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    UrbanCore,
    UrbanPeriphery,
    Rural,
    BorderCorridor,
    ResourceSite,
}

impl CellKind {
    pub const ALL: [CellKind; 5] = [
        CellKind::UrbanCore,
        CellKind::UrbanPeriphery,
        CellKind::Rural,
        CellKind::BorderCorridor,
        CellKind::ResourceSite,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CellKind::UrbanCore => "urban_core",
            CellKind::UrbanPeriphery => "urban_periphery",
            CellKind::Rural => "rural",
            CellKind::BorderCorridor => "border_corridor",
            CellKind::ResourceSite => "resource_site",
        }
    }

    /// The letter used for this kind in an explicit `world.map`.
    pub fn map_letter(self) -> char {
        match self {
            CellKind::UrbanCore => 'C',
            CellKind::UrbanPeriphery => 'P',
            CellKind::Rural => 'R',
            CellKind::BorderCorridor => 'B',
            CellKind::ResourceSite => 'S',
        }
    }

    pub fn from_map_letter(c: char) -> Option<CellKind> {
        CellKind::ALL.into_iter().find(|k| k.map_letter() == c)
    }
}

/// One value per neighbourhood kind. A table that names only some kinds keeps the defaults of the
/// others (the loader merges every file over the built-in defaults).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KindTable {
    pub urban_core: f64,
    pub urban_periphery: f64,
    pub rural: f64,
    pub border_corridor: f64,
    pub resource_site: f64,
}

impl KindTable {
    pub fn get(&self, kind: CellKind) -> f64 {
        match kind {
            CellKind::UrbanCore => self.urban_core,
            CellKind::UrbanPeriphery => self.urban_periphery,
            CellKind::Rural => self.rural,
            CellKind::BorderCorridor => self.border_corridor,
            CellKind::ResourceSite => self.resource_site,
        }
    }

    pub fn entries(&self) -> [(CellKind, f64); 5] {
        CellKind::ALL.map(|k| (k, self.get(k)))
    }

    pub(crate) const fn new(
        core: f64,
        periphery: f64,
        rural: f64,
        border: f64,
        resource: f64,
    ) -> Self {
        Self {
            urban_core: core,
            urban_periphery: periphery,
            rural,
            border_corridor: border,
            resource_site: resource,
        }
    }
}

/// Which edge of the grid the border (and its corridor neighbourhoods) lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    North,
    South,
    East,
    West,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldSpec {
    /// Grid width in neighbourhoods (ignored when `map` is given).
    pub width: u32,
    /// Grid height in neighbourhoods (ignored when `map` is given).
    pub height: u32,
    /// Side of one neighbourhood in kilometres (for distances).
    pub cell_km: f64,
    /// Regions form a `regions_x` by `regions_y` grid of equal blocks (unless `region_map` is given).
    pub regions_x: u32,
    pub regions_y: u32,
    /// City centres per region; urban cells cluster around them.
    pub cities_per_region: u32,
    /// Share of cells of each kind (must sum to 1; ignored when `map` is given).
    pub mix: KindTable,
    /// Edge of the grid the border corridor runs along.
    pub border_edge: Edge,
    /// Explicit map: one string per row, one letter per cell (C, P, R, B, S).
    pub map: Vec<String>,
    /// Explicit regions: one string per row, one character per cell; each distinct character is a region.
    pub region_map: Vec<String>,
    /// Dwellings beyond the initial households, as a share of them.
    pub housing_slack: f64,
    /// Shelter places (households) per neighbourhood, by kind.
    pub shelter_places: KindTable,
    /// Mean deprivation (poverty, lack of services and jobs), 0 to 1, by kind of neighbourhood.
    pub deprivation: KindTable,
    /// Spread of deprivation among neighbourhoods of one kind (standard deviation, 0 to 1):
    /// each neighbourhood draws its own level around its kind's mean.
    pub deprivation_spread: f64,
}

impl Default for WorldSpec {
    fn default() -> Self {
        Self {
            width: 40,
            height: 40,
            cell_km: 2.0,
            regions_x: 2,
            regions_y: 2,
            cities_per_region: 1,
            mix: KindTable::new(0.06, 0.14, 0.62, 0.10, 0.08),
            border_edge: Edge::East,
            map: Vec::new(),
            region_map: Vec::new(),
            housing_slack: 0.05,
            shelter_places: KindTable::new(2.0, 1.0, 0.0, 1.0, 0.0),
            deprivation: KindTable::new(0.3, 0.7, 0.6, 0.5, 0.6),
            deprivation_spread: 0.15,
        }
    }
}

/// Occupations; the ones that matter for extortion and targeting are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Occupation {
    Transport,
    Trader,
    SmallBusiness,
    Teacher,
    Health,
    Journalist,
    Defender,
    PoliceMilitary,
    Leader,
    Other,
}

impl Occupation {
    pub const ALL: [Occupation; 10] = [
        Occupation::Transport,
        Occupation::Trader,
        Occupation::SmallBusiness,
        Occupation::Teacher,
        Occupation::Health,
        Occupation::Journalist,
        Occupation::Defender,
        Occupation::PoliceMilitary,
        Occupation::Leader,
        Occupation::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Occupation::Transport => "transport",
            Occupation::Trader => "trader",
            Occupation::SmallBusiness => "small_business",
            Occupation::Teacher => "teacher",
            Occupation::Health => "health",
            Occupation::Journalist => "journalist",
            Occupation::Defender => "defender",
            Occupation::PoliceMilitary => "police_military",
            Occupation::Leader => "leader",
            Occupation::Other => "other",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One value per occupation (partial tables keep the other defaults, as for [`KindTable`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OccupationTable {
    pub transport: f64,
    pub trader: f64,
    pub small_business: f64,
    pub teacher: f64,
    pub health: f64,
    pub journalist: f64,
    pub defender: f64,
    pub police_military: f64,
    pub leader: f64,
    pub other: f64,
}

impl OccupationTable {
    pub fn get(&self, occupation: Occupation) -> f64 {
        self.as_array()[occupation.index()]
    }

    pub fn as_array(&self) -> [f64; 10] {
        [
            self.transport,
            self.trader,
            self.small_business,
            self.teacher,
            self.health,
            self.journalist,
            self.defender,
            self.police_military,
            self.leader,
            self.other,
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PopulationSpec {
    /// Number of households.
    pub households: u32,
    /// Relative household density of each kind of neighbourhood.
    pub density: KindTable,
    /// Multiplier on the density of every neighbourhood of a region, by region name (1 for a
    /// region not listed): regions of one country differ in population.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub region_density: BTreeMap<String, f64>,
    pub composition: CompositionSpec,
    pub wealth: WealthSpec,
    /// Share of households by the occupation of the head (must sum to 1).
    pub occupations: OccupationTable,
    /// Share of households in each occupation that own a business (shop, vehicle, stall).
    pub business_owner_share: OccupationTable,
    /// Share of households that are international migrants.
    pub migrant_share: f64,
    /// Share of households with an LGBT+ member (a profile groups order out).
    pub lgbt_share: f64,
    /// Share of households with kin in another neighbourhood.
    pub kin_tie_share: f64,
    /// Of those, the share whose kin live in the same region.
    pub kin_same_region_share: f64,
}

impl Default for PopulationSpec {
    fn default() -> Self {
        Self {
            households: 200_000,
            density: KindTable::new(12.0, 6.0, 1.0, 1.5, 2.0),
            region_density: BTreeMap::new(),
            composition: CompositionSpec::default(),
            wealth: WealthSpec::default(),
            occupations: OccupationTable {
                transport: 0.06,
                trader: 0.12,
                small_business: 0.08,
                teacher: 0.04,
                health: 0.03,
                journalist: 0.003,
                defender: 0.003,
                police_military: 0.02,
                leader: 0.01,
                other: 0.634,
            },
            business_owner_share: OccupationTable {
                transport: 0.5,
                trader: 0.7,
                small_business: 1.0,
                teacher: 0.0,
                health: 0.05,
                journalist: 0.0,
                defender: 0.0,
                police_military: 0.0,
                leader: 0.1,
                other: 0.03,
            },
            migrant_share: 0.05,
            lgbt_share: 0.03,
            kin_tie_share: 0.75,
            kin_same_region_share: 0.7,
        }
    }
}

/// How households are composed, member by member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompositionSpec {
    /// Share of households headed by a woman.
    pub female_head_share: f64,
    /// Share of households with a partner of the head.
    pub partner_share: f64,
    /// Share of heads aged 18-29 (the rest are 30-59, or 60+ per `older_head_share`).
    pub young_head_share: f64,
    /// Share of heads aged 60 or more.
    pub older_head_share: f64,
    /// Mean number of children (0-17) per household.
    pub children_mean: f64,
    /// Mean number of other adults (grown children, relatives) per household.
    pub other_adults_mean: f64,
}

impl Default for CompositionSpec {
    fn default() -> Self {
        Self {
            female_head_share: 0.3,
            partner_share: 0.65,
            young_head_share: 0.25,
            older_head_share: 0.12,
            children_mean: 1.5,
            other_adults_mean: 0.5,
        }
    }
}

/// Liquid wealth, in months of the median household's income; lognormal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WealthSpec {
    /// Median wealth in months of median income.
    pub median_months: f64,
    /// Standard deviation of log wealth.
    pub sigma: f64,
    /// Multiplier on the median for migrant households (migrants are poorer).
    pub migrant_factor: f64,
}

impl Default for WealthSpec {
    fn default() -> Self {
        Self {
            median_months: 2.0,
            sigma: 1.0,
            migrant_factor: 0.6,
        }
    }
}

/// Kinds of armed group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    StreetGang,
    TraffickingGroup,
    Cartel,
    /// A self-defence group of a community (`[autodefensas]`): absorbed by the state or
    /// turned criminal in the end.
    Autodefensa,
}

impl GroupKind {
    pub const ALL: [GroupKind; 4] = [
        GroupKind::StreetGang,
        GroupKind::TraffickingGroup,
        GroupKind::Cartel,
        GroupKind::Autodefensa,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupKind::StreetGang => "street_gang",
            GroupKind::TraffickingGroup => "trafficking_group",
            GroupKind::Cartel => "cartel",
            GroupKind::Autodefensa => "autodefensa",
        }
    }
}

/// A type of armed group and how many of it there are. Unset keys take the kind's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupSpec {
    /// Name of this group type (used in outputs and by `--set groups.NAME.key=value`).
    pub name: String,
    pub kind: GroupKind,
    /// Number of groups of this type.
    pub count: u32,
    /// Explicit home cells `[x, y]` for the first groups of this type; the rest are placed at random.
    pub homes: Vec<[u32; 2]>,
    /// Kinds of neighbourhood where groups of this type settle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_kinds: Option<Vec<CellKind>>,
    /// Regions where groups of this type settle at the start (every region if empty); they may
    /// spread beyond them later.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Strength against the state, 0 to 1: the share of state suppression the group withstands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<f64>,
    /// Neighbourhoods held by each group of this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territory_cells: Option<u32>,
    /// Extortion demands per household per year in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extortion_rate: Option<f64>,
    /// Size of one demand, in months of the median household's income.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extortion_level: Option<f64>,
    /// Organised-crime homicides per 100,000 residents per year in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violence: Option<f64>,
    /// Death threats per 1,000 households per year in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_rate: Option<f64>,
    /// How far, in neighbourhoods, the group can find and reach people who fled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<u32>,
    /// Recruitment attempts per child of recruitable age per year in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recruitment_rate: Option<f64>,
    /// Sexual violence per woman or girl (aged 8 or more) per year in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sexual_violence_rate: Option<f64>,
    /// House seizures per household with a dwelling per year in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seizure_rate: Option<f64>,
    /// Orders to leave per year against targeted households (LGBT+ members, journalists,
    /// defenders, police and military families, community leaders) in held neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_rate: Option<f64>,
    /// Mass expulsion orders per contested neighbourhood per year ('suspect' residents ordered out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expulsion_rate: Option<f64>,
    /// Land grabs per held border-corridor or resource-site neighbourhood per year (communities
    /// ordered out for land and routes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub land_grab_rate: Option<f64>,
    /// Collective demands and threats per held neighbourhood per year: one block
    /// (`mass.block_households`) is told to pay together or leave, and leaves together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collective_rate: Option<f64>,
    /// Attempts per year to take a neighbouring neighbourhood (an incursion if a rival holds it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expansion_rate: Option<f64>,
    /// How strongly the group settles in and moves into deprived neighbourhoods: a home is drawn
    /// with weight exp(pull × deprivation), and pull × deprivation adds to a neighbouring cell's
    /// attraction when expanding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprivation_pull: Option<f64>,
    /// Most neighbourhoods a group of this type holds (default: twice `territory_cells`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_territory_cells: Option<u32>,
    /// Splits per group per year (groups of 4 cells or more): a rival faction takes half.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_rate: Option<f64>,
    /// Relocations per year of a group pressed by the state (see `relocation_pressure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relocation_rate: Option<f64>,
    /// Mean share of its activity the state suppresses over its territory (0 to 1) at which a
    /// group starts relocating to less policed neighbourhoods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relocation_pressure: Option<f64>,
    /// Share of the neighbourhoods the state retakes from a group whose members move on, at full
    /// strength, to the least policed free rural or peripheral neighbourhood within the group's
    /// reach (the balloon effect), instead of lying low where they were; scaled by the share of
    /// its strength the group keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raid_flight_share: Option<f64>,
}

impl Default for GroupSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            kind: GroupKind::StreetGang,
            count: 1,
            homes: Vec::new(),
            home_kinds: None,
            regions: Vec::new(),
            strength: None,
            territory_cells: None,
            extortion_rate: None,
            extortion_level: None,
            violence: None,
            threat_rate: None,
            reach: None,
            recruitment_rate: None,
            sexual_violence_rate: None,
            seizure_rate: None,
            profile_rate: None,
            expulsion_rate: None,
            land_grab_rate: None,
            collective_rate: None,
            expansion_rate: None,
            deprivation_pull: None,
            max_territory_cells: None,
            split_rate: None,
            relocation_rate: None,
            relocation_pressure: None,
            raid_flight_share: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViolenceSpec {
    /// Background (not organised-crime) homicides per 100,000 residents per year.
    pub background_rate: f64,
    /// Multiplier on organised-crime violence in neighbourhoods contested by two or more groups.
    pub contest_multiplier: f64,
    /// Time constant, in weeks, of the neighbourhood risk that residents perceive.
    pub risk_memory_weeks: f64,
    /// Weight, in persons, of the regional homicide rate in how residents read local killings.
    pub perception_population: f64,
    /// Contests per contested neighbourhood per year that end with a winner (drawn by strength).
    pub contest_resolution_rate: f64,
}

impl Default for ViolenceSpec {
    fn default() -> Self {
        Self {
            background_rate: 8.0,
            contest_multiplier: 4.0,
            risk_memory_weeks: 12.0,
            perception_population: 5000.0,
            contest_resolution_rate: 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtortionSpec {
    /// Demand rate multiplier by the head's occupation.
    pub occupation_weight: OccupationTable,
    /// Demand rate multiplier for business owners.
    pub business_weight: f64,
    /// Demand rate multiplier for migrant households.
    pub migrant_weight: f64,
    /// Months of median income a household of median wealth can pay within `strain_memory_weeks`.
    pub pay_capacity_months: f64,
    /// How payment capacity grows with wealth (capacity ∝ wealth^elasticity).
    pub wealth_elasticity: f64,
    /// Weeks over which past payments weigh on the household.
    pub strain_memory_weeks: f64,
    /// Probability that a household flees at once on a demand, whatever it can pay.
    pub flee_on_demand: f64,
    /// Probability that a defaulting business owner closes the business.
    pub closure_on_default: f64,
    /// Probability that a defaulting household, threatened for it, flees (a business owner who
    /// closes instead lives on its savings: `[livelihood]`).
    pub flee_on_default: f64,
    /// Probability that a household refuses a demand it could pay (the group marks it a resister).
    pub refusal: f64,
}

impl Default for ExtortionSpec {
    fn default() -> Self {
        Self {
            occupation_weight: OccupationTable {
                transport: 3.0,
                trader: 2.5,
                small_business: 3.0,
                teacher: 1.5,
                health: 1.2,
                journalist: 1.0,
                defender: 1.0,
                police_military: 0.3,
                leader: 1.0,
                other: 0.6,
            },
            business_weight: 2.0,
            migrant_weight: 1.8,
            pay_capacity_months: 1.0,
            wealth_elasticity: 0.7,
            strain_memory_weeks: 26.0,
            flee_on_demand: 0.01,
            closure_on_default: 0.6,
            flee_on_default: 0.3,
            refusal: 0.03,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThreatSpec {
    /// Probability that a household flees after a direct death threat.
    pub flee_on_threat: f64,
    /// Multiplier on the threat rate against households a group has marked (defaulters, witnesses).
    pub marked_multiplier: f64,
}

impl Default for ThreatSpec {
    fn default() -> Self {
        Self {
            flee_on_threat: 0.6,
            marked_multiplier: 8.0,
        }
    }
}

/// Diffuse fear: a cumulative, lagged response to neighbourhood violence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FearSpec {
    /// Perceived homicide rate (per 100,000 per year) residents live with without fear building up.
    pub tolerance: f64,
    /// Weeks over which accumulated fear fades when violence stops.
    pub memory_weeks: f64,
    /// Mean accumulated fear at which a household leaves, in weeks lived at twice the tolerated rate.
    pub threshold_weeks: f64,
    /// Relative spread of thresholds between households (uniform, ± this share of the mean).
    pub threshold_spread: f64,
    /// Fear multiplier for households with children aged 8-17.
    pub children_sensitivity: f64,
    /// Weeks of fear added at once to every household of a neighbourhood a group enters or
    /// starts to contest (an incursion, a split, a battle for control).
    pub incursion_weeks: f64,
}

impl Default for FearSpec {
    fn default() -> Self {
        Self {
            tolerance: 100.0,
            memory_weeks: 26.0,
            threshold_weeks: 52.0,
            threshold_spread: 0.8,
            children_sensitivity: 1.5,
            incursion_weeks: 13.0,
        }
    }
}

/// Where fleeing households go and how they lodge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlightSpec {
    /// Cost of fleeing, in months of median income (halved for households with kin to go to).
    pub cost_months: f64,
    /// Candidate destinations a household weighs (besides its kin's neighbourhood).
    pub candidates: u32,
    /// Weight of a destination's perceived violence (per 100 homicides per 100,000 per year).
    pub security_weight: f64,
    /// Penalty for a destination held by the group the household fears.
    pub feared_group_weight: f64,
    /// Penalty for a destination within the reach of the group that marked the household.
    pub reach_weight: f64,
    /// Bonus for the neighbourhood where the household's kin live.
    pub kin_weight: f64,
    /// Penalty per 100 km travelled.
    pub distance_weight: f64,
    /// Share of candidates drawn from the household's own region on a first move.
    pub first_move_same_region: f64,
    /// Share of candidates drawn from its own region on later moves.
    pub later_move_same_region: f64,
    /// Probability that kin take the household in.
    pub kin_acceptance: f64,
    /// Months of median income needed to rent a dwelling at the destination.
    pub rent_months: f64,
}

impl Default for FlightSpec {
    fn default() -> Self {
        Self {
            cost_months: 0.5,
            candidates: 16,
            security_weight: 2.0,
            feared_group_weight: 3.0,
            reach_weight: 2.0,
            kin_weight: 4.0,
            distance_weight: 0.5,
            first_move_same_region: 0.85,
            later_move_same_region: 0.3,
            kin_acceptance: 0.75,
            rent_months: 1.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputsSpec {
    /// Write `episodes.csv` (one row per displacement).
    pub episodes: bool,
    /// Write `cells.csv` (final state of each neighbourhood).
    pub cells: bool,
    /// Write `cell_ticks.csv` (closures, departures, arrivals and killings per neighbourhood and
    /// tick).
    pub cell_ticks: bool,
    /// Weeks (1 = the first tick) at which to draw territory maps; empty: the first, middle and
    /// last snapshot.
    pub map_weeks: Vec<u32>,
}

impl Default for OutputsSpec {
    fn default() -> Self {
        Self {
            episodes: true,
            cells: true,
            cell_ticks: false,
            map_weeks: Vec::new(),
        }
    }
}

/// Defaults of the kind-dependent group keys.
#[derive(Debug, Clone, Copy)]
pub struct GroupKindDefaults {
    pub home_kinds: &'static [CellKind],
    pub strength: f64,
    pub territory_cells: u32,
    pub extortion_rate: f64,
    pub extortion_level: f64,
    pub violence: f64,
    pub threat_rate: f64,
    pub reach: u32,
    pub recruitment_rate: f64,
    pub sexual_violence_rate: f64,
    pub seizure_rate: f64,
    pub profile_rate: f64,
    pub expulsion_rate: f64,
    pub land_grab_rate: f64,
    pub collective_rate: f64,
    pub expansion_rate: f64,
    pub deprivation_pull: f64,
    pub split_rate: f64,
    pub relocation_rate: f64,
    pub relocation_pressure: f64,
    pub raid_flight_share: f64,
}

impl GroupKind {
    /// Kind defaults, after the brief's comparison of actors (section 2.11): gangs small, urban and
    /// highly predatory with long reach; trafficking groups large, rural and less predatory;
    /// cartels large, strategic, heavily armed; autodefensas local and, until they turn, barely
    /// predatory.
    pub fn defaults(self) -> GroupKindDefaults {
        match self {
            GroupKind::StreetGang => GroupKindDefaults {
                home_kinds: &[CellKind::UrbanCore, CellKind::UrbanPeriphery],
                strength: 0.3,
                territory_cells: 3,
                extortion_rate: 4.0,
                extortion_level: 0.05,
                violence: 150.0,
                threat_rate: 15.0,
                reach: 12,
                recruitment_rate: 0.03,
                sexual_violence_rate: 0.01,
                seizure_rate: 0.01,
                profile_rate: 0.3,
                expulsion_rate: 0.2,
                land_grab_rate: 0.0,
                collective_rate: 0.05,
                expansion_rate: 0.5,
                deprivation_pull: 1.0,
                split_rate: 0.02,
                relocation_rate: 2.0,
                relocation_pressure: 0.35,
                raid_flight_share: 0.5,
            },
            GroupKind::TraffickingGroup => GroupKindDefaults {
                home_kinds: &[CellKind::Rural, CellKind::BorderCorridor],
                strength: 0.5,
                territory_cells: 25,
                extortion_rate: 0.5,
                extortion_level: 0.05,
                violence: 30.0,
                threat_rate: 2.0,
                reach: 6,
                recruitment_rate: 0.005,
                sexual_violence_rate: 0.002,
                seizure_rate: 0.002,
                profile_rate: 0.05,
                expulsion_rate: 2.0,
                land_grab_rate: 0.1,
                collective_rate: 0.02,
                expansion_rate: 1.0,
                deprivation_pull: 0.5,
                split_rate: 0.05,
                relocation_rate: 1.0,
                relocation_pressure: 0.4,
                raid_flight_share: 0.3,
            },
            GroupKind::Cartel => GroupKindDefaults {
                home_kinds: &[CellKind::BorderCorridor, CellKind::ResourceSite],
                strength: 0.8,
                territory_cells: 40,
                extortion_rate: 1.5,
                extortion_level: 0.1,
                violence: 80.0,
                threat_rate: 5.0,
                reach: 15,
                recruitment_rate: 0.01,
                sexual_violence_rate: 0.004,
                seizure_rate: 0.005,
                profile_rate: 0.2,
                expulsion_rate: 3.0,
                land_grab_rate: 0.3,
                collective_rate: 0.1,
                expansion_rate: 2.0,
                deprivation_pull: 0.5,
                split_rate: 0.1,
                relocation_rate: 0.5,
                relocation_pressure: 0.5,
                raid_flight_share: 0.2,
            },
            // A community's self-defence group, before any criminal turn: it holds its home
            // community, preys little and reaches only nearby (brief 2.11); once criminal, its
            // predation is multiplied by `autodefensas.criminal_factor`.
            GroupKind::Autodefensa => GroupKindDefaults {
                home_kinds: &[CellKind::Rural],
                strength: 0.4,
                territory_cells: 1,
                extortion_rate: 0.3,
                extortion_level: 0.03,
                violence: 15.0,
                threat_rate: 1.0,
                reach: 2,
                recruitment_rate: 0.002,
                sexual_violence_rate: 0.0005,
                seizure_rate: 0.001,
                profile_rate: 0.05,
                expulsion_rate: 0.2,
                land_grab_rate: 0.02,
                collective_rate: 0.01,
                expansion_rate: 1.0,
                deprivation_pull: 0.0,
                split_rate: 0.02,
                relocation_rate: 0.0,
                relocation_pressure: 1.0,
                raid_flight_share: 0.0,
            },
        }
    }
}
