//! Natural units converted once into per-tick model quantities.

use super::spec::ScenarioSpec;

/// Per-tick rates and factors derived from a resolved scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Tick length in weeks.
    pub dt_weeks: f64,
    /// Tick length in years.
    pub dt_years: f64,
    /// Background homicide hazard per resident per tick.
    pub background_hazard: f64,
    /// Weight of this tick's homicide rate in the perceived neighbourhood risk (EWMA).
    pub risk_alpha: f64,
    /// Per-tick survival of accumulated fear.
    pub fear_decay: f64,
    /// Per-tick survival of extortion strain.
    pub strain_decay: f64,
    /// Strain a household of median wealth can bear (a demand adds its level in months).
    pub pay_capacity: f64,
    /// One entry per group type, in scenario order.
    pub groups: Vec<GroupParams>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupParams {
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
                })
                .collect(),
        }
    }
}
