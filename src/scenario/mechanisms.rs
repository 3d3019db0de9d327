//! Scenario tables for the household triggers, options and what follows a first move:
//! recruitment, sexual violence, seizures, homicide, witnesses and reports, self-containment,
//! pursuit, hosting, schooling, exit abroad, returns, trafficking and ghost neighbourhoods.
//! Natural units as everywhere: rates per year, durations in weeks, money in months of income.

use serde::{Deserialize, Serialize};

/// Forced recruitment of children and how households answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecruitmentSpec {
    /// Youngest age recruited (8 to 17).
    pub min_age: u32,
    /// Recruitment pressure on a girl relative to a boy.
    pub girl_weight: f64,
    /// Relative weights of the household's answers to a recruitment attempt.
    pub comply_weight: f64,
    pub resist_weight: f64,
    pub send_away_weight: f64,
    pub hide_weight: f64,
    pub flee_weight: f64,
    /// Complying grows with poverty: weight × (median wealth / wealth)^poverty_comply.
    pub poverty_comply: f64,
    /// Probability that a youth who resists is murdered.
    pub resist_murder: f64,
    /// Probability that a resisting family, threatened for it, flees.
    pub flee_after_resist: f64,
    /// Homicides per recruited child per year in the group's violent roles (lookouts, couriers,
    /// hitmen), times `violence.contest_multiplier` where the cell is contested.
    pub member_homicide_rate: f64,
    /// Recruitment pressure on the youths of displaced households where a group holds the
    /// neighbourhood they fled to, relative to local youths: newcomers "again of interest".
    pub newcomer_factor: f64,
    /// Recruitment pressure grows with the neighbourhood's deprivation (brief 2.2: "youth
    /// marginalisation, poverty"): × max(0, 1 + this × (deprivation − 0.5)).
    pub deprivation_gain: f64,
}

impl Default for RecruitmentSpec {
    fn default() -> Self {
        Self {
            min_age: 8,
            girl_weight: 0.4,
            comply_weight: 1.0,
            resist_weight: 1.0,
            send_away_weight: 4.0,
            hide_weight: 1.0,
            flee_weight: 1.0,
            poverty_comply: 1.0,
            resist_murder: 0.15,
            flee_after_resist: 0.5,
            member_homicide_rate: 0.1,
            newcomer_factor: 1.5,
            deprivation_gain: 1.0,
        }
    }
}

/// Responses to single targeted events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponsesSpec {
    /// Probability that a household flees after sexual violence against a member.
    pub flee_on_sexual_violence: f64,
    /// Probability that a household whose house is seized leaves (the rest stay, as resistance).
    pub flee_on_seizure: f64,
    /// Probability that a household flees after the homicide of a member.
    pub flee_on_homicide: f64,
    /// Probability that a household ordered out for who it is or what it does leaves.
    pub flee_on_profile: f64,
    /// Probability that young men harassed by state forces make the household flee.
    pub flee_on_state_abuse: f64,
    /// Probability that a household fleeing because one member is at risk (a harassed young man,
    /// a girl or woman assaulted, a child the holding group may recruit) sends only that member
    /// to kin, when it has kin.
    pub send_away_share: f64,
    /// Probability that a household fleeing a demand, a death threat or a killing sends only the
    /// member most at risk (aged 15 or more, young men first) to kin, when it has kin.
    pub individual_share: f64,
}

impl Default for ResponsesSpec {
    fn default() -> Self {
        Self {
            flee_on_sexual_violence: 0.5,
            flee_on_seizure: 0.9,
            flee_on_homicide: 0.6,
            flee_on_profile: 0.8,
            flee_on_state_abuse: 0.3,
            // Ecuador's survey, the only evidence on partial moves (54% of cases, brief 8),
            // calibrates these; they hold wherever groups target one member (fact 6).
            send_away_share: 1.0,
            individual_share: 1.0,
        }
    }
}

/// Who is killed: homicide risk of a person relative to an adult woman.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HomicideSpec {
    /// Relative risk of males aged 15-29.
    pub young_male_risk: f64,
    /// Relative risk of other males aged 15 or over.
    pub male_risk: f64,
    /// Relative risk of children under 15.
    pub child_risk: f64,
}

impl Default for HomicideSpec {
    fn default() -> Self {
        Self {
            young_male_risk: 5.0,
            male_risk: 2.0,
            child_risk: 0.3,
        }
    }
}

