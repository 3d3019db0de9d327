//! Phase 5: lodging changes that are not displacements.
//!
//! Kin "can support them for a short time" (brief 2.8): when kin stop hosting, the household
//! looks for a shelter place, a rented dwelling or an informal settlement where it is. Displaced
//! households return home when the origin is calmer, the group that marked them no longer holds
//! it and their house was not seized (brief 4: the sources give no return rates; this rule is an
//! assumption); a return needs a vacant dwelling at the origin.

use super::Model;
use super::flight::lodge_without_kin;
use crate::households::{Lodging, Status};
use crate::metrics::TickMetrics;

/// Households whose kin stopped hosting them find other lodging in the same neighbourhood.
pub fn relodge(model: &mut Model, households: &[u32], metrics: &mut TickMetrics) {
    let spec = &model.scenario.spec;
    for &h in households {
        let h = h as usize;
        let mind = &mut model.households.mind[h];
        if mind.status != Status::Displaced || mind.lodging != Lodging::Kin {
            continue;
        }
        let c = model.households.cell[h] as usize;
        let world = &mut model.world;
        mind.lodging = lodge_without_kin(
            spec,
            &mut world.cells,
            &world.housing,
            &world.shelter_capacity,
            mind,
            c,
        );
        metrics.kin_hosting_ended += 1;
    }
}

/// Households return home where a dwelling is free for them.
pub fn returns(model: &mut Model, households: &[u32], metrics: &mut TickMetrics) {
    for &h in households {
        let h = h as usize;
        let status = model.households.mind[h].status;
        if status != Status::Displaced {
            continue;
        }
        let from = model.households.cell[h] as usize;
        let home = model.households.origin[h] as usize;
        let cells = &mut model.world.cells;
        if cells.vacant_dwellings(&model.world.housing, home) == 0 {
            continue;
        }
        let mind = &mut model.households.mind[h];
        match mind.lodging {
            Lodging::Home | Lodging::Rent => cells.dwellings_used[from] -= 1,
            Lodging::Shelter => cells.shelter_used[from] -= 1,
            Lodging::Kin | Lodging::Informal => {}
        }
        let persons = model.households.members[h].total();
        cells.households[from] -= 1;
        cells.persons[from] -= persons;
        cells.households[home] += 1;
        cells.persons[home] += persons;
        cells.dwellings_used[home] += 1;
        mind.lodging = Lodging::Home;
        mind.status = Status::Resident;
        mind.fear = 0.0;
        model.households.cell[h] = home as u32;
        model.restate(Status::Displaced, Status::Resident, persons);
        metrics.returns += 1;
    }
}
