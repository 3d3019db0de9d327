//! The state and its policy levers (`[state]`), and the timeline that switches them
//! (`[[events]]`). Every key of `[state]` can differ by region and change over time: an event
//! sets part of `[state]` for some regions from one tick until another.

use serde::{Deserialize, Serialize};

use super::spec::KindTable;

/// The state's presence, integrity and policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateSpec {
    /// State presence (police, courts, services), 0 to 1, by kind of neighbourhood.
    pub presence: KindTable,
    /// How far the state neglects deprived neighbourhoods: a neighbourhood's presence is its
    /// kind's × (1 − this × (its deprivation − its kind's mean deprivation)), within 0 to 1.
    pub deprivation_neglect: f64,
    /// Share of state agents who collude with groups (corrupt presence does not protect, and
    /// bribed enforcement arrests fewer), 0 to 1.
    pub corruption: f64,
    /// How much full, clean state presence cuts group activity (0 to 1).
    pub suppression: f64,
    /// Harassment of young men (15-29) by state forces, per 1,000 per year at full presence.
    pub abuse_rate: f64,
    /// Probability that a crime report leaks to the group it names.
    pub leak_probability: f64,
    /// Probability that a trafficking case among the displaced is identified (screening).
    pub screening_rate: f64,
    /// Clashes between state forces and a group per held neighbourhood per year at full presence,
    /// without any crackdown.
    pub clash_rate: f64,
    /// Casualties (killed and wounded) per clash, on average.
    pub clash_casualties: f64,
    /// How open the border is to people leaving, 0 (closed) to 1.
    pub border_openness: f64,
    /// Share of recruitment attempts that youth-prevention programmes thwart, 0 to 1.
    pub youth_prevention: f64,
    /// Legal regime: human-rights law enforcement only, or a declared non-international armed
    /// conflict (more lethal force, more humanitarian access).
    pub legal_regime: LegalRegime,
    /// Under a declared armed conflict: multiplier on killed per wounded in clashes.
    pub niac_lethality: f64,
    /// Under a declared armed conflict: multiplier on humanitarian assistance (protection budget
    /// and shelter places).
    pub niac_access: f64,
    /// How far collusion keeps the peace among groups: an incursion into a rival's neighbourhood
    /// is called off with probability this × `corruption` (colluding officials broker the
    /// division of territory), so ending collusion unleashes contests.
    pub brokered_peace: f64,
    /// Displaced households per year that external humanitarian agencies would assist in each
    /// region this state applies to, needs-based, whatever the state's own protection regime.
    pub humanitarian_aid: f64,
    /// Share of that aid the state lets in without a declared armed conflict, when it has "no
    /// clear-cut obligation" to accept it (under a declared conflict it lets all of it in).
    pub ihrl_consent: f64,
    pub crackdown: CrackdownSpec,
    pub protection: ProtectionSpec,
    pub truce: TruceSpec,
}

impl Default for StateSpec {
    fn default() -> Self {
        Self {
            presence: KindTable::new(0.6, 0.3, 0.2, 0.35, 0.15),
            deprivation_neglect: 1.0,
            corruption: 0.3,
            suppression: 0.7,
            abuse_rate: 10.0,
            leak_probability: 0.3,
            screening_rate: 0.0,
            clash_rate: 0.2,
            clash_casualties: 1.5,
            border_openness: 0.6,
            youth_prevention: 0.0,
            legal_regime: LegalRegime::Ihrl,
            niac_lethality: 2.0,
            niac_access: 1.5,
            brokered_peace: 0.0,
            humanitarian_aid: 0.0,
            ihrl_consent: 0.25,
            crackdown: CrackdownSpec::default(),
            protection: ProtectionSpec::default(),
            truce: TruceSpec::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalRegime {
    /// International human-rights law only.
    Ihrl,
    /// A declared non-international armed conflict (international humanitarian law applies).
    Niac,
}

/// The state's security posture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Posture {
    /// No crackdown: only everyday policing (`state.presence`).
    None,
    LawEnforcement,
    Militarised,
    Emergency,
}

/// One value per posture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureTable {
    pub none: f64,
    pub law_enforcement: f64,
    pub militarised: f64,
    pub emergency: f64,
}

impl PostureTable {
    pub fn get(&self, posture: Posture) -> f64 {
        match posture {
            Posture::None => self.none,
            Posture::LawEnforcement => self.law_enforcement,
            Posture::Militarised => self.militarised,
            Posture::Emergency => self.emergency,
        }
    }

    pub fn as_array(&self) -> [f64; 4] {
        [
            self.none,
            self.law_enforcement,
            self.militarised,
            self.emergency,
        ]
    }

    const fn new(none: f64, law_enforcement: f64, militarised: f64, emergency: f64) -> Self {
        Self {
            none,
            law_enforcement,
            militarised,
            emergency,
        }
    }
}

/// How deployed units are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deployment {
    /// Where groups are most active (intelligence).
    Targeted,
    /// Area patrols where people live.
    Patrol,
}

