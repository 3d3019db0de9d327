//! Children drawn into violent roles. Recruited children serve as lookouts, couriers and
//! hitmen ("adolescents 'assigned' jobs up to homicide", brief 3.2) and are killed in those
//! roles, most of all where groups fight over a neighbourhood: rapid expansion, which brings
//! both recruitment and contests, brings a steep rise in child homicides (brief 3.2, 9 E.39).

use super::Model;
use super::hazards::activity_factor;
use crate::households::PersonState;
use crate::metrics::TickMetrics;
use crate::rng::{Process, StreamKey};

/// Kills recruited children, each with the per-tick hazard of `recruitment.member_homicide_rate`
/// (times `violence.contest_multiplier` where the cell they were taken from is contested, and
/// the holder's activity where one group holds it); they are booked as organised-crime and
/// child homicides of that cell.
pub fn killed_in_violent_roles(model: &mut Model, metrics: &mut TickMetrics) {
    let spec = &model.scenario.spec;
    let base = spec.recruitment.member_homicide_rate * model.scenario.params.dt_years;
    if base <= 0.0 {
        return;
    }
    let contest = spec.violence.contest_multiplier;
    let key = StreamKey::new(model.scenario.seed(), Process::RecruitDeaths, model.tick);
    for c in 0..model.world.len() {
        let recruited = model.world.cells.recruited[c];
        if recruited == 0 {
            continue;
        }
        let claims = model.world.claims_of(c as u32);
        let factor = match claims {
            [] => 1.0,
            [g] => activity_factor(model, *g),
            _ => contest,
        };
        let p = -libm::expm1(-base * factor);
        let mut draws = key.draws(c as u64);
        let killed = (0..recruited).filter(|_| draws.chance(p)).count() as u32;
        if killed > 0 {
            let cells = &mut model.world.cells;
            cells.recruited[c] -= killed;
            cells.homicides_oc[c] += killed;
            cells.homicides_oc_tick[c] += killed;
            metrics.homicides_oc += killed;
            metrics.homicides_children += killed;
            // They were counted among the recruited; now among the dead.
            model.persons_by_state[PersonState::Recruited as usize] -= u64::from(killed);
            model.persons_by_state[PersonState::Dead as usize] += u64::from(killed);
        }
    }
}