/// Witnessing a crime, reporting it, and leaks of reports to the groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WitnessSpec {
    /// Households that witness each organised-crime homicide in their neighbourhood.
    pub per_homicide: f64,
    /// Probability that a witness reports to the authorities when it expects no leak.
    pub report: f64,
    /// Probability that the group suspects a silent witness (witness mark).
    pub suspicion: f64,
    /// Probability that a suspected witness flees at once.
    pub flee: f64,
}

impl Default for WitnessSpec {
    fn default() -> Self {
        Self {
            per_homicide: 3.0,
            report: 0.3,
            suspicion: 0.3,
            flee: 0.3,
        }
    }
}

/// Hiding at home (autoencarcelización).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelfContainmentSpec {
    /// Shortest and longest hiding spell, in weeks (drawn uniformly between them).
    pub min_weeks: f64,
    pub max_weeks: f64,
    /// Share of the group's predation that still reaches a hidden household.
    pub exposure: f64,
    /// Wealth lost per week hidden, in months of median income (work and school stop).
    pub weekly_cost_months: f64,
    /// Probability that a household that must flee but cannot afford to hides instead.
    pub when_trapped: f64,
    /// Hiding as a choice grows with poverty: weight × (median wealth / wealth)^poverty_elasticity.
    pub poverty_elasticity: f64,
}

impl Default for SelfContainmentSpec {
    fn default() -> Self {
        Self {
            min_weeks: 2.0,
            max_weeks: 26.0,
            exposure: 0.25,
            weekly_cost_months: 0.02,
            when_trapped: 0.7,
            poverty_elasticity: 0.5,
        }
    }
}

/// One value per mark severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarkTable {
    pub defaulter: f64,
    pub resister: f64,
    pub witness: f64,
    pub informant: f64,
    pub traitor: f64,
}

impl MarkTable {
    /// Value for severity 1 (defaulter) to 5 (traitor); 0 for no mark.
    pub fn by_severity(&self, severity: u8) -> f64 {
        match severity {
            1 => self.defaulter,
            2 => self.resister,
            3 => self.witness,
            4 => self.informant,
            5 => self.traitor,
            _ => 0.0,
        }
    }

    pub fn as_array(&self) -> [f64; 5] {
        [
            self.defaulter,
            self.resister,
            self.witness,
            self.informant,
            self.traitor,
        ]
    }
}

/// Groups searching for marked households who fled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PursuitSpec {
    /// Detections per year of a marked household within the group's reach, by mark.
    pub detection: MarkTable,
    /// Extra detection for households lodged with kin (kin are known and visible).
    pub kin_visibility: f64,
    /// Extra detection per unit of the state's leak probability.
    pub leak_factor: f64,
    /// Share of detection a hidden household avoids.
    pub clandestinity: f64,
    /// Probability that an attack on a detected household kills a member.
    pub attack_lethality: f64,
}

impl Default for PursuitSpec {
    fn default() -> Self {
        Self {
            detection: MarkTable {
                defaulter: 0.1,
                resister: 0.5,
                witness: 0.5,
                informant: 1.5,
                traitor: 2.0,
            },
            kin_visibility: 1.0,
            leak_factor: 1.0,
            clandestinity: 0.8,
            attack_lethality: 0.3,
        }
    }
}

/// Hosting after arrival: rejection, how long kin host, precarious lodging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostingSpec {
    /// Mean weeks kin host a displaced household before it must find other lodging.
    pub kin_weeks: f64,
    /// Drop in kin acceptance per step of the arriving household's mark severity.
    pub rejection_per_severity: f64,
    /// Moves per year forced on households in shelters and informal settlements (evictions, insecurity).
    pub precarious_move_rate: f64,
    /// Probability that a household its kin refused on arrival, or stopped hosting, moves on to
    /// another neighbourhood instead of finding other lodging where it is.
    pub move_on_share: f64,
}

impl Default for HostingSpec {
    fn default() -> Self {
        Self {
            kin_weeks: 16.0,
            rejection_per_severity: 0.15,
            precarious_move_rate: 0.5,
            move_on_share: 0.3,
        }
    }
}

/// School readmission of displaced children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchoolSpec {
    /// Probability that a displaced school-age child resumes school at the destination.
    pub readmission: f64,
    /// Multiplier on readmission for households in informal settlements.
    pub informal_factor: f64,
    /// Probability that a child sent to kin resumes school there.
    pub sent_away_readmission: f64,
}

impl Default for SchoolSpec {
    fn default() -> Self {
        Self {
            readmission: 0.6,
            informal_factor: 0.5,
            sent_away_readmission: 0.85,
        }
    }
}

