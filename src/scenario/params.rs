//! Natural units converted once into per-tick model quantities.

use super::spec::ScenarioSpec;

/// Per-tick rates and factors derived from a resolved scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Tick length in weeks.
    pub dt_weeks: f64,
    /// Tick length in years.
    pub dt_years: f64,
    /// Ticks run before tick 0: `simulation.burn_in` weeks, rounded up to whole ticks.
    pub burn_in_ticks: u32,
    /// Background homicide hazard per resident per tick.
    pub background_hazard: f64,
    /// Weight of this tick's homicide rate in the perceived neighbourhood risk (EWMA).
    pub risk_alpha: f64,
    /// Per-tick survival of accumulated fear.
    pub fear_decay: f64,
    /// Per-tick probability that a household without income finds a new one.
    pub reemployment_probability: f64,
    /// Savings (months of median income) a household without income spends in a tick.
    pub savings_spent: f64,
    /// Per-tick survival of extortion strain.
    pub strain_decay: f64,
    /// Strain a household of median wealth can bear (a demand adds its level in months).
    pub pay_capacity: f64,
    /// One entry per group type, in scenario order.
    pub groups: Vec<GroupParams>,
    /// Pursuit detection hazard per tick by mark severity (index 0 = no mark).
    pub detection_hazard: [f64; 6],
    /// Per-tick probability that kin stop hosting.
    pub kin_hosting_end: f64,
    /// Per-tick hazard of a forced move from a shelter or informal settlement.
    pub precarious_move_hazard: f64,
    /// Per-tick return hazard where return is possible.
    pub return_hazard: f64,
    /// Per-tick hazard of emigrating for work, per resident household, before border openness.
    pub labour_emigration_hazard: f64,
    /// Trafficking hazard per displaced person per tick, before multipliers.
    pub trafficking_hazard: f64,
    /// Shortest and longest hiding spell in ticks.
    pub hide_ticks: (u32, u32),
    /// Wealth lost per tick hidden.
    pub hide_cost: f64,
    /// Per-tick hazard that a contest ends.
    pub contest_resolution_hazard: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupParams {
    /// Recruitment hazard per recruitable child per tick.
    pub recruitment_hazard: f64,
    /// Sexual violence hazard per woman or girl per tick.
    pub sexual_violence_hazard: f64,
    /// Seizure hazard per household with a dwelling per tick.
    pub seizure_hazard: f64,
    /// Expulsion-order hazard per targeted household per tick.
    pub profile_hazard: f64,
    /// Mass-order hazard per contested cell per tick.
    pub expulsion_hazard: f64,
    /// Land-grab hazard per held strategic cell per tick.
    pub land_grab_hazard: f64,
    /// Collective demand or threat hazard per held cell per tick.
    pub collective_hazard: f64,
    /// Expansion, split and relocation hazards per group per tick.
    pub expansion_hazard: f64,
    pub split_hazard: f64,
    pub relocation_hazard: f64,
    /// Extortion demand hazard per (unit-weight) household per tick.
    pub extortion_hazard: f64,
    /// Organised-crime homicide hazard per resident per tick.
    pub violence_hazard: f64,
    /// Death-threat hazard per household per tick.
    pub threat_hazard: f64,
}

/// Seconds-free conversion of a rate per `period` into a hazard per tick of `dt` periods.
fn per_tick(rate: f64, dt: f64) -> f64 {
    rate * dt
}

/// Per-tick survival of a quantity that fades with time constant `memory` (same unit as `dt`).
fn decay(dt: f64, memory: f64) -> f64 {
    libm::exp(-dt / memory)
}

impl Params {
    /// `spec` must already be resolved (group defaults filled in).
    pub fn from_spec(spec: &ScenarioSpec) -> Params {
        let dt_weeks = f64::from(spec.simulation.tick_days) / 7.0;
        let dt_years = f64::from(spec.simulation.tick_days) / 365.25;
        Params {
            dt_weeks,
            dt_years,
            burn_in_ticks: libm::ceil(f64::from(spec.simulation.burn_in) / dt_weeks) as u32,
            background_hazard: per_tick(spec.violence.background_rate / 1e5, dt_years),
            risk_alpha: 1.0 - decay(dt_weeks, spec.violence.risk_memory_weeks),
            fear_decay: decay(dt_weeks, spec.fear.memory_weeks),
            strain_decay: decay(dt_weeks, spec.extortion.strain_memory_weeks),
            pay_capacity: spec.extortion.pay_capacity_months,
            groups: spec
                .groups
                .iter()
                .map(|g| GroupParams {
                    extortion_hazard: per_tick(g.extortion_rate.unwrap_or(0.0), dt_years),
                    violence_hazard: per_tick(g.violence.unwrap_or(0.0) / 1e5, dt_years),
                    threat_hazard: per_tick(g.threat_rate.unwrap_or(0.0) / 1e3, dt_years),
                    recruitment_hazard: per_tick(g.recruitment_rate.unwrap_or(0.0), dt_years),
                    sexual_violence_hazard: per_tick(
                        g.sexual_violence_rate.unwrap_or(0.0),
                        dt_years,
                    ),
                    seizure_hazard: per_tick(g.seizure_rate.unwrap_or(0.0), dt_years),
                    profile_hazard: per_tick(g.profile_rate.unwrap_or(0.0), dt_years),
                    expulsion_hazard: per_tick(g.expulsion_rate.unwrap_or(0.0), dt_years),
                    land_grab_hazard: per_tick(g.land_grab_rate.unwrap_or(0.0), dt_years),
                    collective_hazard: per_tick(g.collective_rate.unwrap_or(0.0), dt_years),
                    expansion_hazard: per_tick(g.expansion_rate.unwrap_or(0.0), dt_years),
                    split_hazard: per_tick(g.split_rate.unwrap_or(0.0), dt_years),
                    relocation_hazard: per_tick(g.relocation_rate.unwrap_or(0.0), dt_years),
                })
                .collect(),
            detection_hazard: {
                let d = spec.pursuit.detection.as_array();
                [0.0, d[0], d[1], d[2], d[3], d[4]].map(|rate| per_tick(rate, dt_years))
            },
            kin_hosting_end: 1.0 - decay(dt_weeks, spec.hosting.kin_weeks),
            precarious_move_hazard: per_tick(spec.hosting.precarious_move_rate, dt_years),
            return_hazard: per_tick(spec.returns.rate, dt_years),
            labour_emigration_hazard: per_tick(spec.exit.labour_rate, dt_years),
            trafficking_hazard: per_tick(spec.trafficking.base_rate, dt_years),
            hide_ticks: {
                let sc = &spec.self_containment;
                let ticks = |weeks: f64| (libm::ceil(weeks / dt_weeks) as u32).max(1);
                (ticks(sc.min_weeks), ticks(sc.max_weeks))
            },
            hide_cost: spec.self_containment.weekly_cost_months * dt_weeks,
            contest_resolution_hazard: per_tick(spec.violence.contest_resolution_rate, dt_years),
            reemployment_probability: 1.0 - decay(dt_weeks, spec.livelihood.reemployment_weeks),
            // Months of income spent a month, over the weeks of a month.
            savings_spent: spec.livelihood.spending_months * dt_weeks * 12.0 / 52.0,
        }
    }
}