/// A crackdown: units deployed against the groups, and what they do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrackdownSpec {
    pub posture: Posture,
    /// Units deployed in each region this state applies to (one unit covers one neighbourhood).
    pub units: u32,
    pub deployment: Deployment,
    /// State presence a unit adds to its neighbourhood.
    pub unit_presence: f64,
    /// Arrests per unit per year, by posture.
    pub arrest_rate: PostureTable,
    /// Share of those arrested who are group members (the rest are innocent youths), by posture.
    pub arrest_precision: PostureTable,
    /// Clashes per unit per year in a neighbourhood a group holds, by posture.
    pub clash_rate: PostureTable,
    /// Killed per wounded in clashes, by posture.
    pub killed_per_wounded: PostureTable,
    /// Share of clashes that follow intelligence, by posture.
    pub intelligence_share: PostureTable,
    /// Extra harassment of young men per unit present, by posture (a multiplier on `abuse_rate`).
    pub abuse_multiplier: PostureTable,
    /// Retakes per year of a raided neighbourhood by the state, by posture, for a group of
    /// strength 0 (times 1 − strength): the group loses its hold there.
    pub retake_rate: PostureTable,
    /// Detention places, as a share of the national population (national: read from the base
    /// `[state]`, not from events).
    pub detention_capacity: f64,
    /// Mean weeks in detention.
    pub release_weeks: f64,
    /// Strength a group loses per member arrested.
    pub attrition: f64,
    /// Weeks over which a group not raided regains its strength.
    pub recovery_weeks: f64,
    /// How far a group under full pressure (forces on every cell it holds) lowers its open
    /// violence, expansion and armed confrontation everywhere it holds: it lies low. A share.
    pub lie_low: f64,
    /// Weeks over which a group's pressure builds up while forces stand on its cells, and fades
    /// once they leave (so violence returns gradually after a withdrawal).
    pub pressure_weeks: f64,
    /// Per year: how fast a group takes back a retaken cell once no forces stand on it (times its
    /// strength relative to its original and the share of activity it keeps under pressure).
    pub return_rate: f64,
    /// How much losing strength to the state splits a group: its split hazard is multiplied by
    /// 1 + this × the share of its original strength it has lost (arrested leaders and members
    /// leave rival successors).
    pub fragmentation: f64,
}

impl Default for CrackdownSpec {
    fn default() -> Self {
        Self {
            posture: Posture::None,
            units: 0,
            deployment: Deployment::Targeted,
            unit_presence: 0.4,
            arrest_rate: PostureTable::new(0.0, 20.0, 30.0, 150.0),
            arrest_precision: PostureTable::new(0.8, 0.8, 0.5, 0.4),
            clash_rate: PostureTable::new(0.0, 0.5, 1.0, 1.0),
            killed_per_wounded: PostureTable::new(0.5, 0.5, 9.0, 3.0),
            intelligence_share: PostureTable::new(0.5, 0.5, 0.02, 0.1),
            abuse_multiplier: PostureTable::new(0.0, 0.5, 2.0, 4.0),
            retake_rate: PostureTable::new(0.0, 1.0, 2.0, 10.0),
            detention_capacity: 0.002,
            release_weeks: 52.0,
            attrition: 0.005,
            recovery_weeks: 26.0,
            lie_low: 0.7,
            pressure_weeks: 6.0,
            return_rate: 12.0,
            fragmentation: 20.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionRegime {
    None,
    /// Penal-law victim support: only households that reported a crime are assisted.
    ReportFirst,
    /// A displacement-specific law: needs-based assistance to the displaced, no report needed.
    DisplacementLaw,
}

/// Protection of the displaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProtectionSpec {
    pub regime: ProtectionRegime,
    /// Households assisted per year in each region this state applies to.
    pub budget: f64,
    /// Cash assistance per assisted household, in months of median income.
    pub assistance_months: f64,
    /// Multiplier on the trafficking and precarious-move hazards of assisted households.
    pub assisted_risk_factor: f64,
    /// Multiplier on shelter places.
    pub shelter_factor: f64,
    /// Relocations per year (journalists, defenders, police families, leaders, LGBT+ households
    /// and survivors of sexual violence) in each region this state applies to.
    pub relocation_capacity: f64,
    /// Share of pursuit a relocated household escapes.
    pub relocation_protection: f64,
    /// Under report-first protection: probability that a household displaced by a crime against
    /// it denounces that crime to qualify, when it expects no leak (a leak marks it informant).
    pub denounce_share: f64,
}

impl Default for ProtectionSpec {
    fn default() -> Self {
        Self {
            regime: ProtectionRegime::None,
            budget: 0.0,
            assistance_months: 2.0,
            assisted_risk_factor: 0.5,
            shelter_factor: 1.0,
            relocation_capacity: 0.0,
            relocation_protection: 0.9,
            denounce_share: 0.3,
        }
    }
}

/// A negotiated truce with some group types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TruceSpec {
    /// Names of the group types under truce (they are not raided).
    pub groups: Vec<String>,
    /// Multiplier on their violence during the truce.
    pub violence_factor: f64,
}

impl Default for TruceSpec {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            violence_factor: 0.3,
        }
    }
}

/// A change of `[state]` for some regions and ticks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSpec {
    /// What the event represents (for outputs and readers).
    pub label: String,
    /// First tick the change applies.
    pub tick: u32,
    /// Tick at which it stops applying (it applies to the end of the run when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<u32>,
    /// Regions it applies to, by name (all regions when empty).
    pub regions: Vec<String>,
    /// The keys of `[state]` it sets, as a partial `[state]` table.
    pub state: toml::Table,
}

impl EventSpec {
    pub fn active(&self, tick: u32) -> bool {
        tick >= self.tick && self.until.is_none_or(|u| tick < u)
    }

    pub fn applies_to(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }
}