/// Leaving the country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExitSpec {
    /// Probability that a fleeing household leaves the country on a first move.
    pub base: f64,
    /// Multiplier per earlier failed internal move.
    pub failed_move_multiplier: f64,
    /// Multiplier when the household flees pursuit or a targeted threat with a mark.
    pub pursuit_multiplier: f64,
    /// Multiplier for households ordered out for who they are or what they do.
    pub profile_multiplier: f64,
    /// Multiplier after sexual violence.
    pub sexual_violence_multiplier: f64,
    /// Smuggler's price, in months of median income.
    pub smuggler_price_months: f64,
    /// Probability of violence in transit.
    pub transit_violence: f64,
    /// Probability of being trafficked (kidnap, exploitation) in transit.
    pub transit_trafficking: f64,
    /// Emigration for work, not violence: households per year that leave the country from home
    /// (residents not hiding, who can pay the smuggler), times the region's border openness.
    pub labour_rate: f64,
    /// Multiplier on `labour_rate` for households with children under 15: a family moves for
    /// work less readily than a household without children.
    pub labour_family_factor: f64,
}

impl Default for ExitSpec {
    fn default() -> Self {
        Self {
            base: 0.03,
            failed_move_multiplier: 1.8,
            pursuit_multiplier: 3.0,
            profile_multiplier: 3.0,
            sexual_violence_multiplier: 2.0,
            smuggler_price_months: 4.0,
            transit_violence: 0.31,
            transit_trafficking: 0.05,
            labour_rate: 0.005,
            labour_family_factor: 0.5,
        }
    }
}

/// Returning home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnSpec {
    /// Returns per year of a displaced household whose origin allows it.
    pub rate: f64,
    /// Highest perceived homicide rate at the origin (per 100,000 per year) for a return.
    pub max_risk: f64,
}

impl Default for ReturnSpec {
    fn default() -> Self {
        Self {
            rate: 0.5,
            max_risk: 30.0,
        }
    }
}

/// One value per lodging on arrival.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LodgingTable {
    pub kin: f64,
    pub shelter: f64,
    pub rent: f64,
    pub informal: f64,
}

/// Relative weight of each form of exploitation (brief 6.1) among one sex's trafficking cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormTable {
    pub sexual: f64,
    pub labour: f64,
    pub criminal: f64,
    pub servitude: f64,
}

impl FormTable {
    /// The weights in [`crate::metrics::TraffickingForm::ALL`] order.
    pub fn as_array(&self) -> [f64; 4] {
        [self.sexual, self.labour, self.criminal, self.servitude]
    }
}

/// Trafficking in persons: at home under a group's control, among the displaced, of minors alone
/// with kin, and in transit; who is taken, and for what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraffickingSpec {
    /// Trafficking events per displaced person per year, before the multipliers.
    pub base_rate: f64,
    /// Multiplier by lodging.
    pub lodging: LodgingTable,
    /// Multiplier for persons at home, not displaced (times `group_control_factor` where a group
    /// holds sway).
    pub home_factor: f64,
    /// Added multiplier per year displaced (risk rises with time displaced).
    pub per_year_displaced: f64,
    /// Multiplier for households without kin.
    pub no_kin_factor: f64,
    /// Multiplier where a group holds the neighbourhood.
    pub group_control_factor: f64,
    /// Multiplier for minors sent away alone, per minor (with `group_control_factor` where a group
    /// holds their kin's neighbourhood).
    pub unaccompanied_factor: f64,
    /// Relative risk of women and girls, and of persons under 18, of being the household
    /// member taken (persons under 5 are never taken).
    pub female_weight: f64,
    pub child_weight: f64,
    /// What a woman or girl, and a man or boy, is trafficked for (recruited children: boys for
    /// criminal roles, girls for sexual exploitation, whatever these say).
    pub forms_female: FormTable,
    pub forms_male: FormTable,
}

impl Default for TraffickingSpec {
    fn default() -> Self {
        Self {
            base_rate: 0.002,
            lodging: LodgingTable {
                kin: 1.0,
                shelter: 2.5,
                rent: 1.0,
                informal: 3.0,
            },
            home_factor: 0.1,
            per_year_displaced: 1.0,
            no_kin_factor: 1.5,
            group_control_factor: 2.0,
            unaccompanied_factor: 8.0,
            female_weight: 2.0,
            child_weight: 1.5,
            forms_female: FormTable {
                sexual: 0.6,
                labour: 0.15,
                criminal: 0.05,
                servitude: 0.2,
            },
            forms_male: FormTable {
                sexual: 0.05,
                labour: 0.55,
                criminal: 0.35,
                servitude: 0.05,
            },
        }
    }
}

/// When a neighbourhood counts as a ghost neighbourhood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GhostSpec {
    /// Occupancy, as a share of the initial households, below which a neighbourhood is a ghost.
    pub threshold: f64,
    /// Neighbourhoods that started with fewer households are never counted.
    pub min_households: u32,
}

impl Default for GhostSpec {
    fn default() -> Self {
        Self {
            threshold: 0.2,
            min_households: 5,
        }
    }
}

/// Mass displacement: how many are ordered out when a group issues an order, and how a block
/// leaves together after a collective demand, threat or massacre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MassSpec {
    /// Share of the residents of a contested neighbourhood ordered out by an expulsion order.
    pub expulsion_share: f64,
    /// Share of the residents ordered out in a land grab.
    pub land_grab_share: f64,
    /// Share of the households ordered out that the group holds as 'suspect' (traitor mark).
    pub suspect_share: f64,
    /// Households in the block a collective demand, threat or massacre reaches (a street).
    pub block_households: f64,
    /// Share of the block's households that leave together, as whole families (those who cannot
    /// pay the move hide or stay).
    pub block_flee_share: f64,
    /// Share of collective events that are death threats to the block rather than a demand that
    /// the street pay together.
    pub collective_threat_share: f64,
    /// Organised-crime killings in one neighbourhood in one tick that make a massacre, after
    /// which the block around it leaves (0: massacres move no one together).
    pub massacre_killings: u32,
}

impl Default for MassSpec {
    fn default() -> Self {
        Self {
            expulsion_share: 0.4,
            land_grab_share: 0.7,
            suspect_share: 0.2,
            block_households: 40.0,
            block_flee_share: 0.5,
            collective_threat_share: 0.5,
            massacre_killings: 3,
        }
    }
}

/// What a business closure costs its neighbourhood: the jobs and custom of households whose income
/// depended on it. A household without income lives on its savings; when they fall to
/// `reserve_months` it leaves to make a living elsewhere, or stays on and gets by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LivelihoodSpec {
    /// Other households of the neighbourhood whose income one closed business carried (workers,
    /// suppliers, clients' trades), besides the owner's.
    pub jobs_per_closure: f64,
    /// Months of savings (in months of median income) a household without income spends a month.
    pub spending_months: f64,
    /// Savings, in months of median income, at which a household without income decides.
    pub reserve_months: f64,
    /// Probability that it then leaves (it stays on and gets by otherwise).
    pub leave_share: f64,
    /// Mean weeks to find a new income in the neighbourhood.
    pub reemployment_weeks: f64,
}

impl Default for LivelihoodSpec {
    fn default() -> Self {
        Self {
            jobs_per_closure: 1.0,
            spending_months: 0.5,
            reserve_months: 1.0,
            leave_share: 0.5,
            reemployment_weeks: 26.0,
        }
    }
}

/// Self-defence groups (brief 2.5): communities held by a criminal group where the state is
/// absent rise against it; each such autodefensa is in the end absorbed by the state as rural
/// police or turns criminal. They form only where a `[[groups]]` type of kind `autodefensa` is
/// declared (its keys are the community's profile; `count` may be 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutodefensaSpec {
    /// Uprisings per year in a community (a cell of the autodefensa type's home kinds) held by one
    /// criminal group, times the share of state presence missing there.
    pub formation_rate: f64,
    /// Absorptions per year of a self-defence group by the state, times 1 − corruption of its
    /// home region.
    pub absorption_rate: f64,
    /// Criminal turns per year of a self-defence group.
    pub criminal_rate: f64,
    /// How many times its community profile an autodefensa preys once it has turned criminal.
    pub criminal_factor: f64,
    /// State presence its neighbourhoods gain when it is absorbed (its members become rural police).
    pub absorbed_presence: f64,
}

impl Default for AutodefensaSpec {
    fn default() -> Self {
        Self {
            formation_rate: 0.1,
            absorption_rate: 0.5,
            criminal_rate: 0.5,
            criminal_factor: 8.0,
            absorbed_presence: 0.3,
        }
    }
}

/// Figures the scenario is calibrated to, drawn beside the simulated ones in the figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TargetsSpec {
    /// Target share of displaced persons by trigger (keys are trigger names).
    pub trigger_shares: std::collections::BTreeMap<String, f64>,
}
